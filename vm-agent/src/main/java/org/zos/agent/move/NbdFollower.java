package org.zos.agent.move;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Follows the client's side of an NBD connection (QEMU's drive-mirror writing the disk to the
 * receiver's NBD server): the option haggling verbatim, then requests; the data of a WRITE, 4 KiB
 * block by block, goes as a reference where the receiver's disk image as sent ahead holds the same block
 * (found by content: the image is a qcow2 file, whose layout is not the guest's). Server replies go the
 * other way, verbatim.
 */
final class NbdFollower extends Follower {
    private static final int REQUEST = 0x25609513;
    private static final int OPTION = 0x49484156; // "IHAV" of "IHAVEOPT"
    private static final int WRITE = 1;
    private final LiveStream.Pages pages;
    /** Where the blocks that go whole are numbered, to be kept by the receiver (null: they go as verbatim bytes). */
    private final WholeBlocks.Sent mirror;

    NbdFollower(InputStream client, DataOutputStream out, LiveStream.Pages pages, int level, WholeBlocks.Sent mirror) {
        super(client, out, level);
        this.pages = pages;
        this.mirror = mirror;
    }

    @Override
    boolean follow() throws IOException {
        in.readInt(); // client flags
        byte[] block = new byte[LiveStream.PAGE];
        while (true) {
            if (peek() < 0) {
                return true;
            }
            int magic = in.readInt();
            if (magic == OPTION) {
                in.readInt(); // "EOPT"
                in.readInt(); // option
                in.skipNBytes(Integer.toUnsignedLong(in.readInt()));
            } else if (magic == REQUEST) {
                in.readUnsignedShort(); // flags
                int type = in.readUnsignedShort();
                in.readLong(); // cookie
                long offset = in.readLong();
                long length = Integer.toUnsignedLong(in.readInt());
                if (type == WRITE) {
                    write(offset, length, block);
                }
            } else {
                return false;
            }
        }
    }

    /**
     * A WRITE's data: aligned whole blocks the receiver holds become references; the others go whole, kept
     * by the receiver (up to {@link WholeBlocks#MAX}) for the memory's pages of the same content to refer to.
     */
    private void write(long offset, long length, byte[] block) throws IOException {
        long at = offset;
        long end = offset + length;
        if (at % LiveStream.PAGE != 0) { // the unaligned head, verbatim
            in.skipNBytes(Math.min(end, (at / LiveStream.PAGE + 1) * LiveStream.PAGE) - at);
            at = Math.min(end, (at / LiveStream.PAGE + 1) * LiveStream.PAGE);
        }
        while (end - at >= LiveStream.PAGE) {
            readAside(block);
            long found = pages.find(block);
            if (found < 0 && mirror != null && mirror.add(block)) {
                sendKept(block);
            } else {
                send(block, found);
            }
            at += LiveStream.PAGE;
        }
        in.skipNBytes(end - at); // the tail
    }
}
