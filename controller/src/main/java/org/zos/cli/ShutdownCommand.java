package org.zos.cli;

import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code zos-vm shutdown}: powers a running anima off. */
@Command(name = "shutdown", description = "Power a running anima off (its disk stays; its memory is lost).")
final class ShutdownCommand implements Callable<Integer> {
    @Mixin
    HostOptions host;

    @Parameters(paramLabel = "NAME", defaultValue = "anima", description = "the anima (default: ${DEFAULT-VALUE})")
    String name;

    @Option(names = "--timeout", defaultValue = "30", paramLabel = "SECONDS",
            description = "how long to wait for the guest before stopping it hard (default: ${DEFAULT-VALUE})")
    int timeoutSeconds;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        try (HostOptions.Host h = host.open()) {
            boolean clean = h.animas.shutdown(name, Duration.ofSeconds(timeoutSeconds));
            spec.commandLine().getOut().printf(clean ? "Anima '%s' is shut off.%n"
                    : "Anima '%s' did not power off in time and was stopped hard.%n", name);
        }
        return 0;
    }
}
