package org.zos.protocol.message;

import java.util.Set;

/**
 * Takes or gives back the keyboard and pointer of an anima's app (or screen, {@code app} 0) for the
 * caller's host: the thesis's ctrlgui. Sent to the host where the anima runs; answered by
 * {@link ActionDone} whose note names who holds control now ({@code HOST}, or empty: every viewer with
 * the right types). While a host holds control, every other host's viewers are view-only; every app's
 * viewers are shown who took or gave it.
 */
public record ControlRequest(String anima, int app, String verb) implements Message {
    public static final Set<String> VERBS = Set.of("take", "give", "show");

    @Override
    public void check() {
        Bounds.of("control-request").matches("anima", anima, Bounds.ANIMA).range("app", app, 0, 65535)
                .oneOf("verb", verb, VERBS);
    }
}
