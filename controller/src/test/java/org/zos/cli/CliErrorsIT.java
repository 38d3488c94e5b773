package org.zos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.zos.protocol.ErrorCode;

/**
 * Bad input through the real command line and a real libvirtd: each case gives one 'error:' line that
 * says what is wrong and what to do, its own exit status, and leaves the anima as it was.
 */
class CliErrorsIT {
    private Path stateDir;
    private TestAgent agent;
    private Cli cli;

    @BeforeEach
    void setUp() throws Exception {
        stateDir = Files.createDirectories(Path.of("/var/lib/zos-test", "cli-" + UUID.randomUUID().toString().substring(0, 8)));
        agent = TestAgent.start(Files.createDirectories(stateDir.resolveSibling(stateDir.getFileName() + "-etc")), stateDir,
                "qemu:///system");
        cli = new Cli(null, agent);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (String line : cli.run("status", "--json").out().split("\n")) {
            if (line.contains("\"name\"")) {
                cli.run("remove", "--yes", line.replaceAll(".*: \"(.*)\".*", "$1"));
            }
        }
        agent.close();
        new ProcessBuilder("umount", stateDir.toString()).start().waitFor();
        for (Path dir : new Path[] {stateDir, agent.configDir}) {
            try (var files = Files.walk(dir)) {
                for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static String name() {
        return "cli-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void libvirtdNotRunning() throws Exception {
        Path etc = Files.createDirectories(stateDir.resolveSibling(stateDir.getFileName() + "-etc2"));
        try (TestAgent lost = TestAgent.start(etc, stateDir, "qemu+unix:///system?socket=/nonexistent/libvirt-sock")) {
            Cli.assertError(new Cli(null, lost).run("init", "--name", name()), ErrorCode.HYPERVISOR_UNAVAILABLE,
                    "cannot connect to libvirt", "start libvirtd");
        } finally {
            try (var files = Files.walk(etc)) {
                for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    @Test
    void listShowsWhatRunsOrAllAndTheDomainSaysItIsAnAnima() throws Exception {
        String n = name();
        assertEquals(0, cli.run("init", "--name", n, "--memory", "128M", "--disk-size", "64M").status());
        Cli.Result running = cli.run("list");
        assertEquals(0, running.status(), running.toString());
        assertTrue(running.out().startsWith(" Name ") && !running.out().contains(n), running.out());
        Cli.Result all = cli.run("list", "--all");
        assertTrue(all.out().matches("(?s).*\\n " + n + " +shut off +testhost +testhost\\n.*"), all.out());
        Cli.Result json = cli.run("list", "--all", "--json");
        assertEquals(new com.fasterxml.jackson.databind.ObjectMapper().readTree("[{\"name\":\"" + n
                + "\",\"state\":\"shut off\",\"runsOn\":\"testhost\",\"home\":\"testhost\"}]"),
                new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.out()));
        Process virsh = new ProcessBuilder("virsh", "-c", "qemu:///system", "metadata", n, "urn:zos:anima:1").redirectErrorStream(true).start();
        String meta = new String(virsh.getInputStream().readAllBytes());
        assertEquals(0, virsh.waitFor(), meta);
        assertTrue(meta.contains("<name>" + n + "</name>") && meta.contains("<role>home</role>"), meta);
        Cli.assertError(cli.run("migrate", n, "nohost"), ErrorCode.UNKNOWN_PEER, "nohost is not enrolled", "zos-vm trust nohost");
    }

    @Test
    void agentNotRunning() {
        Cli.Result r = new Cli(null).run("status", "--config-dir=" + agent.configDir, "--agent-port", "1");
        Cli.assertError(r, ErrorCode.HOST_UNREACHABLE, "no zos-agent answers", "zos-agent &");
    }

    @Test
    void animaThatAlreadyExists() {
        String n = name();
        assertEquals(0, cli.run("init", "--name", n, "--memory", "128M", "--disk-size", "64M").status());
        String before = cli.run("status", n, "--json").out();
        Cli.assertError(cli.run("init", "--name", n), ErrorCode.ANIMA_EXISTS, "already exists", "remove");
        assertEquals(before, cli.run("status", n, "--json").out(), "the existing anima is untouched");
    }

    @Test
    void unknownAnima() {
        for (String cmd : new String[] {"start", "suspend", "resume", "shutdown", "status"}) {
            Cli.assertError(cli.run(cmd, "no-such-anima"), ErrorCode.ANIMA_NOT_FOUND, "no-such-anima", "zos-vm status");
        }
    }

    @Test
    void badParameters() {
        Cli.assertError(cli.run("init", "--name", "bad/name"), ErrorCode.BAD_PARAMETER, "not a valid anima name");
        Cli.assertError(cli.run("init", "--name", name(), "--memory", "lots"), ErrorCode.BAD_PARAMETER, "not a size");
        Cli.assertError(cli.run("remove", "x"), ErrorCode.BAD_PARAMETER, "--yes");
        assertEquals(2, cli.run("no-such-command").status());
        Cli.assertError(cli.run("dominate", "", "work"), ErrorCode.BAD_PARAMETER, "no host named", "zos-vm hosts");
        Cli.assertError(cli.run("dominate", "host2", "work", "--bandwidth", "0"), ErrorCode.BAD_PARAMETER, "would send nothing");
        Cli.assertError(cli.run("return", "work", "--bandwidth", "fast"), ErrorCode.BAD_PARAMETER, "is not a rate");
        Cli.assertError(cli.run("store", "materialize", "disk", "/nonexistent-dir/x", "-a", "work"), ErrorCode.BAD_PARAMETER,
                "/nonexistent-dir is not a directory", "create it");
    }

    @Test
    void notEnoughDiskForTheStateFile() throws Exception {
        // The state directory on a 96 MiB file system: room for the anima, not for 256 MiB of memory.
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=96m,mode=0755", "tmpfs",
                stateDir.toString()).inheritIO().start();
        assumeTrue(mount.waitFor() == 0, "mounting a tmpfs needs root");
        String n = name();
        assertEquals(0, cli.run("init", "--name", n, "--memory", "256M", "--disk-size", "32M").status());
        assertEquals(0, cli.run("start", n).status());
        Cli.assertError(cli.run("suspend", n), ErrorCode.NO_SPACE, "not enough disk space", "MiB free", "free some space");
        assertTrue(cli.run("status", n).out().contains("running"), "the anima still runs");
        assertTrue(Files.notExists(stateDir.resolve("animas").resolve(n).resolve("memory.state.part")));
    }

    @Test
    void corruptStateFile() throws Exception {
        String n = name();
        assertEquals(0, cli.run("init", "--name", n, "--memory", "128M", "--disk-size", "32M").status());
        assertEquals(0, cli.run("start", n).status());
        Cli.Result suspend = cli.run("suspend", n);
        assertEquals(0, suspend.status(), suspend.toString());

        Path state = stateDir.resolve("animas").resolve(n).resolve("memory.state");
        try (RandomAccessFile f = new RandomAccessFile(state.toFile(), "rw")) {
            f.seek(f.length() / 2);
            int b = f.read();
            f.seek(f.length() / 2);
            f.write(b ^ 0x5a);
        }
        byte[] damaged = Files.readAllBytes(state);
        Cli.assertError(cli.run("resume", n), ErrorCode.INTEGRITY_ERROR, "damaged", "stays suspended", "--discard-state");
        assertTrue(cli.run("status", n).out().contains("suspended"), "still suspended");
        assertTrue(java.util.Arrays.equals(damaged, Files.readAllBytes(state)), "the state file is kept as it was");

        Cli.assertError(cli.run("start", n), ErrorCode.INVALID_STATE, "suspended", "zos-vm resume");
        assertEquals(0, cli.run("start", "--discard-state", n).status());
        assertTrue(cli.run("status", n).out().contains("running"));
        Cli.assertError(cli.run("start", n), ErrorCode.INVALID_STATE, "already running");

        assertTrue(Files.exists(stateDir.resolve("store/animas").resolve(n).resolve("key")), "init started its store");
        assertEquals(0, cli.run("remove", "--yes", n).status());
        assertTrue(Files.notExists(stateDir.resolve("store/animas").resolve(n)), "a removed anima leaves no store behind");
    }
}
