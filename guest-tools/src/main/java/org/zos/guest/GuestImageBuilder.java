package org.zos.guest;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/**
 * Builds the default guest from Debian packages with the bundled {@code build-guest.sh}, or finds it in
 * the cache. The script keys its output by a digest of all inputs, so calling {@link #build()} again is
 * cheap (a cache lookup, well under a second) and gives the same files.
 */
public final class GuestImageBuilder {
    private static final String SCRIPT = "build-guest.sh";
    private static final String INIT = "guest-init.sh";

    private final Path cacheRoot;
    private final Path prebuilt;

    /** @param cacheRoot where built images and downloaded packages are kept, e.g. /var/lib/zos/guest */
    public GuestImageBuilder(Path cacheRoot) {
        this(cacheRoot, null);
    }

    private GuestImageBuilder(Path cacheRoot, Path prebuilt) {
        this.cacheRoot = cacheRoot;
        this.prebuilt = prebuilt;
    }

    /**
     * A builder that builds nothing and always returns the guest already built in {@code dir} (the
     * directory holding guest.properties): for hosts without the build tools, such as cluster containers.
     */
    public static GuestImageBuilder prebuilt(Path dir) {
        return new GuestImageBuilder(null, dir);
    }

    /**
     * Returns the default guest, building it first if the cache does not hold it.
     *
     * @throws ZosException INTERNAL when the build fails, with the script's own error line
     */
    public GuestImage build() {
        if (prebuilt != null) {
            try {
                return load(prebuilt);
            } catch (IOException e) {
                throw new ZosException(ErrorCode.INTERNAL, "no default guest in " + prebuilt + ": " + e.getMessage(),
                        "give the directory of a built guest (the one holding guest.properties)");
            }
        }
        try {
            Files.createDirectories(cacheRoot);
            Path scripts = Files.createTempDirectory("zos-guest-build");
            try {
                Path script = extract(SCRIPT, scripts);
                Path init = extract(INIT, scripts);
                Process process = new ProcessBuilder(List.of("bash", script.toString(), cacheRoot.toString(),
                        init.toString()))
                        .redirectError(ProcessBuilder.Redirect.INHERIT)
                        .start();
                String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                int status = process.waitFor();
                if (status != 0 || out.isEmpty()) {
                    throw new ZosException(ErrorCode.INTERNAL, "building the default guest failed (status "
                            + status + ")", "see the error above; 'scripts/setup-host' installs what the build needs");
                }
                return load(Path.of(out.substring(out.lastIndexOf('\n') + 1)));
            } finally {
                for (String name : List.of(SCRIPT, INIT)) {
                    Files.deleteIfExists(scripts.resolve(name));
                }
                Files.deleteIfExists(scripts);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("building the default guest in " + cacheRoot, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ZosException(ErrorCode.INTERNAL, "interrupted while building the default guest", "");
        }
    }

    /** Reads a built guest from its directory (the one holding guest.properties). */
    public static GuestImage load(Path dir) throws IOException {
        Properties props = new Properties();
        try (InputStream in = Files.newInputStream(dir.resolve("guest.properties"))) {
            props.load(in);
        }
        return new GuestImage(props.getProperty("key"), dir.resolve("vmlinuz"), dir.resolve("initrd.img"),
                props.getProperty("kernel.package"));
    }

    private static Path extract(String resource, Path dir) throws IOException {
        try (InputStream in = GuestImageBuilder.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("resource " + resource + " is missing from the guest-tools jar");
            }
            Path target = dir.resolve(resource);
            Files.copy(in, target);
            return target;
        }
    }
}
