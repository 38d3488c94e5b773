package org.zos.agent.move;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import org.zos.agent.anima.AnimaManager;
import org.zos.agent.hypervisor.DomainState;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.MoveDone;
import org.zos.protocol.message.MoveGo;
import org.zos.protocol.message.MoveQuery;
import org.zos.protocol.net.Responder;

/**
 * The sender's side of a move once it is decided, and of a move its agent was sending when it stopped:
 * telling the receiver to run the anima (again, until it answers), ending the move here, answering a
 * receiver that asks what was decided, and taking up journaled moves after a restart. Only the sender's
 * journal decides a move.
 */
final class Decisions {
    private static final Logger LOG = Logger.getLogger(Decisions.class.getName());

    private final MoveContext ctx;
    private final ScheduledExecutorService background;

    Decisions(MoveContext ctx, ScheduledExecutorService background) {
        this.ctx = ctx;
        this.background = background;
    }

    /**
     * Tells the receiver of a decided move to run the anima, first over {@code open} (the move's own link,
     * may be null), then dialling again while it does not answer, for up to {@code patience}.
     *
     * @throws ZosException HOST_UNREACHABLE if it did not answer in time; another code if it answered
     *     that it cannot run it
     */
    void go(MoveJournal j, Duration patience, MoveLink open) {
        long deadline = System.nanoTime() + patience.toNanos();
        MoveLink first = open;
        MoveGo go = new MoveGo(j.transfer(), j.anima());
        while (true) {
            try {
                if (first != null) {
                    MoveLink p = first;
                    first = null;
                    MoveProtocol.answer(p.request(go, ctx.times().idle()), MoveDone.class, go);
                } else {
                    try (MoveLink p = ctx.dial(j.peer(), j.user())) {
                        MoveProtocol.answer(p.request(go, ctx.times().idle()), MoveDone.class, go);
                    }
                }
                return;
            } catch (ZosException e) {
                if (e.code() != ErrorCode.HOST_UNREACHABLE || System.nanoTime() > deadline) {
                    throw e;
                }
                LOG.info("telling " + j.peer() + " to run " + j.anima() + ": " + e.getMessage() + "; again in "
                        + ctx.times().retry().toMillis() + " ms");
                Interrupts.sleep(ctx.times().retry());
            }
        }
    }

    /** Goes on telling the receiver of a decided move to run the anima, in the background, until it answers. */
    void goLater(MoveJournal j) {
        background.schedule(() -> {
            boolean runs;
            try {
                go(j, Duration.ZERO, null);
                runs = true;
            } catch (ZosException e) {
                if (e.code() == ErrorCode.HOST_UNREACHABLE) {
                    goLater(j);
                    return;
                }
                LOG.warning(j.peer() + " cannot run " + j.anima() + " (" + e.getMessage() + "); taking it back");
                runs = false;
            }
            settle(j, runs);
        }, ctx.times().goLater().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Ends a decided move here: the anima runs on the receiver, or ({@code !runs}) here again. */
    private void settle(MoveJournal j, boolean runs) {
        try (AnimaManager.Held held = ctx.manager().get().hold(j.anima())) {
            if (runs && j.visit()) {
                held.letGo();
            } else if (runs) {
                Visitors.erase(ctx, held, null);
            } else {
                if (j.visit()) {
                    held.reclaim();
                }
                held.resume();
            }
            MoveJournal.delete(ctx.stateDir(), j.anima());
            LOG.info("anima " + j.anima() + " runs " + (runs ? "on " + j.peer() : "here") + " now");
        } catch (ZosException e) {
            if (e.code() == ErrorCode.BUSY) {
                background.schedule(() -> settle(j, runs), ctx.times().retry().toMillis(), TimeUnit.MILLISECONDS);
            } else {
                LOG.severe("ending the move of " + j.anima() + " failed: " + e.getMessage() + "; its move journal is kept");
            }
        } catch (IOException | RuntimeException x) {
            LOG.severe("ending the move of " + j.anima() + " failed: " + x + "; its move journal is kept");
        }
    }

    /**
     * A live move broken off by a restart: whether this host's hypervisor let the anima go (its domain is
     * shut off because it migrated, or undefined after that: it is paused on the receiver). Its shut-off
     * domain is undefined then. A domain shut off for another reason (its QEMU died) is not the peer's.
     */
    private boolean migratedAway(MoveJournal j) {
        try (AnimaManager.Held held = ctx.manager().get().hold(j.anima())) {
            if (!ctx.hypervisor().get().migratedAway(j.anima())) { // it runs here, or its QEMU died here: not the peer's
                return false;
            }
            LOG.warning("the live migration of " + j.anima() + " to " + j.peer() + " ended before this agent restarted; "
                    + "it is " + j.peer() + "'s now");
            ctx.hypervisor().get().undefine(j.anima());
            return true;
        }
    }

    /** A receiver holding an anima restored paused asks what this host, its sender, decided. */
    MoveDone onQuery(Responder.Caller caller, MoveQuery q) {
        String state = MoveJournal.read(ctx.stateDir(), q.anima())
                .filter(j -> j.role() == MoveJournal.Role.SEND && j.transfer() == q.transfer()
                        && j.peer().equals(caller.host().name()))
                .map(j -> j.phase() == MoveJournal.Phase.COMMITTED ? "committed" : "undecided").orElse("aborted");
        LOG.info(caller.host().name() + " asks about move " + q.transfer() + " of " + q.anima() + ": " + state);
        return new MoveDone(q.transfer(), state, "");
    }

    /**
     * Takes up a move this host was sending when its agent stopped: a decided one is finished (the
     * receiver told to run it, in the background), an undecided one undone (the anima resumed here if the
     * move had suspended it, the receiver told to drop what it has).
     */
    void recover(MoveJournal j) throws IOException {
        if (j.phase() == MoveJournal.Phase.MIGRATING && migratedAway(j)) {
            j = j.in(MoveJournal.Phase.COMMITTED).save(ctx.stateDir());
        }
        if (j.phase() == MoveJournal.Phase.COMMITTED) {
            LOG.warning("the move of " + j.anima() + " to " + j.peer() + " was decided before this agent restarted; "
                    + "telling " + j.peer() + " to run it");
            if (j.visit()) {
                try (AnimaManager.Held held = ctx.manager().get().hold(j.anima())) {
                    held.away(j.peer());
                }
            }
            goLater(j);
            return;
        }
        LOG.warning("the move of " + j.anima() + " to " + j.peer() + " broke off (this agent restarted); it stays here");
        try (AnimaManager.Held held = ctx.manager().get().hold(j.anima())) {
            if (j.wasRunning() && held.record().suspended() && !held.state().isActive()) {
                held.resume();
                LOG.warning("resumed " + j.anima() + ", which the broken-off move had suspended");
            } else if (j.wasRunning() && j.phase() == MoveJournal.Phase.MIGRATING && held.state() == DomainState.PAUSED) {
                // Paused by the migration's fallback (or left paused by a hypervisor that could not run it
                // again after the migration failed): the receiver never runs it undecided, so it runs here.
                held.resume();
                LOG.warning("resumed " + j.anima() + ", which the broken-off live move had left paused");
            }
        }
        ctx.abort(j.peer(), j.user(), j.transfer(), "the sender's agent restarted", ctx.times().dial());
        MoveJournal.delete(ctx.stateDir(), j.anima());
    }
}
