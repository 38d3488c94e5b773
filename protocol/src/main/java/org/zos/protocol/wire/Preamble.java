package org.zos.protocol.wire;

import java.nio.charset.StandardCharsets;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/**
 * The 8 bytes each side sends first, in the clear, before TLS:
 *
 * <pre>
 *  0                   4           6           8
 *  +---+---+---+---+-----------+-----------+
 *  | Z | O | S | P | u16 newest| u16 oldest|
 *  +---+---+---+---+-----------+-----------+
 * </pre>
 *
 * "newest" and "oldest" are the protocol versions the sender speaks. Both sides then use the newest
 * version both speak. A peer whose first bytes are not "ZOSP" is not a zos peer (PROTOCOL_ERROR); a zos
 * peer with no version in common is too old or too new (VERSION_MISMATCH).
 */
public record Preamble(int newest, int oldest) {
    public static final int LENGTH = 8;
    static final byte[] MAGIC = "ZOSP".getBytes(StandardCharsets.US_ASCII);
    /** The versions this implementation speaks. */
    public static final Preamble OURS = new Preamble(1, 1);

    public byte[] encode() {
        return new byte[] {MAGIC[0], MAGIC[1], MAGIC[2], MAGIC[3],
            (byte) (newest >> 8), (byte) newest, (byte) (oldest >> 8), (byte) oldest};
    }

    /** Reads a peer's preamble; throws PROTOCOL_ERROR if it is not one. */
    public static Preamble decode(byte[] b) {
        for (int i = 0; i < 4; i++) {
            if (b[i] != MAGIC[i]) {
                throw new ZosException(ErrorCode.PROTOCOL_ERROR, "the peer is not a zos agent (it began with "
                        + describe(b) + ")", "check the host and port; zos agents listen on port 7470 by default");
            }
        }
        return new Preamble((b[4] & 0xff) << 8 | (b[5] & 0xff), (b[6] & 0xff) << 8 | (b[7] & 0xff));
    }

    /** The version both speak; throws VERSION_MISMATCH if there is none. */
    public int agree(Preamble peer) {
        int v = Math.min(newest, peer.newest);
        if (peer.newest < peer.oldest || v < Math.max(oldest, peer.oldest)) {
            boolean older = peer.newest < oldest;
            throw new ZosException(ErrorCode.VERSION_MISMATCH, "the peer speaks zos protocol " + peer.oldest + ".."
                    + peer.newest + ", this host " + oldest + ".." + newest,
                    older ? "upgrade zos on the peer" : "upgrade zos on this host");
        }
        return v;
    }

    private static String describe(byte[] b) {
        if ((b[0] & 0xff) == 0x16 && b[1] == 3) {
            return "a TLS handshake: a TLS server, or a zos peer older than the preamble";
        }
        StringBuilder s = new StringBuilder("'");
        for (byte x : b) {
            s.append(x >= 0x20 && x < 0x7f ? String.valueOf((char) x) : String.format("\\x%02x", x & 0xff));
        }
        return s.append('\'').toString();
    }
}
