package org.zos.protocol.message;

/**
 * Asks where an anima is and in what state ({@code anima} null or empty: every anima the host holds).
 * A host that does not hold a named anima asks the hosts it has enrolled, with {@code hops} one less,
 * while {@code hops} is above 0, and answers with what they report. {@code via} names the hosts the
 * query went through (the first asker first); a host never asks a host named there, so a forwarded
 * query never loops.
 */
public record StatusQuery(String anima, int hops, java.util.List<String> via) implements Message {
    /**
     * The most hops a query may ask for. {@code zos-vm status NAME} asks its own agent with 2 (this host,
     * then each host it enrolled, then theirs); a query with more is refused, so no peer can start a storm.
     */
    public static final int MAX_HOPS = 2;

    /** Normalizes an absent {@code via} (an older sender) to the empty list. */
    public StatusQuery {
        via = via == null ? java.util.List.of() : java.util.List.copyOf(via);
    }

    /** A query that has not been forwarded yet. */
    public StatusQuery(String anima, int hops) {
        this(anima, hops, java.util.List.of());
    }


    @Override
    public void check() {
        Bounds b = Bounds.of("status-query");
        if (anima != null && !anima.isEmpty()) {
            b.matches("anima", anima, Bounds.ANIMA);
        }
        b.range("hops", hops, 0, MAX_HOPS).size("via", via, MAX_HOPS + 1);
        for (String h : via) {
            b.matches("via", h, Bounds.HOST);
        }
    }
}
