package org.zos.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs zos-vm in this JVM against a state directory, capturing its exit status and output. */
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

    Result run(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        if (all.size() > 0 && !all.get(0).startsWith("-")) {
            all.add(1, "--state-dir=" + stateDir);
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = ZosVm.run(all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(status, out.toString(), err.toString());
    }
}
