package org.zos.cli;

import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code zos-vm control NAME APP take|give|show}: the thesis's ctrlgui. This host's viewers take the
 * keyboard and pointer of an app (every other host's viewers only watch), give them back, or show who has
 * them; wherever the anima runs, and every viewer of the app sees the change on the window.
 */
@Command(name = "control", description = "Take or give back the keyboard and pointer of an anima's app for this host's viewers.")
final class ControlCommand extends HostCommand {
    @Parameters(index = "0", paramLabel = "NAME", description = "the anima")
    String name;

    @Parameters(index = "1", paramLabel = "APP", description = "the app's id (0: the whole screen)")
    int app;

    @Parameters(index = "2", paramLabel = "take|give|show", defaultValue = "show",
            description = "take control, give it back, or show who has it (default)")
    String verb;

    @Override
    void run(HostOptions.Agent agent, PrintWriter out) {
        if (!verb.matches("take|give|show")) {
            throw new org.zos.protocol.ZosException(org.zos.protocol.ErrorCode.BAD_PARAMETER, "'" + verb
                    + "' is not take, give or show", "e.g. zos-vm control " + name + " " + app + " take");
        }
        String holder = agent.act("control", name, Map.of("app", String.valueOf(app), "verb", verb)).note();
        out.println(holder.isEmpty() ? "Every viewer of app " + app + " of '" + name + "' with the right may type."
                : holder + " has control of app " + app + " of '" + name + "'; other hosts' viewers watch.");
    }
}
