package org.zos.cli;

import picocli.CommandLine.Parameters;

/** A subcommand about one anima, named by its NAME argument ("anima" when left out). */
abstract class AnimaCommand extends HostCommand {
    @Parameters(paramLabel = "NAME", defaultValue = "anima", description = "the anima (default: ${DEFAULT-VALUE})")
    String name;
}
