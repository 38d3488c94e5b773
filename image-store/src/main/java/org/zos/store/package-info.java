/**
 * The content-addressed chunk store for disks and memory images (filled by the image-store issue; its
 * format will be specified in {@code docs/store-format.md}). Until then an anima's saved memory state is
 * a plain libvirt state file beside its disk, checked by a SHA-256 digest.
 */
package org.zos.store;
