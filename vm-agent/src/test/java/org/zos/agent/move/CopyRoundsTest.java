package org.zos.agent.move;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** When the rounds of the memory by content end ({@link MoveSender#lastRound}). */
class CopyRoundsTest {
    private static final long NONE = Long.MAX_VALUE;

    @Test
    void aRoundEndsWhenItFoundLittle() {
        assertFalse(MoveSender.lastRound(1, 5938, NONE), "a first round finds what the receiver lacks");
        assertTrue(MoveSender.lastRound(1, MoveSender.COPY_SETTLED, NONE));
        // A bench's return: 324 pages in the second round are not little; a third round found 121.
        assertFalse(MoveSender.lastRound(2, 324, 5938));
        assertTrue(MoveSender.lastRound(3, 121, 324));
    }

    @Test
    void aGuestThatWritesFasterThanTheLinkTakesEndsTheRounds() {
        assertTrue(MoveSender.lastRound(3, 3000, 5000), "not fewer than half of the round before");
        assertFalse(MoveSender.lastRound(3, 2000, 5000));
        assertTrue(MoveSender.lastRound(MoveSender.COPY_ROUNDS, 2000, 5000));
    }

    /** After a wait for the receiver the round before is no measure (its pages piled up while waiting). */
    @Test
    void aRoundAfterAWaitIsJudgedOnItsOwn() {
        assertFalse(MoveSender.lastRound(3, 324, NONE));
        assertTrue(MoveSender.lastRound(3, 200, NONE));
    }
}
