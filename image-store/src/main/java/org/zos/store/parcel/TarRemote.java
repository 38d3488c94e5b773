package org.zos.store.parcel;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarFile;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.store.Durable;

/**
 * A parcel in one tar file, for removable storage where no network or object store reaches (ISR's parcel
 * on a stick): the same objects as in a bucket, each an entry of that name (docs/parcel-format.md,
 * "A parcel in a file"). A file is written once, by {@link #create}, to {@code FILE.part} and renamed when
 * complete; it is read by {@link #open}, which indexes its entries and reads each where it lies. A file
 * has one user at a time, so its lease lives only in memory and is never written.
 */
public final class TarRemote implements Remote {
    private static final String LEASE = "/lease";

    private final Path file;
    private final Path part;
    private final TarArchiveOutputStream out;
    private final FileChannel in;
    /** Every object's size; in a file being written, the bodies of those a push reads back (all but chunks). */
    private final Map<String, Long> sizes = new TreeMap<>();
    private final Map<String, byte[]> small = new LinkedHashMap<>();
    private final Map<String, long[]> where = new LinkedHashMap<>();
    private boolean complete;
    private boolean closed;

    private TarRemote(Path file, Path part, TarArchiveOutputStream out, FileChannel in) {
        this.file = file;
        this.part = part;
        this.out = out;
        this.in = in;
    }

    /** Whether {@code name} names a parcel file rather than a configured remote: an absolute path. */
    public static boolean isFile(String name) {
        return name.startsWith("/");
    }

    /** Starts writing a parcel to {@code file}, which must not exist (nor be a link); {@link #close} after {@link #finish} renames it into place. */
    public static TarRemote create(Path file) throws IOException {
        requireNew(file);
        Path part = file.resolveSibling(file.getFileName() + ".part");
        Files.deleteIfExists(part);
        OutputStream os = Files.newOutputStream(part, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        Files.setPosixFilePermissions(part, PosixFilePermissions.fromString("rw-------"));
        TarArchiveOutputStream t = new TarArchiveOutputStream(new java.io.BufferedOutputStream(os, 1 << 20));
        t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        t.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        return new TarRemote(file, part, t, null);
    }

    static void requireNew(Path file) {
        if (!file.isAbsolute() || file.getParent() == null || !Files.isDirectory(file.getParent(), LinkOption.NOFOLLOW_LINKS)) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "parcel file " + file + " is not in a directory that exists",
                    "give an absolute path in an existing directory, e.g. /media/stick/work.zosparcel");
        }
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new ZosException(ErrorCode.ANIMA_EXISTS, "parcel file " + file + " exists already", "name a new file, or remove that one");
        }
    }

    /** Opens the parcel file {@code file} to read. */
    public static TarRemote open(Path file) throws IOException {
        if (!file.isAbsolute() || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "no parcel file " + file, "give the absolute path of a file 'zos-vm parcel export' wrote");
        }
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        TarRemote r = new TarRemote(file, null, null, ch);
        // Commons Compress indexes the entries and says where each one's body lies; bodies are read from there.
        try (TarFile t = new TarFile(file)) {
            for (TarArchiveEntry e : t.getEntries()) {
                if (e.isFile()) {
                    r.where.put(e.getName(), new long[] {e.getDataOffset(), e.getSize()});
                    r.sizes.put(e.getName(), e.getSize());
                }
            }
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw new ZosException(ErrorCode.INTEGRITY_ERROR, "parcel file " + file + " is not a tar of a zos parcel (" + e.getMessage() + ")",
                    "it was cut short or is another file; export the anima again", e);
        }
        return r;
    }

    @Override
    public String name() {
        return file.toString();
    }

    @Override
    public synchronized Optional<byte[]> get(String key) throws IOException {
        if (key.endsWith(LEASE) || out != null) {
            return Optional.ofNullable(small.get(key)).map(byte[]::clone);
        }
        long[] at = where.get(key);
        if (at == null) {
            return Optional.empty();
        }
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(at[1]));
        while (b.hasRemaining()) {
            if (in.read(b, at[0] + b.position()) < 0) {
                throw new ZosException(ErrorCode.INTEGRITY_ERROR, "parcel file " + file + " ends inside " + key, "it was cut short; export the anima again");
            }
        }
        return Optional.of(b.array());
    }

    @Override
    public synchronized void put(String key, byte[] bytes) throws IOException {
        if (key.endsWith(LEASE)) {
            small.put(key, bytes.clone());
            return;
        }
        if (out == null) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "parcel file " + file + " is read only", "export the anima to a new file");
        }
        if (sizes.containsKey(key)) { // a push writes a record again (the rest record): the last entry of a name counts
            small.remove(key);
        }
        TarArchiveEntry e = new TarArchiveEntry(key);
        e.setSize(bytes.length);
        e.setMode(0600);
        e.setModTime(System.currentTimeMillis());
        out.putArchiveEntry(e);
        out.write(bytes);
        out.closeArchiveEntry();
        sizes.put(key, (long) bytes.length);
        if (!Parcel.isChunk(key)) { // the chunks are many and large, and a push never reads one back
            small.put(key, bytes.clone());
        }
    }

    @Override
    public synchronized boolean create(String key, byte[] bytes) throws IOException {
        if (key.endsWith(LEASE) ? small.containsKey(key) : sizes.containsKey(key)) {
            return get(key).map(held -> java.util.Arrays.equals(held, bytes)).orElse(false);
        }
        put(key, bytes);
        return true;
    }

    @Override
    public boolean conditional() {
        return true; // one process has the file; its creates are exclusive by the lock of this object
    }

    @Override
    public synchronized Map<String, Long> list(String prefix) {
        Map<String, Long> outMap = new TreeMap<>();
        sizes.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                outMap.put(k, v);
            }
        });
        small.forEach((k, v) -> {
            if (k.endsWith(LEASE) && k.startsWith(prefix)) {
                outMap.put(k, (long) v.length);
            }
        });
        return outMap;
    }

    @Override
    public synchronized void delete(String key) throws IOException {
        if (key.endsWith(LEASE)) {
            small.remove(key);
            return;
        }
        throw new ZosException(ErrorCode.BAD_PARAMETER, "parcel file " + file + " is written once; nothing in it is deleted",
                "export the anima to a new file");
    }

    /** Marks a file being written complete: {@link #close} then puts it in place (else it deletes it). */
    public void finish() {
        complete = true;
    }

    /** The anima a parcel file holds (the one whose key it has). */
    public Optional<String> anima() {
        for (String k : sizes.keySet()) {
            if (k.endsWith("/key") && k.indexOf('/') == k.length() - 4) {
                return Optional.of(k.substring(0, k.length() - 4));
            }
        }
        return Optional.empty();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (out != null) {
                out.finish();
                out.close();
                if (complete) {
                    Durable.sync(part);
                    Files.move(part, file, StandardCopyOption.ATOMIC_MOVE);
                    Durable.syncDirectory(file.getParent());
                } else {
                    Files.deleteIfExists(part);
                }
            }
            if (in != null) {
                in.close();
            }
        } catch (IOException e) {
            throw new ZosException(ErrorCode.INTERNAL, "finishing parcel file " + file + " failed: " + e.getMessage(), "see the disk it is on", e);
        }
    }
}
