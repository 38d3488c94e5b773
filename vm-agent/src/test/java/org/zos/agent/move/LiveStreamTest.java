package org.zos.agent.move;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/**
 * {@link LiveStream} on migration streams made to QEMU 7.2's format: whatever the encoder follows or not,
 * the decoder gives back the stream byte for byte; pages of the receiver's disk go as references.
 */
class LiveStreamTest {
    private static final int RAM_ID = 2;
    private final Random random = new Random(17);
    /** The receiver's disk image: 64 blocks. */
    private final byte[] disk = bytes(64 * LiveStream.PAGE);

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private byte[] block(int i) {
        return Arrays.copyOfRange(disk, i * LiveStream.PAGE, (i + 1) * LiveStream.PAGE);
    }

    /** The disk's blocks by content, as the sender would know them from the disk it sent ahead. */
    private LiveStream.Pages pages() {
        Map<String, Long> index = new HashMap<>();
        for (int i = 0; i < 64; i++) {
            index.put(Arrays.toString(block(i)), (long) i * LiveStream.PAGE);
        }
        return p -> index.getOrDefault(Arrays.toString(p), -1L);
    }

    private LiveStream.Disk receiverDisk() {
        return (offset, page) -> System.arraycopy(disk, (int) offset, page, 0, LiveStream.PAGE);
    }

    /** A stream as QEMU 7.2 writes one: header, configuration, RAM setup, iterations, device state, EOF. */
    private byte[] stream(int iterations, long extraFlags) throws IOException {
        return stream(iterations, extraFlags, false);
    }

    /**
     * The stream the receiver's QEMU gets for the last {@link #stream}: the same, less the zero pages it never
     * had a record for (all of them, here), with each section's first record sent naming its block.
     */
    private byte[] delivered;

    /** As above; with {@code allOnDisk}, every full page is a block of the disk. */
    private byte[] stream(int iterations, long extraFlags, boolean allOnDisk) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(new java.io.OutputStream() { // to both
            @Override
            public void write(int x) {
                b.write(x);
                e.write(x);
            }
        });
        DataOutputStream original = new DataOutputStream(b); // records the receiver does not get, as QEMU wrote them
        DataOutputStream got = new DataOutputStream(e); // the receiver's form of a record
        org.zos.agent.hypervisor.QemuStreams.header(d);
        d.writeByte(0x07); // configuration: opaque to the encoder
        d.writeInt(13);
        d.write("configuration".getBytes(StandardCharsets.US_ASCII));
        d.write(bytes(40));
        org.zos.agent.hypervisor.QemuStreams.ramSetup(d, RAM_ID, Map.of("pc.ram", 1L << 20));
        boolean verbatim = false; // once the encoder meets a record it does not follow
        for (int it = 0; it < iterations; it++) {
            d.writeByte(it == iterations - 1 ? 0x03 : 0x02); // PART…, then END
            d.writeInt(RAM_ID);
            for (int p = 0; p < 40; p++) {
                long flags = p % 5 == 0 ? 0x02 : 0x08 | extraFlags;
                flags |= p == 0 ? 0 : 0x20;
                long header = (long) p * LiveStream.PAGE | flags;
                if (p % 5 == 0 && !verbatim) {
                    // a zero page, never sent: left out
                    original.writeLong(header);
                    if (p == 0) {
                        original.writeByte(6);
                        original.write("pc.ram".getBytes(StandardCharsets.US_ASCII));
                    }
                    original.writeByte(0);
                    continue;
                }
                if (p == 1 && !verbatim) { // the first record sent in the section names the block
                    original.writeLong(header);
                    got.writeLong(header & ~0x20);
                    got.writeByte(6);
                    got.write("pc.ram".getBytes(StandardCharsets.US_ASCII));
                    verbatim = extraFlags != 0;
                } else {
                    d.writeLong(header);
                    if (p == 0) {
                        d.writeByte(6);
                        d.write("pc.ram".getBytes(StandardCharsets.US_ASCII));
                    }
                }
                if ((flags & 0x02) != 0) {
                    d.writeByte(0);
                } else {
                    d.write(p % 2 == 0 || allOnDisk ? block((p * 7 + it) % 64) : bytes(LiveStream.PAGE)); // half of them on the disk
                }
            }
            d.writeLong(0x10);
            d.writeByte(0x7e);
            d.writeInt(RAM_ID);
            if (it == 0) {
                d.writeByte(0x08); // a command between iterations
                d.writeShort(3);
                d.writeShort(4);
                d.writeInt(42);
            }
        }
        d.writeByte(0x04); // device state: opaque
        d.writeInt(7);
        d.write(bytes(3000));
        d.writeByte(0x1f);
        d.flush();
        delivered = e.toByteArray();
        return b.toByteArray();
    }

    private LiveStream.Figures roundTrip(byte[] stream, int level) throws IOException {
        return roundTrip(stream, stream, level);
    }

    /** Encodes and decodes {@code stream}: the receiver's QEMU gets {@code expected}. */
    private LiveStream.Figures roundTrip(byte[] stream, byte[] expected, int level) throws IOException {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        LiveStream.Figures f = LiveStream.encode(new ByteArrayInputStream(stream), wire, pages(), level);
        assertEquals(wire.size(), f.sentBytes());
        ByteArrayOutputStream back = new ByteArrayOutputStream();
        long n = LiveStream.decode(new ByteArrayInputStream(wire.toByteArray()), back, receiverDisk());
        assertEquals(expected.length, n);
        assertArrayEquals(expected, back.toByteArray());
        assertEquals(stream.length, f.streamBytes());
        return f;
    }

    @Test
    void pagesTheReceiverHoldsGoAsReferencesAndTheStreamComesBackWhole() throws IOException {
        byte[] s = stream(3, 0);
        LiveStream.Figures f = roundTrip(s, delivered, 3);
        assertTrue(f.followed());
        assertEquals(3 * 32, f.blocks()); // 40 records, 8 of them zero pages
        assertEquals(3 * 16, f.referenced());
        assertEquals(3 * 8, f.elided());
        assertTrue(f.sentBytes() < s.length - 3 * 16 * LiveStream.PAGE + 4096, f.toString());
    }

    @Test
    void referencesAndThePageHeadersBetweenThemGoCompressedInFrames() throws IOException {
        byte[] s = stream(40, 0, true);
        LiveStream.Figures plain = roundTrip(s, delivered, 0);
        LiveStream.Figures framed = roundTrip(s, delivered, 3);
        assertEquals(40 * 32, framed.referenced());
        // Uncompressed, a reference and the page header before it are 30 bytes: 'R' u32 8, the header; 'D' u64 u64.
        assertTrue(plain.sentBytes() >= 30 * plain.referenced(), plain.toString());
        assertTrue(framed.sentBytes() < plain.sentBytes() / 2, framed + " vs " + plain);
    }

    @Test
    void aStreamWithPageRecordsItDoesNotFollowIsCarriedVerbatim() throws IOException {
        byte[] s = stream(2, 0x100); // an XBZRLE-like flag
        LiveStream.Figures f = roundTrip(s, delivered, 0);
        assertFalse(f.followed());
        assertEquals(0, f.referenced());
        assertEquals(1, f.elided()); // the zero page before it; its record named the block, so the next one does
    }

    @Test
    void theLedgerKnowsWhatTheReceiverGotForEachPageAndThePatchMakesItsCopyTheSources() throws IOException {
        PageLedger ledger = new PageLedger();
        LiveStream.encode(new ByteArrayInputStream(stream(3, 0, true)), new ByteArrayOutputStream(), pages(), 3, ledger, f -> { });
        assertTrue(ledger.isComplete());
        assertEquals(40, ledger.pages());
        // The source's memory as the stream left it (the last iteration's pages; zero pages; zeros after),
        // and the receiver's copy of it, the same.
        byte[] sent = new byte[64 * LiveStream.PAGE];
        for (int p = 0; p < 40; p++) {
            if (p % 5 != 0) {
                System.arraycopy(block((p * 7 + 2) % 64), 0, sent, p * LiveStream.PAGE, LiveStream.PAGE);
            }
        }
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("ledger");
        java.nio.file.Path source = java.nio.file.Files.write(dir.resolve("source"), sent);
        java.nio.file.Path receiver = java.nio.file.Files.write(dir.resolve("receiver"), sent);
        try (java.nio.channels.FileChannel src = java.nio.channels.FileChannel.open(source, java.nio.file.StandardOpenOption.READ,
                java.nio.file.StandardOpenOption.WRITE);
                java.nio.channels.FileChannel dst = java.nio.channels.FileChannel.open(receiver, java.nio.file.StandardOpenOption.READ,
                java.nio.file.StandardOpenOption.WRITE)) {
            assertEquals(0, ledger.differing(src).length, "every page as it was sent");
            // Writes the migration missed: a page sent whole, a page sent as zero, a page never sent.
            for (int p : new int[] {3, 10, 45}) {
                src.write(java.nio.ByteBuffer.wrap(bytes(LiveStream.PAGE)), (long) p * LiveStream.PAGE);
            }
            assertArrayEquals(new long[] {3 * LiveStream.PAGE, 10 * LiveStream.PAGE, 45 * LiveStream.PAGE}, ledger.differing(src));

            MemoryCheck.Found found = MemoryCheck.patches(7, "work", ledger, src);
            assertEquals(3, found.differing());
            assertEquals(64, found.compared());
            assertEquals(1, found.patches().size());
            found.patches().get(0).check();
            MemoryCheck.apply(found.patches().get(0), dst);
            assertArrayEquals(java.nio.file.Files.readAllBytes(source), java.nio.file.Files.readAllBytes(receiver));
        }
    }

    @Test
    void aLargeMemoryIsCheckedInPartsAndEveryDifferingPageIsFoundInOrder() throws IOException {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("ledger");
        java.nio.file.Path ram = dir.resolve("ram");
        long size = 200L << 20; // sparse: zeros, as the ledger expects of pages never sent
        long[] written = {0, (64L << 20) + 5 * LiveStream.PAGE, (100L << 20) - LiveStream.PAGE, 100L << 20, size - LiveStream.PAGE};
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(ram, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE)) {
            for (long at : written) {
                ch.write(java.nio.ByteBuffer.wrap(bytes(LiveStream.PAGE)), at);
            }
            assertArrayEquals(written, new PageLedger().differing(ch));
        } finally {
            java.nio.file.Files.delete(ram);
        }
    }

    @Test
    void aPatchOfManyPagesGoesInSeveralRequestsAndOneOutsideTheMemoryIsRefused() throws IOException {
        PageLedger ledger = new PageLedger(); // nothing sent: every non-zero page differs
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("ledger");
        java.nio.file.Path source = java.nio.file.Files.write(dir.resolve("source"), bytes(300 * LiveStream.PAGE));
        try (java.nio.channels.FileChannel src = java.nio.channels.FileChannel.open(source)) {
            MemoryCheck.Found found = MemoryCheck.patches(7, "work", ledger, src);
            assertEquals(300, found.differing());
            assertEquals(java.util.List.of(128L, 128L, 44L), found.patches().stream().map(p -> p.pages()).toList());
            found.patches().forEach(p -> p.check()); // each fits the message's bounds
        }
        java.nio.file.Path small = java.nio.file.Files.write(dir.resolve("small"), new byte[100 * LiveStream.PAGE]);
        try (java.nio.channels.FileChannel src = java.nio.channels.FileChannel.open(source);
                java.nio.channels.FileChannel dst = java.nio.channels.FileChannel.open(small, java.nio.file.StandardOpenOption.WRITE)) {
            org.zos.protocol.message.LivePatch p = MemoryCheck.patches(7, "work", ledger, src).patches().get(0);
            ZosException e = assertThrows(ZosException.class, () -> MemoryCheck.apply(p, dst));
            assertEquals(ErrorCode.BAD_PARAMETER, e.code());
        }
    }

    @Test
    void aStreamNotFollowedToItsEndLeavesTheLedgerIncomplete() throws IOException {
        PageLedger ledger = new PageLedger();
        LiveStream.encode(new ByteArrayInputStream(stream(2, 0x100)), new ByteArrayOutputStream(), pages(), 0, ledger, f -> { });
        assertFalse(ledger.isComplete());
    }

    @Test
    void anythingThatIsNotAQemuStreamIsCarriedVerbatim() throws IOException {
        roundTrip(bytes(100_000), 1);
        roundTrip(new byte[0], 1);
        byte[] s = stream(2, 0);
        byte[] cut = Arrays.copyOf(s, 5000); // cut short: QEMU died
        byte[] expected = Arrays.copyOf(delivered, 5000 - (8 + 1 + 6 + 1) + (1 + 6)); // the first zero page out, its name on the next
        roundTrip(cut, expected, 1);
        for (int at = 0; at < 9000; at += 7) { // cut anywhere, what came goes on as far as it can
            byte[] c = Arrays.copyOf(s, at);
            ByteArrayOutputStream wire = new ByteArrayOutputStream();
            LiveStream.encode(new ByteArrayInputStream(c), wire, pages(), 0);
            ByteArrayOutputStream back = new ByteArrayOutputStream();
            LiveStream.decode(new ByteArrayInputStream(wire.toByteArray()), back, receiverDisk());
            byte[] got = back.toByteArray();
            byte[] asSent = Arrays.copyOf(delivered, got.length);
            assertTrue(Arrays.equals(got, asSent) || Arrays.equals(got, c), "cut at " + at);
        }
    }

    @Test
    void aZeroPageTheReceiverWasSentGoesAgainWhenItIsZeroAgain() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(b);
        d.writeInt(0x5145564d);
        d.writeInt(3);
        d.writeByte(0x01);
        d.writeInt(RAM_ID);
        d.writeByte(3);
        d.write("ram".getBytes(StandardCharsets.US_ASCII));
        d.writeInt(0);
        d.writeInt(4);
        d.writeLong(8192 | 0x04);
        d.writeByte(6);
        d.write("pc.ram".getBytes(StandardCharsets.US_ASCII));
        d.writeLong(8192);
        d.writeLong(0x10);
        for (int it = 0; it < 2; it++) {
            d.writeByte(it == 0 ? 0x02 : 0x03);
            d.writeInt(RAM_ID);
            d.writeLong(it == 0 ? 0x08 : 0x02); // page 0: whole, then zero
            d.writeByte(6);
            d.write("pc.ram".getBytes(StandardCharsets.US_ASCII));
            if (it == 0) {
                d.write(bytes(LiveStream.PAGE));
            } else {
                d.writeByte(0);
            }
            d.writeLong(LiveStream.PAGE | 0x02 | 0x20); // page 1: zero, never sent
            d.writeByte(0);
            d.writeLong(0x10);
        }
        d.writeByte(0x04);
        d.writeInt(7);
        d.write(bytes(300));
        d.writeByte(0x1f);
        byte[] s = b.toByteArray();
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        LiveStream.Figures f = LiveStream.encode(new ByteArrayInputStream(s), wire, pages(), 0);
        assertEquals(2, f.elided());
        ByteArrayOutputStream back = new ByteArrayOutputStream();
        LiveStream.decode(new ByteArrayInputStream(wire.toByteArray()), back, receiverDisk());
        assertEquals(s.length - 2 * 9, back.size(), "both zero records of page 1 out; the whole page 0 and its zero record in");
    }

    /** {@code in}, counting what is read of it. */
    private static final class Counted extends java.io.FilterInputStream {
        final java.util.concurrent.atomic.AtomicLong count = new java.util.concurrent.atomic.AtomicLong();

        Counted(byte[] b) {
            super(new ByteArrayInputStream(b));
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            count.addAndGet(b >= 0 ? 1 : 0);
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            count.addAndGet(Math.max(n, 0));
            return n;
        }
    }

    @Test
    void aWindowedStreamRunsNoFurtherAheadThanTheReceiverAcknowledgesAndComesBackWhole() throws Exception {
        byte[] s = stream(40, 0, true); // 40 iterations of 40 records: 5 MiB
        byte[] expected = delivered;
        LiveStream.Window window = new LiveStream.Window(256 << 10);
        Counted qemu = new Counted(s);
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        java.util.concurrent.CompletableFuture<LiveStream.Figures> encoded = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return LiveStream.encode(qemu, wire, pages(), 0, null, window, f -> { });
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        long was = -1;
        while (qemu.count.get() != was) { // until the encoder waits
            was = qemu.count.get();
            Thread.sleep(200);
        }
        assertFalse(encoded.isDone());
        // The window, a step, the encoder's read-ahead of 64 KiB and a record.
        assertTrue(was <= (256 << 10) + (16 << 10) + (64 << 10) + 2 * LiveStream.PAGE, "read " + was + " of " + s.length);
        assertTrue(was >= 256 << 10, "read " + was);

        java.util.List<Long> acks = new java.util.ArrayList<>();
        window.acked(s.length); // the receiver took all it was sent, and will take the rest
        LiveStream.Figures f = encoded.get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertTrue(f.waitedNanos() >= 200_000_000L, f.toString());
        ByteArrayOutputStream back = new ByteArrayOutputStream();
        LiveStream.decode(new ByteArrayInputStream(wire.toByteArray()), back, receiverDisk(), null, acks::add);
        assertArrayEquals(expected, back.toByteArray());
        assertTrue(acks.size() >= s.length / (16 << 10) - 41 && acks.size() <= s.length / (16 << 10), acks.size() + " marks");
        for (int i = 1; i < acks.size(); i++) {
            assertTrue(acks.get(i) - acks.get(i - 1) >= 16 << 10, "a mark a step at least: " + acks);
        }
        assertTrue(acks.get(acks.size() - 1) < s.length);

        ZosException e = assertThrows(ZosException.class,
                () -> LiveStream.decode(new ByteArrayInputStream(wire.toByteArray()), new ByteArrayOutputStream(), receiverDisk()));
        assertEquals(ErrorCode.PROTOCOL_ERROR, e.code(), "a mark without a window");
    }

    @Test
    void anEncoderWaitingForItsWindowEndsWhenTheStreamDoes() throws Exception {
        LiveStream.Window window = new LiveStream.Window(64 << 10);
        java.util.concurrent.CompletableFuture<Exception> ended = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                LiveStream.encode(new ByteArrayInputStream(stream(10, 0, true)), new ByteArrayOutputStream(), pages(), 0, null, window, f -> { });
                return null;
            } catch (IOException e) {
                return e;
            }
        });
        Thread.sleep(300);
        assertFalse(ended.isDone(), "it waits for the receiver");
        window.close();
        Exception e = ended.get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertTrue(e != null && e.getMessage().contains("before the receiver acknowledged"), String.valueOf(e));
    }

    @Test
    void aDamagedRecordIsAProtocolError() throws IOException {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        LiveStream.encode(new ByteArrayInputStream(stream(1, 0)), wire, pages(), 0);
        byte[] w = wire.toByteArray();
        w[0] = 'X';
        ZosException e = assertThrows(ZosException.class,
                () -> LiveStream.decode(new ByteArrayInputStream(w), new ByteArrayOutputStream(), receiverDisk()));
        assertEquals(ErrorCode.PROTOCOL_ERROR, e.code());
        byte[] cut = Arrays.copyOf(wire.toByteArray(), wire.size() - 1); // no end record
        assertThrows(java.io.EOFException.class,
                () -> LiveStream.decode(new ByteArrayInputStream(cut), new ByteArrayOutputStream(), receiverDisk()));
    }

    @Test
    void aReferenceThatDoesNotHoldOnTheReceiverIsAProtocolError() throws IOException {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        LiveStream.Figures f = LiveStream.encode(new ByteArrayInputStream(stream(1, 0, true)), wire, pages(), 0);
        assertTrue(f.referenced() > 0);
        byte[] other = disk.clone();
        other[17 * LiveStream.PAGE + 5] ^= 1; // the receiver's image differs from the sender's idea of it in one byte
        LiveStream.Disk stale = (offset, page) -> System.arraycopy(other, (int) offset, page, 0, LiveStream.PAGE);
        ZosException e = assertThrows(ZosException.class,
                () -> LiveStream.decode(new ByteArrayInputStream(wire.toByteArray()), new ByteArrayOutputStream(), stale));
        assertEquals(ErrorCode.PROTOCOL_ERROR, e.code());
        assertTrue(e.getMessage().contains("does not hold"), e.getMessage());
    }

    /** An NBD client's side as QEMU's drive-mirror writes it: flags, options, then requests. */
    private byte[] nbdClient(byte[] receiverBase, byte[] current) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(b);
        d.writeInt(3); // client flags
        d.write("IHAVEOPT".getBytes(StandardCharsets.US_ASCII));
        d.writeInt(7); // NBD_OPT_GO
        d.writeInt(10);
        d.write(bytes(10));
        long cookie = 1;
        // the mirror copies the disk in 64 KiB writes; one unaligned write; a flush; a read
        for (int off = 0; off < current.length; off += 65536) {
            request(d, 1, cookie++, off, 65536);
            d.write(current, off, 65536);
        }
        request(d, 1, cookie++, 100, 9000);
        d.write(current, 100, 9000);
        request(d, 3, cookie++, 0, 0);
        request(d, 0, cookie++, 4096, 4096);
        request(d, 2, cookie, 0, 0); // disconnect
        return b.toByteArray();
    }

    private static void request(DataOutputStream d, int type, long cookie, long offset, int length) throws IOException {
        d.writeInt(0x25609513);
        d.writeShort(0);
        d.writeShort(type);
        d.writeLong(cookie);
        d.writeLong(offset);
        d.writeInt(length);
    }

    @Test
    void nbdWritesOfBlocksTheReceiverHoldsGoAsReferences() throws IOException {
        byte[] current = disk.clone(); // the receiver's base is `disk`; the sender's disk changed in 5 blocks
        for (int i : new int[] {3, 9, 10, 40, 63}) {
            System.arraycopy(bytes(LiveStream.PAGE), 0, current, i * LiveStream.PAGE, LiveStream.PAGE);
        }
        System.arraycopy(block(20), 0, current, 21 * LiveStream.PAGE, LiveStream.PAGE); // same content, other offset
        byte[] client = nbdClient(disk, current);
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        LiveStream.Figures f = LiveStream.encodeNbd(new ByteArrayInputStream(client), wire, pages(), 3);
        assertTrue(f.followed());
        assertEquals(64 + 1, f.blocks()); // the unaligned write has one whole aligned block
        assertEquals(64 - 5 + 1, f.referenced());
        ByteArrayOutputStream back = new ByteArrayOutputStream();
        LiveStream.decode(new ByteArrayInputStream(wire.toByteArray()), back, receiverDisk());
        assertArrayEquals(client, back.toByteArray());
        assertTrue(wire.size() < 8 * LiveStream.PAGE, "sent " + wire.size() + " bytes for a " + disk.length + "-byte disk");
    }

    /**
     * The mirror's blocks the receiver does not hold go whole as 'B' records, numbered, which the receiver
     * keeps: a later block of the same content, or a page of memory, goes as a reference to one. And the
     * pages the memory stream sent whole serve the mirror's blocks the same way.
     */
    @Test
    void blocksSentWholeOnOneStreamAreReferredToOnTheOther() throws IOException {
        byte[] current = disk.clone();
        for (int i : new int[] {3, 9, 10}) {
            System.arraycopy(bytes(LiveStream.PAGE), 0, current, i * LiveStream.PAGE, LiveStream.PAGE);
        }
        System.arraycopy(current, 3 * LiveStream.PAGE, current, 40 * LiveStream.PAGE, LiveStream.PAGE); // as block 3, sent before
        byte[] memoryPage = bytes(LiveStream.PAGE); // a page the memory stream sent whole, which the disk then writes
        System.arraycopy(memoryPage, 0, current, 50 * LiveStream.PAGE, LiveStream.PAGE);
        WholeBlocks.Sent mirror = new WholeBlocks.Sent(LiveStream.MIRRORED);
        WholeBlocks.Sent copied = new WholeBlocks.Sent(LiveStream.COPIED);
        assertTrue(copied.add(memoryPage));
        LiveStream.Pages base = pages();
        LiveStream.Pages find = p -> {
            long at = base.find(p);
            at = at >= 0 ? at : copied.find(MemoryImage.hash(p));
            return at >= 0 ? at : mirror.find(MemoryImage.hash(p));
        };
        byte[] client = nbdClient(disk, current);
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        LiveStream.Figures f = LiveStream.encodeNbd(new ByteArrayInputStream(client), wire, find, 1, mirror, x -> { });
        assertEquals(64 + 1, f.blocks());
        assertEquals(64 + 1 - 3, f.referenced()); // blocks 3, 9 and 10 went whole; 40 and 50 as references
        assertEquals(1 | LiveStream.MIRRORED, find.find(Arrays.copyOfRange(current, 9 * LiveStream.PAGE, 10 * LiveStream.PAGE)));

        WholeBlocks.Kept mirrored = new WholeBlocks.Kept("the disk's mirror");
        WholeBlocks.Kept pages = new WholeBlocks.Kept("the memory by content");
        pages.add(memoryPage);
        LiveStream.Disk receiver = new LiveStream.Disk() {
            @Override
            public void read(long offset, byte[] page) throws IOException {
                if ((offset & LiveStream.MIRRORED) != 0) {
                    mirrored.read(offset & ~LiveStream.MIRRORED, page, java.time.Duration.ofSeconds(1));
                } else if ((offset & LiveStream.COPIED) != 0) {
                    pages.read(offset & ~LiveStream.COPIED, page, java.time.Duration.ofSeconds(1));
                } else {
                    receiverDisk().read(offset, page);
                }
            }

            @Override
            public void keep(byte[] block) {
                assertTrue(mirrored.add(block));
            }
        };
        ByteArrayOutputStream back = new ByteArrayOutputStream();
        LiveStream.decode(new ByteArrayInputStream(wire.toByteArray()), back, receiver);
        assertArrayEquals(client, back.toByteArray());
        byte[] got = new byte[LiveStream.PAGE];
        mirrored.read(2, got, java.time.Duration.ofSeconds(1));
        assertArrayEquals(Arrays.copyOfRange(current, 10 * LiveStream.PAGE, 11 * LiveStream.PAGE), got);
        // a reference to a block that never comes fails once its patience is over, rather than waiting for ever
        ZosException e = assertThrows(ZosException.class, () -> mirrored.read(3, got, java.time.Duration.ofMillis(50)));
        assertEquals(ErrorCode.PROTOCOL_ERROR, e.code());
        // a stream that sends 'B' to a receiver that keeps none is malformed
        assertThrows(ZosException.class, () -> LiveStream.decode(new ByteArrayInputStream(wire.toByteArray()),
                new ByteArrayOutputStream(), receiverDisk()));
    }

    @Test
    void anNbdStreamItCannotFollowIsCarriedVerbatim() throws IOException {
        byte[] client = nbdClient(disk, disk);
        client[30] ^= 0x55; // the first request's magic spoiled
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        LiveStream.Figures f = LiveStream.encodeNbd(new ByteArrayInputStream(client), wire, pages(), 1);
        assertFalse(f.followed());
        ByteArrayOutputStream back = new ByteArrayOutputStream();
        LiveStream.decode(new ByteArrayInputStream(wire.toByteArray()), back, receiverDisk());
        assertArrayEquals(client, back.toByteArray());
    }

    /** A stream as {@link #stream} makes, whose full pages are all blocks of {@code blocks}. */
    byte[] streamOf(byte[] blocks) throws IOException {
        System.arraycopy(blocks, 0, disk, 0, Math.min(blocks.length, disk.length));
        return stream(2, 0, true);
    }

    /** The stream the receiver's QEMU gets for the last stream made. */
    byte[] delivered() {
        return delivered;
    }

    /** The pages of {@code blocks} by content. */
    LiveStream.Pages pagesOf(byte[] blocks) {
        System.arraycopy(blocks, 0, disk, 0, Math.min(blocks.length, disk.length));
        return pages();
    }

    /**
     * Memory by content: QEMU (x-ignore-shared) writes an address after each block in the RAM setup and no
     * page of the main block; the sender's last pages ('W', a reference and a whole page) reach the
     * receiver's memory before a byte of the device state reaches its QEMU, and the stream itself is
     * carried byte for byte.
     */
    @Test
    void memoryByContentPutsTheLastPagesBeforeTheDeviceState() throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(b);
        org.zos.agent.hypervisor.QemuStreams.header(d);
        d.writeByte(0x01); // ram START, with an address per block
        d.writeInt(RAM_ID);
        d.writeByte(3);
        d.write("ram".getBytes(StandardCharsets.US_ASCII));
        d.writeInt(0);
        d.writeInt(4);
        d.writeLong((1L << 20) | 0x04);
        d.writeByte(6);
        d.write("pc.ram".getBytes(StandardCharsets.US_ASCII));
        d.writeLong(1L << 20);
        d.writeLong(0); // its address
        d.writeLong(0x10);
        d.writeByte(0x7e);
        d.writeInt(RAM_ID);
        d.writeByte(0x03); // ram END: no pages
        d.writeInt(RAM_ID);
        d.writeLong(0x10);
        d.writeByte(0x7e);
        d.writeInt(RAM_ID);
        int deviceAt = b.size();
        d.writeByte(0x04); // the device state: opaque
        d.write(bytes(300));
        byte[] stream = b.toByteArray();
        byte[] fresh = bytes(LiveStream.PAGE);
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        int[] lastCalls = {0};
        LiveStream.encode(new ByteArrayInputStream(stream), wire, pages(), 3, null, null, null, f -> {
            lastCalls[0]++;
            f.writePage(0, block(5), 5L * LiveStream.PAGE);
            f.writePage(LiveStream.PAGE, fresh, -1);
        }, x -> { });
        assertEquals(1, lastCalls[0], "the last pages are sent once, at the RAM section's end");
        java.util.List<String> events = new java.util.ArrayList<>();
        ByteArrayOutputStream qemu = new ByteArrayOutputStream() {
            @Override
            public synchronized void write(byte[] x, int off, int len) {
                super.write(x, off, len);
                events.add("stream to " + size());
            }
        };
        byte[][] memory = new byte[2][];
        LiveStream.decode(new ByteArrayInputStream(wire.toByteArray()), qemu, receiverDisk(), null, null, (at, page) -> {
            memory[(int) (at / LiveStream.PAGE)] = page.clone();
            events.add("page " + at + " with the stream at " + qemu.size());
        });
        assertArrayEquals(stream, qemu.toByteArray());
        assertArrayEquals(block(5), memory[0]);
        assertArrayEquals(fresh, memory[1]);
        int pagesAt = events.indexOf("page 4096 with the stream at " + (deviceAt + 1));
        assertTrue(pagesAt > 0, "both pages written once the device state's first byte (and no more) was on its way: " + events);
        assertTrue(events.stream().skip(pagesAt + 1).allMatch(e -> e.startsWith("stream")), events.toString());
    }

    @Test
    void aPageOfMemoryOnAStreamThatDoesNotTakeThemIsMalformed() throws Exception {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        DataOutputStream out = LiveStream.recordsTo(wire, 0);
        LiveStream.writePage(out, 0, bytes(LiveStream.PAGE), -1);
        out.writeByte('E');
        out.flush();
        ZosException e = assertThrows(ZosException.class, () -> LiveStream.decode(new ByteArrayInputStream(wire.toByteArray()),
                new ByteArrayOutputStream(), receiverDisk()));
        assertEquals(ErrorCode.PROTOCOL_ERROR, e.code());
    }
}
