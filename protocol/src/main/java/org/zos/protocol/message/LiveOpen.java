package org.zos.protocol.message;

/**
 * Opens one connection of move {@code transfer}'s live migration through the agents: {@code kind}
 * "libvirt" (libvirtd's connection to its peer), "migration" (QEMU's migration stream) or "disks" (QEMU's
 * NBD copy of the disks), or "memory" (the guest's memory by content, from the sending agent itself). Answered by {@link LiveReady}; from then on the connection carries that
 * connection's bytes as data frames both ways, coded as docs/protocol.md, "Live moves", says.
 * {@code window} (migration only; 0: none) is the most stream bytes the sender asks to keep ahead of the
 * receiver's acknowledgements; the receiver takes it by answering the same.
 */
public record LiveOpen(long transfer, String kind, long window) implements Message {
    /** The connections a live migration makes. */
    public static final java.util.Set<String> KINDS = java.util.Set.of("libvirt", "migration", "disks", "memory");
    /** The largest {@link #window}. */
    public static final long MAX_WINDOW = 1L << 30;

    /** Without a window. */
    public LiveOpen(long transfer, String kind) {
        this(transfer, kind, 0);
    }

    @Override
    public void check() {
        Bounds.of("live-open").range("transfer", transfer, 1, Long.MAX_VALUE).oneOf("kind", kind, KINDS)
                .range("window", window, 0, "migration".equals(kind) ? MAX_WINDOW : 0);
    }

    @Override
    public boolean opensStream() {
        return true;
    }
}
