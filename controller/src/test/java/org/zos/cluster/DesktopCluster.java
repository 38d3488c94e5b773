package org.zos.cluster;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The cluster DesktopIT and ConsoleIT share: two hosts and the desktop anima 'desk' running on host1, an
 * xterm its app 1. Booting the desktop guest under TCG takes minutes, so it is made once, by whichever of
 * the two classes runs first (Failsafe runs the classes in alphabetical order: they follow each other), and
 * taken down at the end of the run or as soon as a test brings up a cluster of its own (the hosts' names are
 * the same). A class that uses it says {@code @ExtendWith(DesktopCluster.Up.class)} and takes it from
 * {@link #get()} in its {@code @BeforeAll}; each such class leaves the anima running on host1 with its app 1.
 */
final class DesktopCluster implements ExtensionContext.Store.CloseableResource {
    private static DesktopCluster current;

    final Cluster cluster;
    final ClusterAnima anima;
    /** What {@code zos-vm app run desk -- xterm} answered when the cluster was made. */
    final String firstApp;

    private DesktopCluster(Cluster cluster) {
        this.cluster = cluster;
        this.anima = new ClusterAnima(cluster, "desk");
        this.firstApp = make();
    }

    private String make() {
        try {
            anima.zos("host1", "init", "--name", "desk", "--guest", "desktop");
            anima.zos("host1", "start", "desk");
            long deadline = System.nanoTime() + 300_000_000_000L;
            while (!cluster.run("host1", "zos-vm", "guest", "desk", "ping").out().startsWith("pong")) {
                assertTrue(System.nanoTime() < deadline, "the desktop guest's agent answered within 300 s");
                Thread.sleep(1000);
            }
            return anima.zos("host1", "app", "run", "desk", "--", "xterm");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while the desktop anima booted", e);
        }
    }

    /** The shared cluster; {@link Up} has brought it up. */
    static synchronized DesktopCluster get() {
        if (current == null) {
            throw new IllegalStateException("the test class needs @ExtendWith(DesktopCluster.Up.class)");
        }
        return current;
    }

    /** Takes the shared cluster down if it is up: a test is about to bring up a cluster of its own. */
    static synchronized void release() {
        if (current != null) {
            current.close();
        }
    }

    @Override
    public void close() {
        synchronized (DesktopCluster.class) {
            if (current == this) {
                current = null;
                ClusterAnima.down(cluster, "desktop");
            }
        }
    }

    /** Brings the shared cluster up before a class's {@code @BeforeAll}, unless an earlier class did. */
    static final class Up implements BeforeAllCallback {
        @Override
        public void beforeAll(ExtensionContext context) throws Exception {
            synchronized (DesktopCluster.class) {
                if (current == null) {
                    Cluster cluster = ClusterAnima.cluster(2, Map.of(), true);
                    try {
                        current = new DesktopCluster(cluster);
                    } catch (RuntimeException | Error e) {
                        ClusterAnima.down(cluster, "desktop");
                        throw e;
                    }
                    // closed when the whole run ends, if no other cluster took its place before
                    context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL).put(DesktopCluster.class, current);
                }
            }
            current.anima.heartbeat("host1", 1);
        }
    }
}
