package org.zos.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.zos.store.crypto.MasterKey;
import org.zos.store.manifest.Manifest;

/** Real processes against one store: killed writers, and writers racing each other and gc. */
class StoreProcessesIT {
    @TempDir
    Path tmp;

    static Process writer(Path store, String image, long first, int count) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), IngestLoop.class.getName(),
                store.toString(), image, Long.toString(first), Integer.toString(count))
                .redirectOutput(store.resolveSibling("writer-" + first + ".out").toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    /** The commits a writer announced, once it has ended. */
    static List<String> commits(Process p, Path store, long first) throws Exception {
        p.waitFor();
        return Files.readAllLines(store.resolveSibling("writer-" + first + ".out"));
    }

    /** Every manifest opens and materializes, and check --read-data finds nothing. */
    static int assertConsistent(Store store, Path scratch) throws Exception {
        try (AnimaStore s = store.open("work", new byte[32])) {
            List<Manifest> all = s.manifests();
            for (Manifest m : all) {
                s.materialize(m, scratch.resolve("out"), new WorkMeter());
                assertEquals(m.length(), Files.size(scratch.resolve("out")));
            }
            CheckReport r = s.check(true, 1, new WorkMeter());
            assertTrue(r.ok(), r.problems().toString());
            return all.size();
        }
    }

    @Test
    void aWriterKilledAtAnyMomentLeavesAStoreThatGcRepairs() throws Exception {
        Path dir = tmp.resolve("store");
        Store store = Store.open(dir);
        store.create("work", MasterKey.generate(), new byte[32]).close();
        Random random = new Random(42);
        int announced = 0;
        int repaired = 0;
        for (int round = 0; round < 6; round++) {
            Process p = writer(dir, "memory", round * 100L, 50);
            Thread.sleep(300 + random.nextInt(1500));
            p.destroyForcibly();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            announced += commits(p, dir, round * 100L).size();
            try (AnimaStore s = store.open("work", new byte[32])) {
                CheckReport structure = s.check(false, 1, new WorkMeter());
                assertTrue(structure.problems().stream().allMatch(x -> x.contains("has no index")), structure.problems().toString());
                GcReport gc = s.gc(0);
                repaired += gc.repaired().size();
                assertTrue(s.check(false, 1, new WorkMeter()).ok(), gc.toString());
            }
        }
        assertTrue(repaired > 0, "the writers were killed mid-ingest, leaving work for recovery");
        int manifests = assertConsistent(store, tmp);
        assertTrue(manifests >= announced, manifests + " manifests, " + announced + " commits announced");
        try (var s = Files.list(dir.resolve("animas/work/tmp"))) {
            assertEquals(0, s.count(), "gc removed the killed writers' temp files");
        }
    }

    @Test
    void twoWritersAndGcShareOneStore() throws Exception {
        Path dir = tmp.resolve("store");
        Store store = Store.open(dir);
        store.create("work", MasterKey.generate(), new byte[32]).close();
        Process a = writer(dir, "disk", 1000, 6);
        Process b = writer(dir, "disk", 2000, 6);
        Thread.sleep(1500);
        GcReport gc;
        try (AnimaStore s = store.open("work", new byte[32])) {
            gc = s.gc(3);
        }
        List<String> fromA = commits(a, dir, 1000);
        List<String> fromB = commits(b, dir, 2000);
        assertEquals(0, a.waitFor());
        assertEquals(0, b.waitFor());
        assertEquals(6, fromA.size());
        assertEquals(6, fromB.size());
        int manifests = assertConsistent(store, tmp);
        assertEquals(12 - gc.generationsRemoved(), manifests);
    }
}
