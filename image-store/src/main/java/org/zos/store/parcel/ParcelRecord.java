package org.zos.store.parcel;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.store.crypto.Aead;
import org.zos.store.crypto.Hkdf;
import org.zos.store.crypto.MasterKey;
import org.zos.store.crypto.StoreKeys;

/**
 * A small object of a parcel sealed under a key HKDF derives from the anima's master key (info
 * "parcel-record"): the rest record, the lease and each generation's list of needed chunks.
 *
 * <pre>
 * "ZOSPREC" u8:version=1  u8:kind  nonce[12]  sealed(body)  tag[16]      associated data: the first 9 bytes + anima
 * </pre>
 *
 * The kind is sealed with it, so a lease cannot be passed off as a rest record.
 */
final class ParcelRecord {
    static final byte[] MAGIC = "ZOSPREC".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    static final int HEADER = 9;
    static final byte REST = 1;
    static final byte LEASE = 2;
    static final byte NEEDS = 3;

    private final Aead aead;
    private final String anima;

    ParcelRecord(MasterKey key, String anima) {
        byte[] k = Hkdf.derive(key.bytes(), StoreKeys.SALT, "parcel-record");
        this.aead = new Aead(k);
        Arrays.fill(k, (byte) 0);
        this.anima = anima;
    }

    byte[] seal(byte kind, byte[] body) {
        byte[] out = new byte[HEADER + Aead.NONCE + body.length + Aead.TAG];
        ByteBuffer.wrap(out).put(MAGIC).put((byte) VERSION).put(kind);
        Aead.randomNonce(out, HEADER);
        aead.seal(out, HEADER, HEADER + Aead.NONCE, body, 0, body.length, ad(out));
        return out;
    }

    /** The body of a record of {@code kind}; INTEGRITY_ERROR naming {@code what} if it is not one. */
    byte[] open(byte kind, byte[] object, String what) {
        if (object.length < HEADER + Aead.NONCE + Aead.TAG || !Arrays.equals(object, 0, 7, MAGIC, 0, 7)
                || object[7] != VERSION || object[8] != kind) {
            throw damaged(what, "it is not a zos parcel record of its kind");
        }
        byte[] body = aead.open(object, HEADER, object, HEADER + Aead.NONCE, object.length - HEADER - Aead.NONCE, ad(object));
        if (body == null) {
            throw damaged(what, "its seal does not verify (altered, truncated, or another anima's)");
        }
        return body;
    }

    private ZosException damaged(String what, String why) {
        return new ZosException(ErrorCode.INTEGRITY_ERROR, "the " + what + " of anima '" + anima + "' in its parcel is damaged: " + why,
                "the object store's copy was altered or cut short; resume from another copy, or suspend the anima to it again");
    }

    private byte[] ad(byte[] header) {
        byte[] name = anima.getBytes(StandardCharsets.UTF_8);
        byte[] ad = Arrays.copyOf(header, HEADER + name.length);
        System.arraycopy(name, 0, ad, HEADER, name.length);
        return ad;
    }
}
