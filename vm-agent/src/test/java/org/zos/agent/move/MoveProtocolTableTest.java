package org.zos.agent.move;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.zos.agent.move.MoveProtocol.ReceivePhase;
import org.zos.agent.move.MoveProtocol.SendPhase;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;
import org.zos.protocol.message.MoveDone;
import org.zos.protocol.message.MoveGo;
import org.zos.protocol.message.MoveReady;

/** The phase tables of {@link MoveProtocol} are the ones docs/protocol.md shows, and they are enforced. */
class MoveProtocolTableTest {

    /** The rows of the markdown table whose header starts with {@code header}, as cells. */
    private static List<String[]> table(String header) throws Exception {
        Path doc = Path.of("..", "docs", "protocol.md");
        List<String> lines = Files.readAllLines(doc);
        List<String[]> rows = new ArrayList<>();
        int i = 0;
        while (i < lines.size() && !lines.get(i).startsWith("| " + header + " |")) {
            i++;
        }
        assertTrue(i < lines.size(), "docs/protocol.md has no table '" + header + "'");
        for (i += 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
            String row = lines.get(i);
            rows.add(Arrays.stream(row.substring(1, row.length() - 1).split("\\|", -1)).map(String::strip).toArray(String[]::new));
        }
        return rows;
    }

    private static Set<String> cells(String list) {
        return list.isEmpty() ? Set.of() : Arrays.stream(list.split(",")).map(String::strip).collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void theReceiverTableIsTheDocumentedOne() throws Exception {
        List<String[]> rows = table("receiver phase");
        assertEquals(ReceivePhase.values().length, rows.size());
        for (String[] r : rows) {
            ReceivePhase p = ReceivePhase.valueOf(r[0]);
            assertEquals(new TreeSet<>(p.legal), cells(r[2]), "requests " + p + " takes");
            assertEquals(MoveProtocol.RECEIVE_NEXT.get(p).stream().map(Enum::name).collect(Collectors.toCollection(TreeSet::new)),
                    cells(r[3]), "phases after " + p);
        }
    }

    @Test
    void theSenderTableIsTheDocumentedOne() throws Exception {
        List<String[]> rows = table("sender phase");
        assertEquals(SendPhase.values().length, rows.size());
        for (String[] r : rows) {
            SendPhase p = SendPhase.valueOf(r[0]);
            assertEquals(MoveProtocol.SEND_NEXT.get(p).stream().map(Enum::name).collect(Collectors.toCollection(TreeSet::new)),
                    cells(r[2]), "phases after " + p);
        }
    }

    @Test
    void everyRequestOutsideAPhaseIsAProtocolError() {
        int refused = 0;
        for (ReceivePhase p : ReceivePhase.values()) {
            for (String kind : MoveProtocol.receiverKinds()) {
                if (p.legal.contains(kind)) {
                    MoveProtocol.require(p, kind, 1);
                } else {
                    ZosException e = assertThrows(ZosException.class, () -> MoveProtocol.require(p, kind, 1));
                    assertEquals(ErrorCode.PROTOCOL_ERROR, e.code());
                    assertTrue(e.getMessage().contains(p.name().toLowerCase()), e.getMessage());
                    refused++;
                }
            }
        }
        assertTrue(refused > 20, "the table refuses " + refused + " requests");
    }

    @Test
    void theAgentHandsEveryRequestOfTheTableToTheMoves() {
        Set<String> handed = new TreeSet<>();
        for (com.fasterxml.jackson.annotation.JsonSubTypes.Type t
                : org.zos.protocol.message.Message.class.getAnnotation(com.fasterxml.jackson.annotation.JsonSubTypes.class).value()) {
            if (Moves.TAKES.contains(t.value())) {
                handed.add(t.name());
            }
        }
        Set<String> table = new TreeSet<>(MoveProtocol.receiverKinds());
        table.removeAll(Set.of(MoveProtocol.DATA, "live-open")); // a data frame, and a stream's request (openLive)
        assertTrue(handed.containsAll(table), "requests of the receiver's table the agent does not hand to the moves: "
                + table.stream().filter(k -> !handed.contains(k)).toList());
    }

    @Test
    void anAnswerOfTheWrongTypeIsAProtocolError() {
        ZosException e = assertThrows(ZosException.class,
                () -> MoveProtocol.answer(new MoveReady(1), MoveDone.class, new MoveGo(1, "ana")));
        assertEquals(ErrorCode.PROTOCOL_ERROR, e.code());
        assertEquals("move-go was answered with move-ready, not move-done", e.getMessage());
    }
}
