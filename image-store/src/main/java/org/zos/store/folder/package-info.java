/**
 * Folder sync: two copies of a folder (a replica inside the anima, one on a host) kept in step in both
 * directions (docs/folders.md).
 *
 * <p>Each replica describes its tree as {@link org.zos.store.folder.Entry entries}; a file is a list of
 * content-defined {@link org.zos.store.folder.Block blocks} (FastCDC, the image-store's chunker), so a
 * change to part of a big file moves about that part. The {@link org.zos.store.folder.Reconciler} compares
 * both trees with the last state they agreed on (Unison's rule): a side that changed since wins; when both
 * changed, both versions survive as a conflict copy. A file is written to a staging file and renamed over
 * the old one only when it is complete and its blocks check, and only if the old one is still what the
 * reconciler saw. {@link org.zos.store.folder.ReplicaWire} carries a replica over any byte stream (the
 * guest channel, the agents' TLS links).
 */
package org.zos.store.folder;
