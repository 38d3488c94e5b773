package org.zos.store.manifest;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.zos.store.Durable;

/**
 * Where manifests live: {@code manifests/<image>/<generation, 20 decimal digits>.zm}. A generation is
 * never overwritten: it is committed with a hard link, which fails if the name exists, so two writers
 * cannot both claim one generation.
 */
public record ManifestFiles(Path dir) {

    public Path path(String image, long generation) {
        return dir.resolve(image).resolve(String.format("%020d.zm", generation));
    }

    public List<String> images() throws IOException {
        List<String> out = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().forEach(out::add);
            }
        }
        return out;
    }

    /** The generations of an image on disk, oldest first. */
    public List<Long> generations(String image) throws IOException {
        List<Long> out = new ArrayList<>();
        Path d = dir.resolve(image);
        if (Files.isDirectory(d)) {
            try (Stream<Path> s = Files.list(d)) {
                s.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d{20}\\.zm"))
                        .map(n -> Long.parseLong(n.substring(0, 20))).sorted().forEach(out::add);
            }
        }
        return out;
    }

    public long latest(String image) throws IOException {
        List<Long> g = generations(image);
        return g.isEmpty() ? 0 : g.get(g.size() - 1);
    }

    /**
     * Makes {@code tmp}, a fully written manifest file, generation {@code generation} of {@code image}.
     *
     * @return false if that generation exists already (nothing is changed then)
     */
    public boolean commit(Path tmp, String image, long generation) throws IOException {
        Path target = path(image, generation);
        Files.createDirectories(target.getParent());
        Durable.sync(tmp);
        try {
            Files.createLink(target, tmp);
        } catch (FileAlreadyExistsException e) {
            return false;
        } finally {
            Files.deleteIfExists(tmp);
        }
        Durable.syncDirectory(target.getParent());
        return true;
    }

    public void delete(String image, long generation) throws IOException {
        Files.deleteIfExists(path(image, generation));
        Path d = dir.resolve(image);
        try (Stream<Path> s = Files.list(d)) {
            if (s.findAny().isEmpty()) {
                Files.deleteIfExists(d);
            }
        }
    }
}
