package org.zos.protocol.rfb;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads what a VNC viewer sends to the server (RFB, RFC 6143) message by message, and passes on only what
 * it may: a view-only viewer's key, pointer, clipboard and resize messages never reach the anima. The filter
 * also makes every viewer shared (its ClientInit always asks to share), so one viewer never disconnects the
 * others. Anything that is not RFB ends the connection with {@link RfbException}.
 *
 * <p>Phases of the client's side: {@code VERSION} (12 bytes, "RFB 003.00x\n") → {@code SECURITY} (3.7 and
 * 3.8: one byte, the chosen type; 16 bytes more for VNC authentication) → {@code CLIENT_INIT} (one byte) →
 * {@code MESSAGES}, each one of the types below, its length known from its first bytes.
 */
public final class RfbClientFilter {
    /** A clipboard text longer than this is not believed. */
    public static final int MAX_CUT_TEXT = 1 << 20;

    /** Client-to-server message types zos knows (RFC 6143 §7.5 and the common extensions). */
    public static final int SET_PIXEL_FORMAT = 0;
    public static final int SET_ENCODINGS = 2;
    public static final int FRAMEBUFFER_UPDATE_REQUEST = 3;
    public static final int KEY_EVENT = 4;
    public static final int POINTER_EVENT = 5;
    public static final int CLIENT_CUT_TEXT = 6;
    public static final int ENABLE_CONTINUOUS_UPDATES = 150;
    public static final int CLIENT_FENCE = 248;
    public static final int SET_DESKTOP_SIZE = 251;
    public static final int QEMU = 255;

    private enum Phase { VERSION, SECURITY, VNC_AUTH, CLIENT_INIT, MESSAGES }

    private volatile boolean viewOnly;
    private Phase phase = Phase.VERSION;
    private int minor;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private long dropped;

    public RfbClientFilter(boolean viewOnly) {
        this.viewOnly = viewOnly;
    }

    /** Changes whether input is dropped (control taken or given up), from any thread. */
    public void viewOnly(boolean on) {
        this.viewOnly = on;
    }

    public boolean viewOnly() {
        return viewOnly;
    }

    /** How many input messages were dropped. */
    public synchronized long dropped() {
        return dropped;
    }

    /** {@code server} with this filter in front: what is written to it is filtered first. */
    public org.zos.protocol.stream.Duplex guard(org.zos.protocol.stream.Duplex server) {
        return new org.zos.protocol.stream.Duplex() {
            @Override
            public java.io.InputStream input() throws java.io.IOException {
                return server.input();
            }

            @Override
            public void write(byte[] b, int off, int len) throws java.io.IOException {
                byte[] out = feed(b, off, len);
                if (out.length > 0) {
                    server.write(out, 0, out.length);
                }
            }

            @Override
            public void close() {
                server.close();
            }
        };
    }

    /** Takes bytes from the viewer; returns what to pass to the server (whole messages only). */
    public synchronized byte[] feed(byte[] b, int off, int len) throws RfbException {
        pending.write(b, off, len);
        byte[] buf = pending.toByteArray();
        ByteArrayOutputStream out = new ByteArrayOutputStream(buf.length);
        int pos = 0;
        while (true) {
            int need = need(buf, pos);
            if (need < 0 || buf.length - pos < need) {
                break;
            }
            pass(buf, pos, need, out);
            pos += need;
        }
        pending.reset();
        pending.write(buf, pos, buf.length - pos);
        return out.toByteArray();
    }

    /** Bytes of the next unit at {@code pos}, or -1 if not enough are there to tell. */
    private int need(byte[] b, int pos) throws RfbException {
        int have = b.length - pos;
        switch (phase) {
            case VERSION:
                return 12;
            case SECURITY:
            case CLIENT_INIT:
                return 1;
            case VNC_AUTH:
                return 16;
            default:
                break;
        }
        return messageLength(b, pos, have);
    }

    /**
     * The length of the client message at {@code pos} ({@code have} bytes there), or -1 if too few bytes
     * are there to tell.
     *
     * @throws RfbException for a message type zos does not know, or an unbelievable length
     */
    static int messageLength(byte[] b, int pos, int have) throws RfbException {
        if (have < 1) {
            return -1;
        }
        int type = b[pos] & 0xff;
        switch (type) {
            case SET_PIXEL_FORMAT:
                return 20;
            case SET_ENCODINGS:
                return have < 4 ? -1 : 4 + 4 * u16(b, pos + 2);
            case FRAMEBUFFER_UPDATE_REQUEST:
            case ENABLE_CONTINUOUS_UPDATES:
                return 10;
            case KEY_EVENT:
                return 8;
            case POINTER_EVENT:
                return 6;
            case CLIENT_CUT_TEXT: {
                if (have < 8) {
                    return -1;
                }
                long n = u32(b, pos + 4);
                if (n > MAX_CUT_TEXT) {
                    throw new RfbException("a clipboard text of " + n + " bytes");
                }
                return 8 + (int) n;
            }
            case CLIENT_FENCE:
                return have < 9 ? -1 : 9 + (b[pos + 8] & 0xff);
            case SET_DESKTOP_SIZE:
                return have < 8 ? -1 : 8 + 16 * (b[pos + 6] & 0xff);
            case QEMU: {
                if (have < 2) {
                    return -1;
                }
                if ((b[pos + 1] & 0xff) != 0) {
                    throw new RfbException("a QEMU client message of subtype " + (b[pos + 1] & 0xff));
                }
                return 12; // extended key event
            }
            default:
                throw new RfbException("a client message of unknown type " + type);
        }
    }

    private void pass(byte[] b, int pos, int n, ByteArrayOutputStream out) throws RfbException {
        switch (phase) {
            case VERSION -> {
                String v = new String(b, pos, 12, StandardCharsets.US_ASCII);
                if (!v.matches("RFB 003\\.00[378]\n")) {
                    throw new RfbException("not an RFB 3.3, 3.7 or 3.8 client (it said '" + v.strip() + "')");
                }
                minor = v.charAt(10) - '0';
                phase = minor >= 7 ? Phase.SECURITY : Phase.CLIENT_INIT;
                out.write(b, pos, n);
            }
            case SECURITY -> {
                phase = (b[pos] & 0xff) == 2 ? Phase.VNC_AUTH : Phase.CLIENT_INIT;
                out.write(b, pos, n);
            }
            case VNC_AUTH -> {
                phase = Phase.CLIENT_INIT;
                out.write(b, pos, n);
            }
            case CLIENT_INIT -> {
                phase = Phase.MESSAGES;
                out.write(1); // shared: a viewer never pushes the others off
            }
            case MESSAGES -> {
                int type = b[pos] & 0xff;
                boolean input = type == KEY_EVENT || type == POINTER_EVENT || type == CLIENT_CUT_TEXT
                        || type == SET_DESKTOP_SIZE || type == QEMU;
                if (input && viewOnly) {
                    dropped++;
                } else {
                    out.write(b, pos, n);
                }
            }
        }
    }

    private static int u16(byte[] b, int i) {
        return (b[i] & 0xff) << 8 | (b[i + 1] & 0xff);
    }

    private static long u32(byte[] b, int i) {
        return (long) (b[i] & 0xff) << 24 | (b[i + 1] & 0xff) << 16 | (b[i + 2] & 0xff) << 8 | (b[i + 3] & 0xff);
    }
}
