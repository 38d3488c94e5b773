package org.zos.cli;

import java.io.PrintWriter;
import picocli.CommandLine.Mixin;

/** A {@code zos-vm store} subcommand: the store options, and stdout/stderr of the command line. */
abstract class StoreSubcommand extends PrintingCommand {
    @Mixin
    StoreOptions options;

    PrintWriter err() {
        return spec.commandLine().getErr();
    }
}
