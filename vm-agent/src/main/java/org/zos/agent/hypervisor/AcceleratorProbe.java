package org.zos.agent.hypervisor;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Decides between KVM and TCG by trying KVM for real. A /dev/kvm that exists is not enough: on some
 * hosts (nested or restricted virtualization) QEMU opens it and then never runs the guest. So, when libvirt
 * offers KVM, the probe boots a kernel under {@code qemu-system-x86_64 -accel kvm} for a few seconds and
 * chooses KVM only if the kernel prints its banner on the serial console. The verdict is cached in
 * /run/zos (it holds until the host reboots). {@code ZOS_ACCEL=kvm|tcg} overrides everything.
 */
public final class AcceleratorProbe {
    private static final Logger LOG = Logger.getLogger(AcceleratorProbe.class.getName());
    private static final Path CACHE = Path.of("/run/zos/accelerator.properties");
    private static final long PROBE_SECONDS = 8;

    private AcceleratorProbe() {
    }

    /**
     * The verdict for this machine without asking libvirt (for tools that start VMs of their own, e.g. the
     * Vagrantfile's libvirt provider): KVM is offered where /dev/kvm exists, then probed as the agent does.
     */
    public static Accelerator here(Path probeKernel) {
        return detect(Files.exists(Path.of("/dev/kvm")) ? "<domain type='kvm'" : "", true, probeKernel);
    }

    static Accelerator detect(String capabilitiesXml, boolean localHost, Path probeKernel) {
        String forced = System.getenv("ZOS_ACCEL");
        if ("kvm".equalsIgnoreCase(forced) || "tcg".equalsIgnoreCase(forced)) {
            return Accelerator.valueOf(forced.toUpperCase());
        }
        if (!capabilitiesXml.contains("<domain type='kvm'")) {
            return Accelerator.TCG;
        }
        if (!localHost) {
            return Accelerator.KVM;   // a remote libvirtd answers for its own /dev/kvm
        }
        String key = System.getProperty("os.version") + "/" + probeKernel.getFileName() + "/" + size(probeKernel);
        Properties cache = new Properties();
        try (InputStream in = Files.newInputStream(CACHE)) {
            cache.load(in);
            if (key.equals(cache.getProperty("key"))) {
                return Accelerator.valueOf(cache.getProperty("accelerator"));
            }
        } catch (IOException | IllegalArgumentException e) {
            // no verdict cached yet
        }
        Accelerator verdict = kvmBootsKernel(probeKernel) ? Accelerator.KVM : Accelerator.TCG;
        LOG.info("accelerator probe: " + verdict + (verdict == Accelerator.TCG ? " (KVM did not boot a kernel)" : ""));
        cache.setProperty("key", key);
        cache.setProperty("accelerator", verdict.name());
        try {
            Files.createDirectories(CACHE.getParent());
            try (OutputStream out = Files.newOutputStream(CACHE)) {
                cache.store(out, "zos accelerator probe");
            }
        } catch (IOException e) {
            LOG.fine("cannot cache the accelerator verdict: " + e);
        }
        return verdict;
    }

    static boolean kvmBootsKernel(Path kernel) {
        List<String> cmd = List.of("qemu-system-x86_64", "-accel", "kvm", "-M", "q35", "-m", "64", "-cpu", "qemu64",
                "-nographic", "-nodefaults", "-no-reboot", "-serial", "stdio", "-kernel", kernel.toString(),
                "-append", "console=ttyS0 panic=-1");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            StringBuilder out = new StringBuilder();
            Thread reader = new Thread(() -> {
                byte[] buf = new byte[4096];
                try (InputStream in = p.getInputStream()) {
                    for (int n; (n = in.read(buf)) > 0; ) {
                        synchronized (out) {
                            out.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                        }
                    }
                } catch (IOException e) {
                    // process ended
                }
            });
            reader.setDaemon(true);
            reader.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PROBE_SECONDS);
            while (System.nanoTime() < deadline) {
                synchronized (out) {
                    if (out.indexOf("Linux version") >= 0) {
                        p.destroyForcibly();
                        return true;
                    }
                }
                if (!p.isAlive() && !reader.isAlive()) {
                    break;
                }
                Thread.sleep(100);
            }
            p.destroyForcibly();
            return false;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return -1;
        }
    }
}
