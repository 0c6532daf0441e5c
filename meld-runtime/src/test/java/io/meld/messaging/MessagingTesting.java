package io.meld.messaging;

import io.meld.Meld;
import io.meld.transport.Links;
import java.lang.reflect.Field;

/** What the messaging and collective tests share: a way to make a node of an in-JVM cluster die. */
public final class MessagingTesting {
    private MessagingTesting() {}

    /**
     * Makes a node of an in-JVM cluster fail as if its process died: its connections close at once,
     * without the closing handshake or a BYE, so its peers see links go down. Reaches the node's
     * links by reflection: a test-only hook, so the runtime needs no API for it.
     *
     * @param meld the node's handle
     */
    public static void crash(Meld meld) throws ReflectiveOperationException {
        Field links = meld.getClass().getDeclaredField("links");
        links.setAccessible(true);
        ((Links) links.get(meld)).close();
    }
}
