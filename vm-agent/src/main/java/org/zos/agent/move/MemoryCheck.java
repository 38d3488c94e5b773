package org.zos.agent.move;

import com.github.luben.zstd.Zstd;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.LivePatch;

/**
 * A live move's check of the guest's memory (docs/protocol.md, "Live moves", step 3): the sender finds
 * the pages the receiver's copy has wrong ({@link PageLedger}) and sends them again as {@code live-patch}
 * requests; the receiver writes them into its paused domain's memory before the guest runs.
 */
final class MemoryCheck {
    private MemoryCheck() {
    }

    /** What the check found: the requests that carry the differing pages, and the pages compared. */
    record Found(List<LivePatch> patches, long differing, long compared) {
    }

    /** Reads the pages of {@code ram} that differ from the ledger and makes them into requests. */
    static Found patches(long transfer, String anima, PageLedger ledger, FileChannel ram) throws IOException {
        long[] offsets = ledger.differing(ram);
        List<LivePatch> patches = new ArrayList<>();
        ByteBuffer page = ByteBuffer.allocate(LiveStream.PAGE);
        for (int i = 0; i < offsets.length; i += LivePatch.MAX_PAGES) {
            int n = Math.min(LivePatch.MAX_PAGES, offsets.length - i);
            ByteArrayOutputStream raw = new ByteArrayOutputStream(n * LivePatch.RECORD);
            DataOutputStream d = new DataOutputStream(raw);
            for (int k = i; k < i + n; k++) {
                page.clear();
                ram.read(page, offsets[k]);
                d.writeLong(offsets[k]);
                d.write(page.array());
            }
            patches.add(new LivePatch(transfer, anima, n, Base64.getEncoder().encodeToString(Zstd.compress(raw.toByteArray(), 3))));
        }
        return new Found(patches, offsets.length, ram.size() / LiveStream.PAGE);
    }

    /**
     * Writes a request's pages into {@code ram}, the receiver's domain's memory (paused).
     *
     * @throws ZosException BAD_PARAMETER if the data does not hold the pages it says, or one lies outside the memory
     */
    static void apply(LivePatch p, FileChannel ram) throws IOException {
        byte[] raw;
        try {
            byte[] z = Base64.getDecoder().decode(p.data());
            long size = Zstd.decompressedSize(z);
            if (size != p.pages() * LivePatch.RECORD) {
                throw bad("holds " + size + " bytes, not " + p.pages() + " pages");
            }
            raw = Zstd.decompress(z, (int) size);
        } catch (RuntimeException e) {
            throw e instanceof ZosException z ? z : bad("is not a zstd frame of pages (" + e.getMessage() + ")");
        }
        if (raw.length != p.pages() * LivePatch.RECORD) {
            throw bad("holds " + raw.length + " bytes, not " + p.pages() + " pages");
        }
        long size = ram.size();
        ByteBuffer b = ByteBuffer.wrap(raw);
        for (int i = 0; i < p.pages(); i++) {
            long offset = b.getLong();
            if (!LiveStream.isPage(offset, size)) {
                throw bad("names offset " + offset + ", not a page of the " + size + " bytes of memory");
            }
            ByteBuffer page = b.slice(b.position(), LiveStream.PAGE);
            while (page.hasRemaining()) {
                ram.write(page, offset + page.position());
            }
            b.position(b.position() + LiveStream.PAGE);
        }
    }

    private static ZosException bad(String what) {
        return new ZosException(ErrorCode.BAD_PARAMETER, "live-patch data " + what, "the sender runs an incompatible zos version");
    }
}
