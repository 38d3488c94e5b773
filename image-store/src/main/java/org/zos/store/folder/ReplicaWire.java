package org.zos.store.folder;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.stream.Duplex;

/**
 * Folder wire v1: a {@link Replica} over any byte stream (docs/folders.md, "Folder wire"). The client asks,
 * the server answers, one request at a time. Every frame is a type byte (1 JSON, 2 block bytes, 3 abort)
 * and a 32-bit big-endian length, then that many bytes. A {@code put} request is followed by one block
 * frame for each block the server lacks, in the order they first appear in the file, or an abort frame
 * when the source changed meanwhile; the server answers after the last.
 */
public final class ReplicaWire {
    private static final Logger LOG = Logger.getLogger(ReplicaWire.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final int VERSION = 1;
    static final byte T_JSON = 1;
    static final byte T_BLOCK = 2;
    static final byte T_ABORT = 3;
    /** No frame is longer: a scan of a very large folder, or one block. */
    static final int MAX_FRAME = 64 << 20;

    private ReplicaWire() {
    }

    /** Serves {@code replica} on {@code stream} until the client ends it. */
    public static void serve(Replica replica, Duplex stream) throws IOException {
        Framed io = new Framed(stream);
        while (true) {
            JsonNode q;
            try {
                q = io.readJson();
            } catch (EOFException e) {
                return;
            }
            ObjectNode reply = JSON.createObjectNode().put("ok", true);
            String op = q.path("op").asText("");
            int[] blocksLeft = {0};
            try {
                switch (op) {
                    case "hello" -> reply.put("version", VERSION).put("name", replica.name());
                    case "scan" -> {
                        Replica.Scan s = replica.scan(q.path("since").asLong(-1));
                        reply.put("token", s.token()).set("entries", JSON.valueToTree(s.entries()));
                    }
                    case "agreed" -> reply.set("agreed", JSON.valueToTree(replica.agreed()));
                    case "agree" -> replica.agree(JSON.treeToValue(q.get("agreed"), Replica.Agreed.class));
                    case "blocks" -> reply.set("blocks", JSON.valueToTree(replica.blocks(q.path("path").asText(),
                            JSON.treeToValue(q.get("entry"), Entry.class))));
                    case "missing" -> reply.set("missing", JSON.valueToTree(replica.missing(
                            JSON.convertValue(q.get("hashes"), new TypeReference<Set<String>>() { }))));
                    case "read" -> {
                        byte[] b = replica.read(q.path("path").asText(), JSON.treeToValue(q.get("block"), Block.class));
                        io.writeJson(reply);
                        io.write(T_BLOCK, b, b.length);
                        io.flush();
                        continue;
                    }
                    case "put" -> {
                        List<Block> blocks = JSON.convertValue(q.get("blocks"), new TypeReference<List<Block>>() { });
                        Set<String> lacking = JSON.convertValue(q.get("lacking"), new TypeReference<Set<String>>() { });
                        blocksLeft[0] = lacking.size();
                        replica.put(q.path("path").asText(), entry(q.get("base")), JSON.treeToValue(q.get("target"), Entry.class),
                                blocks, lacking, want -> {
                                    if (blocksLeft[0] <= 0) {
                                        throw new ZosException(ErrorCode.PROTOCOL_ERROR, "more blocks wanted than announced", "");
                                    }
                                    byte[] b = io.readBlock();
                                    blocksLeft[0]--;
                                    if (b == null) {
                                        blocksLeft[0] = 0;
                                        throw new Replica.Changed("the sender's copy changed while it was sent");
                                    }
                                    return b;
                                });
                        if (blocksLeft[0] != 0) {
                            throw new ZosException(ErrorCode.PROTOCOL_ERROR, "blocks sent that were not wanted", "");
                        }
                    }
                    case "delete" -> replica.delete(q.path("path").asText(), entry(q.get("base")));
                    case "mkdir" -> replica.mkdir(q.path("path").asText());
                    default -> throw new ZosException(ErrorCode.PROTOCOL_ERROR, "unknown folder request '" + op + "'", "upgrade zos");
                }
            } catch (Replica.Changed e) {
                reply = JSON.createObjectNode().put("ok", false).put("code", "CHANGED").put("message", e.getMessage());
            } catch (ZosException e) {
                reply = JSON.createObjectNode().put("ok", false).put("code", e.code().name()).put("message", e.getMessage())
                        .put("hint", e.hint());
            } catch (IOException | RuntimeException e) {
                LOG.warning("folder request " + op + " failed: " + e);
                reply = JSON.createObjectNode().put("ok", false).put("code", ErrorCode.INTERNAL.name())
                        .put("message", op + " failed: " + e.getMessage());
            }
            while (blocksLeft[0] > 0) { // a put that failed early: the client still sends what it announced
                blocksLeft[0] = io.readBlock() == null ? 0 : blocksLeft[0] - 1;
            }
            io.writeJson(reply);
            io.flush();
        }
    }

    private static Entry entry(JsonNode n) throws IOException {
        return n == null || n.isNull() ? null : JSON.treeToValue(n, Entry.class);
    }

    /** Closes a client's stream whose answer does not come in time, so no caller waits for ever. */
    private static final java.util.concurrent.ScheduledExecutorService WATCHDOG = java.util.concurrent.Executors
            .newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "zos-folder-wire-watchdog");
                t.setDaemon(true);
                return t;
            });
    /** How long a client waits for an answer (a scan of a big folder in a guest under TCG takes a while). */
    public static final java.time.Duration ANSWER = java.time.Duration.ofSeconds(90);

    /** The client end: a {@link Replica} whose every call is a request over the stream. */
    public static final class Client implements Replica {
        private final Framed io;
        private final Duplex stream;
        private final String name;
        private final AtomicLong blockBytes = new AtomicLong();
        private volatile boolean timedOut;

        /** Says hello and learns the replica's name. */
        public Client(Duplex stream) throws IOException {
            this.stream = stream;
            this.io = new Framed(stream);
            JsonNode hello = call(JSON.createObjectNode().put("op", "hello").put("version", VERSION));
            if (hello.path("version").asInt() != VERSION) {
                throw new ZosException(ErrorCode.VERSION_MISMATCH, "the other side speaks folder wire v" + hello.path("version").asInt(),
                        "run the same zos version on both sides");
            }
            this.name = hello.path("name").asText("?");
        }

        /** Bytes sent and received on the stream so far, frames included. */
        public long wireBytes() {
            return io.sent + io.received;
        }

        /** Bytes of blocks carried either way so far. */
        public long blockBytes() {
            return blockBytes.get();
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Scan scan(long since) throws IOException {
            JsonNode r = call(JSON.createObjectNode().put("op", "scan").put("since", since));
            JsonNode e = r.get("entries");
            return new Scan(r.path("token").asLong(), e == null || e.isNull() ? null
                    : JSON.convertValue(e, new TypeReference<Map<String, Entry>>() { }));
        }

        @Override
        public Agreed agreed() throws IOException {
            return JSON.treeToValue(call(JSON.createObjectNode().put("op", "agreed")).get("agreed"), Agreed.class);
        }

        @Override
        public void agree(Agreed agreed) throws IOException {
            ObjectNode q = JSON.createObjectNode().put("op", "agree");
            q.set("agreed", JSON.valueToTree(agreed));
            call(q);
        }

        @Override
        public List<Block> blocks(String path, Entry entry) throws IOException {
            ObjectNode q = JSON.createObjectNode().put("op", "blocks").put("path", path);
            q.set("entry", JSON.valueToTree(entry));
            return JSON.convertValue(call(q).get("blocks"), new TypeReference<List<Block>>() { });
        }

        @Override
        public Set<String> missing(Set<String> hashes) throws IOException {
            ObjectNode q = JSON.createObjectNode().put("op", "missing");
            q.set("hashes", JSON.valueToTree(hashes));
            return JSON.convertValue(call(q).get("missing"), new TypeReference<Set<String>>() { });
        }

        @Override
        public synchronized byte[] read(String path, Block block) throws IOException {
            ObjectNode q = JSON.createObjectNode().put("op", "read").put("path", path);
            q.set("block", JSON.valueToTree(block));
            call(q);
            byte[] b = io.readBlock();
            if (b == null) {
                throw new ZosException(ErrorCode.PROTOCOL_ERROR, "a read answered without its block", "");
            }
            blockBytes.addAndGet(b.length);
            return b;
        }

        @Override
        public synchronized void put(String path, Entry base, Entry target, List<Block> blocks, Set<String> lacking, BlockSource carried)
                throws IOException {
            Set<String> order = new LinkedHashSet<>();
            List<Block> send = new ArrayList<>();
            for (Block b : blocks) {
                if (lacking.contains(b.hash()) && order.add(b.hash())) {
                    send.add(b);
                }
            }
            ObjectNode q = JSON.createObjectNode().put("op", "put").put("path", path);
            q.set("base", JSON.valueToTree(base));
            q.set("target", JSON.valueToTree(target));
            q.set("blocks", JSON.valueToTree(blocks));
            q.set("lacking", JSON.valueToTree(order));
            io.writeJson(q);
            IOException cut = null;
            for (Block b : send) {
                byte[] data;
                try {
                    data = carried.get(b);
                } catch (IOException e) {
                    io.write(T_ABORT, new byte[0], 0);
                    cut = e;
                    break;
                }
                io.write(T_BLOCK, data, data.length);
                blockBytes.addAndGet(data.length);
            }
            io.flush();
            JsonNode r = answer();
            if (cut != null) {
                throw cut;
            }
            check(r);
        }

        @Override
        public void delete(String path, Entry base) throws IOException {
            ObjectNode q = JSON.createObjectNode().put("op", "delete").put("path", path);
            q.set("base", JSON.valueToTree(base));
            call(q);
        }

        @Override
        public void mkdir(String path) throws IOException {
            call(JSON.createObjectNode().put("op", "mkdir").put("path", path));
        }

        @Override
        public void close() {
            stream.close();
        }

        private synchronized JsonNode call(ObjectNode q) throws IOException {
            io.writeJson(q);
            io.flush();
            return check(answer());
        }

        /** The next answer, or an error once {@link #ANSWER} passed without one (the stream is closed then). */
        private JsonNode answer() throws IOException {
            var alarm = WATCHDOG.schedule(() -> {
                timedOut = true;
                stream.close();
            }, ANSWER.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            try {
                return io.readJson();
            } catch (IOException e) {
                if (timedOut) {
                    throw new IOException("the other side did not answer within " + ANSWER.toSeconds() + " s", e);
                }
                throw e;
            } finally {
                alarm.cancel(false);
            }
        }

        private static JsonNode check(JsonNode r) throws IOException {
            if (r.path("ok").asBoolean(false)) {
                return r;
            }
            String code = r.path("code").asText("INTERNAL");
            String message = r.path("message").asText("no reason given");
            if (code.equals("CHANGED")) {
                throw new Changed(message);
            }
            ErrorCode c;
            try {
                c = ErrorCode.valueOf(code);
            } catch (IllegalArgumentException e) {
                c = ErrorCode.INTERNAL;
            }
            throw new ZosException(c, message, r.path("hint").asText(""));
        }
    }

    /** Frames on a duplex: written into a buffer sent by {@link #flush}, read from its input. */
    static final class Framed {
        private final Duplex stream;
        private final DataInputStream in;
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        long sent;
        long received;

        Framed(Duplex stream) throws IOException {
            this.stream = stream;
            this.in = new DataInputStream(new BufferedInputStream(stream.input(), 1 << 16));
        }

        void writeJson(JsonNode n) throws IOException {
            byte[] b = JSON.writeValueAsBytes(n);
            write(T_JSON, b, b.length);
        }

        void write(byte type, byte[] b, int len) throws IOException {
            out.write(type);
            out.write(ByteBuffer.allocate(4).putInt(len).array());
            out.write(b, 0, len);
            if (out.size() >= 1 << 20) {
                flush();
            }
        }

        void flush() throws IOException {
            if (out.size() > 0) {
                stream.write(out.toByteArray(), 0, out.size());
                sent += out.size();
                out.reset();
            }
        }

        JsonNode readJson() throws IOException {
            byte[] b = read(T_JSON);
            return JSON.readTree(new String(b, StandardCharsets.UTF_8));
        }

        /** A block frame's bytes, or null for an abort frame. */
        byte[] readBlock() throws IOException {
            return read(T_BLOCK);
        }

        private byte[] read(byte want) throws IOException {
            int type = in.read();
            if (type < 0) {
                throw new EOFException("the folder stream ended");
            }
            int len = in.readInt();
            if (len < 0 || len > MAX_FRAME) {
                throw new ZosException(ErrorCode.PROTOCOL_ERROR, "a folder frame of " + len + " bytes", "");
            }
            byte[] b = new byte[len];
            in.readFully(b);
            received += 5L + len;
            if (type == T_ABORT && want == T_BLOCK) {
                return null;
            }
            if (type != want) {
                throw new ZosException(ErrorCode.PROTOCOL_ERROR, "folder frame of type " + type + ", expected " + want, "");
            }
            return b;
        }
    }
}
