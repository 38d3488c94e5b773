package org.zos.agent.move;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.zos.protocol.message.Progress;

class MeterBeatTest {

    @Test
    void silentWorkSaysItsLastProgressAgainWithItsTimeGoingOn() throws Exception {
        List<Progress> sent = new CopyOnWriteArrayList<>();
        try (Meter.Beat beat = Meter.beat(Duration.ofMillis(100), sent::add)) {
            beat.accept(new Progress("checking the parcel", 3, 10, 500));
            Thread.sleep(450);
        }
        int after = sent.size();
        assertTrue(after >= 3, "said again while silent: " + sent);
        for (Progress p : sent) {
            assertEquals("checking the parcel", p.phase());
            assertEquals(3, p.done());
        }
        for (int i = 1; i < sent.size(); i++) {
            assertTrue(sent.get(i).elapsedMillis() >= sent.get(i - 1).elapsedMillis() + 100, "time goes on: " + sent);
        }
        Thread.sleep(300);
        assertEquals(after, sent.size(), "nothing more once closed");
    }

    @Test
    void workThatSpeaksIsNotRepeated() throws Exception {
        List<Progress> sent = new CopyOnWriteArrayList<>();
        try (Meter.Beat beat = Meter.beat(Duration.ofMillis(300), sent::add)) {
            for (int i = 0; i < 20; i++) {
                beat.accept(new Progress("uploading", i, 20, i * 20L));
                Thread.sleep(20);
            }
        }
        assertEquals(20, sent.size(), "only what the work said: " + sent);
    }
}
