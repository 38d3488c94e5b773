package org.zos.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.zos.bench.ParcelBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code zos-vm bench parcel --remote R}: suspend to and resume from an object store beside virsh save + upload. */
@Command(name = "parcel", description = "With this host's agent and a remote: suspend to it, resume, suspend again after a change, "
        + "resume on a third host; beside virsh save + upload of the files with the same SDK, and download + virsh restore.")
final class BenchParcelCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-r", "--remote"}, required = true, paramLabel = "REMOTE", description = "the remote (see 'zos-vm remote')")
    String remote;

    @Option(names = "--config-dir", paramLabel = "DIR", description = "zos configuration (default: $ZOS_CONFIG_DIR or /etc/zos)")
    Path configDir = Path.of(HostOptions.envOr("ZOS_CONFIG_DIR", "/etc/zos"));

    @Option(names = "--rate", defaultValue = "100mbit", paramLabel = "RATE", description = "the link the limits are given for (default: ${DEFAULT-VALUE})")
    String rate;

    @Override
    public Integer call() throws Exception {
        new ParcelBench(spec.commandLine().getOut(), configDir, remote, org.zos.agent.move.Moves.rate(rate)).run();
        return 0;
    }
}
