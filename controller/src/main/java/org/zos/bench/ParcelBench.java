package org.zos.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.DatagramSocket;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.zos.cli.ZosVm;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.store.parcel.RemoteConfig;
import org.zos.store.parcel.S3Remote;

/**
 * {@code zos-vm bench parcel}: suspending an anima to an object store and resuming it, against what a user
 * would do instead with the same SDK: {@code virsh save}, then the state file and the disk uploaded whole
 * as objects; downloaded whole and {@code virsh restore}d.
 *
 * <p>Workload: a guest with 512 MiB of memory whose 512 MiB data disk holds a copy of this host's
 * /usr/lib/python3.11 and /usr/share/locale (about 245 MB of files), read once so they sit in the guest's
 * page cache. zos: suspend to the remote, resume here, the guest writes 20 MiB of new file data, suspend
 * again, resume on a third host (a second agent with a store of its own that never saw the anima).
 * Baseline, on a second anima set up the same way: save and upload, download and restore, 20 MiB, save
 * and upload again. Bytes are what went to or came from the object store (zos: its own count of object
 * bodies; the baseline: the files' sizes); times are wall-clock times of the whole commands, and beside
 * each the time its bytes need at {@code rate} (the physical limit on such a link).
 */
public final class ParcelBench {
    static final String SEED = "/var/tmp/zos-bench-parcel-seed";
    private final PrintWriter out;
    private final Path configDir;
    private final String remote;
    private final long rate;

    /** One measured step. */
    record Step(String name, double seconds, long bytes) {
    }

    public ParcelBench(PrintWriter out, Path configDir, String remote, long bytesPerSecond) {
        this.out = out;
        this.configDir = configDir;
        this.remote = remote;
        this.rate = bytesPerSecond;
    }

    public void run() throws Exception {
        RemoteConfig rc = RemoteConfig.load(configDir, remote);
        out.println("zos bench parcel: remote " + remote + " (" + rc.where() + "), guest 512 MiB memory, ~245 MB of files in its "
                + "page cache; limits at " + rate * 8 / 1_000_000 + " Mbit/s");
        seed();
        String pass = "bench passphrase " + Long.toHexString(System.nanoTime());
        Path passFile = Files.writeString(Files.createTempFile("zos-bench-pass", ""), pass + "\n");
        String zos = "bp" + Long.toHexString(System.nanoTime() & 0xffffff);
        String base = zos + "-base";
        String other = zos + "-2";
        List<Step> z = new ArrayList<>();
        List<Step> b = new ArrayList<>();
        // Under /var/lib, as an agent's state is: QEMU must reach the third host's files (a 0700 temporary directory it cannot).
        Path third = Files.createDirectories(Path.of("/var/lib/zos-bench", "third-" + Long.toHexString(System.nanoTime())));
        Process agent = null;
        try {
            prepare(zos);
            String pf = "--passphrase-file=" + passFile;
            z.add(zos("suspend to " + remote + " (first)", "uploaded", "suspend", zos, "--to", remote, pf));
            z.add(zos("resume here", "downloaded", "resume", zos, "--from", remote, pf));
            churn(zos);
            z.add(zos("suspend to " + remote + " (second)", "uploaded", "suspend", zos, "--to", remote, pf));
            int[] ports = ports();
            agent = thirdHost(third, rc, ports);
            z.add(zos("resume on a third host", "downloaded", "resume", zos, "--from", remote, pf, "--config-dir=" + third.resolve("etc"),
                    "--socket=" + third.resolve("etc/zos-sock")));
            zosQuiet("suspend", zos, "--to", remote, pf, "--config-dir=" + third.resolve("etc"), "--socket=" + third.resolve("etc/zos-sock"));
            // Another anima of the same user, set up alike: its parcel shares the chunks of the first's (one key, one pool).
            prepare(other);
            z.add(zos("suspend another anima (same user)", "uploaded", "suspend", other, "--to", remote, pf));

            prepare(base);
            try (S3Remote s3 = S3Remote.open(rc)) {
                b.add(saveUpload(s3, base, "virsh save + upload (first)"));
                b.add(downloadRestore(s3, base));
                churn(base);
                b.add(saveUpload(s3, base, "virsh save + upload (second)"));
                s3.delete("bench-baseline/" + base + "/memory.state");
                s3.delete("bench-baseline/" + base + "/data.qcow2");
            }
            report(z, b);
        } finally {
            if (agent != null) {
                agent.destroy();
                agent.waitFor();
            }
            zosQuiet("parcel", "erase", zos, "--remote", remote, "--yes", "--config-dir=" + configDir);
            zosQuiet("parcel", "erase", other, "--remote", remote, "--yes", "--config-dir=" + configDir);
            zosQuiet("remove", "--yes", other);
            zosQuiet("remove", "--yes", base);
            Files.deleteIfExists(passFile);
            org.zos.agent.anima.AnimaManager.deleteTree(third);
        }
    }

    private void seed() throws Exception {
        if (Files.isDirectory(Path.of(SEED, "locale"))) {
            return;
        }
        out.println("making the seed " + SEED + " (a copy of /usr/lib/python3.11 and /usr/share/locale)");
        sh("rm -rf " + SEED + " && mkdir -p " + SEED + " && cp -a /usr/lib/python3.11 /usr/share/locale " + SEED + "/");
    }

    private void prepare(String name) throws Exception {
        out.println("preparing anima " + name + " (init from the seed, boot, read its files into the page cache)");
        zosOk("init", "--name", name, "--memory", "512M", "--disk-size", "512M", "--disk-from", SEED);
        zosOk("start", name);
        long deadline = System.nanoTime() + 300_000_000_000L;
        while (!zosQuiet("guest", name, "ping").startsWith("pong")) {
            if (System.nanoTime() > deadline) {
                throw new ZosException(ErrorCode.INTERNAL, "the guest of " + name + " did not answer within 300 s", "");
            }
            Thread.sleep(500);
        }
        zosOk("guest", name, "--timeout", "600", "warm");
    }

    private void churn(String name) {
        out.println("the guest writes 20 MiB of new file data");
        zosOk("guest", name, "--timeout", "600", "churn", "20");
    }

    private Step zos(String label, String word, String... args) {
        out.println("zos: " + label);
        long t0 = System.nanoTime();
        String note = zosOk(args);
        double secs = (System.nanoTime() - t0) / 1e9;
        Matcher m = Pattern.compile(word + " ([0-9.]+) MB").matcher(note);
        if (!m.find()) {
            throw new ZosException(ErrorCode.INTERNAL, "no '" + word + " N MB' in: " + note, "");
        }
        return new Step("zos " + label, secs, Math.round(Double.parseDouble(m.group(1)) * 1e6));
    }

    private Step saveUpload(S3Remote s3, String name, String label) throws Exception {
        out.println("baseline: " + label);
        Path dir = Path.of("/var/lib/zos/animas", name);
        Path state = dir.resolve("bench-base.state");
        long t0 = System.nanoTime();
        sh("virsh -q save " + name + " " + state);
        s3.putFile("bench-baseline/" + name + "/memory.state", state);
        s3.putFile("bench-baseline/" + name + "/data.qcow2", dir.resolve("data.qcow2"));
        double secs = (System.nanoTime() - t0) / 1e9;
        long bytes = Files.size(state) + Files.size(dir.resolve("data.qcow2"));
        Files.deleteIfExists(state);
        return new Step(label, secs, bytes);
    }

    private Step downloadRestore(S3Remote s3, String name) throws Exception {
        out.println("baseline: download + virsh restore");
        Path dir = Path.of("/var/lib/zos/animas", name);
        Path state = dir.resolve("bench-base.state");
        Files.deleteIfExists(dir.resolve("data.qcow2")); // the host that restores has neither file
        long t0 = System.nanoTime();
        s3.getFile("bench-baseline/" + name + "/memory.state", state);
        s3.getFile("bench-baseline/" + name + "/data.qcow2", dir.resolve("data.qcow2"));
        sh("virsh -q restore " + state);
        double secs = (System.nanoTime() - t0) / 1e9;
        long bytes = Files.size(state) + Files.size(dir.resolve("data.qcow2"));
        Files.delete(state);
        return new Step("download + virsh restore", secs, bytes);
    }

    /** A second agent on this host with its own state, configuration (the same remote) and ports. */
    private Process thirdHost(Path dir, RemoteConfig rc, int[] ports) throws Exception {
        Path etc = Files.createDirectories(dir.resolve("etc/remotes"));
        Files.copy(RemoteConfig.file(configDir, remote), etc.resolve(remote + ".properties"));
        Path jar = Path.of(ParcelBench.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Process p = new ProcessBuilder("java", "-cp", jar.toString(), "org.zos.agent.daemon.ZosAgent", "--config-dir", dir.resolve("etc").toString(),
                "--state-dir", dir.resolve("state").toString(), "--name", "bench-third", "--socket", dir.resolve("etc/zos-sock").toString(),
                "--bind", "127.0.0.1", "--port", Integer.toString(ports[0]), "--zap-port", Integer.toString(ports[1]), "--no-warm-up",
                "--no-console", "--log-file", dir.resolve("agent.log").toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("agent.out").toFile()).start();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!zosQuiet("list", "--config-dir=" + dir.resolve("etc"), "--socket=" + dir.resolve("etc/zos-sock")).contains("Name")) {
            if (System.nanoTime() > deadline || !p.isAlive()) {
                throw new ZosException(ErrorCode.INTERNAL, "the third host's agent did not start; see " + dir.resolve("agent.out"), "");
            }
            Thread.sleep(300);
        }
        return p;
    }

    private static int[] ports() throws IOException {
        try (ServerSocket s = new ServerSocket(0); DatagramSocket d = new DatagramSocket(0)) {
            return new int[] {s.getLocalPort(), d.getLocalPort()};
        }
    }

    private void report(List<Step> z, List<Step> b) {
        out.println();
        out.printf(Locale.ROOT, "%-40s %10s %12s %14s%n", "", "time s", "bytes MB", "limit s");
        for (List<Step> steps : List.of(z, b)) {
            for (Step s : steps) {
                out.printf(Locale.ROOT, "%-40s %10.1f %12.1f %14.1f%n", s.name(), s.seconds(), s.bytes() / 1e6, (double) s.bytes() / rate);
            }
        }
        out.printf(Locale.ROOT, "first suspend: zos sends %.2fx the bytes of save + upload; second: %.2fx; resume on a third host: %.2fx "
                + "of download + restore%n", ratio(z.get(0), b.get(0)), ratio(z.get(2), b.get(2)), ratio(z.get(3), b.get(1)));
        out.printf(Locale.ROOT, "another anima of the same user: its first suspend sends %.2fx the bytes of the first anima's first%n",
                ratio(z.get(4), z.get(0)));
    }

    private static double ratio(Step a, Step b) {
        return (double) a.bytes() / b.bytes();
    }

    private String zosOk(String... args) {
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        int status = ZosVm.run(args, new PrintWriter(o, true), new PrintWriter(e, true));
        if (status != 0) {
            throw new ZosException(ErrorCode.INTERNAL, "zos-vm " + String.join(" ", args) + " failed (" + status + "): " + e.toString().strip(), "");
        }
        return o.toString();
    }

    private static String zosQuiet(String... args) {
        StringWriter o = new StringWriter();
        ZosVm.run(args, new PrintWriter(o, true), new PrintWriter(new StringWriter(), true));
        return o.toString();
    }

    private static void sh(String command) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true).start();
        String o = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new ZosException(ErrorCode.INTERNAL, command + " failed: " + o.strip(), "");
        }
    }
}
