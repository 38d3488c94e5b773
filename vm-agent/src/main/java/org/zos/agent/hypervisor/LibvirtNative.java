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

    /** The guest's clock, read by qemu-guest-agent. */
    int virDomainGetTime(DomainPointer domain, com.sun.jna.ptr.LongByReference seconds,
            com.sun.jna.ptr.IntByReference nseconds, int flags);

    int virDomainFSTrim(DomainPointer domain, String mountPoint, long minimum, int flags);

    int virDomainShutdownFlags(DomainPointer domain, int flags);

    int virDomainFree(DomainPointer domain);

    int virDomainSaveFlags(DomainPointer domain, String to, String dxml, int flags);

    int virDomainRestoreFlags(ConnectionPointer conn, String from, String dxml, int flags);

    Pointer virDomainSaveImageGetXMLDesc(ConnectionPointer conn, String file, int flags);

    /** virDomainMigrateFlags (libvirt-domain.h) that zos's live moves use. */
    int VIR_MIGRATE_LIVE = 1;
    int VIR_MIGRATE_PEER2PEER = 2;
    int VIR_MIGRATE_PERSIST_DEST = 8;
    int VIR_MIGRATE_PAUSED = 32;
    int VIR_MIGRATE_NON_SHARED_DISK = 64;
    /** Copies only the top of each disk's backing chain (the destination holds the rest). */
    int VIR_MIGRATE_NON_SHARED_INC = 128;
    int VIR_MIGRATE_AUTO_CONVERGE = 8192;

    /** Migrates a domain with named parameters ({@link TypedParams}); with PEER2PEER, libvirtd itself dials {@code dconnuri}. */
    int virDomainMigrateToURI3(DomainPointer domain, String dconnuri, Pointer params, int nparams, int flags);

    /** virDomainGetJobStats flag: the statistics of the job that completed last (kept while the domain is defined). */
    int VIR_DOMAIN_JOB_STATS_COMPLETED = 1;

    /** Statistics of the domain's job: libvirt allocates {@code params} (free it with virTypedParamsFree). */
    int virDomainGetJobStats(DomainPointer domain, com.sun.jna.ptr.IntByReference type, com.sun.jna.ptr.PointerByReference params,
            com.sun.jna.ptr.IntByReference nparams, int flags);

    void virTypedParamsFree(Pointer params, int nparams);

    /** The longest pause (ms) a live migration may end with; set while the domain runs, before or during the migration. */
    int virDomainMigrateSetMaxDowntime(DomainPointer domain, long downtime, int flags);

    /** The fastest (MiB/s; C unsigned long, 64-bit here) a live migration may send; set before or during it. */
    int virDomainMigrateSetMaxSpeed(DomainPointer domain, long bandwidth, int flags);

    /** The domain's state and why it is in it (virDomainState, and the reason enum of that state). */
    int virDomainGetState(DomainPointer domain, com.sun.jna.ptr.IntByReference state, com.sun.jna.ptr.IntByReference reason, int flags);

    /**
     * virDomainState VIR_DOMAIN_SHUTOFF, and its reason VIR_DOMAIN_SHUTOFF_MIGRATED (virDomainShutoffReason:
     * UNKNOWN 0, SHUTDOWN 1, DESTROYED 2, CRASHED 3, MIGRATED 4, SAVED 5, FAILED 6, FROM_SNAPSHOT 7, DAEMON 8).
     */
    int VIR_DOMAIN_SHUTOFF = 5;
    int VIR_DOMAIN_SHUTOFF_MIGRATED = 4;

    /** Stops the domain's running migration job (the guest goes on running where it ran). */
    int virDomainAbortJob(DomainPointer domain);

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

    /** The calling thread's last error (a virError: int code at 0, int domain at 4), not to be freed; null if none. */
    Pointer virGetLastError();

    /** virErrorDomain VIR_FROM_RPC: the error came from libvirt's connection to a (remote) daemon. */
    int VIR_FROM_RPC = 7;

    /** The domain (the part of libvirt) the calling thread's last error came from, -1 if there is none. */
    static int lastErrorDomain() {
        Pointer e = INSTANCE.virGetLastError();
        return e == null ? -1 : e.getInt(4);
    }

    /** libvirt-qemu.so: QEMU's own monitor commands, passed through libvirt (it marks the domain "tainted"). */
    interface Qemu extends Library {
        Qemu INSTANCE = Native.load("virt-qemu", Qemu.class);

        /** virDomainQemuMonitorCommand: a QMP command (JSON) to the domain's QEMU; its answer in {@code result}, ours to free. */
        int virDomainQemuMonitorCommand(DomainPointer domain, String cmd, com.sun.jna.ptr.PointerByReference result, int flags);
    }

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
