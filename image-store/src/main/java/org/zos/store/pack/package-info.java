/**
 * Packs and their indexes: sealed chunks are appended to pack files of about 16 MiB, so a multi-GiB image
 * makes hundreds of files, not hundreds of thousands; each pack has an index file that lists where each
 * chunk sits, and the {@link org.zos.store.pack.Index} is all indexes in memory.
 */
package org.zos.store.pack;
