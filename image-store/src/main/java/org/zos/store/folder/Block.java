package org.zos.store.folder;

/** One content-defined block of a file: where it starts, how long it is, and the SHA-256 of its bytes (hex). */
public record Block(long offset, int length, String hash) {
}
