package org.zos.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.reflect.Constructor;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jars that go into the guest are enough for what the guest agent does with them: a folder replica
 * scans a folder (which chunks its files) from those jars alone, as in the guest, where nothing else of
 * the host's class path exists (JNA, zstd, Netty).
 */
class AgentJarsTest {
    @TempDir
    Path dir;

    @Test
    void aReplicaScansAFolderWithOnlyTheGuestsJars() throws Exception {
        Path lib = Files.createDirectory(dir.resolve("lib"));
        AgentJars.collect(lib);
        Path folder = Files.createDirectories(dir.resolve("data"));
        byte[] text = new byte[300_000];
        for (int i = 0; i < text.length; i++) {
            text[i] = (byte) ("the anima's notes " + i).charAt(i % 10);
        }
        Files.write(folder.resolve("notes.txt"), text);
        Files.write(folder.resolve("empty.img"), new byte[200_000]);

        List<URL> urls;
        try (Stream<Path> jars = Files.list(lib)) {
            urls = jars.map(p -> {
                try {
                    return p.toUri().toURL();
                } catch (java.net.MalformedURLException e) {
                    throw new IllegalStateException(e);
                }
            }).toList();
        }
        try (URLClassLoader guest = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader())) {
            assertThrows(ClassNotFoundException.class, () -> guest.loadClass("com.sun.jna.Native"),
                    "the guest's jars hold no JNA: this test proves nothing if they do");
            Class<?> filter = guest.loadClass("org.zos.store.folder.PathFilter");
            Class<?> replica = guest.loadClass("org.zos.store.folder.LocalReplica");
            Constructor<?> make = replica.getConstructor(Path.class, String.class, filter);
            Object r = make.newInstance(folder, "data", filter.getField("NONE").get(null));
            try {
                Object scan = replica.getMethod("scan", long.class).invoke(r, 0L);
                String seen = scan.toString();
                assertEquals(true, seen.contains("notes.txt") && seen.contains("empty.img"), "the scan names both files: " + seen);
            } finally {
                replica.getMethod("close").invoke(r);
            }
        }
    }
}
