package org.zos.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.zos.bench.FolderBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code zos-vm bench folders}: folder sync against rsync over ssh. */
@Command(name = "folders", description = "Folder sync against rsync over ssh on this machine's loopback: a big file, a change "
        + "to part of it, many small files, one small change; bytes and time side by side.")
final class BenchFoldersCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--size-mib", defaultValue = "1024", paramLabel = "MIB", description = "the big file (default: ${DEFAULT-VALUE})")
    int sizeMiB;

    @Option(names = "--change-mib", defaultValue = "1", paramLabel = "MIB", description = "how much of it changes (default: ${DEFAULT-VALUE})")
    int changeMiB;

    @Option(names = "--files", defaultValue = "2000", paramLabel = "N", description = "small files (default: ${DEFAULT-VALUE})")
    int files;

    @Option(names = "--dir", paramLabel = "DIR", description = "scratch directory (default: /var/tmp)")
    Path dir = Path.of("/var/tmp");

    @Override
    public Integer call() throws Exception {
        new FolderBench(spec.commandLine().getOut(), dir).run(sizeMiB, changeMiB, files);
        return 0;
    }
}
