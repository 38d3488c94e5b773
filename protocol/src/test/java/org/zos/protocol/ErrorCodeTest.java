package org.zos.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ErrorCodeTest {

    @Test
    void wireValuesAreFixed() {
        // These numbers are on the wire; changing one breaks every older peer.
        assertEquals(0, ErrorCode.OK.wireValue());
        assertEquals(1, ErrorCode.ANIMA_NOT_FOUND.wireValue());
        assertEquals(2, ErrorCode.HOST_UNREACHABLE.wireValue());
        assertEquals(3, ErrorCode.PROTOCOL_ERROR.wireValue());
        assertEquals(4, ErrorCode.BAD_PARAMETER.wireValue());
        assertEquals(9, ErrorCode.NO_SPACE.wireValue());
        assertEquals(10, ErrorCode.INTEGRITY_ERROR.wireValue());
        assertEquals(15, ErrorCode.INTERNAL.wireValue());
    }

    @Test
    void everyCodeRoundTripsThroughItsWireValue() {
        for (ErrorCode code : ErrorCode.values()) {
            assertEquals(code, ErrorCode.fromWire(code.wireValue()));
        }
    }

    @Test
    void exitStatusesAreDistinctAndFollowCliConventions() {
        Set<Integer> seen = new HashSet<>();
        for (ErrorCode code : ErrorCode.values()) {
            assertEquals(true, seen.add(code.exitStatus()), "exit status used twice: " + code);
        }
        assertEquals(0, ErrorCode.OK.exitStatus());
        assertEquals(1, ErrorCode.INTERNAL.exitStatus());
        assertEquals(2, ErrorCode.BAD_PARAMETER.exitStatus());
    }

    @Test
    void unknownWireValueIsAProtocolError() {
        ZosException e = assertThrows(ZosException.class, () -> ErrorCode.fromWire(999));
        assertEquals(ErrorCode.PROTOCOL_ERROR, e.code());
    }

    @Test
    void userLineJoinsMessageAndHint() {
        ZosException e = new ZosException(ErrorCode.ANIMA_NOT_FOUND, "no anima 'x' on this host",
                "list animas with 'zos-vm status'");
        assertEquals("no anima 'x' on this host; list animas with 'zos-vm status'", e.userLine());
        assertThrows(IllegalArgumentException.class, () -> new ZosException(ErrorCode.OK, "m", "h"));
    }
}
