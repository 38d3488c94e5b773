package org.zos.cluster;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/** The docker command line, run and waited for; a failure is a ZosException with docker's own words. */
public final class Docker {
    public record Result(int status, String out, String err) {
        public boolean ok() {
            return status == 0;
        }
    }

    private Docker() {
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
