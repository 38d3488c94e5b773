package org.zos.protocol.message;

/**
 * Says "still here": each side of a connection sends one once it has written nothing for a second, so
 * the other side can tell a quiet peer from a dead one (see {@code org.zos.protocol.net.Liveness}). Never
 * answered; valid only after hello.
 */
public record Keepalive() implements Message {
    @Override
    public void check() {
        // no fields
    }
}
