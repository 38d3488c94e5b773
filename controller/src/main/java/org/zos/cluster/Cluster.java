package org.zos.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.tls.KnownHosts;
import org.zos.protocol.tls.SiteAuthority;

/**
 * The local cluster: host1..hostN as Docker containers on their own network, each with its own libvirtd,
 * QEMU and zos-agent, trusting each other and letting root of every other host dominate it fully. The
 * hosts trust each other through a site authority made for the cluster ({@link #SITE_DIR}), as a lab's
 * would. The host image is built once from Debian packages ({@code host-image.sh}); zos itself comes as its Debian
 * package, made by the jar's own {@code zos-vm package} and installed by each host as it boots
 * ({@code host-boot.sh}), the same package a real host installs; so rebuilding zos needs no new image.
 * The default guest is mounted read-only.
 */
public final class Cluster {
    public static final String NETWORK = "zos-cluster";
    static final String SUBNET = "172.31.70.0/24";
    static final String LABEL = "org.zos.cluster";
    private static final String IMAGE = "host-image.sh";
    private static final String BOOT = "host-boot.sh";

    /** The cluster's site authority (see {@link #newSite}). */
    public static final Path SITE_DIR = Path.of(System.getProperty("java.io.tmpdir"), "zos-cluster-site");

    /** One host of the cluster. */
    public record Host(String name, String container, String address, String fingerprint) {
    }

    private final Consumer<String> log;
    private final HostRuntime runtime;

    /** A cluster run through the docker command line. */
    public Cluster(Consumer<String> log) {
        this(log, new DockerCli());
    }

    public Cluster(Consumer<String> log, HostRuntime runtime) {
        this.log = log;
        this.runtime = runtime;
    }

    public static String container(String host) {
        return "zos-" + host;
    }

    public static String address(int i) {
        return "172.31.70." + (10 + i);
    }

    /** The host image's tag: a digest of the scripts that make it, so a changed script makes a new image. */
    static String imageTag() throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        md.update(resource(IMAGE));
        md.update(resource(BOOT));
        return "zos-host:" + HexFormat.of().formatHex(md.digest()).substring(0, 12);
    }

    /** Builds the host image unless Docker has it already; returns its tag. */
    public String image() throws IOException, InterruptedException {
        String tag = imageTag();
        if (DockerCli.run(null, "image", "inspect", tag).ok()) {
            return tag;
        }
        Path dir = Files.createTempDirectory("zos-cluster");
        try {
            Path image = Files.write(dir.resolve(IMAGE), resource(IMAGE));
            Path boot = Files.write(dir.resolve(BOOT), resource(BOOT));
            Process p = new ProcessBuilder("bash", image.toString(), tag, boot.toString()).inheritIO().start();
            if (p.waitFor() != 0) {
                throw new ZosException(ErrorCode.INTERNAL, "building the cluster host image failed (status " + p.exitValue() + ")",
                        "see the lines above; 'scripts/setup-host' installs mmdebstrap and Docker");
            }
        } finally {
            Files.deleteIfExists(dir.resolve(IMAGE));
            Files.deleteIfExists(dir.resolve(BOOT));
            Files.deleteIfExists(dir);
        }
        return tag;
    }

    /**
     * Starts hosts host1..host{@code count} (removing any earlier cluster), waits for their agents, has
     * the cluster's site authority endorse each, and writes their known hosts (by name and address, no
     * pins) and access lists. {@code bandwidth} (e.g. "100mbit", or null)
     * shapes each host's outgoing traffic.
     */
    public List<Host> up(int count, String bandwidth, Path jar, Path guest) throws IOException, InterruptedException {
        return up(count, bandwidth, jar, guest, Map.of());
    }

    /** As {@link #up(int, String, Path, Path)}, with more environment variables for every host (e.g. JAVA_TOOL_OPTIONS). */
    public List<Host> up(int count, String bandwidth, Path jar, Path guest, Map<String, String> env)
            throws IOException, InterruptedException {
        return up(count, bandwidth, jar, guest, null, env);
    }

    /**
     * As {@link #up(int, String, Path, Path, Map)}; {@code desktopGuest} (a built desktop guest, or null) lets
     * the hosts create desktop animas.
     */
    public List<Host> up(int count, String bandwidth, Path jar, Path guest, Path desktopGuest, Map<String, String> env)
            throws IOException, InterruptedException {
        if (count < 1 || count > 9) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, count + " hosts is out of range", "give --hosts from 1 to 9");
        }
        if (!Files.isRegularFile(jar)) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "no zos jar at " + jar, "build zos first (./zos-vm does)");
        }
        String tag = image();
        Path deb = packageOf(jar.toAbsolutePath());
        down();
        SiteAuthority site = newSite();
        log.accept("creating network " + NETWORK + " (" + SUBNET + ")");
        runtime.createNetwork(SUBNET);
        for (int i = 1; i <= count; i++) {
            String name = "host" + i;
            Map<Path, String> mounts = new LinkedHashMap<>();
            mounts.put(deb, "/opt/zos/zos.deb");
            mounts.put(site.certificateFile().getParent(), "/opt/zos/site");
            mounts.put(guest.toAbsolutePath(), "/opt/zos/guest");
            if (desktopGuest != null) {
                mounts.put(desktopGuest.toAbsolutePath(), "/opt/zos/guest-desktop");
            }
            Map<String, String> vars = new LinkedHashMap<>(env);
            if (bandwidth != null) {
                vars.put("ZOS_BANDWIDTH", bandwidth);
            }
            runtime.start(new HostRuntime.HostSpec(container(name), name, address(i), tag, vars, mounts));
            log.accept("started " + name + " at " + address(i) + (bandwidth == null ? "" : ", link shaped to " + bandwidth));
        }
        List<Host> hosts = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            String name = "host" + i;
            awaitAgent(name);
            String[] fp = exec(name, "zos-agent", "--fingerprint").strip().split(" ");
            hosts.add(new Host(name, container(name), address(i), fp[fp.length - 1]));
        }
        StringBuilder names = new StringBuilder();
        for (Host h : hosts) {
            names.append(h.address()).append(' ').append(h.name()).append('\n');
        }
        for (Host h : hosts) {
            // Host names resolve on every host (libvirt's own migration, the baseline, connects by name).
            runtime.put(h.container(), "/etc/zos/cluster-hosts", names.toString().getBytes(StandardCharsets.UTF_8));
            exec(h.name(), "sh", "-c", "cat /etc/zos/cluster-hosts >> /etc/hosts");
            endorse(h.name(), site);
            StringBuilder known = new StringBuilder("# written by 'zos-vm cluster up': trusted through site authority '" + site.name() + "'\n");
            StringBuilder access = new StringBuilder("# user master control (written by 'zos-vm cluster up')\n");
            for (Host other : hosts) {
                if (other != h) {
                    known.append(other.name()).append(' ').append(other.address()).append(' ').append(KnownHosts.SITE).append('\n');
                    access.append("root ").append(other.name()).append(" full\n");
                }
            }
            write(h.name(), "/etc/zos/known_hosts", known.toString());
            write(h.name(), "/etc/zos/zpasswd", access.toString());
        }
        log.accept("cluster up: " + count + " hosts endorsed by site authority '" + site.name() + "' (" + SITE_DIR
                + "), root of each may dominate the others fully");
        return hosts;
    }

    /**
     * The cluster's site authority, made anew for each cluster in {@link #SITE_DIR}. Its folder public/ is
     * mounted in every host at /opt/zos/site, so a revoke ('zos-vm ca revoke HOST --dir SITE_DIR') reaches
     * every agent at its next fetch.
     */
    private SiteAuthority newSite() throws IOException {
        org.zos.agent.anima.AnimaManager.deleteTree(SITE_DIR);
        SiteAuthority site = SiteAuthority.create(SITE_DIR, "zos-cluster", java.net.URI.create("file:///opt/zos/site/crl.pem"));
        log.accept("made site authority 'zos-cluster' in " + SITE_DIR);
        return site;
    }

    /** Enrols a host through the site authority, with the commands a person would run: it trusts the authority, asks, and installs its endorsement. */
    private void endorse(String host, SiteAuthority site) throws IOException {
        String request = exec(host, "sh", "-c", "zos-vm ca install /opt/zos/site/ca.crt >&2 && zos-vm ca request 2>/dev/null");
        java.security.cert.X509Certificate e = site.sign(SiteAuthority.parseRequest(request), SiteAuthority.DEFAULT_VALIDITY);
        write(host, "/etc/zos/endorsement.crt", SiteAuthority.pem(e));
        exec(host, "sh", "-c", "zos-vm ca install /etc/zos/endorsement.crt && rm /etc/zos/endorsement.crt");
    }

    /**
     * The Debian package of the zos in {@code jar}, made by that jar itself ({@code java -jar JAR package})
     * once per build of the jar and kept beside it.
     */
    static Path packageOf(Path jar) throws IOException, InterruptedException {
        Path deb = jar.resolveSibling("zos-cluster-" + Files.getLastModifiedTime(jar).toMillis() + "-" + Files.size(jar) + ".deb");
        if (Files.isRegularFile(deb)) {
            return deb;
        }
        Path dir = Files.createTempDirectory(jar.getParent(), ".zos-cluster-deb-");
        try {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process p = new ProcessBuilder(java, "-jar", jar.toString(), "package", "--out", dir.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new ZosException(ErrorCode.INTERNAL, "building the zos package for the cluster failed: " + out.strip(),
                        "run 'java -jar " + jar + " package' to see why");
            }
            try (var built = Files.list(dir); var old = Files.newDirectoryStream(jar.getParent(), "zos-cluster-*.deb")) {
                for (Path o : old) {
                    Files.delete(o);
                }
                Files.move(built.findFirst().orElseThrow(), deb);
            }
            return deb;
        } finally {
            org.zos.agent.anima.AnimaManager.deleteTree(dir);
        }
    }

    /** Removes every container and the network of the cluster; nothing if there is none. */
    public void down() {
        for (String what : runtime.removeAll()) {
            log.accept("removed " + what);
        }
    }

    /** The cluster's hosts that run now, by name. */
    public List<String> running() {
        List<String> names = new ArrayList<>();
        for (String c : runtime.containers()) {
            if (c.startsWith("zos-")) {
                names.add(c.substring(4));
            }
        }
        names.sort(null);
        return names;
    }

    /** Runs a command in a host and returns its standard output; a failure is an error with its stderr. */
    public String exec(String host, String... cmd) {
        HostRuntime.Result r = run(host, cmd);
        if (!r.ok()) {
            String why = r.err().strip();
            throw new ZosException(ErrorCode.INTERNAL, "could not run '" + String.join(" ", cmd) + "' on " + host + ": "
                    + (why.isEmpty() ? "exit " + r.status() : why), "see 'docker logs " + container(host) + "'");
        }
        return r.out();
    }

    /** Runs {@code zos-vm ARGS…} in a host, as {@link #exec} runs a command. */
    public String zos(String host, String... args) {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "zos-vm";
        System.arraycopy(args, 0, cmd, 1, args.length);
        return exec(host, cmd);
    }

    /** Runs a command in a host, with its status and both outputs. */
    public HostRuntime.Result run(String host, String... cmd) {
        return runtime.exec(container(host), cmd);
    }

    private void write(String host, String file, String content) {
        runtime.put(container(host), file, content.getBytes(StandardCharsets.UTF_8));
    }

    private void awaitAgent(String host) throws InterruptedException {
        long deadline = System.nanoTime() + 90_000_000_000L;
        while (System.nanoTime() < deadline) {
            HostRuntime.Result r = run(host, "grep", "-q", "listening on", "/var/log/zos/agent.log");
            if (r.ok()) {
                return;
            }
            if (!runtime.running(container(host))) {
                throw new ZosException(ErrorCode.INTERNAL, host + " stopped while starting",
                        "see 'docker logs " + container(host) + "'");
            }
            Thread.sleep(250);
        }
        throw new ZosException(ErrorCode.INTERNAL, "the agent of " + host + " did not start within 90 s",
                "see 'docker exec " + container(host) + " cat /var/log/zos/agent.log'");
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = Cluster.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return in.readAllBytes();
        }
    }
}
