package org.zos.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code zos-vm folder}: folders of the anima kept in step with a copy on a host, both ways
 * (docs/folders.md). Run on the host where the anima runs.
 */
@Command(name = "folder", description = "Share the anima's folders with hosts: both copies are kept in step.",
        subcommands = {FolderCommand.Share.class, FolderCommand.ListShares.class, FolderCommand.Stop.class})
final class FolderCommand implements Runnable {
    private static final ObjectMapper JSON = new ObjectMapper();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a folder command is needed (share, list, stop)");
    }

    @Command(name = "share", description = "Keep GUEST_PATH of the anima in step with a copy on HOST, e.g. "
            + "'zos-vm folder share anima ~/docs --host host2'.")
    static final class Share extends HostCommand {
        @Parameters(index = "0", paramLabel = "NAME", description = "the anima")
        String name;

        @Parameters(index = "1", paramLabel = "GUEST_PATH", description = "the folder in the anima ('~/…' is the anima user's home)")
        String path;

        @Option(names = "--host", required = true, paramLabel = "HOST", description = "the host that keeps a copy (may be this one)")
        String to;

        @Option(names = "--to", paramLabel = "HOST_PATH", description = "where the copy lives on HOST (new or empty; removed when the "
                + "share ends); default: the agent's state directory")
        String hostPath;

        @Option(names = "--read-only", description = "changes go one way only: from the original to the copy")
        boolean readOnly;

        @Option(names = "--from-host", paramLabel = "HOST_PATH", description = "the other way round: HOST lends its folder HOST_PATH "
                + "to the anima, where it appears at GUEST_PATH (read-only unless HOST gives full access and --read-write)")
        String fromHost;

        @Option(names = "--read-write", description = "with --from-host: changes made in the anima go back to HOST's folder")
        boolean readWrite;

        @Option(names = "--as", paramLabel = "SHARE", description = "the share's name (default: the folder's name)")
        String share;

        @Override
        void run(HostOptions.Agent agent, PrintWriter out) throws Exception {
            if (fromHost != null && hostPath != null) {
                throw new ZosException(ErrorCode.BAD_PARAMETER, "--to and --from-host both name a folder on the host",
                        "give one: --to for a copy of the anima's folder, --from-host for a folder the host lends");
            }
            if (readWrite && fromHost == null) {
                throw new ZosException(ErrorCode.BAD_PARAMETER, "--read-write goes with --from-host", "shares of the anima's folders go both ways by default");
            }
            String base = Path.of(path.replaceFirst("^~/?", "home/")).getFileName().toString().replaceAll("^[^A-Za-z0-9]+", "")
                    .replaceAll("[^A-Za-z0-9._-]", "_");
            base = base.isEmpty() ? "folder" : base.length() > 64 ? base.substring(0, 64) : base;
            Map<String, String> options = new HashMap<>(Map.of("share", share != null ? share : base, "path", path, "host", to));
            options.put("read-only", String.valueOf(fromHost != null ? !readWrite : readOnly));
            if (fromHost != null) {
                options.put("from-host", "true");
                options.put("host-path", Path.of(fromHost).toAbsolutePath().normalize().toString());
            } else if (hostPath != null) {
                options.put("host-path", Path.of(hostPath).toAbsolutePath().normalize().toString());
            }
            JsonNode s = JSON.readTree(agent.act("folder-share", name, options).note());
            out.printf("%s of anima '%s' is shared with %s as '%s'%s: %s.%nStop with: zos-vm folder stop %s %s%n",
                    s.path("path").asText(), name, to, s.path("name").asText(),
                    s.path("fromHost").asBoolean() ? " (lent by " + to + ")" : s.path("readOnly").asBoolean() ? " (read-only)" : "",
                    s.path("state").asText(), name, s.path("name").asText());
        }
    }

    @Command(name = "list", description = "List the anima's shared folders and how each stands.")
    static final class ListShares extends HostCommand {
        @picocli.CommandLine.Mixin
        JsonOption json;

        @Parameters(index = "0", paramLabel = "NAME", defaultValue = "anima", description = "the anima (default: ${DEFAULT-VALUE})")
        String name;

        @Override
        void run(HostOptions.Agent agent, PrintWriter out) throws Exception {
            JsonNode shares = JSON.readTree(agent.act("folder-list", name, Map.of()).note());
            if (json.printed(out, shares)) {
                return;
            }
            if (shares.isEmpty()) {
                out.printf("Anima '%s' shares no folders. Share one with: zos-vm folder share %s PATH --host HOST%n", name, name);
                return;
            }
            String fmt = "%-16s %-28s %-12s %-10s %s%n";
            out.printf(fmt, "SHARE", "IN THE ANIMA", "HOST", "MODE", "STATE");
            for (JsonNode s : shares) {
                String mode = (s.path("fromHost").asBoolean() ? "lent-in" : s.path("lent").asBoolean() ? "partial" : "copy")
                        + (s.path("readOnly").asBoolean() ? ",ro" : "");
                out.printf(fmt, s.path("name").asText(), s.path("path").asText(), s.path("host").asText(), mode, s.path("state").asText());
            }
        }
    }

    @Command(name = "stop", description = "Stop sharing: the host's copy is overwritten and removed (a folder the host lent stays there).")
    static final class Stop extends HostCommand {
        @Parameters(index = "0", paramLabel = "NAME", description = "the anima")
        String name;

        @Parameters(index = "1", paramLabel = "SHARE", description = "the share (see 'zos-vm folder list')")
        String share;

        @Override
        void run(HostOptions.Agent agent, PrintWriter out) throws Exception {
            JsonNode s = JSON.readTree(agent.act("folder-stop", name, Map.of("share", share)).note());
            out.printf("Share '%s' of anima '%s' stopped; %s: %s.%n", share, name, s.path("host").asText(), s.path("ended").asText());
        }
    }
}
