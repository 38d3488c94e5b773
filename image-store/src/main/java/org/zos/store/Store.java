package org.zos.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.store.crypto.KeyFile;
import org.zos.store.crypto.MasterKey;

/**
 * A store directory: a {@code format} file ("zos-store 1") and one directory per anima under
 * {@code animas/}. Each anima's data is sealed under its own master key, which rests in the anima's
 * {@code key} file wrapped under the host's key-encryption key (KEK).
 */
public final class Store {
    public static final String FORMAT = "zos-store 1";
    /** The same names the wire takes: an anima is named alike in a store and in every message. */
    private static final Pattern ANIMA = org.zos.protocol.message.Bounds.ANIMA;

    private final Path root;

    private Store(Path root) {
        this.root = root;
    }

    /** Opens a store, creating it if the directory is empty or absent. */
    public static Store open(Path root) throws IOException {
        Files.createDirectories(root.resolve("animas"));
        Path format = root.resolve("format");
        if (!Files.exists(format)) {
            Durable.write(root.resolve("format.tmp"), format, (FORMAT + "\n").getBytes(StandardCharsets.US_ASCII));
        }
        String found = Files.readString(format, StandardCharsets.US_ASCII).trim();
        if (!found.equals(FORMAT)) {
            throw new ZosException(found.startsWith("zos-store ") ? ErrorCode.VERSION_MISMATCH : ErrorCode.BAD_PARAMETER,
                    "store " + root + " has format '" + found + "', this zos reads '" + FORMAT + "'",
                    found.startsWith("zos-store ") ? "use the zos version that wrote it" : "this is not a zos store");
        }
        return new Store(root);
    }

    public Path root() {
        return root;
    }

    public List<String> animas() throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(root.resolve("animas"))) {
            s.filter(p -> Files.exists(p.resolve("key"))).map(p -> p.getFileName().toString()).sorted().forEach(out::add);
        }
        return out;
    }

    /**
     * Removes what {@link #retire} left of an anima (sealed chunks without a key file).
     *
     * @return whether there was anything to remove
     */
    public boolean removeRetired(String anima) throws IOException {
        AnimaLayout layout = layout(anima);
        if (Files.exists(layout.key()) || !Files.isDirectory(layout.dir())) {
            return false;
        }
        try (java.util.stream.Stream<Path> files = Files.walk(layout.dir())) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
        return true;
    }

    /**
     * Crypto-erase that keeps the sealed chunks: destroys the anima's key file (overwritten, then deleted)
     * and its manifests, and leaves its packs and indexes, which nobody can open without the key. When
     * the key comes back ({@link #create} with the same key, on the anima's next visit) the chunks count as
     * held again, so the next visit sends only what is new. Needs no key, so a host that lost a visitor's
     * key (its agent restarted) still leaves nothing readable of it. Close the anima's store first.
     *
     * @return whether the store held the anima
     */
    public boolean retire(String anima) throws IOException {
        AnimaLayout layout = layout(anima);
        FinderCache.forget(layout.dir()); // and what is made of it ahead stops, letting go of the lock
        if (!Files.exists(layout.key())) {
            return false;
        }
        try (StoreLock lock = StoreLock.exclusive(layout.lock(), AnimaStore.LOCK_WAIT)) {
            KeyFile.destroy(layout.key());
            if (Files.isDirectory(layout.manifests().dir())) {
                try (Stream<Path> s = Files.walk(layout.manifests().dir())) {
                    for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                        if (!p.equals(layout.manifests().dir())) {
                            Files.delete(p);
                        }
                    }
                }
            }
        }
        return true;
    }

    /** Whether the store holds the anima (its key file). */
    public boolean holds(String anima) {
        return Files.exists(layout(anima).key());
    }

    /**
     * Starts the store of a new anima with {@code key}, kept wrapped under {@code kek}. Sealed chunks left
     * by {@link #retire} count as held again if {@code key} is the key they were sealed under
     * (they are checked whenever they are read, as every chunk is).
     */
    public AnimaStore create(String anima, MasterKey key, byte[] kek) throws IOException {
        AnimaLayout layout = layout(anima);
        if (Files.exists(layout.key())) {
            throw new ZosException(ErrorCode.ANIMA_EXISTS, "store " + root + " holds anima " + anima + " already",
                    "open it, or erase it first with 'zos-vm store erase " + anima + "'");
        }
        layout.create();
        Durable.write(layout.dir().resolve("key.tmp"), layout.key(), KeyFile.wrap(kek, anima, key));
        return new AnimaStore(layout, anima, key);
    }

    /** Opens an anima's store with its key file, unwrapped under {@code kek}. */
    public AnimaStore open(String anima, byte[] kek) throws IOException {
        AnimaLayout layout = layout(anima);
        if (!Files.exists(layout.key())) {
            throw new ZosException(ErrorCode.ANIMA_NOT_FOUND, "store " + root + " holds no anima " + anima,
                    "list what it holds with 'zos-vm store stats'");
        }
        MasterKey key = KeyFile.unwrap(kek, anima, Files.readAllBytes(layout.key()), layout.key());
        try {
            return new AnimaStore(layout, anima, key);
        } finally {
            key.destroy();
        }
    }

    /** An anima's master key, unwrapped under {@code kek}: for handing the anima to another host. */
    public MasterKey key(String anima, byte[] kek) throws IOException {
        AnimaLayout layout = layout(anima);
        if (!Files.exists(layout.key())) {
            throw new ZosException(ErrorCode.ANIMA_NOT_FOUND, "store " + root + " holds no anima " + anima,
                    "list what it holds with 'zos-vm store stats'");
        }
        return KeyFile.unwrap(kek, anima, Files.readAllBytes(layout.key()), layout.key());
    }

    /** A user's name as a key file names it: what a login name may be. */
    private static final Pattern USER = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,63}");
    private static final Object USER_KEYS = new Object();

    /** Whether {@link #userKey} keeps a key for {@code user} (a login name; not the empty name of a host's own requests). */
    public static boolean keepsKeyFor(String user) {
        return user != null && USER.matcher(user).matches();
    }

    /**
     * The key the animas {@code user} creates on this host share, so that their parcels in one remote share
     * their chunks (docs/parcel-format.md, "Pools"): {@code users/USER.key}, wrapped under {@code kek} with
     * "user:USER" as associated data (no anima's name has a colon), made on first use.
     */
    public MasterKey userKey(String user, byte[] kek) throws IOException {
        if (!keepsKeyFor(user)) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "'" + user + "' is not a user name a store keeps a key for",
                    "use letters, digits, '.', '_' and '-'");
        }
        Path file = root.resolve("users").resolve(user + ".key");
        String id = "user:" + user;
        synchronized (USER_KEYS) {
            if (!Files.exists(file)) {
                Files.createDirectories(file.getParent());
                MasterKey fresh = MasterKey.generate();
                try {
                    Durable.write(file.resolveSibling(user + ".key.tmp"), file, KeyFile.wrap(kek, id, fresh));
                } finally {
                    fresh.destroy();
                }
            }
            return KeyFile.unwrap(kek, id, Files.readAllBytes(file), file);
        }
    }

    /** Opens an anima's store, creating it with a new random key if it does not exist. */
    public AnimaStore openOrCreate(String anima, byte[] kek) throws IOException {
        return holds(anima) ? open(anima, kek) : create(anima, MasterKey.generate(), kek);
    }

    /**
     * The host's key-encryption key: 32 random bytes in {@code file} (mode 0600), made on first use.
     */
    public static byte[] hostKek(Path file) throws IOException {
        if (!Files.exists(file)) {
            Files.createDirectories(file.getParent());
            byte[] kek = new byte[32];
            new SecureRandom().nextBytes(kek);
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Durable.write(tmp, file, kek);
        }
        byte[] kek = Files.readAllBytes(file);
        if (kek.length != 32) {
            throw new ZosException(ErrorCode.INTEGRITY_ERROR, "key-encryption key " + file + " has " + kek.length
                    + " bytes, not 32", "restore it from a backup; without it this host's animas cannot be read");
        }
        return kek;
    }

    private AnimaLayout layout(String anima) {
        if (anima == null || !ANIMA.matcher(anima).matches()) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "'" + anima + "' is not a valid anima name",
                    "use letters, digits, '.', '_' and '-', starting with a letter or digit");
        }
        return new AnimaLayout(root.resolve("animas").resolve(anima));
    }
}
