package org.zos.agent.hypervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

class DomainXmlTest {
    private static final UUID ID = UUID.fromString("6f1c2f8e-4c1a-4f7e-9a55-0b2d8c3e9a10");

    private static DomainSpec spec(Accelerator accel, String cpu) {
        return new DomainSpec("work", ID, 512, 2, Path.of("/var/lib/zos/animas/work/data.qcow2"),
                new DomainSpec.KernelBoot(Path.of("/k/vmlinuz"), Path.of("/k/initrd.img"), "console=ttyS0 quiet"),
                Path.of("/var/lib/zos/animas/work/console.log"), accel, cpu);
    }

    private static String at(String xml, String xpath) {
        return DomainXml.select(xml, xpath).orElse("<none>");
    }

    @Test
    void kernelBootSpecBecomesTheAnimaDomain() {
        String xml = DomainXml.of(spec(Accelerator.TCG, "qemu64"));
        assertEquals("qemu", at(xml, "/domain/@type"));
        assertEquals("work", at(xml, "/domain/name"));
        assertEquals(ID.toString(), at(xml, "/domain/uuid"));
        assertEquals("512", at(xml, "/domain/memory"));
        assertEquals("MiB", at(xml, "/domain/memory/@unit"));
        assertEquals("2", at(xml, "/domain/vcpu"));
        assertEquals("/k/vmlinuz", at(xml, "/domain/os/kernel"));
        assertEquals("/k/initrd.img", at(xml, "/domain/os/initrd"));
        assertEquals("console=ttyS0 quiet", at(xml, "/domain/os/cmdline"));
        assertEquals("qemu64", at(xml, "/domain/cpu/model"));
        assertEquals("/var/lib/zos/animas/work/data.qcow2", at(xml, "/domain/devices/disk[target/@dev='vda']/source/@file"));
        assertEquals("qcow2", at(xml, "/domain/devices/disk/driver/@type"));
        assertEquals("virtio", at(xml, "/domain/devices/disk/target/@bus"));
        assertEquals("/var/lib/zos/animas/work/console.log", at(xml, "/domain/devices/serial/log/@file"));
        assertEquals("org.zos.agent.0", at(xml, "/domain/devices/channel[@type='unix']/target/@name"));
        assertEquals("virtio", at(xml, "/domain/devices/channel/target/@type"));
        assertEquals("127.0.0.1", at(xml, "/domain/devices/graphics[@type='vnc']/@listen"));
    }

    @Test
    void theDomainSaysItIsAnAnimaAndWhereItsHomeIs() {
        String xml = DomainXml.of(spec(Accelerator.TCG, "qemu64"));
        assertEquals("work", at(xml, "/domain/metadata/*[local-name()='anima']/*[local-name()='name']"));
        assertEquals("home", at(xml, "/domain/metadata/*[local-name()='anima']/*[local-name()='role']"));
        assertTrue(xml.contains("xmlns:zos='" + DomainXml.NAMESPACE + "'") || xml.contains("xmlns:zos=\"" + DomainXml.NAMESPACE + "\""), xml);

        // restored on host2: visiting, home host1; another tool's metadata stays, zos's is replaced, not doubled
        String other = xml.replace("<metadata>", "<metadata><app:note xmlns:app='urn:other'>keep</app:note>");
        String visiting = DomainXml.withMetadata(other, "work", "host1");
        assertEquals("visiting", at(visiting, "/domain/metadata/*[local-name()='anima']/*[local-name()='role']"));
        assertEquals("host1", at(visiting, "/domain/metadata/*[local-name()='anima']/*[local-name()='home']"));
        assertEquals("1", at(visiting, "count(/domain/metadata/*[local-name()='anima'])"));
        assertEquals("keep", at(visiting, "/domain/metadata/*[local-name()='note']"));
        String back = DomainXml.withMetadata(visiting, "work", null);
        assertEquals("home", at(back, "/domain/metadata/*[local-name()='anima']/*[local-name()='role']"));
        assertEquals("<none>", at(back, "/domain/metadata/*[local-name()='anima']/*[local-name()='home']"));
        assertEquals("keep", at(back, "/domain/metadata/*[local-name()='note']"));

        // a saved domain from before zos wrote metadata gets it
        String old = xml.replaceAll("(?s)<metadata>.*</metadata>\\s*", "");
        assertEquals("<none>", at(old, "/domain/metadata"));
        assertEquals("visiting", at(DomainXml.withMetadata(old, "work", "host1"), "/domain/metadata/*[local-name()='anima']/*[local-name()='role']"));
        assertEquals("work", at(DomainXml.withMetadata(old, "work", "host1"), "/domain/name"));
        DomainConfinement.require(visiting);
    }

    /** As libvirt shows a domain whose disk a live move diverted: folded back, it reads the disk itself again. */
    @Test
    void aDivertedDiskFoldsBackToTheDiskUnderIt() {
        String xml = DomainXml.of(spec(Accelerator.TCG, "qemu64"));
        String disk = at(xml, "/domain/devices/disk[target/@dev='vda']/source/@file");
        String diverted = xml.replace(disk + "'/>", disk + ".top' index='2'/><backingStore type='file' index='1'><format type='qcow2'/>"
                        + "<source file='" + disk + "'/><backingStore/></backingStore>");
        assertEquals(disk, DomainXml.divertedFrom(diverted).orElseThrow());
        assertEquals(disk + ".top", at(diverted, "/domain/devices/disk[target/@dev='vda']/source/@file"));
        String folded = DomainXml.undiverted(diverted);
        assertEquals(disk, at(folded, "/domain/devices/disk[target/@dev='vda']/source/@file"));
        assertTrue(DomainXml.divertedFrom(folded).isEmpty());
        assertFalse(folded.contains("backingStore"), folded);
        assertTrue(DomainXml.divertedFrom(xml).isEmpty());
        DomainConfinement.require(diverted);
        // two overlays deep (an in-order fold's fresh one over the one it commits): put on the disk itself
        String twice = xml.replace(disk + "'/>", disk + ".next' index='3'/><backingStore type='file' index='2'><format type='qcow2'/>"
                + "<source file='" + disk + ".top'/><backingStore type='file' index='1'><format type='qcow2'/><source file='" + disk
                + "'/><backingStore/></backingStore></backingStore>");
        assertEquals(disk + ".top", DomainXml.divertedFrom(twice).orElseThrow());
        String onDisk = DomainXml.onDisk(twice, disk);
        assertEquals(disk, at(onDisk, "/domain/devices/disk[target/@dev='vda']/source/@file"));
        assertFalse(onDisk.contains("backingStore"), onDisk);
    }

    @Test
    void kvmSpecAndDiskBoot() {
        DomainSpec s = new DomainSpec("full", ID, 1024, 1, Path.of("/d/data.qcow2"),
                new DomainSpec.DiskBoot(Path.of("/d/root.qcow2")), Path.of("/d/console.log"), Accelerator.KVM, null);
        String xml = DomainXml.of(s);
        assertEquals("kvm", at(xml, "/domain/@type"));
        assertEquals("hd", at(xml, "/domain/os/boot/@dev"));
        assertEquals("<none>", at(xml, "/domain/os/kernel"));
        assertEquals("/d/root.qcow2", at(xml, "/domain/devices/disk[target/@dev='vda']/source/@file"));
        assertEquals("/d/data.qcow2", at(xml, "/domain/devices/disk[target/@dev='vdb']/source/@file"));
        assertTrue(DomainXml.cpuElement(xml).isEmpty(), "no CPU model: the hypervisor's default");
    }

    @Test
    void specialCharactersAreEscaped() {
        DomainSpec s = new DomainSpec("x", ID, 128, 1, Path.of("/a&b/<d>.qcow2"),
                new DomainSpec.KernelBoot(Path.of("/k"), Path.of("/i"), "a='1' b=\"2\""), Path.of("/c"),
                Accelerator.TCG, null);
        String xml = DomainXml.of(s);
        assertEquals("/a&b/<d>.qcow2", at(xml, "/domain/devices/disk/source/@file"));
        assertEquals("a='1' b=\"2\"", at(xml, "/domain/os/cmdline"));
    }

    @Test
    void rewritePathsChangesOnlyThePathsNamed() {
        String xml = DomainXml.of(spec(Accelerator.TCG, "qemu64"));
        String moved = DomainXml.rewritePaths(xml, Map.of(
                "/k/vmlinuz", "/srv/zos/work/boot/vmlinuz",
                "/var/lib/zos/animas/work/data.qcow2", "/srv/zos/work/data.qcow2",
                "/var/lib/zos/animas/work/console.log", "/srv/zos/work/console.log"));
        assertEquals("/srv/zos/work/boot/vmlinuz", at(moved, "/domain/os/kernel"));
        assertEquals("/k/initrd.img", at(moved, "/domain/os/initrd"), "not named, not changed");
        assertEquals("/srv/zos/work/data.qcow2", at(moved, "/domain/devices/disk/source/@file"));
        assertEquals("/srv/zos/work/console.log", at(moved, "/domain/devices/serial/log/@file"));
        assertEquals(ID.toString(), at(moved, "/domain/uuid"));
        assertFalse(moved.contains("/var/lib/zos/animas/work/"));
    }

    @Test
    void cpuElementIsStandaloneXml() {
        String cpu = DomainXml.cpuElement(DomainXml.of(spec(Accelerator.TCG, "qemu64"))).orElseThrow();
        assertTrue(cpu.startsWith("<cpu"), cpu);
        assertEquals("qemu64", at(cpu, "/cpu/model"));
    }

    @Test
    void damagedXmlIsAnIntegrityError() {
        ZosException e = assertThrows(ZosException.class, () -> DomainXml.rewritePaths("<domain><name>x", Map.of()));
        assertEquals(ErrorCode.INTEGRITY_ERROR, e.code());
    }

    @Test
    void specRejectsBadValues() {
        assertEquals(ErrorCode.BAD_PARAMETER, assertThrows(ZosException.class, () -> DomainSpec.checkName("a/b")).code());
        assertEquals(ErrorCode.BAD_PARAMETER, assertThrows(ZosException.class, () -> DomainSpec.checkName("-x")).code());
        assertEquals(ErrorCode.BAD_PARAMETER, assertThrows(ZosException.class, () -> DomainSpec.checkName("x".repeat(64))).code());
        assertEquals("work-1.a_b", DomainSpec.checkName("work-1.a_b"));
        assertThrows(ZosException.class, () -> new DomainSpec("x", ID, 16, 1, Path.of("/d"),
                new DomainSpec.DiskBoot(Path.of("/b")), Path.of("/c"), Accelerator.TCG, null));
        assertThrows(ZosException.class, () -> new DomainSpec("x", ID, 128, 0, Path.of("/d"),
                new DomainSpec.DiskBoot(Path.of("/b")), Path.of("/c"), Accelerator.TCG, null));
    }
}
