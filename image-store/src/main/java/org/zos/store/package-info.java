/**
 * The content-addressed chunk store (docs/store-format.md). A {@link org.zos.store.Store} is a directory
 * holding one {@link org.zos.store.AnimaStore} per anima: its wrapped key, packs of sealed chunks, their
 * indexes and its manifests. Sub-packages hold the parts: chunking, crypto, chunk, pack, manifest.
 */
package org.zos.store;
