package org.zos.store.folder;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.logging.Logger;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.store.chunking.Chunk;
import org.zos.store.chunking.Chunker;
import org.zos.store.chunking.ChunkerParams;

/**
 * A folder on this machine as a {@link Replica}. What it knows of its files (size, time, inode and blocks)
 * is cached in {@code .zos-sync/index.json}, so a scan reads only files that changed. New files are
 * written to {@code .zos-sync/tmp-*} and renamed into place; staging files left by a crash are removed when
 * the replica opens. The agreed state is {@code .zos-sync/agreed.json}. Symbolic links and special files
 * are not synced.
 */
public final class LocalReplica implements Replica {
    private static final Logger LOG = Logger.getLogger(LocalReplica.class.getName());
    /** Blocks of synced files: 32 KiB / 128 KiB / 512 KiB (docs/folders.md). */
    public static final ChunkerParams BLOCKS = new ChunkerParams(32 << 10, 128 << 10, 512 << 10);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path root;
    private final Path sync;
    private final String name;
    private final PathFilter filter;
    /** What the last scan saw of each file: reused while size, time and inode stay the same. */
    private final Map<String, Known> known = new HashMap<>();
    private Map<String, Entry> last;
    private long token = System.nanoTime();
    private boolean indexDirty;
    private boolean closed;
    /** Where each block of {@link #known} is: hash to (path, block); built when first needed, then kept in step. */
    private Map<String, List<Map.Entry<String, Block>>> here;

    /** What is known of one file. */
    record Known(long size, long mtimeNanos, String inode, boolean executable, String digest, List<Block> blocks) {
    }

    public LocalReplica(Path root, String name, PathFilter filter) throws IOException {
        this.root = root.toAbsolutePath().normalize();
        this.sync = this.root.resolve(PathFilter.SYNC_DIR);
        this.name = name;
        this.filter = filter;
        if (!Files.isDirectory(this.root)) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "no folder " + this.root, "create it, or name another folder");
        }
        Files.createDirectories(sync);
        try (var files = Files.list(sync)) {
            for (Path p : files.toList()) {
                if (p.getFileName().toString().startsWith("tmp-")) {
                    Files.deleteIfExists(p); // a transfer a crash cut short: the file it was for is untouched
                }
            }
        }
        Path index = sync.resolve("index.json");
        if (Files.exists(index)) {
            try {
                known.putAll(JSON.readValue(index.toFile(), new TypeReference<Map<String, Known>>() { }));
            } catch (IOException e) {
                LOG.warning("ignoring unreadable " + index + ": " + e.getMessage());
            }
        }
    }

    public Path root() {
        return root;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public synchronized Scan scan(long since) throws IOException {
        requireOpen();
        Map<String, Entry> now = new TreeMap<>();
        Set<String> seen = new HashSet<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                if (dir.equals(root)) {
                    return FileVisitResult.CONTINUE;
                }
                String rel = relative(dir);
                if (filter.excluded(rel)) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                now.put(rel, Entry.dir(rel));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                String rel = relative(file);
                if (!attrs.isRegularFile() || filter.excluded(rel)) {
                    return FileVisitResult.CONTINUE;
                }
                try {
                    Known k = know(rel, file, attrs);
                    seen.add(rel);
                    now.put(rel, new Entry(rel, Entry.Kind.FILE, k.size(), k.mtimeNanos() / 1_000_000, k.executable(), k.digest()));
                } catch (NoSuchFileException gone) {
                    // deleted while we looked: the next scan says so
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                LOG.fine("cannot read " + file + ": " + e.getMessage());
                return FileVisitResult.CONTINUE;
            }
        });
        if (known.keySet().retainAll(seen)) {
            indexDirty = true;
            here = null;
        }
        saveIndex();
        if (now.equals(last)) {
            return new Scan(token, since == token ? null : last);
        }
        last = now;
        token++;
        return new Scan(token, now);
    }

    /** The known blocks of a file, read again if it changed. */
    private Known know(String rel, Path file, BasicFileAttributes attrs) throws IOException {
        long mtime = attrs.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS);
        String inode = String.valueOf(attrs.fileKey());
        boolean exec = Files.isExecutable(file);
        Known k = known.get(rel);
        if (k != null && k.size() == attrs.size() && k.mtimeNanos() == mtime && k.inode().equals(inode)) {
            if (k.executable() != exec) {
                k = new Known(k.size(), k.mtimeNanos(), k.inode(), exec, k.digest(), k.blocks());
                setKnown(rel, k);
                indexDirty = true;
            }
            return k;
        }
        List<Block> blocks = new ArrayList<>();
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 20)) {
            Chunker chunker = new Chunker(in, BLOCKS);
            for (Chunk c; (c = chunker.next()) != null; ) {
                blocks.add(new Block(c.offset(), c.length(), sha256(c.data(), 0, c.length())));
            }
        }
        long size = blocks.isEmpty() ? 0 : blocks.get(blocks.size() - 1).offset() + blocks.get(blocks.size() - 1).length();
        k = new Known(size, mtime, inode, exec, digest(size, blocks), blocks);
        setKnown(rel, k);
        indexDirty = true;
        return k;
    }

    /** A file's digest: SHA-256 of its size (8 bytes, big-endian) and its blocks' hashes in order. */
    public static String digest(long size, List<Block> blocks) {
        MessageDigest md = sha256();
        md.update(ByteBuffer.allocate(8).putLong(size).array());
        for (Block b : blocks) {
            md.update(HexFormat.of().parseHex(b.hash()));
        }
        return HexFormat.of().formatHex(md.digest());
    }

    @Override
    public synchronized Agreed agreed() throws IOException {
        Path f = sync.resolve("agreed.json");
        if (!Files.exists(f)) {
            return new Agreed(0, Map.of());
        }
        return JSON.readValue(f.toFile(), Agreed.class);
    }

    @Override
    public synchronized void agree(Agreed agreed) throws IOException {
        requireOpen();
        writeAtomically(sync.resolve("agreed.json"), JSON.writeValueAsBytes(agreed));
    }

    @Override
    public synchronized List<Block> blocks(String path, Entry entry) throws IOException {
        Path file = resolve(path);
        Known k;
        try {
            k = know(path, file, Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS));
        } catch (NoSuchFileException e) {
            throw new Changed(path + " is gone");
        }
        if (!k.digest().equals(entry.digest())) {
            throw new Changed(path + " changed");
        }
        return k.blocks();
    }

    @Override
    public synchronized Set<String> lacking(String path, List<Block> blocks) {
        Map<String, List<Map.Entry<String, Block>>> at = here();
        Set<String> out = new HashSet<>();
        for (Block b : blocks) {
            if (!at.containsKey(b.hash())) {
                out.add(b.hash());
            }
        }
        return out;
    }

    @Override
    public byte[] read(String path, Block block) throws IOException {
        byte[] b = new byte[block.length()];
        try (RandomAccessFile f = new RandomAccessFile(resolve(path).toFile(), "r")) {
            f.seek(block.offset());
            f.readFully(b);
        } catch (java.io.EOFException | NoSuchFileException | java.io.FileNotFoundException e) {
            throw new Changed(path + " changed while it was read");
        }
        if (!sha256(b, 0, b.length).equals(block.hash())) {
            throw new Changed(path + " changed while it was read");
        }
        return b;
    }

    @Override
    public synchronized void put(String path, Entry base, Entry target, List<Block> blocks, Set<String> lacking, BlockSource carried)
            throws IOException {
        requireOpen();
        Path file = resolve(path);
        Map<String, Long> written = new HashMap<>();
        Path tmp = sync.resolve("tmp-" + UUID.randomUUID());
        try {
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
                long pos = 0;
                for (Block b : blocks) {
                    if (b.offset() != pos) {
                        throw new ZosException(ErrorCode.PROTOCOL_ERROR, "block of " + path + " at " + b.offset() + ", expected " + pos, "");
                    }
                    byte[] data;
                    Long at = written.get(b.hash());
                    if (at != null) {
                        data = new byte[b.length()];
                        out.read(ByteBuffer.wrap(data), at);
                    } else if (lacking.contains(b.hash())) {
                        data = carried.get(b);
                        if (data.length != b.length() || !sha256(data, 0, data.length).equals(b.hash())) {
                            throw new Changed("a block of " + path + " did not match its hash");
                        }
                    } else {
                        data = local(here(), b);
                    }
                    ByteBuffer buf = ByteBuffer.wrap(data);
                    while (buf.hasRemaining()) {
                        out.write(buf, pos + buf.position());
                    }
                    written.putIfAbsent(b.hash(), pos);
                    pos += b.length();
                }
                if (pos != target.size() || !digest(pos, blocks).equals(target.digest())) {
                    throw new ZosException(ErrorCode.INTEGRITY_ERROR, "the blocks of " + path + " do not make the file announced", "");
                }
                out.force(true);
            }
            Files.setLastModifiedTime(tmp, FileTime.fromMillis(target.mtime()));
            setExecutable(tmp, target.executable());
            requireStill(path, file, base);
            Files.createDirectories(file.getParent());
            move(tmp, file);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            if (e instanceof IOException io && noSpace(io)) {
                throw new ZosException(ErrorCode.NO_SPACE, "no space left for " + path + " in " + root + " (" + name + ")",
                        "free space there; both copies are kept as they are and the sync goes on when there is room");
            }
            throw e;
        }
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        setKnown(path, new Known(a.size(), a.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS),
                String.valueOf(a.fileKey()), target.executable(), target.digest(), List.copyOf(blocks)));
        indexDirty = true;
    }

    /** Where each block this replica holds is: hash to (path, block). */
    private Map<String, List<Map.Entry<String, Block>>> here() {
        if (here == null) {
            here = new HashMap<>();
            known.forEach(this::index);
        }
        return here;
    }

    /** Records what is known of a file, and keeps {@link #here} in step. */
    private void setKnown(String path, Known k) {
        unindex(path, known.put(path, k));
        index(path, k);
    }

    /** Forgets a file; true if it was known. */
    private boolean forget(String path) {
        Known was = known.remove(path);
        unindex(path, was);
        return was != null;
    }

    private void index(String path, Known k) {
        if (here != null) {
            for (Block b : k.blocks()) {
                here.computeIfAbsent(b.hash(), h -> new ArrayList<>(1)).add(Map.entry(path, b));
            }
        }
    }

    private void unindex(String path, Known was) {
        if (here != null && was != null) {
            for (Block b : was.blocks()) {
                List<Map.Entry<String, Block>> at = here.get(b.hash());
                if (at != null && at.removeIf(e -> e.getKey().equals(path)) && at.isEmpty()) {
                    here.remove(b.hash());
                }
            }
        }
    }

    /** A block this replica holds in one of its files, checked. */
    private byte[] local(Map<String, List<Map.Entry<String, Block>>> here, Block wanted) throws IOException {
        for (Map.Entry<String, Block> at : here.getOrDefault(wanted.hash(), List.of())) {
            try {
                return read(at.getKey(), at.getValue());
            } catch (Changed c) {
                // that file changed: try another
            }
        }
        throw new Changed("block " + wanted.hash() + " is no longer here");
    }

    @Override
    public synchronized void delete(String path, Entry base) throws IOException {
        requireOpen();
        Path file = resolve(path);
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            forget(path);
            return;
        }
        requireStill(path, file, base);
        try {
            Files.delete(file);
        } catch (DirectoryNotEmptyException e) {
            throw new Changed(path + " is not empty");
        }
        if (forget(path)) {
            indexDirty = true;
        }
    }

    @Override
    public synchronized void mkdir(String path) throws IOException {
        requireOpen();
        Path dir = resolve(path);
        if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new Changed(path + " is a file here");
        }
        Files.createDirectories(dir);
    }

    @Override
    public synchronized void close() throws IOException {
        if (!closed) {
            closed = true;
            saveIndex();
        }
    }

    /**
     * Refuses a change once the replica is closed. Every change holds the replica's lock, so when
     * {@link #close()} returns none is under way and none starts: the share's folder may then be removed
     * without a sync writing into it at the same time.
     */
    private void requireOpen() throws IOException {
        if (closed) {
            throw new IOException("the share of " + root + " has ended");
        }
    }

    /** Refuses with {@link Changed} unless the path still holds {@code base} (null: nothing). */
    private void requireStill(String path, Path file, Entry base) throws IOException {
        Entry now;
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (a.isDirectory()) {
                now = Entry.dir(path);
            } else if (a.isRegularFile()) {
                Known k = know(path, file, a);
                now = new Entry(path, Entry.Kind.FILE, k.size(), 0, k.executable(), k.digest());
            } else {
                throw new Changed(path + " is not a regular file here");
            }
        } catch (NoSuchFileException e) {
            now = null;
        }
        if (!Entry.same(now, base)) {
            throw new Changed(path + " changed meanwhile");
        }
    }

    /** The file of a relative path, refused if it leaves the folder or is left out of the sync. */
    private Path resolve(String path) {
        if (path.isEmpty() || path.startsWith("/") || path.contains("\\") || path.contains("\0")) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "bad path '" + path + "'", "");
        }
        for (String part : path.split("/", -1)) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                throw new ZosException(ErrorCode.BAD_PARAMETER, "bad path '" + path + "'", "");
            }
        }
        if (filter.excluded(path)) {
            throw new ZosException(ErrorCode.DENIED, path + " is never synced from " + name, "");
        }
        Path p = root.resolve(path);
        for (Path q = p.getParent(); q != null && !q.equals(root); q = q.getParent()) {
            if (Files.isSymbolicLink(q)) {
                throw new ZosException(ErrorCode.BAD_PARAMETER, path + " goes through a symbolic link", "");
            }
        }
        return p;
    }

    private String relative(Path p) {
        return root.relativize(p).toString().replace(java.io.File.separatorChar, '/');
    }

    private void saveIndex() throws IOException {
        if (indexDirty) {
            writeAtomically(sync.resolve("index.json"), JSON.writeValueAsBytes(known));
            indexDirty = false;
        }
    }

    private void writeAtomically(Path f, byte[] bytes) throws IOException {
        Path tmp = sync.resolve("tmp-" + UUID.randomUUID());
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(bytes));
            ch.force(true);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        move(tmp, f);
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void setExecutable(Path f, boolean exec) throws IOException {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(f);
            if (exec) {
                perms.add(PosixFilePermission.OWNER_EXECUTE);
                perms.add(PosixFilePermission.GROUP_EXECUTE);
            } else {
                perms.remove(PosixFilePermission.OWNER_EXECUTE);
                perms.remove(PosixFilePermission.GROUP_EXECUTE);
                perms.remove(PosixFilePermission.OTHERS_EXECUTE);
            }
            Files.setPosixFilePermissions(f, perms);
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system: no executable bit to keep
        }
    }

    static boolean noSpace(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && (t.getMessage().contains("No space left") || t.getMessage().contains("Disk quota exceeded"))) {
                return true;
            }
        }
        return false;
    }

    static String sha256(byte[] b, int off, int len) {
        MessageDigest md = sha256();
        md.update(b, off, len);
        return HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
