package org.zos.store.parcel;

import java.io.Closeable;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;

/**
 * An object store as parcels use it: whole objects under keys, listed by prefix, with one conditional
 * write (create only if absent), which is what makes a parcel's lease exclusive. Keys are relative to the
 * remote's own prefix. Failures are {@link org.zos.protocol.ZosException}s naming the remote: the store
 * unreachable (HOST_UNREACHABLE), credentials refused (DENIED), no such bucket (BAD_PARAMETER).
 */
public interface Remote extends Closeable {

    /** The remote's name, as the user gave it, for messages. */
    String name();

    /** The object's bytes, or empty if there is none. */
    Optional<byte[]> get(String key) throws IOException;

    /** Writes the object, replacing any before it. */
    void put(String key, byte[] bytes) throws IOException;

    /**
     * Writes the object only if there is none under {@code key}: true if this call created it. Exclusive
     * only where {@link #conditional()} is true; elsewhere the store may have written over another's.
     * A refusal where the object holds exactly {@code bytes} counts as created: a client's retry of a write
     * whose answer was lost finds its own object (callers write bytes no one else could, e.g. with a nonce).
     */
    boolean create(String key, byte[] bytes) throws IOException;

    /**
     * Whether the store honours {@link #create} (S3's {@code If-None-Match: *} on PUT): AWS S3 since
     * 2024-08, Ceph's RADOS Gateway; S3Proxy does not. A parcel's lease needs it.
     */
    boolean conditional() throws IOException;

    /** Every object under {@code prefix}, with its size. */
    Map<String, Long> list(String prefix) throws IOException;

    /** Deletes the object if there is one. */
    void delete(String key) throws IOException;
}
