package org.zos.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/** The baseline: the zstd command line, {@code zstd -1 -T0}, timed. */
record Zstd(long bytes, double seconds) {

    static Zstd compress(Path in, Path out) throws IOException, InterruptedException {
        double secs = run("zstd", "-1", "-T0", "-q", "-f", in.toString(), "-o", out.toString());
        return new Zstd(Files.size(out), secs);
    }

    static double decompress(Path in, Path out) throws IOException, InterruptedException {
        return run("zstd", "-d", "-q", "-f", in.toString(), "-o", out.toString());
    }

    private static double run(String... cmd) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new ZosException(ErrorCode.HYPERVISOR_UNAVAILABLE, "the zstd command is not installed",
                    "run scripts/setup-host (or apt-get install zstd)");
        }
        String output = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + output.trim());
        }
        return (System.nanoTime() - t0) / 1e9;
    }
}
