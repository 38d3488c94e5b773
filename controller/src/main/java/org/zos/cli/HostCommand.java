package org.zos.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A subcommand that works on this host: opens libvirt and the anima registry, runs, closes them. */
abstract class HostCommand implements Callable<Integer> {
    @Mixin
    HostOptions host;

    @Spec
    CommandSpec spec;

    @Override
    public final Integer call() throws Exception {
        try (HostOptions.Host h = host.open()) {
            run(h, spec.commandLine().getOut());
        }
        return 0;
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    abstract void run(HostOptions.Host h, PrintWriter out) throws Exception;
}
