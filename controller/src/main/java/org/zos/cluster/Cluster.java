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
import org.zos.protocol.tls.HostIdentity;
import org.zos.protocol.tls.SiteAuthority;

/**
 * The local cluster: host1..hostN as Docker containers on their own network, each with its own libvirtd,
 * QEMU and zos-agent, trusting each other and letting root of every other host dominate it fully. The
 * hosts trust each other through a site authority made for the cluster ({@link #KIT_DIR}), as a lab's
 * would, and are provisioned as the Vagrant cluster's are ({@link #prepare}, provision-host.sh). The host
 * image is built once from Debian packages ({@code host-image.sh}); zos itself comes as its Debian
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
    private static final String PROVISION = "provision-host.sh";

    /** The kit {@code cluster up} provisions its hosts from, made anew for each cluster (see {@link #prepare}). */
    public static final Path KIT_DIR = Path.of(System.getProperty("java.io.tmpdir"), "zos-cluster");

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

    /** Builds the host image unless Docker has it already and tags it {@code alias} as well (the Vagrantfile's name for it). */
    public void image(String alias) throws IOException, InterruptedException {
        String tag = image();
        if (!DockerCli.run(null, "tag", tag, alias).ok()) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "cannot tag the host image " + alias, "give a Docker tag, e.g. zos-host:vagrant");
        }
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
     * Starts hosts host1..host{@code count} (removing any earlier cluster) from a new {@link Kit}: each host
     * provisions itself as it boots (package, identity endorsed by the cluster's site authority, known hosts
     * by name and address without pins, access lists); then waits for their agents. {@code bandwidth}
     * (e.g. "100mbit", or null) shapes each host's outgoing traffic.
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
        requireHostCount(count);
        if (!Files.isRegularFile(jar)) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "no zos jar at " + jar, "build zos first (./zos-vm does)");
        }
        String tag = image();
        Path deb = packageOf(jar.toAbsolutePath());
        down();
        Map<String, String> addresses = new LinkedHashMap<>();
        for (int i = 1; i <= count; i++) {
            addresses.put("host" + i, address(i));
        }
        org.zos.agent.anima.AnimaManager.deleteTree(KIT_DIR);
        Kit kit = prepare(KIT_DIR, addresses, deb, guest.toAbsolutePath());
        log.accept("made site authority 'zos-cluster' in " + kit.authority() + "; each host's identity endorsed by it");
        log.accept("creating network " + NETWORK + " (" + SUBNET + ")");
        runtime.createNetwork(SUBNET);
        for (int i = 1; i <= count; i++) {
            String name = "host" + i;
            Map<Path, String> mounts = new LinkedHashMap<>();
            mounts.putAll(kit.mounts(name));
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
            hosts.add(new Host(name, container(name), address(i), HostIdentity.load(kit.identity(name)).fingerprint().text()));
        }
        log.accept("cluster up: " + count + " hosts endorsed by site authority 'zos-cluster' (" + kit.authority()
                + "), root of each may dominate the others fully");
        return hosts;
    }

    /**
     * What the hosts of a test cluster are provisioned from ({@code provision-host.sh}), made on the machine
     * that runs the cluster: zos's package, the default guest, the cluster's site authority (its key stays
     * here; {@code ca/public} is what hosts see), each host's identity endorsed by it, the hosts' addresses,
     * an ssh key for Vagrant, and whether VMs run under KVM or TCG here ({@code accelerator}).
     */
    public record Kit(Path dir) {
        public Path authority() {
            return dir.resolve("ca");
        }

        public Path identity(String host) {
            return dir.resolve("hosts").resolve(host);
        }

        /** What a host mounts (read-only), by where: the layout provision-host.sh reads. */
        public Map<Path, String> mounts(String host) {
            Map<Path, String> m = new LinkedHashMap<>();
            m.put(dir.resolve("zos.deb"), "/opt/zos/zos.deb");
            m.put(dir.resolve("provision-host.sh"), "/opt/zos/provision-host.sh");
            m.put(authority().resolve("public"), "/opt/zos/site");
            m.put(identity(host), "/opt/zos/identity");
            m.put(dir.resolve("hosts.list"), "/opt/zos/hosts.list");
            m.put(dir.resolve("guest"), "/opt/zos/guest");
            return m;
        }
    }

    /**
     * Makes (or completes) the kit in {@code dir} for {@code hosts} (name → address): idempotent, and safe when
     * two processes prepare the same folder at once. A site authority and identities already there are kept,
     * so a host keeps its identity from one 'vagrant up' to the next.
     */
    public static Kit prepare(Path dir, Map<String, String> hosts, Path deb, Path guest) throws IOException {
        Files.createDirectories(dir);
        try (java.nio.channels.FileChannel lock = java.nio.channels.FileChannel.open(dir.resolve(".lock"),
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE); var held = lock.lock()) {
            Kit kit = new Kit(dir);
            SiteAuthority site = Files.exists(kit.authority().resolve("ca.key")) ? SiteAuthority.open(kit.authority())
                    : SiteAuthority.create(kit.authority(), "zos-cluster", java.net.URI.create("file:///opt/zos/site/crl.pem"));
            StringBuilder list = new StringBuilder("# <address> <name>: the cluster's hosts (zos-vm cluster prepare)\n");
            for (Map.Entry<String, String> h : hosts.entrySet()) {
                HostIdentity id = HostIdentity.loadOrCreate(kit.identity(h.getKey()), h.getKey());
                if (id.endorsement().isEmpty()) {
                    id.installEndorsement(site.sign(SiteAuthority.parseRequest(SiteAuthority.request(id)), SiteAuthority.DEFAULT_VALIDITY));
                }
                list.append(h.getValue()).append(' ').append(h.getKey()).append('\n');
            }
            Files.writeString(dir.resolve("hosts.list"), list);
            Files.write(dir.resolve("provision-host.sh"), resource(PROVISION));
            copyIfChanged(deb, dir.resolve("zos.deb"));
            Files.createDirectories(dir.resolve("guest"));
            try (var files = Files.list(guest)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    copyIfChanged(f, dir.resolve("guest").resolve(f.getFileName().toString()));
                }
            }
            // KVM or TCG for VMs started on this machine (the Vagrantfile's libvirt provider reads it).
            Files.writeString(dir.resolve("accelerator"), org.zos.agent.hypervisor.AcceleratorProbe.here(dir.resolve("guest/vmlinuz"))
                    .name().toLowerCase(java.util.Locale.ROOT) + "\n");
            Path key = dir.resolve("ssh/id_ed25519");
            if (!Files.exists(key)) {
                Files.createDirectories(key.getParent());
                Process p = new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "zos test cluster", "-f", key.toString())
                        .redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                try {
                    if (p.waitFor() != 0) {
                        throw new ZosException(ErrorCode.INTERNAL, "ssh-keygen failed: " + out.strip(), "install openssh-client");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ZosException(ErrorCode.CANCELLED, "interrupted", "");
                }
            }
            return kit;
        }
    }

    private static void copyIfChanged(Path from, Path to) throws IOException {
        if (Files.exists(to) && Files.size(to) == Files.size(from)
                && Files.getLastModifiedTime(to).equals(Files.getLastModifiedTime(from))) {
            return;
        }
        Path tmp = to.resolveSibling(to.getFileName() + ".tmp");
        Files.copy(from, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        Files.move(tmp, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** BAD_PARAMETER unless a cluster of {@code count} hosts can be made (1 to 9). */
    public static void requireHostCount(int count) {
        if (count < 1 || count > 9) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, count + " hosts is out of range", "give --hosts from 1 to 9");
        }
    }

    /**
     * The Debian package of the zos in {@code jar}, made by that jar itself ({@code java -jar JAR package})
     * once per build of the jar and kept beside it.
     */
    public static Path packageOf(Path jar) throws IOException, InterruptedException {
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
