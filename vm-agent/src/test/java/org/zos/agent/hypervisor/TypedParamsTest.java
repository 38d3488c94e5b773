package org.zos.agent.hypervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.sun.jna.Pointer;
import org.junit.jupiter.api.Test;

/** virTypedParameter as libvirt lays it out: 96 bytes each, name, type at 80, value at 88. */
class TypedParamsTest {
    @Test
    void eachParameterIsLaidOutAsLibvirtReadsIt() {
        TypedParams p = new TypedParams().string("migrate_uri", "unix:///run/zos/live/m.sock").ullong("bandwidth", 12)
                .string("migrate_uri", "twice é");
        Pointer a = p.pointer();
        assertEquals(3, p.count());
        assertEquals("migrate_uri", a.getString(0, "US-ASCII"));
        assertEquals(TypedParams.TYPE_STRING, a.getInt(80));
        assertEquals("unix:///run/zos/live/m.sock", a.getPointer(88).getString(0, "UTF-8"));
        assertEquals("bandwidth", a.getString(96, "US-ASCII"));
        assertEquals(TypedParams.TYPE_ULLONG, a.getInt(96 + 80));
        assertEquals(12, a.getLong(96 + 88));
        assertEquals("twice é", a.getPointer(192 + 88).getString(0, "UTF-8"));
        assertEquals(0, a.getByte(96 + "bandwidth".length()), "names end with NUL");
    }

    @Test
    void noParametersIsNullAndBadOnesAreRefused() {
        assertNull(new TypedParams().pointer());
        assertThrows(IllegalArgumentException.class, () -> new TypedParams().string("x".repeat(80), "v"));
        assertThrows(IllegalArgumentException.class, () -> new TypedParams().string("Bad Name", "v"));
        assertThrows(IllegalArgumentException.class, () -> new TypedParams().ullong("bandwidth", -1));
    }
}
