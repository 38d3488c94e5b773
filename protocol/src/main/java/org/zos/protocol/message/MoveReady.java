package org.zos.protocol.message;

/**
 * The receiver takes the move: {@code transfer} names it in every later message and data frame.
 * {@code diskBase} repeats the offer's disk base if this host's disk is exactly that one (the return sends no
 * disk ahead), null otherwise. {@code prepareEarly}: this receiver takes a live visit's {@code live-prepare}
 * while the disk's chunks still come (docs/protocol.md, "Live moves"); null (an older receiver) means no.
 */
public record MoveReady(long transfer, String diskBase, Boolean prepareEarly) implements Message {

    /** A receiver that holds no disk base the offer claimed. */
    public MoveReady(long transfer) {
        this(transfer, null, null);
    }

    /** Whether the receiver prepares a live visit's domain while its disk still comes. */
    public boolean prepares() {
        return Boolean.TRUE.equals(prepareEarly);
    }

    @Override
    public void check() {
        Bounds b = Bounds.of("move-ready");
        b.range("transfer", transfer, 1, Long.MAX_VALUE).optional("diskBase", diskBase, MoveOffer.DISK_BASE);
    }
}
