package org.zos.agent.move;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A move's economies wait for the commands moving the same anima here to end, and only for those. */
class AfterwardsTest {
    private final Afterwards after = new Afterwards();

    @Test
    void workRunsAtOnceWhenNoCommandMovesTheAnima() throws Exception {
        CountDownLatch ran = new CountDownLatch(1);
        try (Afterwards.Command other = after.command("other")) {
            after.run("ana", "test-work", ran::countDown);
            assertTrue(ran.await(5, TimeUnit.SECONDS), "a command moving another anima does not hold it");
        }
    }

    @Test
    void workWaitsForTheLastCommandMovingTheAnima() throws Exception {
        CountDownLatch ran = new CountDownLatch(1);
        String[] thread = new String[1];
        Afterwards.Command outer = after.command("ana");
        Afterwards.Command inner = after.command("ana");
        after.run("ana", "test-work", () -> {
            thread[0] = Thread.currentThread().getName();
            ran.countDown();
        });
        assertTrue(after.holds("ana"));
        inner.close();
        inner.close(); // closing twice ends it once
        assertFalse(ran.await(200, TimeUnit.MILLISECONDS), "one command still moves it");
        assertTrue(after.holds("ana"));
        outer.close();
        assertTrue(ran.await(5, TimeUnit.SECONDS), "ran once the last command ended");
        assertEquals("test-work", thread[0]);
        assertFalse(after.holds("ana"));
    }

    @Test
    void aFailingWorkIsLoggedAndLeavesTheNextOneAlone() throws Exception {
        CountDownLatch ran = new CountDownLatch(1);
        try (Afterwards.Command c = after.command("ana")) {
            after.run("ana", "test-failing", () -> {
                throw new IllegalStateException("broken on purpose");
            });
            after.run("ana", "test-work", ran::countDown);
        }
        assertTrue(ran.await(5, TimeUnit.SECONDS));
    }
}
