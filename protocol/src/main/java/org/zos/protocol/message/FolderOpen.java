package org.zos.protocol.message;

/**
 * Asks a host for its copy of a shared folder, by the agent of the host where the anima runs. Answered by
 * {@link FolderReady} or a failure; after the answer the connection carries folder wire v2 (docs/folders.md)
 * as data frames, the asking agent the client, the answering host serving its copy. {@code hostPath} is
 * where the copy lives on the host (null: the host's own place for it); {@code fromHost}: the folder is the
 * host's own, lent to the anima, and stays when the share ends; {@code readOnly}: the copy that is not the
 * original does not send changes back.
 */
public record FolderOpen(String anima, String share, String hostPath, boolean readOnly, boolean fromHost) implements Message {

    @Override
    public void check() {
        Bounds.of("folder-open").matches("anima", anima, Bounds.ANIMA).matches("share", share, Bounds.ANIMA)
                .optional("hostPath", hostPath, Bounds.PATH);
    }

    @Override
    public boolean opensStream() {
        return true;
    }
}
