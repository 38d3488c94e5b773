package org.zos.agent.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's log lines: priorities the journal understands, one short line each, and a rotated file. */
class AgentLogTest {
    static final LocalDateTime NOW = LocalDateTime.of(2026, 12, 2, 10, 11, 12, 345_000_000);

    @TempDir
    Path tmp;

    @Test
    void underTheJournalALineHasItsPriorityAndNoTime() {
        assertEquals("<3>lost", AgentLog.line(new LogRecord(Level.SEVERE, "lost"), true, NOW));
        assertEquals("<4>slow", AgentLog.line(new LogRecord(Level.WARNING, "slow"), true, NOW));
        assertEquals("<6>moved", AgentLog.line(new LogRecord(Level.INFO, "moved"), true, NOW));
        assertEquals("<7>detail", AgentLog.line(new LogRecord(Level.FINE, "detail"), true, NOW));
        assertEquals("2026-12-02T10:11:12.345 ERROR lost", AgentLog.line(new LogRecord(Level.SEVERE, "lost"), false, NOW));
        assertEquals("2026-12-02T10:11:12.345 INFO moved", AgentLog.line(new LogRecord(Level.INFO, "moved"), false, NOW));
    }

    @Test
    void aLineIsOneLineAndNeverVeryLong() {
        LogRecord r = new LogRecord(Level.WARNING, "first\nsecond\r\nthird");
        r.setThrown(new IOException("outer", new IllegalStateException("inner")));
        assertEquals("<4>first | second | third: java.io.IOException: outer; caused by java.lang.IllegalStateException: inner",
                AgentLog.line(r, true, NOW));
        String huge = AgentLog.line(new LogRecord(Level.INFO, "x".repeat(50_000)), true, NOW);
        assertTrue(huge.length() < AgentLog.MAX_LINE + 40, "length " + huge.length());
        assertTrue(huge.endsWith("… (" + (50_003 - AgentLog.MAX_LINE) + " more characters)"), huge.substring(AgentLog.MAX_LINE - 5));
    }

    @Test
    void theLevelsZosAgentTakes() {
        assertEquals(Level.SEVERE, AgentLog.level("error"));
        assertEquals(Level.WARNING, AgentLog.level("WARNING"));
        assertEquals(Level.INFO, AgentLog.level("info"));
        assertEquals(Level.FINE, AgentLog.level("debug"));
        assertThrows(IllegalArgumentException.class, () -> AgentLog.level("loud"));
    }

    @Test
    void aLogFileIsRotatedAndKeepsFiveOldOnes() throws IOException {
        Path file = tmp.resolve("log/agent.log");
        AgentLog log = new AgentLog(false, file, 1000);
        log.setLevel(Level.INFO);
        for (int i = 0; i < 200; i++) {
            log.publish(new LogRecord(Level.INFO, "record " + i + " " + "y".repeat(60)));
        }
        log.publish(new LogRecord(Level.FINE, "not at this level"));
        log.close();
        assertTrue(Files.size(file) <= 1000);
        for (int i = 1; i <= AgentLog.KEEP; i++) {
            assertTrue(Files.size(Path.of(file + "." + i)) <= 1000, "file ." + i);
        }
        assertFalse(Files.exists(Path.of(file + "." + (AgentLog.KEEP + 1))));
        String last = Files.readString(file);
        assertTrue(last.strip().endsWith("record 199 " + "y".repeat(60)), last);
        assertTrue(Files.readString(Path.of(file + ".1")).contains("INFO record"), "the newest old file comes first");
        assertFalse(last.contains("not at this level"));
    }
}
