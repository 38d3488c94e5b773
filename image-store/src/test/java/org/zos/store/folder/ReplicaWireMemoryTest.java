package org.zos.store.folder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/** Both ends' memory of a folder stream: lists and maps sent as changes come out whole and equal. */
class ReplicaWireMemoryTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static List<Block> blocks(Random r, int n) {
        List<Block> out = new ArrayList<>();
        long offset = 0;
        for (int i = 0; i < n; i++) {
            byte[] h = new byte[32];
            r.nextBytes(h);
            int len = 32768 + r.nextInt(100_000);
            out.add(new Block(offset, len, HexFormat.of().formatHex(h)));
            offset += len;
        }
        return out;
    }

    static List<Block> rebase(List<Block> in) {
        List<Block> out = new ArrayList<>();
        long offset = 0;
        for (Block b : in) {
            out.add(new Block(offset, b.length(), b.hash()));
            offset += b.length();
        }
        return out;
    }

    @Test
    void aChangedListGoesAsAFewRunsAndComesOutWhole() throws Exception {
        Random r = new Random(5);
        ReplicaWire.Memory client = new ReplicaWire.Memory();
        ReplicaWire.Memory server = new ReplicaWire.Memory();
        List<Block> first = blocks(r, 8192);
        ObjectNode q = JSON.createObjectNode();
        client.putList(q, "disk.img", first);
        assertEquals(first, server.takeList(JSON.readTree(JSON.writeValueAsBytes(q)), "disk.img"));

        List<Block> second = new ArrayList<>(first);
        second.subList(4000, 4008).clear();
        second.addAll(4000, blocks(r, 11)); // a change in the middle, the block count changes
        second.remove(0); // and one at the start
        second.addAll(blocks(r, 2)); // and two at the end
        second = rebase(second);
        q = JSON.createObjectNode();
        client.putList(q, "disk.img", second);
        byte[] wire = JSON.writeValueAsBytes(q);
        assertTrue(wire.length < 4096, "a list of 8200 blocks with 14 new ones in " + wire.length + " bytes");
        assertEquals(second, server.takeList(JSON.readTree(wire), "disk.img"));
    }

    @Test
    void aScriptOutsideTheListOrWithoutOneIsAProtocolError() throws Exception {
        ReplicaWire.Memory server = new ReplicaWire.Memory();
        ZosException none = assertThrows(ZosException.class,
                () -> server.takeList(JSON.readTree("{\"script\":[[0,1]]}"), "a"));
        assertEquals(ErrorCode.PROTOCOL_ERROR, none.code());
        server.takeList(JSON.valueToTree(Map.of("blocks", blocks(new Random(1), 20))), "a");
        for (String bad : List.of("[[0,21]]", "[[-1,2]]", "[[3,0]]", "[{\"length\":0,\"hash\":\"00\"}]", "{}")) {
            ZosException e = assertThrows(ZosException.class, () -> server.takeList(JSON.readTree("{\"script\":" + bad + "}"), "a"), bad);
            assertEquals(ErrorCode.PROTOCOL_ERROR, e.code(), bad);
        }
    }

    @Test
    void scansAndAgreedStatesGoAsChangesAndAStaleBaseIsRefused() throws Exception {
        ReplicaWire.Memory client = new ReplicaWire.Memory();
        ReplicaWire.Memory server = new ReplicaWire.Memory();
        Map<String, Entry> tree = new TreeMap<>();
        for (int i = 0; i < 300; i++) {
            tree.put("f" + i, new Entry("f" + i, Entry.Kind.FILE, i, 1000L * i, false, "d" + i));
        }
        ObjectNode a = JSON.createObjectNode();
        server.answerScan(a, -1, new Replica.Scan(7, tree));
        assertEquals(tree, client.takeScan(-1, a).entries());

        Map<String, Entry> next = new TreeMap<>(tree);
        next.remove("f9");
        next.put("f10", new Entry("f10", Entry.Kind.FILE, 11, 2, true, "new"));
        next.put("g", Entry.dir("g"));
        a = JSON.createObjectNode();
        server.answerScan(a, 7, new Replica.Scan(8, next));
        assertTrue(JSON.writeValueAsBytes(a).length < 400, a.toString());
        assertEquals(next, client.takeScan(7, a).entries());
        a = JSON.createObjectNode();
        server.answerScan(a, 8, new Replica.Scan(8, null));
        assertEquals(null, client.takeScan(8, a).entries());

        ObjectNode q = JSON.createObjectNode();
        client.putAgreed(q, new Replica.Agreed(1, tree));
        assertEquals(tree, server.takeAgreed(q).entries());
        q = JSON.createObjectNode();
        client.putAgreed(q, new Replica.Agreed(2, next));
        assertEquals(new Replica.Agreed(2, next), server.takeAgreed(q));
        q.put("from", 1);
        ObjectNode stale = q;
        assertEquals(ErrorCode.PROTOCOL_ERROR, assertThrows(ZosException.class, () -> server.takeAgreed(stale)).code());
    }
}
