package org.zos.protocol.message;

/** The receiver takes the move: {@code transfer} names it in every later message and data frame. */
public record MoveReady(long transfer) implements Message {

    @Override
    public void check() {
        Bounds b = Bounds.of("move-ready");
        b.range("transfer", transfer, 1, Long.MAX_VALUE);
    }
}
