package org.zos.cli;

import java.io.PrintWriter;
import java.util.Map;
import org.zos.protocol.message.StatusReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code zos-vm init}: creates the anima on this host from the default guest. */
@Command(name = "init", description = "Create an anima on this host from the default guest (not started).")
final class InitCommand extends HostCommand {
    @Option(names = "--name", defaultValue = "anima", description = "the anima's name (default: ${DEFAULT-VALUE})")
    String name;

    @Option(names = "--memory", defaultValue = "256M", converter = Sizes.class,
            description = "guest memory, e.g. 512M or 2G (default: ${DEFAULT-VALUE})")
    long memoryMiB;

    @Option(names = "--vcpus", defaultValue = "1", description = "virtual CPUs (default: ${DEFAULT-VALUE})")
    int vcpus;

    @Option(names = "--disk-size", defaultValue = "2G", converter = Sizes.class,
            description = "size of the data disk (default: ${DEFAULT-VALUE}; sparse, grows as it fills)")
    long diskMiB;

    @Option(names = "--disk-from", paramLabel = "DIR", description = "fill the data disk with a copy of DIR (a directory on this host)")
    String diskFrom;

    @Override
    void run(HostOptions.Agent agent, PrintWriter out) {
        Map<String, String> options = new java.util.HashMap<>(Map.of("memory-mib", String.valueOf(Math.min(memoryMiB, Integer.MAX_VALUE)),
                "vcpus", String.valueOf(vcpus), "disk-mib", String.valueOf(diskMiB)));
        if (diskFrom != null) {
            options.put("seed-dir", java.nio.file.Path.of(diskFrom).toAbsolutePath().toString());
        }
        StatusReport.Anima r = agent.act("init", name, options).anima();
        out.printf("Anima '%s' created on %s: %d MiB memory, %d vCPU, %s data disk, %s (kernel %s).%n"
                + "Start it with: zos-vm start %s%n", r.name(), r.location(), r.memoryMiB(), r.vcpus(),
                Sizes.bytes(r.diskSizeMiB() << 20), r.accelerator(), r.kernel(), r.name());
    }
}
