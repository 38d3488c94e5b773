package org.zos.agent.anima;

import org.zos.store.Durable;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/**
 * The animas this host holds: one directory each under {@code animas/}, with its {@link AnimaRecord}.
 * Records are written to a temporary file, synced, then renamed over the old one, so a crash leaves
 * either the old record or the new one, never a torn one.
 */
public final class AnimaRegistry {
    /** The JSON form zos writes, on disk and for users: indented, dates as ISO-8601 text. */
    public static final ObjectMapper JSON = JsonMapper.builder().findAndAddModules().build()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private final Path root;

    public AnimaRegistry(Path stateRoot) {
        this.root = stateRoot;
    }

    public Path stateRoot() {
        return root;
    }

    public AnimaPaths paths(String name) {
        return AnimaPaths.of(root, name);
    }

    public Optional<AnimaRecord> find(String name) {
        Path file = paths(name).record();
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(file.toFile(), AnimaRecord.class));
        } catch (IOException e) {
            throw new ZosException(ErrorCode.INTEGRITY_ERROR, "the record of anima '" + name + "' (" + file
                    + ") cannot be read: " + e.getMessage(), "restore it from a backup or remove the anima", e);
        }
    }

    /** The record of an anima, or ANIMA_NOT_FOUND. */
    public AnimaRecord get(String name) {
        return find(name).orElseThrow(() -> new ZosException(ErrorCode.ANIMA_NOT_FOUND,
                "no anima named '" + name + "' on this host", "list animas with 'zos-vm status'"));
    }

    public void save(AnimaRecord record) {
        Path file = paths(record.name()).record();
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Durable.write(tmp, file, JSON.writeValueAsBytes(record));
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + file, e);
        }
    }

    /** Names of all animas on this host, sorted. */
    public List<String> names() {
        Path animas = root.resolve("animas");
        if (!Files.isDirectory(animas)) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(animas)) {
            List<String> names = new ArrayList<>();
            dirs.filter(d -> Files.exists(d.resolve("anima.json"))).forEach(d -> names.add(d.getFileName().toString()));
            names.sort(null);
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException("listing " + animas, e);
        }
    }
}
