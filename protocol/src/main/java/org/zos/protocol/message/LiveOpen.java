package org.zos.protocol.message;

/**
 * Opens one connection of move {@code transfer}'s live migration through the agents: {@code kind}
 * "libvirt" (libvirtd's connection to its peer), "migration" (QEMU's migration stream) or "disks" (QEMU's
 * NBD copy of the disks). Answered by {@link LiveReady}; from then on the connection carries that
 * connection's bytes as data frames both ways, coded as docs/protocol.md, "Live moves", says.
 */
public record LiveOpen(long transfer, String kind) implements Message {
    /** The connections a live migration makes. */
    public static final java.util.Set<String> KINDS = java.util.Set.of("libvirt", "migration", "disks");

    @Override
    public void check() {
        Bounds.of("live-open").range("transfer", transfer, 1, Long.MAX_VALUE).oneOf("kind", kind, KINDS);
    }

    @Override
    public boolean opensStream() {
        return true;
    }
}
