package org.zos.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code zos-vm start}: boots a shut-off anima. */
@Command(name = "start", description = "Boot a shut-off anima.")
final class StartCommand implements Callable<Integer> {
    @Mixin
    HostOptions host;

    @Parameters(paramLabel = "NAME", defaultValue = "anima", description = "the anima (default: ${DEFAULT-VALUE})")
    String name;

    @Option(names = "--discard-state", description = "boot a suspended anima afresh, losing its saved memory")
    boolean discardState;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        try (HostOptions.Host h = host.open()) {
            h.animas.start(name, discardState);
            spec.commandLine().getOut().printf("Anima '%s' started.%n", name);
        }
        return 0;
    }
}
