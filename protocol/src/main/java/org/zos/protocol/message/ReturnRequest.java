package org.zos.protocol.message;

/**
 * From an anima's home to the host it visits: send it home now. The visited host answers with
 * {@link Progress} while it moves the anima home (with its own {@link MoveOffer} to the home) and then
 * {@link MoveDone}; it keeps nothing of the anima afterwards.
 *
 * @param kek the key-encryption key of the visited host's copy of the anima's key, base64 (it keeps it in
 *     memory only, so it may have lost it since)
 * @param bytesPerSecond a cap on the rate the visited host sends at (0: none)
 * @param live whether a running anima comes home by live migration (absent: false)
 */
public record ReturnRequest(String anima, String kek, long bytesPerSecond, boolean live) implements Message {

    @Override
    public void check() {
        Bounds b = Bounds.of("return-request");
        b.matches("anima", anima, Bounds.ANIMA).key("kek", kek).range("bytesPerSecond", bytesPerSecond, 0, Long.MAX_VALUE);
    }
}
