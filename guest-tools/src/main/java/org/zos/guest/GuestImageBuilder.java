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
 * Builds the guests from Debian packages with the bundled scripts ({@code build-guest.sh} for the mini
 * guest, {@code build-desktop.sh} for the desktop guest), or finds them in the cache. The scripts key their
 * output by a digest of all inputs, so calling {@link #build} again is cheap (a cache lookup, about a
 * second) and gives the same files.
 */
public final class GuestImageBuilder {
    private static final String SCRIPT = "build-guest.sh";
    private static final String INIT = "guest-init.sh";
    private static final String DESKTOP_SCRIPT = "build-desktop.sh";

    private final Path cacheRoot;
    private final Path prebuilt;
    private final Path prebuiltDesktop;

    /** @param cacheRoot where built images and downloaded packages are kept, e.g. /var/lib/zos/guest */
    public GuestImageBuilder(Path cacheRoot) {
        this(cacheRoot, null, null);
    }

    private GuestImageBuilder(Path cacheRoot, Path prebuilt, Path prebuiltDesktop) {
        this.cacheRoot = cacheRoot;
        this.prebuilt = prebuilt;
        this.prebuiltDesktop = prebuiltDesktop;
    }

    /**
     * A builder that builds nothing and always returns the guests already built in {@code mini} and
     * {@code desktop} (directories holding guest.properties; desktop may be null): for hosts without the
     * build tools, such as cluster containers.
     */
    public static GuestImageBuilder prebuilt(Path mini, Path desktop) {
        return new GuestImageBuilder(null, mini, desktop);
    }

    /** The mini guest, built first if the cache does not hold it. */
    public GuestImage build() {
        return build(GuestImage.Kind.MINI);
    }

    /**
     * Returns a guest, building it first if the cache does not hold it.
     *
     * @throws ZosException INTERNAL when the build fails, with the script's own error line
     */
    public GuestImage build(GuestImage.Kind kind) {
        if (cacheRoot == null) {
            Path dir = kind == GuestImage.Kind.MINI ? prebuilt : prebuiltDesktop;
            try {
                if (dir == null) {
                    throw new IOException("this host was given none");
                }
                return load(dir);
            } catch (IOException e) {
                throw new ZosException(ErrorCode.INTERNAL, "no " + kind.id() + " guest in " + dir + ": " + e.getMessage(),
                        "give the directory of a built guest (the one holding guest.properties)");
            }
        }
        try {
            Files.createDirectories(cacheRoot);
            Path scripts = Files.createTempDirectory("zos-guest-build");
            try {
                List<String> command;
                if (kind == GuestImage.Kind.MINI) {
                    command = List.of("bash", extract(SCRIPT, scripts).toString(), cacheRoot.toString(),
                            extract(INIT, scripts).toString());
                } else {
                    Path lib = Files.createDirectory(scripts.resolve("lib"));
                    AgentJars.collect(lib);
                    command = List.of("bash", extract(DESKTOP_SCRIPT, scripts).toString(), cacheRoot.toString(), lib.toString());
                }
                Process process = new ProcessBuilder(command)
                        .redirectError(ProcessBuilder.Redirect.INHERIT)
                        .start();
                String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                int status = process.waitFor();
                if (status != 0 || out.isEmpty()) {
                    throw new ZosException(ErrorCode.INTERNAL, "building the " + kind.id() + " guest failed (status "
                            + status + ")", "see the error above; 'scripts/setup-host' installs what the build needs");
                }
                return load(Path.of(out.substring(out.lastIndexOf('\n') + 1)));
            } finally {
                try (var files = Files.walk(scripts)) {
                    for (Path f : (Iterable<Path>) files.sorted(java.util.Comparator.reverseOrder())::iterator) {
                        Files.deleteIfExists(f);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("building the " + kind.id() + " guest in " + cacheRoot, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ZosException(ErrorCode.INTERNAL, "interrupted while building the " + kind.id() + " guest", "");
        }
    }

    /**
     * A guest built here already whose key is {@code key}, without building anything (the guests given to a
     * prebuilt builder, or those in the cache); empty if there is none.
     */
    public java.util.Optional<GuestImage> find(String key) {
        List<Path> dirs = new java.util.ArrayList<>();
        if (cacheRoot == null) {
            if (prebuilt != null) {
                dirs.add(prebuilt);
            }
            if (prebuiltDesktop != null) {
                dirs.add(prebuiltDesktop);
            }
        } else if (Files.isDirectory(cacheRoot)) {
            try (var found = Files.find(cacheRoot, 2, (p, a) -> p.getFileName().toString().equals("guest.properties"))) {
                found.forEach(p -> dirs.add(p.getParent()));
            } catch (IOException | UncheckedIOException e) {
                return java.util.Optional.empty();
            }
        }
        for (Path dir : dirs) {
            try {
                GuestImage g = load(dir);
                if (key != null && key.equals(g.key()) && Files.isRegularFile(g.kernel()) && Files.isRegularFile(g.initrd())) {
                    return java.util.Optional.of(g);
                }
            } catch (IOException e) {
                // not a built guest after all
            }
        }
        return java.util.Optional.empty();
    }

    /** Reads a built guest from its directory (the one holding guest.properties). */
    public static GuestImage load(Path dir) throws IOException {
        Properties props = new Properties();
        try (InputStream in = Files.newInputStream(dir.resolve("guest.properties"))) {
            props.load(in);
        }
        boolean desktop = "desktop".equals(props.getProperty("kind"));
        return new GuestImage(desktop ? GuestImage.Kind.DESKTOP : GuestImage.Kind.MINI, props.getProperty("key"),
                dir.resolve("vmlinuz"), dir.resolve("initrd.img"), props.getProperty("kernel.package"),
                desktop ? dir.resolve("rootfs.qcow2") : null, props.getProperty("cmdline", GuestImage.MINI_CMDLINE));
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
