package org.zos.agent.move;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

class MemoryImageTest {
    @TempDir
    Path tmp;

    /** A disk of 64 random blocks and a save image whose pages are: disk blocks 3, 10, 10, 63, two fresh pages and zeros. */
    @Test
    void pagesTheDiskHoldsBecomeReferencesAndJoinPutsTheImageBack() throws Exception {
        Random r = new Random(7);
        byte[] disk = new byte[64 * 4096];
        r.nextBytes(disk);
        Path diskFile = Files.write(tmp.resolve("disk"), disk);
        byte[][] pages = {block(disk, 3), fresh(r), block(disk, 10), block(disk, 10), fresh(r), block(disk, 63)};
        byte[] image = saveImage(pages);
        Path state = Files.write(tmp.resolve("state"), image);

        var split = MemoryImage.split(state, diskFile, tmp.resolve("rest"), tmp.resolve("refs")).orElseThrow();
        assertEquals(4, split.refs());
        assertEquals(6, split.pages());
        assertEquals(image.length - 4L * 4096, Files.size(tmp.resolve("rest")));

        MemoryImage.join(tmp.resolve("rest"), tmp.resolve("refs"), diskFile, tmp.resolve("joined"), sha(image));
        assertArrayEquals(image, Files.readAllBytes(tmp.resolve("joined")));

        // Against another disk (a block changed), the joined image is not the saved one: refused.
        disk[10 * 4096] ^= 1;
        Files.write(diskFile, disk);
        ZosException e = assertThrows(ZosException.class, () -> MemoryImage.join(tmp.resolve("rest"), tmp.resolve("refs"),
                diskFile, tmp.resolve("joined2"), sha(image)));
        assertEquals(ErrorCode.INTEGRITY_ERROR, e.code());
        assertTrue(Files.notExists(tmp.resolve("joined2")));
    }

    /** Reference lists a hostile sender could write: each is refused before anything past it is written. */
    @Test
    void referencesOutOfBoundsOrOrderAreRefused() throws Exception {
        Path disk = Files.write(tmp.resolve("disk"), new byte[16 * 4096]);
        Path rest = Files.write(tmp.resolve("rest"), new byte[8192]);
        long[][] lists = {
            {8192 + 4096 * 1000L, 1000, 0}, // claims 1000 pages: the image would be far longer than the rest and the pages
            {8192 + 4096, 1, 0, 16 * 4096}, // a disk block past the disk's end
            {8192 + 4096, 1, 0, 100}, // a disk offset that is not a block
            {8192 + 2 * 4096, 2, 4096, 0, 0, 0}, // out of order
            {8192 + 4096, 1, -4096, 0}, // a negative page offset
            {Long.MAX_VALUE, Long.MAX_VALUE / 2}, // sizes that overflow
        };
        for (long[] list : lists) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            DataOutputStream o = new DataOutputStream(b);
            o.write("ZOSREFS1".getBytes(StandardCharsets.US_ASCII));
            for (long v : list) {
                o.writeLong(v);
            }
            Path refs = Files.write(tmp.resolve("refs"), b.toByteArray());
            ZosException e = assertThrows(ZosException.class, () -> MemoryImage.join(rest, refs, disk, tmp.resolve("out"), "0".repeat(64)),
                    java.util.Arrays.toString(list));
            assertEquals(ErrorCode.INTEGRITY_ERROR, e.code());
            assertTrue(e.getMessage().contains("page references") && e.getMessage().contains("damaged"), e.getMessage());
        }
    }

    @Test
    void anImageThisReaderDoesNotKnowIsNotSplit() throws Exception {
        Path notSave = Files.write(tmp.resolve("x"), "not a save image at all, just some text".repeat(200).getBytes(StandardCharsets.US_ASCII));
        Path disk = Files.write(tmp.resolve("disk"), new byte[8192]);
        assertTrue(MemoryImage.split(notSave, disk, tmp.resolve("rest"), tmp.resolve("refs")).isEmpty());
        assertTrue(Files.notExists(tmp.resolve("rest")));
    }

    private static byte[] block(byte[] disk, int i) {
        return java.util.Arrays.copyOfRange(disk, i * 4096, (i + 1) * 4096);
    }

    private static byte[] fresh(Random r) {
        byte[] b = new byte[4096];
        r.nextBytes(b);
        return b;
    }

    private static String sha(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    /** libvirt's header and XML, QEMU's magic, a "ram" section with one block, two parts of pages, then device state. */
    static byte[] saveImage(byte[][] pages) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        byte[] xml = "<domain type='qemu'><name>t</name></domain>\0".getBytes(StandardCharsets.US_ASCII);
        out.write("LibvirtQemudSave".getBytes(StandardCharsets.US_ASCII));
        int[] header = new int[19];
        header[0] = 2;
        header[1] = xml.length;
        header[2] = 1;
        for (int h : header) {
            out.writeInt(Integer.reverseBytes(h)); // libvirt writes its header little-endian
        }
        out.write(xml);
        out.writeInt(0x5145564d);
        out.writeInt(3);
        out.write(new byte[] {0x07, 0x00, 0x00, 0x00, 0x05, 'h', 'e', 'l', 'l', 'o'}); // some other section bytes
        out.writeByte(0x01);
        out.writeInt(2);
        out.writeByte(3);
        out.write("ram".getBytes(StandardCharsets.US_ASCII));
        out.writeInt(0);
        out.writeInt(4);
        long ram = 16L * 4096;
        out.writeLong(ram | 0x04);
        out.writeByte(8);
        out.write("pc.ram\0\0".getBytes(StandardCharsets.US_ASCII));
        out.writeLong(ram);
        out.writeLong(0x10);
        out.writeByte(0x7e);
        out.writeInt(2);
        int p = 0;
        for (int part = 0; part < 2; part++) {
            out.writeByte(part == 0 ? 0x02 : 0x03);
            out.writeInt(2);
            for (int i = 0; i < 3; i++, p++) {
                boolean first = p == 0;
                out.writeLong((long) p * 4096 | 0x08 | (first ? 0 : 0x20));
                if (first) {
                    out.writeByte(8);
                    out.write("pc.ram\0\0".getBytes(StandardCharsets.US_ASCII));
                }
                out.write(pages[p]);
            }
            out.writeLong(15L * 4096 | 0x02 | 0x20); // a zero page
            out.writeByte(0);
            out.writeLong(0x10);
            out.writeByte(0x7e);
            out.writeInt(2);
        }
        out.write("device state that follows the RAM".getBytes(StandardCharsets.US_ASCII));
        return bytes.toByteArray();
    }
}
