package org.zos.store.pack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * Where one anima's packs, indexes and temp files live:
 * {@code packs/<first 2 hex digits>/<pack id>.pack}, {@code index/<pack id>.idx}, {@code tmp/}.
 * A pack id is 16 random bytes in lower-case hex.
 */
public record PackFiles(Path packs, Path index, Path tmp) {
    private static final SecureRandom RANDOM = new SecureRandom();

    public static String newPackId() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    public static boolean isPackId(String s) {
        return s.length() == 32 && s.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    }

    public Path pack(String id) {
        return packs.resolve(id.substring(0, 2)).resolve(id + ".pack");
    }

    public Path indexOf(String id) {
        return index.resolve(id + ".idx");
    }

    public Path temp(String name) {
        return tmp.resolve(name);
    }

    public void create() throws IOException {
        Files.createDirectories(packs);
        Files.createDirectories(index);
        Files.createDirectories(tmp);
    }

    /** The ids of all packs on disk, whether indexed or not. */
    public List<String> packIds() throws IOException {
        List<String> ids = new ArrayList<>();
        if (!Files.isDirectory(packs)) {
            return ids;
        }
        try (Stream<Path> s = Files.walk(packs, 2)) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".pack"))
                    .map(n -> n.substring(0, n.length() - 5)).filter(PackFiles::isPackId).sorted().forEach(ids::add);
        }
        return ids;
    }

    /** The ids of all packs that have an index file. */
    public List<String> indexedIds() throws IOException {
        List<String> ids = new ArrayList<>();
        if (!Files.isDirectory(index)) {
            return ids;
        }
        try (Stream<Path> s = Files.list(index)) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".idx"))
                    .map(n -> n.substring(0, n.length() - 4)).filter(PackFiles::isPackId).sorted().forEach(ids::add);
        }
        return ids;
    }
}
