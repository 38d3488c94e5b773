package org.zos.agent.move;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.zos.agent.hypervisor.Accelerator;
import org.zos.agent.hypervisor.DomainConfinement;
import org.zos.agent.hypervisor.DomainSpec;
import org.zos.agent.hypervisor.DomainXml;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.LiveOpen;
import org.zos.protocol.message.LiveReady;
import org.zos.protocol.message.Message;
import org.zos.protocol.message.Ping;
import org.zos.protocol.message.Pong;
import org.zos.protocol.message.Progress;
import org.zos.protocol.net.ChannelStream;
import org.zos.protocol.net.Peer;
import org.zos.protocol.net.Responder;
import org.zos.protocol.net.ZosServer;
import org.zos.protocol.stream.Duplex;
import org.zos.protocol.tls.HostIdentity;
import org.zos.protocol.tls.KnownHosts;

/**
 * A live move's data path, run on made-up memory when the agent starts, after {@link WarmUp}'s store path:
 * the memory by content in rounds (each page's digest, found among a disk's blocks or sent whole, coded
 * and compressed) over a real TLS connection on loopback to a receiver in this JVM, which resolves and
 * writes it; then home's keeping of the memory and its fill of a domain's, and the visited host's seal and
 * its fill. A fresh agent ran all of it cold while the anima waited: interpreted, then compiled by the JIT
 * while it ran, the compiler's threads taking a core from the move; AES-GCM in particular runs at 80 MB/s
 * until its callers are compiled, then at GB/s (on the bench's cluster, a move on fresh agents took 1.2-1.5
 * s longer than the same move on agents that had moved once). Takes a few CPU-seconds at start; a
 * throwaway identity, a port on loopback that takes nothing else, and files in a scratch directory.
 */
final class LiveWarmUp {
    /** Made-up memory: enough pages that the JIT compiles what handles each of them, and TLS's records. */
    static final int MEMORY = 64 << 20;
    private static final int ROUNDS = 3;
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    /**
     * TLS handshakes (Ed25519, X25519): a move makes one a connection, a stream each; the first of a JVM
     * took 750 ms, the next ones 50-65 ms, from the 100th about 20 ms (both ends in one JVM).
     */
    private static final int HANDSHAKES = 40;
    private static final int XML_ROUNDS = 50;

    private LiveWarmUp() {
    }

    /** Runs it on {@code size} bytes of memory in {@code dir}, which exists and which the caller removes afterwards. */
    static void run(Path dir, int size) throws IOException {
        int page = LiveStream.PAGE;
        byte[] memory = WarmUp.madeUp(size);
        Path ramFile = dir.resolve("ram");
        Files.write(ramFile, memory);
        // a disk image that holds every other page of the memory, in another order: those go as references
        byte[] disk = new byte[size / 2];
        for (int i = 0; i < size / page / 2; i++) {
            System.arraycopy(memory, (size / page - 1 - 2 * i) * page, disk, i * page, page);
        }
        Path diskFile = dir.resolve("disk");
        Files.write(diskFile, disk);
        DiskBlocks blocks = MemoryImage.blocks(diskFile);
        domainXml(dir);
        try (FileChannel ram = FileChannel.open(ramFile, StandardOpenOption.READ, StandardOpenOption.WRITE);
                FileChannel base = FileChannel.open(diskFile);
                FileChannel there = fresh(dir.resolve("there"), size)) {
            carry(dir, ram, base, blocks, there);
            same(ram, there, size, "the memory carried by content");
            long tag = 1;
            long[] digests = KeptMemory.keep(dir, ram, tag);
            try (FileChannel kept = KeptMemory.open(dir, tag).orElseThrow(); FileChannel filled = fresh(dir.resolve("filled"), size)) {
                check(KeptMemory.fill(kept, filled).equals(KeptMemory.sum(digests)), "the memory filled from the memory kept");
            }
            byte[] key = SealedMemory.newKey();
            Path sealed = dir.resolve("sealed.mem");
            long[] sealedDigests = SealedMemory.seal(ram, sealed, tag, key);
            try (FileChannel ch = FileChannel.open(sealed); FileChannel filled = fresh(dir.resolve("unsealed"), size)) {
                SealedMemory.Opened opened = SealedMemory.open(ch, tag, key).orElseThrow();
                check(KeptMemory.fill(opened.source(), opened.size(), filled).equals(KeptMemory.sum(sealedDigests)),
                        "the memory filled from the memory sealed");
                same(ram, filled, size, "the memory filled from the memory sealed");
            }
        }
    }

    /**
     * Sends {@code ram} by content as a live move's sender does, in rounds while made-up writes change it,
     * through a zos connection (TLS, frames, a {@code live-open} stream) to a receiver here that resolves
     * each page (the disk's, or one sent whole before) and writes it to {@code there}.
     */
    private static void carry(Path dir, FileChannel ram, FileChannel base, DiskBlocks blocks, FileChannel there) throws IOException {
        HostIdentity me = HostIdentity.generate("warm-up");
        CompletableFuture<Void> written = new CompletableFuture<>();
        Responder receiver = new Responder() {
            @Override
            public Message answer(Caller caller, Message request, Consumer<Progress> progress) {
                if (request instanceof Ping p) {
                    return new Pong(p.nanos());
                }
                throw new ZosException(ErrorCode.BAD_PARAMETER, "the warm-up takes pings and streams only", "");
            }

            @Override
            public Opened openStream(Caller caller, Message request, ChannelStream stream) {
                LiveOpen o = (LiveOpen) request;
                return new Opened(new LiveReady(o.transfer(), o.kind()), () -> {
                    Thread t = new Thread(() -> receive(stream, base, there, written), "zos-warm-up-receiver");
                    t.setDaemon(true);
                    t.start();
                });
            }
        };
        try (ZosServer server = ZosServer.start(me, new KnownHosts(dir.resolve("known_hosts")),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), "zos warm-up", receiver)) {
            for (int i = 0; i < HANDSHAKES; i++) { // a move opens a connection for each of its streams
                try (Peer p = Peer.connectLocal(me, server.port(), "zos-agent", "zos warm-up", PATIENCE)) {
                    p.request(new Ping(i), PATIENCE);
                }
            }
            stream(me, server.port(), ram, blocks, written);
        }
    }

    private static void stream(HostIdentity me, int port, FileChannel ram, DiskBlocks blocks, CompletableFuture<Void> written)
            throws IOException {
        try (Peer peer = Peer.connectLocal(me, port, "zos-agent", "zos warm-up", PATIENCE)) {
            Duplex d = peer.openStream(new LiveOpen(1, "memory"), PATIENCE).getValue();
            try {
                PageLedger ledger = new PageLedger();
                LivePipe.Coding coding = MoveSender.liveCoding(blocks, new RateLimit(0), ledger, null);
                DataOutputStream out = LiveStream.recordsTo(new LiveStream.Counting(LivePipe.outputOf(d)), 1);
                Random r = new Random(5);
                byte[] written1 = new byte[LiveStream.PAGE];
                MoveSender.PageSink sink = (at, p, found) -> {
                    if (found < 0) {
                        coding.copied().add(p);
                    }
                    LiveStream.writePage(out, at, p, found);
                };
                for (int round = 0; round < ROUNDS; round++) { // rounds while the guest runs, and writes some pages
                    MoveSender.sendDiffering(ram, ledger, coding.pages(), sink);
                    out.flush();
                    for (int i = 0; i < 512; i++) {
                        r.nextBytes(written1);
                        KeptMemory.write(ram, ByteBuffer.wrap(written1), (long) r.nextInt((int) (ram.size() / LiveStream.PAGE)) * LiveStream.PAGE);
                    }
                }
                MoveSender.sendPages(ledger.differing(ram), ram, ledger, coding.pages(), sink); // the last, with the guest stopped
                out.writeByte('E');
                out.flush();
                written.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                throw new IOException("the warm-up's receiver failed: " + e.getCause(), e.getCause());
            } catch (TimeoutException e) {
                throw new IOException("the warm-up's receiver did not end within " + PATIENCE.toSeconds() + " s");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            } finally {
                d.close();
            }
        }
    }

    /**
     * What a move does with a domain's XML, on a made-up anima's: the receiver places it (its paths, its
     * disk, its metadata, the monitor of memory by content), confines it and checks libvirt's preparation
     * against it; the JDK's parser, serializer and XPath run cold the first times.
     */
    private static void domainXml(Path dir) {
        Path disk = dir.resolve("data.qcow2");
        Path monitor = dir.resolve("qmp.sock");
        String xml = DomainXml.of(new DomainSpec("warm-up", java.util.UUID.randomUUID(), 512, 1, disk,
                new DomainSpec.KernelBoot(dir.resolve("vmlinuz"), dir.resolve("initrd.img"), "console=ttyS0"), dir.resolve("console.log"),
                Accelerator.TCG, null));
        for (int i = 0; i < XML_ROUNDS; i++) {
            String placed = DomainXml.withMetadata(DomainXml.onDisk(DomainXml.rewritePaths(xml, java.util.Map.of(disk.toString(),
                    disk.toString())), disk.toString()), "warm-up", "warm-up");
            String live = DomainXml.withMonitor(placed, monitor);
            DomainConfinement.require(live, monitor);
            check(DomainXml.selectAll(live, LiveIncoming.PLACED).equals(DomainXml.selectAll(placed, LiveIncoming.PLACED)),
                    "the domain with its monitor");
            check(DomainXml.divertedFrom(placed).isEmpty(), "the domain on one disk file");
        }
    }

    /** The receiver's side of {@link #carry}, as {@link LiveIncoming} reads a memory stream. */
    private static void receive(Duplex stream, FileChannel base, FileChannel there, CompletableFuture<Void> written) {
        WholeBlocks.Kept copied = new WholeBlocks.Kept("the pages sent whole");
        try {
            LiveStream.decode(stream.input(), java.io.OutputStream.nullOutputStream(), (offset, page) -> {
                if ((offset & LiveStream.COPIED) != 0) {
                    copied.read(offset & ~LiveStream.COPIED, page, PATIENCE);
                } else {
                    KeptMemory.read(base, offset, page);
                }
            }, null, null, new LiveStream.Memory() {
                @Override
                public void write(long at, byte[] page) throws IOException {
                    KeptMemory.write(there, ByteBuffer.wrap(page), at);
                }

                @Override
                public void whole(byte[] page) {
                    copied.add(page);
                }
            });
            written.complete(null);
        } catch (IOException | RuntimeException e) {
            written.completeExceptionally(e);
        } finally {
            stream.close();
        }
    }

    /** A new file of {@code size} bytes, all zero (a hole), as a domain's memory starts. */
    private static FileChannel fresh(Path file, int size) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(size);
        }
        return FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    private static void same(FileChannel a, FileChannel b, int size, String what) throws IOException {
        ByteBuffer x = ByteBuffer.allocate(1 << 20);
        ByteBuffer y = ByteBuffer.allocate(1 << 20);
        for (long pos = 0; pos < size; pos += x.capacity()) {
            KeptMemory.from(a).read(pos, x.clear());
            KeptMemory.from(b).read(pos, y.clear());
            check(Arrays.equals(x.array(), y.array()), what + " (at " + pos + ")");
        }
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException(what + " is not what the warm-up made");
        }
    }
}
