package org.zos.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.zos.bench.StoreBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code zos-vm bench store FILE [FILE2]}: the store against zstd -1 -T0. */
@Command(name = "store", description = "Ingest FILE (then FILE2, a later version of it) into a scratch store; "
        + "print throughput and sizes beside zstd -1 -T0 and one line per target.")
final class BenchStoreCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "an image, e.g. a saved memory state")
    Path file;

    @Parameters(index = "1", paramLabel = "FILE2", arity = "0..1",
            description = "a later version of FILE (e.g. a save of the same guest a minute later)")
    Path file2;

    @Option(names = "--dir", paramLabel = "DIR", description = "scratch directory (default: /var/tmp)")
    Path dir = Path.of("/var/tmp");

    @Override
    public Integer call() throws Exception {
        new StoreBench(spec.commandLine().getOut(), dir).run(file, file2);
        return 0;
    }
}
