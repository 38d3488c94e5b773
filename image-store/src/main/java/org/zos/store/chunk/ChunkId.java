package org.zos.store.chunk;

import java.util.Arrays;
import java.util.HexFormat;

/** A chunk's name: the 32-byte HMAC-SHA256 of its plaintext under the anima's id key. */
public final class ChunkId implements Comparable<ChunkId> {
    public static final int LENGTH = 32;
    private static final HexFormat HEX = HexFormat.of();

    private final byte[] bytes;
    private final int hash;

    private ChunkId(byte[] bytes) {
        this.bytes = bytes;
        this.hash = (bytes[0] & 0xff) << 24 | (bytes[1] & 0xff) << 16 | (bytes[2] & 0xff) << 8 | (bytes[3] & 0xff);
    }

    /** Takes ownership of {@code bytes}, which must not change afterwards. */
    public static ChunkId wrap(byte[] bytes) {
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("a chunk id has " + LENGTH + " bytes, not " + bytes.length);
        }
        return new ChunkId(bytes);
    }

    public static ChunkId read(byte[] b, int off) {
        return new ChunkId(Arrays.copyOfRange(b, off, off + LENGTH));
    }

    public static ChunkId parse(String hex) {
        return wrap(HEX.parseHex(hex));
    }

    public void writeTo(byte[] b, int off) {
        System.arraycopy(bytes, 0, b, off, LENGTH);
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    public boolean matches(byte[] other) {
        return Arrays.equals(bytes, other);
    }

    /** The first 8 bytes, in hex: enough to name a chunk in a message. */
    public String shortHex() {
        return HEX.formatHex(bytes, 0, 8);
    }

    @Override
    public String toString() {
        return HEX.formatHex(bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChunkId other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public int compareTo(ChunkId o) {
        return Arrays.compareUnsigned(bytes, o.bytes);
    }
}
