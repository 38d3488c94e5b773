package org.zos.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code zos-vm store}: the content-addressed store where images of animas are kept sealed. */
@Command(name = "store", description = "Keep disk and memory images in the encrypted, deduplicating store.",
        subcommands = {StoreIngestCommand.class, StoreMaterializeCommand.class, StoreCheckCommand.class,
                StoreStatsCommand.class, StoreGcCommand.class, StoreEraseCommand.class})
final class StoreCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a store command is needed");
    }
}
