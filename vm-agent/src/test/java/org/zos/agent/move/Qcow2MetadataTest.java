package org.zos.agent.move;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** What of a qcow2 image QEMU's open reads ({@link Qcow2Metadata}), from headers as qemu-img writes them. */
class Qcow2MetadataTest {
    private static final int CLUSTER = 65536;

    /** A version 3 header as {@code qemu-img create -f qcow2 disk 2G} writes it: refcount table at cluster 1, L1 at cluster 3. */
    private static ByteBuffer header() {
        ByteBuffer b = ByteBuffer.allocate(CLUSTER);
        b.putInt(0, 0x514649fb).putInt(4, 3).putInt(20, 16).putLong(24, 2L << 30);
        b.putInt(36, 4).putLong(40, 3L * CLUSTER).putLong(48, CLUSTER).putInt(56, 1);
        b.putInt(96, 4).putInt(100, 112);
        b.putInt(112, 0x6803f857).putInt(116, 48); // the feature name table, then the end mark
        return b;
    }

    @Test
    void theOpenReadsTheHeaderClusterAndTheTables() {
        assertEquals(CLUSTER, Qcow2Metadata.clusterSize(header().array()));
        assertEquals(3L * CLUSTER + 4 * 8, Qcow2Metadata.end(header().array(), 300L << 20));
        ByteBuffer grown = header().putLong(48, 5L * CLUSTER).putInt(56, 2); // a refcount table moved as the image grew
        assertEquals(7L * CLUSTER, Qcow2Metadata.end(grown.array(), 300L << 20));
    }

    @Test
    void anImageTheOpenReadsMoreOfIsRefused() {
        assertEquals(-1, Qcow2Metadata.end(header().putInt(60, 1).putLong(64, 4L * CLUSTER).array(), 300L << 20), "a snapshot");
        assertEquals(-1, Qcow2Metadata.end(header().putLong(8, 1024).putInt(16, 9).array(), 300L << 20), "a backing file");
        assertEquals(-1, Qcow2Metadata.end(header().putInt(32, 2).array(), 300L << 20), "encrypted");
        assertEquals(-1, Qcow2Metadata.end(header().putLong(72, 1L << 2).array(), 300L << 20), "an external data file");
        assertEquals(-1, Qcow2Metadata.end(header().putLong(72, 1L << 1).array(), 300L << 20), "marked corrupt");
        ByteBuffer bitmaps = header();
        bitmaps.putInt(112 + 8 + 48, 0x23852875).putInt(112 + 8 + 48 + 4, 24);
        assertEquals(-1, Qcow2Metadata.end(bitmaps.array(), 300L << 20), "persistent bitmaps");
        assertEquals(3L * CLUSTER + 32, Qcow2Metadata.end(header().putLong(72, 1L).array(), 300L << 20), "dirty (lazy refcounts) is read-only safe");
    }

    @Test
    void whatIsNotAQcow2ImageIsRefused() {
        assertEquals(-1, Qcow2Metadata.clusterSize(new byte[Qcow2Metadata.HEADER_READ]), "zeros");
        assertEquals(-1, Qcow2Metadata.clusterSize(new byte[10]), "too short");
        assertEquals(-1, Qcow2Metadata.end(header().putInt(4, 4).array(), 300L << 20), "a version this does not know");
        assertEquals(-1, Qcow2Metadata.end(header().array(), 3L * CLUSTER), "tables past the image's end");
        assertEquals(-1, Qcow2Metadata.end(header().putLong(40, 3L * CLUSTER + 8).array(), 300L << 20), "an L1 table not at a cluster");
    }
}
