package org.zos.agent.move;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.zos.agent.anima.AnimaManager;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/**
 * An anima a move left settling (its answer sent, its overlay still being folded: {@link AnimaManager.Held#closeAfter})
 * is waited for by the next command that takes it; one held by a command at work is BUSY at once.
 */
class SettleTest {
    @TempDir
    Path dir;
    private TestNet net;
    private TestNet.Agent host;

    @BeforeEach
    void setUp() throws Exception {
        net = new TestNet(dir);
        host = net.agent("host");
        host.anima("ana", TestNet.bytes(new Random(3), 1 << 20), 1);
    }

    @AfterEach
    void tearDown() {
        net.close();
    }

    @Test
    void aSettlingAnimaIsWaitedForAndAHeldOneIsBusy() {
        AnimaManager m = host.manager;
        try (AnimaManager.Held held = m.hold("ana")) {
            ZosException busy = assertThrows(ZosException.class, () -> m.hold("ana"));
            assertEquals(ErrorCode.BUSY, busy.code(), busy.getMessage());
        }
        boolean[] settled = {false};
        long t0 = System.nanoTime();
        m.hold("ana").closeAfter(() -> {
            try {
                Thread.sleep(400);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            settled[0] = true;
        });
        try (AnimaManager.Held next = m.hold("ana")) {
            assertTrue(settled[0], "taken only once settled");
            assertTrue(System.nanoTime() - t0 >= 350_000_000L, "it waited for the settling");
        }
    }
}
