package org.zos.guest;

import java.nio.file.Path;

/**
 * A built default guest: a Debian kernel and the busybox initramfs whose init keeps a counter on the data
 * disk, beats on the serial console and answers on the {@code org.zos.agent.0} channel.
 *
 * @param key digest of every input of the build; equal keys mean byte-identical images
 * @param kernel the kernel image (vmlinuz)
 * @param initrd the initramfs
 * @param kernelPackage the Debian package and version the kernel comes from
 */
public record GuestImage(String key, Path kernel, Path initrd, String kernelPackage) {

    /** The kernel command line the guest's init expects. */
    public static final String CMDLINE = "console=ttyS0 quiet";
}
