/**
 * Manifests: an image (a disk, a saved memory state, a domain description) as the ordered list of its
 * chunks, with its length, its chunking parameters and a keyed digest, sealed under the anima's manifest
 * key and kept in numbered generations.
 */
package org.zos.store.manifest;
