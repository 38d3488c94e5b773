package org.zos.agent.daemon;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The agent's log: one line per record, never longer than {@link #MAX_LINE} characters. Under systemd
 * (stderr is the journal: {@code JOURNAL_STREAM} is set) each line starts with its syslog priority
 * ({@code <3>} error, {@code <4>} warning, {@code <6>} info, {@code <7>} debug) and no time, which the
 * journal adds; otherwise with the time (to the millisecond: a move's phases are read from it) and the level's name. To a file ({@code --log-file}), the log
 * is rotated at {@link #ROTATE_BYTES}: FILE becomes FILE.1, and so on up to FILE.{@link #KEEP}.
 */
final class AgentLog extends Handler {
    static final int MAX_LINE = 2000;
    static final long ROTATE_BYTES = 10L << 20;
    static final int KEEP = 5;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS");

    /** Held, so the level set on it is not lost when the logger is collected. */
    private static final Logger NETTY = Logger.getLogger("io.netty");

    private final boolean journal;
    private final Path file;
    private final long rotateBytes;
    private OutputStream out;
    private long written;

    AgentLog(boolean journal, Path file, long rotateBytes) throws IOException {
        this.journal = journal;
        this.file = file;
        this.rotateBytes = rotateBytes;
        open();
    }

    /** Sends every record of {@code level} and above to stderr or to {@code file} (null: stderr). */
    static void install(String level, Path file) throws IOException {
        Level l = level(level);
        LogManager.getLogManager().reset();
        Logger root = Logger.getLogger("");
        AgentLog h = new AgentLog(file == null && System.getenv("JOURNAL_STREAM") != null, file, ROTATE_BYTES);
        h.setLevel(l);
        root.addHandler(h);
        root.setLevel(l);
        // Netty and the JDK speak at INFO about things a host owner need not read
        NETTY.setLevel(l.intValue() < Level.INFO.intValue() ? l : Level.WARNING);
    }

    /** error, warning, info or debug, as {@code --log-level} takes them. */
    static Level level(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "error" -> Level.SEVERE;
            case "warning", "warn" -> Level.WARNING;
            case "info" -> Level.INFO;
            case "debug" -> Level.FINE;
            default -> throw new IllegalArgumentException("unknown log level '" + name + "': error, warning, info or debug");
        };
    }

    /** The line for a record (no newline at its end). */
    static String line(LogRecord r, boolean journal, LocalDateTime now) {
        StringBuilder b = new StringBuilder();
        if (journal) {
            b.append('<').append(priority(r.getLevel())).append('>');
        } else {
            b.append(TIME.format(now)).append(' ').append(name(r.getLevel())).append(' ');
        }
        String message = r.getMessage() == null ? "" : r.getMessage();
        if (r.getParameters() != null && r.getParameters().length > 0) {
            message = java.text.MessageFormat.format(message, r.getParameters());
        }
        b.append(message);
        if (r.getThrown() != null) {
            b.append(": ").append(r.getThrown());
            for (Throwable c = r.getThrown().getCause(); c != null && c != c.getCause(); c = c.getCause()) {
                b.append("; caused by ").append(c);
            }
        }
        String s = b.toString().replace("\r", "").replace("\n", " | ");
        if (s.length() > MAX_LINE) {
            s = s.substring(0, MAX_LINE) + "… (" + (s.length() - MAX_LINE) + " more characters)";
        }
        return s;
    }

    static int priority(Level l) {
        int v = l.intValue();
        return v >= Level.SEVERE.intValue() ? 3 : v >= Level.WARNING.intValue() ? 4 : v >= Level.INFO.intValue() ? 6 : 7;
    }

    private static String name(Level l) {
        int v = l.intValue();
        return v >= Level.SEVERE.intValue() ? "ERROR" : v >= Level.WARNING.intValue() ? "WARNING" : v >= Level.INFO.intValue() ? "INFO" : "DEBUG";
    }

    @Override
    public synchronized void publish(LogRecord r) {
        if (!isLoggable(r)) {
            return;
        }
        byte[] bytes = (line(r, journal, LocalDateTime.now()) + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            if (file != null && written > 0 && written + bytes.length > rotateBytes) {
                rotate();
            }
            out.write(bytes);
            out.flush();
            written += bytes.length;
        } catch (IOException e) {
            reportError("cannot write the log", e, 0);
        }
    }

    private void open() throws IOException {
        if (file == null) {
            out = new java.io.FileOutputStream(java.io.FileDescriptor.err);
            return;
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        written = Files.size(file);
    }

    private void rotate() throws IOException {
        out.close();
        Files.deleteIfExists(Path.of(file + "." + KEEP));
        for (int i = KEEP - 1; i >= 1; i--) {
            Path from = Path.of(file + "." + i);
            if (Files.exists(from)) {
                Files.move(from, Path.of(file + "." + (i + 1)), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Files.move(file, Path.of(file + ".1"), StandardCopyOption.REPLACE_EXISTING);
        open();
    }

    @Override
    public synchronized void flush() {
        try {
            out.flush();
        } catch (IOException e) {
            reportError("cannot flush the log", e, 0);
        }
    }

    @Override
    public synchronized void close() {
        flush();
    }
}
