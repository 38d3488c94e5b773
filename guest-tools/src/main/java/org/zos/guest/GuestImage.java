package org.zos.guest;

import java.nio.file.Path;

/**
 * A built guest: a Debian kernel and initramfs, and for the desktop guest its root disk.
 *
 * <ul>
 * <li>{@link Kind#MINI}: a busybox initramfs whose init keeps a counter on the data disk, beats on the
 *     serial console and answers guest channel v1's control requests in a shell.</li>
 * <li>{@link Kind#DESKTOP}: a Debian 12 system on its root disk (the anima's data disk is a copy of it): a
 *     graphical session on the VM's display, qemu-guest-agent, and the zos guest agent.</li>
 * </ul>
 *
 * @param kind which guest
 * @param key digest of every input of the build; equal keys mean equal images
 * @param kernel the kernel image (vmlinuz)
 * @param initrd the initramfs
 * @param kernelPackage the Debian package and version the kernel comes from
 * @param rootDisk the root disk (qcow2) the anima's disk starts as, or null (mini: an empty data disk)
 * @param cmdline the kernel command line
 */
public record GuestImage(Kind kind, String key, Path kernel, Path initrd, String kernelPackage, Path rootDisk,
        String cmdline) {

    /** The kernel command line the mini guest's init expects. */
    public static final String MINI_CMDLINE = "console=ttyS0 quiet";

    /** The guests zos builds. */
    public enum Kind {
        MINI, DESKTOP;

        /** The name users give: "mini" or "desktop". */
        public String id() {
            return name().toLowerCase();
        }

        /** The kind a user named, or null. */
        public static Kind of(String id) {
            for (Kind k : values()) {
                if (k.id().equals(id)) {
                    return k;
                }
            }
            return null;
        }
    }
}
