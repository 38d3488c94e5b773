package org.zos.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.zos.protocol.ErrorCode;

/** zos-vm store: every subcommand through the real command line, on a real store directory. */
class StoreCommandsTest {
    @TempDir
    Path tmp;
    Cli cli;
    Path image;
    byte[] content;

    @BeforeEach
    void setUp() throws Exception {
        cli = new Cli(tmp.resolve("state"));
        content = new byte[3 << 20];
        Random r = new Random(5);
        for (int i = 0; i < content.length; i += 4096) {
            content[i + r.nextInt(4096)] = (byte) r.nextInt();
        }
        image = Files.write(tmp.resolve("Disk.img"), content);
    }

    @Test
    void ingestStatsMaterializeCheckGcErase() throws Exception {
        Cli.Result in = cli.run("store", "ingest", image.toString(), "--anima", "work");
        assertEquals(0, in.status(), in.toString());
        assertTrue(in.out().contains("as work/disk.img@1"), in.out());
        assertEquals(0, cli.run("store", "ingest", image.toString(), "-a", "work", "--image", "disk").status());

        Cli.Result stats = cli.run("store", "stats");
        assertTrue(stats.out().contains("work:") && stats.out().contains("disk.img") && stats.out().contains("disk "), stats.out());

        Path out = tmp.resolve("out.img");
        Cli.Result mat = cli.run("store", "materialize", "disk.img@1", out.toString(), "-a", "work");
        assertEquals(0, mat.status(), mat.toString());
        assertArrayEquals(content, Files.readAllBytes(out));
        Cli.assertError(cli.run("store", "materialize", "disk.img", out.toString(), "-a", "work"), ErrorCode.BAD_PARAMETER, "exists", "--force");
        assertEquals(0, cli.run("store", "materialize", "disk", out.toString(), "-a", "work", "--force").status());

        Cli.Result check = cli.run("store", "check", "--read-data");
        assertEquals(0, check.status(), check.toString());
        assertTrue(check.out().contains("no problems"), check.out());
        assertEquals(0, cli.run("store", "check", "--read-data-subset", "50%").status());

        assertEquals(0, cli.run("store", "gc", "--keep", "1", "-a", "work").status());

        Cli.assertError(cli.run("store", "erase", "work"), ErrorCode.BAD_PARAMETER, "--yes");
        Cli.Result erase = cli.run("store", "erase", "work", "--yes");
        assertEquals(0, erase.status(), erase.toString());
        assertFalse(Files.exists(tmp.resolve("state/store/animas/work")));
        Cli.assertError(cli.run("store", "stats", "-a", "work"), ErrorCode.ANIMA_NOT_FOUND, "no anima work");
    }

    @Test
    void damageIsReportedWithItsOwnExitStatus() throws Exception {
        assertEquals(0, cli.run("store", "ingest", image.toString()).status());
        Path pack;
        try (Stream<Path> s = Files.walk(tmp.resolve("state/store/animas/default/packs"))) {
            pack = s.filter(p -> p.toString().endsWith(".pack")).findFirst().orElseThrow();
        }
        try (RandomAccessFile f = new RandomAccessFile(pack.toFile(), "rw")) {
            f.seek(100);
            f.write(f.read() ^ 1);
        }
        assertEquals(0, cli.run("store", "check").status(), "the structure is intact");
        Cli.Result r = cli.run("store", "check", "--read-data");
        Cli.assertError(r, ErrorCode.INTEGRITY_ERROR, "1 problems");
        assertTrue(r.out().contains("is corrupt") && r.out().contains("disk.img@1"), r.out());
        Cli.assertError(cli.run("store", "materialize", "disk.img", tmp.resolve("x").toString()), ErrorCode.INTEGRITY_ERROR, "corrupt");
        assertFalse(Files.exists(tmp.resolve("x")));
    }

    @Test
    void badInputGetsOneLineAndItsExitStatus() {
        Cli.assertError(cli.run("store", "ingest", tmp.resolve("nothing").toString()), ErrorCode.BAD_PARAMETER, "not a file");
        Cli.assertError(cli.run("store", "ingest", image.toString(), "--image", "Bad Name"), ErrorCode.BAD_PARAMETER, "not a valid image name");
        Cli.assertError(cli.run("store", "ingest", image.toString(), "-a", "../up"), ErrorCode.BAD_PARAMETER, "not a valid anima name");
        assertEquals(0, cli.run("store", "ingest", image.toString()).status());
        Cli.assertError(cli.run("store", "materialize", "memory", tmp.resolve("m").toString()), ErrorCode.ANIMA_NOT_FOUND, "no image memory");
        Cli.assertError(cli.run("store", "materialize", "disk.img@x", tmp.resolve("m").toString()), ErrorCode.BAD_PARAMETER, "generation");
        Cli.assertError(cli.run("store", "check", "--read-data-subset", "150%"), ErrorCode.BAD_PARAMETER, "percentage");
        Cli.assertError(cli.run("store", "gc", "--keep", "-1"), ErrorCode.BAD_PARAMETER, "--keep");
        Cli.assertError(cli.run("store"), ErrorCode.BAD_PARAMETER, "store command");
    }
}
