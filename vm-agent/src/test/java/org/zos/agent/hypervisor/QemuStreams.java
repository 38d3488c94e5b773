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

    /**
     * What QEMU 7.2's incoming side makes of a stream's page records (ram.c, ram_load_precopy) for the
     * block {@code block}: {@code memory}, as the receiver's memory started, with each zero page's fill and
     * each whole page written. Follows what these test streams hold (the header, the RAM setup, its parts
     * and end, commands) up to the first other section. A record that continues a block none named in its
     * section fails, as QEMU fails it ("Ack, bad migration stream!").
     */
    public static byte[] load(byte[] stream, String block, byte[] memory) throws IOException {
        java.io.DataInputStream in = new java.io.DataInputStream(new java.io.ByteArrayInputStream(stream));
        if (in.readInt() != 0x5145564d || in.readInt() != 3) {
            throw new IOException("not a QEMU migration stream");
        }
        byte[] out = memory.clone();
        while (true) {
            int type = in.readUnsignedByte();
            if (type == 0x01) { // the RAM setup
                in.readInt();
                in.skipNBytes(in.readUnsignedByte() + 8);
                long total = in.readLong() & ~0xfffL;
                while (total > 0) {
                    in.skipNBytes(in.readUnsignedByte());
                    total -= in.readLong();
                }
                in.readLong(); // EOS
                in.skipNBytes(5); // footer
            } else if (type == 0x02 || type == 0x03) {
                in.readInt();
                String named = null;
                while (true) {
                    long header = in.readLong();
                    long flags = header & 0xfff;
                    if (flags == 0x10) {
                        break;
                    }
                    if ((flags & 0x20) == 0) {
                        byte[] id = new byte[in.readUnsignedByte()];
                        in.readFully(id);
                        named = new String(id, StandardCharsets.US_ASCII);
                    } else if (named == null) {
                        throw new IOException("Ack, bad migration stream! (a record continues a block none named)");
                    }
                    int at = (int) (header & ~0xfffL);
                    boolean ours = named.equals(block);
                    if ((flags & 0x02) != 0) {
                        int fill = in.readUnsignedByte();
                        if (ours) {
                            java.util.Arrays.fill(out, at, at + 4096, (byte) fill);
                        }
                    } else if ((flags & 0x08) != 0) {
                        byte[] page = new byte[4096];
                        in.readFully(page);
                        if (ours) {
                            System.arraycopy(page, 0, out, at, 4096);
                        }
                    } else {
                        throw new IOException("a page record of flags " + flags);
                    }
                }
                in.skipNBytes(5); // footer
            } else if (type == 0x08) {
                in.readUnsignedShort();
                in.skipNBytes(in.readUnsignedShort());
            } else {
                return out;
            }
        }
    }
}
