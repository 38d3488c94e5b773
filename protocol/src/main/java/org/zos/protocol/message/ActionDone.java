package org.zos.protocol.message;

/**
 * The end of a successful {@link AnimaAction}: the anima as it is now (null after {@code remove}) and a
 * note whose meaning depends on the action.
 */
public record ActionDone(String action, StatusReport.Anima anima, String note) implements Message {

    @Override
    public void check() {
        Bounds b = Bounds.of("action-done");
        b.matches("action", action, Bounds.TOKEN).text("note", note, Bounds.NOTE);
        if (anima != null) {
            anima.check(b);
        }
    }
}
