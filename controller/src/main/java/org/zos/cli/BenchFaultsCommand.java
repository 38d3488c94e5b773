package org.zos.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.zos.bench.FaultBench;
import org.zos.guest.GuestImageBuilder;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code zos-vm bench faults}: dominate and return under a fault each, on the local cluster, and check the anima survives. */
@Command(name = "faults", description = "On a fresh local cluster, move an anima back and forth with one fault in each move "
        + "(agents and QEMU killed, link down, disk full, cancel, at named points); print what each run left, "
        + "animas lost and runs where it ran twice (both must be 0), and the longest downtime.")
final class BenchFaultsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--runs", defaultValue = "20", description = "how many moves (default: ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--seed", description = "the seed of the plans (default: the time); printed for replaying")
    Long seed;

    @Option(names = "--first", defaultValue = "1", paramLabel = "N", description = "start at run N of the seed's plans (default: 1)")
    int first;

    @Option(names = "--bandwidth", paramLabel = "RATE", description = "shape the link, e.g. 100mbit (default: unshaped)")
    String bandwidth;

    @Option(names = "--keep", description = "leave the cluster up afterwards")
    boolean keep;

    @Override
    public Integer call() throws Exception {
        if (runs < 1 || first < 1) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "--runs and --first must be at least 1", "");
        }
        Path guest = new GuestImageBuilder(Path.of(HostOptions.envOr("ZOS_GUEST_CACHE", "/var/cache/zos/guest")))
                .build().kernel().getParent();
        long s = seed != null ? seed : System.currentTimeMillis() % 1_000_000;
        boolean held = new FaultBench(spec.commandLine().getOut()).run(runs, s, first, bandwidth, ClusterCommand.ownJar(), guest, keep);
        return held ? 0 : 1;
    }
}
