package org.zos.agent.hypervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/** Real qcow2 images made by qemu-img: a plain one runs; one that names a host file as backing or data file does not. */
class DiskConfinementTest {
    @TempDir
    Path tmp;

    void qemuImg(String... args) throws Exception {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "qemu-img";
        System.arraycopy(args, 0, cmd, 1, args.length);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
    }

    @Test
    void aPlainImagePasses() throws Exception {
        qemuImg("create", "-q", "-f", "qcow2", tmp.resolve("plain.qcow2").toString(), "16M");
        DiskConfinement.require(tmp.resolve("plain.qcow2"));
    }

    @Test
    void anImageCheckedOnceIsCheckedAgainOnceChanged() throws Exception {
        Path disk = tmp.resolve("disk.qcow2");
        qemuImg("create", "-q", "-f", "qcow2", disk.toString(), "1M");
        DiskConfinement.require(disk);
        DiskConfinement.require(disk); // as it was: not read again
        qemuImg("create", "-q", "-f", "raw", tmp.resolve("host-secret").toString(), "1M");
        Thread.sleep(20); // a later modification time, whatever the file system's clock step
        qemuImg("rebase", "-u", "-F", "raw", "-b", tmp.resolve("host-secret").toString(), disk.toString()); // in place
        ZosException e = assertThrows(ZosException.class, () -> DiskConfinement.require(disk));
        assertEquals(ErrorCode.DENIED, e.code());
    }

    @Test
    void aBackingFileIsRefused() throws Exception {
        qemuImg("create", "-q", "-f", "raw", tmp.resolve("host-secret").toString(), "1M");
        qemuImg("create", "-q", "-f", "qcow2", "-F", "raw", "-b", tmp.resolve("host-secret").toString(),
                tmp.resolve("evil.qcow2").toString(), "1M");
        ZosException e = assertThrows(ZosException.class, () -> DiskConfinement.require(tmp.resolve("evil.qcow2")));
        assertEquals(ErrorCode.DENIED, e.code());
        assertTrue(e.getMessage().contains("backing file") && e.getMessage().contains("host-secret"), e.getMessage());
    }

    @Test
    void anExternalDataFileIsRefused() throws Exception {
        qemuImg("create", "-q", "-f", "qcow2", "-o", "data_file=" + tmp.resolve("data.raw"), tmp.resolve("evil.qcow2").toString(), "1M");
        ZosException e = assertThrows(ZosException.class, () -> DiskConfinement.require(tmp.resolve("evil.qcow2")));
        assertTrue(e.getMessage().contains("external data file"), e.getMessage());
    }
}
