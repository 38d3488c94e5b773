package org.zos.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * The libvirt box, built by {@code vagrant/build-box}, booting to an agent that answers. Under TCG (here)
 * this is minutes of one emulated CPU with little else to do, so it runs beside the other integration
 * tests rather than after them (the one class that does: junit-platform.properties); it holds
 * {@link VagrantIT#ONE_AT_A_TIME} while it uses the Vagrant project.
 */
@Execution(ExecutionMode.CONCURRENT)
class VagrantLibvirtIT {
    @Test
    void theLibvirtBoxBuildsAndBootsToAnAgentThatAnswers() throws Exception {
        VagrantIT.ONE_AT_A_TIME.lock();
        try {
            bootTheBox();
        } finally {
            VagrantIT.ONE_AT_A_TIME.unlock();
        }
    }

    private static void bootTheBox() throws Exception {
        Map<String, String> one = Map.of("ZOS_HOSTS", "1");
        Process build = new ProcessBuilder("nice", "-n", "10", VagrantIT.DIR.resolve("build-box").toString()).directory(VagrantIT.DIR.toFile()).inheritIO().start();
        assertTrue(build.waitFor(30, TimeUnit.MINUTES), "build-box took over 30 minutes");
        assertEquals(0, build.exitValue(), "build-box failed (see above)");
        VagrantIT.removeLeftovers();
        Thread yielding = yielding();
        try {
            VagrantIT.Run up = VagrantIT.vagrant(one, "up", "--provider", "libvirt");
            assertEquals(0, up.status(), up.out());
            assertTrue(up.out().contains("host1 is a zos host, endorsed by the cluster authority"), up.out());
            // Under TCG the agent's JVM takes half a minute or more to open its socket after systemd calls it
            // active: ask again for up to three minutes before the answer counts.
            VagrantIT.Run asked = VagrantIT.vagrant(one, "ssh", "host1", "-c", "systemctl is-active zos-agent"
                    + " && for i in $(seq 60); do sudo zos-vm list --all --json >/dev/null 2>&1 && break; sleep 3; done"
                    + " && sudo zos-vm list --all --json"
                    + " && sudo journalctl -u zos-agent --no-pager | grep -c 'this host is endorsed by zos-cluster'");
            assertEquals(0, asked.status(), asked.out());
            assertTrue(asked.out().contains("active") && asked.out().contains("[ ]"), "the agent answers: " + asked.out());
        } finally {
            yielding.interrupt();
            VagrantIT.Run down = VagrantIT.vagrant(one, "destroy", "-f");
            assertEquals(0, down.status(), down.out());
        }
    }

    /**
     * Keeps the box's QEMU (started by libvirtd, so not a child of this test's nice processes) at nice 10,
     * every thread of it, while it boots: it takes what the tests beside it leave of the CPU, and theirs
     * (guests counting heartbeats, clocks set after a move) keep the timing they have on a quiet machine.
     */
    private static Thread yielding() {
        Thread t = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    new ProcessBuilder("sh", "-c", "for p in $(pgrep -f 'guest=vagrant_host1'); do for t in /proc/$p/task/*; do"
                            + " renice -n 10 -p ${t##*/} >/dev/null 2>&1; done; done; true").start().waitFor();
                    Thread.sleep(3_000);
                } catch (InterruptedException | java.io.IOException e) {
                    return;
                }
            }
        }, "vagrant-box-yields");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
