package org.zos.store.folder;

import java.io.IOException;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.logging.Logger;
import org.zos.protocol.ZosException;

/**
 * Keeps two replicas of a folder in step, one round at a time, against the state they last agreed on
 * (Unison's rule). For each path: a side that changed since the agreed state wins; when only one side
 * changed, its change (new content, a delete, a new directory) is made on the other; when both changed to
 * the same thing there is nothing to do; when both changed differently, a change beats a delete, and two
 * different files both survive: {@code a}'s at the path, {@code b}'s beside it as
 * {@code NAME.zos-conflict-YYYYMMDD-HHMMSS-BNAME.EXT} on both sides.
 *
 * <p>A read-only copy ({@link Direction#A_TO_B}: b is a mirror of a) sends nothing back: a change made on
 * it is kept there as a conflict copy and the path gets a's version again.
 *
 * <p>Deletes run last, deepest first, so a renamed file's blocks are still there to copy from and a
 * directory is empty when it goes. Every change is conditional ({@link Replica.Changed}): a path that
 * changed while the round ran is left for the next round.
 */
public final class Reconciler {
    private static final Logger LOG = Logger.getLogger(Reconciler.class.getName());
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    /** Which way changes go. */
    public enum Direction { BOTH, A_TO_B, B_TO_A }

    /** What one round did: files written, deletes, conflict copies, block bytes carried, and paths left. */
    public record Report(int written, int deleted, int conflicts, long bytes, List<String> problems) {
        public boolean idle() {
            return written == 0 && deleted == 0 && conflicts == 0 && problems.isEmpty();
        }
    }

    private final Replica a;
    private final Replica b;
    private final Direction direction;
    private final Clock clock;
    private long tokenA = -1;
    private long tokenB = -1;
    private Map<String, Entry> nowA = Map.of();
    private Map<String, Entry> nowB = Map.of();
    private Replica.Agreed agreed;
    private boolean settled;
    /** Paths a side refused for good (never-export, bad name), with what was offered: not offered again. */
    private final Map<String, Entry> refused = new HashMap<>();

    public Reconciler(Replica a, Replica b, Direction direction, Clock clock) {
        this.a = a;
        this.b = b;
        this.direction = direction;
        this.clock = clock;
    }

    /**
     * One round: scans both sides and makes what changed on one side on the other. Returns at once when
     * neither side changed since the last settled round. A side that fails (no space, gone) ends the round
     * with its error after what was done is recorded as agreed.
     */
    public Report round() throws IOException {
        Replica.Scan sa = a.scan(tokenA);
        Replica.Scan sb = b.scan(tokenB);
        boolean changed = sa.entries() != null || sb.entries() != null;
        if (sa.entries() != null) {
            nowA = sa.entries();
        }
        if (sb.entries() != null) {
            nowB = sb.entries();
        }
        tokenA = sa.token();
        tokenB = sb.token();
        if (agreed == null) {
            Replica.Agreed ga = a.agreed();
            Replica.Agreed gb = b.agreed();
            agreed = gb.generation() > ga.generation() ? gb : ga;
            changed = true;
        }
        if (!changed && settled) {
            return new Report(0, 0, 0, 0, List.of());
        }
        Round r = new Round();
        Set<String> paths = new TreeSet<>(nowA.keySet());
        paths.addAll(nowB.keySet());
        paths.addAll(agreed.entries().keySet());
        List<Runnable> deletes = new ArrayList<>();
        for (String p : paths) {
            r.path(p, nowA.get(p), nowB.get(p), agreed.entries().get(p), deletes);
        }
        for (int i = deletes.size() - 1; i >= 0; i--) {
            deletes.get(i).run();
        }
        if (!r.next.equals(agreed.entries())) {
            agreed = new Replica.Agreed(agreed.generation() + 1, r.next);
            a.agree(agreed);
            b.agree(agreed);
        }
        settled = r.problems.isEmpty();
        if (r.failure instanceof ZosException z) {
            throw z;
        } else if (r.failure != null) {
            throw (IOException) r.failure;
        }
        return new Report(r.written, r.deleted, r.conflicts, r.bytes, r.problems);
    }

    /** The work of one round. */
    private final class Round {
        final Map<String, Entry> next = new TreeMap<>(agreed.entries());
        final List<String> problems = new ArrayList<>();
        int written;
        int deleted;
        int conflicts;
        long bytes;
        Exception failure;

        void path(String p, Entry x, Entry y, Entry o, List<Runnable> deletes) {
            boolean ca = !Entry.same(x, o);
            boolean cb = !Entry.same(y, o);
            if (!ca && !cb) {
                return;
            }
            if (Entry.same(x, y)) {
                agree(p, x);
                return;
            }
            if (x != null && refused.containsKey(p) && Entry.same(refused.get(p), x)
                    || y != null && refused.containsKey(p) && Entry.same(refused.get(p), y)) {
                return;
            }
            switch (direction) {
                case A_TO_B -> mirror(p, a, b, x, y, ca || cb, deletes);
                case B_TO_A -> mirror(p, b, a, y, x, ca || cb, deletes);
                default -> both(p, x, y, ca, cb, deletes);
            }
        }

        void both(String p, Entry x, Entry y, boolean ca, boolean cb, List<Runnable> deletes) {
            if (ca && cb && x != null && y != null) {
                if (x.isDir() || y.isDir()) {
                    problems.add(p + ": a folder on one side, a file on the other; rename one");
                    return;
                }
                conflict(p, x, y);
                return;
            }
            if (ca && (x != null || !cb)) {
                make(p, a, b, x, y, deletes); // a changed (or deleted while b did not change)
            } else {
                make(p, b, a, y, x, deletes);
            }
        }

        /** {@code to} mirrors {@code from}: what changed on it is kept there as a conflict copy. */
        void mirror(String p, Replica from, Replica to, Entry src, Entry dst, boolean any, List<Runnable> deletes) {
            if (dst != null && !dst.isDir() && (src == null || !src.isDir())) {
                Entry o = agreed.entries().get(p);
                if (!Entry.same(dst, o)) {
                    // a change made on the read-only copy: keep it there, beside the path
                    try {
                        String copy = conflictName(p, to.name());
                        copy(to, to, p, dst, copy, null);
                        conflicts++;
                    } catch (IOException | ZosException e) {
                        fail(p, e);
                        return;
                    }
                }
            }
            make(p, from, to, src, dst, deletes);
        }

        /** Makes {@code to}'s path what {@code from}'s is ({@code src}); {@code dst} is what {@code to} holds. */
        void make(String p, Replica from, Replica to, Entry src, Entry dst, List<Runnable> deletes) {
            if (src == null) {
                deletes.add(() -> {
                    try {
                        to.delete(p, dst);
                        deleted++;
                        agree(p, null);
                    } catch (IOException | ZosException e) {
                        fail(p, e);
                    }
                });
                return;
            }
            try {
                if (src.isDir()) {
                    if (dst != null && !dst.isDir()) {
                        problems.add(p + ": a folder on one side, a file on the other; rename one");
                        return;
                    }
                    to.mkdir(p);
                } else {
                    if (dst != null && dst.isDir()) {
                        problems.add(p + ": a folder on one side, a file on the other; rename one");
                        return;
                    }
                    copy(from, to, p, src, p, dst);
                    written++;
                }
                agree(p, src);
            } catch (IOException | ZosException e) {
                fail(p, e);
            }
        }

        /** Both changed the file differently: a's version at the path, b's as a conflict copy, on both sides. */
        void conflict(String p, Entry x, Entry y) {
            String copy = conflictName(p, b.name());
            try {
                copy(b, b, p, y, copy, null);
                copy(b, a, p, y, copy, null);
                agree(copy, new Entry(copy, y.kind(), y.size(), y.mtime(), y.executable(), y.digest()));
                copy(a, b, p, x, p, y);
                agree(p, x);
                conflicts++;
                LOG.info("conflict on " + p + ": " + b.name() + "'s version kept as " + copy);
            } catch (IOException | ZosException e) {
                fail(p, e);
            }
        }

        /** Copies the file {@code entry} at {@code path} of {@code from} to {@code as} on {@code to}, over {@code base}. */
        void copy(Replica from, Replica to, String path, Entry entry, String as, Entry base) throws IOException {
            List<Block> blocks = from.blocks(path, entry);
            Set<String> lacking = from == to ? Set.of() : to.lacking(as, blocks);
            Entry target = new Entry(as, entry.kind(), entry.size(), entry.mtime(), entry.executable(), entry.digest());
            to.put(as, base, target, blocks, lacking, bl -> {
                bytes += bl.length();
                return from.read(path, bl);
            });
        }

        void agree(String p, Entry e) {
            if (e == null) {
                next.remove(p);
            } else {
                next.put(p, e);
            }
        }

        void fail(String p, Exception e) {
            if (e instanceof Replica.Changed) {
                problems.add(p + ": " + e.getMessage() + "; next round");
                return;
            }
            if (e instanceof ZosException z && (z.code() == org.zos.protocol.ErrorCode.DENIED
                    || z.code() == org.zos.protocol.ErrorCode.BAD_PARAMETER)) {
                problems.add(p + ": " + z.getMessage());
                Entry x = nowA.get(p);
                refused.put(p, x != null ? x : nowB.get(p));
                return;
            }
            problems.add(p + ": " + e.getMessage());
            if (failure == null) {
                failure = e;
            }
        }
    }

    /** NAME.zos-conflict-YYYYMMDD-HHMMSS-HOST.EXT beside the path. */
    String conflictName(String path, String host) {
        int slash = path.lastIndexOf('/');
        String dir = path.substring(0, slash + 1);
        String name = path.substring(slash + 1);
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        String ext = dot > 0 ? name.substring(dot) : "";
        String safeHost = host.replaceAll("[^A-Za-z0-9._-]", "_");
        return dir + stem + ".zos-conflict-" + LocalDateTime.now(clock).format(STAMP) + "-" + safeHost + ext;
    }
}
