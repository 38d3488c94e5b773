package org.zos.protocol.guest;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One frame of guest channel v1, the protocol on the virtio-serial port {@code org.zos.agent.0} between a
 * host's agent and the zos agent inside the guest (docs/protocol.md, "Guest channel"):
 *
 * <pre>
 *   "Z1" SP kind SP stream SP length LF payload
 * </pre>
 *
 * The header is ASCII, at most {@link #MAX_HEADER} bytes with its LF; {@code stream} and {@code length} are
 * decimal without leading zeros; the payload is exactly {@code length} bytes, at most {@link #MAX_PAYLOAD}.
 * Control payloads (hello, ctl, open, close) are one JSON object and a final LF, which the length counts,
 * so even a busybox shell can read them with {@code read}. The header is text for that reason too; its
 * cost next to a 64 KiB data payload is nothing.
 */
public record GuestFrame(Kind kind, int stream, byte[] payload) {
    public static final int MAX_PAYLOAD = 65536;
    public static final int MAX_HEADER = 32;
    public static final int MAX_STREAM = 65535;

    /** The kinds of frame; their names are their wire form. */
    public enum Kind {
        /** stream 0: the host's greeting on every new connection, and the guest's answer. */
        HELLO("hello"),
        /** stream 0: a request from the host or the guest's answer to it. */
        CTL("ctl"),
        /** stream ≥ 1: the host opens a stream to a target in the guest; the guest's open answers yes. */
        OPEN("open"),
        /** stream ≥ 1: bytes of an open stream, either way. */
        DATA("data"),
        /** stream ≥ 1: the sender may send this many more data bytes on the stream (payload: decimal). */
        CREDIT("credit"),
        /** stream ≥ 1: the stream is over (either side; payload: a JSON reason, or empty). */
        CLOSE("close");

        final String wire;

        Kind(String wire) {
            this.wire = wire;
        }

        static Kind of(String wire) {
            for (Kind k : values()) {
                if (k.wire.equals(wire)) {
                    return k;
                }
            }
            return null;
        }

        boolean control() {
            return this == HELLO || this == CTL;
        }
    }

    public GuestFrame {
        if (stream < 0 || stream > MAX_STREAM || kind.control() != (stream == 0)) {
            throw new IllegalArgumentException(kind.wire + " frame on stream " + stream);
        }
        if (payload.length > MAX_PAYLOAD) {
            throw new IllegalArgumentException("a guest frame payload of " + payload.length + " bytes");
        }
    }

    /** A frame whose payload is one line of text (JSON), the LF added here. */
    public static GuestFrame text(Kind kind, int stream, String line) {
        if (line.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("a control payload is one line");
        }
        return new GuestFrame(kind, stream, (line + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** The payload as text, without a final LF. */
    public String text() {
        int n = payload.length > 0 && payload[payload.length - 1] == '\n' ? payload.length - 1 : payload.length;
        return new String(payload, 0, n, StandardCharsets.UTF_8);
    }

    /** Header and payload as they go on the wire. */
    public byte[] encode() {
        byte[] header = ("Z1 " + kind.wire + " " + stream + " " + payload.length + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] out = Arrays.copyOf(header, header.length + payload.length);
        System.arraycopy(payload, 0, out, header.length, payload.length);
        return out;
    }

    /** Writes the frame in one write call (callers serialize writers). */
    public void writeTo(OutputStream out) throws IOException {
        out.write(encode());
        out.flush();
    }

    /**
     * Reads one frame, blocking.
     *
     * @throws EOFException at the end of the input before a frame started
     * @throws GuestProtocolException when the bytes are not a frame (the header is consumed up to its LF,
     *         however long, so the reader can go on with what follows); empty lines are skipped
     */
    public static GuestFrame read(InputStream in) throws IOException {
        ByteArrayOutputStream header = new ByteArrayOutputStream(MAX_HEADER);
        while (true) {
            int b = in.read();
            if (b < 0) {
                if (header.size() == 0) {
                    throw new EOFException();
                }
                throw new EOFException("the guest channel ended inside a frame header");
            }
            if (b == '\n') {
                if (header.size() == 0) {
                    continue; // an empty line: padding between frames
                }
                break;
            }
            header.write(b);
            if (header.size() >= MAX_HEADER) {
                // not a header: skip to the end of its line, so the next read starts at a line's start
                // (every control payload ends with LF, so the reader is in step again by the next one)
                for (int c = in.read(); c != '\n'; c = in.read()) {
                    if (c < 0) {
                        throw new EOFException("the guest channel ended inside a frame header");
                    }
                }
                throw new GuestProtocolException("a frame header longer than " + MAX_HEADER + " bytes");
            }
        }
        String line = header.toString(StandardCharsets.US_ASCII);
        String[] f = line.split(" ", -1);
        if (f.length != 4 || !f[0].equals("Z1")) {
            throw new GuestProtocolException("not a guest channel v1 frame header: '" + printable(line) + "'");
        }
        Kind kind = Kind.of(f[1]);
        int stream = decimal(f[2], MAX_STREAM);
        int length = decimal(f[3], MAX_PAYLOAD);
        if (kind == null || stream < 0 || length < 0 || kind.control() != (stream == 0)) {
            throw new GuestProtocolException("a bad frame header: '" + printable(line) + "'");
        }
        byte[] payload = in.readNBytes(length);
        if (payload.length < length) {
            throw new EOFException("the guest channel ended inside a " + kind.wire + " frame");
        }
        return new GuestFrame(kind, stream, payload);
    }

    /** A decimal of at most {@code max}, no sign, no leading zero; -1 if it is not one. */
    private static int decimal(String s, int max) {
        if (s.isEmpty() || s.length() > 6 || (s.length() > 1 && s.charAt(0) == '0')) {
            return -1;
        }
        int v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v <= max ? v : -1;
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            b.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return kind.wire + "#" + stream + "[" + payload.length + "]";
    }
}
