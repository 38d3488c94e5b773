package org.zos.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code zos-vm app}: the anima's shared application windows. Each app is one program in the anima on a
 * display of its own; {@code zos-vm view NAME APP} shows it on any host the user may dominate.
 */
@Command(name = "app", description = "Run, list and stop the anima's shared application windows.",
        subcommands = {AppCommand.Run.class, AppCommand.ListApps.class, AppCommand.Stop.class})
final class AppCommand implements Runnable {
    private static final ObjectMapper JSON = new ObjectMapper();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "an app command is needed (run, list, stop)");
    }

    @Command(name = "run", description = "Start a program in the anima on a display of its own, e.g. 'zos-vm app run anima -- xterm'.")
    static final class Run extends HostCommand {
        @Parameters(index = "0", paramLabel = "NAME", description = "the anima")
        String name;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "PROGRAM", description = "the program and its arguments (after --)")
        List<String> argv;

        @Option(names = "--size", paramLabel = "WxH", description = "the window's size (default: 1024x768)")
        String size;

        @Override
        void run(HostOptions.Agent agent, PrintWriter out) throws Exception {
            Map<String, String> options = new HashMap<>(Map.of("argv", JSON.writeValueAsString(argv)));
            if (size != null) {
                options.put("size", size);
            }
            JsonNode app = JSON.readTree(agent.act("app-run", name, options).note());
            out.printf("App %d runs '%s' in anima '%s' (%s).%nView it with: zos-vm view %s %d%n", app.path("id").asInt(),
                    app.path("program").asText(), name, app.path("size").asText(), name, app.path("id").asInt());
        }
    }

    @Command(name = "list", description = "List the anima's apps: id, program, size, viewers.")
    static final class ListApps extends HostCommand {
        @Parameters(index = "0", paramLabel = "NAME", description = "the anima")
        String name;

        @picocli.CommandLine.Mixin
        JsonOption json;

        @Override
        void run(HostOptions.Agent agent, PrintWriter out) throws Exception {
            JsonNode apps = JSON.readTree(agent.act("app-list", name, Map.of()).note());
            if (json.printed(out, apps)) {
                return;
            }
            out.printf("%-4s %-10s %-8s %s%n", "ID", "SIZE", "VIEWERS", "PROGRAM");
            for (JsonNode a : apps) {
                out.printf("%-4d %-10s %-8d %s%n", a.path("id").asInt(), a.path("size").asText(), a.path("viewers").asInt(),
                        a.path("program").asText());
            }
        }
    }

    @Command(name = "stop", description = "Stop an app: its program, display and VNC server.")
    static final class Stop extends HostCommand {
        @Parameters(index = "0", paramLabel = "NAME", description = "the anima")
        String name;

        @Parameters(index = "1", paramLabel = "APP", description = "the app's id (see 'zos-vm app list')")
        int app;

        @Override
        void run(HostOptions.Agent agent, PrintWriter out) throws Exception {
            JsonNode a = JSON.readTree(agent.act("app-stop", name, Map.of("app", String.valueOf(app))).note());
            out.printf("App %d ('%s') stopped.%n", a.path("id").asInt(), a.path("program").asText());
        }
    }
}
