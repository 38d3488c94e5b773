package org.zos.store.crypto;

import java.util.Arrays;

/**
 * The three keys HKDF derives from an anima's master key: one names chunks, one seals chunks, one seals
 * manifests. Separate keys mean a chunk can never be opened as a manifest, nor the other way round.
 */
public record StoreKeys(byte[] idKey, byte[] chunkKey, byte[] manifestKey) {
    /** HKDF salt of store format version 1. */
    public static final String SALT = "zos-store-v1";

    public void destroy() {
        Arrays.fill(idKey, (byte) 0);
        Arrays.fill(chunkKey, (byte) 0);
        Arrays.fill(manifestKey, (byte) 0);
    }
}
