package org.zos.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.zos.cluster.Cluster;
import org.zos.guest.GuestImage;
import org.zos.guest.GuestImageBuilder;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code zos-vm cluster}: the local test cluster of Docker containers, each a zos host. */
@Command(name = "cluster", description = "Run a local cluster of zos hosts (Docker containers) to try zos on one machine.",
        subcommands = {ClusterCommand.Up.class, ClusterCommand.Down.class, ClusterCommand.Status.class, ClusterCommand.Exec.class,
                ClusterCommand.Prepare.class})
final class ClusterCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a cluster command is needed (up, down, status, exec)");
    }

    /** {@code cluster up}. */
    @Command(name = "up", description = "Build the host image if needed and start host1..hostN, enrolled on each other.")
    static final class Up implements Callable<Integer> {
        @Option(names = "--hosts", defaultValue = "3", description = "how many hosts (default: ${DEFAULT-VALUE})")
        int hosts;

        @Option(names = "--bandwidth", paramLabel = "RATE", description = "shape each host's link, e.g. 100mbit (tc tbf)")
        String bandwidth;

        @Option(names = "--jar", paramLabel = "FILE", description = "the zos jar the hosts run (default: this zos-vm's own)")
        Path jar;

        @Option(names = "--desktop", description = "build the desktop guest too (minutes, once), so hosts can 'init --guest desktop'")
        boolean desktop;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            if (bandwidth != null && !bandwidth.matches("\\d+(\\.\\d+)?([kmg]?bit|[kmg]?bps)")) {
                throw new ZosException(ErrorCode.BAD_PARAMETER, "'" + bandwidth + "' is not a rate tc understands",
                        "give e.g. --bandwidth 100mbit or 20mbit");
            }
            GuestImageBuilder builder = guests();
            Path guest = builder.build().kernel().getParent();
            Path desktopGuest = desktop ? builder.build(GuestImage.Kind.DESKTOP).kernel().getParent() : null;
            List<Cluster.Host> up = new Cluster(out::println).up(hosts, bandwidth, jar != null ? jar : ownJar(), guest,
                    desktopGuest, java.util.Map.of());
            out.printf("%-8s %-14s %s%n", "HOST", "ADDRESS", "FINGERPRINT");
            for (Cluster.Host h : up) {
                out.printf("%-8s %-14s %s%n", h.name(), h.address(), h.fingerprint());
            }
            out.println("Run zos on a host with: zos-vm cluster exec host1 zos-vm status");
            return 0;
        }
    }

    /** {@code cluster down}. */
    @Command(name = "down", description = "Remove every host and the network of the local cluster.")
    static final class Down implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            new Cluster(spec.commandLine().getOut()::println).down();
            return 0;
        }
    }

    /** {@code cluster status}. */
    @Command(name = "status", description = "List the running hosts of the local cluster.")
    static final class Status implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            List<String> hosts = new Cluster(s -> { }).running();
            PrintWriter out = spec.commandLine().getOut();
            if (hosts.isEmpty()) {
                out.println("No cluster runs. Start one with: zos-vm cluster up");
            }
            for (String h : hosts) {
                out.printf("%-8s %s%n", h, Cluster.container(h));
            }
            return 0;
        }
    }

    /** {@code cluster exec}. */
    @Command(name = "exec", description = "Run a command on a host of the local cluster, e.g. 'zos-vm cluster exec host1 zos-vm status'.")
    static final class Exec implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "HOST")
        String host;

        @Parameters(index = "1..*", paramLabel = "COMMAND", arity = "1..*")
        List<String> command;

        @Override
        public Integer call() throws Exception {
            List<String> args = new java.util.ArrayList<>(List.of("docker", "exec", "-e", "ZOS_PROGRESS=" + (System.console() != null ? "1" : "0"),
                    System.console() != null ? "-it" : "-i", Cluster.container(host)));
            args.addAll(command);
            return new ProcessBuilder(args).inheritIO().start().waitFor();
        }
    }

    /** {@code cluster prepare}: the kit of another cluster (the Vagrantfile's), as 'cluster up' makes its own. */
    @Command(name = "prepare", description = {"Make the files the hosts of a test cluster are provisioned from (the Vagrant cluster's):",
            "zos's package, the default guest, a site authority and each host's identity endorsed by it, the hosts' addresses."})
    static final class Prepare implements Callable<Integer> {
        @Parameters(paramLabel = "DIR", description = "where (kept: a second run keeps the authority and the identities)")
        Path dir;

        @Option(names = "--hosts", defaultValue = "2", description = "host1..hostN (default: ${DEFAULT-VALUE})")
        int hosts;

        @Option(names = "--first-address", defaultValue = "172.31.71.11", paramLabel = "IPV4",
                description = "host1's address; the others follow it (default: ${DEFAULT-VALUE})")
        String first;

        @Option(names = "--tag", paramLabel = "TAG", description = "also build the cluster's host image (Docker) and tag it TAG")
        String tag;

        @Option(names = "--jar", paramLabel = "FILE", description = "the zos jar the hosts run (default: this zos-vm's own)")
        Path jar;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            Cluster.requireHostCount(hosts);
            String[] octets = first.split("\\.");
            if (octets.length != 4 || !first.matches("[0-9.]+") || Integer.parseInt(octets[3]) + hosts > 255) {
                throw new ZosException(ErrorCode.BAD_PARAMETER, "'" + first + "' is not an IPv4 address with room for " + hosts + " hosts after it",
                        "give e.g. --first-address 172.31.71.11");
            }
            java.util.Map<String, String> addresses = new java.util.LinkedHashMap<>();
            for (int i = 0; i < hosts; i++) {
                addresses.put("host" + (i + 1), octets[0] + "." + octets[1] + "." + octets[2] + "." + (Integer.parseInt(octets[3]) + i));
            }
            Path guest = guests().build().kernel().getParent();
            Cluster.Kit kit = Cluster.prepare(dir.toAbsolutePath(), addresses, Cluster.packageOf((jar != null ? jar : ownJar()).toAbsolutePath()), guest);
            if (tag != null) {
                new Cluster(out::println).image(tag);
            }
            out.printf("Prepared %d hosts in %s (site authority: %s).%n", hosts, kit.dir(), kit.authority());
            return 0;
        }
    }

    /** The guest builds the cluster's hosts use, in $ZOS_GUEST_CACHE or /var/cache/zos/guest. */
    static GuestImageBuilder guests() {
        return new GuestImageBuilder(Path.of(HostOptions.envOr("ZOS_GUEST_CACHE", "/var/cache/zos/guest")));
    }

    /** The jar this zos-vm runs from. */
    static Path ownJar() throws Exception {
        Path p = Path.of(ClusterCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (Files.isRegularFile(p)) {
            return p;
        }
        Path built = p.resolve("../zos-vm.jar").normalize();
        if (Files.isRegularFile(built)) {
            return built;
        }
        throw new ZosException(ErrorCode.BAD_PARAMETER, "zos-vm does not run from its jar", "give --jar controller/target/zos-vm.jar");
    }
}
