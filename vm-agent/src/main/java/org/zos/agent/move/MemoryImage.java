package org.zos.agent.move;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import org.zos.agent.anima.Sha256;
import org.zos.agent.hypervisor.SaveImage;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/**
 * A saved memory image without the pages the anima's disk already holds. Most of a working guest's memory
 * is page cache: copies of 4 KiB blocks of its own disk, which the receiver gets anyway. So before a move
 * the sender looks up every page of libvirt's save image (QEMU's migration stream, read by
 * {@link SaveImage}) among the 4 KiB blocks of the disk image of the same move, and splits the
 * save image into
 * <ul>
 * <li>the <em>rest</em>: the save image with every page found on the disk cut out, byte for byte otherwise;
 * <li>the <em>refs</em>: "ZOSREFS1", u64 length of the save image, u64 count, then count pairs of u64
 * (offset of the page in the save image, offset of the same 4096 bytes in the disk image), ascending.
 * </ul>
 * {@link #join} puts the save image back from the rest, the refs and the same disk image. Every page is
 * compared byte for byte when it is found, and the joined image's SHA-256 is checked against the
 * original's, so a split never changes what is restored. An image this reader does not understand is not
 * split (the move sends it whole).
 */
final class MemoryImage {
    static final int PAGE = SaveImage.PAGE;
    private static final byte[] MAGIC = "ZOSREFS1".getBytes(StandardCharsets.US_ASCII);
    private static final java.lang.invoke.VarHandle LONGS =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

    /** What a split found: pages replaced by references, out of all pages with contents. */
    record Split(long refs, long pages) {
    }

    private MemoryImage() {
    }

    /**
     * Splits {@code state} against {@code disk} into {@code rest} and {@code refs}; empty (and nothing
     * written) if the image is not one this reader understands.
     */
    static java.util.Optional<Split> split(Path state, Path disk, Path rest, Path refs) throws IOException {
        return split(state, disk, rest, refs, null);
    }

    /**
     * As {@link #split(Path, Path, Path, Path)}, with the disk's blocks looked up in {@code blocks} (made
     * by {@link #blocks} earlier, e.g. while the anima still ran: a block that changed since simply does
     * not match, since every match is compared with the disk as it is now). One sequential pass over the
     * save image finds the pages; the rest is then copied by the kernel, range by range.
     */
    static java.util.Optional<Split> split(Path state, Path disk, Path rest, Path refs, DiskBlocks blocks)
            throws IOException {
        DiskBlocks index = blocks != null ? blocks : blocks(disk);
        Matches found = new Matches();
        byte[] block = new byte[PAGE];
        try (FileChannel d = FileChannel.open(disk)) {
            boolean understood = SaveImage.read(state, (ram, offset, at, data) -> {
                if (data == null) {
                    return;
                }
                found.pages++;
                long where = index.get(hash(data));
                if (where >= 0) {
                    readFully(d, where, block);
                    if (Arrays.equals(data, block)) {
                        found.add(at, where);
                    }
                }
            });
            if (!understood) {
                return java.util.Optional.empty();
            }
        }
        long[] refsFound = found.pairs;
        int count = found.n;
        long length = Files.size(state);
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(refs), 1 << 16))) {
            out.write(MAGIC);
            out.writeLong(length);
            out.writeLong(count / 2);
            for (int i = 0; i < count; i++) {
                out.writeLong(refsFound[i]);
            }
        }
        try (FileChannel in = FileChannel.open(state); FileChannel out = FileChannel.open(rest, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            long pos = 0;
            for (int i = 0; i < count; i += 2) {
                transfer(in, pos, refsFound[i] - pos, out);
                pos = refsFound[i] + PAGE;
            }
            transfer(in, pos, length - pos, out);
        }
        return java.util.Optional.of(new Split(count / 2, found.pages));
    }

    /** Pages of the save image found on the disk, as (page offset, disk offset) pairs, and all pages seen. */
    private static final class Matches {
        long[] pairs = new long[1024];
        int n;
        long pages;

        void add(long at, long where) {
            if (n == pairs.length) {
                pairs = Arrays.copyOf(pairs, n * 2);
            }
            pairs[n++] = at;
            pairs[n++] = where;
        }
    }

    /**
     * Puts the save image back into {@code out} from {@code rest}, {@code refs} and {@code disk}, and
     * checks its SHA-256 against {@code sha256} (hex).
     *
     * @throws ZosException INTEGRITY_ERROR if the joined image is not the original
     */
    static void join(Path rest, Path refs, Path disk, Path out, String sha256) throws IOException {
        join(rest, refs, disk, out, sha256, true);
    }

    /** As above; without {@code durable} the joined image is not synced (it is restored at once, then deleted). */
    static void join(Path rest, Path refs, Path disk, Path out, String sha256, boolean durable) throws IOException {
        String got;
        try (DataInputStream r = new DataInputStream(new BufferedInputStream(Files.newInputStream(refs), 1 << 16));
                InputStream in = new BufferedInputStream(Files.newInputStream(rest), 1 << 20);
                Sha256.Tee tee = new Sha256.Tee(Files.newOutputStream(out)); // hashed on a second thread
                OutputStream o = new BufferedOutputStream(tee, 1 << 20);
                FileChannel d = FileChannel.open(disk)) {
            byte[] magic = new byte[MAGIC.length];
            r.readFully(magic);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new ZosException(ErrorCode.INTEGRITY_ERROR, "the page references of a memory image are damaged", "");
            }
            long length = r.readLong();
            long count = r.readLong();
            // The references came from another host: each must fit the image and the disk, in order, and the
            // image must be exactly the rest plus the pages they name, so a reference list cannot make the
            // joined image any bigger than that.
            long restSize = Files.size(rest);
            long diskSize = d.size();
            if (count < 0 || count != (Files.size(refs) - MAGIC.length - 16) / 16 || (Files.size(refs) - MAGIC.length) % 16 != 0
                    || count > (Long.MAX_VALUE - restSize) / PAGE || length != restSize + count * PAGE) {
                throw damagedRefs("they name " + count + " pages for an image of " + length + " bytes, with " + restSize
                        + " bytes of rest");
            }
            long pos = 0;
            byte[] block = new byte[PAGE];
            byte[] buf = new byte[1 << 16];
            for (long i = 0; i < count; i++) {
                long at = r.readLong();
                long where = r.readLong();
                if (at < pos || at > length - PAGE || where < 0 || where % PAGE != 0 || where > diskSize - PAGE) {
                    throw damagedRefs("reference " + i + " (page at " + at + ", disk block at " + where + ") is out of order "
                            + "or out of bounds");
                }
                copy(in, o, at - pos, buf);
                readFully(d, where, block);
                o.write(block);
                pos = at + PAGE;
            }
            copy(in, o, length - pos, buf);
            if (in.read() != -1) {
                throw new ZosException(ErrorCode.INTEGRITY_ERROR, "a memory image's rest is longer than its references say", "");
            }
            o.flush();
            got = tee.hex();
        }
        if (!got.equals(sha256)) {
            Files.deleteIfExists(out);
            throw new ZosException(ErrorCode.INTEGRITY_ERROR, "the memory image put back together is not the one saved (SHA-256 "
                    + got.substring(0, 12) + "…, expected " + sha256.substring(0, 12) + "…)", "move the anima again");
        }
        if (durable) {
            try (FileChannel ch = FileChannel.open(out, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
        }
    }

    /** Every non-zero 4 KiB-aligned block of the disk image, by {@link #hash} (the first of equal blocks). */
    static DiskBlocks blocks(Path disk) throws IOException {
        DiskBlocks map = new DiskBlocks();
        try (FileChannel d = FileChannel.open(disk)) {
            ByteBuffer buf = ByteBuffer.allocate(1 << 20);
            byte[] block = new byte[PAGE];
            long pos = 0;
            while (true) {
                buf.clear();
                int got = 0;
                while (buf.hasRemaining()) {
                    int r = d.read(buf, pos + got);
                    if (r < 0) {
                        break;
                    }
                    got += r;
                }
                if (got < PAGE) {
                    break;
                }
                buf.flip();
                for (int i = 0; i + PAGE <= got; i += PAGE) {
                    buf.get(i, block);
                    long h = hash(block);
                    if (h != 0) {
                        map.putIfAbsent(h, pos + i);
                    }
                }
                pos += (got / PAGE) * (long) PAGE;
            }
        }
        return map;
    }

    /** A fast 64-bit hash of a page (0 for an all-zero page); matches are always checked byte for byte. */
    static long hash(byte[] page) {
        long h = 0;
        long any = 0;
        for (int i = 0; i < PAGE; i += 8) {
            long v = (long) LONGS.get(page, i);
            any |= v;
            h = Long.rotateLeft(h ^ (v * 0x9E3779B97F4A7C15L), 27) * 0xC2B2AE3D27D4EB4FL + 0x165667B19E3779F9L;
        }
        return any == 0 ? 0 : (h == 0 ? 1 : h);
    }

    private static void readFully(FileChannel ch, long at, byte[] into) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(into);
        while (b.hasRemaining()) {
            if (ch.read(b, at + b.position()) < 0) {
                throw new EOFException("short read at " + at);
            }
        }
    }

    private static void transfer(FileChannel in, long from, long n, FileChannel out) throws IOException {
        long done = 0;
        while (done < n) {
            long t = in.transferTo(from + done, n - done, out);
            if (t <= 0) {
                throw new EOFException("the memory image ended early");
            }
            done += t;
        }
    }

    private static ZosException damagedRefs(String why) {
        return new ZosException(ErrorCode.INTEGRITY_ERROR, "the page references of a memory image are damaged: " + why,
                "move the anima again");
    }

    private static void copy(InputStream in, OutputStream out, long n, byte[] buf) throws IOException {
        while (n > 0) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, n));
            if (r < 0) {
                throw new EOFException("the memory image ended early");
            }
            out.write(buf, 0, r);
            n -= r;
        }
    }
}
