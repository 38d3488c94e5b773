package org.zos.protocol.message;

/**
 * The sender has decided: the anima restored paused by the receiver ({@link MoveDone} "paused" answering
 * {@link MoveCommit}) is the one copy now, and the receiver runs it. Answered by {@link MoveDone} "running",
 * or by a failure if the receiver cannot run it after all (the sender then takes its copy back).
 */
public record MoveGo(long transfer, String anima) implements Message {

    @Override
    public void check() {
        Bounds b = Bounds.of("move-go");
        b.range("transfer", transfer, 1, Long.MAX_VALUE).matches("anima", anima, Bounds.ANIMA);
    }
}
