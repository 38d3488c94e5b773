package org.zos.store.parcel;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.store.crypto.Aead;
import org.zos.store.crypto.MasterKey;

/**
 * An anima's master key as a parcel holds it: wrapped (AES-256-GCM) under a key that Argon2id derives from
 * the user's passphrase, with the anima's name as associated data. 93 bytes (docs/parcel-format.md):
 *
 * <pre>
 * "ZOSPKEY" u8:version=1  u32:memory KiB  u32:passes  u8:lanes  salt[16]  nonce[12]  sealed(key[32]) tag[16]
 * </pre>
 *
 * The cost is in the object, so it can grow without a new version. Whoever has the bucket but not the
 * passphrase has 2^-128 odds per guess of a random key, and pays {@link #MEMORY_KIB} KiB and
 * {@link #PASSES} passes per guess of the passphrase.
 */
public final class ParcelKey {
    static final byte[] MAGIC = "ZOSPKEY".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    static final int HEADER = 7 + 1 + 4 + 4 + 1 + 16;
    public static final int LENGTH = HEADER + Aead.NONCE + MasterKey.LENGTH + Aead.TAG;
    /** Argon2id's cost: OWASP's first recommendation for Argon2id (m=47 MiB, t=1 is the lighter one). */
    static final int MEMORY_KIB = 64 * 1024;
    static final int PASSES = 3;
    static final int LANES = 1;
    private static final SecureRandom RANDOM = new SecureRandom();

    private ParcelKey() {
    }

    /** Wraps {@code key} for {@code anima} under {@code passphrase} with the default cost. */
    public static byte[] wrap(char[] passphrase, String anima, MasterKey key) {
        return wrap(passphrase, anima, key, MEMORY_KIB, PASSES);
    }

    static byte[] wrap(char[] passphrase, String anima, MasterKey key, int memoryKib, int passes) {
        requirePassphrase(passphrase);
        byte[] out = new byte[LENGTH];
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        ByteBuffer.wrap(out).put(MAGIC).put((byte) VERSION).putInt(memoryKib).putInt(passes).put((byte) LANES).put(salt);
        Aead.randomNonce(out, HEADER);
        byte[] kek = derive(passphrase, salt, memoryKib, passes, LANES);
        byte[] plain = key.bytes();
        new Aead(kek).seal(out, HEADER, HEADER + Aead.NONCE, plain, 0, plain.length, ad(out, anima));
        Arrays.fill(plain, (byte) 0);
        Arrays.fill(kek, (byte) 0);
        return out;
    }

    /**
     * The master key in {@code object}; a wrong passphrase is DENIED, a damaged object INTEGRITY_ERROR
     * (the two cannot be told apart by the seal: both are named).
     */
    public static MasterKey unwrap(char[] passphrase, String anima, byte[] object, String where) {
        ByteBuffer b = ByteBuffer.wrap(object);
        if (object.length != LENGTH || !Arrays.equals(object, 0, 7, MAGIC, 0, 7) || object[7] != VERSION) {
            throw new ZosException(ErrorCode.INTEGRITY_ERROR, "the key of anima '" + anima + "' in " + where
                    + " is damaged or not a zos parcel key", "resume it from another copy of its parcel");
        }
        int memoryKib = b.getInt(8);
        int passes = b.getInt(12);
        int lanes = object[16];
        if (memoryKib < 8 || memoryKib > (4 << 20) || passes < 1 || passes > 64 || lanes < 1 || lanes > 16) {
            throw new ZosException(ErrorCode.INTEGRITY_ERROR, "the key of anima '" + anima + "' in " + where
                    + " asks for an Argon2id cost out of bounds (" + memoryKib + " KiB, " + passes + " passes, " + lanes + " lanes)",
                    "it was altered; resume it from another copy of its parcel");
        }
        byte[] salt = Arrays.copyOfRange(object, 17, HEADER);
        byte[] kek = derive(passphrase, salt, memoryKib, passes, lanes);
        byte[] plain = new Aead(kek).open(object, HEADER, object, HEADER + Aead.NONCE, MasterKey.LENGTH + Aead.TAG, ad(object, anima));
        Arrays.fill(kek, (byte) 0);
        if (plain == null) {
            throw new ZosException(ErrorCode.DENIED, "the passphrase does not open the key of anima '" + anima + "' in " + where,
                    "give the passphrase it was suspended with (the key may also have been altered)");
        }
        MasterKey key = MasterKey.of(plain);
        Arrays.fill(plain, (byte) 0);
        return key;
    }

    static void requirePassphrase(char[] passphrase) {
        if (passphrase == null || passphrase.length < 8) {
            throw new ZosException(ErrorCode.BAD_PARAMETER, "a parcel's passphrase has at least 8 characters",
                    "choose a longer one; it is the only thing between the object store and the anima's data");
        }
    }

    private static byte[] derive(char[] passphrase, byte[] salt, int memoryKib, int passes, int lanes) {
        Argon2BytesGenerator g = new Argon2BytesGenerator();
        g.init(new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id).withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withSalt(salt).withMemoryAsKB(memoryKib).withIterations(passes).withParallelism(lanes).build());
        byte[] out = new byte[32];
        g.generateBytes(passphrase, out);
        return out;
    }

    private static byte[] ad(byte[] header, String anima) {
        byte[] name = anima.getBytes(StandardCharsets.UTF_8);
        byte[] ad = Arrays.copyOf(header, HEADER + name.length);
        System.arraycopy(name, 0, ad, HEADER, name.length);
        return ad;
    }
}
