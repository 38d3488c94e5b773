package org.zos.protocol.message;

/** The answer to an allowed {@link AccessQuery}: the control the access list grants ("full" or "partial"). */
public record AccessGrant(String control) implements Message {

    @Override
    public void check() {
        Bounds b = Bounds.of("access-grant");
        b.oneOf("control", control, AccessQuery.CONTROLS);
    }
}
