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
}
