package org.zos.agent.hypervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/** LibvirtHypervisor against the machine's real libvirtd, without booting a guest. */
class LibvirtHypervisorIT {
    private static LibvirtHypervisor hv;

    @BeforeAll
    static void connect() {
        hv = LibvirtHypervisor.connect("qemu:///system");
    }

    @AfterAll
    static void close() {
        hv.close();
    }

    private static String domainWithCpu(String model) {
        return "<domain type='qemu'><name>x</name><os><type arch='x86_64' machine='q35'>hvm</type></os>"
                + "<cpu mode='custom' match='exact'><model fallback='forbid'>" + model + "</model></cpu></domain>";
    }

    @Test
    void cpuModelsAreComparedWithWhatThisHypervisorProvides() {
        hv.checkCpu(domainWithCpu("qemu64"));   // what zos pins under TCG: must pass
        ZosException e = assertThrows(ZosException.class, () -> hv.checkCpu(domainWithCpu("Icelake-Server")));
        assertEquals(ErrorCode.INCOMPATIBLE_HOST, e.code());
        assertTrue(e.getMessage().contains("Icelake-Server"), e.getMessage());
    }

    @Test
    void aMachineTypeThisQemuLacksIsIncompatible() {
        String future = "<domain type='qemu'><name>x</name><os><type arch='x86_64' machine='pc-q35-99.0'>hvm</type></os>";
        for (String xml : List.of(future + "</domain>",
                future + "<cpu mode='custom' match='exact'><model fallback='forbid'>qemu64</model></cpu></domain>")) {
            ZosException e = assertThrows(ZosException.class, () -> hv.checkCpu(xml));
            assertEquals(ErrorCode.INCOMPATIBLE_HOST, e.code());
            assertTrue(e.getMessage().contains("pc-q35-99.0"), e.getMessage());
        }
        hv.checkCpu("<domain type='qemu'><name>x</name><os><type arch='x86_64' machine='q35'>hvm</type></os></domain>");
    }

    @Test
    void unreachableLibvirtd() {
        ZosException e = assertThrows(ZosException.class,
                () -> LibvirtHypervisor.connect("qemu+unix:///system?socket=/nonexistent/sock"));
        assertEquals(ErrorCode.HYPERVISOR_UNAVAILABLE, e.code());
    }

    @Test
    void definedOnceUnknownIsUndefined() {
        String name = "hv-" + UUID.randomUUID().toString().substring(0, 8);
        assertEquals(DomainState.UNDEFINED, hv.state(name));
        assertEquals(ErrorCode.ANIMA_NOT_FOUND, assertThrows(ZosException.class, () -> hv.start(name)).code());
        DomainSpec spec = new DomainSpec(name, UUID.randomUUID(), 128, 1, Path.of("/nonexistent/data.qcow2"),
                new DomainSpec.KernelBoot(Path.of("/k"), Path.of("/i"), ""), Path.of("/tmp/" + name + ".log"),
                Accelerator.TCG, "qemu64");
        try {
            hv.define(spec);
            assertEquals(DomainState.SHUT_OFF, hv.state(name));
            assertEquals(ErrorCode.ANIMA_EXISTS, assertThrows(ZosException.class, () -> hv.define(spec)).code());
            assertEquals(spec.uuid().toString(), DomainXml.select(hv.xml(name), "/domain/uuid").orElseThrow());
        } finally {
            hv.undefine(name);
        }
        assertEquals(DomainState.UNDEFINED, hv.state(name));
    }

    @Test
    void unreadableStateFileIsAnIntegrityError() {
        assertEquals(ErrorCode.INTEGRITY_ERROR,
                assertThrows(ZosException.class, () -> hv.savedXml(Path.of("/etc/hostname"))).code());
        assertEquals(ErrorCode.INTEGRITY_ERROR,
                assertThrows(ZosException.class, () -> hv.savedXml(Path.of("/nonexistent.state"))).code());
    }
}
