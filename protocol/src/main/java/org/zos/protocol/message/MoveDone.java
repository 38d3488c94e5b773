package org.zos.protocol.message;

/**
 * What became of a move: "paused" (restored on the receiver, awaiting {@link MoveGo}), "running", "aborted",
 * or for {@link MoveQuery} "committed" or "undecided". {@code note} says what the move cost, for people.
 */
public record MoveDone(long transfer, String state, String note) implements Message {
}
