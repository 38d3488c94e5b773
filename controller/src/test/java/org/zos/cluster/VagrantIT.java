package org.zos.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Vagrant cluster as a person meets it: {@code cd vagrant && vagrant up} (docker provider), an anima
 * dominating host2 and coming home through {@code vagrant ssh}, {@code vagrant destroy -f};
 * {@code vagrant validate} for both providers. The libvirt box is {@link VagrantLibvirtIT}'s; the two
 * take {@link #ONE_AT_A_TIME} for their whole run (the same machine names and addresses).
 */
class VagrantIT {
    /** Held by a test for as long as it uses the Vagrant project. */
    static final java.util.concurrent.locks.ReentrantLock ONE_AT_A_TIME = new java.util.concurrent.locks.ReentrantLock();

    static final Path DIR = Path.of("../vagrant").toAbsolutePath().normalize();

    record Run(int status, String out) {
    }

    static Run vagrant(Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("vagrant"));
        cmd.addAll(List.of(args));
        ProcessBuilder b = new ProcessBuilder(cmd).directory(DIR.toFile()).redirectErrorStream(true);
        b.environment().putAll(env);
        b.environment().put("VAGRANT_NO_COLOR", "1");
        Process p = b.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(15, TimeUnit.MINUTES)) {
            p.destroyForcibly();
        }
        System.out.println("$ vagrant " + String.join(" ", args) + "\n" + out);
        return new Run(p.exitValue(), out);
    }

    /**
     * A run stopped midway (a killed build, a machine restarted) leaves what its 'vagrant up' made: the docker
     * provider's containers and its network on the hosts' subnet, the libvirt provider's domain, volume and
     * networks. 'vagrant up' of a fresh clone, knowing nothing of them, cannot make its own ("the container
     * name is already in use", "Network is already in use by interface br-...", "Name `vagrant_host1` of domain
     * about to create is already taken"). Everything here is named for this project's test cluster.
     */
    static void removeLeftovers() throws IOException, InterruptedException {
        String subnet = "172.31.71.0/24";
        new ProcessBuilder("sh", "-c", "docker ps -aq --filter name=zos-vagrant- | xargs -r docker rm -f;"
                + " for n in $(docker network ls -q); do [ \"$(docker network inspect -f '{{range .IPAM.Config}}{{.Subnet}}{{end}}' $n)\" = "
                + subnet + " ] && docker network rm $n; done;"
                + " virsh -q destroy vagrant_host1; virsh -q undefine vagrant_host1 --nvram --remove-all-storage;"
                + " virsh -q vol-delete --pool default vagrant_host1.img;"
                + " for n in zos-vagrant zos-vagrant-mgmt; do virsh -q net-destroy $n; virsh -q net-undefine $n; done; true")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
    }

    @BeforeEach
    void takeTheProject() {
        ONE_AT_A_TIME.lock();
    }

    @AfterEach
    void giveItBack() {
        ONE_AT_A_TIME.unlock();
    }

    @Test
    void theVagrantfileIsValidForBothProviders() throws Exception {
        Run docker = vagrant(Map.of(), "validate");
        assertEquals(0, docker.status(), docker.out());
        Run libvirt = vagrant(Map.of("VAGRANT_DEFAULT_PROVIDER", "libvirt"), "validate");
        assertEquals(0, libvirt.status(), libvirt.out());
        Run three = vagrant(Map.of("ZOS_HOSTS", "3"), "status");
        assertTrue(three.out().contains("host3") && three.out().contains("(docker)"), three.out());
    }

    @Test
    void vagrantUpGivesHostsAnAnimaCanDominateAndLeave() throws Exception {
        removeLeftovers();
        try {
            Run up = vagrant(Map.of(), "up");
            assertEquals(0, up.status(), up.out());
            Run moved = vagrant(Map.of(), "ssh", "host1", "-c",
                    "zos-vm init --name work --memory 128M --disk-size 64M && zos-vm start work && zos-vm dominate host2 work"
                            + " && zos-vm status --json work && zos-vm return work");
            assertEquals(0, moved.status(), moved.out());
            assertTrue(moved.out().contains("Anima 'work' runs on host2 now"), moved.out());
            assertTrue(moved.out().contains("\"location\" : \"host2\""), moved.out());
            assertTrue(moved.out().contains("Anima 'work' is home again"), moved.out());
            Run host2 = vagrant(Map.of(), "ssh", "host2", "-c", "ls /var/lib/zos/animas 2>/dev/null | wc -l; zos-vm ca status");
            assertEquals(0, host2.status(), host2.out());
            assertTrue(host2.out().strip().startsWith("0"), "host2 keeps nothing of the anima: " + host2.out());
            assertTrue(host2.out().contains("endorsed by 'zos-cluster' as host2"), host2.out());
        } finally {
            Run down = vagrant(Map.of(), "destroy", "-f");
            assertEquals(0, down.status(), down.out());
        }
        Process ps = new ProcessBuilder("docker", "ps", "-a", "--filter", "name=zos-vagrant-", "--format", "{{.Names}}").start();
        assertEquals("", new String(ps.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip(), "vagrant destroy removed every host");
    }
}
