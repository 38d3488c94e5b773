package org.zos.protocol.message;

/**
 * A share has ended: the host overwrites and removes its copy (unless the folder was its own, lent to the
 * anima: that stays untouched). Answered by {@link ActionDone}; idempotent.
 */
public record FolderEnd(String anima, String share) implements Message {

    @Override
    public void check() {
        Bounds.of("folder-end").matches("anima", anima, Bounds.ANIMA).matches("share", share, Bounds.ANIMA);
    }
}
