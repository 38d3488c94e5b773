package org.zos.agent.move;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** When the rounds of the memory by content end ({@link MoveSender#lastRound}). */
class CopyRoundsTest {
    private static final long MS = 1_000_000;
    private static final long NONE = Long.MAX_VALUE;

    @Test
    void aFirstRoundEndsOnlyWhenItFoundLittle() {
        assertFalse(MoveSender.lastRound(1, 5938, NONE, 0, 1924 * MS), "what the receiver lacks is no rate");
        assertTrue(MoveSender.lastRound(1, MoveSender.COPY_SETTLED, NONE, 0, 1924 * MS));
    }

    /** A bench's return: 324 pages written during a round of 1.9 s, so about 46 during the next of 0.27 s. */
    @Test
    void aRoundEndsWhenTheGuestWouldWriteLittleDuringAnother() {
        assertTrue(MoveSender.lastRound(2, 324, 5938, 1924 * MS, 272 * MS));
        // The same pages found in a round as long as the one before: another round would find as many.
        assertFalse(MoveSender.lastRound(2, 324, 5938, 272 * MS, 272 * MS));
    }

    @Test
    void aGuestThatWritesFasterThanTheLinkTakesEndsTheRounds() {
        assertTrue(MoveSender.lastRound(3, 3000, 5000, 2000 * MS, 1500 * MS), "not fewer than half of the round before");
        assertFalse(MoveSender.lastRound(3, 2000, 5000, 2000 * MS, 1500 * MS));
        assertTrue(MoveSender.lastRound(MoveSender.COPY_ROUNDS, 2000, 5000, 2000 * MS, 1500 * MS));
    }

    /** After a wait for the receiver the round before is no measure (its pages piled up while waiting). */
    @Test
    void aRoundAfterAWaitIsJudgedOnItsOwn() {
        assertFalse(MoveSender.lastRound(3, 324, NONE, 0, 272 * MS));
        assertTrue(MoveSender.lastRound(3, 200, NONE, 0, 272 * MS));
    }
}
