package org.zos.agent.move;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The steps a live move takes about a migration that does not converge, on statistics as libvirt gives them. */
class ConvergenceTest {
    private static Map<String, Long> pass(long iteration, long throttle) {
        return Map.of("memory_iteration", iteration, "auto_converge_throttle", throttle);
    }

    @Test
    void aMigrationThatConvergesIsLeftAlone() {
        Convergence c = new Convergence();
        assertEquals(Convergence.Step.NOTHING, c.observe(Map.of(), 0)); // the disk's mirror: no memory yet
        assertEquals(Convergence.Step.NOTHING, c.observe(pass(1, 0), 5_000));
        assertEquals(Convergence.Step.PACE, c.observe(pass(2, 0), 9_000)); // the first pass is over: paced, once
        assertEquals(Convergence.Step.NOTHING, c.observe(pass(2, 0), 9_250));
        assertEquals(Convergence.Step.NOTHING, c.observe(pass(3, 20), 12_000));
        assertEquals("converged with the guest's CPUs slowed by 20 %", c.describe(0));
        assertEquals("converged", new Convergence().describe(0));
        assertFalse(c.paused());
    }

    @Test
    void oneThatDoesNotAllowsALongerStopThenPausesTheGuestEachOnceAfterItsGrace() {
        Convergence c = new Convergence();
        c.observe(pass(1, 0), 1_000);
        assertEquals(Convergence.Step.PACE, c.observe(pass(2, 0), 31_000)); // a first pass of 30 s: a grace of 60 s
        assertEquals(Convergence.Step.NOTHING, c.observe(pass(9, 99), 90_000));
        assertEquals(Convergence.Step.LONGER_STOP, c.observe(pass(10, 99), 91_001));
        assertEquals(Convergence.Step.NOTHING, c.observe(pass(11, 99), 92_000));
        assertEquals(Convergence.Step.NOTHING, c.observe(pass(19, 99), 151_000));
        assertEquals(Convergence.Step.PAUSE, c.observe(pass(20, 99), 151_002));
        assertEquals(Convergence.Step.NOTHING, c.observe(pass(40, 99), 900_000));
        assertTrue(c.paused());
        assertEquals("did not converge with the guest's CPUs slowed by 99 %; ended paused, as a suspended move", c.describe(0));
    }

    @Test
    void aFirstPassSeenOnlyOnceItIsOverIsPacedAllTheSame() {
        Convergence c = new Convergence();
        assertEquals(Convergence.Step.PACE, c.observe(pass(3, 0), 2_000)); // polled late: passes 1 and 2 unseen
        assertEquals(Convergence.Step.NOTHING, c.observe(pass(4, 0), 2_250));
    }

    @Test
    void theGraceIsNeverShorterThanTenSeconds() {
        Convergence c = new Convergence();
        c.observe(pass(1, 0), 0);
        c.observe(pass(2, 0), 500);
        assertEquals(Convergence.Step.NOTHING, c.observe(pass(30, 0), 10_499));
        assertEquals(Convergence.Step.LONGER_STOP, c.observe(pass(31, 0), 10_500));
        assertEquals("did not converge; ended with a stop of up to 2.0 s", c.describe(0));
    }
}
