package org.zos.protocol.message;

/**
 * Asks whether the user of this connection (named in its hello) may take {@code control} ("full" or
 * "partial") of the host; answered by {@link AccessGrant} or a DENIED failure.
 */
public record AccessQuery(String control) implements Message {
}
