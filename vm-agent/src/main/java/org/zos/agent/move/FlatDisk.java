package org.zos.agent.move;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.zos.agent.hypervisor.Hypervisor.Extent;

/**
 * A disk as its guest sees it through an overlay, read from where each extent's bytes are
 * ({@link org.zos.agent.hypervisor.Hypervisor#diskMap}): the overlay's clusters, the disk under it, zeros.
 * The extents must be in order and whole, as the map gives them.
 */
final class FlatDisk extends InputStream {
    private final List<Extent> map;
    private final Map<Path, FileChannel> open = new HashMap<>();
    private int at;
    /** How far into extent {@link #at} the stream is. */
    private long into;

    FlatDisk(List<Extent> map) {
        long next = 0;
        for (Extent e : map) {
            if (e.start() != next || e.length() < 0) {
                throw new IllegalArgumentException("a disk map with a gap or overlap at " + e.start());
            }
            next = e.start() + e.length();
        }
        this.map = List.copyOf(map);
    }

    /**
     * The clusters the anima's overlay ({@code paths.diskTop()}) holds data for, one after the other in the
     * order of the disk: what a visit wrote, as a fold of the overlay appends it to the disk
     * under it (docs/store-format.md, "disk.writes"). Both ends of a live return over the disk home kept
     * store it, so that the next domination's new chunks of the disk refer to what the visited host holds.
     */
    static FlatDisk writes(org.zos.agent.hypervisor.Hypervisor hypervisor, org.zos.agent.anima.AnimaPaths paths) {
        return writes(hypervisor.diskMap(paths.diskTop(), paths.disk()), paths.diskTop());
    }

    private static FlatDisk writes(List<Extent> map, Path top) {
        List<Extent> out = new java.util.ArrayList<>();
        long at = 0;
        for (Extent e : map) {
            if (top.equals(e.file())) {
                out.add(new Extent(at, e.length(), e.file(), e.offset()));
                at += e.length();
            }
        }
        return new FlatDisk(out);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        while (at < map.size() && into == map.get(at).length()) {
            at++;
            into = 0;
        }
        if (at == map.size()) {
            return -1;
        }
        if (len == 0) {
            return 0;
        }
        Extent e = map.get(at);
        int n = (int) Math.min(len, e.length() - into);
        if (e.file() == null) {
            java.util.Arrays.fill(b, off, off + n, (byte) 0);
        } else {
            FileChannel ch = open.get(e.file());
            if (ch == null) {
                ch = FileChannel.open(e.file(), StandardOpenOption.READ);
                open.put(e.file(), ch);
            }
            n = ch.read(ByteBuffer.wrap(b, off, n), e.offset() + into);
            if (n < 0) { // past the file's end: a raw disk shorter than its map, read as zeros (a hole at its end)
                n = (int) Math.min(len, e.length() - into);
                java.util.Arrays.fill(b, off, off + n, (byte) 0);
            }
        }
        into += n;
        return n;
    }

    @Override
    public void close() throws IOException {
        IOException failed = null;
        for (FileChannel ch : open.values()) {
            try {
                ch.close();
            } catch (IOException e) {
                failed = e;
            }
        }
        open.clear();
        if (failed != null) {
            throw failed;
        }
    }
}
