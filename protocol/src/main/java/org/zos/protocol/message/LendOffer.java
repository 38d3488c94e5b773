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
        for (int app : apps) {
            Bounds.of("lend-offer").range("app", app, 1, 65535);
        }
        for (String s : shares) {
            Bounds.of("lend-offer").matches("share", s, Bounds.ANIMA);
        }
    }
}
