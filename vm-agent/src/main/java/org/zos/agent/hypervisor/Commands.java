package org.zos.agent.hypervisor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/** Host tools the agent runs to their end (qemu-img, mkfs): their output, or an error that names it. */
public final class Commands {
    private Commands() {
    }

    /** As {@link #run(List, Duration)}, waiting as long as it takes. */
    public static String run(List<String> command) throws IOException {
        return run(command, null);
    }

    /**
     * Runs {@code command} and returns what it printed (standard output and error, trimmed). A command
     * that fails, or is still running {@code timeout} after its output ended, is INTERNAL naming what it
     * printed; one that is missing, INTERNAL too.
     *
     * @throws IOException if this thread is interrupted meanwhile (its flag set again)
     */
    public static String run(List<String> command, Duration timeout) throws IOException {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new ZosException(ErrorCode.INTERNAL, command.get(0) + " is missing: " + e.getMessage(),
                    "run scripts/setup-host");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        try {
            if (timeout != null && !p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new ZosException(ErrorCode.INTERNAL, String.join(" ", command) + " did not end within " + timeout.toSeconds()
                        + " s: " + out, "");
            }
            if (p.waitFor() != 0) {
                throw new ZosException(ErrorCode.INTERNAL, String.join(" ", command) + " failed: " + out, "");
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + command.get(0), e);
        }
    }
}
