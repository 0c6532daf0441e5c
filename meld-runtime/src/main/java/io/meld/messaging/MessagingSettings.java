package io.meld.messaging;

import io.meld.config.Setting;
import java.util.List;

/** Settings of message passing; see {@code docs/configuration.md}. */
public final class MessagingSettings {
    /** Bytes of unreceived messages one node may have in flight to another. */
    public static final Setting<Long> WINDOW = Setting.sizeSetting(
            "meld.messaging.window",
            4L << 20,
            64L << 10,
            1L << 30,
            "Bytes of messages a node may have sent to one other node that the other has not received yet"
                    + " (each message counts its payload plus 64 bytes). A send that would exceed it waits until"
                    + " the receiver takes messages, so a node holds at most nodes x this of unreceived"
                    + " messages. A single message larger than the window is sent once nothing else is"
                    + " outstanding to that node.");

    private MessagingSettings() {}

    /** @return every messaging setting */
    public static List<Setting<?>> all() {
        return List.of(WINDOW);
    }
}
