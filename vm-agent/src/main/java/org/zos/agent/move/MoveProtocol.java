package org.zos.agent.move;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.Message;

/**
 * The move protocol as tables a reviewer can check against docs/protocol.md ("Phases of a move", which a
 * test compares with these): the phases of each side, which phase may follow which, and which request a
 * receiver takes in which phase. A request outside the table is a PROTOCOL_ERROR that names the phase and
 * what it would take.
 */
final class MoveProtocol {
    private MoveProtocol() {
    }

    /** The wire name of data frames in the table (they are not control messages). */
    static final String DATA = "data";

    /** Where the sending side of a move stands. Its journal says "sending" from the offer's answer, "committed" once decided. */
    enum SendPhase {
        /** Dialling the target and offering the move (again, after a lost connection). */
        CONNECTING,
        /** The anima runs here while its kernel, initrd and disk go ahead. */
        SENDING_AHEAD,
        /**
         * A live move: the hypervisors migrate the running anima through the agents (journaled "migrating":
         * once the hypervisor has let it go, it is paused on the target and the move is decided).
         */
        MIGRATING,
        /** The anima is suspended here (downtime): its memory and what changed on its disk go. */
        SUSPENDED,
        /** The commit is asked: the target writes the images and restores the anima paused. */
        COMMITTING,
        /** Decided and journaled: the target's copy is the anima; it is told to run it. */
        COMMITTED,
        /** The target runs it; this host gave its copy up. */
        DONE,
        /** Failed or cancelled before the decision: the anima runs here as before. */
        GIVEN_UP,
        /** Decided, but the target answered that it cannot run it: the anima runs here again. */
        TAKEN_BACK;

        boolean ended() {
            return this == DONE || this == GIVEN_UP || this == TAKEN_BACK;
        }
    }

    /** Where the receiving side of a move stands; each phase names the requests it takes. */
    enum ReceivePhase {
        /** Offered and journaled "receiving": images are offered, then the commit. */
        RECEIVING("image-offer", "move-commit", "live-prepare", "move-abort"),
        /**
         * A stage, ahead of a visit: only images are offered, and move-abort ends it (nothing of the anima
         * runs here; its sealed chunks stay, without the key, for the visit).
         */
        STAGING("image-offer", "move-abort"),
        /**
         * An image was offered: its chunks come as data frames, then image-sent. A live visit's
         * live-prepare may come while the disk's chunks do (the receiver said it prepares early).
         */
        IMPORTING(DATA, "image-sent", "live-prepare", "move-abort"),
        /**
         * A live visit's domain prepared while its disk's chunks still come (journaled "migrating"): its
         * QEMU starts over the disk's file, whose metadata is final, while the rest is written; the
         * hypervisors' connections that read the disk wait until it is written and synced, which
         * image-sent's answer says.
         */
        IMPORTING_LIVE(DATA, "image-sent", "live-open", "move-abort"),
        /** The commit came: the images are written out and the anima restored paused. */
        RESTORING("move-abort"),
        /**
         * A live move, journaled "migrating": the hypervisors' connections come through the agents, and the
         * anima arrives paused; it runs only once the sender says go.
         */
        MIGRATING("live-open", "live-patch", "move-go", "move-abort"),
        /** Restored paused and journaled "restored": it runs only once the sender says go. */
        RESTORED("move-go", "move-abort"),
        /** It runs here: the move is over (a repeated go is answered the same). */
        RUNNING("move-go"),
        /** Dropped: nothing of it stays (a repeated abort is answered the same). */
        DROPPED("move-abort");

        final Set<String> legal;

        ReceivePhase(String... legal) {
            this.legal = Set.copyOf(java.util.List.of(legal));
        }

        boolean ended() {
            return this == RUNNING || this == DROPPED;
        }

        /** Whether an image's chunks come now. */
        boolean importing() {
            return this == IMPORTING || this == IMPORTING_LIVE;
        }
    }

    static final Map<SendPhase, Set<SendPhase>> SEND_NEXT = new EnumMap<>(Map.of(
            SendPhase.CONNECTING, EnumSet.of(SendPhase.SENDING_AHEAD, SendPhase.SUSPENDED, SendPhase.CONNECTING, SendPhase.GIVEN_UP),
            SendPhase.SENDING_AHEAD, EnumSet.of(SendPhase.SUSPENDED, SendPhase.MIGRATING, SendPhase.CONNECTING, SendPhase.GIVEN_UP),
            SendPhase.MIGRATING, EnumSet.of(SendPhase.COMMITTED, SendPhase.CONNECTING, SendPhase.GIVEN_UP),
            SendPhase.SUSPENDED, EnumSet.of(SendPhase.COMMITTING, SendPhase.CONNECTING, SendPhase.GIVEN_UP),
            SendPhase.COMMITTING, EnumSet.of(SendPhase.COMMITTED, SendPhase.CONNECTING, SendPhase.GIVEN_UP),
            SendPhase.COMMITTED, EnumSet.of(SendPhase.DONE, SendPhase.TAKEN_BACK),
            SendPhase.DONE, EnumSet.noneOf(SendPhase.class),
            SendPhase.GIVEN_UP, EnumSet.noneOf(SendPhase.class),
            SendPhase.TAKEN_BACK, EnumSet.noneOf(SendPhase.class)));

    static final Map<ReceivePhase, Set<ReceivePhase>> RECEIVE_NEXT = new EnumMap<>(Map.of(
            ReceivePhase.RECEIVING, EnumSet.of(ReceivePhase.IMPORTING, ReceivePhase.RESTORING, ReceivePhase.MIGRATING, ReceivePhase.DROPPED),
            ReceivePhase.MIGRATING, EnumSet.of(ReceivePhase.RUNNING, ReceivePhase.DROPPED),
            ReceivePhase.STAGING, EnumSet.of(ReceivePhase.IMPORTING, ReceivePhase.DROPPED),
            ReceivePhase.IMPORTING, EnumSet.of(ReceivePhase.RECEIVING, ReceivePhase.STAGING, ReceivePhase.IMPORTING_LIVE, ReceivePhase.DROPPED),
            ReceivePhase.IMPORTING_LIVE, EnumSet.of(ReceivePhase.MIGRATING, ReceivePhase.DROPPED),
            ReceivePhase.RESTORING, EnumSet.of(ReceivePhase.RESTORED, ReceivePhase.DROPPED),
            ReceivePhase.RESTORED, EnumSet.of(ReceivePhase.RUNNING, ReceivePhase.DROPPED),
            ReceivePhase.RUNNING, EnumSet.noneOf(ReceivePhase.class),
            ReceivePhase.DROPPED, EnumSet.noneOf(ReceivePhase.class)));

    /** Whether {@code from} may be followed by {@code to}. */
    static boolean legal(SendPhase from, SendPhase to) {
        return SEND_NEXT.get(from).contains(to);
    }

    static boolean legal(ReceivePhase from, ReceivePhase to) {
        return RECEIVE_NEXT.get(from).contains(to);
    }

    /**
     * Refuses a request the receiver's phase does not take.
     *
     * @throws ZosException PROTOCOL_ERROR naming the request, the phase and what it takes
     */
    static void require(ReceivePhase phase, String kind, long transfer) {
        if (!phase.legal.contains(kind)) {
            throw new ZosException(ErrorCode.PROTOCOL_ERROR, kind + " is not legal for move " + transfer + ", which is "
                    + phase.name().toLowerCase() + " here (it takes " + String.join(", ", new java.util.TreeSet<>(phase.legal)) + ")",
                    "the sender and this host disagree about the move; it is dropped when the sender gives up");
        }
    }

    /**
     * The answer of a request, as the type the protocol says it is.
     *
     * @throws ZosException PROTOCOL_ERROR if the peer answered with something else
     */
    static <T extends Message> T answer(Message answer, Class<T> expected, Message request) {
        if (!expected.isInstance(answer)) {
            throw new ZosException(ErrorCode.PROTOCOL_ERROR, kind(request) + " was answered with " + kind(answer) + ", not "
                    + NAMES.get(expected), "the two hosts run incompatible zos versions; upgrade them");
        }
        return expected.cast(answer);
    }

    private static final Map<Class<?>, String> NAMES = names();

    private static Map<Class<?>, String> names() {
        Map<Class<?>, String> m = new java.util.HashMap<>();
        for (JsonSubTypes.Type t : Message.class.getAnnotation(JsonSubTypes.class).value()) {
            m.put(t.value(), t.name());
        }
        return m;
    }

    /** The wire name of a message ("move-go"). */
    static String kind(Message m) {
        return m == null ? "nothing" : NAMES.getOrDefault(m.getClass(), m.getClass().getSimpleName());
    }

    /** Every request kind the receiver's table names, in a stable order. */
    static Set<String> receiverKinds() {
        Set<String> all = new LinkedHashSet<>();
        for (ReceivePhase p : ReceivePhase.values()) {
            all.addAll(new java.util.TreeSet<>(p.legal));
        }
        return all;
    }
}
