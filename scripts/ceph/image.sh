#!/usr/bin/env bash
# Builds the Ceph image of the local cluster from Debian's packages only (no registry): Ceph 16's
# monitor, manager, OSD and RADOS Gateway, by mmdebstrap, imported into Docker with boot.sh as its command.
#   image.sh TAG
set -euo pipefail
tag=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
install -m 0755 "$here/boot.sh" "$work/zos-ceph-boot"
mmdebstrap --quiet --variant=apt --components=main \
  --include=ceph-mon,ceph-osd,ceph-mgr,radosgw,ceph-common,curl,iproute2,procps \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
  --customize-hook="copy-in $work/zos-ceph-boot /usr/local/sbin" \
  bookworm "$work/rootfs.tar" >&2
docker import --change 'CMD ["/usr/local/sbin/zos-ceph-boot"]' "$work/rootfs.tar" "$tag" >/dev/null
printf 'ceph: image %s ready (%s)\n' "$tag" "$(du -h "$work/rootfs.tar" | cut -f1)" >&2
