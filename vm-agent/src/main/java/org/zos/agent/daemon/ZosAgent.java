package org.zos.agent.daemon;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Logger;
import org.zos.agent.access.AccessList;
import org.zos.agent.anima.AnimaRegistry;
import org.zos.agent.console.ConsoleServer;
import org.zos.agent.move.WarmUp;
import org.zos.guest.GuestImageBuilder;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.net.LocalServer;
import org.zos.protocol.net.ZosServer;
import org.zos.protocol.tls.HostIdentity;
import org.zos.protocol.tls.KnownHosts;
import org.zos.protocol.tls.WebIdentity;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code zos-agent}: the host daemon. Runs in the foreground (systemd's Type=simple, or a terminal);
 * logs to stderr what it does and every access decision; stops on SIGTERM.
 */
@Command(name = "zos-agent", mixinStandardHelpOptions = true, versionProvider = ZosAgent.Version.class,
        description = "The zos host daemon: accepts enrolled hosts over TLS and answers ZAP discovery.")
public final class ZosAgent implements Callable<Integer> {
    private static final Logger LOG = Logger.getLogger(ZosAgent.class.getName());
    /** What this agent says it is in its hello: {@code zos 0.1.0 (a7183dd, 2026-12-02T06:44:31Z)}. */
    public static final String SOFTWARE = "zos " + org.zos.protocol.Build.describe();

    /** {@code zos-agent --version}. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"zos-agent " + org.zos.protocol.Build.describe()};
        }
    }

    @Option(names = "--config-dir", paramLabel = "DIR", description = "configuration (default: /etc/zos)")
    Path configDir = Path.of("/etc/zos");

    @Option(names = "--state-dir", paramLabel = "DIR", description = "animas and the image store (default: /var/lib/zos)")
    Path stateDir = Path.of("/var/lib/zos");

    @Option(names = "--name", description = "this host's name (default: agent.properties, else the host name)")
    String name;

    @Option(names = "--bind", paramLabel = "ADDRESS", description = "address to listen on (default: all)")
    String bind;

    @Option(names = "--port", description = "TLS port (default: 7470)")
    int port;

    @Option(names = "--socket", paramLabel = "PATH",
            description = "the UNIX socket for commands from this host (default: ${DEFAULT-VALUE}; mode 0660, group zos)")
    Path socket = LocalServer.DEFAULT_SOCKET;

    @Option(names = "--zap-port", paramLabel = "PORT", description = "ZAP discovery UDP port (default: 7471)")
    int zapPort;

    @Option(names = {"-c", "--connect"}, paramLabel = "URI",
            description = "libvirt URI (default: $LIBVIRT_DEFAULT_URI or qemu:///system)")
    String uri = envOr("LIBVIRT_DEFAULT_URI", "qemu:///system");

    @Option(names = "--guest-cache", paramLabel = "DIR",
            description = "where the default guest is built (default: $ZOS_GUEST_CACHE or /var/cache/zos/guest)")
    Path guestCache = Path.of(envOr("ZOS_GUEST_CACHE", "/var/cache/zos/guest"));

    @Option(names = "--guest", paramLabel = "DIR",
            description = "use the default guest already built in DIR instead of building it (for hosts without the build tools)")
    Path guest;

    @Option(names = "--desktop-guest", paramLabel = "DIR",
            description = "with --guest: the desktop guest already built in DIR")
    Path desktopGuest;

    @Option(names = "--no-warm-up", description = "do not run the move path on made-up data at start (saves a few "
            + "CPU-seconds; the first move is then slower)")
    boolean noWarmUp;

    @Option(names = "--console-bind", paramLabel = "ADDRESS",
            description = "address the web console listens on (default: 127.0.0.1; 0.0.0.0 for the LAN)")
    String consoleBind;

    @Option(names = "--log-level", paramLabel = "LEVEL", defaultValue = "info",
            description = "error, warning, info or debug (default: ${DEFAULT-VALUE})")
    String logLevel;

    @Option(names = "--log-file", paramLabel = "FILE",
            description = "log to FILE, rotated at 10 MiB (FILE.1 … FILE.5), instead of stderr (the journal under systemd)")
    Path logFile;

    @Option(names = "--console-port", paramLabel = "PORT", description = "the web console's HTTPS port (default: 7472)")
    int consolePort;

    @Option(names = "--no-console", description = "run without the web console")
    boolean noConsole;

    @Option(names = "--fingerprint", description = "print this host's fingerprint (making its identity if needed) and exit")
    boolean fingerprintOnly;

    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch closed = new CountDownLatch(1);
    private final java.util.concurrent.CompletableFuture<Integer> started = new java.util.concurrent.CompletableFuture<>();

    /** The port the agent listens on, once it does (for running an agent inside a test). */
    public int awaitStarted(java.time.Duration timeout) throws Exception {
        return started.get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** Stops an agent started by {@link #call} on another thread. */
    public void stop() {
        stop.countDown();
    }

    static String envOr(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new ZosAgent()).setExecutionExceptionHandler((e, cmd, parsed) -> {
            System.err.println("error: " + (e instanceof ZosException z ? z.userLine() : "internal: " + e));
            return e instanceof ZosException z ? z.code().exitStatus() : 1;
        }).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        try {
            return serve();
        } catch (Exception | Error e) {
            started.completeExceptionally(e);
            throw e;
        }
    }

    /**
     * Gets the agent ready for its first move, in the background: dials itself once (a JVM's first TLS
     * connection, with class loading, the crypto provider and cold code, takes over a second), connects to
     * libvirt, and runs the move's data path on made-up data ({@link WarmUp}), so the first move does not
     * wait for any of it.
     */
    private void warmUp(HostIdentity me, int port, AnimaActions animas, Path scratch) {
        Thread t = new Thread(() -> {
            try (org.zos.protocol.net.Peer p = org.zos.protocol.net.Peer.connectLocal(me, port, "zos-agent", SOFTWARE,
                    java.time.Duration.ofSeconds(30))) {
                p.request(new org.zos.protocol.message.Ping(System.nanoTime()), java.time.Duration.ofSeconds(30));
            } catch (RuntimeException e) {
                LOG.fine("warming up TLS: " + e);
            }
            animas.connectEarly();
            if (!noWarmUp) {
                WarmUp.run(scratch);
            }
        }, "zos-warm-up");
        t.setDaemon(true);
        t.start();
    }

    /** What the log says about the site authorities: which are trusted, and whether this host is endorsed. */
    private static String siteTrust(HostIdentity me, KnownHosts known) {
        java.util.List<String> names = known.site().anchors().stream().map(org.zos.protocol.tls.Authorities.Anchor::name).toList();
        if (names.isEmpty()) {
            return "";
        }
        String endorsed = me.endorsement()
                .map(e -> "endorsed by " + org.zos.protocol.tls.PinningTrustManager.commonName(e.getIssuerX500Principal()))
                .orElse("not endorsed");
        return "; site authorities " + String.join(", ", names) + " (this host is " + endorsed + ")";
    }

    /** The web console, with a certificate that names this host and the address it listens on. */
    private static ConsoleServer startConsole(AgentConfig config, HostIdentity me, KnownHosts known, AnimaActions animas,
            Views views) throws java.io.IOException {
        java.util.List<String> names = new java.util.ArrayList<>();
        if (!config.consoleBind().equals("0.0.0.0") && !config.consoleBind().equals("::")) {
            names.add(config.consoleBind());
        } else {
            for (java.net.NetworkInterface n : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
                n.getInterfaceAddresses().forEach(a -> names.add(a.getAddress().getHostAddress().replaceAll("%.*", "")));
            }
        }
        return ConsoleServer.start(new AgentConsole(me, known, config, animas, views), animas.activity(),
                WebIdentity.loadOrCreate(config.identityDir(), me.host(), names),
                new InetSocketAddress(config.consoleBind(), config.consolePort()));
    }

    /** Partial dominations, known to the views and the actions that use them. */
    private static Lending lending(HostIdentity me, KnownHosts known, AccessList access, AnimaActions animas, FolderSync folders,
            Views views) {
        Lending l = new Lending(me, known, access, animas, folders, views);
        views.lending(l);
        animas.sharing(folders, l);
        return l;
    }

    private int serve() throws Exception {
        try {
            AgentLog.install(logLevel, logFile);
        } catch (IllegalArgumentException e) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, e.getMessage(), "see 'zos-agent --help'");
        }
        AgentConfig config = AgentConfig.load(configDir, stateDir, name, bind, port, zapPort, consoleBind, consolePort);
        HostIdentity me = HostIdentity.loadOrCreate(config.identityDir(), config.name());
        if (fingerprintOnly) {
            System.out.println(me.host() + " " + me.fingerprint());
            return 0;
        }
        AccessList access = new AccessList(config.accessList());
        if (access.problem() != null) {
            LOG.warning(access.problem().userLine());
        }
        KnownHosts known = new KnownHosts(config.knownHosts());
        try (AnimaActions animas = new AnimaActions(me, known, uri, new AnimaRegistry(config.stateDir()),
                        guest != null ? GuestImageBuilder.prebuilt(guest, desktopGuest) : new GuestImageBuilder(guestCache), config.configDir());
                Views views = new Views(me, known, access, animas);
                FolderSync folderSync = new FolderSync(me, known, animas, new FolderHost(me.host(), access, config.stateDir()));
                ConsoleServer console = noConsole ? null : startConsole(config, me, known, animas, views)) {
            AgentResponder responder = new AgentResponder(me, known, access, animas, views, console, folderSync.host(),
                    lending(me, known, access, animas, folderSync, views));
            try (ZosServer server = ZosServer.start(me, known, new InetSocketAddress(config.bind(), config.port()), SOFTWARE,
                            responder, animas.moves().receiver()::accept);
                    LocalServer local = LocalServer.start(me, socket, SOFTWARE, responder);
                    ZapResponder zap = new ZapResponder(config, me, access);
                    RevocationWatch revocations = new RevocationWatch(known.site())) {
                LOG.info("zos-agent " + me.host() + " listening on " + local.path() + " (this host: " + local.access() + "), "
                        + config.bind() + ":" + server.port() + " (TLS), "
                        + config.zapPort() + "/udp (ZAP)" + (console == null ? "" : ", web console https://"
                        + config.consoleBind() + ":" + console.port() + "/") + "; fingerprint " + me.fingerprint() + "; "
                        + known.entries().size() + " known hosts" + siteTrust(me, known) + "; animas in " + config.stateDir()
                        + "; libvirt " + uri);
                animas.moves().start();
                folderSync.start();
                warmUp(me, server.port(), animas, config.stateDir().resolve("warm-up"));
                started.complete(server.port());
                SystemdNotify.send("READY=1\nSTATUS=listening on " + local.path() + " and port " + server.port());
                // On SIGTERM the JVM exits once its hooks return: this one waits (up to 10 s) for the servers
                // to close, so that the socket file goes and the connections end cleanly.
                Thread hook = new Thread(() -> {
                    stop.countDown();
                    try {
                        closed.await(10, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                Runtime.getRuntime().addShutdownHook(hook);
                stop.await();
                LOG.info("zos-agent stopping");
                SystemdNotify.send("STOPPING=1");
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the hook runs already
                }
            }
        } finally {
            closed.countDown();
        }
        return 0;
    }
}
