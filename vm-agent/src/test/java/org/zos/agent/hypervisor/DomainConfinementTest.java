package org.zos.agent.hypervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/** A state file's domain may ask for the anima's own devices only; what a hostile sender could add is refused. */
class DomainConfinementTest {
    /** An anima's domain as libvirt 9 saves it: ours, plus what libvirt adds to every domain. */
    static final String SAVED = DomainXml.of(new DomainSpec("work", UUID.fromString("6f1c2f8e-4c1a-4f7e-9a55-0b2d8c3e9a10"), 512, 1,
            Path.of("/var/lib/zos/animas/work/data.qcow2"),
            new DomainSpec.KernelBoot(Path.of("/k/vmlinuz"), Path.of("/k/initrd.img"), "console=ttyS0"),
            Path.of("/var/lib/zos/animas/work/console.log"), Accelerator.TCG, null))
            .replace("<devices>", "<devices>\n    <emulator>/usr/bin/qemu-system-x86_64</emulator>\n"
                    + "    <controller type='usb' index='0' model='qemu-xhci'/>\n    <controller type='pci' index='0' model='pcie-root'/>\n"
                    + "    <input type='mouse' bus='ps2'/>\n    <input type='keyboard' bus='ps2'/>\n    <audio id='1' type='none'/>\n");

    static String with(String devices) {
        return SAVED.replace("</devices>", devices + "\n  </devices>");
    }

    static void refused(String xml, String words) {
        ZosException e = assertThrows(ZosException.class, () -> DomainConfinement.require(xml));
        assertEquals(ErrorCode.DENIED, e.code());
        assertTrue(e.getMessage().contains(words), e.getMessage());
    }

    @Test
    void theAnimasOwnDomainPasses() {
        DomainConfinement.require(SAVED);
    }

    @Test
    void hostFilesAndDevicesAreRefused() {
        refused(with("<disk type='file' device='disk'><source file='/etc/shadow'/><target dev='vdb' bus='virtio'/></disk>"),
                "a disk other than its data disk");
        refused(with("<disk type='block' device='disk'><source dev='/dev/sda'/><target dev='vda' bus='virtio'/></disk>"), "disk");
        refused(with("<filesystem type='mount'><source dir='/'/><target dir='root'/></filesystem>"), "<filesystem>");
        refused(with("<hostdev mode='subsystem' type='usb'/>"), "<hostdev>");
        refused(with("<interface type='bridge'><source bridge='br0'/></interface>"), "<interface>");
        refused(with("<channel type='unix'><source mode='connect' path='/run/docker.sock'/><target type='virtio' name='x'/></channel>"),
                "/run/docker.sock");
        refused(SAVED.replace("<serial type='pty'>", "<serial type='tcp'>"), "serial of type 'tcp'");
        refused(SAVED.replace("listen='127.0.0.1'>", "listen='0.0.0.0'>"), "screen");
        refused(SAVED.replace("<os>", "<os>\n    <loader readonly='yes'>/etc/shadow</loader>"), "firmware");
        refused(SAVED.replace("</domain>", "<qemu:commandline xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>"
                + "<qemu:arg value='-evil'/></qemu:commandline></domain>"), "another namespace");
        refused(SAVED.replace("<target dev='vda'", "<backingStore type='file'><source file='/etc/shadow'/></backingStore><target dev='vda'"),
                "backing store");
        refused(diverted("/var/lib/zos/animas/work/data.qcow2", "<backingStore type='file'><source file='/etc/shadow'/></backingStore>"),
                "backing store");
        refused(diverted("/var/lib/zos/animas/other/data.qcow2", "<backingStore/>"), "backing store");
    }

    /** A live move's overlay over the anima's own disk, and nothing under that disk, passes. */
    @Test
    void theOverlayOfALiveMovePassesOverItsOwnDiskOnly() {
        DomainConfinement.require(diverted("/var/lib/zos/animas/work/data.qcow2", "<backingStore/>"));
        DomainConfinement.require(diverted("/var/lib/zos/animas/work/data.qcow2", ""));
    }

    /** The domain as libvirt shows it after the data disk's writes were diverted to DISK.top over {@code under}. */
    static String diverted(String under, String below) {
        return SAVED.replace("/var/lib/zos/animas/work/data.qcow2'/>", "/var/lib/zos/animas/work/data.qcow2.top' index='2'/>"
                + "<backingStore type='file' index='1'><format type='qcow2'/><source file='" + under + "'/>" + below + "</backingStore>");
    }

    @Test
    void aMovesOwnMonitorPassesWhereItIsExpectedAndNowhereElse() {
        java.nio.file.Path mine = java.nio.file.Path.of("/run/zos/live/7/qmp.sock");
        String live = DomainXml.withMonitor(SAVED, mine);
        DomainConfinement.require(live, mine);
        refused(live, "another namespace"); // not where no monitor is expected
        assertThrows(ZosException.class, () -> DomainConfinement.require(DomainXml.withMonitor(SAVED, java.nio.file.Path.of("/tmp/x/qmp.sock")), mine));
        String more = live.replace("<qemu:arg value=\"-qmp\"/>", "<qemu:arg value=\"-qmp\"/><qemu:arg value=\"-s\"/>");
        assertThrows(ZosException.class, () -> DomainConfinement.require(more, mine), more);
        assertEquals(DomainXml.undiverted(SAVED), DomainXml.withoutMonitor(live), "the monitor goes, nothing else"); // both parsed and written
        assertEquals(more, DomainXml.withoutMonitor(more), "other extra arguments stay (and are refused)");
        DomainConfinement.require(DomainXml.withoutMonitor(live));
    }
}
