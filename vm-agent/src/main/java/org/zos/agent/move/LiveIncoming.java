package org.zos.agent.move;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.logging.Logger;
import org.zos.agent.hypervisor.DomainXml;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.LiveOpen;
import org.zos.protocol.message.LivePrepare;
import org.zos.protocol.message.LiveReady;
import org.zos.protocol.message.Progress;
import org.zos.protocol.net.Responder;
import org.zos.protocol.stream.Duplex;

/**
 * The receiving side of a live move (docs/protocol.md, "Live moves"): the images sent ahead put where the
 * domain reads them, the directory of the migration's sockets ({@link LiveSockets}), the domain as it is to
 * run here, and each connection the sender's agent opens ({@code live-open}) joined to this host's
 * libvirtd (through {@link LibvirtGuard}) or to the UNIX socket where its QEMU takes the migration stream
 * or serves the disk by NBD.
 */
final class LiveIncoming implements LibvirtGuard.Expect {
    private static final Logger LOG = Logger.getLogger(LiveIncoming.class.getName());
    /** libvirtd's read-write socket. */
    static final Path LIBVIRTD = Path.of("/run/libvirt/libvirt-sock");
    /** What of an incoming domain must be exactly as this host placed it. */
    private static final List<String> PLACED = List.of("/domain/name", "/domain/uuid", "/domain/devices/emulator",
            "/domain/os/kernel", "/domain/os/initrd", "/domain/devices/disk[target/@dev='vda']/source/@file",
            "/domain/devices/serial/log/@file");

    private final Incoming in;
    private final LiveSockets sockets;
    private final String placed;

    private LiveIncoming(Incoming in, LiveSockets sockets, String placed) {
        this.in = in;
        this.sockets = sockets;
        this.placed = placed;
    }

    /** Readies move {@code in} for the live migration {@code p} announces. */
    static LiveIncoming prepare(Incoming in, LivePrepare p, Consumer<Progress> progress) throws IOException, InterruptedException {
        ImageWriter.placeAhead(in, progress);
        String placed = in.held.placed(p.domainXml());
        return new LiveIncoming(in, LiveSockets.of(in.id).create(), placed);
    }

    /** The domain as it is to run here: what the sender gives its hypervisor as the destination's. */
    String placed() {
        return placed;
    }

    /** Answers {@code live-open}: joins the stream to the local socket of its kind; {@code ended} runs when it closes. */
    Responder.Opened open(LiveOpen o, Duplex stream, Runnable ended) throws IOException {
        LivePipe.Kind kind = LivePipe.Kind.valueOf(o.kind().toUpperCase());
        Path target = switch (kind) {
            case LIBVIRT -> LIBVIRTD;
            case MIGRATION -> sockets.migration();
            case DISKS -> sockets.disks();
        };
        Duplex local;
        try {
            local = LivePipe.connect(target);
        } catch (IOException e) {
            throw new ZosException(ErrorCode.INTERNAL, "the live move's " + o.kind() + " connection found nothing at " + target
                    + " (" + e.getMessage() + ")", "see libvirtd's log on this host");
        }
        LOG.info("move " + in.id + " of " + in.anima + ": " + o.kind() + " connection open");
        LibvirtGuard guard = kind == LivePipe.Kind.LIBVIRT ? new LibvirtGuard(this) : null;
        return new Responder.Opened(new LiveReady(o.transfer(), o.kind()), () -> LivePipe.receive(kind, stream, local,
                (offset, page) -> {
                    throw new ZosException(ErrorCode.PROTOCOL_ERROR, "a reference in a live stream, which this move does not take", "");
                }, guard, (figures, failure) -> {
                    ended.run();
                    if (failure != null) {
                        LOG.info("move " + in.id + " of " + in.anima + ": " + o.kind() + " connection ended: " + failure);
                    }
                }));
    }

    @Override
    public String migrateUri() {
        return sockets.migrationUri();
    }

    @Override
    public String disksUri() {
        return sockets.disksUri();
    }

    /** A domain the migration would define here: confined, and everything {@link #PLACED} names as this host placed it. */
    @Override
    public void domain(String xml) {
        org.zos.agent.hypervisor.DomainConfinement.require(xml);
        for (String x : PLACED) {
            String want = DomainXml.select(placed, x).orElse("");
            String got = DomainXml.select(xml, x).orElse("");
            if (!want.equals(got)) {
                throw new ZosException(ErrorCode.DENIED, "the live migration of " + in.anima + " names " + x + " '" + got
                        + "', not '" + want + "' as this host placed it", "");
            }
        }
    }

    /** Removes the sockets' directory. */
    void close() {
        try {
            sockets.remove();
        } catch (IOException e) {
            LOG.fine("removing " + sockets.dir() + ": " + e);
        }
    }
}
