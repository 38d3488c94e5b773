package org.zos.protocol.message;

/** The copy asked by {@link FolderOpen} is open at {@code path} on {@code host}: folder wire v2 follows. */
public record FolderReady(String anima, String share, String host, String path) implements Message {

    @Override
    public void check() {
        Bounds.of("folder-ready").matches("anima", anima, Bounds.ANIMA).matches("share", share, Bounds.ANIMA)
                .matches("host", host, Bounds.HOST).matches("path", path, Bounds.PATH);
    }
}
