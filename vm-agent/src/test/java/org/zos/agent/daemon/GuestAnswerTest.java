package org.zos.agent.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/** The default guest's "err …" answers are failures with an exit status, never a printed success. */
class GuestAnswerTest {
    @Test
    void answersPassThrough() {
        assertEquals("data hi", AnimaActions.guestAnswer("work", "read note", "data hi"));
        assertEquals("ok", AnimaActions.guestAnswer("work", "write note hi", "ok"));
    }

    @Test
    void refusalsAreBadParameters() {
        ZosException e = assertThrows(ZosException.class, () -> AnimaActions.guestAnswer("work", "frobnicate", "err unknown command"));
        assertEquals(ErrorCode.BAD_PARAMETER, e.code());
        assertTrue(e.getMessage().contains("refused 'frobnicate': unknown command"), e.getMessage());
        e = assertThrows(ZosException.class, () -> AnimaActions.guestAnswer("work", "write ../tmp/evil hi", "err bad name"));
        assertEquals(ErrorCode.BAD_PARAMETER, e.code());
        assertTrue(e.hint().contains("letters, digits"), e.hint());
    }

    @Test
    void failuresInTheGuestAreInternal() {
        ZosException e = assertThrows(ZosException.class, () -> AnimaActions.guestAnswer("work", "write a b", "err write failed"));
        assertEquals(ErrorCode.INTERNAL, e.code());
    }
}
