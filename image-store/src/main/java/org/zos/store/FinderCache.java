package org.zos.store;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.zos.store.manifest.ManifestEntry;

/**
 * The blocks by content ({@link PageFinder}) of the newest generation of an anima's images, made ahead of
 * their next ingest ({@link AnimaStore#prepareIngest}): an ingest that finds the one of the generation it
 * reads against takes it instead of opening every chunk of that generation while it reads (on a return or
 * a second domination, most of the reading's work). Only for the same entries, chunk by chunk: a store
 * retired and made again seals under another key. In memory only, the few most recently used; an anima's
 * are stopped and forgotten when it is retired.
 */
final class FinderCache {
    /** The most kept (one of a 250 MiB disk holds about 16 MB). */
    static final int MOST = 4;

    private record Key(Path dir, String image) {
    }

    /** A finder made, or being made, of {@code entries}; {@code stop} ends the making (then it fails). */
    record Entry(List<ManifestEntry> entries, CompletableFuture<PageFinder> finder, AtomicBoolean stop) {
        /** Whether it is the finder of {@code of}, made or being made (not stopped or failed). */
        boolean serves(List<ManifestEntry> of) {
            return entries.equals(of) && !finder.isCompletedExceptionally();
        }
    }

    private static final Map<Key, Entry> ENTRIES = new LinkedHashMap<>(8, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, Entry> eldest) {
            return size() > MOST; // one still being made goes on, for those that took it already
        }
    };

    private FinderCache() {
    }

    /** The finder of {@code entries} of the image in store directory {@code dir}, made or being made; null if none. */
    static synchronized CompletableFuture<PageFinder> get(Path dir, String image, List<ManifestEntry> entries) {
        Entry e = ENTRIES.get(new Key(dir, image));
        return e != null && e.serves(entries) ? e.finder() : null;
    }

    /** A new entry for the caller to make, in place of any of the image before; null if one of the same entries is there. */
    static synchronized Entry start(Path dir, String image, List<ManifestEntry> entries) {
        Key k = new Key(dir, image);
        Entry was = ENTRIES.get(k);
        if (was != null && was.serves(entries)) {
            return null;
        }
        Entry e = new Entry(List.copyOf(entries), new CompletableFuture<>(), new AtomicBoolean());
        ENTRIES.put(k, e);
        return e;
    }

    /** Forgets {@code e} (its making failed or was stopped), if it is still the image's. */
    static synchronized void remove(Path dir, String image, Entry e) {
        ENTRIES.remove(new Key(dir, image), e);
    }

    /** Stops and forgets every finder of the store directory {@code dir} (its anima is retired). */
    static synchronized void forget(Path dir) {
        ENTRIES.entrySet().removeIf(x -> {
            if (x.getKey().dir().equals(dir)) {
                x.getValue().stop().set(true);
                return true;
            }
            return false;
        });
    }

    /** How many are kept (for tests). */
    static synchronized int size() {
        return ENTRIES.size();
    }
}
