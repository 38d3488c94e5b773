package org.zos.agent.hypervisor;

import org.libvirt.Connect;
import org.libvirt.LibvirtException;
import org.libvirt.jna.ConnectionPointer;

/** A libvirt-java connection that also lends its native pointer to {@link LibvirtNative} calls. */
final class LibvirtConnection extends Connect {

    LibvirtConnection(String uri) throws LibvirtException {
        super(uri);
    }

    ConnectionPointer pointer() {
        return vcp;
    }
}
