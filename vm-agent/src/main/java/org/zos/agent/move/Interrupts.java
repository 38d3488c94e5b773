package org.zos.agent.move;

import java.time.Duration;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/**
 * The one policy for interrupts in a move: a thread interrupted while it waits keeps its interrupt flag
 * and ends its step with CANCELLED, which every caller treats as it treats a cancel (before the decision
 * the anima runs where it ran; after it the journal finishes the move).
 */
final class Interrupts {
    private Interrupts() {
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            throw cancelled(e);
        }
    }

    /** The flag set again, and the exception that ends the step. */
    static ZosException cancelled(InterruptedException e) {
        Thread.currentThread().interrupt();
        return new ZosException(ErrorCode.CANCELLED, "interrupted", "");
    }
}
