package org.zos.protocol.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.wire.Frame;

/** Every message through JSON and back, the golden form of one, and the errors for bad envelopes. */
class EnvelopeCodecTest {

    static Envelope roundTrip(Envelope e) {
        EmbeddedChannel ch = new EmbeddedChannel(new EnvelopeCodec());
        ch.writeOutbound(e);
        Frame f = ch.readOutbound();
        ch.writeInbound(f);
        return ch.readInbound();
    }

    @Test
    void everyMessageSurvivesTheWire() {
        List<Message> all = List.of(new Hello("host1", "ana", "zos 0.1.0"), new Ping(42), new Pong(42),
                new Failure(ErrorCode.DENIED.wireValue(), "ana may not dominate host2", "ask host2's owner"),
                new StatusQuery("work", 2),
                new StatusReport(List.of(StatusReport.Anima.brief("work", "host1", "host2", "running"),
                        new StatusReport.Anima("home", "host1", "host1", "suspended", 512, 1, 2048L, "tcg", "6.1.0-28-amd64",
                                "4f2a", 17L, 90_000_000L, "2026-11-22T10:00:00Z", null, "to host2: sending disk 40%", "host2: apps 1; folders docs",
                                "docs with host2", new StatusReport.Move("dominate", "host2", "sending disk", 40, 100, 1200)))),
                new AccessQuery("full"), new AccessGrant("partial"),
                new AnimaAction("init", "work", java.util.Map.of("memory-mib", "512", "vcpus", "1")),
                new AnimaAction("resume", "work", null),
                new ActionDone("suspend", StatusReport.Anima.brief("work", "host1", "host1", "suspended"), ""),
                new ActionDone("remove", null, null),
                new Progress("saving", 1 << 20, 128 << 20, 250),
                new MoveReady(7), new MoveReady(7, null, true), new ImageOffer(7, "bWFuaWZlc3Q=", ""),
                new ImageOffer(7, "bWFu", "", 1, 3), new ChunksWanted(7, "Aw==", 2),
                new ImageSent(7, "disk", 3, 2), new ImageReceived(7, "disk", 3, 1),
                new MoveCommit(7, java.util.Map.of("disk", 3L, "memory", 1L), "ab12"), new MoveDone(7, "paused", ""),
                new MoveGo(7, "work"), new MoveQuery(7, "work"), new MoveAbort(7, "cancelled"), new MoveCancel("work"),
                new ReturnRequest("work", "a2Vr", 12_500_000, true),
                new FolderOpen("work", "docs", "/srv/docs", true, false), new FolderOpen("work", "printer", null, false, true),
                new FolderReady("work", "docs", "host2", "/var/lib/zos/folders/work/docs"), new FolderEnd("work", "docs"),
                new LendOffer("work", "host1", List.of(1, 2), List.of("docs")), new LendEnd("work"),
                new LivePrepare(7, "<domain/>"), new LivePrepared(7, "<domain/>"), new LiveOpen(7, "migration"),
                new LivePrepare(7, "<domain/>", 99), new LivePrepared(7, "<domain/>", 99),
                new LivePrepare(7, "<domain/>", 99, "ab".repeat(32)), new LivePrepared(7, "<domain/>", 99, true),
                new LiveReady(7, "disks"), new LiveOpen(7, "migration", 8 << 20), new LiveReady(7, "migration", 8 << 20), new LivePatch(7, "work", 1, "AAAA"), new MemoryKept("work", 99, 3, 1, 2, "AAAA"),
                new MemoryKept("work", 99, 3, 1, 2, "AAAA", KEY), new LivePrepare(7, "<domain/>", 99, "ab".repeat(32), KEY),
                new MoveDone(99, "kept", ""));
        long id = 1;
        for (Message m : all) {
            Envelope e = new Envelope(id++, 0, m);
            assertEquals(e, roundTrip(e));
        }
    }

    /** An offer from a sender that does not cut offers into parts is one whole part. */
    @Test
    void anImageOfferWithoutPartsIsWhole() {
        Envelope e = EnvelopeCodec.read(frame("{\"id\":1,\"re\":0,\"body\":{\"type\":\"image-offer\",\"transfer\":7,"
                + "\"manifest\":\"bWFu\",\"bases\":\"\"}}"));
        ImageOffer o = (ImageOffer) e.body();
        assertEquals(0, o.partIndex());
        assertEquals(1, o.partCount());
    }

    @Test
    void aFillOfKeptMemoryNamesTheKeptMemoryAndTheSumIsASha256() {
        for (Message m : List.of(new LivePrepare(7, "<domain/>", 0, "ab".repeat(32)), new LivePrepare(7, "<domain/>", 99, "AB".repeat(32)),
                new LivePrepare(7, "<domain/>", 99, "ab"), new LivePrepared(7, "<domain/>", 0, true))) {
            assertEquals(ErrorCode.BAD_PARAMETER, assertThrows(ZosException.class, m::check, m.toString()).code());
        }
        // A sender or receiver from before the fill: the field is absent, and nothing is filled.
        Envelope e = EnvelopeCodec.read(frame("{\"id\":1,\"re\":0,\"body\":{\"type\":\"live-prepared\",\"transfer\":7,"
                + "\"domainXml\":\"<domain/>\",\"kept\":99}}"));
        assertEquals(new LivePrepared(7, "<domain/>", 99, false), e.body());
    }

    private static final String KEY = java.util.Base64.getEncoder().encodeToString(new byte[32]);

    @Test
    void theKeyOfSealedMemoryIs32BytesGoesWithItsSumAndIsNeverShown() {
        String shortKey = java.util.Base64.getEncoder().encodeToString(new byte[31]);
        for (Message m : List.of(new LivePrepare(7, "<domain/>", 99, null, KEY), new LivePrepare(7, "<domain/>", 99, "ab".repeat(32), shortKey),
                new MemoryKept("work", 99, 3, 1, 2, "AAAA", shortKey), new MemoryKept("work", 99, 3, 1, 2, "AAAA", "not base64!"))) {
            assertEquals(ErrorCode.BAD_PARAMETER, assertThrows(ZosException.class, m::check, m.toString()).code());
        }
        String secret = java.util.Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII));
        assertFalse(new LivePrepare(7, "<domain/>", 99, "ab".repeat(32), secret).toString().contains(secret));
        assertFalse(new MemoryKept("work", 99, 3, 1, 2, "AAAA", secret).toString().contains(secret));
    }

    @Test
    void onlyTheMigrationStreamHasAWindowAndItIsBounded() {
        for (Message m : List.of(new LiveOpen(7, "disks", 1 << 20), new LiveReady(7, "libvirt", 1 << 20),
                new LiveOpen(7, "migration", LiveOpen.MAX_WINDOW + 1), new LiveReady(7, "migration", -1))) {
            assertEquals(ErrorCode.BAD_PARAMETER, assertThrows(ZosException.class, m::check, m.toString()).code());
        }
    }

    @Test
    void theJsonFormIsTheDocumentedOne() throws Exception {
        String json = new String(EnvelopeCodec.JSON.writeValueAsBytes(new Envelope(7, 3, new Pong(5))), StandardCharsets.UTF_8);
        assertEquals("{\"id\":7,\"re\":3,\"body\":{\"type\":\"pong\",\"nanos\":5}}", json);
    }

    @Test
    void aFailureBecomesTheSameErrorOnTheOtherSide() {
        ZosException sent = new ZosException(ErrorCode.PEER_KEY_CHANGED, "host2 presented another key", "check it");
        ZosException got = ((Failure) roundTrip(new Envelope(1, 1, Failure.of(sent))).body()).toException();
        assertEquals(sent.code(), got.code());
        assertEquals(sent.userLine(), got.userLine());
        assertEquals(ErrorCode.PROTOCOL_ERROR, assertThrows(ZosException.class, () -> new Failure(999, "x", "").toException()).code());
    }

    @Test
    void newerPeersMayAddFieldsButNotUnknownTypes() {
        Envelope e = EnvelopeCodec.read(frame("{\"id\":1,\"re\":0,\"body\":{\"type\":\"ping\",\"nanos\":1,\"extra\":true},\"more\":1}"));
        assertEquals(new Ping(1), e.body());
        for (String bad : List.of("{\"id\":1,\"re\":0,\"body\":{\"type\":\"explode\"}}", "{\"id\":1,\"re\":0}",
                "{\"id\":0,\"re\":0,\"body\":{\"type\":\"ping\",\"nanos\":1}}", "[1,2]", "{\"id\":1", "{} {}",
                "{\"id\":1,\"re\":0,\"body\":{\"type\":\"ping\"}}")) {
            ZosException x = assertThrows(ZosException.class, () -> EnvelopeCodec.read(frame(bad)), bad);
            assertEquals(ErrorCode.PROTOCOL_ERROR, x.code());
            assertTrue(x.getMessage().startsWith("the peer broke the zos protocol"), x.getMessage());
        }
    }

    static Frame frame(String json) {
        return new Frame(Frame.Kind.CONTROL, Unpooled.copiedBuffer(json, StandardCharsets.UTF_8));
    }
}
