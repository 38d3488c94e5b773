package org.zos.agent.move;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/**
 * The blocks one stream of a live migration sent whole, numbered in the order they went (docs/protocol.md,
 * "Live moves"): the pages of the memory by content ({@link LiveStream#COPIED}) and the blocks the disk's
 * mirror sends as 'B' records ({@link LiveStream#MIRRORED}). The receiver keeps the first {@link #MAX} of
 * each, so that a block of the same content on either stream goes as a reference to it rather than again:
 * a return over the disk home kept sends the visit's writes once, as the guest's page cache of them in
 * the memory, and the mirror's blocks of them as references.
 */
final class WholeBlocks {
    /** The most blocks of one stream a move numbers and keeps (64 MiB). */
    static final int MAX = 16384;

    private WholeBlocks() {
    }

    /** The sender's side of one stream: each block's number by its {@link MemoryImage#hash}. */
    static final class Sent {
        private final long flag;
        private final ConcurrentHashMap<Long, Integer> byHash = new ConcurrentHashMap<>();
        private int count;

        /** Numbers for a stream whose references carry {@code flag}. */
        Sent(long flag) {
            this.flag = flag;
        }

        /** Numbers {@code block}, which goes whole next; false once {@link #MAX} went (it is not kept). Called by one thread. */
        boolean add(byte[] block) {
            if (count >= MAX) {
                return false;
            }
            long h = MemoryImage.hash(block);
            if (h != 0) {
                byHash.putIfAbsent(h, count);
            }
            count++;
            return true;
        }

        /** The reference to a block of hash {@code hash} sent whole (its number with the stream's flag), or -1. */
        long find(long hash) {
            Integer n = hash == 0 ? null : byHash.get(hash);
            return n == null ? -1 : n | flag;
        }
    }

    /** The receiver's side of one stream: the blocks in order, and a wait for one that has not come (it comes on another connection). */
    static final class Kept {
        private final String what;
        private final List<byte[]> blocks = new ArrayList<>();
        private boolean ended;

        Kept(String what) {
            this.what = what;
        }

        /** Keeps {@code block}; false once {@link #MAX} are kept (it is not). */
        synchronized boolean add(byte[] block) {
            if (ended || blocks.size() >= MAX) {
                return false;
            }
            blocks.add(block.clone());
            notifyAll();
            return true;
        }

        /** Copies block {@code n} into {@code page}, waiting up to {@code patience} for it to come. */
        synchronized void read(long n, byte[] page, java.time.Duration patience) throws IOException {
            if (n < 0 || n >= MAX) {
                throw malformed("a reference to block " + n + " of " + what);
            }
            long deadline = System.nanoTime() + patience.toNanos();
            while (blocks.size() <= n) {
                long left = deadline - System.nanoTime();
                if (ended || left <= 0) {
                    throw malformed("a reference to block " + n + " of " + what + ", of which " + blocks.size() + " came");
                }
                try {
                    wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("waiting for block " + n + " of " + what);
                }
            }
            System.arraycopy(blocks.get((int) n), 0, page, 0, LiveStream.PAGE);
        }

        /** No more blocks come (the move ended): a wait ends, and what was kept goes. */
        synchronized void end() {
            ended = true;
            blocks.clear();
            notifyAll();
        }

        private static ZosException malformed(String what) {
            return new ZosException(ErrorCode.PROTOCOL_ERROR, "the live migration stream is malformed: " + what, "");
        }
    }
}
