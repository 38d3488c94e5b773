package org.zos.agent.move;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/**
 * The receiver's guard on the one libvirt connection a live move opens (the sender's libvirtd calling the
 * receiver's, peer to peer): that connection reaches this host's libvirtd, which would do whatever it is
 * asked, so only what a migration needs passes. Each packet of libvirt's RPC (a u32 length that counts
 * itself, then the header: u32 program, u32 version, i32 procedure, i32 type, u32 serial, i32 status, all
 * big-endian XDR) is read whole and passed on only if it is a call of the remote program to one of the
 * procedures of {@link #CALLS} (or a keepalive message); opening a connection must name {@code qemu:///system};
 * the preparation of the incoming domain must carry exactly the migration URIs this host expects and a
 * domain this host accepts ({@link Expect#domain}: confined, its files where this host keeps the anima).
 * Anything else ends the connection with DENIED, naming what was asked. The other direction (the
 * receiver's answers) passes packet by packet too ({@link #answers}): the answer to the preparation is held
 * until {@link Expect#prepared} returns (memory by content copies the guest's memory meanwhile).
 */
final class LibvirtGuard {
    static final int REMOTE_PROGRAM = 0x20008086;
    static final int KEEPALIVE_PROGRAM = 0x6b656570;
    static final int TYPE_CALL = 0;
    static final int TYPE_REPLY = 1;
    static final int STATUS_OK = 0;
    static final int TYPE_MESSAGE = 2;
    /** libvirt's largest RPC packet (VIR_NET_MESSAGE_MAX, 32 MiB) and its length word. */
    static final int MAX_PACKET = (32 << 20) + 4;
    static final int HEADER = 28;

    static final int PROC_CONNECT_OPEN = 1;
    static final int PROC_PREPARE3_PARAMS = 303;

    /**
     * The remote program's procedures a peer-to-peer migration calls on the receiving libvirtd (libvirt 9.0,
     * remote_protocol.x; seen in a migration between two zos hosts): no other.
     */
    static final Map<Integer, String> CALLS = Map.of(
            PROC_CONNECT_OPEN, "connect-open",
            2, "connect-close",
            60, "connect-supports-feature",
            66, "auth-list",
            PROC_PREPARE3_PARAMS, "domain-migrate-prepare3-params",
            306, "domain-migrate-finish3-params",
            360, "connect-register-close-callback",
            361, "connect-unregister-close-callback");

    /** What this host expects of the migration it receives. */
    interface Expect {
        String migrateUri();

        String disksUri();

        /**
         * Checks the domain the migration would define here, as parameter {@code field} gives it
         * ({@code destination_xml} or {@code persistent_xml}); throws (DENIED) if this host does not take it.
         */
        void domain(String field, String xml);

        /**
         * The preparation succeeded (the incoming domain's QEMU runs here, paused, and listens for the
         * stream): returns when its answer may go to the sender's libvirtd, which then starts the
         * migration; throws to fail the migration instead.
         */
        default void prepared() throws IOException {
        }
    }

    private final Expect expect;

    LibvirtGuard(Expect expect) {
        this.expect = expect;
    }

    /** Passes {@code in}'s packets to {@code out}, each once it is checked, until {@code in} ends between packets. */
    void copy(InputStream in, OutputStream out) throws IOException {
        DataInputStream r = new DataInputStream(in);
        while (true) {
            byte[] packet = packet(r);
            if (packet == null) {
                return;
            }
            check(ByteBuffer.wrap(packet));
            out.write(packet);
            out.flush();
        }
    }

    /**
     * Passes the receiving libvirtd's packets ({@code in}) to the sender's ({@code out}) as they come,
     * except that the successful answer to the preparation, and every packet after it but keepalive
     * messages (so that neither libvirtd gives up on the other meanwhile), are held until
     * {@link Expect#prepared} returns (on a thread of its own); if it throws, the connection ends instead.
     */
    void answers(InputStream in, OutputStream out) throws IOException {
        DataInputStream r = new DataInputStream(in);
        Object lock = new Object();
        java.util.List<byte[]> held = new java.util.ArrayList<>();
        boolean[] holding = {false};
        IOException[] failed = {null};
        try {
            while (true) {
                byte[] packet = packet(r);
                if (packet == null) {
                    return;
                }
                ByteBuffer p = ByteBuffer.wrap(packet);
                boolean prepared = p.getInt(4) == REMOTE_PROGRAM && p.getInt(12) == PROC_PREPARE3_PARAMS && p.getInt(16) == TYPE_REPLY
                        && p.getInt(24) == STATUS_OK;
                synchronized (lock) {
                    if (failed[0] != null) {
                        throw failed[0];
                    }
                    if (prepared && !holding[0]) {
                        holding[0] = true;
                        held.add(packet);
                        Thread t = new Thread(() -> release(lock, held, holding, failed, in, out), "zos-live-prepared");
                        t.setDaemon(true);
                        t.start();
                    } else if (holding[0] && p.getInt(4) != KEEPALIVE_PROGRAM) {
                        held.add(packet);
                    } else {
                        out.write(packet);
                        out.flush();
                    }
                }
            }
        } finally {
            synchronized (lock) {
                holding[0] = false; // what is held is not sent once the connection ends
                held.clear();
            }
        }
    }

    /** The next whole packet (its length word included), or null where {@code r} ends between packets; DENIED if its length is out of bounds. */
    private static byte[] packet(DataInputStream r) throws IOException {
        int first = r.read();
        if (first < 0) {
            return null;
        }
        int length = (first << 24) | (r.readUnsignedByte() << 16) | (r.readUnsignedByte() << 8) | r.readUnsignedByte();
        if (length < HEADER || length > MAX_PACKET) {
            throw refused("a libvirt packet of " + Integer.toUnsignedString(length) + " bytes");
        }
        byte[] packet = new byte[length];
        ByteBuffer.wrap(packet).putInt(length);
        r.readFully(packet, 4, length - 4);
        return packet;
    }

    /** Waits for {@link Expect#prepared}, then sends what was held in order, or ends the connection if it failed. */
    private void release(Object lock, java.util.List<byte[]> held, boolean[] holding, IOException[] failed, InputStream in, OutputStream out) {
        IOException failure = null;
        try {
            expect.prepared();
        } catch (IOException e) {
            failure = e;
        } catch (RuntimeException e) {
            failure = new IOException(e.getMessage(), e);
        }
        synchronized (lock) {
            if (!holding[0]) {
                return;
            }
            try {
                if (failure != null) {
                    throw failure;
                }
                for (byte[] packet : held) {
                    out.write(packet);
                }
                out.flush();
                held.clear();
                holding[0] = false;
            } catch (IOException e) {
                failed[0] = e;
                try { // both ways: the sender's libvirtd sees the connection end (its migration fails), the reading stops
                    out.close();
                    in.close();
                } catch (IOException closing) {
                    // ending anyway
                }
            }
        }
    }

    /** Checks one whole packet (its length word included). */
    void check(ByteBuffer p) {
        p.position(4);
        int program = p.getInt();
        p.getInt(); // version
        int proc = p.getInt();
        int type = p.getInt();
        p.getInt(); // serial
        p.getInt(); // status
        if (program == KEEPALIVE_PROGRAM && type == TYPE_MESSAGE) {
            return;
        }
        if (program != REMOTE_PROGRAM || type != TYPE_CALL) {
            throw refused(String.format("a libvirt packet of program 0x%08x, type %d", program, type));
        }
        String name = CALLS.get(proc);
        if (name == null) {
            throw refused("libvirt call " + proc + ", which a migration does not make");
        }
        try {
            if (proc == PROC_CONNECT_OPEN) {
                String uri = optionalString(p);
                if (!"qemu:///system".equals(uri)) {
                    throw refused("a libvirt connection to " + uri + " (only qemu:///system)");
                }
            } else if (proc == PROC_PREPARE3_PARAMS) {
                prepare(p);
            }
        } catch (java.nio.BufferUnderflowException | IllegalArgumentException e) {
            throw refused("a malformed " + name + " call (" + e + ")");
        }
    }

    /** remote_domain_migrate_prepare3_params_args: typed params, then cookie and flags (not checked). */
    private void prepare(ByteBuffer p) {
        int n = count(p, 64);
        String xml = null;
        boolean migrateUri = false;
        boolean disksUri = false;
        for (int i = 0; i < n; i++) {
            String field = string(p);
            int type = p.getInt();
            String text = null;
            switch (type) {
                case 1, 2, 6 -> p.getInt();
                case 3, 4, 5 -> p.getLong();
                case 7 -> text = string(p);
                default -> throw new IllegalArgumentException("parameter type " + type);
            }
            switch (field) {
                case "destination_xml", "persistent_xml" -> {
                    expect.domain(field, requireText(field, text));
                    xml = field.equals("destination_xml") ? text : xml;
                }
                case "migrate_uri" -> migrateUri = expected(field, text, expect.migrateUri());
                case "disks_uri" -> disksUri = expected(field, text, expect.disksUri());
                case "migrate_disks" -> expected(field, text, "vda");
                case "dname", "bandwidth", "auto_converge.initial", "auto_converge.increment" -> {
                    // harmless: the same name, a rate, how hard to slow a busy guest
                }
                default -> throw refused("a migration with parameter '" + field + "'");
            }
        }
        if (xml == null || !migrateUri || !disksUri) {
            throw refused("a migration that does not name its domain and both of this host's migration sockets");
        }
    }

    private static boolean expected(String field, String value, String wanted) {
        if (!wanted.equals(value)) {
            throw refused("a migration whose " + field + " is " + value + ", not " + wanted);
        }
        return true;
    }

    private static String requireText(String field, String text) {
        if (text == null) {
            throw refused("a migration whose " + field + " is not text");
        }
        return text;
    }

    private static int count(ByteBuffer p, int max) {
        int n = p.getInt();
        if (n < 0 || n > max) {
            throw new IllegalArgumentException("a list of " + Integer.toUnsignedString(n));
        }
        return n;
    }

    /** remote_string: a pointer (u32 0 or 1), then the string if 1. */
    private static String optionalString(ByteBuffer p) {
        return p.getInt() == 0 ? null : string(p);
    }

    private static String string(ByteBuffer p) {
        int n = p.getInt();
        if (n < 0 || n > p.remaining()) {
            throw new IllegalArgumentException("a string of " + Integer.toUnsignedString(n) + " bytes");
        }
        byte[] b = new byte[n];
        p.get(b);
        p.position(p.position() + ((4 - n % 4) % 4));
        return new String(b, StandardCharsets.UTF_8);
    }

    private static ZosException refused(String what) {
        return new ZosException(ErrorCode.DENIED, "a live move's libvirt connection asked for " + what + "; refused",
                "only a migration of the anima moving here passes to this host's libvirtd");
    }
}
