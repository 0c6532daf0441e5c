package io.meld;

import java.io.Serializable;

/**
 * Work shipped to a node and run there: a serializable lambda, encoded with what it captures by Meld's
 * allow-listed serializer. The class that writes the lambda must be allowed ({@code meld.codec.classes}
 * or {@link Meld#register(Class[])}), and so must the classes of the values it captures, apart from the JDK's
 * basic ones. Global arrays, locks, latches and counters it captures arrive as the running node's
 * handles of the same objects, so a task shipped to an element's home works on it at memory speed.
 *
 * <p>The task runs on copies of what it captured: changes to them stay on the node it ran on.
 *
 * @see Meld#asyncAt(int, RemoteJob)
 */
@FunctionalInterface
public interface RemoteJob extends Serializable {
    /**
     * Does the work.
     *
     * @param here the handle of the node it runs on
     * @throws Exception anything; it reaches the enclosing {@code finish} as a {@link TaskFailedException}
     */
    void run(Meld here) throws Exception;
}
