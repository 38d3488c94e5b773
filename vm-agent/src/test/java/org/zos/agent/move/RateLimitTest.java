package org.zos.agent.move;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/** Rates as zos reads them everywhere: bytes 1024-based (M = MiB), bits 1000-based as links and tc count. */
class RateLimitTest {
    @Test
    void bytesAreBinaryBitsDecimal() {
        assertEquals(12_500_000, RateLimit.parse("100mbit"));
        assertEquals(125, RateLimit.parse("1kbit"));
        assertEquals(125_000_000, RateLimit.parse("1gbit/s"));
        assertEquals(6L * 1024 * 1024, RateLimit.parse("6M"));
        assertEquals(6L * 1024 * 1024, RateLimit.parse("6MB"));
        assertEquals(1024, RateLimit.parse("1k"));
        assertEquals(3L << 30, RateLimit.parse("3G"));
        assertEquals(12, RateLimit.parse("12"));
        assertEquals(0, RateLimit.parse(null));
    }

    @Test
    void nonsenseIsRefusedNamingIt() {
        ZosException e = assertThrows(ZosException.class, () -> RateLimit.parse("fast"));
        assertEquals(ErrorCode.BAD_PARAMETER, e.code());
        assertEquals("'fast' is not a rate", e.getMessage());
        assertEquals(ErrorCode.BAD_PARAMETER, assertThrows(ZosException.class, () -> RateLimit.parse("1bit")).code());
    }

    /** A live move's streams share one cap: together they go no faster than it (less its quarter second of burst). */
    @Test
    void threadsSharingACapGoNoFasterThanItTogether() throws Exception {
        RateLimit cap = new RateLimit(1_000_000);
        Runnable half = () -> {
            for (int i = 0; i < 50; i++) {
                cap.acquire(10_000);
            }
        };
        long t0 = System.nanoTime();
        Thread a = new Thread(half);
        Thread b = new Thread(half);
        a.start();
        b.start();
        a.join();
        b.join();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        org.junit.jupiter.api.Assertions.assertTrue(ms >= 740, "1 MB under a 1 MB/s cap went in " + ms + " ms");
    }

    @Test
    void anUncappedLimitCountsTheMostThatWentInASecond() throws InterruptedException {
        RateLimit r = new RateLimit(0);
        assertEquals(0, r.peak(), "nothing went");
        long end = System.nanoTime() + 2_300_000_000L; // at least one whole second of the clock
        while (System.nanoTime() < end) {
            r.acquire(100);
            Thread.sleep(50);
        }
        assertTrue(r.peak() >= 1000 && r.peak() <= 3000, "about 20 writes of 100 bytes a second: " + r.peak());
        assertEquals(0, r.cap());
    }
}
