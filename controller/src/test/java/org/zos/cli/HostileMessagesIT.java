package org.zos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.*;
import org.zos.protocol.net.Peer;
import org.zos.protocol.tls.HostIdentity;
import org.zos.protocol.tls.KnownHosts;

/**
 * Every message type, with boundary and hostile values in every field, sent by an enrolled peer with full
 * control to a live zos-agent in this JVM (libvirt's test driver behind it): each is answered, a message
 * whose fields break their bounds with BAD_PARAMETER, nothing with INTERNAL, and the agent keeps serving.
 * Values come from a seeded generator; a failure names the seed, message and field to replay it.
 */
class HostileMessagesIT {
    static final Duration T = Duration.ofSeconds(20);
    static final long SEED = Long.getLong("zos.fuzzSeed", 20261201L);
    @TempDir
    static Path tmp;
    static TestAgent agent;
    static HostIdentity mallory;
    static KnownHosts known;

    @BeforeAll
    static void up() throws Exception {
        Path etc = tmp.resolve("etc");
        HostIdentity me = HostIdentity.loadOrCreate(etc.resolve("identity"), "testhost");
        mallory = HostIdentity.generate("mallory");
        new KnownHosts(etc.resolve("known_hosts")).trust(new KnownHosts.Entry("mallory", "127.0.0.1", mallory.fingerprint()));
        Files.writeString(etc.resolve("zpasswd"), "ana mallory full\n");
        agent = TestAgent.start(etc, tmp.resolve("state"), "test:///default");
        known = new KnownHosts(tmp.resolve("mallory_known"));
        known.trust(new KnownHosts.Entry("testhost", "127.0.0.1:" + agent.port, me.fingerprint()));
    }

    @AfterAll
    static void down() throws Exception {
        agent.close();
    }

    static Peer connect() {
        return Peer.connect(mallory, known, "127.0.0.1", agent.port, "ana", "zos hostile test", T);
    }

    /** One valid message of each type: the seeds the generator spoils one field at a time. */
    static List<Message> samples() {
        String key = Base64.getEncoder().encodeToString(new byte[32]);
        String uuid = "123e4567-e89b-12d3-a456-426614174000";
        return List.of(new Hello("mallory", "ana", "zos"), new Ping(1), new Pong(1), new Failure(4, "m", "h"),
                new StatusQuery("ghost", 2, List.of()), new StatusReport(List.of(StatusReport.Anima.brief("a", "h", "h", "running"))),
                new AccessQuery("partial"), new AccessGrant("full"), new AnimaAction("start", "a", Map.of("k", "v")),
                new ActionDone("start", null, "n"), new org.zos.protocol.message.Progress("p", 1, 2, 3),
                new MoveOffer("visitor", "mallory", "visit", uuid, 128, 1, 64, "k", "linux-image-amd64", "tcg",
                        "<domain/>", 1 << 20, key, key),
                new MoveReady(1), new ImageOffer(1, "", ""), new ChunksWanted(1, "", 0), new ImageSent(1, "disk", 1, 0),
                new ImageReceived(1, "disk", 1, 0), new MoveCommit(1, Map.of("disk", 1L), "0".repeat(64)),
                new MoveDone(1, "running", ""), new MoveAbort(1, "why"), new ReturnRequest("ghost", key, 0, false),
                new MoveCancel("ghost"), new MoveGo(1, "ghost"), new MoveQuery(1, "ghost"), new Keepalive(),
                new org.zos.protocol.message.ViewOpen("ghost", 1, false), new org.zos.protocol.message.ViewReady("ghost", "h", true),
                new org.zos.protocol.message.ControlRequest("ghost", 1, "show"),
                new org.zos.protocol.message.FolderOpen("ghost", "docs", null, false, false),
                new org.zos.protocol.message.FolderReady("ghost", "docs", "h", "/srv/docs"),
                new org.zos.protocol.message.FolderEnd("ghost", "docs"),
                new org.zos.protocol.message.LendOffer("ghost", "h", List.of(1), List.of("docs")),
                new org.zos.protocol.message.LendEnd("ghost"), new org.zos.protocol.message.LivePrepare(1, "<domain/>"),
                new org.zos.protocol.message.LivePrepared(1, "<domain/>"), new org.zos.protocol.message.LiveOpen(1, "libvirt"),
                new org.zos.protocol.message.LiveReady(1, "disks"), new org.zos.protocol.message.LivePatch(1, "ghost", 1, "AAAA"),
                new org.zos.protocol.message.MemoryKept("ghost", 1, 2, 0, 2, "AAAA"));
    }

    static List<Object> hostile(RecordComponent part, Random r) {
        Class<?> type = part.getType();
        if (part.getGenericType().getTypeName().contains("StatusReport$Anima")) {
            List<Object> v = new ArrayList<>();
            v.add(null);
            v.add(List.of());
            v.add(java.util.Collections.nCopies(StatusReport.MAX_ANIMAS + 1, StatusReport.Anima.brief("a", "h", "h", "running")));
            v.add(List.of(StatusReport.Anima.brief("../a", "h", "h", "running")));
            v.add(List.of(StatusReport.Anima.brief("a", "h", "h", "x".repeat(5000))));
            return v;
        }
        List<Object> v = new ArrayList<>();
        if (type == String.class) {
            v.addAll(List.of("", "x", " ", "../../../etc/passwd", "a/b", "\u0000", "é\u202e", "A".repeat(65),
                    "A".repeat(5000), "AAA=", "AAAA", "not base64!", "-1", "9223372036854775808", "x".repeat(200_000)));
            v.add(null);
        } else if (type == int.class || type == Integer.class) {
            v.addAll(List.of(Integer.MIN_VALUE, -1, 0, 1, 3, 1_000_000, Integer.MAX_VALUE, r.nextInt()));
            if (type == Integer.class) {
                v.add(null);
            }
        } else if (type == long.class) {
            v.addAll(List.of(Long.MIN_VALUE, -1L, 0L, 1L, 1L << 52, (1L << 52) + 1, Long.MAX_VALUE, r.nextLong()));
        } else if (type == Map.class) {
            Object value = part.getGenericType().getTypeName().endsWith("Long>") ? (Object) 1L : "v";
            Map<String, Object> big = new TreeMap<>();
            for (int i = 0; i < 100; i++) {
                big.put("k" + i, value);
            }
            v.add(null);
            v.add(Map.of());
            v.add(big);
            v.add(Map.of("../x", value));
            v.add(Map.of("disk", value instanceof Long ? (Object) (-1L) : "x".repeat(5000)));
        } else if (type == List.class && part.getGenericType().getTypeName().endsWith("<java.lang.Integer>")) {
            v.add(null);
            v.add(List.of());
            v.add(java.util.Collections.nCopies(100, 1));
            v.add(List.of(0));
            v.add(List.of(-1));
            v.add(List.of(Integer.MAX_VALUE));
        } else if (type == List.class) {
            v.add(null);
            v.add(List.of());
            v.add(java.util.Collections.nCopies(10, "hostA"));
            v.add(List.of("../x"));
        } else {
            v.add(null);
        }
        return v;
    }

    @Test
    void everyMessageTypeIsCoveredBySamples() {
        JsonSubTypes types = Message.class.getAnnotation(JsonSubTypes.class);
        assertEquals(types.value().length, samples().size());
        for (Message m : samples()) {
            m.check(); // the seeds are valid
        }
    }

    @Test
    void hostileValuesInEveryFieldOfEveryMessageAreRefusedWithTheRightCode() throws Exception {
        Random r = new Random(SEED);
        Map<String, Integer> sent = new LinkedHashMap<>();
        int n = 0;
        Peer[] peer = {connect()};
        try {
            for (Message sample : samples()) {
                Class<?> c = sample.getClass();
                if (sample instanceof Hello || sample instanceof Keepalive) {
                    continue; // hello only opens a connection (checked in the hello test); keepalive has no fields
                }
                RecordComponent[] parts = c.getRecordComponents();
                Constructor<?> make = c.getDeclaredConstructor(java.util.Arrays.stream(parts).map(RecordComponent::getType)
                        .toArray(Class<?>[]::new));
                for (int i = 0; i < parts.length; i++) {
                    for (Object bad : hostile(parts[i], r)) {
                        Object[] args = new Object[parts.length];
                        for (int j = 0; j < parts.length; j++) {
                            args[j] = parts[j].getAccessor().invoke(sample);
                        }
                        args[i] = bad;
                        Message m;
                        try {
                            m = (Message) make.newInstance(args);
                        } catch (ReflectiveOperationException | IllegalArgumentException e) {
                            continue; // a value the type cannot hold (null for a primitive)
                        }
                        String what = "seed " + SEED + ": " + c.getSimpleName() + "." + parts[i].getName() + " = "
                                + (bad instanceof String s && s.length() > 40 ? s.substring(0, 40) + "…" : bad);
                        ErrorCode expected = null;
                        try {
                            m.check();
                        } catch (ZosException z) {
                            expected = z.code();
                        }
                        ErrorCode got = null;
                        try {
                            peer[0].request(m, T);
                            if (m.opensStream()) { // it opened (a folder copy): the connection is that stream's now
                                peer[0].close();
                                peer[0] = connect();
                            }
                        } catch (ZosException z) {
                            got = z.code();
                        }
                        if (expected != null) {
                            assertEquals(ErrorCode.BAD_PARAMETER, expected, what);
                            assertEquals(expected, got, what);
                        }
                        assertNotEquals(ErrorCode.INTERNAL, got, what);
                        assertNotEquals(ErrorCode.HOST_UNREACHABLE, got, what + ": the agent stopped serving");
                        sent.merge(c.getSimpleName(), 1, Integer::sum);
                        if (++n % 50 == 0) {
                            assertEquals(new Pong(n), peer[0].request(new Ping(n), T), "the agent keeps serving");
                        }
                    }
                }
            }
            assertEquals(new Pong(-1), peer[0].request(new Ping(-1), T));
        } finally {
            peer[0].close();
        }
        assertTrue(sent.size() >= 22, "every request type was sent: " + sent);
        System.out.println("hostile messages sent: " + n + " " + sent);
    }

    @Test
    void theReportedAttacksAreRefused() throws Exception {
        String key = Base64.getEncoder().encodeToString(new byte[32]);
        try (Peer p = connect()) {
            // a forwarding storm began with this
            expect(ErrorCode.BAD_PARAMETER, p, new StatusQuery("ghost", 1_000_000));
            // a query that came through this host already is not forwarded again
            ZosException loop = expect(ErrorCode.ANIMA_NOT_FOUND, p, new StatusQuery("ghost", 2, List.of("testhost")));
            assertTrue(!loop.getMessage().contains("nor on"), loop.getMessage());
            // the free-space check overflowed
            expect(ErrorCode.BAD_PARAMETER, p, new MoveOffer("visitor", "mallory", "visit", "123e4567-e89b-12d3-a456-426614174000",
                    128, 1, 64, "k", "kernel", "tcg", "<domain/>", Long.MAX_VALUE, key, key));
            expect(ErrorCode.BAD_PARAMETER, p, new MoveOffer("visitor", "mallory", "visit", "123e4567-e89b-12d3-a456-426614174000",
                    -128, -1, -64, "k", "kernel", "tcg", "<domain/>", -1, key, key));
            // peer input was reported as the agent's own failure
            expect(ErrorCode.BAD_PARAMETER, p, new MoveOffer("visitor", "mallory", "visit", "x", 128, 1, 64, "k", "kernel",
                    "tcg", "<domain/>", 1, key, key));
            expect(ErrorCode.BAD_PARAMETER, p, new MoveOffer("visitor", "mallory", "visit", "123e4567-e89b-12d3-a456-426614174000",
                    128, 1, 64, "k", "kernel", "tcg", "<domain/>", 1, "AAAA", key));
            assertEquals(new Pong(9), p.request(new Ping(9), T));
        }
    }

    @Test
    void aMalformedHelloEndsTheConnectionAsAProtocolError() {
        ZosException e = null;
        try (Peer p = Peer.connect(mallory, known, "127.0.0.1", agent.port, "ana/../root", "zos", T)) {
            p.request(new Ping(1), T);
            fail("a hello with a bad user name was accepted");
        } catch (ZosException z) {
            e = z;
        }
        assertTrue(e.code() == ErrorCode.PROTOCOL_ERROR || e.code() == ErrorCode.HOST_UNREACHABLE, e.toString());
        try (Peer p = connect()) {
            assertEquals(new Pong(2), p.request(new Ping(2), T), "the agent still serves others");
        }
    }

    private static ZosException expect(ErrorCode code, Peer p, Message m) {
        try {
            p.request(m, T);
        } catch (ZosException z) {
            assertEquals(code, z.code(), m + ": " + z.getMessage());
            return z;
        }
        fail(m + " was answered");
        return null;
    }
}
