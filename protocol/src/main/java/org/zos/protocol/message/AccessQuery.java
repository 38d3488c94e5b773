package org.zos.protocol.message;

/**
 * Asks whether the user of this connection (named in its hello) may take {@code control} ("full" or
 * "partial") of the host; answered by {@link AccessGrant} or a DENIED failure.
 */
public record AccessQuery(String control) implements Message {
    /** The controls a host can grant (docs/protocol.md, Glossary). */
    public static final java.util.Set<String> CONTROLS = java.util.Set.of("full", "partial", "none");


    @Override
    public void check() {
        Bounds b = Bounds.of("access-query");
        b.oneOf("control", control, CONTROLS);
    }
}
