package org.zos.agent.move;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DiskBlocksTest {
    @Test
    void keepsTheFirstOffsetOfEveryHashThroughGrowth() {
        DiskBlocks blocks = new DiskBlocks();
        Map<Long, Long> expected = new HashMap<>();
        Random r = new Random(3);
        for (long i = 0; i < 200_000; i++) {
            long h = r.nextInt(150_000) + 1L; // many repeats: the first offset must stay
            blocks.putIfAbsent(h, i * 4096);
            expected.putIfAbsent(h, i * 4096);
        }
        assertEquals(expected.size(), blocks.size());
        expected.forEach((h, at) -> assertEquals(at, blocks.get(h)));
        assertEquals(-1, blocks.get(150_001));
        assertEquals(-1, blocks.get(0));
        assertEquals(-1, blocks.get(-7));
    }

    @Test
    void hashZeroIsTheFreeSlotAndNeverStored() {
        assertThrows(IllegalArgumentException.class, () -> new DiskBlocks().putIfAbsent(0, 0));
    }
}
