package org.zos.agent.move;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/**
 * {@link KeptMemory}: home keeps the memory a live visit left with, the visited host learns its pages'
 * digests, and the live return refers to every page home holds, which home reads back and checks.
 */
class KeptMemoryTest {
    private static final int PAGE = LiveStream.PAGE;
    private static final int PAGES = 64;
    private final Random random = new Random(23);

    @TempDir
    Path dir;

    private byte[] page() {
        byte[] p = new byte[PAGE];
        random.nextBytes(p);
        return p;
    }

    /** The memory the anima left home with: random pages, every eighth a zero page. */
    private byte[] leftWith() {
        byte[] m = new byte[PAGES * PAGE];
        for (int i = 0; i < PAGES; i++) {
            if (i % 8 != 0) {
                System.arraycopy(page(), 0, m, i * PAGE, PAGE);
            }
        }
        return m;
    }

    private static byte[] pageOf(byte[] memory, int i) {
        return Arrays.copyOfRange(memory, i * PAGE, (i + 1) * PAGE);
    }

    /**
     * A migration stream as QEMU 7.2 writes one, of a pass over each of {@code passes} (the guest's memory
     * as the pass found it; zero pages as such): the first sends every page, each later one the pages that
     * changed since the one before.
     */
    private static byte[] stream(byte[]... passes) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(b);
        org.zos.agent.hypervisor.QemuStreams.header(d);
        org.zos.agent.hypervisor.QemuStreams.ramSetup(d, 2, java.util.Map.of("pc.ram", (long) passes[0].length));
        for (int pass = 0; pass < passes.length; pass++) {
            byte[] memory = passes[pass];
            d.writeByte(pass == passes.length - 1 ? 0x03 : 0x02); // PART…, END
            d.writeInt(2);
            boolean first = true;
            for (int p = 0; p < memory.length / PAGE; p++) {
                byte[] content = pageOf(memory, p);
                if (pass > 0 && Arrays.equals(content, pageOf(passes[pass - 1], p))) {
                    continue; // not dirtied
                }
                boolean zero = Arrays.equals(content, new byte[PAGE]);
                long flags = (zero ? 0x02 : 0x08) | (first ? 0 : 0x20);
                d.writeLong((long) p * PAGE | flags);
                if (first) {
                    d.writeByte(6);
                    d.write("pc.ram".getBytes(StandardCharsets.US_ASCII));
                    first = false;
                }
                if (zero) {
                    d.writeByte(0);
                } else {
                    d.write(content);
                }
            }
            d.writeLong(0x10);
            d.writeByte(0x7e);
            d.writeInt(2);
        }
        d.writeByte(0x04); // device state: opaque
        d.writeInt(7);
        d.write(new byte[100]);
        d.writeByte(0x1f);
        return b.toByteArray();
    }

    /**
     * {@link #stream}'s stream without its zero-page records, the block named by the first record left
     * (QEMU's first one names it, and it may be a zero page).
     */
    private static byte[] withoutZeroPages(byte[] stream) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(b);
        int at = 4 + 4 + 1 + 4 + 1 + 3 + 4 + 4 + 8 + 1 + 6 + 8 + 8 + 1 + 4 + 1 + 4; // up to the END section's first record
        b.write(stream, 0, at);
        java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(stream);
        boolean named = false;
        while (true) {
            long header = in.getLong(at);
            if (header == 0x10) {
                b.write(stream, at, stream.length - at);
                return b.toByteArray();
            }
            int name = (header & 0x20) == 0 ? 7 : 0;
            int n = 8 + name + ((header & 0x02) != 0 ? 1 : PAGE);
            if ((header & 0x02) == 0) {
                if (named) {
                    b.write(stream, at, n);
                } else {
                    d.writeLong(header & ~0x20);
                    d.writeByte(6);
                    d.write("pc.ram".getBytes(StandardCharsets.US_ASCII));
                    b.write(stream, at + 8 + name, PAGE);
                    named = true;
                }
            }
            at += n;
        }
    }

    private long[] keep(byte[] memory, long tag) throws IOException {
        Path source = Files.write(dir.resolve("memfd"), memory);
        try (FileChannel ch = FileChannel.open(source)) {
            return KeptMemory.keep(dir, ch, tag);
        }
    }

    /**
     * The digest is XXH64 (seed 0), as xxhsum -H1 prints it; two pages with one byte 2 KiB apart differ (the
     * digest before it collided on them, found on a real guest's memory).
     */
    @Test
    void theDigestIsXxh64AndTellsSparsePagesApart() {
        assertEquals(0xac869b6f32d8bbdbL, PageLedger.digest(new byte[PAGE], 0));
        byte[] p = new byte[PAGE];
        for (int i = 0; i < PAGE; i++) {
            p[i] = (byte) (i * 7 + 3);
        }
        assertEquals(0x796398cd432797ccL, PageLedger.digest(p, 0));
        byte[] twice = new byte[2 * PAGE];
        System.arraycopy(p, 0, twice, PAGE, PAGE);
        assertEquals(0x796398cd432797ccL, PageLedger.digest(twice, PAGE), "at an offset");
        byte[] a = new byte[PAGE];
        byte[] b = new byte[PAGE];
        a[1016 + 7] = 0x56;
        b[3064 + 7] = 0x56;
        assertEquals(0xba0caf590538d362L, PageLedger.digest(a, 0));
        assertEquals(0x655c4a7a8e4eb25fL, PageLedger.digest(b, 0));
    }

    @Test
    void homeKeepsTheMemoryWholeAndItsDigestsAreThePages() throws IOException {
        byte[] memory = leftWith();
        long[] digests = keep(memory, 0x7a);
        assertArrayEquals(memory, Files.readAllBytes(KeptMemory.file(dir, 0x7a)));
        assertEquals(PAGES, digests.length);
        for (int i = 0; i < PAGES; i++) {
            assertEquals(PageLedger.digest(pageOf(memory, i), 0), digests[i]);
        }
        DiskBlocks byDigest = new KeptMemory.Index(0x7a, digests).byDigest();
        assertEquals(PAGES - PAGES / 8, byDigest.size(), "zero pages are left out");
        assertEquals(9L * PAGE, byDigest.get(digests[9]));

        keep(leftWith(), 0x7b); // a later visit: the earlier memory goes
        assertFalse(Files.exists(KeptMemory.file(dir, 0x7a)));
        assertTrue(KeptMemory.open(dir, 0x7a).isEmpty());
        assertTrue(KeptMemory.open(dir, 0x7b).isPresent());
        KeptMemory.drop(dir);
        assertTrue(KeptMemory.open(dir, 0x7b).isEmpty());
        assertFalse(Files.exists(dir.resolve("memfd.part")));
    }

    /**
     * Runs of pages that are not zero go in one write each, zero pages stay holes: a memory of 3 MiB whose
     * first page and a page in the middle are zero, and whose runs cross the MiB the copy reads at a time.
     */
    @Test
    void theFillWritesRunsOfPagesAndLeavesZeroPagesHoles() throws IOException, InterruptedException {
        int pages = 3 * 256;
        byte[] memory = new byte[pages * PAGE];
        Random r = new Random(5);
        for (int i = 1; i < pages; i++) {
            if (i != 300 && (i < 500 || i > 520)) {
                byte[] p = new byte[PAGE];
                r.nextBytes(p);
                System.arraycopy(p, 0, memory, i * PAGE, PAGE);
            }
        }
        Path source = Files.write(dir.resolve("memory"), memory);
        Path target = dir.resolve("filled");
        try (FileChannel from = FileChannel.open(source); FileChannel to = FileChannel.open(target, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE)) {
            to.truncate(0);
            to.write(java.nio.ByteBuffer.allocate(1), memory.length - 1);
            KeptMemory.fill(from, to);
        }
        assertArrayEquals(memory, Files.readAllBytes(target));
        Process stat = new ProcessBuilder("stat", "-c", "%b %B", target.toString()).start();
        String[] blocks = new String(stat.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip().split(" ");
        assertEquals(0, stat.waitFor());
        // (the byte that made the file as long is in its last page, which is written anyway)
        assertEquals((long) (pages - 1 - 1 - 21) * PAGE, Long.parseLong(blocks[0]) * Long.parseLong(blocks[1]),
                "only the pages that are not zero are written");
    }

    /** The memory after the visit: pages 1 to 5 changed, page 39 copied over page 20, page 41 over zero page 16. */
    private byte[] visited(byte[] before) {
        byte[] now = before.clone();
        for (int i = 1; i < 6; i++) {
            System.arraycopy(page(), 0, now, i * PAGE, PAGE);
        }
        System.arraycopy(before, 39 * PAGE, now, 20 * PAGE, PAGE);
        System.arraycopy(before, 41 * PAGE, now, 16 * PAGE, PAGE);
        return now;
    }

    /**
     * The return: the guest moved some pages, changed some and left the rest; every page home holds goes
     * as a reference (wherever it now lies), and the stream comes back whole on home.
     */
    @Test
    void theLiveReturnRefersToEveryPageHomeKeptWhereverItIsNow() throws IOException {
        byte[] before = leftWith();
        KeptMemory.Index index = new KeptMemory.Index(5, keep(before, 5));
        byte[] now = visited(before);
        byte[] s = stream(now);

        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        LiveStream.Figures f = LiveStream.encode(new ByteArrayInputStream(s), wire,
                MoveSender.liveCoding(new DiskBlocks(), new RateLimit(0), null, index.byDigest()).pages(), 1);
        long full = PAGES - PAGES / 8 + 1; // non-zero pages now: one zero page was written over
        assertEquals(full, f.blocks());
        assertEquals(full - 5, f.referenced(), "all but the five changed pages are references");
        assertTrue(f.sentBytes() < 6 * PAGE + 2048, f.toString());

        try (FileChannel kept = KeptMemory.open(dir, 5).orElseThrow()) {
            ByteArrayOutputStream back = new ByteArrayOutputStream();
            LiveStream.decode(new ByteArrayInputStream(wire.toByteArray()), back, (o, p) -> {
                throw new AssertionError("nothing refers to the disk");
            }, (o, p) -> KeptMemory.read(kept, o, p));
            long zero = PAGES - full;
            assertEquals(zero, f.elided(), "the zero pages are left out: the receiver's are zero");
            assertArrayEquals(withoutZeroPages(s), back.toByteArray());
        }

        // A receiver that did not offer kept memory, or whose kept memory is not what the sender knows of it, refuses.
        ZosException none = assertThrows(ZosException.class, () -> LiveStream.decode(new ByteArrayInputStream(wire.toByteArray()),
                new ByteArrayOutputStream(), (o, p) -> { }, null));
        assertEquals(ErrorCode.PROTOCOL_ERROR, none.code());
        keep(leftWith(), 5); // other memory under the same tag
        try (FileChannel other = KeptMemory.open(dir, 5).orElseThrow()) {
            ZosException stale = assertThrows(ZosException.class, () -> LiveStream.decode(new ByteArrayInputStream(wire.toByteArray()),
                    new ByteArrayOutputStream(), (o, p) -> { }, (o, p) -> KeptMemory.read(other, o, p)));
            assertEquals(ErrorCode.PROTOCOL_ERROR, stale.code());
            assertTrue(stale instanceof LiveStream.KeptDiffers, "told apart from other damage: the receiver drops its kept memory");
            assertTrue(stale.getMessage().contains("kept memory"), stale.getMessage());
        }
    }

    /**
     * The return to memory filled with what home kept: home fills its domain's memory with the kept memory
     * and gets the sender's sum; the sender leaves out every page whose record would give home what it holds
     * (unchanged, or zero where it was zero) until it has sent that page, and the guest's memory on home
     * comes out as the source's.
     */
    @Test
    void aReturnToMemoryFilledWithTheKeptMemoryLeavesOutWhatItHoldsAndTheGuestComesOutWhole() throws IOException {
        byte[] before = leftWith();
        KeptMemory.Index index = new KeptMemory.Index(5, keep(before, 5));
        byte[] pass1 = visited(before);
        Arrays.fill(pass1, 9 * PAGE, 10 * PAGE, (byte) 0); // zeroed: its zero-page record must go
        byte[] pass2 = pass1.clone();
        System.arraycopy(before, 1 * PAGE, pass2, 1 * PAGE, PAGE); // as it was kept, but sent changed in pass 1: it goes
        System.arraycopy(page(), 0, pass2, 30 * PAGE, PAGE); // dirtied after pass 1 left it out
        byte[] s = stream(pass1, pass2);

        Path memfd = dir.resolve("domain-memory");
        String sum;
        try (FileChannel kept = KeptMemory.open(dir, 5).orElseThrow(); FileChannel memory = FileChannel.open(memfd,
                java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE)) {
            memory.truncate(0);
            memory.write(java.nio.ByteBuffer.wrap(new byte[1]), (PAGES + 8L) * PAGE - 1); // larger than what was kept, zero
            sum = KeptMemory.fill(kept, memory);
        }
        assertEquals(index.sum(), sum, "the sum of what home filled is the sum of what the sender knows");
        byte[] filled = Files.readAllBytes(memfd);
        assertArrayEquals(before, Arrays.copyOf(filled, before.length));

        PageLedger ledger = new PageLedger(index.digests());
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        LiveStream.Figures f = LiveStream.encode(new ByteArrayInputStream(s), wire,
                MoveSender.liveCoding(new DiskBlocks(), new RateLimit(0), null, index.byDigest()).pages(), 1, ledger, null,
                index.digests(), x -> { });
        // Pass 1: every page but the five changed, the two copied and the one zeroed holds on home as it is.
        assertEquals(PAGES - 8, f.elided(), f.toString());
        assertTrue(f.sentBytes() < 8 * PAGE, f.toString());
        ByteArrayOutputStream back = new ByteArrayOutputStream();
        try (FileChannel kept = KeptMemory.open(dir, 5).orElseThrow()) {
            LiveStream.decode(new ByteArrayInputStream(wire.toByteArray()), back, (o, p) -> {
                throw new AssertionError("nothing refers to the disk");
            }, (o, p) -> KeptMemory.read(kept, o, p));
        }
        byte[] home = org.zos.agent.hypervisor.QemuStreams.load(back.toByteArray(), "pc.ram", filled);
        assertArrayEquals(pass2, Arrays.copyOf(home, pass2.length), "the guest's memory on home is the source's");
        assertArrayEquals(pass2, org.zos.agent.hypervisor.QemuStreams.load(s, "pc.ram", new byte[pass2.length]), "as QEMU's own stream gives it");
        try (FileChannel source = FileChannel.open(Files.write(dir.resolve("source"), pass2))) {
            assertEquals(0, ledger.differing(source).length, "the ledger counts the pages left out as home holds them");
        }

        // Other memory under the same tag: its sum is not the sender's (home drops it and fails the stream).
        keep(leftWith(), 5);
        try (FileChannel other = KeptMemory.open(dir, 5).orElseThrow(); FileChannel memory = FileChannel.open(memfd,
                java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE)) {
            assertFalse(index.sum().equals(KeptMemory.fill(other, memory)));
        }
        // Kept memory larger than the domain's: not filled.
        try (FileChannel kept = KeptMemory.open(dir, 5).orElseThrow(); FileChannel small = FileChannel.open(Files.write(dir.resolve("small"),
                new byte[8 * PAGE]), java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE)) {
            assertThrows(LiveStream.KeptDiffers.class, () -> KeptMemory.fill(kept, small));
        }
    }

    @Test
    void theVisitedHostTakesTheDigestsInPartsAndOnlyWholeAndOfOneTag() {
        KeptMemory.Indexes indexes = new KeptMemory.Indexes();
        long[] digests = new long[10];
        for (int i = 0; i < 10; i++) {
            digests[i] = random.nextLong();
        }
        assertFalse(indexes.add("work", 3, 10, 0, Arrays.copyOfRange(digests, 0, 6)));
        assertTrue(indexes.get("work").isEmpty(), "not before all came");
        assertFalse(indexes.add("work", 4, 10, 6, Arrays.copyOfRange(digests, 6, 10)), "another tag starts anew");
        assertTrue(indexes.add("work", 4, 10, 0, Arrays.copyOfRange(digests, 0, 6)), "whole once all came");
        assertEquals(new KeptMemory.Index(4, digests), indexes.get("work").orElseThrow());
        indexes.forget("work");
        assertTrue(indexes.get("work").isEmpty());
    }
}
