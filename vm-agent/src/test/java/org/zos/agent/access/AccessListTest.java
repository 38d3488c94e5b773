package org.zos.agent.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

class AccessListTest {
    @TempDir
    Path tmp;

    AccessList list(String text) throws Exception {
        Path f = tmp.resolve("zpasswd");
        Files.writeString(f, text);
        return new AccessList(f);
    }

    @Test
    void theFirstMatchingRuleDecides() throws Exception {
        AccessList a = list("# user host control\nana host1 full\nana * partial\n* host9 none\nbob * partial # lab\n");
        assertTrue(a.decide("ana", "host1", Control.FULL).allowed());
        assertFalse(a.decide("ana", "host2", Control.FULL).allowed());
        assertTrue(a.decide("ana", "host2", Control.PARTIAL).allowed());
        assertFalse(a.decide("bob", "host9", Control.PARTIAL).allowed(), "line 4 comes first");
        assertEquals(4, a.decide("bob", "host9", Control.PARTIAL).line());
        assertFalse(a.decide("eve", "host1", Control.PARTIAL).allowed(), "no rule: none");
    }

    @Test
    void aPartialOnlyUserAskingForFullGetsAClearDenial() throws Exception {
        AccessList a = list("ana * partial\n");
        ZosException e = assertThrows(ZosException.class, () -> a.require("ana", "host1", Control.FULL));
        assertEquals(ErrorCode.DENIED, e.code());
        assertTrue(e.getMessage().contains("may only dominate it partially"), e.getMessage());
        assertTrue(e.hint().contains("'ana host1 full'"), e.hint());
        a.require("ana", "host1", Control.PARTIAL);
    }

    @Test
    void theFileIsReReadWhenItChanges() throws Exception {
        AccessList a = list("ana host1 partial\n");
        assertFalse(a.decide("ana", "host1", Control.FULL).allowed());
        Path f = tmp.resolve("zpasswd");
        Files.writeString(f, "ana host1 full\n");
        Files.setLastModifiedTime(f, FileTime.fromMillis(System.currentTimeMillis() + 5000));
        assertTrue(a.decide("ana", "host1", Control.FULL).allowed());
    }

    @Test
    void aBadLineRefusesEveryoneAndSaysWhere() throws Exception {
        AccessList a = list("ana host1 full\nbob host1 sometimes\n");
        assertFalse(a.decide("ana", "host1", Control.FULL).allowed());
        ZosException p = a.problem();
        assertNotNull(p);
        assertTrue(p.getMessage().contains("line 2") && p.getMessage().contains("'sometimes'"), p.getMessage());
        ZosException told = org.junit.jupiter.api.Assertions.assertThrows(ZosException.class,
                () -> a.require("root", "host1", Control.FULL));
        assertTrue(told.getMessage().contains("until its access list is fixed") && told.getMessage().contains("line 2"),
                "the master is told the list is broken, not that no rule names it: " + told.getMessage());
    }

    @Test
    void noFileMeansNobody() {
        assertFalse(new AccessList(tmp.resolve("absent")).decide("root", "host1", Control.PARTIAL).allowed());
    }
}
