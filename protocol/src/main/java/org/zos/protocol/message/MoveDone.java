package org.zos.protocol.message;

/**
 * What became of a move: "paused" (restored on the receiver, awaiting {@link MoveGo}), "running", "aborted",
 * "staged" (a stage ended: its chunks kept sealed), "kept" (a {@link MemoryKept} taken), or for {@link MoveQuery} "committed" or "undecided". {@code note} says what the move cost, for people.
 */
public record MoveDone(long transfer, String state, String note) implements Message {
    /** What a move can be answered with. */
    public static final java.util.Set<String> STATES = java.util.Set.of("paused", "running", "aborted", "cancelling",
            "committed", "undecided", "patched", "staged", "kept");


    @Override
    public void check() {
        Bounds b = Bounds.of("move-done");
        b.range("transfer", transfer, 0, Long.MAX_VALUE).oneOf("state", state, STATES).text("note", note, Bounds.NOTE);
    }
}
