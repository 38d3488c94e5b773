package org.zos.agent.move;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.zos.agent.hypervisor.DomainState;
import org.zos.agent.move.MoveProtocol.ReceivePhase;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.MoveAbort;
import org.zos.protocol.message.MoveCommit;
import org.zos.protocol.message.MoveDone;
import org.zos.protocol.message.MoveOffer;
import org.zos.protocol.message.MoveReady;
import org.zos.store.Store;

/**
 * Staging ({@code zos-vm stage}) with both agents in one JVM ({@link TestNet}): the images go ahead while
 * the anima runs at home, the target keeps them only sealed and without the key, and the domination that
 * follows sends only what changed since; a cancel, a domination under way and a crash of the target end a
 * stage with nothing of the anima readable there and no journal left.
 */
class StageTest {
    private static final String ANIMA = "ana";
    /** Set up as {@link #ANIMA}, never staged: what a domination costs without a stage. */
    private static final String TWIN = "bob";

    @TempDir
    Path dir;
    private TestNet net;
    private TestNet.Agent home;
    private TestNet.Agent visited;

    @BeforeEach
    void setUp() throws Exception {
        net = new TestNet(dir);
        home = net.agent("home");
        visited = net.agent("visited");
        byte[] memory = TestNet.bytes(new Random(7), 3 << 20);
        home.anima(ANIMA, memory, 1);
        home.anima(TWIN, memory, 1);
    }

    @AfterEach
    void tearDown() {
        net.close();
    }

    private String stage(String anima, long bytesPerSecond) throws Exception {
        return home.moves.stage(anima, "visited", "alice", bytesPerSecond, p -> { });
    }

    private String dominate(String anima) throws Exception {
        return home.moves.dominate(anima, "visited", "alice", 0, false, p -> { });
    }

    @Test
    void whatAStageSentIsNotSentAgainByTheDominationThatFollows() throws Exception {
        long staged = sentBytes(stage(ANIMA, 0));
        assertTrue(staged > 2_000_000, "kernel, initrd and the disk's 2 MiB of data went: " + staged);
        assertEquals(DomainState.RUNNING, home.hypervisor.state(ANIMA), "it runs at home throughout");
        assertNothingReadableThere();

        // The same change on both animas after the stage: 256 KiB of new data on the disk.
        churn(ANIMA);
        churn(TWIN);
        long after = sentBytes(dominate(ANIMA));
        long without = sentBytes(dominate(TWIN));
        System.out.printf("staged %d bytes; the domination after the stage sent %d, its twin's without one %d%n", staged, after,
                without);
        assertTrue(after <= without - staged * 8 / 10, "a domination after the stage sent " + after + " bytes, one without "
                + without + ", the stage " + staged);
        assertEquals(DomainState.RUNNING, visited.hypervisor.state(ANIMA));
    }

    @Test
    void aStageAgainSendsOnlyWhatChangedAndAnAnimaAwayIsNotStaged() throws Exception {
        long first = sentBytes(stage(ANIMA, 0));
        churn(ANIMA);
        long second = sentBytes(stage(ANIMA, 0));
        assertTrue(second < first / 4, "the second stage sent " + second + " bytes, the first " + first);
        assertNothingReadableThere();

        dominate(ANIMA);
        ZosException e = assertThrows(ZosException.class, () -> stage(ANIMA, 0));
        assertEquals(ErrorCode.INVALID_STATE, e.code(), e.getMessage());
        assertTrue(e.getMessage().contains("away on visited"), e.getMessage());
    }

    @Test
    void aCancelEndsTheStageAndTheAnimaRunsOnAtHome() throws Exception {
        CompletableFuture<String> staging = slowStage();
        home.moves.cancel(ANIMA, "alice");
        ZosException e = stageFailure(staging);
        assertEquals(ErrorCode.CANCELLED, e.code(), e.getMessage());
        assertEquals(DomainState.RUNNING, home.hypervisor.state(ANIMA));
        assertNothingReadableThere();
    }

    @Test
    void aDominationEndsAStageUnderWayAndGoesAhead() throws Exception {
        CompletableFuture<String> staging = slowStage();
        dominate(ANIMA);
        assertEquals(ErrorCode.CANCELLED, stageFailure(staging).code());
        assertEquals(DomainState.RUNNING, visited.hypervisor.state(ANIMA));
        assertFalse(home.hypervisor.state(ANIMA).isActive());
        assertEquals("visited", home.registry.get(ANIMA).away());
    }

    @Test
    void aStageDuringAMoveIsBusyAndTheMoveCanStillBeCancelled() throws Exception {
        CompletableFuture<String> moving = CompletableFuture.supplyAsync(() -> {
            try {
                return home.moves.dominate(ANIMA, "visited", "alice", 1_000_000, false, p -> { });
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (visited.moves.receiver().phase(ANIMA).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        ZosException e = assertThrows(ZosException.class, () -> stage(ANIMA, 0));
        assertEquals(ErrorCode.BUSY, e.code(), e.getMessage());
        home.moves.cancel(ANIMA, "alice");
        assertEquals(ErrorCode.CANCELLED, stageFailure(moving).code(), "the cancel reached the move");
        assertEquals(DomainState.RUNNING, home.hypervisor.state(ANIMA));
    }

    @Test
    void aTargetThatCrashesMidStageKeepsNothingReadable() throws Exception {
        visited.crashAt("receiver.chunk");
        ZosException e = assertThrows(ZosException.class, () -> stage(ANIMA, 0));
        assertEquals(ErrorCode.HOST_UNREACHABLE, e.code(), e.getMessage());
        long deadline = System.nanoTime() + 10_000_000_000L;
        while ((visited.starts < 2 || !visited.up || MoveJournal.read(visited.stateDir, ANIMA).isPresent())
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertNothingReadableThere();
        assertEquals(DomainState.RUNNING, home.hypervisor.state(ANIMA));
    }

    /** A stage takes images only: a commit is outside its phase, and move-abort ends it as "staged". */
    @Test
    void aStageTakesImagesOnly() throws Exception {
        var r = home.registry.get(ANIMA);
        String key = Base64.getEncoder().encodeToString(new byte[32]);
        MoveOffer o = new MoveOffer(ANIMA, "home", MoveOffer.STAGE, r.uuid().toString(), r.memoryMiB(), r.vcpus(), r.diskSizeMiB(),
                r.guestKey(), r.kernelPackage(), r.accelerator(), home.hypervisor.xml(ANIMA), 1 << 20, key, key);
        try (MoveLink link = new TestNet.Link("home", visited, "alice", dir)) {
            long transfer = ((MoveReady) link.request(o, TestNet.TIMES.idle())).transfer();
            assertEquals(ReceivePhase.STAGING, visited.moves.receiver().phase(ANIMA).orElseThrow());
            ZosException e = assertThrows(ZosException.class,
                    () -> link.request(new MoveCommit(transfer, java.util.Map.of(), null), TestNet.TIMES.idle()));
            assertEquals(ErrorCode.PROTOCOL_ERROR, e.code(), e.getMessage());
            assertTrue(e.getMessage().contains("staging"), e.getMessage());
            MoveDone d = (MoveDone) link.request(new MoveAbort(transfer, "staged"), TestNet.TIMES.idle());
            assertEquals("staged", d.state());
        }
        assertNothingReadableThere();
    }

    /** A stage of 8 MiB at 1 MB/s, under way once the target has taken its offer. */
    private CompletableFuture<String> slowStage() throws Exception {
        CompletableFuture<String> staging = CompletableFuture.supplyAsync(() -> {
            try {
                return stage(ANIMA, 1_000_000);
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (visited.moves.receiver().phase(ANIMA).isEmpty() && !staging.isDone() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertFalse(staging.isDone(), "the stage ended before the test could end it");
        return staging;
    }

    private static ZosException stageFailure(CompletableFuture<String> staging) throws Exception {
        try {
            fail("the stage went on: " + staging.get(20, TimeUnit.SECONDS));
            return null;
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof ZosException z) {
                return z;
            }
            throw e;
        }
    }

    /** The target holds nothing of the anima but sealed chunks: no record, no files, no key, no journal, no move. */
    private void assertNothingReadableThere() throws Exception {
        assertTrue(visited.registry.find(ANIMA).isEmpty(), "a record of the anima on the target");
        assertFalse(Files.exists(visited.registry.paths(ANIMA).dir()), "files of the anima on the target");
        assertFalse(Store.open(visited.stateDir.resolve("store")).holds(ANIMA), "the anima's key stays on the target");
        assertTrue(MoveJournal.read(visited.stateDir, ANIMA).isEmpty(), "a journal stays on the target");
        assertFalse(visited.moves.receiver().receiving(ANIMA), "the target is still receiving");
        assertEquals(DomainState.UNDEFINED, visited.hypervisor.state(ANIMA));
    }

    /** Writes 256 KiB of new random data into the anima's disk at home. */
    private void churn(String anima) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(home.registry.paths(anima).disk().toFile(), "rw")) {
            f.seek(3 << 20);
            f.write(TestNet.bytes(new Random(99), 256 << 10));
        }
    }

    private static long sentBytes(String note) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\((\\d+) bytes\\)").matcher(note);
        if (!m.find()) {
            fail("no bytes in " + note);
        }
        return Long.parseLong(m.group(1));
    }
}
