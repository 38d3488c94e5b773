package org.zos.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.zos.protocol.ErrorCode;

/**
 * Full domination on the local cluster: two containers, each its own host with libvirtd and zos-agent.
 * The anima moves host1 → host2 → host1 → host2 → host1 while its guest keeps counting and keeps a marker
 * file; host2 keeps nothing readable of it once it is home; a stage sends its images to host2 ahead, so
 * that the domination after it sends only what changed; a host that permits only partial control is
 * refused before anything moves; once the cluster's site authority revokes host2, host1 refuses it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DominateIT {
    static final String MARKER = "zosmarker" + UUID.randomUUID().toString().replace("-", "");
    /** Written while the anima visits host2 live: on the overlay its domination made, which its return copies home. */
    static final String VISIT = "zosvisit" + UUID.randomUUID().toString().replace("-", "");
    static Cluster cluster;
    static ClusterAnima anima;
    /** What the first domination sent, host2 holding nothing of the anima before. */
    static long firstDomination;

    @BeforeAll
    static void up() throws Exception {
        // Every image offer is cut into parts of 128 bytes, as a disk of many gigabytes would be.
        cluster = ClusterAnima.cluster(2, java.util.Map.of("JAVA_TOOL_OPTIONS", "-Dzos.offerPartBytes=128"));
        anima = new ClusterAnima(cluster, "it");
        anima.create("host1", "128M", "64M");
        assertEquals("ok", zos("host1", "guest", "it", "write", "marker", MARKER).strip());
    }

    @AfterAll
    static void down() {
        ClusterAnima.down(cluster, "dominate");
    }

    @Test
    @Order(1)
    void aHostThatPermitsOnlyPartialControlIsRefusedBeforeAnythingMoves() {
        cluster.exec("host2", "sh", "-c", "cp /etc/zos/zpasswd /etc/zos/zpasswd.full && echo 'root host1 partial' > /etc/zos/zpasswd");
        try {
            HostRuntime.Result r = cluster.run("host1", "zos-vm", "dominate", "host2", "it");
            assertEquals(ErrorCode.DENIED.exitStatus(), r.status(), r.toString());
            assertTrue(r.err().contains("partially"), r.err());
            assertEquals("running", status("host1").path("state").asText());
            assertEquals("", cluster.exec("host2", "sh", "-c", "ls /var/lib/zos/animas 2>/dev/null || true").strip(),
                    "nothing reached host2");
        } finally {
            cluster.exec("host2", "sh", "-c", "mv /etc/zos/zpasswd.full /etc/zos/zpasswd");
        }
    }

    @Test
    @Order(2)
    void theAnimaGoesToHost2AndHomeAgainAndGoesOnWhereItWas() throws Exception {
        JsonNode before = heartbeat("host1", 2);
        long first = sent(zos("host1", "dominate", "host2", "it"));
        firstDomination = first;

        String log = cluster.exec("host1", "cat", "/var/log/zos/agent.log");
        assertTrue(java.util.regex.Pattern.compile("disk@\\d+ to host2: offered in \\d+ ms \\(\\d+ parts\\)").matcher(log).find(),
                "the disk's offer went in parts");
        JsonNode there = heartbeat("host2", before.path("heartbeatCount").asLong() + 1);
        assertEquals(before.path("heartbeatBoot").asText(), there.path("heartbeatBoot").asText(), "the same boot goes on");
        assertEquals("host1", there.path("home").asText());
        assertEquals("data " + MARKER, zos("host2", "guest", "it", "read", "marker").strip());
        assertEquals("away", status("host1").path("state").asText());
        assertEquals("host2", status("host1").path("location").asText());
        assertTrue(cluster.run("host1", "zos-vm", "resume", "it").status() == ErrorCode.INVALID_STATE.exitStatus(),
                "the home refuses to run its copy while the anima is away");

        zos("host1", "return", "it");
        JsonNode home = heartbeat("host1", there.path("heartbeatCount").asLong() + 1);
        assertEquals(before.path("heartbeatBoot").asText(), home.path("heartbeatBoot").asText());
        assertEquals("data " + MARKER, zos("host1", "guest", "it", "read", "marker").strip());

        assertEquals("", cluster.exec("host2", "ls", "/var/lib/zos/animas").strip(), "host2 keeps no anima files");
        assertEquals("", cluster.exec("host2", "virsh", "list", "--all", "--name").strip(), "nor a domain");
        ClusterAnima.noFileHolds(cluster, "host2", MARKER);

        // Again: host2 still holds the sealed chunks of the first visit (without their key), so little moves.
        long second = sent(zos("host1", "dominate", "host2", "it"));
        assertTrue(second * 10 < first, "second domination sent " + second + " bytes, the first " + first);
        heartbeat("host2", home.path("heartbeatCount").asLong() + 1);
        // ...and this time it is sent home from the host it visits.
        zos("host2", "return", "it");
        heartbeat("host1", home.path("heartbeatCount").asLong() + 3);
        assertEquals("data " + MARKER, zos("host1", "guest", "it", "read", "marker").strip());
    }

    @Test
    @Order(3)
    void aLiveDominationAndReturnKeepTheAnimaRunningThroughout() throws Exception {
        JsonNode before = heartbeat("host1", 1);
        String out = zos("host1", "dominate", "host2", "it", "--live");
        assertTrue(out.contains("live (converged"), out);
        JsonNode there = heartbeat("host2", before.path("heartbeatCount").asLong() + 1);
        assertEquals(before.path("heartbeatBoot").asText(), there.path("heartbeatBoot").asText(), "the same boot goes on");
        assertEquals("data " + MARKER, zos("host2", "guest", "it", "read", "marker").strip());
        assertEquals("away", status("host1").path("state").asText());
        assertEquals("", cluster.exec("host1", "virsh", "list", "--all", "--name").strip(), "host1 let its domain go");
        assertEquals("ok", zos("host2", "guest", "it", "write", "visit", VISIT).strip());

        out = zos("host1", "return", "it", "--live");
        assertTrue(out.contains("live (converged"), out);
        JsonNode home = heartbeat("host1", there.path("heartbeatCount").asLong() + 1);
        assertEquals(before.path("heartbeatBoot").asText(), home.path("heartbeatBoot").asText());
        assertEquals("data " + MARKER, zos("host1", "guest", "it", "read", "marker").strip());
        assertEquals("data " + VISIT, zos("host1", "guest", "it", "read", "visit").strip());
        // the visit ran on the overlay its domination made, over the disk host1 kept: the return sent no disk
        assertTrue(cluster.exec("host1", "cat", "/var/log/zos/agent.log").contains("the return of it lies over disk"),
                "the return offered no disk base");
        assertTrue(cluster.exec("host2", "cat", "/var/log/zos/agent.log").contains("the return of it offers the disk its overlay lies over"),
                "host2 did not run the anima on its overlay");
        assertEquals("", cluster.exec("host2", "sh", "-c", "find /var/lib/zos/animas /run/zos/live -mindepth 1 2>/dev/null; true").strip(),
                "host2 keeps no anima files, nor sockets");
        assertEquals("", cluster.exec("host2", "virsh", "list", "--all", "--name").strip(), "nor a domain");
        ClusterAnima.noFileHolds(cluster, "host2", MARKER);
        String log = cluster.exec("host2", "cat", "/var/log/zos/agent.log");
        assertTrue(!log.contains("libvirt connection asked for"), "host2's guard refused none of libvirt's calls");

        // host2 sealed the memory the anima came home with, and only host1 holds its key: the next live
        // visit there fills the incoming domain's memory with it and leaves out what did not change.
        String sealed = "host2 sealed the memory it came home with";
        for (int i = 0; i < 120 && !cluster.exec("host1", "cat", "/var/log/zos/agent.log").contains(sealed); i++) {
            Thread.sleep(500);
        }
        assertTrue(cluster.exec("host1", "cat", "/var/log/zos/agent.log").contains(sealed), "host1 got the key of what host2 sealed");
        assertEquals("/var/lib/zos/sealed/it.mem", cluster.exec("host2", "sh", "-c", "ls /var/lib/zos/sealed/*").strip());
        out = zos("host1", "dominate", "host2", "it", "--live");
        assertTrue(out.contains("live (converged"), out);
        heartbeat("host2", home.path("heartbeatCount").asLong() + 1);
        assertEquals("data " + MARKER, zos("host2", "guest", "it", "read", "marker").strip());
        assertTrue(cluster.exec("host2", "cat", "/var/log/zos/agent.log").contains("sealed here when it last went home in"),
                "host2 filled the domain's memory with what it sealed");
        assertEquals("", cluster.exec("host2", "sh", "-c", "ls /var/lib/zos/sealed/").strip(), "the sealed memory is used once");
        out = zos("host1", "return", "it", "--live");
        assertTrue(out.contains("live (converged"), out);
        assertEquals("data " + MARKER, zos("host1", "guest", "it", "read", "marker").strip());
        ClusterAnima.noFileHolds(cluster, "host2", MARKER);
        ClusterAnima.noFileHolds(cluster, "host2", VISIT);

        // What the guest wrote there is on the disk itself at home, not only in its page cache: a boot reads it.
        zos("host1", "shutdown", "it");
        zos("host1", "start", "it");
        long deadline = System.nanoTime() + 180_000_000_000L;
        while (heartbeat("host1", 1).path("heartbeatBoot").asText().equals(before.path("heartbeatBoot").asText())) {
            assertTrue(System.nanoTime() < deadline, "the anima never booted again");
            Thread.sleep(500);
        }
        assertEquals("data " + MARKER, zos("host1", "guest", "it", "read", "marker").strip());
        assertEquals("data " + VISIT, zos("host1", "guest", "it", "read", "visit").strip());
    }

    @Test
    @Order(4)
    void aStagedDominationSendsWhatChangedSinceTheStage() throws Exception {
        // host2 forgets the sealed chunks of the visits before: the stage starts from nothing, as a first domination does.
        cluster.exec("host2", "rm", "-rf", "/var/lib/zos/store/animas/it");
        JsonNode before = heartbeat("host1", 1);
        String out = zos("host1", "stage", "host2", "it");
        assertTrue(out.contains("is staged on host2"), out);
        long staged = sent(out);
        JsonNode after = heartbeat("host1", before.path("heartbeatCount").asLong() + 1);
        assertEquals(before.path("heartbeatBoot").asText(), after.path("heartbeatBoot").asText(), "it ran at home throughout");
        assertEquals("running", status("host1").path("state").asText());
        assertEquals("", cluster.exec("host2", "sh", "-c", "find /var/lib/zos/animas /var/lib/zos/moves -mindepth 1 2>/dev/null; true").strip(),
                "host2 keeps no anima files and no journal");
        assertEquals("", cluster.exec("host2", "virsh", "list", "--all", "--name").strip(), "nor a domain");
        assertEquals("", cluster.exec("host2", "sh", "-c", "ls /var/lib/zos/store/animas/it/key 2>/dev/null || true").strip(),
                "nor the anima's key");
        ClusterAnima.noFileHolds(cluster, "host2", MARKER);

        assertEquals("ok", zos("host1", "guest", "it", "--timeout", "120", "churn", "2").strip());
        long dominated = sent(zos("host1", "dominate", "host2", "it"));
        System.out.printf("staged %d bytes; the domination after it (2 MiB written since) sent %d; the first domination %d%n",
                staged, dominated, firstDomination);
        assertTrue(dominated < firstDomination - staged / 2, "the domination after the stage sent " + dominated
                + " bytes, the stage " + staged + ", the first domination without one " + firstDomination);
        assertEquals("data " + MARKER, zos("host2", "guest", "it", "read", "marker").strip());
        zos("host1", "return", "it");
        heartbeat("host1", after.path("heartbeatCount").asLong() + 1);
    }

    @Test
    @Order(5)
    void aCancelledDominationLeavesTheAnimaRunningAtHome() throws Exception {
        // 4 MiB of new data host2 has not seen, sent at 200 kbit/s: the move is still sending when the cancel comes.
        assertEquals("ok", zos("host1", "guest", "it", "--timeout", "120", "churn", "4").strip());
        JsonNode before = heartbeat("host1", 1);
        var move = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> cluster.run("host1", "zos-vm", "dominate", "host2", "it", "--bandwidth", "200kbit"));
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!status("host1").has("moving") && !move.isDone() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertTrue(!move.isDone(), "the move ended before it could be cancelled: " + (move.isDone() ? move.get() : ""));
        assertTrue(status("host1").path("moving").asText().startsWith("to host2"), "status shows the move under way");
        zos("host1", "cancel", "it");
        HostRuntime.Result r = move.get();
        assertEquals(ErrorCode.CANCELLED.exitStatus(), r.status(), r.toString());
        assertTrue(r.err().contains("cancelled"), r.err());
        JsonNode after = heartbeat("host1", before.path("heartbeatCount").asLong() + 1);
        assertEquals(before.path("heartbeatBoot").asText(), after.path("heartbeatBoot").asText());
        assertEquals("", cluster.exec("host2", "sh", "-c", "ls /var/lib/zos/animas 2>/dev/null || true").strip(),
                "host2 dropped what it had received");
    }

    @Test
    @Order(6)
    void aHostTheSiteAuthorityRevokesIsRefusedWithinAMinute() throws Exception {
        // host2 allows host1 only partial control, so an attempt that gets through TLS is refused (DENIED) before anything moves.
        cluster.exec("host2", "sh", "-c", "cp /etc/zos/zpasswd /etc/zos/zpasswd.full && echo 'root host1 partial' > /etc/zos/zpasswd");
        try {
            assertEquals(ErrorCode.DENIED.exitStatus(), cluster.run("host1", "zos-vm", "dominate", "host2", "it").status());
            org.zos.protocol.tls.SiteAuthority.open(new Cluster.Kit(Cluster.KIT_DIR).authority()).revoke("host2");
            long t0 = System.nanoTime();
            HostRuntime.Result r;
            do {
                Thread.sleep(1000);
                r = cluster.run("host1", "zos-vm", "dominate", "host2", "it");
            } while (r.status() == ErrorCode.DENIED.exitStatus() && System.nanoTime() - t0 < 90_000_000_000L);
            long seconds = (System.nanoTime() - t0) / 1_000_000_000L;
            System.out.println("host1 refused the revoked host2 after " + seconds + " s");
            assertEquals(ErrorCode.PEER_REVOKED.exitStatus(), r.status(), r.toString());
            assertTrue(r.err().contains("revoked by site authority 'zos-cluster'"), r.err());
            assertTrue(seconds <= 60, "refused after " + seconds + " s, not within a minute");
            assertEquals("running", status("host1").path("state").asText());
            assertTrue(cluster.exec("host1", "cat", "/var/log/zos/agent.log").contains("revocation list 2"), "the agent logs the list it fetched");
        } finally {
            cluster.exec("host2", "sh", "-c", "mv /etc/zos/zpasswd.full /etc/zos/zpasswd");
        }
    }

    static String zos(String host, String... args) {
        return anima.zos(host, args);
    }

    static JsonNode status(String host) {
        return anima.status(host);
    }

    static JsonNode heartbeat(String host, long n) throws Exception {
        return anima.heartbeat(host, n);
    }

    static long sent(String out) {
        return ClusterAnima.sent(out);
    }
}
