package org.zos.agent.move;

import java.nio.ByteBuffer;

/**
 * What of a qcow2 image QEMU reads when it opens it as a disk's backing file (read-only): the header
 * cluster (the header and its extensions), the L1 table and the refcount table. Everything else (L2
 * tables, refcount blocks, data) it reads only as the guest or a write reaches it. An image with internal
 * snapshots, persistent bitmaps, encryption, an external data file, a backing file or an incompatible
 * feature this does not know is read in more places: {@link #end} refuses it (-1).
 */
final class Qcow2Metadata {
    private Qcow2Metadata() {
    }

    /** Bytes of the start of an image that hold every field of the header {@link #clusterSize} needs. */
    static final int HEADER_READ = 104;
    private static final int MAGIC = 0x514649fb; // "QFI\xfb"
    /** The incompatible features QEMU's read-only open ignores: dirty (lazy refcounts), compression type, extended L2. */
    private static final long KNOWN_INCOMPATIBLE = 1L | 1L << 3 | 1L << 4;
    private static final int EXT_END = 0;
    private static final int EXT_BITMAPS = 0x23852875;
    private static final int EXT_CRYPTO = 0x0537be77;
    private static final int EXT_DATA_FILE = 0x44415441;

    /** The image's cluster size from its first {@link #HEADER_READ} bytes; -1 if it is not a qcow2 image this reads. */
    static long clusterSize(byte[] start) {
        if (start.length < HEADER_READ) {
            return -1;
        }
        ByteBuffer b = ByteBuffer.wrap(start);
        int version = b.getInt(4);
        int bits = b.getInt(20);
        if (b.getInt(0) != MAGIC || version < 2 || version > 3 || bits < 9 || bits > 21) {
            return -1;
        }
        return 1L << bits;
    }

    /**
     * Where what QEMU reads at open ends (an offset), given the image's first cluster ({@code cluster}) and
     * its length; -1 if it is not a qcow2 image this knows all the open reads of.
     */
    static long end(byte[] cluster, long length) {
        long clusterSize = clusterSize(cluster);
        if (clusterSize < 0 || cluster.length < clusterSize) {
            return -1;
        }
        ByteBuffer b = ByteBuffer.wrap(cluster);
        int version = b.getInt(4);
        long backing = b.getLong(8);
        int crypt = b.getInt(32);
        long l1Size = Integer.toUnsignedLong(b.getInt(36));
        long l1 = b.getLong(40);
        long refcounts = b.getLong(48);
        long refcountClusters = Integer.toUnsignedLong(b.getInt(56));
        int snapshots = b.getInt(60);
        long incompatible = version == 3 ? b.getLong(72) : 0;
        long headerLength = version == 3 ? Integer.toUnsignedLong(b.getInt(100)) : 72;
        if (backing != 0 || crypt != 0 || snapshots != 0 || (incompatible & ~KNOWN_INCOMPATIBLE) != 0
                || headerLength < 72 || headerLength > clusterSize - 8 || l1 <= 0 || refcounts <= 0
                || l1 % clusterSize != 0 || refcounts % clusterSize != 0) {
            return -1;
        }
        // The extensions, up to the end mark: none that makes the open read more.
        for (long at = headerLength; ; ) {
            if (at + 8 > clusterSize) {
                return -1;
            }
            int type = b.getInt((int) at);
            long len = Integer.toUnsignedLong(b.getInt((int) at + 4));
            if (type == EXT_END) {
                break;
            }
            if (type == EXT_BITMAPS || type == EXT_CRYPTO || type == EXT_DATA_FILE) {
                return -1;
            }
            at += 8 + (len + 7) / 8 * 8;
        }
        long end = Math.max(clusterSize, Math.max(l1 + l1Size * 8, refcounts + refcountClusters * clusterSize));
        return end > length || end > MAX ? -1 : end;
    }

    /** The most of an image's start that is written before its domain may start early (the metadata of a small disk is a few clusters). */
    static final long MAX = 64L << 20;
}
