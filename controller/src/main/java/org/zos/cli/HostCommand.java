package org.zos.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A subcommand carried out by this host's zos-agent: connects to it, runs, disconnects. */
abstract class HostCommand implements Callable<Integer> {
    @Mixin
    HostOptions host;

    @Spec
    CommandSpec spec;

    @Override
    public final Integer call() throws Exception {
        try (HostOptions.Agent agent = host.open()) {
            run(agent, spec.commandLine().getOut());
        }
        return 0;
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    abstract void run(HostOptions.Agent agent, PrintWriter out) throws Exception;
}
