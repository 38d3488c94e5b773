package org.zos.protocol.message;

/**
 * Asked by a receiver holding an anima restored paused, of the sender that went silent: what became of
 * the move? Answered by {@link MoveDone} with state "committed" (run it), "undecided" (ask again later) or
 * "aborted" (drop it: the sender kept or took back its copy).
 */
public record MoveQuery(long transfer, String anima) implements Message {

    @Override
    public void check() {
        Bounds b = Bounds.of("move-query");
        b.range("transfer", transfer, 1, Long.MAX_VALUE).matches("anima", anima, Bounds.ANIMA);
    }
}
