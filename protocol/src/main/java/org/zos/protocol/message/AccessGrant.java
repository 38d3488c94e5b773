package org.zos.protocol.message;

/** The answer to an allowed {@link AccessQuery}: the control the access list grants ("full" or "partial"). */
public record AccessGrant(String control) implements Message {
}
