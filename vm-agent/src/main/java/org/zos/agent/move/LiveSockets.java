package org.zos.agent.move;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Where a live move's connections meet QEMU and libvirt: a directory of UNIX sockets at the same path on
 * both hosts, {@code /run/zos/live/TRANSFER} (QEMU's migration and disk URIs name one path, which the
 * sender's QEMU connects to and the receiver's listens on). On the sender the agent listens on all three;
 * on the receiver QEMU listens on {@link #migration} and {@link #disks} and libvirtd on its own socket.
 * The directory lets QEMU, which may run as another user, make and reach its sockets (mode 0733: nobody
 * lists it, and its name holds the move's random transfer id).
 */
record LiveSockets(Path dir) {
    /** Where the directories are: /run/zos/live (the system property zos.live.root, for tests, moves it). */
    static Path root() {
        return Path.of(System.getProperty("zos.live.root", "/run/zos/live"));
    }

    static LiveSockets of(long transfer) {
        return new LiveSockets(root().resolve(Long.toString(transfer)));
    }

    Path libvirt() {
        return dir.resolve("libvirt.sock");
    }

    Path migration() {
        return dir.resolve("migration.sock");
    }

    Path disks() {
        return dir.resolve("disks.sock");
    }

    /** The receiving QEMU's QMP monitor of the agent's own (memory by content). */
    Path monitor() {
        return dir.resolve("qmp.sock");
    }

    /** The URI the sender's libvirtd dials, peer to peer: the receiver's libvirtd, through the agents. */
    String peerUri() {
        return "qemu+unix:///system?socket=" + libvirt();
    }

    String migrationUri() {
        return "unix://" + migration();
    }

    String disksUri() {
        return "unix://" + disks();
    }

    /** Makes the directory afresh. */
    LiveSockets create() throws IOException {
        remove();
        Files.createDirectories(dir.getParent());
        Files.createDirectory(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx-wx-wx"));
        return this;
    }

    /** Removes the directory and what is in it; nothing if it is not there. */
    void remove() throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
