package org.zos.protocol.message;

/** A partial domination ends: the host closes its views of the anima's windows. Answered by {@link ActionDone}. */
public record LendEnd(String anima) implements Message {

    @Override
    public void check() {
        Bounds.of("lend-end").matches("anima", anima, Bounds.ANIMA);
    }
}
