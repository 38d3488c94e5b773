package org.zos.protocol.message;

/** Asks where an anima is and in what state ({@code anima} null or empty: every anima the host knows). */
public record StatusQuery(String anima) implements Message {
}
