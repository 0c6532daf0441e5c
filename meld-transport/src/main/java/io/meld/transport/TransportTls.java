package io.meld.transport;

import io.netty.handler.ssl.SslContext;
import java.util.Objects;

/**
 * The TLS contexts of a node's data path: every connection it accepts is a TLS server that requires the
 * peer's certificate, every one it opens (lanes and direct channels) a TLS client with its own. A peer
 * that speaks plain text, or whose certificate the contexts do not trust, is refused before any frame of
 * it is read.
 *
 * @param server the context of accepted connections; it must require client certificates
 * @param client the context of opened connections
 */
public record TransportTls(SslContext server, SslContext client) {
    /** Checks that both contexts are given and of the right side. */
    public TransportTls {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(client, "client");
        if (!server.isServer() || !client.isClient()) {
            throw new IllegalArgumentException("the data path's TLS contexts must be a server's and a client's");
        }
    }
}
