package org.zos.store.manifest;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.store.chunk.ChunkId;
import org.zos.store.chunking.ChunkerParams;
import org.zos.store.crypto.Aead;
import org.zos.store.crypto.ChunkHasher;

/**
 * Manifest files, version 1 (docs/store-format.md, "Manifests"). The image name and generation stay in
 * the clear so a store can file a manifest it cannot read; everything else is sealed, and the clear part
 * plus the anima's id are the associated data, so a manifest cannot be moved to another generation, image
 * or anima.
 *
 * <pre>
 * file = "ZOSMAN" u16:version  u8:name-length  name  u64:generation  nonce[12]  sealed(body)
 * body = u64:created-ms  u64:length  u32:min  u32:avg  u32:max  digest[32]  u32:count
 *        (u8:kind  u32:length  [chunk-id[32] when kind = 0])*count
 * </pre>
 */
public final class ManifestCodec {
    static final byte[] MAGIC = "ZOSMAN".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    /** No image is larger than 16 TiB, so no manifest lists more entries than that at 64 bytes a chunk. */
    static final int MAX_ENTRIES = 1 << 28;

    private final String animaId;
    private final Aead aead;
    private final ChunkHasher hasher;

    public ManifestCodec(String animaId, byte[] manifestKey, ChunkHasher hasher) {
        this.animaId = animaId;
        this.aead = new Aead(manifestKey);
        this.hasher = hasher;
    }

    /** The clear part of a manifest file: which image and generation it is. */
    public record Label(String image, long generation, int headerLength) {
    }

    public byte[] encode(Manifest m) {
        try {
            ByteArrayOutputStream bos = new ByteArrayOutputStream(64 + m.entries().size() * 37);
            DataOutputStream body = new DataOutputStream(bos);
            body.writeLong(m.created().toEpochMilli());
            body.writeLong(m.length());
            body.writeInt(m.params().min());
            body.writeInt(m.params().avg());
            body.writeInt(m.params().max());
            body.write(m.digest());
            body.writeInt(m.entries().size());
            for (ManifestEntry e : m.entries()) {
                body.writeByte(e.isZero() ? 1 : 0);
                body.writeInt(e.length());
                if (!e.isZero()) {
                    body.write(e.id().bytes());
                }
            }
            byte[] plain = bos.toByteArray();
            byte[] header = header(m.image(), m.generation());
            byte[] out = new byte[header.length + Aead.NONCE + plain.length + Aead.TAG];
            System.arraycopy(header, 0, out, 0, header.length);
            Aead.randomNonce(out, header.length);
            aead.seal(out, header.length, header.length + Aead.NONCE, plain, 0, plain.length, ad(header));
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads the clear part; null if these bytes are not a version 1 manifest. */
    public static Label label(byte[] file) {
        if (file.length < 8 + 1 + 8 + Aead.NONCE + Aead.TAG || !Arrays.equals(file, 0, 6, MAGIC, 0, 6)
                || ByteBuffer.wrap(file, 6, 2).getShort() != VERSION) {
            return null;
        }
        int nameLen = file[8] & 0xff;
        int headerLength = 9 + nameLen + 8;
        if (file.length < headerLength + Aead.NONCE + Aead.TAG) {
            return null;
        }
        String name = new String(file, 9, nameLen, StandardCharsets.UTF_8);
        long gen = ByteBuffer.wrap(file, 9 + nameLen, 8).getLong();
        return new Label(name, gen, headerLength);
    }

    /**
     * Opens the manifest file filed as generation {@code generation} of {@code image}; a file that holds
     * another generation or image (renamed, or rolled back by copying) is refused.
     */
    public Manifest decode(byte[] file, String image, long generation) {
        Label label = label(file);
        String what = image + "@" + generation;
        if (label != null && (!label.image().equals(image) || label.generation() != generation)) {
            throw corrupt(what, "the file holds " + label.image() + "@" + label.generation() + " (renamed or copied)");
        }
        return decode(file, what);
    }

    /**
     * Opens a manifest file.
     *
     * @param what names the file in errors
     * @throws ZosException INTEGRITY_ERROR if it is damaged, altered, or not this anima's
     */
    public Manifest decode(byte[] file, String what) {
        Label label = label(file);
        if (label == null) {
            throw corrupt(what, "it is not a version " + VERSION + " zos manifest");
        }
        byte[] header = Arrays.copyOf(file, label.headerLength());
        int sealedAt = label.headerLength() + Aead.NONCE;
        byte[] plain = aead.open(file, label.headerLength(), file, sealedAt, file.length - sealedAt, ad(header));
        if (plain == null) {
            throw corrupt(what, "its seal does not verify (altered, renamed, or another anima's manifest)");
        }
        try {
            ByteBuffer b = ByteBuffer.wrap(plain);
            Instant created = Instant.ofEpochMilli(b.getLong());
            long length = b.getLong();
            ChunkerParams params = new ChunkerParams(b.getInt(), b.getInt(), b.getInt());
            byte[] digest = new byte[32];
            b.get(digest);
            int count = b.getInt();
            if (count < 0 || count > MAX_ENTRIES || count > b.remaining() / 5) {
                throw corrupt(what, "it declares " + count + " entries");
            }
            List<ManifestEntry> entries = new ArrayList<>(count);
            long sum = 0;
            for (int i = 0; i < count; i++) {
                byte kind = b.get();
                int len = b.getInt();
                if (len <= 0 || (kind != 0 && kind != 1)) {
                    throw corrupt(what, "entry " + i + " is malformed");
                }
                entries.add(kind == 1 ? ManifestEntry.zero(len) : new ManifestEntry(ChunkId.read(plain, advance(b)), len));
                sum += len;
            }
            if (b.hasRemaining() || sum != length) {
                throw corrupt(what, "its entries do not add up to its length");
            }
            if (!MessageDigest.isEqual(digest, Manifest.digest(hasher, entries))) {
                throw corrupt(what, "its digest does not match its chunk list");
            }
            return new Manifest(label.image(), label.generation(), created, length, params, digest, List.copyOf(entries));
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            throw corrupt(what, "its body is truncated or malformed");
        }
    }

    private static int advance(ByteBuffer b) {
        int at = b.position();
        b.position(at + ChunkId.LENGTH);
        return at;
    }

    private static byte[] header(String image, long generation) {
        byte[] name = image.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(9 + name.length + 8);
        b.put(MAGIC).putShort((short) VERSION).put((byte) name.length).put(name).putLong(generation);
        return b.array();
    }

    private byte[] ad(byte[] header) {
        byte[] id = animaId.getBytes(StandardCharsets.UTF_8);
        byte[] ad = Arrays.copyOf(header, header.length + id.length);
        System.arraycopy(id, 0, ad, header.length, id.length);
        return ad;
    }

    private static ZosException corrupt(String what, String problem) {
        return new ZosException(ErrorCode.INTEGRITY_ERROR, "manifest " + what + " is corrupt: " + problem,
                "fetch the image again from a host that holds it, or remove this generation");
    }
}
