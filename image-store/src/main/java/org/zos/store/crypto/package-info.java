/**
 * The store's cryptography: one master key per anima, the keys HKDF derives from it, keyed chunk ids
 * (HMAC-SHA256), AES-256-GCM sealing, and the key file that keeps a master key wrapped under the host's
 * key-encryption key. Only the JDK's providers are used: on x86 they run on SHA-NI and AES-NI.
 */
package org.zos.store.crypto;
