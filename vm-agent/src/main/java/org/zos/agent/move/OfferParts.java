package org.zos.agent.move;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.ImageOffer;

/**
 * An image offer cut into parts that each fit a control frame, and put together again: a manifest holds
 * 37 bytes per chunk, so a disk with more than about 5 GiB of data has one larger than the 1 MiB a control
 * frame may carry. Part i carries slice i of the manifest file and slice i of the base ids, each at most
 * {@link #PART} bytes (base64 makes them 4/3 as long).
 */
final class OfferParts {
    /**
     * Raw bytes of the manifest, and of the ids, in one part: two slices in base64 stay well under 1 MiB.
     * System property {@code zos.offerPartBytes} makes parts smaller (the cluster tests cut every offer).
     */
    static final int PART = Math.max(64, Math.min(256 << 10, Integer.getInteger("zos.offerPartBytes", 256 << 10)));
    /** The most a receiver collects: a manifest of 64 MiB describes about 1.8 million chunks (over 400 GiB). */
    static final int MAX_BYTES = 64 << 20;

    private OfferParts() {
    }

    /** The offers that carry {@code manifest} and {@code bases}, in parts of at most {@code part} bytes of each. */
    static List<ImageOffer> split(long transfer, byte[] manifest, byte[] bases, int part) {
        int parts = Math.max(1, Math.max(ceil(manifest.length, part), ceil(bases.length, part)));
        List<ImageOffer> out = new ArrayList<>(parts);
        for (int i = 0; i < parts; i++) {
            out.add(new ImageOffer(transfer, slice(manifest, i, part), slice(bases, i, part), i, parts));
        }
        return out;
    }

    private static int ceil(int length, int part) {
        return (length + part - 1) / part;
    }

    private static String slice(byte[] b, int i, int part) {
        int from = Math.min(b.length, i * part);
        return Base64.getEncoder().encodeToString(Arrays.copyOfRange(b, from, Math.min(b.length, from + part)));
    }

    /** A whole offer: the manifest file and the base ids, raw. */
    record Whole(byte[] manifest, byte[] bases) {
    }

    /** Collects the parts of one offer, in order. */
    static final class Assembly {
        private final int maxBytes;
        private final ByteArrayOutputStream manifest = new ByteArrayOutputStream();
        private final ByteArrayOutputStream bases = new ByteArrayOutputStream();
        private int next;
        private int parts;

        Assembly() {
            this(MAX_BYTES);
        }

        /** Collects offers of at most {@code maxBytes} of manifest, and of ids. */
        Assembly(int maxBytes) {
            this.maxBytes = maxBytes;
        }

        /**
         * Adds a part; returns the whole offer once its last part came, else null.
         *
         * @throws ZosException PROTOCOL_ERROR for a part out of order, a changed count or an offer too big
         */
        Whole add(ImageOffer o) {
            int count = o.partCount();
            if (next == 0) {
                parts = count;
            }
            if (o.partIndex() != next || count != parts) {
                throw new ZosException(ErrorCode.PROTOCOL_ERROR, "image offer part " + o.partIndex() + " of " + count
                        + " came where part " + next + " of " + parts + " was expected", "");
            }
            byte[] m = Base64.getDecoder().decode(o.manifest() == null ? "" : o.manifest());
            byte[] b = Base64.getDecoder().decode(o.bases() == null ? "" : o.bases());
            if (manifest.size() + (long) m.length > maxBytes || bases.size() + (long) b.length > maxBytes) {
                throw new ZosException(ErrorCode.PROTOCOL_ERROR, "an image offer is over " + maxBytes + " bytes", "");
            }
            manifest.writeBytes(m);
            bases.writeBytes(b);
            next++;
            if (next < parts) {
                return null;
            }
            Whole whole = new Whole(manifest.toByteArray(), bases.toByteArray());
            manifest.reset();
            bases.reset();
            next = 0;
            return whole;
        }

        /** Whether some parts of an offer came and its last did not yet. */
        boolean pending() {
            return next > 0;
        }
    }
}
