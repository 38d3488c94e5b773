package org.zos.protocol.message;

/**
 * The anima runs on the receiver now ({@code state} "running"; "aborted" answers a {@link MoveAbort}); the
 * sender gives its copy up. {@code note} says what the move cost (bytes sent, downtime), for people.
 */
public record MoveDone(long transfer, String state, String note) implements Message {
}
