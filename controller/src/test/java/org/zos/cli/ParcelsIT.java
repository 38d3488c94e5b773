package org.zos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.zos.protocol.ErrorCode;

/**
 * Parcels end to end (issue 18): two hosts, each a zos-agent with its own state and store (one libvirtd,
 * so one runs the anima at a time), and Ceph's RADOS Gateway from Debian's packages (scripts/ceph/up)
 * as the object store. An anima suspended to the remote by one host leaves it; the other, which never
 * saw it, resumes it with its memory and disk as they were; while it has the parcel checked out the first
 * cannot; a second suspend after a small change uploads about that change; a wrong passphrase is DENIED.
 */
class ParcelsIT {
    static final String PASS = "correct horse battery staple";
    static Path root;
    static TestAgent home;
    static TestAgent lab;
    static Cli atHome;
    static Cli atLab;
    static Path passFile;

    @BeforeAll
    static void up() throws Exception {
        Path repo = Path.of(System.getProperty("zos.repo", "../"));
        Process p = new ProcessBuilder("bash", repo.resolve("scripts/ceph/up").toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String line = new String(p.getInputStream().readAllBytes()).strip();
        assertEquals(0, p.waitFor(), "scripts/ceph/up: " + line);
        String endpoint = field(line, "endpoint");
        root = Files.createDirectories(Path.of("/var/lib/zos-test", "parcels-" + UUID.randomUUID().toString().substring(0, 8)));
        Path creds = root.resolve("s3-credentials");
        Files.writeString(creds, "[default]\naws_access_key_id = " + field(line, "access") + "\naws_secret_access_key = "
                + field(line, "secret") + "\n");
        passFile = Files.writeString(root.resolve("passphrase"), PASS + "\n");
        String bucket = "zos-it-" + UUID.randomUUID().toString().substring(0, 8);
        for (String host : new String[] {"home", "lab"}) {
            Path etc = Files.createDirectories(root.resolve(host + "-etc"));
            Cli.Result add = new Cli(null).run("remote", "add", "ceph", "--config-dir=" + etc, "--endpoint", endpoint, "--bucket", bucket,
                    "--credentials", creds.toString(), "--create-bucket");
            assertEquals(0, add.status(), add.toString());
        }
        home = TestAgent.start(root.resolve("home-etc"), Files.createDirectories(root.resolve("home")), "qemu:///system", "home");
        lab = TestAgent.start(root.resolve("lab-etc"), Files.createDirectories(root.resolve("lab")), "qemu:///system", "lab");
        atHome = new Cli(null, home);
        atLab = new Cli(null, lab);
    }

    static String field(String line, String name) {
        Matcher m = Pattern.compile("(?:^| )" + name + "=(\\S+)").matcher(line);
        assertTrue(m.find(), name + " in: " + line);
        return m.group(1);
    }

    @AfterAll
    static void down() throws Exception {
        for (Cli c : new Cli[] {atHome, atLab}) {
            if (c != null) {
                for (String line : c.run("status", "--json").out().split("\n")) {
                    if (line.contains("\"name\"")) {
                        c.run("remove", "--yes", line.replaceAll(".*: \"(.*)\".*", "$1"));
                    }
                }
            }
        }
        for (TestAgent a : new TestAgent[] {home, lab}) {
            if (a != null) {
                a.close();
            }
        }
        if (root != null) {
            try (var files = Files.walk(root)) {
                for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                    Files.deleteIfExists(p);
                }
            }
        }
        new ProcessBuilder("bash", Path.of(System.getProperty("zos.repo", "../")).resolve("scripts/ceph/down").toString())
                .inheritIO().start().waitFor();
    }

    static long megabytes(Cli.Result r, String word) {
        Matcher m = Pattern.compile(word + " ([0-9.]+) MB").matcher(r.out());
        assertTrue(m.find(), "'" + word + " N MB' in: " + r);
        return Math.round(Double.parseDouble(m.group(1)) * 1e6);
    }

    static JsonNode status(Cli c, String name) throws Exception {
        Cli.Result s = c.run("status", name, "--json");
        assertEquals(0, s.status(), s.toString());
        JsonNode n = new ObjectMapper().readTree(s.out());
        return n.isArray() ? n.get(0) : n;
    }

    /** The boot id the guest's heartbeat reports, once it has reported one (up to 60 s). */
    static String heartbeatBoot(Cli c, String name) throws Exception {
        for (int i = 0; i < 120; i++) {
            JsonNode b = status(c, name).path("heartbeatBoot");
            if (b.isTextual() && !b.asText().isBlank()) {
                return b.asText();
            }
            Thread.sleep(500);
        }
        throw new AssertionError("no heartbeat from " + name + ": " + status(c, name));
    }

    @Test
    void anAnimaSuspendedToCephByOneHostResumesOnAnotherAsItWas() throws Exception {
        String n = "parcel-" + UUID.randomUUID().toString().substring(0, 6);
        String pass = "--passphrase-file=" + passFile;
        assertEquals(0, atHome.run("init", "--name", n, "--memory", "128M", "--disk-size", "64M").status());
        assertEquals(0, atHome.run("start", n).status());
        Cli.Result wrote = atHome.run("guest", n, "--timeout", "60", "write", "note", "written-at-home");
        assertEquals(0, wrote.status(), wrote.toString());
        String boot = heartbeatBoot(atHome, n);

        Cli.Result first = atHome.run("suspend", n, "--to", "ceph", pass);
        assertEquals(0, first.status(), first.toString());
        long firstBytes = megabytes(first, "uploaded");
        Cli.assertError(atHome.run("status", n), ErrorCode.ANIMA_NOT_FOUND);
        Cli.assertError(atHome.run("resume", n), ErrorCode.ANIMA_NOT_FOUND, "suspended to remote 'ceph'", "--from ceph");
        Cli.Result listed = new Cli(null).run("parcel", "list", "--remote", "ceph", "--config-dir=" + home.configDir);
        assertTrue(listed.out().contains(n), listed.toString());

        // The lab never saw the anima: a wrong passphrase opens nothing; the right one brings it back as it was.
        Path wrong = Files.writeString(root.resolve("wrong"), "not the passphrase at all\n");
        Cli.assertError(atLab.run("resume", n, "--from", "ceph", "--passphrase-file=" + wrong), ErrorCode.DENIED);
        Cli.Result resumed = atLab.run("resume", n, "--from", "ceph", pass);
        assertEquals(0, resumed.status(), resumed.toString());
        assertTrue(megabytes(resumed, "downloaded") >= firstBytes * 9 / 10, "the lab fetched the whole parcel: " + resumed);
        JsonNode there = status(atLab, n);
        assertEquals("running", there.path("state").asText(), there.toString());
        assertEquals(boot, heartbeatBoot(atLab, n), "the same boot: its memory came with it");
        Cli.Result read = atLab.run("guest", n, "--timeout", "60", "read", "note");
        assertTrue(read.out().contains("written-at-home"), read.toString());

        // Checked out to the lab: home cannot resume it meanwhile.
        Cli.assertError(atHome.run("resume", n, "--from", "ceph", pass), ErrorCode.BUSY, "checked out by lab");

        // A small change, and back: the lab uploads about that change, home downloads only what it lacks.
        assertEquals(0, atLab.run("guest", n, "--timeout", "60", "churn", "1").status());
        Cli.Result second = atLab.run("suspend", n, "--to", "ceph", pass);
        assertEquals(0, second.status(), second.toString());
        long secondBytes = megabytes(second, "uploaded");
        assertTrue(secondBytes < firstBytes / 2, "second suspend " + secondBytes + " B, first " + firstBytes + " B");
        Cli.Result back = atHome.run("resume", n, "--from", "ceph", pass);
        assertEquals(0, back.status(), back.toString());
        assertTrue(megabytes(back, "downloaded") < firstBytes / 2, "home kept what it had: " + back);
        assertEquals(boot, heartbeatBoot(atHome, n));
        assertFalse(atLab.run("status", n).status() == 0, "the lab holds nothing of it now");
    }

    @Test
    void twoAnimasOfOneUserShareTheirChunksInTheRemote() throws Exception {
        String id = UUID.randomUUID().toString().substring(0, 6);
        String a = "pool-a-" + id;
        String b = "pool-b-" + id;
        String pass = "--passphrase-file=" + passFile;
        for (String n : new String[] {a, b}) {
            assertEquals(0, atHome.run("init", "--name", n, "--memory", "128M", "--disk-size", "64M").status());
            assertEquals(0, atHome.run("start", n).status());
        }
        heartbeatBoot(atHome, a);
        String bootB = heartbeatBoot(atHome, b);
        Cli.Result first = atHome.run("suspend", a, "--to", "ceph", pass);
        assertEquals(0, first.status(), first.toString());
        Cli.Result second = atHome.run("suspend", b, "--to", "ceph", pass);
        assertEquals(0, second.status(), second.toString());
        System.out.printf("two animas of one user:%n%s%s", first.out(), second.out());
        // Its kernel, initrd and disk (the guest's system, the same in both) go while it runs: the second finds them
        // all in the pool. Its memory is its own (two guests' pages at other places make other chunks).
        Matcher ahead = Pattern.compile("([0-9.]+) MB of them while it ran; of ([0-9.]+) MB").matcher(second.out());
        assertTrue(ahead.find(), second.toString());
        assertTrue(Double.parseDouble(ahead.group(1)) <= 0.1, "the second anima uploads none of the system the first did: " + second);

        Cli parcels = new Cli(null);
        Cli.Result listed = parcels.run("parcel", "list", "--remote", "ceph", "--config-dir=" + home.configDir);
        assertTrue(listed.out().lines().anyMatch(l -> l.startsWith("pool ") && l.contains(a) && l.contains(b)), listed.toString());
        Cli.Result erased = parcels.run("parcel", "erase", a, "--yes", "--remote", "ceph", "--config-dir=" + home.configDir);
        assertEquals(0, erased.status(), erased.toString());
        assertTrue(erased.out().contains("shared with") && erased.out().contains(b), erased.toString());

        // The other anima's parcel is whole: a host that never saw it resumes it.
        Cli.Result resumed = atLab.run("resume", b, "--from", "ceph", pass);
        assertEquals(0, resumed.status(), resumed.toString());
        assertEquals(bootB, heartbeatBoot(atLab, b));
    }

    static void docker(String... args) throws Exception {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("docker"));
        cmd.addAll(java.util.List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
    }

    @Test
    void anObjectStoreLostWhileSuspendingLeavesTheAnimaSuspendedHereAndTheNextSuspendFinishes() throws Exception {
        String n = "lost-" + UUID.randomUUID().toString().substring(0, 6);
        String pass = "--passphrase-file=" + passFile;
        assertEquals(0, atHome.run("init", "--name", n, "--memory", "128M", "--disk-size", "64M").status());
        assertEquals(0, atHome.run("start", n).status());
        String boot = heartbeatBoot(atHome, n);
        // The agent stops once it has saved the anima here; then the object store stops answering. Home waits 5 s
        // for an answer (not the default minute) while it is lost, so that it gives up within half a minute.
        Path state = root.resolve("home");
        Path remote = root.resolve("home-etc/remotes/ceph.properties");
        String asAdded = Files.readString(remote);
        Files.writeString(remote, asAdded + "timeout = 5\n");
        Files.writeString(state.resolve("faults"), "parcel.suspended wait\n");
        java.util.concurrent.CompletableFuture<Cli.Result> suspend = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> atHome.run("suspend", n, "--to", "ceph", pass));
        boolean paused = false;
        try {
            for (int i = 0; i < 600 && !suspend.isDone() && !(Files.exists(state.resolve("faults.hit"))
                    && Files.readString(state.resolve("faults.hit")).contains("parcel.suspended")); i++) {
                Thread.sleep(100);
            }
            assertTrue(Files.exists(state.resolve("faults.hit")) && Files.readString(state.resolve("faults.hit")).contains("parcel.suspended"),
                    "the suspend reached its fault point" + (suspend.isDone() ? "; it ended: " + suspend.join() : ""));
            // The gateway stops answering (connections are still taken, as a hung server's are); Ceph's own
            // daemons stay up. Freezing the whole container instead made its OSD go down and its groups peer
            // again, after which the gateway timed out every retry for minutes now and then (CI saw it thrice):
            // what Ceph needs to heal is not what this test is about.
            docker("exec", "zos-ceph", "pkill", "-STOP", "-x", "radosgw");
            paused = true;
            Files.delete(state.resolve("faults"));
            Cli.Result lost = suspend.get(5, java.util.concurrent.TimeUnit.MINUTES);
            Cli.assertError(lost, ErrorCode.HOST_UNREACHABLE, "stays suspended here", "--to ceph");
        } finally {
            Files.deleteIfExists(state.resolve("faults"));
            Files.writeString(remote, asAdded);
            if (paused) { // else the failure above is the one to see
                docker("exec", "zos-ceph", "pkill", "-CONT", "-x", "radosgw");
            }
        }
        assertEquals("suspended", status(atHome, n).path("state").asText());
        // Its lease is home's while home holds the anima: no other host resumes an older or partial parcel.
        Cli.assertError(atLab.run("resume", n, "--from", "ceph", pass), ErrorCode.BUSY, "checked out by home");
        Cli.Result again = atHome.run("suspend", n, "--to", "ceph", pass);
        assertEquals(0, again.status(), again.toString());
        Cli.Result lab = atLab.run("resume", n, "--from", "ceph", pass);
        assertEquals(0, lab.status(), lab.toString());
        assertEquals(boot, heartbeatBoot(atLab, n));
        assertEquals(0, atLab.run("suspend", n, "--to", "ceph", pass).status(), "and it goes back to rest");
        Cli.Result erase = new Cli(null).run("parcel", "erase", n, "--remote", "ceph", "--yes", "--config-dir=" + home.configDir);
        assertEquals(0, erase.status(), erase.toString());
    }

    @Test
    void aParcelFileCarriesTheAnimaToAHostThatNeverSawItAndIsNotResumedTwice() throws Exception {
        String n = "stick-" + UUID.randomUUID().toString().substring(0, 6);
        String pass = "--passphrase-file=" + passFile;
        assertEquals(0, atHome.run("init", "--name", n, "--memory", "128M", "--disk-size", "64M").status());
        assertEquals(0, atHome.run("start", n).status());
        assertEquals(0, atHome.run("guest", n, "--timeout", "60", "write", "note", "on-a-stick").status());
        String boot = heartbeatBoot(atHome, n);
        Path stick = Files.createDirectories(root.resolve("stick"));
        Path file = stick.resolve(n + ".zosparcel");
        Cli.Result export = atHome.run("parcel", "export", n, file.toString(), pass);
        assertEquals(0, export.status(), export.toString());
        assertTrue(Files.size(file) > 1_000_000, "the file holds the anima: " + Files.size(file));
        assertFalse(Files.exists(stick.resolve(n + ".zosparcel.part")));
        Cli.assertError(atHome.run("status", n), ErrorCode.ANIMA_NOT_FOUND);
        Cli.assertError(atHome.run("parcel", "export", n, file.toString(), pass), ErrorCode.ANIMA_NOT_FOUND);

        Cli.Result imported = atLab.run("parcel", "import", file.toString(), pass);
        assertEquals(0, imported.status(), imported.toString());
        assertEquals(boot, heartbeatBoot(atLab, n));
        assertTrue(atLab.run("guest", n, "--timeout", "60", "read", "note").out().contains("on-a-stick"));
        assertFalse(Files.exists(file), "the spent file is renamed");
        assertTrue(Files.exists(stick.resolve(n + ".zosparcel.resumed")));
        Cli.assertError(atHome.run("parcel", "import", file.toString(), pass), ErrorCode.BAD_PARAMETER, "no parcel file");
    }
}
