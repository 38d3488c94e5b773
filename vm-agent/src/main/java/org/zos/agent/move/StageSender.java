package org.zos.agent.move;

import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.logging.Logger;
import org.zos.agent.anima.AnimaManager;
import org.zos.agent.anima.AnimaPaths;
import org.zos.agent.anima.AnimaRecord;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.AccessGrant;
import org.zos.protocol.message.AccessQuery;
import org.zos.protocol.message.MoveAbort;
import org.zos.protocol.message.MoveDone;
import org.zos.protocol.message.MoveOffer;
import org.zos.protocol.message.MoveReady;
import org.zos.protocol.message.Progress;
import org.zos.store.AnimaStore;
import org.zos.store.crypto.MasterKey;
import org.zos.store.manifest.Manifest;

/**
 * The sending side of a stage ({@code zos-vm stage HOST NAME}, Internet Suspend/Resume's "send the state
 * before the user arrives"): while the anima runs at home, its kernel, initrd and disk go to a host it may
 * visit next, with the newest memory image its store holds; a suspended anima's saved memory goes too,
 * split against its disk as a move splits it. The target checks it could run the anima (access, CPU,
 * space) and keeps what came only as sealed chunks: the stage ends with {@code move-abort}, and the
 * target erases the key and the manifests. The visit that follows brings the key again, and only the
 * chunks the stage did not send, or that changed since, go then.
 *
 * <p>Nothing of the anima changes at home: it runs (or rests) as before, and is not held meanwhile, so a
 * user can suspend or move it at any moment; a domination cancels a stage of the same anima first.
 */
final class StageSender {
    private static final Logger LOG = Logger.getLogger(StageSender.class.getName());

    private final MoveContext ctx;
    private final String name;
    private final String target;
    private final String user;
    private final Consumer<Progress> progress;
    private final long bytesPerSecond;
    private final BooleanSupplier cancelled;

    StageSender(MoveContext ctx, String name, String target, String user, Consumer<Progress> progress, long bytesPerSecond,
            BooleanSupplier cancelled) {
        this.ctx = ctx;
        this.name = name;
        this.target = target;
        this.user = user;
        this.progress = progress;
        this.bytesPerSecond = bytesPerSecond;
        this.cancelled = cancelled;
    }

    /** Stages the anima on the target; returns what it cost ("staged 85.3 MiB (…) in 1234 chunks in 7.10 s"). */
    String send() throws IOException {
        long t0 = System.nanoTime();
        AnimaRecord r;
        String xml;
        boolean suspended;
        // A consistent look at the anima, then it is let go: the stage only reads its files.
        try (AnimaManager.Held held = ctx.manager().get().hold(name)) {
            r = held.record();
            if (r.home() != null) {
                throw new ZosException(ErrorCode.INVALID_STATE, "anima '" + name + "' only visits this host (its home is " + r.home()
                        + ")", "stage it from its home");
            }
            if (r.away() != null) {
                throw new ZosException(ErrorCode.INVALID_STATE, "anima '" + name + "' is away on " + r.away(),
                        "return it home first with 'zos-vm return " + name + "'");
            }
            if (!held.state().isActive() && !r.suspended()) {
                throw new ZosException(ErrorCode.INVALID_STATE, "anima '" + name + "' is shut off",
                        "start it first with 'zos-vm start " + name + "'; a shut-off anima is not moved yet");
            }
            suspended = !held.state().isActive();
            xml = held.domainXml();
        }
        AnimaPaths paths = ctx.registry().paths(name);
        RateLimit rate = new RateLimit(bytesPerSecond);
        long transfer = 0;
        try (MoveLink peer = ctx.dial(target, user)) {
            AccessQuery full = new AccessQuery("full"); // a stage is for a domination: DENIED, with the line to add, before anything goes
            MoveProtocol.answer(peer.request(full, ctx.times().dial()), AccessGrant.class, full);
            byte[] kek = ctx.stores().hostKek();
            try (AnimaStore store = ctx.store().openOrCreate(name, kek)) {
                MasterKey key = ctx.store().key(name, kek);
                byte[] stageKek = new byte[32]; // wraps the key there until the stage ends, then the key goes: kept nowhere
                new SecureRandom().nextBytes(stageKek);
                DiskIngest disk = new DiskIngest(store, paths.disk(), suspended, false, progress);
                try {
                    long bytes = (r.diskSizeMiB() << 20) + ((long) r.memoryMiB() << 20);
                    MoveOffer o = new MoveOffer(name, ctx.host(), MoveOffer.STAGE, r.uuid().toString(), r.memoryMiB(), r.vcpus(),
                            r.diskSizeMiB(), r.guestKey(), r.kernelPackage(), r.accelerator(), xml, bytes,
                            Base64.getEncoder().encodeToString(key.bytes()), Base64.getEncoder().encodeToString(stageKek));
                    transfer = MoveProtocol.answer(peer.request(o, ctx.times().idle(), progress), MoveReady.class, o).transfer();
                    LOG.info("stage of " + name + " on " + target + " accepted (transfer " + transfer + ")");
                    ImageSender out = new ImageSender(ctx, store, name, target, progress, rate, cancelled, this::checkCancelled);
                    out.sendFile(peer, transfer, "kernel", paths.kernel(), 1);
                    out.sendFile(peer, transfer, "initrd", paths.initrd(), 1);
                    checkCancelled();
                    if (suspended) { // its memory is saved: it goes as a move sends it, split against the disk
                        disk.manifest();
                        out.sendMemory(peer, transfer, paths, disk, disk.blocks(), new LinkedHashMap<>());
                    } else {
                        out.offer(peer, transfer, "disk", disk.manifest());
                        Manifest memory = newest(store, "memory");
                        if (memory != null) { // the newest memory image here: what of it has not changed need not go later
                            out.offer(peer, transfer, "memory", memory);
                        }
                    }
                    MoveAbort end = new MoveAbort(transfer, "staged");
                    MoveProtocol.answer(peer.request(end, ctx.times().idle()), MoveDone.class, end);
                    String note = String.format(java.util.Locale.ROOT, "staged %.1f MiB (%d bytes) in %d chunks; total %.2f s",
                            out.wireBytes() / 1048576.0, out.wireBytes(), out.chunks(), (System.nanoTime() - t0) / 1e9);
                    LOG.info("anima " + name + " staged on " + target + ": " + note);
                    return note;
                } finally {
                    disk.settle();
                    key.destroy();
                    java.util.Arrays.fill(stageKek, (byte) 0);
                }
            }
        } catch (IOException | RuntimeException e) {
            if (transfer != 0) { // the target drops what it has (keeping what it sealed) now, not when it notices the silence
                ctx.abort(target, user, transfer, "the stage failed: " + e.getMessage(), Duration.ofSeconds(10));
            }
            LOG.warning("the stage of " + name + " on " + target + " ended: " + e.getMessage());
            throw e;
        }
    }

    /** The newest generation of an image in the store, or null if it has none. */
    private static Manifest newest(AnimaStore store, String image) throws IOException {
        try {
            return store.manifest(image, 0);
        } catch (ZosException e) {
            if (e.code() == ErrorCode.ANIMA_NOT_FOUND) {
                return null;
            }
            throw e;
        }
    }

    private void checkCancelled() {
        if (cancelled.getAsBoolean()) {
            throw new ZosException(ErrorCode.CANCELLED, "the stage of anima '" + name + "' on " + target + " was cancelled; what "
                    + "went is kept there", "");
        }
    }
}
