package org.zos.agent.anima;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.UUID;
import org.zos.agent.hypervisor.LibvirtHypervisor;
import org.zos.guest.GuestImageBuilder;

/**
 * A real host for integration tests: the machine's libvirtd (qemu:///system) and a state directory of
 * the test's own under /var/lib/zos-test (QEMU, running as libvirt-qemu, must be able to reach the files,
 * which a private temporary directory would not allow). The default guest is cached in /var/cache/zos/guest.
 */
public final class TestHost implements AutoCloseable {
    public final Path stateRoot;
    public final LibvirtHypervisor hypervisor;
    public final AnimaRegistry registry;
    public final AnimaManager manager;

    public TestHost() throws IOException {
        stateRoot = Files.createDirectories(Path.of("/var/lib/zos-test", UUID.randomUUID().toString().substring(0, 8)));
        hypervisor = LibvirtHypervisor.connect("qemu:///system");
        registry = new AnimaRegistry(stateRoot);
        manager = new AnimaManager(hypervisor, registry, new GuestImageBuilder(Path.of("/var/cache/zos/guest")));
    }

    /** A fresh anima name no other test run uses. */
    public static String uniqueName(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Override
    public void close() throws IOException {
        for (String name : registry.names()) {
            hypervisor.undefine(name);
        }
        hypervisor.close();
        try (var files = Files.walk(stateRoot)) {
            for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
