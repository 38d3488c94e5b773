package org.zos.protocol.message;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/** The animas a host knows: where each one's home is, where it runs now, its state and its facts. */
public record StatusReport(List<Anima> animas) implements Message {
    /** The most animas one report may name. */
    public static final int MAX_ANIMAS = 4096;


    /**
     * One anima as a host knows it. The host that runs (or keeps) it fills in the facts after
     * {@code state}; they are absent (null) where unknown.
     *
     * @param state running, paused, suspended, shut off, shutting down, crashed, or missing (a record but no
     *     libvirt domain)
     * @param heartbeatBoot the default guest's boot id, from its last heartbeat
     * @param heartbeatCount the default guest's counter, from its last heartbeat
     * @param savedBytes size of the saved memory, while suspended
     * @param savedAt when it was suspended (ISO-8601), while suspended
     * @param vnc where its screen is served (host:port), while it runs
     * @param moving what a move of it is doing now, e.g. "to host2: sending disk 40%", while it moves (for people;
     *     {@code move} has the same as fields)
     * @param lent what a partial domination lends, e.g. "host2: apps 1; folders docs", while it lasts
     * @param folders its shared folders, e.g. "docs with host2, photos with host3 (read-only)"
     * @param move the move under way, as fields, while it moves
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Anima(String name, String home, String location, String state, Integer memoryMiB, Integer vcpus,
            Long diskSizeMiB, String accelerator, String kernel, String heartbeatBoot, Long heartbeatCount,
            Long savedBytes, String savedAt, String vnc, String moving, String lent, String folders, Move move) {

        /** Where an anima is and its state, without the facts. */
        public static Anima brief(String name, String home, String location, String state) {
            return new Anima(name, home, location, state, null, null, null, null, null, null, null, null, null, null, null, null, null,
                    null);
        }

        /** Checks the fields against their bounds, as part of the report {@code b} checks. */
        void check(Bounds b) {
            b.matches("anima.name", name, Bounds.ANIMA).optional("anima.home", home, Bounds.HOST)
                    .optional("anima.location", location, Bounds.HOST).text("anima.state", state, 64)
                    .text("anima.accelerator", accelerator, 16).text("anima.kernel", kernel, 200)
                    .text("anima.heartbeatBoot", heartbeatBoot, 64).text("anima.savedAt", savedAt, 64)
                    .text("anima.vnc", vnc, 300).text("anima.moving", moving, 300)
                    .text("anima.lent", lent, 1024).text("anima.folders", folders, Bounds.TEXT);
            if (move != null) {
                move.check(b);
            }
        }
    }

    /**
     * A move under way, as the host that sends it sees it.
     *
     * @param action {@code dominate} or {@code return}
     * @param peer the host the anima goes to
     * @param phase what the move does now, as its progress says ("sending disk", "suspending", …)
     * @param done bytes done in this phase
     * @param total bytes this phase will take (0: unknown)
     * @param elapsedMillis time spent in this phase
     */
    public record Move(String action, String peer, String phase, long done, long total, long elapsedMillis) {
        /** For people: {@code to host2: sending disk 40%}. */
        public String describe() {
            return "to " + peer + ": " + phase + (total > 0 ? " " + Math.min(100, done * 100 / total) + "%" : "");
        }

        void check(Bounds b) {
            b.text("move.action", action, 16).matches("move.peer", peer, Bounds.HOST).text("move.phase", phase, 200)
                    .range("move.done", done, 0, Long.MAX_VALUE).range("move.total", total, 0, Long.MAX_VALUE)
                    .range("move.elapsedMillis", elapsedMillis, 0, Long.MAX_VALUE);
        }
    }

    @Override
    public void check() {
        Bounds b = Bounds.of("status-report");
        b.required("animas", animas).size("animas", animas, MAX_ANIMAS);
        for (Anima a : animas) {
            b.required("animas[]", a);
            a.check(b);
        }
    }
}
