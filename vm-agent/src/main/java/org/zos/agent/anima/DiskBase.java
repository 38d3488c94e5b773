package org.zos.agent.anima;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import org.zos.store.manifest.Manifest;
import org.zos.store.Durable;

/**
 * What an anima's disk file is, for as long as nothing writes it: generation {@code generation} of its
 * "disk" image, of manifest digest {@code digest} (two manifests with equal digests describe the same
 * bytes). Written where the disk is exactly that generation and nothing writes it while the anima is away
 * from it or runs on an overlay over it: at home once a live domination took the anima away (the disk as it
 * was sent), and on the visited host once the anima runs there on the overlay its live migration made over
 * the disk it received. A live return whose two ends hold the same base sends no disk ahead: its migration
 * copies the visitor's overlay over the disk home kept.
 *
 * <p>It holds only while the file is the one it was written for, unwritten since: same file (inode), size
 * and modification time. Anything that writes the disk (a fold of the overlay, a boot without it, a
 * received disk put in its place) ends it, whether or not it remembers to {@link #drop} it.
 */
public record DiskBase(long generation, String digest, String file, long size, long modifiedNanos) {
    private static final Logger LOG = Logger.getLogger(DiskBase.class.getName());
    /** The file in the anima's directory. */
    static final String NAME = "disk.base";
    /**
     * The file of the same record for the disk stored ahead while the anima ran at home (its generation and
     * digest are of the store's {@code disk.ahead} image; written only if nothing wrote the disk while it
     * was read): a move that finds it still holding takes that generation as the disk's, reading nothing.
     */
    public static final String AHEAD = "disk.ahead";
    private static final String HEADER = "zos-disk-base 1";

    /** The base {@code disk} is now, as generation {@code m} of the disk image. */
    public static DiskBase of(Manifest m, Path disk) throws IOException {
        BasicFileAttributes a = Files.readAttributes(disk, BasicFileAttributes.class);
        if (m.length() != a.size()) {
            throw new IOException(disk + " is " + a.size() + " bytes, not the " + m.length() + " of " + m.label());
        }
        return new DiskBase(m.generation(), m.digestHex(), String.valueOf(a.fileKey()), a.size(),
                a.lastModifiedTime().to(TimeUnit.NANOSECONDS));
    }

    /** How a move names it (a move-offer's {@code diskBase}): generation and manifest digest. */
    public String claim() {
        return generation + ":" + digest;
    }

    /** Records it for the anima of {@code paths} (durably: it outlives a restart of the agent). */
    public void save(AnimaPaths paths) throws IOException {
        save(paths, NAME);
    }

    /** As {@link #save(AnimaPaths)}, as the record {@code name} ({@link #NAME} or {@link #AHEAD}). */
    public void save(AnimaPaths paths, String name) throws IOException {
        Path f = paths.dir().resolve(name);
        Path tmp = f.resolveSibling(name + ".tmp");
        Files.writeString(tmp, String.join("\n", HEADER, "generation " + generation, "digest " + digest, "file " + file,
                "size " + size, "modified " + modifiedNanos, ""), StandardCharsets.US_ASCII);
        Durable.commit(tmp, f);
    }

    /** The base recorded for the anima of {@code paths}, if there is one and its disk is still that file, unwritten. */
    public static Optional<DiskBase> read(AnimaPaths paths) {
        return read(paths, NAME);
    }

    /** As {@link #read(AnimaPaths)}, the record {@code name} ({@link #NAME} or {@link #AHEAD}). */
    public static Optional<DiskBase> read(AnimaPaths paths, String name) {
        Path f = paths.dir().resolve(name);
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        try {
            java.util.Map<String, String> v = new java.util.HashMap<>();
            java.util.List<String> lines = Files.readAllLines(f, StandardCharsets.US_ASCII);
            if (lines.isEmpty() || !lines.get(0).equals(HEADER)) {
                throw new IOException("not a disk base record");
            }
            for (String line : lines.subList(1, lines.size())) {
                int sp = line.indexOf(' ');
                if (sp > 0) {
                    v.put(line.substring(0, sp), line.substring(sp + 1));
                }
            }
            DiskBase recorded = new DiskBase(Long.parseLong(v.get("generation")), v.get("digest"), v.get("file"),
                    Long.parseLong(v.get("size")), Long.parseLong(v.get("modified")));
            Path disk = paths.disk();
            if (!Files.exists(disk)) {
                return Optional.empty();
            }
            BasicFileAttributes a = Files.readAttributes(disk, BasicFileAttributes.class);
            if (!recorded.sameFile(a)) {
                LOG.info("the disk of " + paths.dir().getFileName() + " was written since it was generation " + recorded.generation
                        + ": its base record no longer holds");
                return Optional.empty();
            }
            return Optional.of(recorded);
        } catch (IOException | RuntimeException e) {
            LOG.warning("the disk base record " + f + " is unreadable (" + e.getMessage() + "); ignored");
            return Optional.empty();
        }
    }

    /** Forgets the base of the anima of {@code paths}: its disk is about to be written. */
    public static void drop(AnimaPaths paths) throws IOException {
        drop(paths, NAME);
    }

    /** As {@link #drop(AnimaPaths)}, the record {@code name}. */
    public static void drop(AnimaPaths paths, String name) throws IOException {
        Files.deleteIfExists(paths.dir().resolve(name));
    }

    /** Whether the file of attributes {@code a} is the one this record is of, as it was (same file, size, modification time). */
    public boolean sameFile(BasicFileAttributes a) {
        return String.valueOf(a.fileKey()).equals(file) && a.size() == size && a.lastModifiedTime().to(TimeUnit.NANOSECONDS) == modifiedNanos;
    }
}
