package org.zos.protocol.message;

import java.util.List;

/**
 * Partial domination: the anima stays running at home ({@code home}) and lends the asked host views of
 * some of its application windows ({@code apps}; empty: all) and copies of some of its folders (their
 * share names, {@code shares}). Needs at least partial access. Answered by {@link ActionDone} whose note
 * names the host's view endpoints.
 */
public record LendOffer(String anima, String home, List<Integer> apps, List<String> shares) implements Message {

    @Override
    public void check() {
        Bounds.of("lend-offer").matches("anima", anima, Bounds.ANIMA).matches("home", home, Bounds.HOST)
                .required("apps", apps).size("apps", apps, 64).required("shares", shares).size("shares", shares, 64);
        for (Object app : apps) { // as Object: whatever a list holds, a bad element is a bad parameter
            Bounds.of("lend-offer").range("apps[]", app instanceof Integer i ? i : -1, 1, 65535);
        }
        for (Object s : shares) {
            Bounds.of("lend-offer").matches("shares[]", s instanceof String t ? t : null, Bounds.ANIMA);
        }
    }
}
