package org.zos.protocol.message;

/**
 * Asks the host where an anima runs for a view of one of its application windows ({@code app} ≥ 1) or of
 * its whole screen ({@code app} 0). Answered by {@link ViewReady} or a failure; after the answer the
 * connection carries the view's RFB bytes as data frames both ways until either side closes it
 * (docs/protocol.md, "Views"). The answering host decides who may type: {@code viewOnly}, or a host whose
 * access is {@code partial}, gets a view whose key and pointer events never reach the anima.
 */
public record ViewOpen(String anima, int app, boolean viewOnly) implements Message {

    @Override
    public void check() {
        Bounds.of("view-open").matches("anima", anima, Bounds.ANIMA).range("app", app, 0, 65535);
    }

    @Override
    public boolean opensStream() {
        return true;
    }
}
