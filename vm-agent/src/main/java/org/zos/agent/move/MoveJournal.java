package org.zos.agent.move;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonValue;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.zos.agent.anima.AnimaRegistry;
import org.zos.store.Durable;

/**
 * What a host has promised about a move under way, written (synced) before it acts on it, so its agent,
 * restarted after a crash, finishes or undoes the move and the anima has exactly one runnable copy.
 * One file per anima, {@code <state-dir>/moves/<anima>.json}, deleted once the move is over.
 *
 * <p>The sender decides. Its phases: {@link Phase#SENDING} (its copy is the anima; after a crash it resumes
 * it if the move had suspended it, and tells the receiver to drop what it received) and {@link Phase#COMMITTED}
 * (the receiver restored the anima paused and the sender gave it up: after a crash it tells the receiver,
 * again until it answers, to run it). The receiver's: {@link Phase#RECEIVING} (after a crash it drops what it
 * received) and {@link Phase#RESTORED} (it holds the anima paused and runs it only when the sender says so,
 * asking it while it is silent).
 *
 * @param peer the other host
 * @param user the user the move is done for (peers are dialled as that user)
 * @param wasRunning (sender) whether the anima ran before the move suspended it
 * @param purpose "visit" or "home"
 */
@JsonIgnoreProperties(ignoreUnknown = true)
record MoveJournal(int format, String anima, Role role, String peer, String user, long transfer, Phase phase,
        boolean wasRunning, String purpose) {

    static final int FORMAT = 1;
    private static final Logger LOG = Logger.getLogger(MoveJournal.class.getName());

    /** Which side of the move this host is; "send" or "receive" in the file. */
    enum Role {
        SEND, RECEIVE;

        @JsonValue
        String text() {
            return name().toLowerCase();
        }

        @JsonCreator
        static Role of(String text) {
            return valueOf(text.toUpperCase());
        }
    }

    /** What the host has promised; lower case in the file. */
    enum Phase {
        /** Sender: its copy is the anima. */
        SENDING,
        /**
         * Sender or receiver of a live move: the hypervisors migrate it. The sender's copy is the anima while
         * its hypervisor still holds the domain; once it let it go, the receiver's (paused) copy is.
         */
        MIGRATING,
        /** Sender: decided, the receiver's copy is the anima. */
        COMMITTED,
        /** Receiver: nothing of it runs here; dropped after a crash. */
        RECEIVING,
        /** Receiver: restored paused, it runs only when the sender says so. */
        RESTORED;

        @JsonValue
        String text() {
            return name().toLowerCase();
        }

        @JsonCreator
        static Phase of(String text) {
            return valueOf(text.toUpperCase());
        }
    }

    static MoveJournal sending(String anima, String peer, String user, long transfer, boolean wasRunning, String purpose) {
        return new MoveJournal(FORMAT, anima, Role.SEND, peer, user, transfer, Phase.SENDING, wasRunning, purpose);
    }

    static MoveJournal receiving(String anima, String peer, String user, long transfer, String purpose) {
        return new MoveJournal(FORMAT, anima, Role.RECEIVE, peer, user, transfer, Phase.RECEIVING, false, purpose);
    }

    MoveJournal in(Phase newPhase) {
        return new MoveJournal(format, anima, role, peer, user, transfer, newPhase, wasRunning, purpose);
    }

    MoveJournal transfer(long id) {
        return new MoveJournal(format, anima, role, peer, user, id, phase, wasRunning, purpose);
    }

    boolean visit() {
        return org.zos.protocol.message.MoveOffer.VISIT.equals(purpose);
    }

    static Path file(Path stateDir, String anima) {
        return stateDir.resolve("moves").resolve(anima + ".json");
    }

    /** Writes this entry, synced, before the caller acts on it. */
    MoveJournal save(Path stateDir) {
        Path f = file(stateDir, anima);
        try {
            Files.createDirectories(f.getParent());
            Durable.write(f.resolveSibling(anima + ".json.tmp"), f, AnimaRegistry.JSON.writeValueAsBytes(this));
        } catch (IOException e) {
            throw new UncheckedIOException("writing the move journal " + f, e);
        }
        return this;
    }

    static void delete(Path stateDir, String anima) {
        try {
            Files.deleteIfExists(file(stateDir, anima));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Optional<MoveJournal> read(Path stateDir, String anima) {
        Path f = file(stateDir, anima);
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        try {
            return Optional.of(AnimaRegistry.JSON.readValue(f.toFile(), MoveJournal.class));
        } catch (java.io.FileNotFoundException | java.nio.file.NoSuchFileException e) {
            return Optional.empty(); // deleted since: the move ended
        } catch (IOException e) {
            throw new UncheckedIOException("reading the move journal " + f, e);
        }
    }

    /** Every entry left, in no particular order; an unreadable one is logged and skipped. */
    static List<MoveJournal> all(Path stateDir) {
        List<MoveJournal> out = new ArrayList<>();
        Path dir = stateDir.resolve("moves");
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).toList()) {
                try {
                    out.add(AnimaRegistry.JSON.readValue(f.toFile(), MoveJournal.class));
                } catch (IOException e) {
                    LOG.severe("the move journal " + f + " is unreadable (" + e.getMessage() + "); left for a person to look at");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
