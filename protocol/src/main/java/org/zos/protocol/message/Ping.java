package org.zos.protocol.message;

/** Asks the peer to answer with a {@link Pong}; measures round trips and keeps idle links alive. */
public record Ping(long nanos) implements Message {

    @Override
    public void check() {
        // any value is valid
    }
}
