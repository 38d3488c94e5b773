package org.zos.agent.move;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PageLedgerTest {
    private static final int PAGE = LiveStream.PAGE;

    /**
     * A round that sends as it reads finds the pages the whole scan finds (not sent, or changed since;
     * against a receiver that starts zero or with kept pages), in order, each with the bytes it read.
     */
    @Test
    void eachDifferingFindsWhatDifferingFindsWithTheBytes(@TempDir Path tmp) throws Exception {
        int pages = 600; // more than a MiB, and not a whole number of them
        byte[] memory = new byte[pages * PAGE];
        Random r = new Random(11);
        for (int i = 0; i < pages; i++) {
            if (i % 3 != 0) { // every third page zero
                byte[] p = new byte[PAGE];
                r.nextBytes(p);
                System.arraycopy(p, 0, memory, i * PAGE, PAGE);
            }
        }
        Path file = tmp.resolve("ram");
        Files.write(file, memory);
        long[] initial = new long[pages];
        for (int i = 0; i < pages; i += 5) { // the receiver's memory starts with some pages as they are
            initial[i] = PageLedger.digest(memory, i * PAGE);
        }
        for (long[] start : Arrays.asList(null, initial)) {
            PageLedger ledger = new PageLedger(start);
            for (int i = 0; i < pages; i += 7) { // some sent as they are, some sent with other content
                ledger.sent((long) i * PAGE, i % 2 == 0 ? PageLedger.digest(memory, i * PAGE) : 12345);
            }
            try (FileChannel ram = FileChannel.open(file, StandardOpenOption.READ)) {
                long[] expected = ledger.differing(ram);
                List<Long> found = new ArrayList<>();
                long n = ledger.eachDiffering(ram, (at, bytes, off, digest) -> {
                    found.add(at);
                    assertArrayEquals(Arrays.copyOfRange(memory, (int) at, (int) at + PAGE), Arrays.copyOfRange(bytes, off, off + PAGE));
                    assertEquals(PageLedger.digest(memory, (int) at), digest);
                });
                assertEquals(expected.length, n);
                assertArrayEquals(expected, found.stream().mapToLong(Long::longValue).toArray());
                assertEquals(true, expected.length > pages / 3 && expected.length < pages, "a test that finds some pages, not all: " + expected.length);
            }
        }
    }

    /** What a round sent is what the receiver holds: the next round finds only the pages written since. */
    @Test
    void aRoundSentIsNotFoundAgain(@TempDir Path tmp) throws Exception {
        byte[] memory = new byte[300 * PAGE];
        new Random(3).nextBytes(memory);
        Path file = tmp.resolve("ram");
        Files.write(file, memory);
        PageLedger ledger = new PageLedger();
        try (FileChannel ram = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            List<Long> sent = new ArrayList<>();
            assertEquals(300, MoveSender.sendDiffering(ram, ledger, p -> -1, (at, p, f) -> sent.add(at)));
            assertEquals(300, sent.size());
            KeptMemory.write(ram, ByteBuffer.wrap(new byte[PAGE]), 42L * PAGE);
            KeptMemory.write(ram, ByteBuffer.wrap(new byte[] {1, 2, 3}), 7L * PAGE + 100);
            List<Long> again = new ArrayList<>();
            assertEquals(2, MoveSender.sendDiffering(ram, ledger, p -> -1, (at, p, f) -> again.add(at)));
            assertEquals(List.of(7L * PAGE, 42L * PAGE), again);
        }
    }
}
