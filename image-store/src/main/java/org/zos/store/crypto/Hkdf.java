package org.zos.store.crypto;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HKDF with HMAC-SHA256 (RFC 5869). Tested against the RFC's SHA-256 vectors ({@code HkdfTest}); the store
 * itself only derives 32-byte keys from ASCII salts and infos ({@link #derive(byte[], String, String)}).
 */
public final class Hkdf {
    private static final int HASH_LEN = 32;

    private Hkdf() {
    }

    /** HKDF-Expand(HKDF-Extract(salt, ikm), info, 32), salt and info as ASCII. */
    public static byte[] derive(byte[] ikm, String salt, String info) {
        return derive(ikm, salt.getBytes(StandardCharsets.US_ASCII), info.getBytes(StandardCharsets.US_ASCII), HASH_LEN);
    }

    /** HKDF-Expand(HKDF-Extract(salt, ikm), info, length); an empty salt is HashLen zero bytes, as the RFC says. */
    public static byte[] derive(byte[] ikm, byte[] salt, byte[] info, int length) {
        if (length < 1 || length > 255 * HASH_LEN) {
            throw new IllegalArgumentException("HKDF-SHA256 gives 1 to 8160 bytes, not " + length);
        }
        try {
            byte[] prk = hmac(salt.length == 0 ? new byte[HASH_LEN] : salt, ikm);
            ByteArrayOutputStream okm = new ByteArrayOutputStream(length + HASH_LEN);
            byte[] t = new byte[0];
            for (int i = 1; okm.size() < length; i++) {
                byte[] input = new byte[t.length + info.length + 1];
                System.arraycopy(t, 0, input, 0, t.length);
                System.arraycopy(info, 0, input, t.length, info.length);
                input[input.length - 1] = (byte) i;
                t = hmac(prk, input);
                okm.writeBytes(t);
            }
            return java.util.Arrays.copyOf(okm.toByteArray(), length);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
        }
    }

    static byte[] hmac(byte[] key, byte[] data) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(data);
    }
}
