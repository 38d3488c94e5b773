package org.zos.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A subcommand that prints to standard output and exits 0 unless it throws (its errors go through {@link ZosVm}, as every command's). */
abstract class PrintingCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public final Integer call() throws Exception {
        run(spec.commandLine().getOut());
        return 0;
    }

    abstract void run(PrintWriter out) throws Exception;
}
