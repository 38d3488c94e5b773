package org.zos.agent.anima;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * SHA-256 of a state file, the digest that proves a saved memory image is the one restored. It is taken on
 * a thread of its own, so that on the path the anima waits for (a suspend, a move's commit) hashing
 * overlaps with what the disk does: {@link #of(Path) of} a file while it is being synced, and
 * {@link Tee} of the bytes as they are written.
 */
public final class Sha256 {
    private Sha256() {
    }

    /** Hex SHA-256 of a file, read on the calling thread. */
    public static String file(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return hash(in);
        }
    }

    /**
     * Starts hashing {@code file} on another thread. The file is opened here, so a rename meanwhile does
     * not matter.
     */
    public static CompletableFuture<String> of(Path file) throws IOException {
        InputStream in = Files.newInputStream(file);
        return Background.supply("zos-sha256", () -> {
            try (in) {
                return hash(in);
            }
        });
    }

    private static String hash(InputStream in) throws IOException {
        MessageDigest md = digest();
        byte[] buf = new byte[1 << 20];
        for (int n; (n = in.read(buf)) > 0; ) {
            md.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** The value of a digest started by {@link #of}. */
    public static String await(CompletableFuture<String> digest) throws IOException {
        try {
            return digest.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while hashing", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException("hashing failed", e.getCause());
        }
    }

    static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Writes through to a stream and hashes what it wrote on a second thread. Put a buffer in front of
     * it: each write hands a copy of its bytes to the hashing thread.
     */
    public static final class Tee extends FilterOutputStream {
        private static final byte[] END = new byte[0];
        private final BlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(16);
        private final CompletableFuture<String> result;
        private boolean ended;

        public Tee(OutputStream out) {
            super(out);
            result = Background.supply("zos-sha256", () -> {
                MessageDigest md = digest();
                for (byte[] b; (b = queue.take()) != END; ) {
                    md.update(b);
                }
                return HexFormat.of().formatHex(md.digest());
            });
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            put(Arrays.copyOfRange(b, off, off + len));
        }

        /** Hex SHA-256 of everything written; ends the stream's hashing (the stream itself stays open). */
        public String hex() throws IOException {
            if (!ended) {
                ended = true;
                put(END);
            }
            return await(result);
        }

        @Override
        public void close() throws IOException {
            try {
                super.close();
            } finally {
                if (!ended) {
                    ended = true;
                    queue.clear();
                    queue.offer(END); // lets the hashing thread end
                }
            }
        }

        private void put(byte[] b) throws IOException {
            try {
                queue.put(b);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while hashing", e);
            }
        }
    }
}
