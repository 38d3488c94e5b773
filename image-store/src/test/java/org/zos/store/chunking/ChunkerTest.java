package org.zos.store.chunking;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ChunkerTest {
    private static final ChunkerParams P = ChunkerParams.DEFAULT;

    private static byte[] random(long seed, int size) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static List<Chunk> chunks(InputStream in) throws IOException {
        return chunks(in, P);
    }

    private static List<Chunk> chunks(InputStream in, ChunkerParams params) throws IOException {
        Chunker c = new Chunker(in, params);
        List<Chunk> all = new ArrayList<>();
        for (Chunk k; (k = c.next()) != null; ) {
            all.add(k);
        }
        return all;
    }

    private static List<Chunk> chunks(byte[] data) throws IOException {
        return chunks(new ByteArrayInputStream(data));
    }

    private static Set<String> contents(List<Chunk> cs) {
        Set<String> s = new HashSet<>();
        cs.forEach(c -> s.add(java.util.HexFormat.of().formatHex(c.data())));
        return s;
    }

    @Test
    void chunksCoverTheInputWithinBounds() throws IOException {
        byte[] data = random(1, 8 << 20);
        List<Chunk> cs = chunks(data);
        long offset = 0;
        for (int i = 0; i < cs.size(); i++) {
            Chunk c = cs.get(i);
            assertEquals(offset, c.offset());
            assertTrue(c.length() <= P.max());
            if (i < cs.size() - 1) {
                assertTrue(c.length() >= P.min(), "chunk " + i + " is " + c.length());
            }
            assertArrayEquals(java.util.Arrays.copyOfRange(data, (int) offset, (int) offset + c.length()), c.data());
            offset += c.length();
        }
        assertEquals(data.length, offset);
        double avg = (double) data.length / cs.size();
        assertTrue(avg > P.avg() * 0.75 && avg < P.avg() * 1.5, "average chunk " + avg);
    }

    @Test
    void chunksDoNotDependOnHowTheStreamReads() throws IOException {
        byte[] data = random(2, 3 << 20);
        List<Chunk> whole = chunks(data);
        Random r = new Random(3);
        InputStream dribble = new FilterInputStream(new ByteArrayInputStream(data)) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return super.read(b, off, Math.min(len, 1 + r.nextInt(70_000)));
            }
        };
        List<Chunk> dribbled = chunks(dribble);
        assertEquals(whole.size(), dribbled.size());
        for (int i = 0; i < whole.size(); i++) {
            assertArrayEquals(whole.get(i).data(), dribbled.get(i).data());
        }
    }

    @Test
    void anInsertionMovesOnlyTheChunksAroundIt() throws IOException {
        byte[] data = random(4, 16 << 20);
        byte[] inserted = new byte[data.length + 100];
        int at = 5 << 20;
        System.arraycopy(data, 0, inserted, 0, at);
        System.arraycopy(random(5, 100), 0, inserted, at, 100);
        System.arraycopy(data, at, inserted, at + 100, data.length - at);

        Set<String> before = contents(chunks(data));
        List<Chunk> after = chunks(inserted);
        long fresh = after.stream().filter(c -> !before.contains(java.util.HexFormat.of().formatHex(c.data()))).count();
        assertTrue(fresh <= 3, fresh + " chunks changed; only those touching the insertion may");
    }

    @Test
    void zeroRunsAreRecognised() throws IOException {
        byte[] data = new byte[6 << 20];
        System.arraycopy(random(6, 1 << 20), 0, data, 2 << 20, 1 << 20);
        List<Chunk> cs = chunks(data);
        long zeroBytes = cs.stream().filter(Chunk::zero).mapToLong(Chunk::length).sum();
        assertTrue(zeroBytes >= (5 << 20) - 2L * P.max(), "zero bytes in zero chunks: " + zeroBytes);
        for (Chunk c : cs) {
            assertEquals(java.util.Arrays.equals(c.data(), new byte[c.length()]), c.zero());
        }
    }

    @Test
    void emptyAndTinyInputs() throws IOException {
        assertTrue(chunks(new byte[0]).isEmpty());
        List<Chunk> one = chunks(new byte[] {7});
        assertEquals(1, one.size());
        assertEquals(1, one.get(0).length());
    }

    /** SplitMix64 bytes (little-endian), the test input an implementation in any language can make. */
    static byte[] splitMix(long seed, int size) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(size).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        long s = seed;
        while (b.hasRemaining()) {
            s += 0x9e3779b97f4a7c15L;
            long z = s;
            z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
            z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
            b.putLong(z ^ (z >>> 31));
        }
        return b.array();
    }

    @Test
    void cutPointsMatchTheSpecification() throws IOException {
        // Computed by an independent implementation of docs/store-format.md (chunking section). If this
        // fails, chunk boundaries changed and stored images stop deduplicating against new ones.
        ChunkerParams small = new ChunkerParams(16 << 10, 64 << 10, 256 << 10);
        assertEquals(0x8fcfe0b6440835b4L, GearTable.GEAR[0]);
        assertEquals(0x95b0427e5c9e97ffL, GearTable.GEAR[255]);
        assertEquals(0xa4a4a4a4a4a40000L, small.maskSmall());
        assertEquals(0x9224489224480000L, small.maskLarge());
        List<Integer> lengths = chunks(new ByteArrayInputStream(splitMix(42, 2 << 20)), small).stream()
                .map(Chunk::length).toList();
        assertEquals(List.of(95528, 68780, 73942, 43791, 73030, 112861, 83320, 71722, 116109, 68159, 96123, 87261,
                71702, 75946, 85666, 25783, 98893, 78563, 68834, 69235, 73880, 69516, 77075, 84413, 91824, 74419,
                60777), lengths);
    }

    @Test
    void zeroRunsMatchTheSpecification() throws IOException {
        // Second vector of docs/store-format.md: default sizes, a 2,000,000-byte zero run and a short one.
        assertEquals(0xa94a94a94a940000L, P.maskSmall());
        assertEquals(0x9249249249240000L, P.maskLarge());
        byte[] image = splitMix(42, 4 << 20);
        java.util.Arrays.fill(image, 1_000_000, 3_000_000, (byte) 0);
        java.util.Arrays.fill(image, 3_500_000, 3_520_000, (byte) 0);
        List<Integer> signed = chunks(new ByteArrayInputStream(image)).stream()
                .map(c -> c.zero() ? -c.length() : c.length()).toList();
        assertEquals(List.of(237361, 270354, 313374, 73098, 1048576, -1048576, 311155, 351176, 300249, 240385), signed);
    }

    @Test
    void aSparseFileGivesTheChunksOfReadingEveryByteWithoutReadingItsHoles(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws IOException {
        java.nio.file.Path file = dir.resolve("sparse.img");
        int size = 64 << 20;
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file,
                java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
            // data at odd places: the start, straddling a chunk's worth of zeros, short runs, and the very end
            long[] at = {0, 3_000_001, 3_300_000, 20 << 20, (20 << 20) + 70_000, 41_000_000, size - 5000};
            for (int i = 0; i < at.length; i++) {
                ch.write(java.nio.ByteBuffer.wrap(splitMix(i, 8 * (600 + (i % 3) * 50_000 / (i + 1)))), at[i]);
            }
            ch.truncate(size);
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {9}), size - 1);
        }
        Holes holes = Holes.of(file);
        long data = holes.dataBytes(java.nio.file.Files.size(file));
        org.junit.jupiter.api.Assumptions.assumeTrue(data < size / 2, "this file system keeps no holes");

        List<Chunk> plain = chunks(java.nio.file.Files.newInputStream(file));
        long[] read = {0};
        InputStream counted = new FilterInputStream(java.nio.file.Files.newInputStream(file)) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                read[0] += Math.max(n, 0);
                return n;
            }
        };
        Chunker sparse = new Chunker(counted, P, holes);
        List<Chunk> skipped = new ArrayList<>();
        for (Chunk k; (k = sparse.next()) != null; ) {
            skipped.add(k);
        }
        assertEquals(plain.size(), skipped.size());
        for (int i = 0; i < plain.size(); i++) {
            assertEquals(plain.get(i).offset(), skipped.get(i).offset());
            assertEquals(plain.get(i).zero(), skipped.get(i).zero(), "chunk " + i);
            assertArrayEquals(plain.get(i).data(), skipped.get(i).data(), "chunk " + i);
        }
        assertTrue(read[0] <= data, "read " + read[0] + " bytes of a file with " + data + " bytes of data");
        assertTrue(skipped.stream().filter(Chunk::zero).mapToLong(Chunk::length).sum() > size / 2);
    }

    @Test
    void holesOfAFileWithoutHolesAndOfNoFile(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws IOException {
        java.nio.file.Path file = dir.resolve("full");
        java.nio.file.Files.write(file, random(9, 100_000));
        Holes h = Holes.of(file);
        assertEquals(100_000, h.dataBytes(100_000));
        assertEquals(0, h.zerosAt(0));
        assertEquals(0, h.zerosAt(100_000), "past the end is not a hole: reading finds the end");
        assertEquals(Holes.NONE, Holes.of(dir.resolve("missing")));
        assertEquals(Holes.NONE, Holes.of(dir));
    }

    @Test
    void theEarlierVersionsChunksTriedFirstGiveTheSameChunks() throws Exception {
        byte[] before = random(21, 3 << 20);
        java.util.Arrays.fill(before, 1 << 20, (1 << 20) + 200_000, (byte) 0); // a zero run
        byte[] after = java.util.Arrays.copyOf(before, (3 << 20) + 300_000); // grown at its end, as qcow2 grows
        System.arraycopy(random(22, 300_000), 0, after, 3 << 20, 300_000);
        after[500_000] ^= 1; // changed in place
        after[(1 << 20) + 100_000] = 7; // written into the zero run
        java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
        java.util.Map<Long, byte[]> was = new java.util.HashMap<>();
        java.util.Map<Long, Integer> lengths = new java.util.HashMap<>();
        List<Chunk> earlier = chunks(before);
        for (Chunk c : earlier.subList(0, earlier.size() - 1)) {
            if (!c.zero()) {
                was.put(c.offset(), sha.digest(c.data()));
                lengths.put(c.offset(), c.length());
            }
        }
        int[] found = new int[2];
        Chunker.Earlier hint = new Chunker.Earlier() {
            @Override
            public int lengthAt(long offset) {
                return lengths.getOrDefault(offset, 0);
            }

            @Override
            public boolean same(long offset, byte[] buf, int off, int len) {
                sha.update(buf, off, len);
                boolean same = java.util.Arrays.equals(sha.digest(), was.get(offset));
                found[same ? 0 : 1]++;
                return same;
            }
        };
        Chunker hinted = new Chunker(new ByteArrayInputStream(after), P, Holes.NONE, hint);
        List<Chunk> got = new ArrayList<>();
        for (Chunk k; (k = hinted.next()) != null; ) {
            got.add(k);
        }
        List<Chunk> cut = chunks(after);
        assertEquals(cut.size(), got.size());
        for (int i = 0; i < cut.size(); i++) {
            assertEquals(cut.get(i).offset(), got.get(i).offset(), "chunk " + i);
            assertEquals(cut.get(i).zero(), got.get(i).zero(), "chunk " + i);
            assertArrayEquals(cut.get(i).data(), got.get(i).data(), "chunk " + i);
        }
        assertTrue(found[0] >= lengths.size() - 3, found[0] + " of " + lengths.size() + " earlier chunks found again");
        assertTrue(found[1] >= 1, "the changed chunk was tried and cut anew");
    }
}
