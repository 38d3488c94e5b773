package org.zos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.zos.protocol.ErrorCode;
import picocli.CommandLine;

/** Every command and subcommand answers -h and --help; a typo gets the command or option it was near. */
class HelpTest {
    record Run(int status, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = ZosVm.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(status, out.toString(), err.toString());
    }

    /** Every command path under the root, e.g. [store, gc]. */
    static List<List<String>> commands(CommandLine line, List<String> path, List<List<String>> all) {
        line.getSubcommands().forEach((name, sub) -> {
            if (name.equals(sub.getCommandName()) && !(sub.getCommand() instanceof CommandLine.HelpCommand)) {
                List<String> p = new ArrayList<>(path);
                p.add(name);
                all.add(p);
                commands(sub, p, all);
            }
        });
        return all;
    }

    @Test
    void everyCommandAnswersHelp() {
        List<List<String>> all = commands(ZosVm.model(), List.of(), new ArrayList<>());
        assertTrue(all.size() > 40, "commands found: " + all);
        for (List<String> cmd : all) {
            for (String flag : List.of("--help", "-h")) {
                List<String> args = new ArrayList<>(cmd);
                args.add(flag);
                Run r = run(args.toArray(String[]::new));
                String name = "zos-vm " + String.join(" ", cmd);
                assertEquals(0, r.status(), name + " " + flag + ": " + r);
                assertTrue(r.out().startsWith("Usage: " + name), name + " " + flag + ": " + r.out());
                assertEquals("", r.err(), name + " " + flag);
            }
        }
    }

    /** Running one command makes only that one; what the user meets is the same as with all of them. */
    @Test
    void aCommandRunAloneIsTheCommandOfTheWholeLine() {
        CommandLine alone = ZosVm.model("return");
        assertEquals(List.of("return"), new ArrayList<>(alone.getSubcommands().keySet()));
        assertEquals(ZosVm.model().getSubcommands().get("return").getUsageMessage(), alone.getSubcommands().get("return").getUsageMessage());
        assertEquals(ZosVm.COMMANDS.size(), ZosVm.model("completion").getSubcommands().values().stream().distinct().count());
        assertEquals(ZosVm.COMMANDS.size(), ZosVm.model("retrun").getSubcommands().values().stream().distinct().count(),
                "a name no command has: all of them, for the suggestion");
        assertTrue(ZosVm.model("cluster").getSubcommands().get("cluster").getSubcommands().get("exec").isStopAtPositional());
    }

    @Test
    void theRootHelpListsTheExitStatuses() {
        Run r = run("--help");
        assertEquals(0, r.status());
        for (ErrorCode c : ErrorCode.values()) {
            assertTrue(r.out().matches("(?s).*\\n\\s*" + c.exitStatus() + "  " + c.name() + " +" + java.util.regex.Pattern.quote(c.summary()) + "\\n.*"),
                    c + " in:\n" + r.out());
        }
    }

    @Test
    void bashCompletesCommandsAndOptions() throws Exception {
        Run r = run("completion");
        assertEquals(0, r.status(), r.toString());
        java.nio.file.Path script = java.nio.file.Files.createTempFile("zos-vm-completion", ".bash");
        try {
            java.nio.file.Files.writeString(script, r.out());
            // what bash offers after 'zos-vm domi' and after 'zos-vm dominate --pa'
            String probe = "source " + script + "\n"
                    + "COMP_WORDS=(zos-vm domi); COMP_CWORD=1; COMP_LINE='zos-vm domi'; COMP_POINT=${#COMP_LINE}; _complete_zos-vm; echo \"${COMPREPLY[@]}\"\n"
                    + "COMP_WORDS=(zos-vm dominate --pa); COMP_CWORD=2; COMP_LINE='zos-vm dominate --pa'; COMP_POINT=${#COMP_LINE}; _complete_zos-vm; echo \"${COMPREPLY[@]}\"\n";
            // compopt complains outside a real completion; what bash offers is on stdout
            Process bash = new ProcessBuilder("bash", "-c", probe).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String[] lines = new String(bash.getInputStream().readAllBytes()).strip().split("\n");
            assertEquals(0, bash.waitFor(), String.join("\n", lines));
            assertEquals("dominate", lines[lines.length - 2].strip(), String.join("\n", lines));
            assertEquals("--partial", lines[lines.length - 1].strip(), String.join("\n", lines));
        } finally {
            java.nio.file.Files.delete(script);
        }
    }

    @Test
    void hostsSaysTheSameInJson(@org.junit.jupiter.api.io.TempDir java.nio.file.Path config) throws Exception {
        Run table = run("hosts", "--config-dir=" + config);
        assertEquals(0, table.status(), table.toString());
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(run("hosts", "--json", "--config-dir=" + config).out());
        List<String> keys = new ArrayList<>();
        json.fieldNames().forEachRemaining(keys::add);
        assertEquals(List.of("host", "fingerprint", "enrolled"), keys);
        assertTrue(table.out().startsWith("This host: " + json.path("host").asText() + " " + json.path("fingerprint").asText()), table.out());
        assertTrue(json.path("enrolled").isArray());
    }

    @Test
    void aTypoGetsWhatItWasNear() {
        Run cmd = run("dominat", "work", "host2");
        assertEquals(ErrorCode.BAD_PARAMETER.exitStatus(), cmd.status());
        assertEquals("error: 'dominat' is not a zos-vm command; see 'zos-vm --help'\ndid you mean 'dominate'?\n", cmd.err());
        Run sub = run("folder", "shar", "work", "/data");
        assertEquals("error: 'shar' is not a zos-vm folder command; see 'zos-vm folder --help'\ndid you mean 'share'?\n", sub.err());
        Run opt = run("dominate", "--partail", "host2", "work");
        assertEquals(ErrorCode.BAD_PARAMETER.exitStatus(), opt.status());
        assertTrue(opt.err().startsWith("error: Unknown option: '--partail'; see 'zos-vm dominate --help'\ndid you mean '--partial'?"), opt.err());
    }
}
