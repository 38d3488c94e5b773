package org.zos.agent.hypervisor;

import java.nio.file.Path;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/**
 * What an anima's libvirt domain is made of. {@link DomainXml} turns it into libvirt XML.
 *
 * @param name the anima's name, also the domain's name
 * @param uuid the domain's UUID, kept for the anima's whole life wherever it runs
 * @param memoryMiB guest memory in MiB
 * @param vcpus virtual CPUs
 * @param dataDisk the persistent qcow2 data disk (the guest's /dev/vda)
 * @param boot how the guest boots: a kernel and initrd, or a bootable disk
 * @param consoleLog where the serial console is logged (the guest's heartbeat)
 * @param accelerator KVM or TCG
 * @param cpuModel a named CPU model (e.g. "qemu64"), or null for the hypervisor's default
 */
public record DomainSpec(String name, UUID uuid, int memoryMiB, int vcpus, Path dataDisk, Boot boot,
        Path consoleLog, Accelerator accelerator, String cpuModel) {

    /** The virtio-serial channel the in-guest agent answers on. */
    public static final String AGENT_CHANNEL = "org.zos.agent.0";

    /** The virtio-serial channel qemu-guest-agent answers on (libvirt's clock, trim and shutdown calls). */
    public static final String QEMU_GA_CHANNEL = "org.qemu.guest_agent.0";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

    public DomainSpec {
        checkName(name);
        Objects.requireNonNull(uuid, "uuid");
        Objects.requireNonNull(dataDisk, "dataDisk");
        Objects.requireNonNull(boot, "boot");
        Objects.requireNonNull(consoleLog, "consoleLog");
        Objects.requireNonNull(accelerator, "accelerator");
        if (memoryMiB < 64 || memoryMiB > 1 << 20) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "memory of " + memoryMiB + " MiB is out of range",
                    "give between 64 MiB and 1 TiB, e.g. --memory 512");
        }
        if (vcpus < 1 || vcpus > 64) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, vcpus + " vCPUs is out of range", "give 1 to 64");
        }
    }

    /**
     * Checks an anima name: letters, digits, '.', '_' and '-', starting with a letter or digit, at most
     * 63 characters (it becomes a libvirt domain name and a directory name).
     */
    public static String checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "'" + name + "' is not a valid anima name",
                    "use letters, digits, '.', '_' and '-', starting with a letter or digit, at most 63 characters");
        }
        return name;
    }

    /** How a guest boots. */
    public sealed interface Boot permits KernelBoot, DiskBoot {
    }

    /** Direct kernel boot (the default guest). */
    public record KernelBoot(Path kernel, Path initrd, String cmdline) implements Boot {
        public KernelBoot {
            Objects.requireNonNull(kernel, "kernel");
            Objects.requireNonNull(initrd, "initrd");
            Objects.requireNonNull(cmdline, "cmdline");
        }
    }

    /** Boot from a disk of its own (a full Debian guest, later), attached before the data disk. */
    public record DiskBoot(Path bootDisk) implements Boot {
        public DiskBoot {
            Objects.requireNonNull(bootDisk, "bootDisk");
        }
    }
}
