package org.zos.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code zos-vm package}: the Debian package of this very zos. */
@Command(name = "package", description = "Build the Debian package of this zos (zos_VERSION_all.deb): the command line, the agent "
        + "as a systemd service, man pages and completion. Install it with 'apt install ./zos_VERSION_all.deb'.")
final class PackageCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--out", paramLabel = "DIR", description = "where the package goes (default: the current directory)")
    Path out = Path.of("");

    @Option(names = "--version", paramLabel = "VERSION", description = "the package's version (default: from the build, e.g. "
            + "0.1.0~snapshot+git20261202T064953.cb41711)")
    String version;

    @Override
    public Integer call() throws Exception {
        Path deb = DebPackage.build(out.toAbsolutePath(), version != null ? version : DebPackage.version());
        spec.commandLine().getOut().printf("%s (%.1f MiB)%n", deb, Files.size(deb) / 1048576.0);
        return 0;
    }
}
