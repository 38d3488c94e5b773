package org.zos.agent.hypervisor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link SaveImage} on save images made to libvirt's and QEMU 7.2's formats. */
class SaveImageTest {
    @TempDir
    Path dir;
    private final Random random = new Random(5);

    /** One page record to write: its block (null: continues the last), offset, and data (null: a zero page of {@code fill}). */
    private record Rec(String block, long offset, byte[] data, int fill) {
    }

    /** A libvirt save image whose RAM section holds {@code parts}, each a list of records, then device state. */
    private byte[] image(List<List<Rec>> parts) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(b);
        byte[] xml = "<domain><name>work</name></domain>".getBytes(StandardCharsets.UTF_8);
        d.write("LibvirtQemudSave".getBytes(StandardCharsets.US_ASCII));
        byte[] header = new byte[76];
        header[0] = 2; // version
        header[4] = (byte) xml.length; // XML length, little-endian
        header[8] = 1; // was running
        d.write(header);
        d.write(xml);
        java.util.Map<String, Long> blocks = new java.util.LinkedHashMap<>();
        blocks.put("pc.ram", 1L << 20);
        blocks.put("vga.vram", 1L << 20);
        QemuStreams.header(d);
        QemuStreams.ramSetup(d, 2, blocks);
        for (int i = 0; i < parts.size(); i++) {
            d.writeByte(i == parts.size() - 1 ? 0x03 : 0x02);
            d.writeInt(2);
            for (Rec r : parts.get(i)) {
                long flags = (r.data() == null ? 0x02 : 0x08) | (r.block() == null ? 0x20 : 0);
                d.writeLong(r.offset() | flags);
                if (r.block() != null) {
                    d.writeByte(r.block().length());
                    d.write(r.block().getBytes(StandardCharsets.US_ASCII));
                }
                if (r.data() == null) {
                    d.writeByte(r.fill());
                } else {
                    d.write(r.data());
                }
            }
            d.writeLong(0x10);
            d.writeByte(0x7e);
            d.writeInt(2);
        }
        d.writeByte(0x04); // device state
        d.write(bytes(300));
        return b.toByteArray();
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static Rec zero(String block, int page) {
        return new Rec(block, (long) page * SaveImage.PAGE, null, 0);
    }

    private Rec data(String block, int page) {
        return new Rec(block, (long) page * SaveImage.PAGE, bytes(SaveImage.PAGE), 0);
    }

    /** What {@link SaveImage#read} gives of a file: block, offset and the page's bytes (or "zero"), a line each. */
    private static List<String> pages(Path file) throws IOException {
        List<String> got = new ArrayList<>();
        SaveImage.read(file, (block, offset, at, data) -> got.add(block + " " + offset + " "
                + (data == null ? "zero" : Integer.toHexString(Arrays.hashCode(data)))));
        return got;
    }

    @Test
    void theZeroPagesOfTheMainBlockNeverSentBeforeAreLeftOutAndEveryOtherRecordStays() throws IOException {
        Rec named = zero("pc.ram", 0); // names its block: stays
        List<Rec> first = List.of(named, zero(null, 1), data(null, 2), zero(null, 3), zero(null, 4), data(null, 5),
                new Rec(null, 6L * SaveImage.PAGE, null, 0xff), // a page of another fill: stays
                zero("vga.vram", 0), zero(null, 1), // another block's: stay
                zero("pc.ram", 7), zero(null, 8)); // names the main block again: stays; the next does not
        // Page 11 names the block; page 2 had data before, so its zero page stays.
        List<Rec> second = List.of(zero("pc.ram", 11), zero(null, 2), zero(null, 9), data(null, 10));
        Path file = Files.write(dir.resolve("memory.state"), image(List.of(first, second)));
        Path lean = dir.resolve("memory.state.lean");

        assertEquals(5, SaveImage.withoutZeroPages(file, lean)); // pages 1, 3, 4, 8 and 9
        assertEquals(Files.size(file) - 5 * 9, Files.size(lean));
        List<String> all = pages(file);
        List<String> kept = new ArrayList<>(all);
        for (String out : List.of("pc.ram 4096 zero", "pc.ram 12288 zero", "pc.ram 16384 zero", "pc.ram 32768 zero", "pc.ram 36864 zero")) {
            kept.remove(out);
        }
        assertEquals(all.size() - 5, kept.size());
        assertEquals(kept, pages(lean), "the same records, in order, each in its block");
        byte[] a = Files.readAllBytes(file);
        byte[] b = Files.readAllBytes(lean);
        assertArrayEquals(Arrays.copyOfRange(a, a.length - 301, a.length), Arrays.copyOfRange(b, b.length - 301, b.length), "the device state");
        assertArrayEquals(Arrays.copyOf(a, 92 + 34), Arrays.copyOf(b, 92 + 34), "libvirt's header and XML");
    }

    @Test
    void anImageItDoesNotUnderstandIsLeftAlone() throws IOException {
        Path file = Files.write(dir.resolve("memory.state"), bytes(5000));
        Path lean = dir.resolve("memory.state.lean");
        assertEquals(-1, SaveImage.withoutZeroPages(file, lean));
        assertFalse(Files.exists(lean));
    }
}
