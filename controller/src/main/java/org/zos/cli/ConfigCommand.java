package org.zos.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A subcommand that works with this host's identity and enrolled hosts (trust, hosts, discover). */
abstract class ConfigCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions config;

    @Spec
    CommandSpec spec;

    @Override
    public final Integer call() throws Exception {
        run(spec.commandLine().getOut());
        return 0;
    }

    abstract void run(PrintWriter out) throws Exception;
}
