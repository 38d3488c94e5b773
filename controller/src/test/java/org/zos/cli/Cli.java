package org.zos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.zos.protocol.ErrorCode;

/** Runs zos-vm in this JVM against a state directory (null: none given), capturing its exit status and output. */
final class Cli {
    record Result(int status, String out, String err) {
        @Override
        public String toString() {
            return "exit " + status + "\nstdout: " + out + "\nstderr: " + err;
        }
    }

    private final Path stateDir;

    Cli(Path stateDir) {
        this.stateDir = stateDir;
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
        int at = !all.isEmpty() && all.get(0).equals("store") ? 2 : 1;
        if (stateDir != null && all.size() >= at && !all.get(0).startsWith("-")) {
            all.add(at, "--state-dir=" + stateDir);
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = ZosVm.run(all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(status, out.toString(), err.toString());
    }
}
