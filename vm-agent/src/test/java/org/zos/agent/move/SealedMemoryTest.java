package org.zos.agent.move;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SealedMemory}: the host an anima went home from seals the memory it came home with under a key
 * only home keeps; with that key it fills the domain of the anima's next visit, page for page, and with
 * any other key, tag or changed byte it does not.
 */
class SealedMemoryTest {
    private static final int PAGE = LiveStream.PAGE;
    private static final int MIB = 1 << 20;
    private final Random random = new Random(31);

    @TempDir
    Path dir;

    /**
     * 3.5 MiB of memory: the first MiB random but for a zero page, the second all zero (a hole in the sealed
     * file), the third one random page, the last half MiB random (a segment shorter than the others).
     */
    private byte[] memory() {
        byte[] m = new byte[3 * MIB + MIB / 2];
        random.nextBytes(m);
        Arrays.fill(m, 5 * PAGE, 6 * PAGE, (byte) 0);
        Arrays.fill(m, MIB, 3 * MIB, (byte) 0);
        byte[] one = new byte[PAGE];
        random.nextBytes(one);
        System.arraycopy(one, 0, m, 2 * MIB + 7 * PAGE, PAGE);
        return m;
    }

    private static long[] digests(byte[] m) {
        long[] d = new long[m.length / PAGE];
        for (int i = 0; i < d.length; i++) {
            d[i] = PageLedger.digest(m, i * PAGE);
        }
        return d;
    }

    private Path seal(byte[] m, long tag, byte[] key) throws IOException {
        Path f = SealedMemory.file(dir, "work");
        try (FileChannel source = FileChannel.open(Files.write(dir.resolve("source"), m))) {
            assertArrayEquals(digests(m), SealedMemory.seal(source, f, tag, key), "the digests of the pages as sealed");
        }
        return f;
    }

    /** Fills a fresh domain memory of {@code size} bytes from the sealed file; its sum, or empty if it does not open. */
    private java.util.Optional<String> fill(Path sealed, long tag, byte[] key, Path memfd, long size) throws IOException {
        Files.deleteIfExists(memfd);
        try (FileChannel ch = FileChannel.open(sealed); FileChannel memory = FileChannel.open(memfd, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            memory.write(ByteBuffer.wrap(new byte[1]), size - 1);
            java.util.Optional<SealedMemory.Opened> o = SealedMemory.open(ch, tag, key);
            if (o.isEmpty()) {
                return java.util.Optional.empty();
            }
            return java.util.Optional.of(KeptMemory.fill(o.get().source(), o.get().size(), memory));
        }
    }

    @Test
    void homesKeyOpensTheSealedMemoryAndFillsTheDomainWithItWhole() throws IOException {
        byte[] m = memory();
        byte[] key = SealedMemory.newKey();
        Path sealed = seal(m, 9, key);

        byte[] file = Files.readAllBytes(sealed);
        for (int i : new int[] {0, 1, 300, 512 + 7, 768}) { // random pages: none is in the file as it was
            byte[] page = Arrays.copyOfRange(m, i * PAGE, i * PAGE + 64);
            if (!Arrays.equals(page, new byte[64])) {
                assertEquals(-1, indexOf(file, page), "page " + i + " is in the sealed file in the clear");
            }
        }
        assertTrue(Files.getPosixFilePermissions(sealed).equals(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));

        Path memfd = dir.resolve("memfd");
        String sum = fill(sealed, 9, key, memfd, m.length + MIB).orElseThrow();
        assertEquals(KeptMemory.sum(digests(m)), sum, "the sum of what was filled is the sum of what home knows");
        byte[] filled = Files.readAllBytes(memfd);
        assertArrayEquals(m, Arrays.copyOf(filled, m.length));
        assertArrayEquals(new byte[MIB], Arrays.copyOfRange(filled, m.length, filled.length));

        // Sealed again (the anima went home from here once more): the file is replaced.
        byte[] again = memory();
        byte[] key2 = SealedMemory.newKey();
        seal(again, 10, key2);
        assertEquals(KeptMemory.sum(digests(again)), fill(sealed, 10, key2, memfd, again.length).orElseThrow());
    }

    @Test
    void anotherKeyOrTagDoesNotOpenItAndAChangedByteFailsTheFill() throws IOException {
        byte[] m = memory();
        byte[] key = SealedMemory.newKey();
        Path sealed = seal(m, 9, key);
        Path memfd = dir.resolve("memfd");

        assertTrue(fill(sealed, 9, SealedMemory.newKey(), memfd, m.length).isEmpty(), "another key");
        assertTrue(fill(sealed, 8, key, memfd, m.length).isEmpty(), "another tag");

        byte[] clean = Files.readAllBytes(sealed);
        int header = clean.length - 4 * (MIB + SealedMemory.TAG);
        // The segment map says the second MiB is a hole: claimed present, the header does not open.
        byte[] mapped = clean.clone();
        mapped[header - SealedMemory.TAG - 1] ^= 0x02;
        Files.write(sealed, mapped);
        assertTrue(fill(sealed, 9, key, memfd, m.length).isEmpty(), "a changed segment map");

        // A byte of the third MiB changed: that segment does not open, and the fill fails.
        byte[] changed = clean.clone();
        changed[header + 2 * (MIB + SealedMemory.TAG) + 7 * PAGE + 3] ^= 0x40;
        Files.write(sealed, changed);
        assertThrows(IOException.class, () -> fill(sealed, 9, key, memfd, m.length));

        // Two segments swapped: each opens only where it was sealed.
        byte[] swapped = clean.clone();
        int seg = MIB + SealedMemory.TAG;
        System.arraycopy(clean, header, swapped, header + 2 * seg, seg);
        System.arraycopy(clean, header + 2 * seg, swapped, header, seg);
        Files.write(sealed, swapped);
        assertThrows(IOException.class, () -> fill(sealed, 9, key, memfd, m.length));

        Files.write(sealed, Arrays.copyOf(clean, 20));
        assertThrows(IOException.class, () -> fill(sealed, 9, key, memfd, m.length), "a file cut short");
    }

    @Test
    void homeKeepsTheRecordOfWhatAHostSealedAndDropsOneThatDoesNotRead() throws IOException {
        long[] d = digests(memory());
        byte[] key = SealedMemory.newKey();
        new SealedMemory.Record("host2", 77, key, d).write(dir);
        SealedMemory.Record r = SealedMemory.Record.read(dir).orElseThrow();
        assertEquals("host2", r.host());
        assertEquals(77, r.tag());
        assertArrayEquals(key, r.key());
        assertArrayEquals(d, r.digests());
        assertEquals(KeptMemory.sum(d), r.sum());
        assertEquals(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"),
                Files.getPosixFilePermissions(SealedMemory.Record.file(dir)));

        byte[] bytes = Files.readAllBytes(SealedMemory.Record.file(dir));
        Files.write(SealedMemory.Record.file(dir), Arrays.copyOf(bytes, bytes.length / 2));
        assertTrue(SealedMemory.Record.read(dir).isEmpty());
        assertFalse(Files.exists(SealedMemory.Record.file(dir)), "a record that does not read is dropped");
    }

    @Test
    void theSealIsFreshEachTime() throws IOException {
        byte[] m = memory();
        Path sealed = seal(m, 9, SealedMemory.newKey());
        byte[] first = Files.readAllBytes(sealed);
        seal(m, 9, SealedMemory.newKey());
        assertNotEquals(Arrays.hashCode(first), Arrays.hashCode(Files.readAllBytes(sealed)), "the same memory under a new key");
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
