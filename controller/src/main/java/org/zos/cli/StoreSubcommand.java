package org.zos.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A {@code zos-vm store} subcommand: the store options, and stdout/stderr of the command line. */
abstract class StoreSubcommand implements Callable<Integer> {
    @Mixin
    StoreOptions options;

    @Spec
    CommandSpec spec;

    @Override
    public final Integer call() throws Exception {
        run(spec.commandLine().getOut());
        return 0;
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    abstract void run(PrintWriter out) throws Exception;
}
