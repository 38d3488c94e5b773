package org.zos.agent.move;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.zos.agent.hypervisor.Hypervisor.Extent;
import org.zos.agent.hypervisor.LibvirtHypervisor;

/**
 * A disk read through a real qcow2 overlay (qemu-img, qemu-io) over a raw disk, as the guest sees it: the
 * same bytes as qemu-img's own conversion of the chain to one raw image.
 */
class FlatDiskTest {
    @TempDir
    Path tmp;

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
    }

    @Test
    void readsTheOverlayTheDiskUnderItAndZerosAsTheGuestSeesThem() throws Exception {
        Path under = tmp.resolve("disk.raw");
        byte[] data = new byte[8 << 20];
        Random r = new Random(3);
        for (int off = 0; off < data.length; off += 1 << 20) { // data and holes, alternating
            byte[] part = new byte[300 << 10];
            r.nextBytes(part);
            System.arraycopy(part, 0, data, off, part.length);
        }
        Files.write(under, data);
        Path top = tmp.resolve("disk.top");
        run("qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b", under.toString(), top.toString());
        run("qemu-io", "-c", "write -P 0x55 1M 128k", "-c", "write -z 2M 64k", "-c", "write -P 0x11 100k 4k",
                "-c", "write -P 0x22 7M 1M", top.toString());

        List<Extent> map = LibvirtHypervisor.map(top, under);
        byte[] flat;
        try (InputStream in = new FlatDisk(map)) {
            flat = in.readAllBytes();
        }
        Path expected = tmp.resolve("expected.raw");
        run("qemu-img", "convert", "-f", "qcow2", "-O", "raw", top.toString(), expected.toString());
        assertArrayEquals(Files.readAllBytes(expected), flat);
    }

    @Test
    void aMapWithAGapIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new FlatDisk(List.of(new Extent(0, 10, null, 0), new Extent(20, 10, null, 0))));
    }
}
