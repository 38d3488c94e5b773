package org.zos.agent.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** What a host offers, as ZAP announces it: CPUs, memory, free store space, hypervisor, CPU model, load. */
record HostFacts(int cpus, long memory, long freeStore, String hypervisor, String cpuModel, double load) {

    static HostFacts of(Path store) {
        return new HostFacts(Runtime.getRuntime().availableProcessors(), memTotal(), free(store), readHypervisor(),
                readCpuModel(), readLoad());
    }

    private static long memTotal() {
        return org.zos.agent.anima.HostMemory.bytes("MemTotal:");
    }

    private static long free(Path store) {
        try {
            Path p = store;
            while (p != null && !Files.exists(p)) {
                p = p.getParent();
            }
            return p == null ? 0 : Files.getFileStore(p).getUsableSpace();
        } catch (IOException e) {
            return 0;
        }
    }

    /** KVM or TCG, as the accelerator probe last found it on this host (it runs when a guest first starts). */
    private static String readHypervisor() {
        try {
            for (String line : Files.readAllLines(Path.of("/run/zos/accelerator.properties"))) {
                if (line.startsWith("accelerator=")) {
                    return line.substring(12).toLowerCase(Locale.ROOT);
                }
            }
        } catch (IOException e) {
            // not probed yet
        }
        return Files.exists(Path.of("/dev/kvm")) ? "kvm?" : "tcg";
    }

    private static String readCpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).strip();
                }
            }
        } catch (IOException e) {
            // unknown
        }
        return "unknown";
    }

    private static double readLoad() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
