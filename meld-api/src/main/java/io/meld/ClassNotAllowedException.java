package io.meld;

import java.io.Serial;

/**
 * An object was to cross the wire (a message, a remote task, its result) but its class is not on the
 * node's allow-list. Meld never deserializes a class the program did not name: register it on every
 * node with {@link Meld#register(Class[])}, or list it (or its package, {@code com.example.*}) in the
 * setting {@code meld.codec.classes}.
 *
 * <p>A lambda (a remote task, or a serializable function a task captures) is allowed when the class
 * whose code holds it, the class that wrote it, is: the lambda's own class is a hidden one ({@code
 * com.example.Main$$Lambda/0x...}) that no program can name. The message and {@link #className()} name
 * the class that wrote it ({@code com.example.Main}), the one to register.
 *
 * <p>Thrown by the sender when it encodes such an object, and by the receiver when bytes name a class it
 * does not allow (nodes that registered different classes).
 */
public class ClassNotAllowedException extends MeldException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final String className;

    /**
     * @param className the binary name of the refused class (for a lambda, of the class that wrote it)
     * @param message what was refused, and how to allow it
     */
    public ClassNotAllowedException(String className, String message) {
        super(message);
        this.className = className;
    }

    /**
     * @return the binary name of the class to allow, e.g. {@code com.example.Point$Inner}: the refused
     *     class, or for a lambda the class that wrote it
     */
    public String className() {
        return className;
    }
}
