package org.zos.protocol.message;

/**
 * Asks where an anima is and in what state ({@code anima} null or empty: every anima the host holds).
 * A host that does not hold a named anima asks the hosts it has enrolled, with {@code hops} one less,
 * while {@code hops} is above 0, and answers with what they report.
 */
public record StatusQuery(String anima, int hops) implements Message {
}
