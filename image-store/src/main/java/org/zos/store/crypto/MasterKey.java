package org.zos.store.crypto;

import java.security.SecureRandom;
import java.util.Arrays;

/**
 * An anima's master key: 32 random bytes from which every other key of the anima is derived
 * ({@link #derive()}). Whoever holds it can read the anima; destroying every copy of it makes the anima's
 * chunks unreadable (crypto-erase).
 */
public final class MasterKey {
    public static final int LENGTH = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] bytes;

    private MasterKey(byte[] bytes) {
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("a master key has " + LENGTH + " bytes, not " + bytes.length);
        }
        this.bytes = bytes;
    }

    public static MasterKey generate() {
        byte[] b = new byte[LENGTH];
        RANDOM.nextBytes(b);
        return new MasterKey(b);
    }

    public static MasterKey of(byte[] bytes) {
        return new MasterKey(bytes.clone());
    }

    /** A copy of the key bytes, for wrapping or sending inside an authenticated channel. */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** The keys of the store format version 1 (docs/store-format.md, "Keys"). */
    public StoreKeys derive() {
        return new StoreKeys(
                Hkdf.derive(bytes, StoreKeys.SALT, "chunk-id"),
                Hkdf.derive(bytes, StoreKeys.SALT, "chunk-seal"),
                Hkdf.derive(bytes, StoreKeys.SALT, "manifest-seal"));
    }

    /** Overwrites the key in memory; the object is useless afterwards. */
    public void destroy() {
        Arrays.fill(bytes, (byte) 0);
    }
}
