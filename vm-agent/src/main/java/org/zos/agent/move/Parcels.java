package org.zos.agent.move;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.logging.Logger;
import org.zos.agent.anima.AnimaManager;
import org.zos.agent.anima.AnimaRecord;
import org.zos.agent.anima.AnimaRegistry;
import org.zos.agent.anima.DiskSpace;
import org.zos.agent.anima.Sha256;
import org.zos.agent.hypervisor.DomainState;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.Progress;
import org.zos.store.AnimaStore;
import org.zos.store.Durable;
import org.zos.store.Store;
import org.zos.store.WorkMeter;
import org.zos.store.chunking.ChunkerParams;
import org.zos.store.crypto.MasterKey;
import org.zos.store.manifest.Manifest;
import org.zos.store.parcel.Parcel;
import org.zos.store.parcel.Remote;
import org.zos.store.parcel.TarRemote;

/**
 * Suspending an anima into a parcel of an object store, and resuming it from one on any host (issue 18;
 * Internet Suspend/Resume's check-in and check-out).
 *
 * <p>The one rule holds through the parcel's lease: a host holds the lease while it holds a runnable copy
 * of the anima. A suspend takes it (or finds it its own), saves the anima here, stores and uploads what the
 * remote lacks, writes the rest record last and checks the parcel; only then does the copy here go, and
 * the lease with it. Until then the anima stays suspended here, resumable, and the lease keeps every other
 * host from resuming an older parcel. A resume takes the lease, downloads what this host lacks, checks
 * every chunk and the memory image's digest, and runs the anima; the lease stays while it runs here (the
 * anima is checked out), and goes if the resume fails.
 */
public final class Parcels {
    private static final Logger LOG = Logger.getLogger(Parcels.class.getName());
    /** The images of a suspended anima, in the order they are stored and uploaded. */
    static final List<String> IMAGES = List.of("kernel", "initrd", "disk", "memory");

    /** Opens a remote by its configured name, or a parcel file by its absolute path (to write, or to read). */
    @FunctionalInterface
    public interface Remotes {
        Remote open(String name, boolean write) throws IOException;
    }

    private final MoveContext ctx;
    private final Remotes remotes;

    Parcels(MoveContext ctx, Remotes remotes) {
        this.ctx = ctx;
        this.remotes = remotes;
    }

    /** Where a note says an anima that left this host for a parcel rests: {@code parcels/NAME} holds the remote's name. */
    private Path note(String name) {
        return ctx.stateDir().resolve("parcels").resolve(name);
    }

    /** The remote anima {@code name} was suspended to from this host, if it was (and not resumed here since). */
    public Optional<String> restsIn(String name) {
        try {
            Path n = note(name);
            return Files.exists(n) ? Optional.of(Files.readString(n, StandardCharsets.UTF_8).strip()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Suspends anima {@code name}, which is home here, into its parcel in remote {@code remoteName}:
     * {@code passphrase} wraps its key there (the first time) or must open the key there.
     */
    public String suspendTo(String name, String remoteName, char[] passphrase, Consumer<Progress> progress) throws IOException {
        long t0 = System.nanoTime();
        Moves.requireNoMove(ctx.stateDir(), name);
        try (AnimaManager.Held held = ctx.manager().get().hold(name)) {
            AnimaRecord r = held.record();
            if (r.home() != null) {
                throw new ZosException(ErrorCode.INVALID_STATE, "anima '" + name + "' only visits this host (its home is " + r.home() + ")",
                        "bring it home with 'zos-vm return " + name + "', then suspend it to the remote there");
            }
            if (r.away() != null) {
                throw new ZosException(ErrorCode.INVALID_STATE, "anima '" + name + "' runs on " + r.away(),
                        "bring it home first with 'zos-vm return " + name + "'");
            }
            DomainState state = held.state();
            if (!state.isActive() && !r.suspended()) {
                throw new ZosException(ErrorCode.INVALID_STATE, "anima '" + name + "' is shut off: a parcel keeps a suspended anima",
                        "start it with 'zos-vm start " + name + "' first");
            }
            progress.accept(new Progress("opening remote " + remoteName, 0, 0, 0));
            try (Remote remote = remotes.open(remoteName, true)) {
                Parcel parcel = new Parcel(remote, name);
                byte[] kek = ctx.stores().hostKek();
                try (AnimaStore store = ctx.store().openOrCreate(name, kek)) {
                    MasterKey key = ctx.store().key(name, kek);
                    try {
                        return suspendHeld(held, state, parcel, store, key, remoteName, passphrase, progress, t0);
                    } finally {
                        key.destroy();
                    }
                }
            }
        }
    }

    /** Images that do not change while an anima runs: what was stored of them ahead is what goes. */
    private static final java.util.Set<String> AHEAD_AS_IS = java.util.Set.of("kernel", "initrd");

    /** What went ahead: the generations stored while the anima ran, and what of them was uploaded. */
    private record Ahead(Map<String, Manifest> images, Parcel.Moved up) {
        static final Ahead NONE = new Ahead(Map.of(), new Parcel.Moved(0, 0, null));
    }

    /**
     * While the anima still runs: its kernel, initrd and disk are stored and the chunks the remote lacks
     * uploaded (not yet named by any record), so that after the suspend only what changed on the disk
     * and the memory go. Returns what was stored and sent. A failure leaves the anima running here.
     */
    private Ahead sendAhead(AnimaManager.Held held, Parcel parcel, AnimaStore store, MasterKey key, String remoteName,
            Consumer<Progress> progress) throws IOException {
        String name = held.record().name();
        long t0 = System.nanoTime();
        Map<String, Manifest> stored = new java.util.LinkedHashMap<>();
        try {
            Map<String, Path> files = ImageWriter.targets(held.paths());
            for (String image : List.of("kernel", "initrd", "disk")) {
                try (Meter m = Meter.report("storing " + image + " (it runs on)", progress)) {
                    stored.put(image, store.ingest(image, files.get(image), ChunkerParams.DEFAULT, m.work()).manifest());
                }
            }
            Parcel.Moved up;
            try (Meter m = Meter.report("uploading ahead to " + remoteName + " (it runs on)", progress)) {
                up = parcel.pushAhead(store, key, List.copyOf(stored.values()), m.work());
            }
            LOG.info(String.format(Locale.ROOT, "%s: %.1f MB of kernel, initrd and disk uploaded ahead to %s in %.1f s, while it ran",
                    name, up.bytes() / 1e6, remoteName, (System.nanoTime() - t0) / 1e9));
            ctx.faults().at("parcel.ahead");
            return new Ahead(stored, up);
        } catch (ZosException e) {
            throw new ZosException(e.code(), e.getMessage() + "; anima '" + name + "' runs here as before", e.hint(), e);
        }
    }

    private String suspendHeld(AnimaManager.Held held, DomainState state, Parcel parcel, AnimaStore store, MasterKey key,
            String remoteName, char[] passphrase, Consumer<Progress> progress, long t0) throws IOException {
        String name = held.record().name();
        Remote remote = parcel.remote();
        parcel.keep(key, passphrase); // DENIED for a wrong passphrase, ANIMA_EXISTS for another anima's parcel
        parcel.take(key, ctx.host()); // BUSY while another host has it checked out
        Ahead ahead = Ahead.NONE;
        if (state.isActive()) {
            ahead = sendAhead(held, parcel, store, key, remoteName, progress);
            progress.accept(new Progress("saving memory", 0, 0, 0));
            long ts = System.nanoTime();
            held.suspend();
            LOG.info("suspended " + name + " in " + (System.nanoTime() - ts) / 1_000_000 + " ms, for remote " + remoteName);
        }
        ctx.faults().at("parcel.suspended");
        boolean forgotten = false;
        try {
            Map<String, Long> before = parcel.rest(key).map(Parcel.Rest::images).orElse(Map.of());
            List<Manifest> images = new ArrayList<>();
            Map<String, Path> files = new java.util.HashMap<>(ImageWriter.targets(held.paths()));
            long read = 0;
            try {
                // The memory's pages that the disk holds go as references to it, as a move sends them (MemoryImage).
                progress.accept(new Progress("finding memory pages on the disk", 0, 0, 0));
                long tSplit = System.nanoTime();
                Optional<MemoryImage.Split> split = MemoryImage.split(held.paths().state(), held.paths().disk(),
                        ImageWriter.rest(held.paths()), ImageWriter.refs(held.paths()));
                List<String> stored = new ArrayList<>(IMAGES);
                if (split.isPresent()) {
                    LOG.info(String.format(Locale.ROOT, "%s: %d of %d memory pages are on the disk (split in %d ms)", name,
                            split.get().refs(), split.get().pages(), (System.nanoTime() - tSplit) / 1_000_000));
                    files.put("memory", ImageWriter.rest(held.paths()));
                    stored.add("memory-refs");
                }
                for (String image : stored) {
                    if (AHEAD_AS_IS.contains(image) && ahead.images().containsKey(image)) { // stored while it ran, unchanged since
                        images.add(ahead.images().get(image));
                        read += ahead.images().get(image).length();
                        continue;
                    }
                    try (Meter m = Meter.report("storing " + image, progress)) {
                        // A generation above the parcel's own, so no store that pulled the parcel holds another of that number.
                        Manifest mf = store.ingest(image, files.get(image), ChunkerParams.DEFAULT, m.work(),
                                before.getOrDefault(image, 0L) + 1).manifest();
                        images.add(mf);
                        read += mf.length();
                    }
                }
            } finally {
                ImageWriter.dropSplit(held.paths());
            }
            long tUp = System.nanoTime();
            Parcel.Moved up;
            try (Meter m = Meter.report("uploading to " + remoteName, progress)) {
                up = parcel.push(store, key, images, ctx.host(), AnimaRegistry.JSON.writeValueAsString(held.record()), m.work());
            }
            ctx.faults().at("parcel.pushed");
            progress.accept(new Progress("checking the parcel", 0, 0, 0));
            Parcel.Checked checked = parcel.check(key, false, new WorkMeter());
            if (!checked.problems().isEmpty()) {
                throw new ZosException(ErrorCode.INTEGRITY_ERROR, "the parcel of anima '" + name + "' in remote '" + remoteName
                        + "' is not complete after the upload: " + String.join("; ", checked.problems()),
                        "the anima stays suspended here; suspend it to the remote again, or resume it here");
            }
            if (remote instanceof TarRemote file) { // in place, and on the medium, before the copy here goes
                file.finish();
                file.close();
            }
            // The parcel is the anima now: the copy here goes (its sealed chunks stay in the store, for a
            // later resume here to download only what changed), then the lease.
            Files.createDirectories(note(name).getParent());
            Durable.write(note(name).resolveSibling(name + ".tmp"), note(name), (remoteName + "\n").getBytes(StandardCharsets.UTF_8));
            held.forget(new long[0]);
            forgotten = true;
            ctx.faults().at("parcel.forgotten");
            double s = (System.nanoTime() - t0) / 1e9;
            String note = String.format(Locale.ROOT, "uploaded %.1f MB in %d objects (%.1f MB of them while it ran; of %.1f MB of "
                    + "images) in %.1f s (%.1f s uploading after the suspend)", (ahead.up().bytes() + up.bytes()) / 1e6,
                    ahead.up().objects() + up.objects(), ahead.up().bytes() / 1e6, read / 1e6, s, (System.nanoTime() - tUp) / 1e9);
            try {
                parcel.release(key, ctx.host());
            } catch (ZosException e) { // it rests there; only this host can resume it until the lease goes
                LOG.warning("anima " + name + " rests in remote " + remoteName + " but this host's lease of it could not be ended: " + e);
                note += "; this host's lease of it could not be ended (" + e.getMessage() + "): resume it here, or end the lease with "
                        + "'zos-vm parcel unlock " + name + " --remote " + remoteName + "'";
            }
            LOG.info("anima " + name + " rests in remote " + remoteName + ": " + note);
            return note;
        } catch (ZosException e) {
            if (forgotten) {
                throw e;
            }
            throw new ZosException(e.code(), e.getMessage() + "; anima '" + name + "' stays suspended here",
                    (e.hint().isEmpty() ? "" : e.hint() + "; ") + "'zos-vm suspend " + name + " --to " + remoteName
                            + "' again uploads only what is missing, 'zos-vm resume " + name + "' runs it here", e);
        }
    }


    /**
     * Resumes anima {@code name}, which is not on this host, from its parcel in remote {@code remoteName},
     * opened with {@code passphrase}; this host becomes its home.
     */
    public String resumeFrom(String name, String remoteName, char[] passphrase, Consumer<Progress> progress) throws IOException {
        long t0 = System.nanoTime();
        Moves.requireNoMove(ctx.stateDir(), name);
        if (ctx.registry().find(name).isPresent()) {
            throw new ZosException(ErrorCode.ANIMA_EXISTS, "anima '" + name + "' is on this host already",
                    "resume it with 'zos-vm resume " + name + "'; a parcel is resumed on a host that does not hold its anima");
        }
        progress.accept(new Progress("opening remote " + remoteName, 0, 0, 0));
        try (Remote remote = remotes.open(remoteName, false)) {
            Parcel parcel = new Parcel(remote, name);
            MasterKey key = parcel.key(passphrase); // ANIMA_NOT_FOUND, or DENIED for a wrong passphrase
            try {
                parcel.take(key, ctx.host()); // BUSY while another host has it checked out
                boolean running = false;
                try {
                    Parcel.Rest rest = parcel.rest(key).orElseThrow(() -> new ZosException(ErrorCode.INVALID_STATE, "anima '" + name
                            + "' in remote '" + remoteName + "' was never suspended there completely",
                            "suspend it there again from where it runs"));
                    AnimaRecord saved = AnimaRegistry.JSON.readValue(rest.record(), AnimaRecord.class);
                    if (!saved.name().equals(name) || !rest.images().keySet().containsAll(IMAGES) || saved.stateSha256() == null) {
                        throw new ZosException(ErrorCode.INTEGRITY_ERROR, "the rest record of anima '" + name + "' in remote '"
                                + remoteName + "' does not describe a suspended anima of that name", "suspend it there again from where it runs");
                    }
                    String note = resume(parcel, saved, rest, key, remoteName, progress, t0);
                    running = true;
                    return note;
                } finally {
                    if (!running) {
                        try {
                            parcel.release(key, ctx.host());
                        } catch (ZosException e) {
                            LOG.warning("the lease of " + name + " in remote " + remoteName + " stays this host's (it could not be ended: "
                                    + e.getMessage() + "); 'zos-vm parcel unlock' ends it");
                        }
                    }
                }
            } finally {
                key.destroy();
            }
        }
    }

    /**
     * Stages anima {@code name} from its parcel in {@code remoteName} on this host, ahead of a resume here:
     * downloads what this host's store lacks, without the lease (the anima may run elsewhere meanwhile) and
     * without restoring anything, then retires the store (key and manifests erased, sealed chunks kept), so
     * that nothing of it is readable here until a {@code resume --from} brings the key again and downloads
     * only what changed since.
     */
    public String stageFrom(String name, String remoteName, char[] passphrase, Consumer<Progress> progress) throws IOException {
        long t0 = System.nanoTime();
        Moves.requireNoMove(ctx.stateDir(), name);
        if (ctx.registry().find(name).isPresent()) {
            throw new ZosException(ErrorCode.ANIMA_EXISTS, "anima '" + name + "' is on this host already", "nothing to stage");
        }
        progress.accept(new Progress("opening remote " + remoteName, 0, 0, 0));
        try (Remote remote = remotes.open(remoteName, false)) {
            Parcel parcel = new Parcel(remote, name);
            MasterKey key = parcel.key(passphrase); // ANIMA_NOT_FOUND, or DENIED for a wrong passphrase
            try {
                Files.createDirectories(ctx.stateDir());
                byte[] kek = ctx.stores().hostKek();
                Parcel.Moved down;
                try (AnimaStore store = storeOf(ctx.store(), name, key, kek)) {
                    try (Meter m = Meter.report("downloading from " + remoteName, progress)) {
                        down = parcel.pull(store, key, m.work());
                    }
                } finally {
                    ctx.store().retire(name);
                }
                String note = String.format(Locale.ROOT, "staged %.1f MB (%d bytes) in %d objects in %.1f s", down.bytes() / 1e6,
                        down.bytes(), down.objects(), (System.nanoTime() - t0) / 1e9);
                LOG.info("anima " + name + " staged here from remote " + remoteName + ": " + note);
                return note;
            } finally {
                key.destroy();
            }
        }
    }

    private String resume(Parcel parcel, AnimaRecord saved, Parcel.Rest rest, MasterKey key, String remoteName,
            Consumer<Progress> progress, long t0) throws IOException {
        String name = saved.name();
        Files.createDirectories(ctx.stateDir()); // a host that never held an anima may have none yet
        DiskSpace.require(ctx.stateDir(), ((saved.diskSizeMiB() + saved.memoryMiB()) << 20) * 2 + (256L << 20),
                "anima '" + name + "' from remote '" + remoteName + "'");
        byte[] kek = ctx.stores().hostKek();
        Parcel.Moved down;
        long tDown = System.nanoTime();
        long pulled;
        try (AnimaStore store = storeOf(ctx.store(), name, key, kek)) {
            try (Meter m = Meter.report("downloading from " + remoteName, progress)) {
                down = parcel.pull(store, key, m.work());
            }
            pulled = System.nanoTime();
            ctx.faults().at("parcel.pulled");
            // This host is its home from now on: the record as it was suspended, without the saved state until it is in place.
            AnimaRecord here = new AnimaRecord(AnimaRecord.FORMAT, name, saved.uuid(), saved.memoryMiB(), saved.vcpus(),
                    saved.diskSizeMiB(), saved.guestKey(), saved.kernelPackage(), saved.accelerator(), saved.createdAt(), false, null, 0,
                    null, null, null);
            try (AnimaManager.Held held = ctx.manager().get().adopt(here)) {
                try {
                    Map<String, Path> files = new java.util.HashMap<>(ImageWriter.targets(held.paths()));
                    List<String> images = new ArrayList<>(IMAGES);
                    boolean split = rest.images().containsKey("memory-refs");
                    if (split) { // the save image without the pages its disk holds, and where they are on the disk
                        files.put("memory", ImageWriter.rest(held.paths()));
                        images.add("memory-refs");
                    }
                    for (String image : images) {
                        try (Meter m = Meter.report("writing " + image, progress)) {
                            store.materialize(store.manifest(image, rest.images().get(image)), files.get(image), m.work(),
                                    !(split && image.startsWith("memory"))); // the parts are joined at once, then deleted
                        }
                    }
                    if (split) {
                        try (Meter m = Meter.report("putting memory back together", progress)) {
                            MemoryImage.join(ImageWriter.rest(held.paths()), ImageWriter.refs(held.paths()), held.paths().disk(),
                                    held.paths().state(), saved.stateSha256(), true);
                        } finally {
                            ImageWriter.dropSplit(held.paths());
                        }
                    }
                    String sha = split ? saved.stateSha256() : Sha256.file(held.paths().state()); // a join checks what it writes
                    if (!sha.equals(saved.stateSha256())) {
                        throw new ZosException(ErrorCode.INTEGRITY_ERROR, "the memory image of anima '" + name + "' from remote '"
                                + remoteName + "' is not the one suspended (SHA-256 " + sha.substring(0, 12) + "…, expected "
                                + saved.stateSha256().substring(0, 12) + "…)", "nothing was kept here; suspend it there again from where it runs");
                    }
                    progress.accept(new Progress("restoring", 0, 0, 0));
                    held.restorePaused(sha, java.nio.file.Files.size(held.paths().state()));
                    ctx.faults().at("parcel.restored");
                    held.run();
                } catch (IOException | RuntimeException | Error e) {
                    try {
                        held.forget(new long[0]);
                    } catch (IOException | RuntimeException f) {
                        e.addSuppressed(f);
                    }
                    throw e;
                }
            }
        }
        Files.deleteIfExists(note(name));
        String spent = "";
        if (parcel.remote() instanceof TarRemote file) { // it runs here now: the file is not resumed a second time by mistake
            Path f = Path.of(file.name());
            try {
                Files.move(f, f.resolveSibling(f.getFileName() + ".resumed"));
                spent = "; the file is renamed " + f.getFileName() + ".resumed";
            } catch (IOException e) {
                spent = "; the file could not be renamed (" + e.getMessage() + "): do not resume it again, it is older than the anima now";
            }
        }
        String note = String.format(Locale.ROOT, "downloaded %.1f MB in %d objects in %.1f s; running here after %.1f s", down.bytes() / 1e6,
                down.objects(), (pulled - tDown) / 1e9, (System.nanoTime() - t0) / 1e9) + spent;
        LOG.info("anima " + name + " resumed from remote " + remoteName + " (suspended on " + rest.from() + " at "
                + Instant.ofEpochMilli(rest.at()) + "): " + note);
        return note;
    }

    /**
     * The store of anima {@code name} here, to pull its parcel into: the one this host has if it holds the
     * same key (what it stored before is not downloaded again), else a new one (one of another anima of the
     * same name is retired first).
     */
    private static AnimaStore storeOf(Store s, String name, MasterKey key, byte[] kek) throws IOException {
        if (s.holds(name)) {
            MasterKey mine = s.key(name, kek);
            boolean same = java.security.MessageDigest.isEqual(mine.bytes(), key.bytes());
            mine.destroy();
            if (same) {
                return s.open(name, kek);
            }
            s.retire(name);
            LOG.warning("retired this host's store of another anima named " + name + " before resuming it from a parcel");
        }
        return s.create(name, MasterKey.of(key.bytes()), kek);
    }
}
