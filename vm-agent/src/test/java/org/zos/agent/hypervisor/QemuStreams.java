package org.zos.agent.hypervisor;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Test streams in QEMU 7.2's migration format (migration/savevm.c, ram.c), for the readers of them. */
public final class QemuStreams {
    private QemuStreams() {
    }

    /** The stream's header: its magic and version 3. */
    public static void header(DataOutputStream d) throws IOException {
        d.writeInt(0x5145564d);
        d.writeInt(3);
    }

    /**
     * The "ram" section's setup part (section {@code ramId}): its blocks, each of its name and size in
     * bytes, in order, then EOS and the section footer.
     */
    public static void ramSetup(DataOutputStream d, int ramId, Map<String, Long> blocks) throws IOException {
        d.writeByte(0x01); // ram START
        d.writeInt(ramId);
        d.writeByte(3);
        d.write("ram".getBytes(StandardCharsets.US_ASCII));
        d.writeInt(0);
        d.writeInt(4);
        d.writeLong(blocks.values().stream().mapToLong(Long::longValue).sum() | 0x04);
        for (Map.Entry<String, Long> block : blocks.entrySet()) {
            d.writeByte(block.getKey().length());
            d.write(block.getKey().getBytes(StandardCharsets.US_ASCII));
            d.writeLong(block.getValue());
        }
        d.writeLong(0x10);
        d.writeByte(0x7e);
        d.writeInt(ramId);
    }
}
