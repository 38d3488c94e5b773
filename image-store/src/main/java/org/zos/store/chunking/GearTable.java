package org.zos.store.chunking;

/**
 * The 256 random 64-bit values of the Gear rolling hash. They are part of the store format (other values
 * give other chunk boundaries), so they are not a literal table but SplitMix64 from a fixed seed, which
 * any implementation can reproduce: seed {@code 0x7a6f732d67656172} ("zos-gear"), value i is the
 * (i+1)-th output.
 */
public final class GearTable {
    static final long SEED = 0x7a6f732d67656172L;
    public static final long[] GEAR = build();

    private GearTable() {
    }

    private static long[] build() {
        long[] table = new long[256];
        long state = SEED;
        for (int i = 0; i < table.length; i++) {
            state += 0x9e3779b97f4a7c15L;
            long z = state;
            z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
            z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
            table[i] = z ^ (z >>> 31);
        }
        return table;
    }
}
