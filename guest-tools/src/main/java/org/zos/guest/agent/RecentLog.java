package org.zos.guest.agent;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The guest agent's last log lines, kept in memory, for "zos-vm guest NAME log": the guest's journal is
 * out of reach of the host, and a misbehaving agent is best understood from its own words.
 */
final class RecentLog extends Handler {
    private static final int LINES = 300;
    private static final ArrayDeque<String> RECENT = new ArrayDeque<>();
    private static String lastMessage = "";
    private static int repeats;

    static void install() {
        Logger.getLogger("").addHandler(new RecentLog());
    }

    static String text() {
        synchronized (RECENT) {
            return String.join("\n", RECENT);
        }
    }

    @Override
    public void publish(LogRecord r) {
        if (!isLoggable(r)) {
            return;
        }
        String line = Instant.ofEpochMilli(r.getMillis()) + " " + r.getLevel() + " " + r.getLoggerName().replaceAll(".*\\.", "")
                + ": " + r.getMessage() + (r.getThrown() == null ? "" : " " + r.getThrown());
        synchronized (RECENT) {
            if (r.getMessage() != null && r.getMessage().equals(lastMessage)) {
                repeats++;
                return;
            }
            if (repeats > 0) {
                RECENT.addLast("  (the line before " + repeats + " more times)");
                repeats = 0;
            }
            lastMessage = String.valueOf(r.getMessage());
            RECENT.addLast(line);
            while (RECENT.size() > LINES) {
                RECENT.removeFirst();
            }
        }
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }
}
