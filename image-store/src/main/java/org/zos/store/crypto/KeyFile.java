package org.zos.store.crypto;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.Arrays;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/**
 * An anima's master key at rest, wrapped (AES-256-GCM) under the host's key-encryption key, with the
 * anima's id as associated data. 68 bytes:
 *
 * <pre>
 * "ZOSKEY"  u16:version=1  nonce[12]  sealed(master key[32])  tag[16]
 * </pre>
 *
 * Where the key-encryption key lives decides who can read the anima: on the master it is a file only root
 * can read; on a dominated host it is held in memory only, so the key never rests there in the clear.
 */
public final class KeyFile {
    static final byte[] MAGIC = "ZOSKEY".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    static final int LENGTH = 8 + Aead.NONCE + MasterKey.LENGTH + Aead.TAG;

    private KeyFile() {
    }

    public static byte[] wrap(byte[] kek, String animaId, MasterKey key) {
        byte[] out = new byte[LENGTH];
        ByteBuffer.wrap(out).put(MAGIC).putShort((short) VERSION);
        Aead.randomNonce(out, 8);
        byte[] plain = key.bytes();
        new Aead(kek).seal(out, 8, 8 + Aead.NONCE, plain, 0, plain.length, ad(out, animaId));
        Arrays.fill(plain, (byte) 0);
        return out;
    }

    public static MasterKey unwrap(byte[] kek, String animaId, byte[] file, Path where) {
        if (file.length != LENGTH || !Arrays.equals(file, 0, 6, MAGIC, 0, 6)
                || ByteBuffer.wrap(file, 6, 2).getShort() != VERSION) {
            throw new ZosException(ErrorCode.INTEGRITY_ERROR, "key file " + where + " is damaged or not a zos key file",
                    "the anima's chunks cannot be read without it; fetch the anima again from its master");
        }
        byte[] plain = new Aead(kek).open(file, 8, file, 8 + Aead.NONCE, MasterKey.LENGTH + Aead.TAG, ad(file, animaId));
        if (plain == null) {
            throw new ZosException(ErrorCode.INTEGRITY_ERROR, "key file " + where
                    + " does not open with this host's key-encryption key",
                    "it was altered, or belongs to another host or anima");
        }
        MasterKey key = MasterKey.of(plain);
        Arrays.fill(plain, (byte) 0);
        return key;
    }

    /** Overwrites a key file with random bytes, syncs, and deletes it. */
    public static void destroy(Path file) throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        byte[] noise = new byte[(int) Math.max(LENGTH, Files.size(file))];
        new SecureRandom().nextBytes(noise);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(noise), 0);
            ch.force(true);
        }
        Files.delete(file);
    }

    private static byte[] ad(byte[] header, String animaId) {
        byte[] id = animaId.getBytes(StandardCharsets.UTF_8);
        byte[] ad = Arrays.copyOf(header, 8 + id.length);
        System.arraycopy(id, 0, ad, 8, id.length);
        return ad;
    }
}
