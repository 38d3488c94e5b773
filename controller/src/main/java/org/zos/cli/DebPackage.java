package org.zos.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.zos.agent.anima.AnimaManager;
import org.zos.agent.daemon.ZosAgent;
import org.zos.protocol.Build;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import picocli.AutoComplete;
import picocli.CommandLine;

/**
 * The Debian package {@code zos_<version>_all.deb}, made from the jar this very zos-vm runs from and the
 * libraries beside it: a staging tree (the files below, their modes set here) packed by {@code dpkg-deb
 * --root-owner-group}, which every Debian system has.
 * <pre>
 * /usr/bin/zos-vm, /usr/bin/zos-agent              launchers (the command line with class-data sharing)
 * /usr/lib/zos/zos-vm.jar, /usr/lib/zos/lib/       the code
 * /lib/systemd/system/zos-agent.service            the service (Type=notify, hardened)
 * /etc/zos/agent.properties                        the settings, commented (a conffile)
 * /usr/share/man/man1/zos-vm*.1.gz, man8/zos-agent.8.gz   from the picocli model ({@link ManPages})
 * /usr/share/bash-completion/completions/zos-vm, /usr/share/zsh/vendor-completions/_zos-vm
 * /usr/share/doc/zos/                              README, docs/, copyright
 * </pre>
 */
final class DebPackage {
    private static final String RESOURCES = "/org/zos/packaging/";

    private DebPackage() {
    }

    /** The jar this zos-vm runs from, or an error saying it must be the built one. */
    static Path runningJar() {
        try {
            Path p = Path.of(ZosVm.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (Files.isRegularFile(p) && Files.isDirectory(p.resolveSibling("lib"))) {
                return p;
            }
        } catch (java.net.URISyntaxException | SecurityException e) {
            // fall through
        }
        throw new ZosException(ErrorCode.BAD_PARAMETER, "zos-vm runs from classes, not from its built jar",
                "build it ('mvn -DskipTests install') and run ./zos-vm package");
    }

    /**
     * The package's version, from the build: {@code 0.1.0-SNAPSHOT} built from commit {@code cb41711} of
     * 2026-12-02T06:49:53Z is {@code 0.1.0~snapshot+git20261202T064953.cb41711}, so later commits sort
     * later and a release (no {@code ~snapshot}) after all of its snapshots.
     */
    static String version() {
        String v = Build.version().replace("-SNAPSHOT", "~snapshot");
        if (Build.commit() == null) {
            return v;
        }
        return v + "+git" + Build.time().replaceAll("[-:Z]", "") + "." + Build.commit();
    }

    /** Builds the package into {@code dir}; returns its path. */
    static Path build(Path dir, String version) throws IOException, InterruptedException {
        if (!version.matches("[0-9][A-Za-z0-9.+~]*")) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "'" + version + "' is not a Debian version",
                    "use digits, letters and . + ~, starting with a digit (e.g. 0.2.0)");
        }
        Path jar = runningJar();
        Files.createDirectories(dir);
        Path stage = Files.createTempDirectory(dir, ".zos-deb-");
        try {
            Path root = stage.resolve("root");
            copy(jar, root.resolve("usr/lib/zos/zos-vm.jar"), "rw-r--r--");
            try (var libs = Files.list(jar.resolveSibling("lib"))) {
                for (Path l : (Iterable<Path>) libs.sorted()::iterator) {
                    copy(l, root.resolve("usr/lib/zos/lib").resolve(l.getFileName()), "rw-r--r--");
                }
            }
            resource("zos-vm", root.resolve("usr/bin/zos-vm"), "rwxr-xr-x");
            resource("zos-agent", root.resolve("usr/bin/zos-agent"), "rwxr-xr-x");
            resource("zos-agent.service", root.resolve("lib/systemd/system/zos-agent.service"), "rw-r--r--");
            resource("agent.properties", root.resolve("etc/zos/agent.properties"), "rw-r--r--");
            CommandLine zosVm = ZosVm.model();
            ManPages.write(root.resolve("usr/share/man"), zosVm, new CommandLine(new ZosAgent()));
            String bash = AutoComplete.bash("zos-vm", zosVm);
            write(root.resolve("usr/share/bash-completion/completions/zos-vm"), bash, "rw-r--r--");
            write(root.resolve("usr/share/zsh/vendor-completions/_zos-vm"), """
                    #compdef zos-vm
                    # zsh runs zos-vm's bash completion (made from its own commands) through bashcompinit.
                    autoload -U +X bashcompinit && bashcompinit
                    source /usr/share/bash-completion/completions/zos-vm
                    _bash_complete -F _complete_zos-vm "$@"
                    """, "rw-r--r--");
            Path doc = root.resolve("usr/share/doc/zos");
            resource("copyright", doc.resolve("copyright"), "rw-r--r--");
            try (JarFile j = new JarFile(jar.toFile())) {
                for (JarEntry e : java.util.Collections.list(j.entries())) {
                    String prefix = "org/zos/packaging/doc/";
                    if (e.getName().startsWith(prefix) && !e.isDirectory()) {
                        try (InputStream in = j.getInputStream(e)) {
                            Path to = doc.resolve(e.getName().substring(prefix.length()));
                            Files.createDirectories(to.getParent());
                            Files.copy(in, to);
                            Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rw-r--r--"));
                        }
                    }
                }
            }
            Path control = Files.createDirectories(root.resolve("DEBIAN"));
            write(control.resolve("control"), text("control").replace("@VERSION@", version)
                    .replace("@SIZE@", Long.toString(kib(root))), "rw-r--r--");
            write(control.resolve("conffiles"), "/etc/zos/agent.properties\n", "rw-r--r--");
            for (String script : List.of("postinst", "prerm", "postrm")) {
                resource(script, control.resolve(script), "rwxr-xr-x");
            }
            write(control.resolve("md5sums"), md5sums(root), "rw-r--r--");
            dirModes(root);
            Path deb = dir.resolve("zos_" + version + "_all.deb");
            Process p = new ProcessBuilder("dpkg-deb", "--root-owner-group", "-Zgzip", "--build", root.toString(), deb.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new ZosException(ErrorCode.INTERNAL, "dpkg-deb failed: " + out.strip(), "is dpkg-deb installed (package dpkg)?");
            }
            return deb;
        } finally {
            AnimaManager.deleteTree(stage);
        }
    }

    private static String text(String name) throws IOException {
        try (InputStream in = DebPackage.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new IOException("packaging resource " + name + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static void resource(String name, Path to, String mode) throws IOException {
        write(to, text(name), mode);
    }

    private static void write(Path to, String text, String mode) throws IOException {
        Files.createDirectories(to.getParent());
        Files.writeString(to, text);
        Files.setPosixFilePermissions(to, PosixFilePermissions.fromString(mode));
    }

    private static void copy(Path from, Path to, String mode) throws IOException {
        Files.createDirectories(to.getParent());
        Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(to, PosixFilePermissions.fromString(mode));
    }

    /** Every directory 0755, as Debian's policy has them. */
    private static void dirModes(Path root) throws IOException {
        try (var files = Files.walk(root)) {
            for (Path d : (Iterable<Path>) files.filter(Files::isDirectory)::iterator) {
                Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        }
    }

    private static long kib(Path root) throws IOException {
        try (var files = Files.walk(root)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> (f.toFile().length() + 1023) / 1024).sum();
        }
    }

    /** DEBIAN/md5sums: every installed file but the conffiles, as dh_md5sums writes it. */
    private static String md5sums(Path root) throws IOException {
        List<String> lines = new ArrayList<>();
        try (var files = Files.walk(root)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
                String rel = root.relativize(f).toString();
                if (rel.startsWith("DEBIAN/") || rel.startsWith("etc/")) {
                    continue;
                }
                try {
                    lines.add(HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(Files.readAllBytes(f))) + "  " + rel);
                } catch (java.security.NoSuchAlgorithmException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return String.join("\n", lines) + "\n";
    }
}
