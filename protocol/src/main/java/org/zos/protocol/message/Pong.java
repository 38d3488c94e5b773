package org.zos.protocol.message;

/** The answer to a {@link Ping}, echoing its value. */
public record Pong(long nanos) implements Message {

    @Override
    public void check() {
        // any value is valid
    }
}
