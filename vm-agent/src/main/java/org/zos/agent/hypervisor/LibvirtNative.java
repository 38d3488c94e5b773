package org.zos.agent.hypervisor;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import org.libvirt.jna.ConnectionPointer;
import org.libvirt.jna.DomainPointer;

/**
 * The libvirt calls that libvirt-java 0.5 does not bind, reached through JNA on the same libvirt.so.
 * Signatures follow libvirt's C API; strings returned as {@link Pointer} are the caller's to free.
 */
interface LibvirtNative extends Library {
    LibvirtNative INSTANCE = Native.load("virt", LibvirtNative.class);

    /** virDomainSaveFlags: flag 2 (VIR_DOMAIN_SAVE_RUNNING) makes the restored guest run. */
    int VIR_DOMAIN_SAVE_RUNNING = 2;
    /** virDomainRestoreFlags: flag 4 (VIR_DOMAIN_SAVE_PAUSED) leaves the restored guest paused. */
    int VIR_DOMAIN_SAVE_PAUSED = 4;

    /** virDomainShutdownFlags: flag 2 (VIR_DOMAIN_SHUTDOWN_GUEST_AGENT) asks qemu-guest-agent. */
    int VIR_DOMAIN_SHUTDOWN_GUEST_AGENT = 2;

    DomainPointer virDomainLookupByName(ConnectionPointer conn, String name);

    /** Seconds libvirt waits for qemu-guest-agent's answers on this domain (default: for ever). */
    int virDomainAgentSetResponseTimeout(DomainPointer domain, int timeout, int flags);

    int virDomainSetTime(DomainPointer domain, long seconds, int nseconds, int flags);

    int virDomainFSTrim(DomainPointer domain, String mountPoint, long minimum, int flags);

    int virDomainShutdownFlags(DomainPointer domain, int flags);

    int virDomainFree(DomainPointer domain);

    int virDomainSaveFlags(DomainPointer domain, String to, String dxml, int flags);

    int virDomainRestoreFlags(ConnectionPointer conn, String from, String dxml, int flags);

    Pointer virDomainSaveImageGetXMLDesc(ConnectionPointer conn, String file, int flags);

    int virConnectCompareHypervisorCPU(ConnectionPointer conn, String emulator, String arch, String machine,
            String virttype, String xmlCPU, int flags);

    /** virErrorFunc: called by libvirt for every error; the default one prints to stderr. */
    interface ErrorFunc extends com.sun.jna.Callback {
        void invoke(Pointer userData, Pointer error);
    }

    /** A handler that drops libvirt's error printing: zos reports errors itself. */
    ErrorFunc SILENT = (userData, error) -> { };

    void virSetErrorFunc(Pointer userData, ErrorFunc handler);

    /** The message of the calling thread's last libvirt error, or "no error". */
    String virGetLastErrorMessage();

    /** Reads and frees a string libvirt allocated for us. */
    static String takeString(Pointer p) {
        if (p == null) {
            return null;
        }
        try {
            return p.getString(0, "UTF-8");
        } finally {
            Native.free(Pointer.nativeValue(p));
        }
    }
}
