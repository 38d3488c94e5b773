package org.zos.agent.anima;

import java.nio.file.Path;

/**
 * Where an anima's files live under the state directory (default /var/lib/zos):
 * <pre>
 * animas/NAME/anima.json         the {@link AnimaRecord}
 * animas/NAME/.lock              held by the process working on the anima
 * animas/NAME/data.qcow2         the data disk
 * animas/NAME/data.qcow2.top     the overlay the disk's writes go to during a live move (qcow2 over data.qcow2)
 * animas/NAME/boot/vmlinuz       the guest kernel and initramfs, copied in so the anima is self-contained
 * animas/NAME/boot/initrd.img
 * animas/NAME/console.log        the serial console (heartbeat)
 * animas/NAME/memory.state       the saved memory and device state, only while suspended
 * animas/NAME/memory.state.part  a save in progress
 * </pre>
 */
public record AnimaPaths(Path dir) {

    public static AnimaPaths of(Path stateRoot, String name) {
        return new AnimaPaths(stateRoot.resolve("animas").resolve(name));
    }

    public Path record() {
        return dir.resolve("anima.json");
    }

    public Path lock() {
        return dir.resolve(".lock");
    }

    public Path disk() {
        return dir.resolve("data.qcow2");
    }

    /** The overlay a live move diverts the disk's writes to ({@code Hypervisor.divertDisk}). */
    public Path diskTop() {
        return dir.resolve("data.qcow2.top");
    }

    /** The fresh overlay the guest writes while the overlay under it is folded in order ({@code Hypervisor.foldDiskInOrder}). */
    public Path diskNext() {
        return dir.resolve("data.qcow2.next");
    }

    public Path kernel() {
        return dir.resolve("boot").resolve("vmlinuz");
    }

    public Path initrd() {
        return dir.resolve("boot").resolve("initrd.img");
    }

    public Path consoleLog() {
        return dir.resolve("console.log");
    }

    public Path state() {
        return dir.resolve("memory.state");
    }

    public Path partialState() {
        return dir.resolve("memory.state.part");
    }

    /** The state file just saved, being rewritten without its zero pages ({@code SaveImage.withoutZeroPages}). */
    public Path leanState() {
        return dir.resolve("memory.state.lean");
    }
}
