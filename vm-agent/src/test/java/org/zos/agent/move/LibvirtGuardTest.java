package org.zos.agent.move;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/** The receiver's guard on a live move's libvirt connection, fed packets as libvirt's remote driver writes them. */
class LibvirtGuardTest {
    static final String MIGRATE = "unix:///run/zos/live/7/migration.sock";
    static final String DISKS = "unix:///run/zos/live/7/disks.sock";
    static final String GOOD = "<domain type='qemu'><name>work</name></domain>";

    final LibvirtGuard guard = new LibvirtGuard(expecting((field, xml) -> {
        if (!xml.equals(GOOD)) {
            throw new ZosException(ErrorCode.DENIED, "not the anima's domain", "");
        }
    }, () -> { }));

    /** An XDR packet: the length word, the header, then the body written by {@code body}. */
    static byte[] packet(int program, int proc, int type, Body body) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(b);
        d.writeInt(program);
        d.writeInt(1);
        d.writeInt(proc);
        d.writeInt(type);
        d.writeInt(9);
        d.writeInt(0);
        body.write(d);
        byte[] rest = b.toByteArray();
        ByteArrayOutputStream whole = new ByteArrayOutputStream();
        new DataOutputStream(whole).writeInt(rest.length + 4);
        whole.write(rest);
        return whole.toByteArray();
    }

    interface Body {
        void write(DataOutputStream d) throws IOException;
    }

    static void string(DataOutputStream d, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        d.writeInt(b.length);
        d.write(b);
        d.write(new byte[(4 - b.length % 4) % 4]);
    }

    static Body prepare(String[][] params) {
        return d -> {
            d.writeInt(params.length);
            for (String[] p : params) {
                string(d, p[0]);
                if (p[0].equals("bandwidth")) {
                    d.writeInt(4);
                    d.writeLong(Long.parseLong(p[1]));
                } else {
                    d.writeInt(7);
                    string(d, p[1]);
                }
            }
            d.writeInt(0); // cookie
            d.writeInt(0); // flags
        };
    }

    static final String[][] MIGRATION = {{"destination_xml", GOOD}, {"migrate_uri", MIGRATE}, {"disks_uri", DISKS},
        {"migrate_disks", "vda"}, {"bandwidth", "12"}};

    byte[] through(byte[]... packets) throws IOException {
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        for (byte[] p : packets) {
            in.write(p);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        guard.copy(new ByteArrayInputStream(in.toByteArray()), out);
        return out.toByteArray();
    }

    ZosException refused(byte[]... packets) {
        ZosException e = assertThrows(ZosException.class, () -> through(packets));
        assertEquals(ErrorCode.DENIED, e.code());
        return e;
    }

    @Test
    void aMigrationsCallsPassUnchanged() throws Exception {
        byte[] open = packet(LibvirtGuard.REMOTE_PROGRAM, 1, 0, d -> {
            d.writeInt(1);
            string(d, "qemu:///system");
            d.writeInt(0);
        });
        byte[] feature = packet(LibvirtGuard.REMOTE_PROGRAM, 60, 0, d -> d.writeInt(4));
        byte[] ping = packet(LibvirtGuard.KEEPALIVE_PROGRAM, 1, 2, d -> { });
        byte[] prepare = packet(LibvirtGuard.REMOTE_PROGRAM, 303, 0, prepare(MIGRATION));
        byte[] finish = packet(LibvirtGuard.REMOTE_PROGRAM, 306, 0, d -> d.writeInt(0));
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] p : new byte[][] {open, feature, ping, prepare, finish}) {
            all.write(p);
        }
        assertArrayEquals(all.toByteArray(), through(open, feature, ping, prepare, finish));
    }

    @Test
    void everythingElseIsRefusedByName() throws Exception {
        assertTrue(refused(packet(LibvirtGuard.REMOTE_PROGRAM, 10, 0, d -> { })).getMessage().contains("libvirt call 10"));
        refused(packet(LibvirtGuard.REMOTE_PROGRAM, 1, 0, d -> {
            d.writeInt(1);
            string(d, "lxc:///system");
            d.writeInt(0);
        }));
        refused(packet(0x20008087, 1, 0, d -> { })); // the QEMU program: monitor commands
        refused(packet(LibvirtGuard.REMOTE_PROGRAM, 303, 1, d -> { })); // not a call
    }

    @Test
    void aPreparationMustNameThisHostsSocketsAndAnAcceptedDomain() throws Exception {
        refused(packet(LibvirtGuard.REMOTE_PROGRAM, 303, 0, prepare(new String[][] {{"destination_xml", GOOD},
            {"migrate_uri", "tcp://0.0.0.0:49152"}, {"disks_uri", DISKS}})));
        refused(packet(LibvirtGuard.REMOTE_PROGRAM, 303, 0, prepare(new String[][] {{"destination_xml", "<domain/>"},
            {"migrate_uri", MIGRATE}, {"disks_uri", DISKS}})));
        refused(packet(LibvirtGuard.REMOTE_PROGRAM, 303, 0, prepare(new String[][] {{"migrate_uri", MIGRATE}, {"disks_uri", DISKS}})));
        refused(packet(LibvirtGuard.REMOTE_PROGRAM, 303, 0, prepare(new String[][] {{"destination_xml", GOOD},
            {"migrate_uri", MIGRATE}, {"disks_uri", DISKS}, {"listen_address", "0.0.0.0"}})));
        refused(packet(LibvirtGuard.REMOTE_PROGRAM, 303, 0, prepare(new String[][] {{"destination_xml", GOOD},
            {"migrate_uri", MIGRATE}, {"disks_uri", DISKS}, {"migrate_disks", "vdb"}})));
    }

    @Test
    void theAnswerToAPreparationIsHeldUntilTheHostIsReadyKeepalivesPassMeanwhile() throws Exception {
        byte[] pong = packet(LibvirtGuard.KEEPALIVE_PROGRAM, 2, 2, d -> { });
        byte[] failed = packet(LibvirtGuard.REMOTE_PROGRAM, 303, 1, d -> d.writeInt(7)); // a reply, status not OK
        java.nio.ByteBuffer.wrap(failed).putInt(24, 1);
        byte[] answer = packet(LibvirtGuard.REMOTE_PROGRAM, 303, 1, d -> d.writeInt(7));
        byte[] finished = packet(LibvirtGuard.REMOTE_PROGRAM, 306, 1, d -> d.writeInt(8));
        java.util.List<String> order = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        java.util.concurrent.CountDownLatch allWritten = new java.util.concurrent.CountDownLatch(5);
        ByteArrayOutputStream out = new ByteArrayOutputStream() {
            @Override
            public synchronized void write(byte[] b, int off, int len) {
                order.add("packet of " + len);
                super.write(b, off, len);
                allWritten.countDown();
            }
        };
        java.util.concurrent.CountDownLatch pongsPassed = new java.util.concurrent.CountDownLatch(1);
        LibvirtGuard holding = new LibvirtGuard(expecting(() -> {
            assertTrue(pongsPassed.await(10, java.util.concurrent.TimeUnit.SECONDS), "a keepalive passed while the answer was held");
            order.add("prepared");
        }));
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        for (byte[] b : List.of(pong, failed, answer, finished, pong)) {
            in.write(b);
        }
        byte[] all = in.toByteArray();
        java.io.InputStream feed = new java.io.InputStream() { // the packets, then no end until everything went
            int at;

            @Override
            public int read() throws IOException {
                if (at < all.length) {
                    return all[at++] & 0xff;
                }
                pongsPassed.countDown();
                try {
                    allWritten.await(10, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
                return -1;
            }
        };
        holding.answers(feed, out);
        assertEquals(List.of("packet of " + pong.length, "packet of " + failed.length, "packet of " + pong.length, "prepared",
                "packet of " + answer.length, "packet of " + finished.length), order);
    }

    @Test
    void aHostThatCannotTakeTheMemoryEndsTheConnectionInsteadOfAnswering() throws Exception {
        byte[] answer = packet(LibvirtGuard.REMOTE_PROGRAM, 303, 1, d -> d.writeInt(7));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
        LibvirtGuard refusing = new LibvirtGuard(expecting(() -> {
            throw new ZosException(ErrorCode.HOST_UNREACHABLE, "the memory did not come", "");
        }));
        java.io.InputStream feed = new java.io.ByteArrayInputStream(answer) {
            @Override
            public synchronized int read() {
                int b = super.read();
                if (b < 0) {
                    try {
                        closed.await(10, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return b;
            }

            @Override
            public void close() {
                closed.countDown();
            }
        };
        refusing.answers(feed, out);
        assertEquals(0, closed.getCount(), "the connection was ended");
        assertEquals(0, out.size(), "the answer never went");
    }

    /** Hooks of a guard that takes any domain, whose host is ready when {@code prepared} returns. */
    static LibvirtGuard.Expect expecting(Prepared prepared) {
        return expecting((field, xml) -> { }, prepared);
    }

    /** Hooks of a guard that checks a domain with {@code domain}, whose host is ready when {@code prepared} returns. */
    static LibvirtGuard.Expect expecting(java.util.function.BiConsumer<String, String> domain, Prepared prepared) {
        return new LibvirtGuard.Expect() {
            @Override
            public String migrateUri() {
                return MIGRATE;
            }

            @Override
            public String disksUri() {
                return DISKS;
            }

            @Override
            public void domain(String field, String xml) {
                domain.accept(field, xml);
            }

            @Override
            public void prepared() throws IOException {
                try {
                    prepared.run();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
            }
        };
    }

    interface Prepared {
        void run() throws IOException, InterruptedException;
    }

    @Test
    void malformedPacketsAreRefused() throws Exception {
        byte[] tooShort = {0, 0, 0, 8, 0, 0, 0, 0};
        refused(tooShort);
        byte[] huge = {0x7f, 0, 0, 0};
        refused(huge);
        byte[] lying = packet(LibvirtGuard.REMOTE_PROGRAM, 303, 0, d -> d.writeInt(1000)); // a list longer than the packet
        refused(lying);
        byte[] cut = java.util.Arrays.copyOf(packet(LibvirtGuard.REMOTE_PROGRAM, 60, 0, d -> d.writeInt(4)), 20);
        assertThrows(java.io.EOFException.class, () -> through(cut));
    }
}
