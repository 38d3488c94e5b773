package org.zos.cli;

import java.util.concurrent.Callable;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code zos-vm remove}: deletes an anima, its disk and its saved state from this host. */
@Command(name = "remove", description = "Delete an anima and all its files from this host. Cannot be undone.")
final class RemoveCommand implements Callable<Integer> {
    @Mixin
    HostOptions host;

    @Parameters(paramLabel = "NAME", description = "the anima")
    String name;

    @Option(names = "--yes", description = "confirm: the anima's disk and memory are deleted for good")
    boolean yes;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (!yes) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "removing anima '" + name + "' deletes its disk and "
                    + "memory for good", "add --yes to confirm");
        }
        try (HostOptions.Host h = host.open()) {
            h.animas.remove(name);
            spec.commandLine().getOut().printf("Anima '%s' removed.%n", name);
        }
        return 0;
    }
}
