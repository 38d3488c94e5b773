/**
 * Parcels: an anima's sealed chunks and manifests in an object store (S3: AWS, Ceph's RADOS Gateway,
 * MinIO, Garage), so it can be suspended there and resumed on any host its user may use, as Internet
 * Suspend/Resume's parcels could. The object store sees only sealed objects; the anima's key is there only
 * wrapped under a key derived from the user's passphrase. Layout and formats: docs/parcel-format.md.
 */
package org.zos.store.parcel;
