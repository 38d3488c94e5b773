package org.zos.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.zos.protocol.ErrorCode;

/**
 * The Debian package on a clean Debian 12 (a container of the cluster's host image, which has the
 * package's dependencies and nothing of zos): {@code zos-vm package} builds it, then it is installed,
 * used as root, as a member of group zos and as a stranger, upgraded and purged, in that order. No
 * systemd runs in the container, so the agent is started as the package tells such hosts to; the unit
 * itself is checked by {@code systemd-analyze verify}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PackageIT {
    static final String CONTAINER = "zos-package-test";
    static Path debs;
    static Path first;
    static Path second;

    @BeforeAll
    static void build() throws Exception {
        debs = Files.createTempDirectory("zos-debs");
        Path jar = Path.of(System.getProperty("zos.repo", "."), "controller/target/zos-vm.jar");
        first = pack(jar, "0.9.0");
        second = pack(jar, "0.9.1");
        String image = new Cluster(s -> { }).image();
        DockerCli.run(null, "rm", "-f", CONTAINER);
        DockerCli.check("start the package test container", "run", "-d", "--name", CONTAINER, "--init",
                "-v", debs + ":/debs:ro", image, "sleep", "infinity");
        sh("/usr/sbin/virtlogd -d && /usr/sbin/libvirtd -d");
    }

    @AfterAll
    static void remove() throws Exception {
        DockerCli.run(null, "rm", "-f", CONTAINER);
        try (var files = Files.list(debs)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        Files.delete(debs);
    }

    private static Path pack(Path jar, String version) throws Exception {
        Process p = new ProcessBuilder("java", "-jar", jar.toString(), "package", "--out", debs.toString(), "--version", version)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        Path deb = debs.resolve("zos_" + version + "_all.deb");
        assertTrue(out.startsWith(deb.toString()), out);
        return deb;
    }

    /** Runs {@code script} in the container as root; its result. */
    static DockerCli.Result sh(String script) {
        return DockerCli.run(null, "exec", CONTAINER, "sh", "-c", script);
    }

    static String ok(String script) {
        DockerCli.Result r = sh(script);
        assertEquals(0, r.status(), script + "\n" + r.out() + r.err());
        return r.out().strip();
    }

    @Test
    @Order(1)
    void installs() {
        DockerCli.Result r = sh("dpkg -i /debs/" + first.getFileName());
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.err().contains("no systemd here; start the agent with"), r.err());
        assertEquals("install ok installed 0.9.0", ok("dpkg-query -W -f '${Status} ${Version}' zos"));
        assertTrue(ok("getent group zos").startsWith("zos:x:"));
        assertEquals("700 755 755", ok("stat -c %a /var/lib/zos /var/cache/zos /etc/zos | tr '\\n' ' '").strip());
        assertEquals("0", ok("test -s /var/cache/zos/zos-vm.jsa; echo $?"), "the class-data archive was made");
        for (String f : List.of("/usr/share/man/man1/zos-vm.1.gz", "/usr/share/man/man1/zos-vm-dominate.1.gz",
                "/usr/share/man/man8/zos-agent.8.gz", "/usr/share/zsh/vendor-completions/_zos-vm")) {
            assertEquals("0", ok("test -s " + f + "; echo $?"), f);
        }
        // The host image leaves out /usr/share/doc (dpkg's path-exclude): the package's own list has them.
        String listed = ok("dpkg-deb -c /debs/" + first.getFileName());
        assertTrue(listed.contains("./usr/share/doc/zos/protocol.md") && listed.contains("./usr/share/doc/zos/copyright"), listed);
        String version = ok("zos-vm --version");
        assertTrue(version.startsWith("zos-vm 0.1.0"), version);
        assertTrue(version.contains("zos-agent on this host: not running (no /run/zos/zos-sock)"), version);
        assertEquals("dominate", ok("bash -c 'source /usr/share/bash-completion/completions/zos-vm; COMP_WORDS=(zos-vm domi); "
                + "COMP_CWORD=1; COMP_LINE=\"zos-vm domi\"; COMP_POINT=11; _complete_zos-vm; echo ${COMPREPLY[@]}'"));
    }

    @Test
    @Order(2)
    void theUnitIsValid() {
        // --man=no: the image has no man(1) to look up Documentation= with; the pages' files are checked above.
        DockerCli.Result r = sh("systemd-analyze verify --man=no /lib/systemd/system/zos-agent.service 2>&1");
        assertEquals(0, r.status(), r.out());
        assertFalse(r.out().contains("zos-agent.service"), "systemd has nothing to say about the unit: " + r.out());
    }

    @Test
    @Order(3)
    void theSocketLetsInRootAndGroupZosAndNamesEachCaller() {
        startAgent();
        assertEquals("660 root zos", ok("stat -c '%a %U %G' /run/zos/zos-sock"));
        ok("zos-vm list");
        assertTrue(ok("zos-vm --version").contains("zos-agent on this host: zos 0.1.0"));
        ok("id ana >/dev/null 2>&1 || useradd -m -G zos ana; id bob >/dev/null 2>&1 || useradd -m bob");
        ok("su ana -c 'zos-vm list'");
        DockerCli.Result stranger = sh("su bob -c 'zos-vm list'");
        assertEquals(ErrorCode.DENIED.exitStatus(), stranger.status(), stranger.err());
        assertTrue(stranger.err().contains("permission denied on /run/zos/zos-sock") && stranger.err().contains("zos"), stranger.err());
        DockerCli.Result impostor = sh("su ana -c 'ZOS_JAVA_OPTS=-Duser.name=root zos-vm list'");
        assertEquals(ErrorCode.DENIED.exitStatus(), impostor.status(), impostor.err());
        assertTrue(impostor.err().contains("runs as ana but speaks for user 'root'"), impostor.err());
    }

    @Test
    @Order(4)
    void upgradesKeepingTheIdentityAndTheSettings() {
        String fingerprint = ok("zos-agent --fingerprint");
        ok("echo 'name = pkgtest' >> /etc/zos/agent.properties");
        stopAgent();
        ok("dpkg -i /debs/" + second.getFileName());
        assertEquals("install ok installed 0.9.1", ok("dpkg-query -W -f '${Status} ${Version}' zos"));
        assertEquals(fingerprint, ok("zos-agent --fingerprint"));
        assertTrue(ok("cat /etc/zos/agent.properties").contains("name = pkgtest"), "the changed conffile stays");
        startAgent();
        ok("zos-vm list");
        stopAgent();
    }

    @Test
    @Order(5)
    void purgeRemovesAllButAnimas() {
        ok("mkdir -p /var/lib/zos/animas/keep && echo x > /var/lib/zos/animas/keep/disk");
        DockerCli.Result r = sh("dpkg --purge zos");
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.err().contains("/var/lib/zos still holds animas (keep )"), r.err());
        for (String gone : List.of("/usr/bin/zos-vm", "/usr/bin/zos-agent", "/usr/lib/zos", "/etc/zos", "/var/cache/zos",
                "/var/log/zos", "/lib/systemd/system/zos-agent.service")) {
            assertEquals("1", ok("test -e " + gone + "; echo $?"), gone + " is gone");
        }
        assertEquals("x", ok("cat /var/lib/zos/animas/keep/disk"), "an anima is never deleted");
        ok("rm -rf /var/lib/zos/animas && dpkg -i /debs/" + second.getFileName() + " 2>/dev/null && dpkg --purge zos");
        assertEquals("1", ok("test -e /var/lib/zos; echo $?"), "an empty state directory goes");
    }

    private static void startAgent() {
        ok("nohup zos-agent --no-warm-up --no-console --log-file /var/log/zos/agent.log >/dev/null 2>&1 &"
                + " for i in $(seq 1 150); do [ -S /run/zos/zos-sock ] && exit 0; sleep 0.2; done; cat /var/log/zos/agent.log; exit 1");
    }

    private static void stopAgent() {
        ok("pkill -f '^java .*daemon.ZosAgent'; for i in $(seq 1 50); do [ -S /run/zos/zos-sock ] || exit 0; sleep 0.2; done; exit 1");
    }
}
