package org.zos.cli;

import java.nio.file.Path;
import org.zos.agent.anima.AnimaManager;
import org.zos.agent.anima.AnimaRegistry;
import org.zos.agent.hypervisor.LibvirtHypervisor;
import org.zos.guest.GuestImageBuilder;
import picocli.CommandLine.Option;

/**
 * Where a command works: the libvirt URI (like virsh's {@code -c}) and the zos state directory. Until the
 * agent daemon exists, commands drive this host's libvirtd themselves. The default guest is built once
 * into /var/cache/zos/guest ($ZOS_GUEST_CACHE).
 */
final class HostOptions {

    @Option(names = {"-c", "--connect"}, paramLabel = "URI",
            description = "libvirt URI (default: $LIBVIRT_DEFAULT_URI or qemu:///system)")
    String uri = envOr("LIBVIRT_DEFAULT_URI", "qemu:///system");

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "where animas are kept (default: $ZOS_STATE_DIR or /var/lib/zos)")
    Path stateDir = Path.of(envOr("ZOS_STATE_DIR", "/var/lib/zos"));

    /** This host's libvirt, its animas and the default guest, for one command. */
    final class Host implements AutoCloseable {
        final LibvirtHypervisor hypervisor = LibvirtHypervisor.connect(uri);
        final AnimaRegistry registry = new AnimaRegistry(stateDir);
        final AnimaManager animas = new AnimaManager(hypervisor, registry,
                new GuestImageBuilder(Path.of(envOr("ZOS_GUEST_CACHE", "/var/cache/zos/guest"))));

        @Override
        public void close() {
            hypervisor.close();
        }
    }

    Host open() {
        return new Host();
    }

    static String envOr(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
