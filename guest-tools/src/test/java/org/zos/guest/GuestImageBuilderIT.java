package org.zos.guest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Builds the default guest for real from Debian packages (needs apt sources; no daemon). */
class GuestImageBuilderIT {

    @Test
    void buildIsCachedAndReproducible(@TempDir Path first, @TempDir Path second) throws Exception {
        GuestImage a = new GuestImageBuilder(first).build();
        assertTrue(Files.size(a.kernel()) > 1_000_000, "kernel is a real kernel");
        assertTrue(Files.size(a.initrd()) > 500_000, "initrd holds busybox and the modules");
        assertTrue(a.kernelPackage().startsWith("linux-image-"), a.kernelPackage());

        long before = Files.getLastModifiedTime(a.initrd()).toMillis();
        GuestImage again = new GuestImageBuilder(first).build();
        assertEquals(a, again, "a second build of the same inputs is found in the cache");
        assertEquals(before, Files.getLastModifiedTime(again.initrd()).toMillis(), "and not rebuilt");

        // A build in another place from the same inputs gives the same bytes.
        Files.createDirectories(second.resolve("debs"));
        try (var debs = Files.list(first.resolve("debs"))) {
            for (Path deb : (Iterable<Path>) debs::iterator) {
                Files.copy(deb, second.resolve("debs").resolve(deb.getFileName()));
            }
        }
        GuestImage b = new GuestImageBuilder(second).build();
        assertEquals(a.key(), b.key());
        assertArrayEquals(Files.readAllBytes(a.initrd()), Files.readAllBytes(b.initrd()));
    }
}
