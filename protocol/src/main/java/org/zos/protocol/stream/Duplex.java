package org.zos.protocol.stream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;

/**
 * One end of a byte stream both ways: a TCP socket, a guest channel stream, a zos connection's stream.
 * {@link StreamPipe} joins two of them.
 */
public interface Duplex {
    /** What the other side sends; -1 at its end. */
    InputStream input() throws IOException;

    /** Sends bytes, blocking while the other side is behind. */
    void write(byte[] b, int off, int len) throws IOException;

    /** Ends the stream both ways; may be called more than once. */
    void close();

    /** This stream, doing {@code also} each time it is closed (after this stream's own close, or before it if {@code first}). */
    default Duplex onClose(Runnable also, boolean first) {
        Duplex self = this;
        return new Duplex() {
            @Override
            public InputStream input() throws IOException {
                return self.input();
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                self.write(b, off, len);
            }

            @Override
            public void close() {
                if (first) {
                    also.run();
                }
                self.close();
                if (!first) {
                    also.run();
                }
            }
        };
    }

    /** A TCP socket as a duplex. */
    static Duplex of(Socket socket) {
        return new Duplex() {
            @Override
            public InputStream input() throws IOException {
                return socket.getInputStream();
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                OutputStream out = socket.getOutputStream();
                out.write(b, off, len);
                out.flush();
            }

            @Override
            public void close() {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        };
    }
}
