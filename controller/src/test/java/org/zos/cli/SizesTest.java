package org.zos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.zos.protocol.ZosException;

class SizesTest {

    @Test
    void parsesMebibytesByDefault() {
        assertEquals(128, Sizes.mib("128"));
        assertEquals(512, Sizes.mib("512M"));
        assertEquals(512, Sizes.mib("512MiB"));
        assertEquals(2048, Sizes.mib("2G"));
        assertEquals(2048, Sizes.mib("2gb"));
        assertEquals(1 << 20, Sizes.mib("1T"));
    }

    @Test
    void rejectsWhatIsNotASize() {
        for (String bad : new String[] {"", "lots", "-1", "0", "1.5G", "9999999999999999T"}) {
            assertThrows(ZosException.class, () -> Sizes.mib(bad), bad);
        }
        assertThrows(picocli.CommandLine.TypeConversionException.class, () -> new Sizes().convert("x"));
    }

    @Test
    void printsBytesForHumans() {
        assertEquals("512 B", Sizes.bytes(512));
        assertEquals("1.5 KiB", Sizes.bytes(1536));
        assertEquals("77 MiB", Sizes.bytes(77L << 20));
        assertEquals("2.0 GiB", Sizes.bytes(2L << 30));
    }

    @Test
    void progressLineShowsBytesRateAndEta() {
        assertEquals("saving: 64 MiB / 128 MiB (50%), 32 MiB/s, ETA 2 s",
                Progress.line("saving", 64L << 20, 128L << 20, 2000));
        assertEquals("saving: 0 B / 128 MiB (0%), 0 B/s, ETA ?", Progress.line("saving", 0, 128L << 20, 0));
    }
}
