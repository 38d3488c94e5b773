package org.zos.protocol.message;

/**
 * The sender gives the move up (cancelled, or it failed on its side): the receiver drops whatever it
 * received of it and answers {@link MoveDone} with state "aborted".
 */
public record MoveAbort(long transfer, String why) implements Message {

    @Override
    public void check() {
        Bounds b = Bounds.of("move-abort");
        b.range("transfer", transfer, 1, Long.MAX_VALUE).text("why", why, Bounds.TEXT);
    }
}
