package org.zos.agent.move;

/**
 * Where a disk image holds each block, by the block's 64-bit {@link MemoryImage#hash}: an open-addressing
 * table of primitive longs (a disk of 16 GiB has 4 million blocks; boxed keys would cost ten times the
 * memory). Hash 0 (an all-zero block) is never stored, so it marks a free slot.
 */
final class DiskBlocks {
    private long[] keys = new long[1 << 16];
    private long[] values = new long[1 << 16];
    private int size;

    /** Records that the block of {@code hash} is at {@code offset}, unless a block of that hash is known. */
    void putIfAbsent(long hash, long offset) {
        if (hash == 0) {
            throw new IllegalArgumentException("hash 0 is the free slot");
        }
        if (size * 2 >= keys.length) {
            grow();
        }
        int mask = keys.length - 1;
        for (int i = slot(hash, mask); ; i = (i + 1) & mask) {
            if (keys[i] == hash) {
                return;
            }
            if (keys[i] == 0) {
                keys[i] = hash;
                values[i] = offset;
                size++;
                return;
            }
        }
    }

    /** The offset of a block of {@code hash}, or -1. */
    long get(long hash) {
        if (hash == 0) {
            return -1;
        }
        int mask = keys.length - 1;
        for (int i = slot(hash, mask); ; i = (i + 1) & mask) {
            if (keys[i] == hash) {
                return values[i];
            }
            if (keys[i] == 0) {
                return -1;
            }
        }
    }

    int size() {
        return size;
    }

    private static int slot(long hash, int mask) {
        return (int) (hash ^ (hash >>> 32)) & mask;
    }

    private void grow() {
        long[] oldKeys = keys;
        long[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new long[oldKeys.length * 2];
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != 0) {
                putIfAbsent(oldKeys[i], oldValues[i]);
            }
        }
    }
}
