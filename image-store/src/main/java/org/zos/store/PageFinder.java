package org.zos.store;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.zos.store.chunk.ChunkId;
import org.zos.store.chunk.ChunkSealer;
import org.zos.store.chunk.SealedChunk;
import org.zos.store.chunking.ChunkerParams;
import org.zos.store.chunking.GearTable;

/**
 * Finds where else in an anima's store the pages of a new chunk already are, so the chunk can be sealed
 * with those places as its zstd dictionary (codec 3, "refs") and a page copied from elsewhere costs a few
 * bytes instead of its compressed self. A memory image's changed pages are often copies of pages it held
 * before elsewhere (a file read into a second buffer, a forked process, a page moved by the kernel), which
 * a delta against the chunk's own earlier version cannot see.
 *
 * <p>Both sides are cut into small content-defined blocks (a Gear hash with a 9-bit mask: about 512 bytes,
 * 128 to 4096), so the same bytes give the same blocks wherever they stand, at any alignment. The finder
 * holds a 64-bit hash of each block of the chunks it was given and where it lies; a new chunk's blocks are
 * looked up, and each hit becomes a slice of its chunk (the block with 4 KiB on either side, merged with
 * its neighbours). A false hit only costs dictionary bytes: zstd checks every match byte for byte.
 * Built once per ingest, then only read (by the sealing workers).
 */
final class PageFinder {
    static final int MIN = 128;
    static final int MAX = 4096;
    private static final long MASK = ChunkerParams.mask(9);
    /** Bytes taken on either side of a block that was found, so a page around it is in the slice whole. */
    static final int MARGIN = 4096;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** The chunks blocks were taken from, by number. */
    private final List<ChunkId> sources = new ArrayList<>();
    private final List<Integer> lengths = new ArrayList<>();
    private long[] keys = new long[1 << 12];
    private long[] values = new long[1 << 12];
    private int size;

    /** The hashes and offsets of one chunk's blocks: pairs (hash, offset). */
    static long[] blocks(byte[] plain) {
        long[] out = new long[2 * (plain.length / MIN + 1)];
        int n = 0;
        int start = 0;
        while (start < plain.length) {
            int len = cut(plain, start);
            if (len >= MIN && !zero(plain, start, len)) {
                out[n++] = hash(plain, start, len);
                out[n++] = start;
            }
            start += len;
        }
        return Arrays.copyOf(out, n);
    }

    /** Adds the blocks of a chunk that is not a delta (so it may be named by refs). */
    void add(ChunkId id, int length, long[] blocks) {
        int source = sources.size();
        sources.add(id);
        lengths.add(length);
        for (int i = 0; i < blocks.length; i += 2) {
            put(blocks[i], (long) source << 32 | blocks[i + 1]);
        }
    }

    boolean isEmpty() {
        return size == 0;
    }

    /**
     * The slices of known chunks that hold blocks of {@code plain}, at most {@code most} of them and
     * {@code budget} bytes in all, those with the most found bytes first; never a slice of {@code not}.
     */
    List<SealedChunk.Ref> refs(byte[] plain, int most, int budget, ChunkId not) {
        // slices as [source, start, end, found bytes], grown as hits come
        List<long[]> slices = new ArrayList<>();
        int start = 0;
        while (start < plain.length) {
            int len = cut(plain, start);
            if (len >= MIN && !zero(plain, start, len)) {
                long v = get(hash(plain, start, len));
                if (v >= 0) {
                    int source = (int) (v >>> 32);
                    long at = v & 0xffffffffL;
                    long from = Math.max(0, at - MARGIN);
                    long to = Math.min(lengths.get(source), at + len + MARGIN);
                    long[] last = slices.isEmpty() ? null : slices.get(slices.size() - 1);
                    if (last != null && last[0] == source && from <= last[2] + MARGIN && to >= last[1]) {
                        last[1] = Math.min(last[1], from);
                        last[2] = Math.max(last[2], to);
                        last[3] += len;
                    } else if (!sources.get(source).equals(not)) {
                        slices.add(new long[] {source, from, to, len});
                    }
                }
            }
            start += len;
        }
        slices.sort(Comparator.comparingLong((long[] s) -> -s[3]));
        List<SealedChunk.Ref> out = new ArrayList<>();
        long used = 0;
        for (long[] s : slices) {
            int length = (int) (s[2] - s[1]);
            if (out.size() == most || used + length > budget) {
                break;
            }
            out.add(new SealedChunk.Ref(sources.get((int) s[0]), (int) s[1], length));
            used += length;
        }
        return out;
    }

    /** The length of the block that starts at {@code start}. */
    private static int cut(byte[] b, int start) {
        int end = Math.min(b.length, start + MAX);
        long h = 0;
        long[] gear = GearTable.GEAR;
        for (int i = start + MIN; i < end; i++) {
            h = (h << 1) + gear[b[i] & 0xff];
            if ((h & MASK) == 0) {
                return i + 1 - start;
            }
        }
        return end - start;
    }

    private static boolean zero(byte[] b, int start, int len) {
        for (int i = start; i < start + len; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    static long hash(byte[] b, int start, int len) {
        long h = 0x9e3779b97f4a7c15L ^ len;
        int i = start;
        for (int end = start + len - 7; i < end; i += 8) {
            h = Long.rotateLeft(h ^ (long) LONGS.get(b, i) * 0xbf58476d1ce4e5b9L, 29) * 0x94d049bb133111ebL;
        }
        for (; i < start + len; i++) {
            h = Long.rotateLeft(h ^ (b[i] & 0xff) * 0xbf58476d1ce4e5b9L, 29) * 0x94d049bb133111ebL;
        }
        return h ^ (h >>> 31);
    }

    private void put(long key, long value) {
        if (2 * (size + 1) > keys.length) {
            grow();
        }
        int mask = keys.length - 1;
        key = key == 0 ? 1 : key;
        for (int i = (int) key & mask; ; i = (i + 1) & mask) {
            if (keys[i] == 0) {
                keys[i] = key;
                values[i] = value;
                size++;
                return;
            }
            if (keys[i] == key) {
                return; // the first place a block was seen is as good as any
            }
        }
    }

    private long get(long key) {
        int mask = keys.length - 1;
        key = key == 0 ? 1 : key;
        for (int i = (int) key & mask; keys[i] != 0; i = (i + 1) & mask) {
            if (keys[i] == key) {
                return values[i];
            }
        }
        return -1;
    }

    private void grow() {
        long[] k = keys;
        long[] v = values;
        keys = new long[k.length * 2];
        values = new long[k.length * 2];
        size = 0;
        for (int i = 0; i < k.length; i++) {
            if (k[i] != 0) {
                put(k[i], v[i]);
            }
        }
    }

    /** What a chunk of this length may spend on the dictionary its refs make. */
    static int budget(int chunkLength) {
        return Math.min(ChunkSealer.MAX_DICTIONARY - chunkLength, 4 * Math.max(chunkLength, MAX));
    }
}
