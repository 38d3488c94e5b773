package org.zos.agent.daemon;

import java.util.logging.Logger;
import org.zos.agent.hypervisor.LibvirtHypervisor;

/**
 * The agent's one connection to this host's libvirtd, made when first needed and made again when libvirtd
 * went away (restarted) since; while libvirtd is down every request gets HYPERVISOR_UNAVAILABLE and the
 * agent itself keeps running.
 */
final class HypervisorLink implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(HypervisorLink.class.getName());
    private final String uri;
    private LibvirtHypervisor current;

    HypervisorLink(String uri) {
        this.uri = uri;
    }

    synchronized LibvirtHypervisor get() {
        if (current != null && !current.alive()) {
            LOG.warning("the connection to libvirt at " + uri + " was lost; connecting again");
            current.close();
            current = null;
        }
        if (current == null) {
            current = LibvirtHypervisor.connect(uri);
            LOG.info("connected to libvirt at " + uri);
            current.prefetch();
        }
        return current;
    }

    @Override
    public synchronized void close() {
        if (current != null) {
            current.close();
            current = null;
        }
    }
}
