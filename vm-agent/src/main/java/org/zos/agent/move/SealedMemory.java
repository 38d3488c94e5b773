package org.zos.agent.move;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Optional;
import java.util.logging.Logger;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The memory an anima came home with, kept sealed by the host it visited, so that its next live visit
 * there fills its domain's memory with it and sends only what changed (issue 17: without it every second
 * domination sends the memory that is not file data again, 30 MB of the bench guest's 48 MB). It is the
 * mirror of {@link KeptMemory}, which home keeps in the clear for the return.
 *
 * <p>Once the anima runs at home again, the visited host writes the memory it sent (its paused domain's) to
 * {@code sealed/<anima>.mem} under its state directory, encrypted under a fresh key, sends home the key and
 * each page's digest ({@code memory-kept} with {@code key}) and forgets the key: nothing it holds of the
 * anima is readable without home. Home keeps key, tag and digests ({@link Record}); its next live
 * domination of that host hands the key back in {@code live-prepare}, and the visited host fills the
 * incoming domain's memory as it decrypts the file, then deletes the file. The format is in
 * docs/store-format.md, "Sealed memory".
 */
final class SealedMemory {
    private static final Logger LOG = Logger.getLogger(SealedMemory.class.getName());
    static final byte[] MAGIC = "ZOSSMEM".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    /** Bytes of memory sealed as one (the last may be shorter). */
    static final int SEGMENT = 1 << 20;
    static final int TAG = 16;
    static final int KEY = 32;

    private SealedMemory() {
    }

    /** Where a visited host keeps the sealed memory of {@code anima}. */
    static Path file(Path stateDir, String anima) {
        return stateDir.resolve("sealed").resolve(anima + ".mem");
    }

    /** A fresh key for one sealing. */
    static byte[] newKey() {
        byte[] k = new byte[KEY];
        new SecureRandom().nextBytes(k);
        return k;
    }

    /**
     * Seals {@code memory} (paused, or past its QEMU's end) to {@code file} under {@code key} and {@code tag},
     * replacing what was there; a MiB of zeros is a hole. Returns the digest of every page.
     */
    static long[] seal(FileChannel memory, Path file, long tag, byte[] key) throws IOException {
        long size = memory.size();
        if (size % LiveStream.PAGE != 0 || size == 0) {
            throw new IOException("the memory (" + size + " bytes) is not whole pages");
        }
        int segments = Math.toIntExact((size + SEGMENT - 1) / SEGMENT);
        int header = headerLength(segments);
        Files.createDirectories(file.getParent());
        Path part = file.resolveSibling(file.getFileName() + ".part");
        Files.deleteIfExists(part);
        Files.createFile(part, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        BitSet present = new BitSet(segments);
        long[] digests;
        try (RandomAccessFile raf = new RandomAccessFile(part.toFile(), "rw")) {
            FileChannel out = raf.getChannel();
            raf.setLength(header + (long) segments * (SEGMENT + TAG));
            ThreadLocal<Cipher> ciphers = ThreadLocal.withInitial(SealedMemory::cipher);
            digests = KeptMemory.copy(size, KeptMemory.from(memory), (pos, bytes, len) -> {
                long i = pos / SEGMENT;
                byte[] sealed;
                try {
                    Cipher c = ciphers.get();
                    c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG * 8, nonce(i)));
                    sealed = c.doFinal(bytes, 0, len);
                } catch (GeneralSecurityException e) {
                    throw new IOException("sealing memory: " + e, e);
                }
                KeptMemory.write(out, ByteBuffer.wrap(sealed), header + i * (SEGMENT + TAG));
                synchronized (present) {
                    present.set((int) i);
                }
            });
            ByteBuffer h = header(tag, size, segments, present);
            try {
                Cipher c = cipher();
                c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG * 8, nonce(-1)));
                c.updateAAD(h.array(), 0, h.position());
                h.put(c.doFinal());
            } catch (GeneralSecurityException e) {
                throw new IOException("sealing memory: " + e, e);
            }
            KeptMemory.write(out, h.flip(), 0);
            out.force(true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(part);
            throw e;
        }
        Files.move(part, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return digests;
    }

    /** A sealed memory opened with its key: its size and a {@link KeptMemory.Source} that decrypts it. */
    record Opened(long size, KeptMemory.Source source) {
    }

    /**
     * Opens the sealed memory in {@code file} if it is the one of {@code tag} and {@code key} opens it; empty
     * if there is none or it is another (logged). A segment that does not open fails its read.
     */
    static Optional<Opened> open(FileChannel ch, long tag, byte[] key) throws IOException {
        ByteBuffer fixed = ByteBuffer.allocate(MAGIC.length + 1 + 8 + 8 + 4 + 4);
        KeptMemory.from(ch).read(0, fixed);
        fixed.flip();
        byte[] magic = new byte[MAGIC.length];
        fixed.get(magic);
        int version = fixed.get() & 0xff;
        long fileTag = fixed.getLong();
        long size = fixed.getLong();
        int segment = fixed.getInt();
        int segments = fixed.getInt();
        if (!Arrays.equals(magic, MAGIC) || version != VERSION || segment != SEGMENT || size <= 0 || size % LiveStream.PAGE != 0
                || segments != (size + SEGMENT - 1) / SEGMENT) {
            throw new IOException("not a sealed memory of version " + VERSION);
        }
        if (fileTag != tag) {
            LOG.info("the sealed memory here is of tag " + Long.toHexString(fileTag) + ", not " + Long.toHexString(tag));
            return Optional.empty();
        }
        int header = headerLength(segments);
        ByteBuffer h = ByteBuffer.allocate(header);
        KeptMemory.from(ch).read(0, h);
        BitSet present = BitSet.valueOf(Arrays.copyOfRange(h.array(), fixed.capacity(), header - TAG));
        try {
            Cipher c = cipher();
            c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG * 8, nonce(-1)));
            c.updateAAD(h.array(), 0, header - TAG);
            c.doFinal(h.array(), header - TAG, TAG);
        } catch (javax.crypto.AEADBadTagException e) {
            LOG.info("the sealed memory here does not open with the key given (another home's, or changed)");
            return Optional.empty();
        } catch (GeneralSecurityException e) {
            throw new IOException("opening sealed memory: " + e, e);
        }
        ThreadLocal<Cipher> ciphers = ThreadLocal.withInitial(SealedMemory::cipher);
        ThreadLocal<ByteBuffer> buffers = ThreadLocal.withInitial(() -> ByteBuffer.allocate(SEGMENT + TAG));
        return Optional.of(new Opened(size, (pos, buf) -> {
            if (pos % SEGMENT != 0 || buf.remaining() != Math.min(SEGMENT, size - pos)) {
                throw new IllegalArgumentException("sealed memory is read a segment at a time, not " + buf.remaining() + " at " + pos);
            }
            int i = (int) (pos / SEGMENT);
            if (!present.get(i)) {
                Arrays.fill(buf.array(), buf.arrayOffset() + buf.position(), buf.arrayOffset() + buf.limit(), (byte) 0);
                buf.position(buf.limit());
                return;
            }
            ByteBuffer in = buffers.get();
            in.clear().limit(buf.remaining() + TAG);
            KeptMemory.from(ch).read(header + (long) i * (SEGMENT + TAG), in);
            try {
                Cipher c = ciphers.get();
                c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG * 8, nonce(i)));
                c.doFinal(in.flip(), buf);
            } catch (GeneralSecurityException e) {
                throw new IOException("segment " + i + " of the sealed memory does not open: " + e, e);
            }
        }));
    }

    /** Deletes the sealed memory of {@code anima} here, if there is one. */
    static void delete(Path stateDir, String anima) {
        try {
            Files.deleteIfExists(file(stateDir, anima));
        } catch (IOException e) {
            LOG.warning("could not delete the sealed memory of " + anima + ": " + e);
        }
    }

    /**
     * What home knows of the memory a visited host sealed for it: the host, the tag, the key (the only
     * copy) and each page's digest; in {@code memory.sealed} in the anima's directory (0600), one at a time.
     */
    record Record(String host, long tag, byte[] key, long[] digests) {
        private static final byte[] MAGIC = "ZOSSREC".getBytes(StandardCharsets.US_ASCII);

        static Path file(Path animaDir) {
            return animaDir.resolve("memory.sealed");
        }

        /** The {@link KeptMemory#sum} of the digests: {@code live-prepare}'s {@code keptSum}. */
        String sum() {
            return KeptMemory.sum(digests);
        }

        void write(Path animaDir) throws IOException {
            byte[] name = host.getBytes(StandardCharsets.UTF_8);
            ByteBuffer b = ByteBuffer.allocate(MAGIC.length + 1 + 2 + name.length + 8 + KEY + 4 + digests.length * 8);
            b.put(MAGIC).put((byte) VERSION).putShort((short) name.length).put(name).putLong(tag).put(key).putInt(digests.length);
            b.asLongBuffer().put(digests);
            Path f = file(animaDir);
            Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            org.zos.store.Durable.write(tmp, f, b.array());
        }

        /** The record in {@code animaDir}, if there is one that reads (one that does not is dropped, logged). */
        static Optional<Record> read(Path animaDir) {
            Path f = file(animaDir);
            if (!Files.isRegularFile(f)) {
                return Optional.empty();
            }
            try {
                ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(f));
                byte[] magic = new byte[MAGIC.length];
                b.get(magic);
                if (!Arrays.equals(magic, MAGIC) || b.get() != VERSION) {
                    throw new IOException("not a sealed memory record of version " + VERSION);
                }
                byte[] name = new byte[b.getShort() & 0xffff];
                b.get(name);
                long tag = b.getLong();
                byte[] key = new byte[KEY];
                b.get(key);
                long[] digests = new long[b.getInt()];
                b.asLongBuffer().get(digests);
                return Optional.of(new Record(new String(name, StandardCharsets.UTF_8), tag, key, digests));
            } catch (IOException | RuntimeException e) {
                LOG.warning("the record of sealed memory " + f + " does not read (dropped: the next visit sends all of the memory): " + e);
                drop(animaDir);
                return Optional.empty();
            }
        }

        static void drop(Path animaDir) {
            try {
                Files.deleteIfExists(file(animaDir));
            } catch (IOException e) {
                LOG.warning("could not delete " + file(animaDir) + ": " + e);
            }
        }
    }

    private static int headerLength(int segments) {
        return MAGIC.length + 1 + 8 + 8 + 4 + 4 + (segments + 7) / 8 + TAG;
    }

    private static ByteBuffer header(long tag, long size, int segments, BitSet present) {
        ByteBuffer h = ByteBuffer.allocate(headerLength(segments));
        h.put(MAGIC).put((byte) VERSION).putLong(tag).putLong(size).putInt(SEGMENT).putInt(segments);
        byte[] bits = present.toByteArray(); // little-endian bit order: segment i is bit i % 8 of byte i / 8
        h.put(Arrays.copyOf(bits, (segments + 7) / 8));
        return h;
    }

    /** The nonce of segment {@code i} (-1: the header's): four zero bytes, then i as a u64 big-endian. */
    private static byte[] nonce(long i) {
        return ByteBuffer.allocate(12).putInt(0).putLong(i).array();
    }

    private static Cipher cipher() {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
