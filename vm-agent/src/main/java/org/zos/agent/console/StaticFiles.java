package org.zos.agent.console;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The page, its script and style, and noVNC, from the agent's jar (under
 * {@code org/zos/agent/console/static/}). A path is served only if it is plain (letters, digits, "-", "_",
 * ".", "/"; no "..", no hidden files) and has a known type; each file is read once and kept.
 */
final class StaticFiles {
    private static final String ROOT = "org/zos/agent/console/static/";
    private static final Map<String, String> TYPES = Map.of("html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8", "svg", "image/svg+xml",
            "png", "image/png", "txt", "text/plain; charset=utf-8");

    record File(byte[] bytes, String type) {
    }

    private final Map<String, Optional<File>> cache = new ConcurrentHashMap<>();

    /** The file at {@code path} (relative to the static root), if there is one to serve. */
    Optional<File> get(String path) {
        if (!path.matches("[A-Za-z0-9_./-]{1,200}") || path.contains("..") || path.contains("/.") || path.startsWith(".")
                || path.contains("//")) {
            return Optional.empty();
        }
        String ext = path.substring(path.lastIndexOf('.') + 1);
        String type = TYPES.get(ext);
        if (type == null) {
            return Optional.empty();
        }
        return cache.computeIfAbsent(path, p -> {
            try (InputStream in = StaticFiles.class.getClassLoader().getResourceAsStream(ROOT + p)) {
                return in == null ? Optional.empty() : Optional.of(new File(in.readAllBytes(), type));
            } catch (IOException e) {
                return Optional.empty();
            }
        });
    }
}
