package org.zos.guest;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * The jars the guest agent runs from, found where this process loaded them: guest-tools (the agent),
 * protocol (guest channel v1), image-store (folder sync) and Jackson. Nothing else of zos goes into the guest.
 */
final class AgentJars {
    private static final List<Class<?>> ROOTS = List.of(org.zos.guest.agent.GuestAgent.class,
            org.zos.protocol.guest.GuestFrame.class, org.zos.store.folder.LocalReplica.class, com.fasterxml.jackson.databind.ObjectMapper.class,
            com.fasterxml.jackson.core.JsonParser.class, com.fasterxml.jackson.annotation.JsonProperty.class);

    private AgentJars() {
    }

    /** Copies the jars into {@code dir}; a class directory (a build's target/classes) is packed into a jar. */
    static void collect(Path dir) throws IOException {
        for (Class<?> c : ROOTS) {
            Path source;
            try {
                source = Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
            } catch (URISyntaxException | NullPointerException e) {
                throw new IOException("cannot find where " + c.getName() + " was loaded from", e);
            }
            if (Files.isDirectory(source)) {
                pack(source, dir.resolve(c.getPackageName().replace('.', '-') + ".jar"));
            } else {
                Files.copy(source, dir.resolve(source.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /** A jar of a directory with sorted entries and fixed times: equal classes, equal bytes. */
    private static void pack(Path classes, Path jar) throws IOException {
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out);
                Stream<Path> files = Files.walk(classes)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
                JarEntry e = new JarEntry(classes.relativize(f).toString().replace('\\', '/'));
                e.setLastModifiedTime(FileTime.fromMillis(0));
                j.putNextEntry(e);
                Files.copy(f, j);
                j.closeEntry();
            }
        }
    }
}
