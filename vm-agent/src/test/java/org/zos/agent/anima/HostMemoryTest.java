package org.zos.agent.anima;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HostMemoryTest {
    @Test
    void thisHostSaysItsMemoryInBytesAndNothingOfAFieldItDoesNotHave() {
        long total = HostMemory.bytes("MemTotal:");
        assertTrue(total > 64L << 20, "MemTotal " + total);
        long available = HostMemory.available();
        assertTrue(available > 0 && available <= total, "MemAvailable " + available + " of " + total);
        assertEquals(0, HostMemory.bytes("NoSuchField:"));
    }
}
