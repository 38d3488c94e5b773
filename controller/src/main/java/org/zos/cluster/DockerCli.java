package org.zos.cluster;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/** The cluster's hosts through the docker command line; a failure is a ZosException with docker's own words. */
public final class DockerCli implements HostRuntime {

    @Override
    public void createNetwork(String subnet) {
        check("create the cluster network", "network", "create", "--subnet", subnet, "--label", Cluster.LABEL, Cluster.NETWORK);
    }

    @Override
    public void start(HostSpec spec) {
        List<String> args = new ArrayList<>(List.of("run", "-d", "--name", spec.container(), "--hostname", spec.hostname(),
                "--network", Cluster.NETWORK, "--ip", spec.address(), "--init", "--cap-add", "NET_ADMIN", "--label",
                Cluster.LABEL));
        for (Map.Entry<Path, String> m : spec.readOnly().entrySet()) {
            args.addAll(List.of("-v", m.getKey().toAbsolutePath() + ":" + m.getValue() + ":ro"));
        }
        for (Map.Entry<String, String> e : spec.env().entrySet()) {
            args.addAll(List.of("-e", e.getKey() + "=" + e.getValue()));
        }
        args.add(spec.image());
        check("start " + spec.hostname(), args.toArray(String[]::new));
    }

    @Override
    public Result exec(String container, String... cmd) {
        List<String> args = new ArrayList<>(List.of("exec", container));
        args.addAll(List.of(cmd));
        return run(null, args.toArray(String[]::new));
    }

    @Override
    public void put(String container, String path, byte[] content) {
        check("write " + path + " on " + container, content, "exec", "-i", container, "sh", "-c",
                "cat > " + path + ".tmp && mv " + path + ".tmp " + path);
    }

    @Override
    public boolean running(String container) {
        return run(null, "inspect", "-f", "{{.State.Running}}", container).out().strip().equals("true");
    }

    @Override
    public List<String> containers() {
        String out = check("list the cluster's containers", "ps", "--filter", "label=" + Cluster.LABEL, "--format", "{{.Names}}");
        List<String> names = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (!line.isBlank()) {
                names.add(line.strip());
            }
        }
        return names;
    }

    @Override
    public List<String> removeAll() {
        List<String> removed = new ArrayList<>();
        String ids = check("list the cluster's containers", "ps", "-aq", "--filter", "label=" + Cluster.LABEL).strip();
        if (!ids.isEmpty()) {
            List<String> args = new ArrayList<>(List.of("rm", "-f", "-v"));
            args.addAll(List.of(ids.split("\\s+")));
            check("remove the cluster's containers", args.toArray(String[]::new));
            removed.add(ids.split("\\s+").length + " cluster hosts");
        }
        if (run(null, "network", "inspect", Cluster.NETWORK).ok()) {
            check("remove the cluster network", "network", "rm", Cluster.NETWORK);
            removed.add("network " + Cluster.NETWORK);
        }
        return removed;
    }

    /** Runs {@code docker args…} with {@code stdin} (may be null) and returns what it said. */
    static Result run(byte[] stdin, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("docker");
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).start();
            try (OutputStream in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin);
                }
            }
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Thread drain = new Thread(() -> copy(p.getErrorStream(), err));
            drain.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int status = p.waitFor();
            drain.join();
            return new Result(status, out, err.toString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new ZosException(ErrorCode.HYPERVISOR_UNAVAILABLE, "cannot run docker: " + e.getMessage(),
                    "install and start the Docker engine ('scripts/setup-host' does)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ZosException(ErrorCode.INTERNAL, "interrupted while running docker", "");
        }
    }

    /** Runs docker and returns its standard output; a non-zero exit is an error naming {@code what}. */
    static String check(String what, String... args) {
        return check(what, null, args);
    }

    static String check(String what, byte[] stdin, String... args) {
        Result r = run(stdin, args);
        if (!r.ok()) {
            String why = r.err().strip();
            throw new ZosException(ErrorCode.INTERNAL, "could not " + what + ": " + (why.isEmpty() ? "docker exit " + r.status() : why),
                    why.contains("Cannot connect to the Docker daemon") ? "start the Docker engine ('scripts/setup-host' does)"
                            : "see 'docker ps -a' and 'docker logs'");
        }
        return r.out();
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        try {
            in.transferTo(out);
        } catch (IOException e) {
            // the process ended
        }
    }
}
