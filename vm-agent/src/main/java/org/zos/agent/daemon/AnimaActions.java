package org.zos.agent.daemon;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.logging.Logger;
import org.zos.agent.anima.AnimaManager;
import org.zos.agent.anima.AnimaRecord;
import org.zos.agent.anima.AnimaRegistry;
import org.zos.agent.anima.AnimaStatus;
import org.zos.agent.console.Activity;
import org.zos.agent.console.MoveHistory;
import org.zos.agent.hypervisor.LibvirtHypervisor;
import org.zos.agent.move.Meter;
import org.zos.agent.move.Moves;
import org.zos.agent.move.Parcels;
import org.zos.store.parcel.RemoteConfig;
import org.zos.store.parcel.S3Remote;
import org.zos.store.parcel.TarRemote;
import org.zos.protocol.tls.HostIdentity;
import org.zos.protocol.tls.KnownHosts;
import org.zos.guest.GuestImage;
import org.zos.guest.GuestImageBuilder;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.ActionDone;
import org.zos.protocol.message.AnimaAction;
import org.zos.protocol.message.Progress;
import org.zos.protocol.message.StatusReport;

/**
 * What the agent does to the animas it holds, on request: the life cycle through {@link AnimaManager},
 * with libvirt's job progress (saving, restoring) reported as {@link Progress} messages, and their status
 * with every fact this host knows.
 */
final class AnimaActions implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(AnimaActions.class.getName());

    private final String host;
    private final HypervisorLink libvirt;
    private final AnimaRegistry registry;
    private final GuestImageBuilder guests;
    private final Moves moves;
    private final AppActions apps = new AppActions();
    private final Activity activity;
    /** The object stores parcels go to, named in the config directory's remotes/. */
    private final Parcels.Remotes remotes;
    /** Shared folders and partial dominations, set once the agent has made them. */
    private volatile FolderSync folders;
    private volatile Lending lending;
    /** The actions the console shows as they run. */
    static final java.util.Set<String> TRACKED = java.util.Set.of("init", "start", "suspend", "resume", "shutdown", "dominate",
            "return");

    AnimaActions(HostIdentity me, KnownHosts known, String uri, AnimaRegistry registry, GuestImageBuilder guests, java.nio.file.Path configDir) {
        this.host = me.host();
        this.remotes = (n, write) -> !TarRemote.isFile(n) ? S3Remote.open(RemoteConfig.load(configDir, n))
                : write ? TarRemote.create(java.nio.file.Path.of(n)) : TarRemote.open(java.nio.file.Path.of(n));
        this.libvirt = new HypervisorLink(uri);
        this.registry = registry;
        this.guests = guests;
        this.activity = new Activity(new MoveHistory(registry.stateRoot().resolve("console").resolve("moves.jsonl")),
                System::nanoTime);
        this.moves = new Moves(me, known, registry.stateRoot(), libvirt::get,
                () -> new AnimaManager(libvirt.get(), registry, guests), registry, ZosAgent.SOFTWARE);
    }

    void sharing(FolderSync folders, Lending lending) {
        this.folders = folders;
        this.lending = lending;
    }

    Activity activity() {
        return activity;
    }

    Moves moves() {
        return moves;
    }

    AnimaRegistry registry() {
        return registry;
    }

    /** The libvirt state of an anima's domain here (SHUT_OFF-like states when it has none). */
    org.zos.agent.hypervisor.DomainState hypervisorState(String name) {
        return libvirt.get().state(name);
    }

    /** A manager of this host's animas for one request. */
    AnimaManager manager() {
        return new AnimaManager(libvirt.get(), registry, guests);
    }

    /**
     * Connects to libvirt now rather than at the first request (which then does not wait for it), and has it
     * compare a CPU once: its first comparison probes QEMU for over a second, which a move's preflight
     * would otherwise wait for. A failure is only logged.
     */
    void connectEarly() {
        try {
            libvirt.get().checkCpu("<domain type='qemu'><os><type arch='x86_64' machine='q35'>hvm</type></os>"
                    + "<cpu mode='custom' match='exact'><model fallback='forbid'>qemu64</model></cpu></domain>");
        } catch (RuntimeException e) {
            LOG.warning("preparing libvirt at start failed (" + e.getMessage() + "); requests connect again");
        }
    }

    /**
     * Runs one action. The life-cycle actions and the moves report to {@link #activity} as they go (the web
     * console's progress and history), whoever asked for them: the CLI or the console.
     */
    ActionDone run(AnimaAction a, String user, Consumer<Progress> progress) throws java.io.IOException {
        if (!TRACKED.contains(a.action())) {
            return perform(a, user, progress);
        }
        Consumer<Progress> tracked = activity.begin(a.anima(), a.action(), a.action().equals("dominate") ? a.option("host", null)
                : a.action().equals("return") ? registry.find(a.anima()).map(r -> r.home()).orElse(null) : null, progress);
        try {
            ActionDone d = perform(a, user, tracked);
            activity.end(a.anima(), a.action(), d.note(), null);
            return d;
        } catch (ZosException e) {
            activity.end(a.anima(), a.action(), null, e.userLine());
            throw e;
        } catch (java.io.IOException | RuntimeException | Error e) {
            activity.end(a.anima(), a.action(), null, "internal: " + e);
            throw e;
        }
    }

    private ActionDone perform(AnimaAction a, String user, Consumer<Progress> progress) throws java.io.IOException {
        LibvirtHypervisor hypervisor = libvirt.get();
        AnimaManager m = new AnimaManager(hypervisor, registry, guests);
        String name = a.anima();
        long t0 = System.nanoTime();
        String note = "";
        switch (a.action()) {
            case "init" -> {
                GuestImage.Kind kind = GuestImage.Kind.of(a.option("guest", "mini"));
                if (kind == null) {
                    throw new ZosException(ErrorCode.BAD_PARAMETER, "no guest '" + a.option("guest", "") + "'",
                            "give --guest mini (busybox, for tests) or --guest desktop (Debian with a desktop)");
                }
                boolean desktop = kind == GuestImage.Kind.DESKTOP;
                long started = System.currentTimeMillis();
                // The first build of a guest takes minutes: say so, so the caller sees it going on.
                try (Meter w = Meter.poll("preparing the " + kind.id() + " guest", () -> java.util.Optional.of(new Progress(
                        "preparing the " + kind.id() + " guest", 0, 0, System.currentTimeMillis() - started)), progress)) {
                    m.init(name, intOption(a, "memory-mib", desktop ? 1024 : 256), intOption(a, "vcpus", 1),
                        intOption(a, "disk-mib", desktop ? 8192 : 2048),
                        a.options().containsKey("seed-dir") ? java.nio.file.Path.of(a.option("seed-dir", "")) : null, kind);
                }
                moves.startStore(name, user);
            }
            case "start" -> {
                m.start(name, Boolean.parseBoolean(a.option("discard-state", "false")));
                moves.storeAhead(name);
            }
            case "suspend" -> {
                requireRootForFiles(a.option("to", ""), user);
                if (a.options().containsKey("to")) {
                    try (Meter.Beat beat = Meter.beat(REMOTE_QUIET, progress)) {
                        note = withPassphrase(a, pass -> moves.parcels(remotes).suspendTo(name, a.option("to", ""), pass, beat));
                    }
                    LOG.info("suspend " + name + " to remote " + a.option("to", "") + ": done in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
                    return new ActionDone(a.action(), null, note); // it rests in the parcel, no longer here
                }
                try (Meter w = watch(hypervisor, name, "saving", progress)) {
                    note = m.suspend(name).sha256();
                }
            }
            case "resume" -> {
                requireRootForFiles(a.option("from", ""), user);
                Parcels parcels = moves.parcels(remotes);
                if (a.options().containsKey("from")) {
                    try (Meter.Beat beat = Meter.beat(REMOTE_QUIET, progress)) {
                        note = withPassphrase(a, pass -> parcels.resumeFrom(name, a.option("from", ""), pass, beat));
                    }
                    break;
                }
                if (registry.find(name).isEmpty() && parcels.restsIn(name).isPresent()) {
                    String remote = parcels.restsIn(name).get();
                    throw new ZosException(ErrorCode.ANIMA_NOT_FOUND, "anima '" + name + "' is not on this host: it was suspended to remote '"
                            + remote + "'", "resume it from there with 'zos-vm resume " + name + " --from " + remote + "'");
                }
                try (Meter w = watch(hypervisor, name, "restoring", progress)) {
                    m.resume(name);
                }
                moves.storeAhead(name);
            }
            case "shutdown" -> note = m.shutdown(name, Duration.ofSeconds(intOption(a, "timeout-s", 30))) ? "clean" : "forced";
            case "remove" -> {
                moves.endStage(name);
                m.remove(name);
                moves.dropStore(name);
                LOG.info("removed anima " + name);
                return new ActionDone(a.action(), null, "");
            }
            case "dominate" -> {
                if (lending != null && lending.lentTo(name).isPresent()) {
                    throw new ZosException(ErrorCode.INVALID_STATE, "anima '" + name + "' is lent to "
                            + lending.lentTo(name).get().host() + " (a partial domination)", "end it with 'zos-vm return " + name + "' first");
                }
                note = moves.dominate(name, a.option("host", ""), user, Moves.rate(a.option("bandwidth", null)),
                        "true".equals(a.option("live", null)), progress);
            }
            case "stage" -> {
                if (a.options().containsKey("from")) { // here, from a parcel, ahead of a resume
                    requireRootForFiles(a.option("from", ""), user);
                    try (Meter.Beat beat = Meter.beat(REMOTE_QUIET, progress)) {
                        note = withPassphrase(a, pass -> moves.parcels(remotes).stageFrom(name, a.option("from", ""), pass, beat));
                    }
                    return new ActionDone(a.action(), null, note);
                }
                note = moves.stage(name, a.option("host", ""), user, Moves.rate(a.option("bandwidth", null)), progress);
            }
            case "lend" -> note = lending.lend(a, user);
            case "folder-share" -> note = folders.share(a, user);
            case "folder-list" -> {
                return new ActionDone(a.action(), null, folders.list(name));
            }
            case "folder-stop" -> {
                return new ActionDone(a.action(), null, folders.stop(name, a.option("share", ""), user));
            }
            case "return" -> {
                if (lending != null && lending.lentTo(name).isPresent()
                        && registry.find(name).map(r -> r.away() == null).orElse(false)) {
                    return new ActionDone(a.action(), describe(m, name), lending.end(name, user));
                }
                note = moves.returnHome(name, user, Moves.rate(a.option("bandwidth", null)), "true".equals(a.option("live", null)),
                        progress);
                if (registry.find(name).isEmpty()) {
                    return new ActionDone(a.action(), null, note); // it left this visited host for good
                }
            }
            case "cancel" -> {
                return new ActionDone(a.action(), null, moves.cancel(name, user));
            }
            case "app-run", "app-list", "app-stop" -> note = apps.run(m, a);
            case "guest" -> note = guestAnswer(name, a.option("line", ""), m.askGuest(name, a.option("line", ""),
                    Duration.ofSeconds(intOption(a, "timeout-s", 5))).orElseThrow(() -> new ZosException(
                    ErrorCode.INVALID_STATE, "the guest of anima '" + name + "' does not answer on its channel",
                    "is it running? see 'zos-vm status " + name + "'")));
            default -> throw new ZosException(ErrorCode.BAD_PARAMETER, "unknown anima action '" + a.action() + "'",
                    "upgrade zos on this host");
        }
        if (!a.action().equals("guest") && !a.action().startsWith("app-") && !a.action().startsWith("folder-")) {
            LOG.info(a.action() + " " + name + ": done in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        }
        return new ActionDone(a.action(), describe(m, name), note);
    }

    /** What opens a parcel, given the user's passphrase. */
    private interface WithPassphrase {
        String run(char[] passphrase) throws java.io.IOException;
    }

    /**
     * A parcel's work says its last progress again after this much silence: a remote that does not answer
     * holds it for up to its timeout (a minute by default) times the client's attempts, longer than a
     * command waits for a silent agent; the remote's own timeouts bound it.
     */
    private static final Duration REMOTE_QUIET = Duration.ofSeconds(20);

    /** Runs {@code body} with the action's passphrase, overwritten in memory afterwards. */
    private static String withPassphrase(AnimaAction a, WithPassphrase body) throws java.io.IOException {
        char[] pass = a.option(AnimaAction.PASSPHRASE, "").toCharArray();
        try {
            return body.run(pass);
        } finally {
            java.util.Arrays.fill(pass, '\0');
        }
    }

    /** A parcel file is written and read by the agent, as root: only root names one. */
    private static void requireRootForFiles(String where, String user) {
        if (TarRemote.isFile(where) && !"root".equals(user)) {
            throw new ZosException(ErrorCode.DENIED, "only root may have the agent write or read parcel file " + where + " (you are "
                    + user + ")", "run it as root, or keep the parcel in a remote ('zos-vm remote add')");
        }
    }

    /** The guest's list of the anima's shared windows, as JSON. */
    String appList(String name) throws java.io.IOException {
        return apps.run(manager(), new AnimaAction("app-list", name, java.util.Map.of()));
    }

    /** Every anima this host holds, or the one named: empty if it is not here. */
    List<StatusReport.Anima> status(String only) {
        List<String> names = only == null ? registry.names()
                : registry.find(only).isPresent() ? List.of(only) : List.of();
        if (names.isEmpty()) {
            return List.of();
        }
        AnimaManager m = new AnimaManager(libvirt.get(), registry, guests);
        List<StatusReport.Anima> out = new ArrayList<>();
        for (String n : names) {
            out.add(describe(m, n));
        }
        return out;
    }

    private StatusReport.Anima describe(AnimaManager m, String name) {
        AnimaStatus s = m.status(name);
        AnimaRecord r = registry.get(name);
        return new StatusReport.Anima(s.name(), r.home() != null ? r.home() : host, r.away() != null ? r.away() : host, s.state(), s.memoryMiB(), s.vcpus(), s.diskSizeMiB(),
                s.accelerator(), r.kernelPackage(), s.heartbeat() == null ? null : s.heartbeat().boot(),
                s.heartbeat() == null ? null : s.heartbeat().count(), s.stateBytes(),
                s.savedAt() == null ? null : s.savedAt().toString(), s.vnc(), moves.moving(name),
                lending == null ? null : lending.describe(name), folders == null ? null : folders.describe(name), moves.move(name));
    }

    /**
     * The guest's answer to a request, or its refusal as a failure: "err …" is BAD_PARAMETER (a request it
     * does not take), or INTERNAL where the guest says it failed doing it.
     */
    static String guestAnswer(String anima, String line, String answer) {
        if (!answer.startsWith("err")) {
            return answer;
        }
        String why = answer.substring(3).trim();
        String shown = line.length() > 60 ? line.substring(0, 60) + "…" : line;
        if (why.endsWith("failed")) {
            throw new ZosException(ErrorCode.INTERNAL, "the guest of anima '" + anima + "' failed at '" + shown + "': " + why,
                    "see the guest's console log");
        }
        throw new ZosException(ErrorCode.BAD_PARAMETER, "the guest of anima '" + anima + "' refused '" + shown + "': " + why,
                "the default guest takes: ping, write NAME TEXT, read NAME, churn MIB, warm (NAME: letters, digits, . _ -)");
    }

    static int intOption(AnimaAction a, String key, int fallback) {
        String v = a.option(key, null);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "option " + key + " of '" + a.action() + "' is not a number: " + v, "");
        }
    }

    /** Sends a libvirt job's progress four times a second while an action runs. */
    private static Meter watch(LibvirtHypervisor hypervisor, String name, String phase, Consumer<Progress> progress) {
        return Meter.poll(phase, () -> hypervisor.jobProgress(name)
                .map(p -> new Progress(phase, p.processed(), p.total(), p.elapsedMillis())), progress);
    }

    @Override
    public void close() {
        moves.close();
        libvirt.close();
    }
}
