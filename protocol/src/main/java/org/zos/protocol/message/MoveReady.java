package org.zos.protocol.message;

/** The receiver takes the move: {@code transfer} names it in every later message and data frame. */
public record MoveReady(long transfer) implements Message {
}
