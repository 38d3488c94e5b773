package org.zos.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code zos-vm completion}: a bash (and zsh) completion script made from the commands themselves. */
@Command(name = "completion", description = "Print a completion script for bash and zsh, made from zos-vm's own commands and options. "
        + "Use: source <(zos-vm completion), or save it as /etc/bash_completion.d/zos-vm.")
final class CompletionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        CommandLine root = spec.root().commandLine();
        spec.commandLine().getOut().print(AutoComplete.bash(root.getCommandName(), root));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
