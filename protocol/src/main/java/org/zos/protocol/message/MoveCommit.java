package org.zos.protocol.message;

import java.util.Map;

/**
 * Run the anima on the receiver from these image generations (names: disk, memory, kernel, initrd):
 * the receiver writes them out, restores the anima from its memory image and answers {@link MoveDone}
 * once libvirt runs it, or a failure after which it holds no running copy. Until MoveDone the sender
 * keeps its own resumable copy.
 *
 * @param stateSha256 SHA-256 of the memory image (libvirt's save file), hex
 */
public record MoveCommit(long transfer, Map<String, Long> images, String stateSha256) implements Message {

    @Override
    public void check() {
        Bounds b = Bounds.of("move-commit");
        b.range("transfer", transfer, 1, Long.MAX_VALUE).required("images", images).size("images", images, 16)
                .optional("stateSha256", stateSha256, Bounds.SHA256);
        for (Map.Entry<String, Long> i : images.entrySet()) {
            b.matches("images key", i.getKey(), Bounds.IMAGE).required("images." + i.getKey(), i.getValue())
                    .range("images." + i.getKey(), i.getValue(), 1, Long.MAX_VALUE);
        }
    }
}
