package org.zos.agent.console;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.zos.protocol.message.Progress;

/**
 * What the agent is doing to its animas now, as the console shows it: every action (from the CLI or the
 * console) reports here as it runs, and each progress report becomes a {@code progress} event with the
 * phase, bytes done and to do, the rate over the last seconds, the ETA and the downtime so far (from
 * "suspending" to "running on …"); the end becomes a {@code done} event and, for a move, a line of
 * {@link MoveHistory}. Listeners (the console's WebSockets) get every event; a new listener asks for
 * {@link #running} first.
 */
public final class Activity {
    static final ObjectMapper JSON = new ObjectMapper();
    /** Rate and chart samples are taken at most this often. */
    static final long SAMPLE_NANOS = 500_000_000L;

    private final MoveHistory history;
    private final LongSupplier nanos;
    private final List<Consumer<ObjectNode>> listeners = new CopyOnWriteArrayList<>();
    private final Map<String, Run> runs = new ConcurrentHashMap<>();

    /** One action under way on one anima. */
    private static final class Run {
        final String anima;
        final String action;
        final String target;
        final long started;
        final long startedAtMillis = System.currentTimeMillis();
        String phase = "starting";
        long done;
        long total;
        long lastSampleNanos;
        long lastSampleDone;
        double rate;
        long downtimeFrom = -1;
        long downtimeMillis = -1;
        final ArrayNode samples = JSON.createArrayNode();

        Run(String anima, String action, String target, long now) {
            this.anima = anima;
            this.action = action;
            this.target = target;
            this.started = now;
            this.lastSampleNanos = now;
        }
    }

    public Activity(MoveHistory history, LongSupplier nanos) {
        this.history = history;
        this.nanos = nanos;
    }

    public MoveHistory history() {
        return history;
    }

    public void listen(Consumer<ObjectNode> l) {
        listeners.add(l);
    }

    public void unlisten(Consumer<ObjectNode> l) {
        listeners.remove(l);
    }


    /**
     * Marks the start of {@code action} on {@code anima} ({@code target}: the host a move goes to, or null)
     * and returns the progress consumer to use instead of {@code downstream}: it reports here, then passes on.
     */
    public Consumer<Progress> begin(String anima, String action, String target, Consumer<Progress> downstream) {
        Run r = new Run(anima, action, target, nanos.getAsLong());
        runs.put(anima, r);
        publish(event(r, true, null));
        return p -> {
            onProgress(r, p);
            downstream.accept(p);
        };
    }

    /** Marks the end of the action {@link #begin} started; {@code error} is the CLI's error line, or null. */
    public void end(String anima, String action, String note, String error) {
        Run r = runs.remove(anima);
        long now = nanos.getAsLong();
        ObjectNode e = JSON.createObjectNode().put("type", "done").put("anima", anima).put("action", action)
                .put("ok", error == null);
        e.put(error == null ? "note" : "error", error == null ? note : error);
        if (r != null) {
            e.put("seconds", (now - r.started) / 1e9);
            if (r.target != null) {
                e.put("target", r.target);
            }
        }
        publish(e);
        if (r != null && (action.equals("dominate") || action.equals("return"))) {
            history.add(MoveHistory.Move.of(r.startedAtMillis, anima, action, r.target, (now - r.started) / 1_000_000, note, error));
            publish(JSON.createObjectNode().put("type", "moves").set("moves", JSON.valueToTree(history.recent())));
        }
    }

    /** An event for each action under way, as a new listener's first view of them. */
    public synchronized List<ObjectNode> running() {
        return runs.values().stream().map(r -> event(r, true, null)).toList();
    }

    private synchronized void onProgress(Run r, Progress p) {
        long now = nanos.getAsLong();
        ObjectNode sample = null;
        boolean newPhase = !p.phase().equals(r.phase);
        if (newPhase) {
            r.phase = p.phase();
            r.lastSampleNanos = now;
            r.lastSampleDone = p.done();
            r.rate = 0;
        } else if (now - r.lastSampleNanos >= SAMPLE_NANOS) {
            double seconds = (now - r.lastSampleNanos) / 1e9;
            double current = Math.max(0, p.done() - r.lastSampleDone) / seconds;
            r.rate = r.rate == 0 ? current : 0.5 * r.rate + 0.5 * current;
            r.lastSampleNanos = now;
            r.lastSampleDone = p.done();
            sample = r.samples.addObject().put("t", (now - r.started) / 1e9).put("rate", Math.round(r.rate));
            if (r.samples.size() > 600) {
                r.samples.remove(0);
            }
        }
        r.done = p.done();
        r.total = p.total();
        if (p.phase().startsWith("suspending") && r.downtimeFrom < 0) {
            r.downtimeFrom = now;
        }
        if (p.phase().startsWith("running on") && r.downtimeFrom >= 0 && r.downtimeMillis < 0) {
            r.downtimeMillis = (now - r.downtimeFrom) / 1_000_000;
        }
        publish(event(r, false, sample));
    }

    /** A progress event: with every throughput sample so far ({@code all}), or with the one just taken. */
    private ObjectNode event(Run r, boolean all, ObjectNode sample) {
        long now = nanos.getAsLong();
        ObjectNode e = JSON.createObjectNode().put("type", "progress").put("anima", r.anima).put("action", r.action)
                .put("phase", r.phase).put("done", r.done).put("total", r.total).put("rate", Math.round(r.rate))
                .put("elapsed", (now - r.started) / 1e9).put("startedAt", r.startedAtMillis);
        if (r.target != null) {
            e.put("target", r.target);
        }
        if (r.total > 0 && r.rate > 0) {
            e.put("eta", Math.max(0, r.total - r.done) / r.rate);
        }
        long down = r.downtimeMillis >= 0 ? r.downtimeMillis : r.downtimeFrom >= 0 ? (now - r.downtimeFrom) / 1_000_000 : -1;
        if (down >= 0) {
            e.put("downtime", down / 1000.0);
        }
        if (all) {
            e.set("samples", r.samples.deepCopy());
        } else if (sample != null) {
            e.set("sample", sample.deepCopy());
        }
        return e;
    }

    void publish(ObjectNode e) {
        for (Consumer<ObjectNode> l : listeners) {
            l.accept(e);
        }
    }
}
