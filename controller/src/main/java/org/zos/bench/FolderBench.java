package org.zos.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.zos.protocol.message.FolderOpen;
import org.zos.protocol.message.FolderReady;
import org.zos.protocol.net.ChannelStream;
import org.zos.protocol.net.Peer;
import org.zos.protocol.net.Responder;
import org.zos.protocol.net.ZosServer;
import org.zos.protocol.tls.HostIdentity;
import org.zos.protocol.tls.KnownHosts;
import org.zos.store.folder.LocalReplica;
import org.zos.store.folder.PathFilter;
import org.zos.store.folder.Reconciler;
import org.zos.store.folder.ReplicaWire;

/**
 * {@code zos-vm bench folders}: zos's folder sync against rsync over ssh, in the same run, on this machine's
 * loopback: both encrypt (zos: its pinned TLS link, as between two agents; rsync: ssh to a private sshd).
 * One big file (first copy, then a change to part of it), a tree of small files (first copy, then one
 * small change), and how soon a small change shows on the other side when the sync runs as the agent runs
 * it (a round every 600 ms).
 */
public final class FolderBench {
    private final PrintWriter out;
    private final Path dir;

    public FolderBench(PrintWriter out, Path dir) {
        this.out = out;
        this.dir = dir;
    }

    /** One line of the table. */
    private record Row(String what, long zosBytes, long zosMs, long rsyncBytes, long rsyncMs) {
    }

    public void run(int sizeMiB, int changeMiB, int files) throws Exception {
        Path work = Files.createTempDirectory(dir, "zos-bench-folders-");
        Path a = Files.createDirectories(work.resolve("original"));
        Path zosCopy = Files.createDirectories(work.resolve("zos-copy"));
        Path rsyncCopy = Files.createDirectories(work.resolve("rsync-copy"));
        List<Row> rows = new ArrayList<>();
        try (Sshd sshd = new Sshd(work.resolve("ssh")); Tls tls = new Tls(work, zosCopy)) {
            out.printf("bench folders: %d MiB file (then %d MiB of it changed), %d small files; zos over its TLS link, "
                    + "rsync -a over ssh, both on loopback%n", sizeMiB, changeMiB, files);
            out.flush();
            writeRandom(a.resolve("big.img"), sizeMiB, 1);
            Reconciler zos = new Reconciler(new LocalReplica(a, "original", PathFilter.NONE), tls.client, Reconciler.Direction.BOTH,
                    Clock.systemUTC());
            rows.add(measure(sizeMiB + " MiB file, first copy", zos, tls.client, sshd, a, rsyncCopy));
            try (RandomAccessFile f = new RandomAccessFile(a.resolve("big.img").toFile(), "rw")) {
                byte[] patch = new byte[changeMiB << 20];
                new SplittableRandom(7).nextBytes(patch);
                f.seek(((long) sizeMiB << 20) / 2);
                f.write(patch);
            }
            rows.add(measure(changeMiB + " MiB of it changed", zos, tls.client, sshd, a, rsyncCopy));
            Path small = Files.createDirectories(a.resolve("small"));
            for (int i = 0; i < files; i++) {
                Files.write(small.resolve(String.format("f%05d.txt", i)), text(i, 1024 + (i * 7919) % 15360));
            }
            rows.add(measure(files + " small files, first copy", zos, tls.client, sshd, a, rsyncCopy));
            Files.writeString(small.resolve("f00042.txt"), "changed\n", java.nio.file.StandardOpenOption.APPEND);
            rows.add(measure("one small file changed", zos, tls.client, sshd, a, rsyncCopy));

            String fmt = "%-32s %14s %10s %14s %10s%n";
            out.printf(fmt, "", "zos bytes", "zos time", "rsync bytes", "rsync time");
            for (Row r : rows) {
                out.printf(fmt, r.what(), String.format("%,d", r.zosBytes()), r.zosMs() + " ms", String.format("%,d", r.rsyncBytes()),
                        r.rsyncMs() + " ms");
            }
            out.printf("a small change shows on the other side after %d ms (zos, as the agent runs it: a round every 600 ms; "
                    + "median of 5)%n", latency(zos, a, zosCopy));
        } finally {
            try (var walk = Files.walk(work)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        out.flush();
    }

    /** One step done both ways: zos's round and one rsync run, each timed, with the bytes each sent and received. */
    private Row measure(String what, Reconciler zos, ReplicaWire.Client client, Sshd sshd, Path a, Path rsyncCopy) throws Exception {
        dropCaches();
        long before = client.wireBytes();
        long t0 = System.nanoTime();
        Reconciler.Report rep = zos.round();
        long zosMs = (System.nanoTime() - t0) / 1_000_000;
        if (!rep.problems().isEmpty()) {
            throw new IOException("zos left paths: " + rep.problems());
        }
        long zosBytes = client.wireBytes() - before;
        dropCaches();
        t0 = System.nanoTime();
        long rsyncBytes = sshd.rsync(a, rsyncCopy);
        long rsyncMs = (System.nanoTime() - t0) / 1_000_000;
        out.printf("  %s: zos %,d bytes in %d ms, rsync %,d bytes in %d ms%n", what, zosBytes, zosMs, rsyncBytes, rsyncMs);
        out.flush();
        return new Row(what, zosBytes, zosMs, rsyncBytes, rsyncMs);
    }

    /** The median time from writing a small file to its arrival on the other side, the sync running rounds every 600 ms. */
    private long latency(Reconciler zos, Path a, Path copy) throws Exception {
        List<Long> times = new ArrayList<>();
        Thread loop = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    zos.round();
                    Thread.sleep(600);
                } catch (InterruptedException e) {
                    return;
                } catch (IOException e) {
                    if (Thread.currentThread().isInterrupted()) {
                        return; // the measurement is over: the round it cut short does not matter
                    }
                    throw new java.io.UncheckedIOException(e);
                }
            }
        }, "bench-folder-loop");
        loop.start();
        try {
            for (int i = 0; i < 5; i++) {
                Thread.sleep(300 + 173L * i);
                String text = "note " + i + " " + System.nanoTime();
                long t0 = System.nanoTime();
                Files.writeString(a.resolve("note.txt"), text);
                Path there = copy.resolve("note.txt");
                while (!(Files.exists(there) && Files.readString(there).equals(text))) {
                    Thread.sleep(5);
                }
                times.add((System.nanoTime() - t0) / 1_000_000);
            }
        } finally {
            loop.interrupt();
            loop.join(10_000);
        }
        times.sort(null);
        return times.get(times.size() / 2);
    }

    private static void writeRandom(Path f, int mib, long seed) throws IOException {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] buf = new byte[1 << 20];
        try (var o = Files.newOutputStream(f)) {
            for (int i = 0; i < mib; i++) {
                r.nextBytes(buf);
                o.write(buf);
            }
        }
    }

    private static byte[] text(int i, int len) {
        StringBuilder b = new StringBuilder(len);
        while (b.length() < len) {
            b.append("line of file ").append(i).append(" at ").append(b.length()).append('\n');
        }
        return b.substring(0, len).getBytes(StandardCharsets.UTF_8);
    }

    /** Both tools start from a cold page cache, as after a while of other work. */
    private static void dropCaches() {
        try {
            Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3");
        } catch (IOException | SecurityException e) {
            // not root: both run warm alike
        }
    }

    /** A zos server on loopback serving the copy over folder wire, and a client connected to it over pinned TLS. */
    private static final class Tls implements AutoCloseable {
        final ZosServer server;
        final Peer peer;
        final ReplicaWire.Client client;

        Tls(Path work, Path copy) throws IOException {
            HostIdentity host1 = HostIdentity.generate("bench1");
            HostIdentity host2 = HostIdentity.generate("bench2");
            KnownHosts known1 = new KnownHosts(work.resolve("known1"));
            KnownHosts known2 = new KnownHosts(work.resolve("known2"));
            known1.trust(new KnownHosts.Entry("bench2", "127.0.0.1", host2.fingerprint()));
            known2.trust(new KnownHosts.Entry("bench1", "127.0.0.1", host1.fingerprint()));
            LocalReplica replica = new LocalReplica(copy, "bench2", PathFilter.NONE);
            server = ZosServer.start(host2, known2, new InetSocketAddress("127.0.0.1", 0), "zos bench", new Responder() {
                @Override
                public org.zos.protocol.message.Message answer(Caller caller, org.zos.protocol.message.Message m,
                        java.util.function.Consumer<org.zos.protocol.message.Progress> progress) {
                    throw new IllegalArgumentException("only folder-open");
                }

                @Override
                public Opened openStream(Caller caller, org.zos.protocol.message.Message m, ChannelStream stream) {
                    return new Opened(new FolderReady("bench", "b", "bench2", copy.toString()), () -> {
                        Thread t = new Thread(() -> {
                            try {
                                ReplicaWire.serve(replica, stream);
                            } catch (IOException e) {
                                // the bench ended
                            }
                        }, "bench-folder-server");
                        t.setDaemon(true);
                        t.start();
                    });
                }
            });
            peer = Peer.connect(host1, known1, "127.0.0.1", server.port(), "root", "zos bench", Duration.ofSeconds(10));
            client = new ReplicaWire.Client(peer.openStream(new FolderOpen("bench", "b", null, false, false), Duration.ofSeconds(10))
                    .getValue());
        }

        @Override
        public void close() {
            client.close();
            peer.close();
            server.close();
        }
    }

    /** A private sshd on a loopback port, a key for it, and rsync through it. */
    private static final class Sshd implements AutoCloseable {
        private static final Pattern SENT = Pattern.compile("Total bytes sent: ([\\d,]+)");
        private static final Pattern RECEIVED = Pattern.compile("Total bytes received: ([\\d,]+)");
        final Path dir;
        final int port;
        final Process sshd;

        Sshd(Path dir) throws Exception {
            this.dir = Files.createDirectories(dir);
            for (String tool : List.of("/usr/sbin/sshd", "/usr/bin/rsync", "/usr/bin/ssh")) {
                if (!Files.isExecutable(Path.of(tool))) {
                    throw new IOException(tool + " is missing: run scripts/setup-host (it installs rsync and openssh-server)");
                }
            }
            run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir.resolve("host_key").toString());
            run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir.resolve("user_key").toString());
            Files.copy(dir.resolve("user_key.pub"), dir.resolve("authorized_keys"));
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            Files.createDirectories(Path.of("/run/sshd"));
            Files.writeString(dir.resolve("sshd_config"), String.join("\n", "Port " + port, "ListenAddress 127.0.0.1",
                    "HostKey " + dir.resolve("host_key"), "AuthorizedKeysFile " + dir.resolve("authorized_keys"),
                    "PermitRootLogin prohibit-password", "StrictModes no", "UsePAM no", "PidFile none", "") + "\n");
            sshd = new ProcessBuilder("/usr/sbin/sshd", "-D", "-e", "-f", dir.resolve("sshd_config").toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("sshd.log").toFile()).start();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (true) {
                try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                    break;
                } catch (IOException e) {
                    if (System.nanoTime() > deadline) {
                        throw new IOException("the bench's sshd did not start: " + Files.readString(dir.resolve("sshd.log")));
                    }
                    Thread.sleep(50);
                }
            }
        }

        /** rsync -a of {@code from}/ to {@code to}/ through the sshd; returns the bytes it sent and received. */
        long rsync(Path from, Path to) throws Exception {
            String ssh = "ssh -p " + port + " -i " + dir.resolve("user_key") + " -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null"
                    + " -o LogLevel=ERROR";
            String stats = run("rsync", "-a", "--delete", "--stats", "-e", ssh, from + "/", "root@127.0.0.1:" + to + "/");
            return number(SENT, stats) + number(RECEIVED, stats);
        }

        private static long number(Pattern p, String text) throws IOException {
            Matcher m = p.matcher(text);
            if (!m.find()) {
                throw new IOException("rsync printed no " + p.pattern() + ": " + text);
            }
            return Long.parseLong(m.group(1).replace(",", ""));
        }

        static String run(String... cmd) throws Exception {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new IOException(String.join(" ", cmd) + " failed: " + text);
            }
            return text;
        }

        @Override
        public void close() {
            sshd.destroy();
        }
    }

}
