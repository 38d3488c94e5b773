package org.zos.store.crypto;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM with a random 96-bit nonce and a 128-bit tag. Random nonces are safe here for up to 2^32
 * messages per key, far more than an anima has chunks; each anima has its own keys.
 */
public final class Aead {
    public static final int NONCE = 12;
    public static final int TAG = 16;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final ThreadLocal<Cipher> CIPHER = ThreadLocal.withInitial(() -> {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM is missing from this JDK", e);
        }
    });

    private final SecretKeySpec key;

    public Aead(byte[] key) {
        if (key.length != 32) {
            throw new IllegalArgumentException("AES-256 needs a 32-byte key");
        }
        this.key = new SecretKeySpec(key, "AES");
    }

    public static void randomNonce(byte[] out, int off) {
        byte[] n = new byte[NONCE];
        RANDOM.nextBytes(n);
        System.arraycopy(n, 0, out, off, NONCE);
    }

    /**
     * Encrypts {@code plain[pOff, pOff+pLen)} into {@code out} at {@code outOff} (pLen + TAG bytes), with the
     * nonce found at {@code out[nonceOff]}.
     */
    public void seal(byte[] out, int nonceOff, int outOff, byte[] plain, int pOff, int pLen, byte[] ad) {
        try {
            Cipher c = CIPHER.get();
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG * 8, out, nonceOff, NONCE));
            c.updateAAD(ad);
            c.doFinal(plain, pOff, pLen, out, outOff);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed to encrypt", e);
        }
    }

    /**
     * Decrypts and authenticates {@code sealed[off, off+len)} (ciphertext and tag).
     *
     * @return the plaintext, or null if the tag does not match (wrong key, altered bytes or wrong AD)
     */
    public byte[] open(byte[] nonceBuf, int nonceOff, byte[] sealed, int off, int len, byte[] ad) {
        if (len < TAG) {
            return null;
        }
        try {
            Cipher c = CIPHER.get();
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG * 8, nonceBuf, nonceOff, NONCE));
            c.updateAAD(ad);
            return c.doFinal(sealed, off, len);
        } catch (AEADBadTagException e) {
            return null;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed to decrypt", e);
        }
    }
}
