package org.zos.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.zos.bench.MigrateBench;
import org.zos.guest.GuestImageBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code zos-vm bench migrate}: dominate and return on the local cluster beside save/copy/restore and live migration. */
@Command(name = "migrate", description = "On a fresh local cluster with a shaped link: dominate, return and dominate again, "
        + "beside virsh save + copy + restore and virsh migrate --live; prints one line per target.")
final class BenchMigrateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--bandwidth", defaultValue = "100mbit", paramLabel = "RATE", description = "link rate (default: ${DEFAULT-VALUE})")
    String bandwidth;

    @Option(names = "--keep", description = "leave the cluster up afterwards")
    boolean keep;

    @Option(names = "--guest", defaultValue = "mini", paramLabel = "KIND",
            description = "mini (512 MiB, files in its page cache; default) or desktop (1 GiB desktop with an app open)")
    String guestKind;

    @Option(names = "--path", defaultValue = "both", paramLabel = "PATH",
            description = "the zos moves to measure: suspend (suspended to a file), live (live migration), or both (default)")
    String path;

    @Option(names = "--stage", description = "also measure a domination after 'zos-vm stage' (a third anima: stage host2, "
            + "20 MiB written, dominate host2 --suspend)")
    boolean stage;

    @Override
    public Integer call() throws Exception {
        GuestImageBuilder guests = new GuestImageBuilder(Path.of(HostOptions.envOr("ZOS_GUEST_CACHE", "/var/cache/zos/guest")));
        Path guest = guests.build().kernel().getParent();
        Path desktop = switch (guestKind) {
            case "mini" -> null;
            case "desktop" -> guests.build(org.zos.guest.GuestImage.Kind.DESKTOP).kernel().getParent();
            default -> throw new org.zos.protocol.ZosException(org.zos.protocol.ErrorCode.BAD_PARAMETER,
                    "no guest '" + guestKind + "'", "give --guest mini or --guest desktop");
        };
        java.util.List<Boolean> paths = switch (path) {
            case "suspend" -> java.util.List.of(false);
            case "live" -> java.util.List.of(true);
            case "both" -> java.util.List.of(false, true);
            default -> throw new org.zos.protocol.ZosException(org.zos.protocol.ErrorCode.BAD_PARAMETER,
                    "no path '" + path + "'", "give --path suspend, --path live or --path both");
        };
        new MigrateBench(spec.commandLine().getOut()).staging(stage).run(bandwidth, ClusterCommand.ownJar(), guest, desktop, keep, paths);
        return 0;
    }
}
