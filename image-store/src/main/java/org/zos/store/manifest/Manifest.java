package org.zos.store.manifest;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.store.chunk.ChunkId;
import org.zos.store.chunking.ChunkerParams;
import org.zos.store.crypto.ChunkHasher;

/**
 * One generation of an image: its chunks in order, its length and a keyed digest over the chunk list
 * (HMAC-SHA256 under the id key; as strong as a digest of the bytes, since each id is a keyed hash of its
 * chunk). Two manifests with equal digests describe the same bytes.
 */
public record Manifest(String image, long generation, Instant created, long length, ChunkerParams params,
        byte[] digest, List<ManifestEntry> entries) {
    private static final Pattern IMAGE_NAME = org.zos.protocol.message.Bounds.IMAGE; // as the wire names images

    public static String checkImageName(String image) {
        if (image == null || !IMAGE_NAME.matcher(image).matches()) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "'" + image + "' is not a valid image name",
                    "use 1 to 64 characters from a-z, 0-9, '.', '_' and '-', starting with a letter or digit");
        }
        return image;
    }

    /** The keyed digest of an image made of {@code entries}: docs/store-format.md, "Image digest". */
    public static byte[] digest(ChunkHasher hasher, List<ManifestEntry> entries) {
        Mac mac = hasher.start();
        mac.update("zos-image-v1".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        ByteBuffer b = ByteBuffer.allocate(1 + 4 + ChunkId.LENGTH);
        for (ManifestEntry e : entries) {
            b.clear();
            b.put(e.isZero() ? (byte) 1 : 0).putInt(e.length());
            if (!e.isZero()) {
                b.put(e.id().bytes());
            }
            mac.update(b.array(), 0, b.position());
        }
        return mac.doFinal();
    }

    /**
     * This image with the chunks in {@code lacking} as runs of zeros of their lengths: what a receiver can
     * write out before those chunks arrive, then bring up to this image writing only them. Not an image of
     * its own: its digest is still this one's, so it is never stored nor sent.
     */
    public Manifest without(java.util.Set<ChunkId> lacking) {
        List<ManifestEntry> out = new java.util.ArrayList<>(entries.size());
        for (ManifestEntry e : entries) {
            out.add(!e.isZero() && lacking.contains(e.id()) ? ManifestEntry.zero(e.length()) : e);
        }
        return new Manifest(image, generation, created, length, params, digest, List.copyOf(out));
    }

    /** The distinct chunks the image needs, in first-use order. */
    public Set<ChunkId> chunkIds() {
        Set<ChunkId> ids = new LinkedHashSet<>();
        for (ManifestEntry e : entries) {
            if (!e.isZero()) {
                ids.add(e.id());
            }
        }
        return ids;
    }

    public long zeroBytes() {
        return entries.stream().filter(ManifestEntry::isZero).mapToLong(ManifestEntry::length).sum();
    }

    /** "disk@3": how messages name a generation. */
    public String label() {
        return image + "@" + generation;
    }

    public String digestHex() {
        return java.util.HexFormat.of().formatHex(digest);
    }
}
