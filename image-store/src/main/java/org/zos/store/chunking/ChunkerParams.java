package org.zos.store.chunking;

/**
 * Chunk sizes: no chunk is shorter than {@code min} (except an image's last) or longer than {@code max};
 * cut points fall on average near {@code avg}, a power of two.
 *
 * <p>Normalized chunking (level 2): before {@code avg} a cut needs the hash to clear a mask of
 * log2(avg)+2 bits (harder), after it a mask of log2(avg)-2 bits (easier), which narrows the spread of
 * chunk sizes around {@code avg}. A mask of n bits has its ones spread evenly over bits 63..16 of the
 * Gear hash, where each bit depends on at least 16 earlier bytes.
 */
public record ChunkerParams(int min, int avg, int max) {

    /** zos's default: 64 KiB / 256 KiB / 1 MiB (see docs/store-format.md for the measurements). */
    public static final ChunkerParams DEFAULT = new ChunkerParams(64 << 10, 256 << 10, 1 << 20);

    public ChunkerParams {
        if (Integer.bitCount(avg) != 1 || avg < 256) {
            throw new IllegalArgumentException("avg must be a power of two >= 256: " + avg);
        }
        if (min < 64 || min >= avg || max <= avg || max > (1 << 24)) {
            throw new IllegalArgumentException("need 64 <= min < avg < max <= 16 MiB: " + min + "/" + avg + "/" + max);
        }
    }

    int bits() {
        return Integer.numberOfTrailingZeros(avg);
    }

    /** The mask before avg: more bits, so a cut is less likely. */
    long maskSmall() {
        return mask(bits() + 2);
    }

    /** The mask after avg: fewer bits, so a cut is more likely. */
    long maskLarge() {
        return mask(bits() - 2);
    }

    /** A mask of {@code ones} one-bits spread evenly over bits 63..16. */
    public static long mask(int ones) {
        long m = 0;
        int span = 48;
        for (int i = 0; i < ones; i++) {
            m |= 1L << (63 - (i * span) / ones);
        }
        return m;
    }
}
