package org.zos.protocol.message;

/**
 * The sender gives the move up (cancelled, or it failed on its side): the receiver drops whatever it
 * received of it and answers {@link MoveDone} with state "aborted".
 */
public record MoveAbort(long transfer, String why) implements Message {
}
