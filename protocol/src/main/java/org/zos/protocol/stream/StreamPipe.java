package org.zos.protocol.stream;

import java.io.IOException;
import java.io.InputStream;

/** Copies bytes between two {@link Duplex}es, both ways, each way on a thread of its own. */
public final class StreamPipe {
    private StreamPipe() {
    }

    /** What one way does to the bytes on their way (e.g. an RFB filter); may hold bytes back. */
    @FunctionalInterface
    public interface Transform {
        byte[] apply(byte[] b, int off, int len) throws IOException;
    }

    /** Copies as they are. */
    public static final Transform AS_IS = (b, off, len) -> java.util.Arrays.copyOfRange(b, off, off + len);

    /**
     * Starts both copies: {@code a}'s bytes through {@code aToB} to {@code b}, {@code b}'s to {@code a} as
     * they are. When either way ends or fails, both ends are closed and {@code done} runs once, with the
     * failure that ended it (null at a plain end).
     */
    public static void both(Duplex a, Duplex b, Transform aToB, String name, java.util.function.Consumer<IOException> done) {
        Runnable[] once = new Runnable[1];
        IOException[] why = new IOException[1];
        Object lock = new Object();
        boolean[] ran = new boolean[1];
        once[0] = () -> {
            synchronized (lock) {
                if (ran[0]) {
                    return;
                }
                ran[0] = true;
            }
            a.close();
            b.close();
            done.accept(why[0]);
        };
        start(name + "-up", () -> copy(a, b, aToB), why, once[0]);
        start(name + "-down", () -> copy(b, a, AS_IS), why, once[0]);
    }

    private static void copy(Duplex from, Duplex to, Transform t) throws IOException {
        byte[] buf = new byte[64 * 1024];
        InputStream in = from.input();
        int n;
        while ((n = in.read(buf)) >= 0) {
            byte[] out = t == AS_IS ? null : t.apply(buf, 0, n);
            if (out == null) {
                to.write(buf, 0, n);
            } else if (out.length > 0) {
                to.write(out, 0, out.length);
            }
        }
    }

    private interface Copy {
        void run() throws IOException;
    }

    private static void start(String name, Copy copy, IOException[] why, Runnable after) {
        Thread t = new Thread(() -> {
            try {
                copy.run();
            } catch (IOException e) {
                synchronized (why) {
                    if (why[0] == null) {
                        why[0] = e;
                    }
                }
            } finally {
                after.run();
            }
        }, name);
        t.setDaemon(true);
        t.start();
    }
}
