package org.zos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.zos.protocol.ErrorCode;

/**
 * Runs zos-vm in this JVM, capturing its exit status and output: store commands against a state directory
 * (null: none given), the other commands through an agent (null: none given).
 */
final class Cli {
    record Result(int status, String out, String err) {
        @Override
        public String toString() {
            return "exit " + status + "\nstdout: " + out + "\nstderr: " + err;
        }
    }

    private final Path stateDir;
    private final TestAgent agent;

    Cli(Path stateDir) {
        this(stateDir, null);
    }

    Cli(Path stateDir, TestAgent agent) {
        this.stateDir = stateDir;
        this.agent = agent;
    }

    /** Asserts a failure: the exit status of {@code code}, and a last stderr line 'error: ...' with the words. */
    static void assertError(Result r, ErrorCode code, String... words) {
        assertEquals(code.exitStatus(), r.status(), r.toString());
        String[] lines = r.err().strip().split("\n");
        String line = lines[lines.length - 1];
        assertTrue(line.startsWith("error: "), r.toString());
        for (String w : words) {
            assertTrue(line.contains(w), "'" + w + "' missing in: " + line);
        }
    }

    Result run(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        boolean store = !all.isEmpty() && all.get(0).equals("store");
        int at = store ? 2 : 1;
        if (stateDir != null && store && all.size() >= at) {
            all.add(at, "--state-dir=" + stateDir);
        }
        if (agent != null && !store && !all.isEmpty() && !all.get(0).startsWith("-")) {
            all.addAll(all.get(0).equals("parcel") && all.size() > 1 ? 2 : 1, List.of(agent.options())); // after a subcommand's name
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = ZosVm.run(all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(status, out.toString(), err.toString());
    }
}
