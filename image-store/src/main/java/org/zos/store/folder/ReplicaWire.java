package org.zos.store.folder;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.TreeMap;
import java.util.regex.Pattern;
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
 * Folder wire v2: a {@link Replica} over any byte stream (docs/folders.md, "Folder wire"). The client asks,
 * the server answers, one request at a time. Every frame is a type byte (1 JSON, 2 block bytes, 3 abort)
 * and a 32-bit big-endian length, then that many bytes. A {@code put} request is followed by one block
 * frame for each block the server lacks, in the order they first appear in the file, or an abort frame
 * when the source changed meanwhile; the server answers after the last.
 *
 * <p>Both ends keep a {@link Memory} of what went over their stream (a path's block list, the last scan,
 * the agreed state), updated on the same frames, so a second list or map for the same thing goes as its
 * changes: a 1 MiB change to a 1 GiB file costs a few hundred bytes of list, not 600 KB, and a small change
 * in a folder of many files costs one entry, not the whole tree.
 */
public final class ReplicaWire {
    private static final Logger LOG = Logger.getLogger(ReplicaWire.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final int VERSION = 2;
    static final byte T_JSON = 1;
    static final byte T_BLOCK = 2;
    static final byte T_ABORT = 3;
    /** No frame is longer: a scan of a very large folder, or one block. */
    static final int MAX_FRAME = 64 << 20;
    private static final Pattern HASH = Pattern.compile("[0-9a-f]{64}");

    private ReplicaWire() {
    }

    /** Serves {@code replica} on {@code stream} until the client ends it. */
    public static void serve(Replica replica, Duplex stream) throws IOException {
        Framed io = new Framed(stream);
        Memory memory = new Memory();
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
                    case "scan" -> memory.answerScan(reply, q.path("since").asLong(-1), replica.scan(q.path("since").asLong(-1)));
                    case "agreed" -> {
                        memory.agreed = replica.agreed();
                        reply.set("agreed", JSON.valueToTree(memory.agreed));
                    }
                    case "agree" -> replica.agree(memory.takeAgreed(q));
                    case "blocks" -> {
                        String path = q.path("path").asText();
                        memory.putList(reply, path, replica.blocks(path, JSON.treeToValue(q.get("entry"), Entry.class)));
                    }
                    case "lacking" -> {
                        String path = q.path("path").asText();
                        reply.set("lacking", JSON.valueToTree(replica.lacking(path, memory.takeList(q, path))));
                    }
                    case "read" -> {
                        byte[] b = replica.read(q.path("path").asText(), JSON.treeToValue(q.get("block"), Block.class));
                        io.writeJson(reply);
                        io.write(T_BLOCK, b, b.length);
                        io.flush();
                        continue;
                    }
                    case "put" -> {
                        List<Block> blocks = memory.takeList(q, q.path("path").asText());
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
                        memory.wrote(q.path("path").asText(), JSON.treeToValue(q.get("target"), Entry.class));
                    }
                    case "delete" -> {
                        replica.delete(q.path("path").asText(), entry(q.get("base")));
                        memory.wrote(q.path("path").asText(), null);
                    }
                    case "mkdir" -> {
                        replica.mkdir(q.path("path").asText());
                        memory.wrote(q.path("path").asText(), Entry.dir(q.path("path").asText()));
                    }
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
        private final Memory memory = new Memory();
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
        public synchronized Scan scan(long since) throws IOException {
            return memory.takeScan(since, call(JSON.createObjectNode().put("op", "scan").put("since", since)));
        }

        @Override
        public synchronized Agreed agreed() throws IOException {
            memory.agreed = JSON.treeToValue(call(JSON.createObjectNode().put("op", "agreed")).get("agreed"), Agreed.class);
            return memory.agreed;
        }

        @Override
        public synchronized void agree(Agreed agreed) throws IOException {
            ObjectNode q = JSON.createObjectNode().put("op", "agree");
            memory.putAgreed(q, agreed);
            call(q);
        }

        @Override
        public synchronized List<Block> blocks(String path, Entry entry) throws IOException {
            ObjectNode q = JSON.createObjectNode().put("op", "blocks").put("path", path);
            q.set("entry", JSON.valueToTree(entry));
            return memory.takeList(call(q), path);
        }

        @Override
        public synchronized Set<String> lacking(String path, List<Block> blocks) throws IOException {
            ObjectNode q = JSON.createObjectNode().put("op", "lacking").put("path", path);
            memory.putList(q, path, blocks);
            return JSON.convertValue(call(q).get("lacking"), new TypeReference<Set<String>>() { });
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
            memory.putList(q, path, blocks);
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
            memory.wrote(path, target);
        }

        @Override
        public synchronized void delete(String path, Entry base) throws IOException {
            ObjectNode q = JSON.createObjectNode().put("op", "delete").put("path", path);
            q.set("base", JSON.valueToTree(base));
            call(q);
            memory.wrote(path, null);
        }

        @Override
        public synchronized void mkdir(String path) throws IOException {
            call(JSON.createObjectNode().put("op", "mkdir").put("path", path));
            memory.wrote(path, Entry.dir(path));
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

    /**
     * What one end of a stream last sent or took over it: the block list of each path (the oldest first
     * out when more than {@link #MAX_BLOCKS} are held; lists under {@link #MIN_BLOCKS} are not kept), the
     * last scan and its token, and the agreed state. The client and the server change theirs on the same
     * requests and answers, whatever their outcome, so the two always hold the same; a list or a map is sent
     * as its changes against what both hold.
     */
    static final class Memory {
        static final int MAX_BLOCKS = 1 << 17;
        static final int MIN_BLOCKS = 16;
        private final LinkedHashMap<String, List<Block>> lists = new LinkedHashMap<>();
        private int held;
        private long scanToken = Long.MIN_VALUE;
        private TreeMap<String, Entry> scan;
        Replica.Agreed agreed;

        /** Puts {@code blocks} into {@code n}: {@code script} against the list both hold for the path, or {@code blocks}. */
        void putList(ObjectNode n, String path, List<Block> blocks) {
            List<Block> old = lists.get(path);
            if (old == null) {
                n.set("blocks", JSON.valueToTree(blocks));
            } else {
                n.set("script", script(old, blocks));
            }
            remember(path, blocks);
        }

        /** The block list in {@code n} ({@code script} or {@code blocks}) for {@code path}. */
        List<Block> takeList(JsonNode n, String path) {
            List<Block> list;
            if (n.has("script")) {
                List<Block> old = lists.get(path);
                if (old == null) {
                    throw new ZosException(ErrorCode.PROTOCOL_ERROR, "a block script for " + path + ", which has no list to apply it to", "");
                }
                list = apply(old, n.get("script"));
            } else {
                list = JSON.convertValue(n.get("blocks"), new TypeReference<List<Block>>() { });
                if (list == null) {
                    throw new ZosException(ErrorCode.PROTOCOL_ERROR, "no blocks for " + path, "");
                }
            }
            remember(path, list);
            return list;
        }

        /** The server's answer to a scan from {@code since}: unchanged, the changes against the last scan both hold, or all. */
        void answerScan(ObjectNode reply, long since, Replica.Scan s) {
            reply.put("token", s.token());
            if (s.entries() == null) {
                reply.putNull("entries");
                return;
            }
            if (scan != null && since == scanToken) {
                putChanges(reply, scan, s.entries());
            } else {
                reply.set("entries", JSON.valueToTree(s.entries()));
            }
            scan = new TreeMap<>(s.entries());
            scanToken = s.token();
        }

        /** The client's side of {@link #answerScan}. */
        Replica.Scan takeScan(long since, JsonNode r) {
            long token = r.path("token").asLong();
            Map<String, Entry> now;
            if (r.has("changed")) {
                if (scan == null || since != scanToken) {
                    throw new ZosException(ErrorCode.PROTOCOL_ERROR, "scan changes against a scan this end does not hold", "");
                }
                now = takeChanges(scan, r);
            } else if (r.path("entries").isObject()) {
                now = JSON.convertValue(r.get("entries"), new TypeReference<Map<String, Entry>>() { });
            } else {
                return new Replica.Scan(token, null);
            }
            scan = new TreeMap<>(now);
            scanToken = token;
            return new Replica.Scan(token, java.util.Collections.unmodifiableMap(now));
        }

        /**
         * A change this end's request made at {@code path} (null: a delete): the last scan both hold takes it,
         * so the next scan does not send back, as a change, what the other end just wrote.
         */
        void wrote(String path, Entry now) {
            if (scan == null) {
                return;
            }
            scan = new TreeMap<>(scan);
            if (now == null) {
                scan.remove(path);
            } else {
                scan.put(path, now);
            }
        }

        /** An agree request: the changes against the agreed state both hold ({@code from} its generation), or all of it. */
        void putAgreed(ObjectNode q, Replica.Agreed next) {
            if (agreed != null) {
                q.put("from", agreed.generation()).put("generation", next.generation());
                putChanges(q, agreed.entries(), next.entries());
            } else {
                q.set("agreed", JSON.valueToTree(next));
            }
            agreed = next;
        }

        /** The server's side of {@link #putAgreed}. */
        Replica.Agreed takeAgreed(JsonNode q) throws IOException {
            Replica.Agreed next;
            if (q.has("from")) {
                if (agreed == null || agreed.generation() != q.path("from").asLong()) {
                    throw new ZosException(ErrorCode.PROTOCOL_ERROR, "agreed-state changes against a generation this end does not hold", "");
                }
                next = new Replica.Agreed(q.path("generation").asLong(), takeChanges(agreed.entries(), q));
            } else {
                next = JSON.treeToValue(q.get("agreed"), Replica.Agreed.class);
            }
            agreed = next;
            return next;
        }

        private void remember(String path, List<Block> blocks) {
            List<Block> was = lists.remove(path);
            if (was != null) {
                held -= was.size();
            }
            if (blocks.size() < MIN_BLOCKS) {
                return;
            }
            lists.put(path, List.copyOf(blocks));
            held += blocks.size();
            var oldest = lists.entrySet().iterator();
            while (held > MAX_BLOCKS && oldest.hasNext()) {
                held -= oldest.next().getValue().size();
                oldest.remove();
            }
        }

        /** {@code now} as runs of {@code old} ({@code [index, count]}) and new blocks ({@code {"length","hash"}}). */
        static ArrayNode script(List<Block> old, List<Block> now) {
            Map<String, Integer> at = new HashMap<>();
            for (int i = old.size() - 1; i >= 0; i--) {
                at.put(old.get(i).hash(), i);
            }
            ArrayNode out = JSON.createArrayNode();
            for (int j = 0; j < now.size(); ) {
                Integer i = at.get(now.get(j).hash());
                if (i == null) {
                    out.addObject().put("length", now.get(j).length()).put("hash", now.get(j).hash());
                    j++;
                    continue;
                }
                int n = 1;
                while (j + n < now.size() && i + n < old.size() && now.get(j + n).hash().equals(old.get(i + n).hash())) {
                    n++;
                }
                out.addArray().add(i).add(n);
                j += n;
            }
            return out;
        }

        /** The list a {@link #script} stands for, offsets counted from 0. */
        static List<Block> apply(List<Block> old, JsonNode script) {
            if (!script.isArray()) {
                throw new ZosException(ErrorCode.PROTOCOL_ERROR, "a block script that is not a list", "");
            }
            List<Block> out = new ArrayList<>();
            long offset = 0;
            for (JsonNode step : script) {
                if (step.isArray()) {
                    long i = step.path(0).asLong(-1);
                    long n = step.path(1).asLong(-1);
                    if (step.size() != 2 || i < 0 || n < 1 || i + n > old.size()) {
                        throw new ZosException(ErrorCode.PROTOCOL_ERROR, "a block script run " + step + " outside a list of " + old.size(), "");
                    }
                    for (int k = (int) i; k < i + n; k++) {
                        Block b = old.get(k);
                        out.add(new Block(offset, b.length(), b.hash()));
                        offset += b.length();
                    }
                } else {
                    int length = step.path("length").asInt(-1);
                    String hash = step.path("hash").asText("");
                    if (length < 1 || length > MAX_FRAME || !HASH.matcher(hash).matches()) {
                        throw new ZosException(ErrorCode.PROTOCOL_ERROR, "a bad block in a block script: " + step, "");
                    }
                    out.add(new Block(offset, length, hash));
                    offset += length;
                }
            }
            return out;
        }

        /** {@code changed} (entries by path) and {@code removed} (paths): what turns {@code old} into {@code now}. */
        static void putChanges(ObjectNode n, Map<String, Entry> old, Map<String, Entry> now) {
            ObjectNode changed = n.putObject("changed");
            now.forEach((path, e) -> {
                if (!e.equals(old.get(path))) {
                    changed.set(path, JSON.valueToTree(e));
                }
            });
            ArrayNode removed = n.putArray("removed");
            old.keySet().stream().filter(path -> !now.containsKey(path)).forEach(removed::add);
        }

        /** The other side of {@link #putChanges}. */
        static Map<String, Entry> takeChanges(Map<String, Entry> old, JsonNode n) {
            Map<String, Entry> now = new TreeMap<>(old);
            now.putAll(JSON.convertValue(n.path("changed"), new TypeReference<Map<String, Entry>>() { }));
            for (JsonNode path : n.path("removed")) {
                now.remove(path.asText());
            }
            return now;
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
