package org.zos.protocol.zap;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Optional;

/** ZAP's constants and its datagram codec. Malformed or oversized datagrams are ignored, never answered. */
public final class Zap {
    public static final int VERSION = 1;
    public static final int PORT = 7471;
    /** Datagrams are kept under a typical MTU; anything longer is not ZAP. */
    public static final int MAX_DATAGRAM = 1400;
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private Zap() {
    }

    public static byte[] encode(Object datagram) {
        try {
            byte[] b = JSON.writeValueAsBytes(datagram);
            if (b.length > MAX_DATAGRAM) {
                throw new IllegalArgumentException("ZAP datagram of " + b.length + " bytes");
            }
            return b;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads a datagram of version 1; empty if it is not one. */
    public static <T> Optional<T> decode(byte[] b, int len, Class<T> type) {
        if (len <= 0 || len > MAX_DATAGRAM) {
            return Optional.empty();
        }
        try {
            T t = JSON.readValue(b, 0, len, type);
            int v = t instanceof ZapQuery q ? q.zap() : t instanceof ZapAnswer a ? a.zap() : -1;
            return v == VERSION ? Optional.of(t) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
