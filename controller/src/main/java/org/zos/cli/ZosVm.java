package org.zos.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code zos-vm}: the user's command line. Each subcommand is a class of its own. Every failure is printed
 * as one line, {@code error: <what happened>; <what to do>}, and ends the command with the exit status of
 * its {@link ErrorCode} (0 success, 1 internal failure, 2 usage, 3 and up one per kind of failure).
 */
@Command(name = "zos-vm", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class,
        description = "Carry your whole working environment, the anima (one libvirt VM), from host to host.")
public final class ZosVm implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is needed");
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs one command line; returns its exit status. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        quietLogging();
        CommandLine cli = model(args.length > 0 ? args[0] : null);
        cli.setOut(out);
        cli.setErr(err);
        cli.setParameterExceptionHandler((e, a) -> {
            String cmd = e.getCommandLine().getCommandSpec().qualifiedName();
            List<String> unmatched = e instanceof CommandLine.UnmatchedArgumentException u ? u.getUnmatched() : List.of();
            if (!unmatched.isEmpty() && !e.getCommandLine().getSubcommands().isEmpty() && !unmatched.get(0).startsWith("-")) {
                err.println("error: '" + unmatched.get(0) + "' is not a " + cmd + " command; see '" + cmd + " --help'");
            } else {
                err.println("error: " + e.getMessage() + "; see '" + cmd + " --help'");
            }
            if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
                err.println("did you mean '" + u.getSuggestions().get(0) + "'?");
            }
            return ErrorCode.BAD_PARAMETER.exitStatus();
        });
        cli.setExecutionExceptionHandler((e, line, parsed) -> {
            if (e instanceof ZosException z) {
                err.println("error: " + z.userLine());
                return z.code().exitStatus();
            }
            err.println("error: internal: " + e);
            if (System.getenv("ZOS_DEBUG") != null) {
                e.printStackTrace(err);
            }
            return ErrorCode.INTERNAL.exitStatus();
        });
        return cli.execute(args);
    }

    /** The commands, in the order the help lists them. */
    static final List<Class<?>> COMMANDS = List.of(InitCommand.class, ListCommand.class, StatusCommand.class, StartCommand.class, SuspendCommand.class, DominateCommand.class, StageCommand.class, MigrateCommand.class, ReturnCommand.class, CancelCommand.class, GuestCommand.class, AppCommand.class, FolderCommand.class, ViewCommand.class, ControlCommand.class, ConsoleCommand.class,
                ResumeCommand.class, ShutdownCommand.class, RemoveCommand.class, ClusterDemo.class, StoreCommand.class, ParcelCommand.class, RemoteCommand.class,
                BenchCommand.class, ClusterCommand.class, TrustCommand.class, CaCommand.class, CompletionCommand.class, PackageCommand.class, ClassTrainingCommand.class, HostsCommand.class, DiscoverCommand.class,
                CommandLine.HelpCommand.class);

    /** Commands that describe the whole command line, so need all of it. */
    private static final java.util.Set<String> WHOLE = java.util.Set.of("help", "completion");

    /** The whole command line as users meet it, for running it and for its man pages. */
    static CommandLine model() {
        return model(null);
    }

    /**
     * The command line with only the command {@code first} names (null, an option, a name no command has,
     * or a command that describes them all: all of them). picocli makes an object of every command it is
     * given, and with them the classes of their options (JSON, TLS, the store, the site authority): to
     * run one command, only that one is made, so {@code zos-vm} starts in about half the time.
     */
    static CommandLine model(String first) {
        CommandLine cli = new CommandLine(new ZosVm());
        Class<?> only = first == null || WHOLE.contains(first) ? null : COMMANDS.stream().filter(c -> names(c).contains(first))
                .findFirst().orElse(null);
        for (Class<?> c : COMMANDS) {
            if (only == null || c == only) {
                cli.addSubcommand(c);
            }
        }
        // 'cluster exec HOST COMMAND…': everything after HOST is the command's, options included.
        if (cli.getSubcommands().containsKey("cluster")) {
            cli.getSubcommands().get("cluster").getSubcommands().get("exec").setStopAtPositional(true);
        }
        helpEverywhere(cli);
        cli.getCommandSpec().usageMessage().footerHeading("%nUnits:%n").footer(UNITS, "", "Exit status:", exitStatuses());
        return cli;
    }

    /** The names a command answers to. */
    private static List<String> names(Class<?> c) {
        Command a = c.getAnnotation(Command.class);
        List<String> out = new java.util.ArrayList<>(List.of(a.aliases()));
        out.add(a.name());
        return out;
    }

    /** What size and rate suffixes mean, in every command. */
    static final String UNITS = "  Sizes and byte rates: K, M, G, T are powers of 1024 (512M = 512 MiB; a B or iB after them changes "
            + "nothing). Bit rates: kbit, mbit, gbit are powers of 1000 bits per second, as links and tc count them (100mbit).";

    /** {@code -h} and {@code --help} on every command and subcommand, as on the root. */
    private static void helpEverywhere(CommandLine line) {
        CommandLine.Model.CommandSpec spec = line.getCommandSpec();
        if (spec.optionsMap().get("--help") == null && !(line.getCommand() instanceof CommandLine.HelpCommand)) {
            spec.addOption(CommandLine.Model.OptionSpec.builder("-h", "--help").usageHelp(true)
                    .description("Show this help message and exit.").build());
        }
        line.getSubcommands().values().stream().distinct().forEach(ZosVm::helpEverywhere);
    }

    /** The exit statuses, one line each, as virsh and git document theirs. */
    static String exitStatuses() {
        StringBuilder b = new StringBuilder();
        for (ErrorCode c : java.util.Arrays.stream(ErrorCode.values()).sorted(java.util.Comparator.comparingInt(ErrorCode::exitStatus)).toList()) {
            b.append(String.format("%4d  %-22s %s%n", c.exitStatus(), c.name(), c.summary()));
        }
        return b.toString();
    }

    /** Warnings and errors of zos's own classes go to stderr as one short line; the rest is quiet. */
    private static void quietLogging() {
        LogManager.getLogManager().reset();
        Logger root = Logger.getLogger("");
        java.util.logging.ConsoleHandler h = new java.util.logging.ConsoleHandler();
        h.setFormatter(new java.util.logging.Formatter() {
            @Override
            public String format(java.util.logging.LogRecord r) {
                return (r.getLevel().intValue() >= Level.WARNING.intValue() ? "warning: " : "") + r.getMessage() + "\n";
            }
        });
        h.setLevel(System.getenv("ZOS_DEBUG") != null ? Level.ALL : Level.WARNING);
        root.addHandler(h);
        root.setLevel(h.getLevel());
    }
}
