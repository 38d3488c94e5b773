package org.zos.agent.move;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;
import org.zos.agent.anima.AnimaManager;
import org.zos.agent.move.MoveProtocol.ReceivePhase;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.MoveOffer;
import org.zos.store.AnimaStore;
import org.zos.store.manifest.Manifest;

/**
 * One move being received, and where it stands ({@link ReceivePhase}). Every change of phase goes through
 * {@link #to}, which checks it against {@link MoveProtocol#RECEIVE_NEXT}, journals it when the phase is
 * one a restarted agent must know, and logs it. Phase changes and the work they close happen under this
 * object's monitor.
 */
final class Incoming {
    private static final Logger LOG = Logger.getLogger(Incoming.class.getName());

    final long id;
    final String from;
    final String user;
    final String anima;
    /** {@link MoveOffer#VISIT}, {@link MoveOffer#HOME} or {@link MoveOffer#STAGE}. */
    final String purpose;
    /** The anima held here; null for a stage (nothing of it is here but its store). */
    final AnimaManager.Held held;
    /** The anima's store, open for the move; null for a move taken up after a restart. */
    final AnimaStore store;
    final Path stateDir;
    private volatile ReceivePhase phase;
    /** When a request or data frame of this move last came (nanoTime), or it last asked the sender. */
    volatile long lastHeard = System.nanoTime();
    /** Requests of this move being answered now: it is not idle meanwhile. */
    final AtomicLong busy = new AtomicLong();
    /** Images filed so far, by image name. */
    final Map<String, Manifest> filed = new HashMap<>();
    /** Images written out ahead (to {@code <target>.incoming}) while the move goes on. */
    final Map<String, Future<Manifest>> ahead = new HashMap<>();
    /** Images written out from their offer on, but for the chunks still to come: what each wrote ({@link ImageWriter#early}). */
    final Map<String, ImageWriter.Early> early = new HashMap<>();
    /** The image whose chunks come now (phase IMPORTING). */
    volatile ImageImport current;
    /** The parts of an image offer that came so far. */
    final OfferParts.Assembly offer = new OfferParts.Assembly();
    /** A live move's side here, from {@code live-prepare} on (phase MIGRATING). */
    volatile LiveIncoming live;
    /** A first visit's kernel and initrd from this host's own guest, being stored ({@link StockFiles}); null if not. */
    volatile java.util.concurrent.CompletableFuture<Void> stock;
    /**
     * A live return over the disk this host kept (the sender's offer named it, and it is this host's disk
     * file): no disk is sent ahead; the migration copies the visitor's overlay over it.
     */
    volatile boolean keptDisk;
    /**
     * A live visit whose domain was prepared while its disk still came (IMPORTING_LIVE): the disk's file
     * was put where the domain reads it with its metadata final; done once all of it is written and synced.
     */
    volatile java.util.concurrent.CompletableFuture<Void> diskEarly;

    Incoming(long id, String from, String user, String anima, String purpose, AnimaManager.Held held, AnimaStore store,
            Path stateDir, ReceivePhase phase) {
        this.id = id;
        this.from = from;
        this.user = user;
        this.anima = anima;
        this.purpose = purpose;
        this.held = held;
        this.store = store;
        this.stateDir = stateDir;
        this.phase = phase;
    }

    ReceivePhase phase() {
        return phase;
    }

    boolean visitor() {
        return purpose.equals(MoveOffer.VISIT);
    }

    /** Whether this is a stage: images only, kept sealed without their key once it ends. */
    boolean staging() {
        return purpose.equals(MoveOffer.STAGE);
    }

    void heard() {
        lastHeard = System.nanoTime();
    }

    /**
     * Waits until {@code done}, as long as the sender is heard (a first visit's disk may take minutes):
     * HOST_UNREACHABLE, "{@code what} stopped coming", once the move ended or nothing came from the sender
     * for {@code silence}; CANCELLED if the thread is interrupted.
     */
    void awaitWhileHeard(java.util.function.BooleanSupplier done, java.time.Duration silence, String what) {
        while (!done.getAsBoolean()) {
            if (phase.ended() || System.nanoTime() - lastHeard > silence.toNanos()) {
                throw new ZosException(ErrorCode.HOST_UNREACHABLE, what + " stopped coming", "the anima runs on at " + from);
            }
            Interrupts.sleep(java.time.Duration.ofMillis(2)); // a connection waits on this: 2 ms at most of its path
        }
    }

    /** Refuses a request this phase does not take (PROTOCOL_ERROR), and notes that the sender spoke. */
    void require(String kind) {
        heard();
        MoveProtocol.require(phase, kind, id);
    }

    /**
     * Moves to phase {@code next}: journals MIGRATING (IMPORTING_LIVE as it) and RESTORED (synced, before anything acts on them), deletes the
     * journal once the move ended, logs the change.
     *
     * @throws IllegalStateException if the table does not allow it: a bug, not a peer's fault
     */
    synchronized void to(ReceivePhase next) {
        ReceivePhase was = phase;
        if (!MoveProtocol.legal(was, next)) {
            throw new IllegalStateException("move " + id + " of " + anima + ": " + was + " → " + next + " is not a legal change");
        }
        if (next == ReceivePhase.RESTORED || next == ReceivePhase.MIGRATING || next == ReceivePhase.IMPORTING_LIVE) {
            MoveJournal.Phase journaled = next == ReceivePhase.RESTORED ? MoveJournal.Phase.RESTORED : MoveJournal.Phase.MIGRATING;
            MoveJournal.receiving(anima, from, user, id, purpose).in(journaled).save(stateDir);
        } else if (next.ended()) {
            MoveJournal.delete(stateDir, anima);
        }
        phase = next;
        if (next != ReceivePhase.IMPORTING && (was != ReceivePhase.IMPORTING || next == ReceivePhase.IMPORTING_LIVE)) { // one line per image would drown the log
            LOG.info("move " + id + " of " + anima + " from " + from + ": " + was + " → " + next);
        }
    }
}
