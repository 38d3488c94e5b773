package org.zos.agent.console;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The moves this host has sent, newest last, as the console's table and plot show them: one JSON object
 * per line in {@code moves.jsonl} under the agent's state directory, appended when a move ends (a damaged
 * line is skipped, never fatal), cut to the newest {@link #KEEP} when it grows past twice that.
 */
public final class MoveHistory {
    private static final Logger LOG = Logger.getLogger(MoveHistory.class.getName());
    static final int KEEP = 500;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The figures in a move's note: "sent 12.3 MiB (12902912 bytes) in 45 chunks; downtime 1.21 s; total 4.50 s". */
    private static final Pattern FIGURES = Pattern.compile("\\((\\d+) bytes\\).*downtime ([0-9.]+) s");

    /**
     * One move: when it started (ms since the epoch), which anima, dominate or return, to which host (for a
     * return: null, home), how long it took, its downtime and bytes on the wire (null when unknown, e.g.
     * it failed), and the error line of a failed one.
     */
    public record Move(long at, String anima, String kind, String target, double seconds, Double downtime, Long bytes,
            boolean ok, String error) {

        static Move of(long at, String anima, String kind, String target, long millis, String note, String error) {
            Double downtime = null;
            Long bytes = null;
            Matcher m = FIGURES.matcher(note == null ? "" : note);
            if (m.find()) {
                bytes = Long.parseLong(m.group(1));
                downtime = Double.parseDouble(m.group(2));
            }
            return new Move(at, anima, kind, target, millis / 1000.0, downtime, bytes, error == null, error);
        }
    }

    private final Path file;
    private final List<Move> moves = new ArrayList<>();

    public MoveHistory(Path file) {
        this.file = file;
        if (Files.exists(file)) {
            try {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    try {
                        moves.add(JSON.readValue(line, Move.class));
                    } catch (IOException e) {
                        LOG.fine("skipping a damaged line of " + file);
                    }
                }
            } catch (IOException e) {
                LOG.warning("cannot read the move history " + file + ": " + e.getMessage());
            }
        }
    }

    /** The newest {@link #KEEP} moves, oldest first. */
    public synchronized List<Move> recent() {
        return List.copyOf(moves.subList(Math.max(0, moves.size() - KEEP), moves.size()));
    }

    synchronized void add(Move m) {
        moves.add(m);
        try {
            Files.createDirectories(file.getParent());
            if (moves.size() > 2 * KEEP) {
                moves.subList(0, moves.size() - KEEP).clear();
                Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
                StringBuilder b = new StringBuilder();
                for (Move x : moves) {
                    b.append(JSON.writeValueAsString(x)).append('\n');
                }
                Files.writeString(tmp, b);
                Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } else {
                Files.writeString(file, JSON.writeValueAsString(m) + "\n", StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            }
        } catch (IOException e) {
            LOG.warning("cannot write the move history " + file + ": " + e.getMessage());
        }
    }
}
