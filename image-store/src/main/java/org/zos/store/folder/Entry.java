package org.zos.store.folder;

import java.util.Objects;

/**
 * One path of a synced folder as a replica sees it. {@code path} is relative, '/'-separated, never empty,
 * never with "." or ".." parts. A file's {@code digest} is the SHA-256 of its block hashes and size (see
 * {@link LocalReplica#digest}), so equal digests mean equal bytes; a directory has none.
 */
public record Entry(String path, Kind kind, long size, long mtime, boolean executable, String digest) {

    public enum Kind { FILE, DIR }

    public Entry {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(kind, "kind");
        if (kind == Kind.FILE) {
            Objects.requireNonNull(digest, "digest of a file");
        }
    }

    public static Entry dir(String path) {
        return new Entry(path, Kind.DIR, 0, 0, false, null);
    }

    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean isDir() {
        return kind == Kind.DIR;
    }

    /** Same content: same kind, and for files the same bytes and executable bit (times do not count). */
    public static boolean same(Entry a, Entry b) {
        if (a == null || b == null) {
            return a == b;
        }
        return a.kind == b.kind && (a.kind == Kind.DIR || a.digest.equals(b.digest) && a.executable == b.executable);
    }
}
