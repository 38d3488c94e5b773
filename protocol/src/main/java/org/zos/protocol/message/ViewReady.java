package org.zos.protocol.message;

/**
 * The view asked by {@link ViewOpen} is open: from now on the connection carries its RFB bytes.
 * {@code viewOnly} says whether this viewer's input is dropped (asked for, or the caller's access is only
 * partial); {@code host} is where the anima runs.
 */
public record ViewReady(String anima, String host, boolean viewOnly) implements Message {

    @Override
    public void check() {
        Bounds.of("view-ready").matches("anima", anima, Bounds.ANIMA).matches("host", host, Bounds.HOST);
    }
}
