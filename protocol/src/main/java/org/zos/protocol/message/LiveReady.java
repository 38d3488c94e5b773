package org.zos.protocol.message;

/** The connection asked by {@link LiveOpen} reached the receiver's libvirtd or QEMU: its bytes follow. */
public record LiveReady(long transfer, String kind) implements Message {

    @Override
    public void check() {
        Bounds.of("live-ready").range("transfer", transfer, 1, Long.MAX_VALUE).oneOf("kind", kind, LiveOpen.KINDS);
    }
}
