package org.zos.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code zos-vm bench}: benchmarks that print zos's figures beside a baseline from the same run. */
@Command(name = "bench", description = "Measure zos against today's tools, in one run, on this machine.",
        subcommands = {BenchStoreCommand.class, BenchFoldersCommand.class, BenchMigrateCommand.class, BenchFaultsCommand.class,
            BenchParcelCommand.class})
final class BenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a benchmark is needed");
    }
}
