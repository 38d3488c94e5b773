package org.zos.store.crypto;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** HKDF with HMAC-SHA256 (RFC 5869), for outputs of at most 32 bytes, which is all the store needs. */
public final class Hkdf {
    private Hkdf() {
    }

    /** HKDF-Expand(HKDF-Extract(salt, ikm), info, 32). */
    public static byte[] derive(byte[] ikm, String salt, String info) {
        try {
            byte[] prk = hmac(salt.getBytes(StandardCharsets.US_ASCII), ikm);
            byte[] infoBytes = info.getBytes(StandardCharsets.US_ASCII);
            byte[] t = new byte[infoBytes.length + 1];
            System.arraycopy(infoBytes, 0, t, 0, infoBytes.length);
            t[infoBytes.length] = 1;
            return hmac(prk, t);
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
