package org.zos.protocol.message;

/**
 * A message with its number and the number of the message it answers (0 if none). Numbers are chosen
 * by the sender, start at 1 and grow; each side numbers its own messages.
 *
 * <pre>{"id": 7, "re": 3, "body": {"type": "pong", ...}}</pre>
 */
public record Envelope(long id, long re, Message body) {
}
