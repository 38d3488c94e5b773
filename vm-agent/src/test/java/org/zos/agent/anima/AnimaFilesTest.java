package org.zos.agent.anima;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/** The anima's files on disk: records, heartbeats, and the paths a restore maps. */
class AnimaFilesTest {

    private static AnimaRecord record(String name) {
        return new AnimaRecord(AnimaRecord.FORMAT, name, UUID.fromString("6f1c2f8e-4c1a-4f7e-9a55-0b2d8c3e9a10"),
                256, 1, 2048, "7c489d695f07dbbe", "linux-image-6.1.0-56-amd64=6.1.192-2", "tcg",
                Instant.parse("2026-11-22T12:00:00Z"), false, null, 0, null, null, null);
    }

    @Test
    void recordsRoundTripAndListSorted(@TempDir Path root) throws Exception {
        AnimaRegistry reg = new AnimaRegistry(root);
        for (String n : List.of("b", "a")) {
            Files.createDirectories(reg.paths(n).dir());
            reg.save(record(n));
        }
        assertEquals(List.of("a", "b"), reg.names());
        assertEquals(record("a"), reg.get("a"));
        AnimaRecord saved = record("a").withSavedState("ab".repeat(32), 77 << 20, Instant.parse("2026-11-22T12:01:00Z"));
        reg.save(saved);
        assertEquals(saved, reg.get("a"));
        assertTrue(reg.get("a").suspended());
        assertEquals(record("a"), reg.get("a").withoutSavedState());
        assertFalse(Files.exists(reg.paths("a").record().resolveSibling("anima.json.tmp")), "no temp file left");
        String json = Files.readString(reg.paths("a").record());
        assertTrue(json.contains("\"createdAt\" : \"2026-11-22T12:00:00Z\""), json);
    }

    @Test
    void unknownAndDamagedRecords(@TempDir Path root) throws Exception {
        AnimaRegistry reg = new AnimaRegistry(root);
        assertEquals(ErrorCode.ANIMA_NOT_FOUND, assertThrows(ZosException.class, () -> reg.get("x")).code());
        Files.createDirectories(reg.paths("x").dir());
        Files.writeString(reg.paths("x").record(), "{\"format\": 1, \"name\": ");
        assertEquals(ErrorCode.INTEGRITY_ERROR, assertThrows(ZosException.class, () -> reg.get("x")).code());
    }

    @Test
    void heartbeatIsTheLastOneInTheLog(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("console.log");
        assertTrue(Heartbeat.last(log).isEmpty());
        Files.writeString(log, "[    0.000000] Linux version 6.1\nzos-heartbeat boot=8e02cba5 n=16\r\n"
                + "noise zos-heartbeat boot=8e02cba5 n=17\r\nzos-heartbeat boot=8e02");
        assertEquals(new Heartbeat("8e02cba5", 17), Heartbeat.last(log).orElseThrow());
        Files.writeString(log, "x".repeat(100_000) + "\nzos-heartbeat boot=00aa n=3\n", java.nio.file.StandardOpenOption.APPEND);
        assertEquals(new Heartbeat("00aa", 3), Heartbeat.last(log).orElseThrow());
    }

    @Test
    void restoreMapsEveryRecordedPathToThisHost() {
        String saved = "<domain type='qemu'><os><kernel>/old/boot/vmlinuz</kernel><initrd>/old/boot/initrd.img</initrd>"
                + "</os><devices><disk type='file'><source file='/old/data.qcow2'/><target dev='vda'/></disk>"
                + "<serial type='pty'><log file='/old/console.log'/></serial></devices></domain>";
        AnimaPaths here = AnimaPaths.of(Path.of("/srv/zos"), "work");
        assertEquals(Map.of(
                "/old/boot/vmlinuz", "/srv/zos/animas/work/boot/vmlinuz",
                "/old/boot/initrd.img", "/srv/zos/animas/work/boot/initrd.img",
                "/old/data.qcow2", "/srv/zos/animas/work/data.qcow2",
                "/old/console.log", "/srv/zos/animas/work/console.log"), AnimaManager.pathsOnThisHost(saved, here));
    }

    @Test
    void sha256OfAFile(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("f"), "abc");
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Sha256.file(f));
    }

    /** A digest taken on another thread, of a file renamed meanwhile and of bytes as they are written, is the same. */
    @Test
    void sha256OnASecondThread(@TempDir Path dir) throws Exception {
        byte[] data = new byte[3 << 20];
        new java.util.Random(5).nextBytes(data);
        Path f = Files.write(dir.resolve("f.part"), data);
        String expected = Sha256.file(f);
        var digest = Sha256.of(f);
        Files.move(f, dir.resolve("f"));
        assertEquals(expected, Sha256.await(digest));
        java.io.ByteArrayOutputStream written = new java.io.ByteArrayOutputStream();
        try (Sha256.Tee tee = new Sha256.Tee(written); var out = new java.io.BufferedOutputStream(tee, 1 << 16)) {
            out.write(data, 0, 100);
            out.write(data[100]);
            out.write(data, 101, data.length - 101);
            out.flush();
            assertEquals(expected, tee.hex());
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(data, written.toByteArray());
    }

    @Test
    void secondLockOnAnAnimaIsBusy(@TempDir Path root) throws Exception {
        AnimaPaths paths = AnimaPaths.of(root, "a");
        Files.createDirectories(paths.dir());
        try (AnimaLock first = AnimaLock.acquire(paths, "a")) {
            ZosException e = assertThrows(ZosException.class, () -> AnimaLock.acquire(paths, "a"));
            assertEquals(ErrorCode.BUSY, e.code());
        }
        AnimaLock.acquire(paths, "a").close();
    }
}
