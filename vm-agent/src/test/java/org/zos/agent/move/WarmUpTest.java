package org.zos.agent.move;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WarmUpTest {
    /** It runs the whole path (a failure would only be logged, so the log is checked) and leaves nothing behind. */
    @Test
    void runsThePathAndRemovesItsScratchDirectory(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("warm-up");
        Files.createDirectories(dir.resolve("left-from-a-crash"));
        java.util.List<java.util.logging.LogRecord> records = new java.util.ArrayList<>();
        java.util.logging.Logger log = java.util.logging.Logger.getLogger(WarmUp.class.getName());
        java.util.logging.Handler h = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                records.add(r);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        log.addHandler(h);
        try {
            WarmUp.run(dir, 2 << 20, 4 << 20, 2);
        } finally {
            log.removeHandler(h);
        }
        assertTrue(records.stream().anyMatch(r -> r.getMessage().startsWith("warmed up the move path")), records.toString());
        assertFalse(Files.exists(dir));
    }
}
