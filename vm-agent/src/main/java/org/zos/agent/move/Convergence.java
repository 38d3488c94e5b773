package org.zos.agent.move;

import java.util.Map;

/**
 * What a live move does about a guest that dirties memory faster than the link takes it (issue 17). QEMU
 * copies memory in passes while the guest runs, and stops the guest for the last one once what is left
 * fits in the longest stop allowed; libvirt's auto-converge slows the guest's CPUs, step by step, when
 * the passes do not shrink. Before that, it paces QEMU ({@link Step#PACE}): a stop of 1 ms during the
 * first pass, then, once the pass is over, a rate capped near the link's and a short stop, so that QEMU's
 * plan of its last stop is not made on the rate at which references went. If that is not enough, this
 * policy falls back in two bounded steps, each after
 * a grace period that scales with the migration's own first pass (at least {@link #MIN_GRACE_MILLIS}):
 * first it allows a longer stop ({@link #FALLBACK_DOWNTIME_MILLIS}); then it pauses the guest, so the
 * rest goes as in a move suspended to a file (the stop lasts as long as the rest takes on the link). It
 * never switches to post-copy: a link lost then would leave no whole copy of the anima anywhere.
 *
 * <p>{@link #observe} takes the hypervisor's statistics of the running job (libvirt's names:
 * {@code memory_iteration}, the pass under way, counted from 1; {@code auto_converge_throttle}, the
 * percentage the guest's CPUs are slowed by) and the time, and says which step to take, once each.
 */
final class Convergence {
    /**
     * The longest stop asked for during the first pass: so short that QEMU does not stop the guest at its
     * end. QEMU judges a stop by how fast its stream went in the last tenth of a second, and through the
     * agents that is far faster than the link where its pages go as references (measured: 2688 Mbit/s on a
     * 100 Mbit/s link), so it would stop with tens of MB left to cross the link (docs/benchmarks.md, "Where
     * the long stops come from").
     */
    static final long FIRST_PASS_DOWNTIME_MILLIS = 1;
    /**
     * Once the first pass is over ({@link Step#PACE}): QEMU's rate is capped at {@link #PACE_FACTOR} times
     * the link's, and this stop asked, so the stop it plans (this, at that rate) fits about 250 ms on the link.
     */
    static final long PACED_DOWNTIME_MILLIS = 31;
    static final int PACE_FACTOR = 8;
    /** The stop asked when the link's rate is not known when the first pass ends (libvirt's own default). */
    static final long DOWNTIME_MILLIS = 300;
    /** The longest stop allowed once the passes do not converge. */
    static final long FALLBACK_DOWNTIME_MILLIS = 2000;
    /** The shortest grace before each fallback, after the first pass. */
    static final long MIN_GRACE_MILLIS = 10_000;

    /** What to do now. */
    enum Step {
        NOTHING,
        /** The first pass is over: cap QEMU's rate at {@link #PACE_FACTOR} times the link's, ask {@link #PACED_DOWNTIME_MILLIS}. */
        PACE,
        /** Allow a stop of up to {@link #FALLBACK_DOWNTIME_MILLIS}. */
        LONGER_STOP,
        /** Pause the guest: the rest is copied with it stopped. */
        PAUSE
    }

    private long memoryFrom = -1;
    private long firstPassEnd = -1;
    private long grace;
    private long lastStep = -1;
    private int steps;
    private long throttle;

    /** The step to take after statistics {@code stats} seen at {@code nowMillis}. */
    Step observe(Map<String, Long> stats, long nowMillis) {
        long iteration = stats.getOrDefault("memory_iteration", 0L);
        throttle = Math.max(throttle, stats.getOrDefault("auto_converge_throttle", 0L));
        if (iteration >= 1 && memoryFrom < 0) {
            memoryFrom = nowMillis;
        }
        if (iteration >= 2 && firstPassEnd < 0) {
            firstPassEnd = nowMillis;
            grace = Math.max(MIN_GRACE_MILLIS, 2 * (firstPassEnd - memoryFrom));
            lastStep = firstPassEnd;
            return Step.PACE;
        }
        if (firstPassEnd < 0 || steps >= 2 || nowMillis - lastStep < grace) {
            return Step.NOTHING;
        }
        lastStep = nowMillis;
        steps++;
        return steps == 1 ? Step.LONGER_STOP : Step.PAUSE;
    }

    /** How the migration converged, for the move's note: "converged", "… the guest slowed by 60 % …", "… paused …". */
    String describe(long throttleAtEnd) {
        long slowed = Math.max(throttle, throttleAtEnd);
        String slow = slowed > 0 ? " with the guest's CPUs slowed by " + slowed + " %" : "";
        return switch (steps) {
            case 0 -> "converged" + slow;
            case 1 -> "did not converge" + slow + "; ended with a stop of up to " + FALLBACK_DOWNTIME_MILLIS / 1000.0 + " s";
            default -> "did not converge" + slow + "; ended paused, as a suspended move";
        };
    }

    /** Whether the policy paused the guest. */
    boolean paused() {
        return steps >= 2;
    }
}
