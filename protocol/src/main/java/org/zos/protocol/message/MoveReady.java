package org.zos.protocol.message;

/**
 * The receiver takes the move: {@code transfer} names it in every later message and data frame.
 * {@code diskBase} repeats the offer's disk base if this host's disk is exactly that one (the return sends no
 * disk ahead), null otherwise.
 */
public record MoveReady(long transfer, String diskBase) implements Message {

    /** A receiver that holds no disk base the offer claimed. */
    public MoveReady(long transfer) {
        this(transfer, null);
    }

    @Override
    public void check() {
        Bounds b = Bounds.of("move-ready");
        b.range("transfer", transfer, 1, Long.MAX_VALUE).optional("diskBase", diskBase, MoveOffer.DISK_BASE);
    }
}
