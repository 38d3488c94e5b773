package org.zos.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.zos.protocol.Build;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Man pages in roff, made from the picocli model of the commands, so they say what {@code --help} says:
 * {@code zos-vm(1)}, one page per subcommand as git has them ({@code zos-vm-dominate(1)},
 * {@code zos-vm-app-list(1)}), and {@code zos-agent(8)}. Each page: NAME, SYNOPSIS, DESCRIPTION,
 * ARGUMENTS, OPTIONS, COMMANDS, EXIT STATUS and SEE ALSO.
 */
final class ManPages {
    private ManPages() {
    }

    /** Every page, by file name ({@code zos-vm-dominate.1}), as roff. */
    static Map<String, String> all(CommandLine zosVm, CommandLine zosAgent) {
        Map<String, String> pages = new java.util.TreeMap<>();
        String statuses = ZosVm.exitStatuses();
        walk(zosVm, "1", statuses, pages);
        pages.put(zosAgent.getCommandName() + ".8", page(zosAgent, "8", statuses));
        return pages;
    }

    /** Writes every page, gzipped as Debian installs them, into {@code man1/} and {@code man8/} under {@code dir}. */
    static List<Path> write(Path dir, CommandLine zosVm, CommandLine zosAgent) throws IOException {
        List<Path> written = new ArrayList<>();
        for (Map.Entry<String, String> p : all(zosVm, zosAgent).entrySet()) {
            String section = p.getKey().substring(p.getKey().lastIndexOf('.') + 1);
            Path file = Files.createDirectories(dir.resolve("man" + section)).resolve(p.getKey() + ".gz");
            try (GZIPOutputStream out = new GZIPOutputStream(Files.newOutputStream(file)) {
                {
                    def.setLevel(java.util.zip.Deflater.BEST_COMPRESSION);
                }
            }) {
                out.write(p.getValue().getBytes(StandardCharsets.UTF_8));
            }
            written.add(file);
        }
        return written;
    }

    private static void walk(CommandLine line, String section, String statuses, Map<String, String> pages) {
        if (!shown(line)) {
            return;
        }
        pages.put(pageName(line.getCommandSpec()) + "." + section, page(line, section, statuses));
        line.getSubcommands().values().stream().distinct().forEach(sub -> walk(sub, section, statuses, pages));
    }

    /** Whether a command has a page: not hidden, and not picocli's help command. */
    static boolean shown(CommandLine line) {
        return !line.getCommandSpec().usageMessage().hidden() && !(line.getCommand() instanceof CommandLine.HelpCommand);
    }

    /** {@code zos-vm app list} → {@code zos-vm-app-list}. */
    static String pageName(CommandSpec spec) {
        return spec.qualifiedName("-");
    }

    static String page(CommandLine line, String section, String statuses) {
        CommandSpec spec = line.getCommandSpec();
        String name = pageName(spec);
        String date = Build.time() == null ? "" : Build.time().substring(0, 10);
        StringBuilder b = new StringBuilder();
        b.append(".\\\" Made from zos's command model (org.zos.cli.ManPages); do not edit.\n");
        b.append(".TH ").append(quote(name.toUpperCase(java.util.Locale.ROOT))).append(' ').append(section).append(' ')
                .append(quote(date)).append(' ').append(quote("zos " + Build.version())).append(' ').append(quote("zos manual")).append('\n');
        b.append(".SH NAME\n").append(escape(name)).append(" \\- ").append(escape(summary(spec))).append('\n');
        b.append(".SH SYNOPSIS\n.nf\n").append(escape(synopsis(line))).append("\n.fi\n");
        String description = text(spec.usageMessage().description());
        if (!description.isEmpty()) {
            b.append(".SH DESCRIPTION\n").append(paragraphs(description));
        }
        List<PositionalParamSpec> params = spec.positionalParameters().stream().filter(p -> !p.hidden()).toList();
        if (!params.isEmpty()) {
            b.append(".SH ARGUMENTS\n");
            for (PositionalParamSpec p : params) {
                b.append(".TP\n.I ").append(escape(p.paramLabel())).append('\n').append(paragraphs(text(p.description())));
            }
        }
        List<OptionSpec> options = spec.options().stream().filter(o -> !o.hidden()).toList();
        if (!options.isEmpty()) {
            b.append(".SH OPTIONS\n");
            for (OptionSpec o : options) {
                b.append(".TP\n").append(optionLine(o)).append('\n').append(paragraphs(text(o.description())));
            }
        }
        List<CommandLine> subs = line.getSubcommands().values().stream().distinct().filter(ManPages::shown).toList();
        if (!subs.isEmpty()) {
            b.append(".SH COMMANDS\n");
            for (CommandLine s : subs) {
                CommandSpec ss = s.getCommandSpec();
                b.append(".TP\n.B ").append(escape(ss.qualifiedName())).append('\n').append(escape(summary(ss)))
                        .append(" See \\fB").append(escape(pageName(ss))).append("\\fR(").append(section).append(").\n");
            }
        }
        if (name.equals("zos-vm")) {
            b.append(".SH UNITS\n").append(escape(ZosVm.UNITS.strip())).append('\n');
        }
        b.append(".SH EXIT STATUS\n");
        if (name.equals("zos-vm")) {
            b.append(".nf\n").append(escape(statuses.stripTrailing())).append("\n.fi\n");
        } else {
            b.append("0 on success; otherwise one of the statuses in \\fBzos-vm\\fR(1), each a kind of failure.\n");
        }
        b.append(".SH SEE ALSO\n");
        List<String> see = new ArrayList<>();
        if (spec.parent() != null) {
            see.add("\\fB" + escape(pageName(spec.parent())) + "\\fR(" + section + ")");
        }
        for (String other : List.of("zos-vm(1)", "zos-agent(8)", "virsh(1)")) {
            String page = other.substring(0, other.indexOf('('));
            if (!page.equals(name)) {
                see.add("\\fB" + escape(page) + "\\fR" + other.substring(page.length()));
            }
        }
        b.append(String.join(", ", new java.util.LinkedHashSet<>(see))).append(",\n/usr/share/doc/zos/\n");
        return b.toString();
    }

    private static String summary(CommandSpec spec) {
        String d = text(spec.usageMessage().description());
        int end = d.indexOf(". ");
        String first = (end > 0 ? d.substring(0, end + 1) : d).replace('\n', ' ').strip();
        return first.isEmpty() ? spec.qualifiedName() : first;
    }

    private static String synopsis(CommandLine line) {
        CommandLine.Help help = new CommandLine.Help(line.getCommandSpec(),
                CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF));
        return help.synopsis(0).stripTrailing();
    }

    /** {@code \fB\-h\fR, \fB\-\-help\fR} or {@code \fB\-\-bandwidth\fR \fIRATE\fR}: its names in bold, its value's label in italics. */
    private static String optionLine(OptionSpec o) {
        List<String> names = new ArrayList<>();
        for (String n : o.names()) {
            names.add("\\fB" + escape(n) + "\\fR");
        }
        String label = o.typeInfo().isBoolean() || o.usageHelp() || o.versionHelp() ? "" : " \\fI" + escape(o.paramLabel()) + "\\fR";
        return String.join(", ", names) + label;
    }

    /** A description as picocli shows it: its lines joined, {@code %n} a line break, {@code %%} a percent sign. */
    private static String text(String[] lines) {
        return String.join(" ", lines).replace("%n", "\n").replace("%%", "%").strip();
    }

    private static String paragraphs(String text) {
        StringBuilder b = new StringBuilder();
        for (String line : text.split("\n")) {
            b.append(line.isBlank() ? ".PP" : escape(line.strip())).append('\n');
        }
        return b.toString();
    }

    private static String quote(String s) {
        return "\"" + s.replace("\"", "\\(dq") + "\"";
    }

    /** Text safe in roff: backslashes and hyphens escaped, no line read as a request. */
    static String escape(String s) {
        String e = s.replace("\\", "\\e").replace("-", "\\-");
        StringBuilder b = new StringBuilder();
        for (String line : e.split("\n", -1)) {
            if (b.length() > 0) {
                b.append('\n');
            }
            b.append(line.startsWith(".") || line.startsWith("'") ? "\\&" + line : line);
        }
        return b.toString();
    }
}
