package org.zos.protocol.message;

/**
 * The connection asked by {@link LiveOpen} reached the receiver's libvirtd or QEMU: its bytes follow.
 * {@code window} is {@link LiveOpen#window} if the receiver keeps it (it then acknowledges the stream), else 0.
 */
public record LiveReady(long transfer, String kind, long window) implements Message {
    /** Without a window. */
    public LiveReady(long transfer, String kind) {
        this(transfer, kind, 0);
    }

    @Override
    public void check() {
        Bounds.of("live-ready").range("transfer", transfer, 1, Long.MAX_VALUE).oneOf("kind", kind, LiveOpen.KINDS)
                .range("window", window, 0, "migration".equals(kind) ? LiveOpen.MAX_WINDOW : 0);
    }
}
