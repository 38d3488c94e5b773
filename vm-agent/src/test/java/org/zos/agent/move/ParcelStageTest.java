package org.zos.agent.move;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.zos.agent.hypervisor.DomainState;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.store.Store;
import org.zos.store.parcel.TarRemote;

/**
 * {@code zos-vm stage --from}: a host fetches an anima's parcel ahead of a resume there, keeps it only
 * sealed without the key, and the resume then downloads only what it lacks. Two agents in one JVM
 * ({@link TestNet}) and a parcel file (the same code as an object store's, see ParcelsIT for Ceph).
 */
class ParcelStageTest {
    private static final String ANIMA = "ana";
    private static final char[] PASS = "correct horse battery staple".toCharArray();

    @TempDir
    Path dir;
    private TestNet net;
    private TestNet.Agent home;
    private TestNet.Agent lab;
    private final Parcels.Remotes files = (n, write) -> write ? TarRemote.create(Path.of(n)) : TarRemote.open(Path.of(n));

    @BeforeEach
    void setUp() throws Exception {
        net = new TestNet(dir);
        home = net.agent("home");
        lab = net.agent("lab");
        home.anima(ANIMA, TestNet.bytes(new Random(7), 3 << 20), 1);
    }

    @AfterEach
    void tearDown() {
        net.close();
    }

    @Test
    void aParcelStagedOnAHostIsResumedThereWithAlmostNothingMoreToDownload() throws Exception {
        String parcel = dir.resolve("ana.zosparcel").toString();
        home.moves.parcels(files).suspendTo(ANIMA, parcel, PASS, p -> { });

        ZosException wrong = assertThrows(ZosException.class,
                () -> lab.moves.parcels(files).stageFrom(ANIMA, parcel, "wrong".toCharArray(), p -> { }));
        assertEquals(ErrorCode.DENIED, wrong.code(), wrong.getMessage());

        long staged = bytes(lab.moves.parcels(files).stageFrom(ANIMA, parcel, PASS, p -> { }), "staged");
        assertTrue(staged > 3_000_000, "the memory and the disk's data went: " + staged);
        assertTrue(lab.registry.find(ANIMA).isEmpty(), "a stage makes no anima");
        assertFalse(Store.open(lab.stateDir.resolve("store")).holds(ANIMA), "the anima's key stays after the stage");
        assertEquals(DomainState.UNDEFINED, lab.hypervisor.state(ANIMA));

        long resumed = bytes(lab.moves.parcels(files).resumeFrom(ANIMA, parcel, PASS, p -> { }), "downloaded");
        assertTrue(resumed < staged / 10, "the resume after the stage downloaded " + resumed + " bytes, the stage " + staged);
        assertEquals(DomainState.RUNNING, lab.hypervisor.state(ANIMA));
    }

    @Test
    void anAnimaThatIsHereIsNotStaged() throws Exception {
        String parcel = dir.resolve("ana.zosparcel").toString();
        home.moves.parcels(files).suspendTo(ANIMA, parcel, PASS, p -> { });
        lab.anima(ANIMA, TestNet.bytes(new Random(8), 1 << 20), 2); // another anima of the same name runs on the lab
        ZosException e = assertThrows(ZosException.class, () -> lab.moves.parcels(files).stageFrom(ANIMA, parcel, PASS, p -> { }));
        assertEquals(ErrorCode.ANIMA_EXISTS, e.code(), e.getMessage());
    }

    /** "staged 3.2 MB (3215432 bytes) ..." or "downloaded 0.1 MB in ..." as bytes (the latter from its MB). */
    private static long bytes(String note, String verb) {
        Matcher m = Pattern.compile(verb + " ([0-9.]+) MB(?: \\((\\d+) bytes\\))?").matcher(note);
        assertTrue(m.find(), note);
        return m.group(2) != null ? Long.parseLong(m.group(2)) : (long) (Double.parseDouble(m.group(1)) * 1e6);
    }
}
