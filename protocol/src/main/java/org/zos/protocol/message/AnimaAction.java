package org.zos.protocol.message;

import java.util.Map;

/**
 * Asks a host's agent to act on one of the animas it holds. Taken only from the host's own zos processes
 * (its own identity); other hosts move animas with the transfer messages. The agent answers with
 * {@link Progress} messages while the action runs and then one {@link ActionDone} (or a {@link Failure}).
 *
 * <p>Actions and their options (all option values are text):
 * <ul>
 * <li>{@code init}: {@code memory-mib}, {@code vcpus}, {@code disk-mib}: create the anima (not started)
 * <li>{@code start}: {@code discard-state} ("true" boots a suspended anima afresh)
 * <li>{@code suspend}, {@code resume}: save its memory and stop it; run it again from there
 * <li>{@code shutdown}: {@code timeout-s}: power it off, hard after the timeout; the note says "clean" or "forced"
 * <li>{@code remove}: delete it and its files
 * <li>{@code guest}: {@code line}: one request to the guest's agent channel; the note is its answer
 * </ul>
 */
public record AnimaAction(String action, String anima, Map<String, String> options) implements Message {

    public AnimaAction {
        options = options == null ? Map.of() : Map.copyOf(options);
    }

    public String option(String key, String fallback) {
        return options.getOrDefault(key, fallback);
    }

    /** Its options as they may be logged: a passphrase (of a parcel) shown as {@code ***}. */
    @Override
    public String toString() {
        Map<String, String> shown = new java.util.TreeMap<>(options);
        shown.replaceAll((k, v) -> k.equals(PASSPHRASE) ? "***" : v);
        return "AnimaAction[action=" + action + ", anima=" + anima + ", options=" + shown + "]";
    }

    /** The option that carries the user's passphrase of a parcel (over the agent's TLS; never logged). */
    public static final String PASSPHRASE = "passphrase";

    @Override
    public void check() {
        Bounds b = Bounds.of("anima-action");
        b.matches("action", action, Bounds.TOKEN).matches("anima", anima, Bounds.ANIMA).size("options", options, 32);
        for (Map.Entry<String, String> o : options.entrySet()) {
            b.matches("options key", o.getKey(), Bounds.TOKEN).required("options." + o.getKey(), o.getValue())
                    .text("options." + o.getKey(), o.getValue(), Bounds.TEXT);
        }
    }
}
