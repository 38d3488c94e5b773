package org.zos.agent.move;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.zos.store.Durable;

/**
 * The key-encryption key of each visit. The home makes one per visit and keeps it in
 * {@code keys/visits/<anima>.kek} (0600) until the anima is back; the visited host keeps the anima's key
 * only wrapped under it, and the kek itself in memory only, so a visited host that restarts cannot read
 * the visitor any more.
 */
final class VisitKeys {
    private final Path dir;
    private final Map<String, byte[]> held = new ConcurrentHashMap<>();

    VisitKeys(Path stateDir) {
        this.dir = stateDir.resolve("keys").resolve("visits");
    }

    /** At home: a new kek for a visit of {@code anima}, kept on disk (synced) before it is used. */
    byte[] create(String anima) throws IOException {
        byte[] kek = new byte[32];
        new SecureRandom().nextBytes(kek);
        Path file = file(anima);
        Files.createDirectories(dir);
        Path tmp = file.resolveSibling(anima + ".kek.tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Durable.write(tmp, file, kek);
        return kek;
    }

    /** At home: the kek of the visit under way. */
    byte[] read(String anima) throws IOException {
        return Files.readAllBytes(file(anima));
    }

    /** At home: the anima is back; its visit kek is no longer needed. */
    void delete(String anima) throws IOException {
        Files.deleteIfExists(file(anima));
    }

    /** On the visited host: keeps the kek of a visitor in memory. */
    void remember(String anima, byte[] kek) {
        held.put(anima, kek.clone());
    }

    /** On the visited host: the visitor's kek, or null if this agent does not hold it (it restarted). */
    byte[] get(String anima) {
        return held.get(anima);
    }

    /** On the visited host: destroys the visitor's kek. */
    void forget(String anima) {
        byte[] k = held.remove(anima);
        if (k != null) {
            Arrays.fill(k, (byte) 0);
        }
    }

    private Path file(String anima) {
        return dir.resolve(anima + ".kek");
    }
}
