package org.zos.cli;

import java.io.PrintWriter;
import java.util.Map;
import org.zos.protocol.message.StatusReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code zos-vm init}: creates the anima on this host from a guest zos builds. */
@Command(name = "init", description = "Create an anima on this host (not started): a desktop, or the mini guest for tests.")
final class InitCommand extends HostCommand {
    @Option(names = "--name", defaultValue = "anima", description = "the anima's name (default: ${DEFAULT-VALUE})")
    String name;

    @Option(names = "--guest", defaultValue = "mini", paramLabel = "KIND",
            description = "desktop (Debian 12 with a desktop, ~1 min to boot under TCG) or mini (busybox, for tests; default)")
    String guest;

    @Option(names = "--memory", converter = Sizes.class,
            description = "guest memory, e.g. 512M or 2G (default: 256M, desktop 1G)")
    Long memoryMiB;

    @Option(names = "--vcpus", defaultValue = "1", description = "virtual CPUs (default: ${DEFAULT-VALUE})")
    int vcpus;

    @Option(names = "--disk-size", converter = Sizes.class,
            description = "size of the disk (default: 2G, desktop 8G; sparse, grows as it fills)")
    Long diskMiB;

    @Option(names = "--disk-from", paramLabel = "DIR", description = "fill the data disk with a copy of DIR (a directory on this host)")
    String diskFrom;

    @Override
    void run(HostOptions.Agent agent, PrintWriter out) {
        Map<String, String> options = new java.util.HashMap<>(Map.of("vcpus", String.valueOf(vcpus), "guest", guest));
        if (memoryMiB != null) {
            options.put("memory-mib", String.valueOf(Math.min(memoryMiB, Integer.MAX_VALUE)));
        }
        if (diskMiB != null) {
            options.put("disk-mib", String.valueOf(diskMiB));
        }
        if (diskFrom != null) {
            options.put("seed-dir", java.nio.file.Path.of(diskFrom).toAbsolutePath().toString());
        }
        StatusReport.Anima r = agent.act("init", name, options).anima();
        out.printf("Anima '%s' created on %s: %d MiB memory, %d vCPU, %s data disk, %s (kernel %s).%n"
                + "Start it with: zos-vm start %s%n", r.name(), r.location(), r.memoryMiB(), r.vcpus(),
                Sizes.bytes(r.diskSizeMiB() << 20), r.accelerator(), r.kernel(), r.name());
    }
}
