package org.zos.store.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** RFC 5869, Appendix A: the three SHA-256 test cases, and the store's own derivation against the general one. */
class HkdfTest {
    private static final HexFormat HEX = HexFormat.of();

    private static byte[] range(int from, int to) {
        byte[] b = new byte[to - from + 1];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (from + i);
        }
        return b;
    }

    @Test
    void rfc5869Case1() {
        byte[] ikm = HEX.parseHex("0b".repeat(22));
        byte[] okm = Hkdf.derive(ikm, range(0x00, 0x0c), range(0xf0, 0xf9), 42);
        assertArrayEquals(HEX.parseHex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"), okm);
    }

    @Test
    void rfc5869Case2LongInputs() {
        byte[] okm = Hkdf.derive(range(0x00, 0x4f), range(0x60, 0xaf), range(0xb0, 0xff), 82);
        assertArrayEquals(HEX.parseHex("b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
                + "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
                + "cc30c58179ec3e87c14c01d5c1f3434f1d87"), okm);
    }

    @Test
    void rfc5869Case3EmptySaltAndInfo() {
        byte[] okm = Hkdf.derive(HEX.parseHex("0b".repeat(22)), new byte[0], new byte[0], 42);
        assertArrayEquals(HEX.parseHex("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"), okm);
    }

    @Test
    void storeDerivationIsTheGeneralOneAt32Bytes() {
        byte[] ikm = range(1, 32);
        assertArrayEquals(Hkdf.derive(ikm, "zos-store-v1".getBytes(), "chunk-id".getBytes(), 32),
                Hkdf.derive(ikm, "zos-store-v1", "chunk-id"));
    }

    @Test
    void refusesLengthsTheRfcForbids() {
        assertThrows(IllegalArgumentException.class, () -> Hkdf.derive(new byte[1], new byte[1], new byte[0], 8161));
        assertThrows(IllegalArgumentException.class, () -> Hkdf.derive(new byte[1], new byte[1], new byte[0], 0));
    }
}
