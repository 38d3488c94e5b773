package org.zos.protocol.message;

/**
 * From an anima's home to the host it visits: cancel the return of the anima that host is sending. It
 * answers {@link MoveDone} with state "cancelling" at once; the move itself ends with CANCELLED, and the
 * anima runs where it ran before.
 */
public record MoveCancel(String anima) implements Message {

    @Override
    public void check() {
        Bounds b = Bounds.of("move-cancel");
        b.matches("anima", anima, Bounds.ANIMA);
    }
}
