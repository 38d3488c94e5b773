package org.zos.bench;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The bytes that really changed from one version of an image to the next, written out so their zstd size
 * can be measured: for two libvirt save images, the guest pages whose content differs at the same guest
 * address (or that are new); for two files of equal length, the 4 KiB blocks that differ in place.
 */
final class ChangedBytes {
    /** How the change was measured, how many bytes changed, and whether the files were memory images. */
    record Result(String method, long bytes, boolean memory) {
    }

    private ChangedBytes() {
    }

    /** Writes the changed bytes of {@code b} against {@code a} to {@code out}; null if they cannot be told. */
    static Result write(Path a, Path b, Path out) throws IOException {
        Map<String, String> before = new HashMap<>();
        if (SavedRam.pages(a, (where, page) -> before.put(where, digest(page)))) {
            Map<String, byte[]> changed = new HashMap<>();
            boolean ok = SavedRam.pages(b, (where, page) -> {
                if (!digest(page).equals(before.get(where))) {
                    changed.put(where, page);
                } else {
                    changed.remove(where);
                }
            });
            if (ok) {
                try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(out))) {
                    for (byte[] page : changed.values()) {
                        o.write(page);
                    }
                }
                return new Result("guest pages changed between the two saves", (long) changed.size() * SavedRam.PAGE, true);
            }
        }
        if (Files.size(a) != Files.size(b)) {
            return null;
        }
        long n = 0;
        try (InputStream ia = Files.newInputStream(a); InputStream ib = Files.newInputStream(b);
                OutputStream o = new BufferedOutputStream(Files.newOutputStream(out))) {
            byte[] x = new byte[SavedRam.PAGE];
            byte[] y = new byte[SavedRam.PAGE];
            int len;
            while ((len = ia.readNBytes(x, 0, x.length)) > 0) {
                ib.readNBytes(y, 0, len);
                if (!Arrays.equals(x, 0, len, y, 0, len)) {
                    o.write(y, 0, len);
                    n += len;
                }
            }
        }
        return new Result("4 KiB blocks that differ in place", n, false);
    }

    private static String digest(byte[] page) {
        try {
            return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(page));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
