#!/usr/bin/env bash
# Builds the zos cluster host image from Debian packages only (no registry): a Debian 12 root file system
# with libvirt, QEMU, a JRE, iproute2, e2fsprogs (data disks), netcat (the benchmark's plain copy) and
# sshd (for 'vagrant ssh'; its host keys are made by each host as it boots),
# made by mmdebstrap and imported into Docker with host-boot.sh as its command. The zos jar and the
# default guest are not in the image: `zos-vm cluster up` mounts them, so a rebuilt zos needs no new image.
#
#   host-image.sh TAG BOOT_SCRIPT
set -euo pipefail
tag=$1 boot=$2
say() { printf 'cluster: %s\n' "$*" >&2; }
for tool in mmdebstrap docker; do
  command -v "$tool" >/dev/null || { echo "error: $tool is missing; run scripts/setup-host" >&2; exit 1; }
done
say "building host image $tag from Debian packages (mmdebstrap; about two minutes, once)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
install -m 0755 "$boot" "$work/zos-host-boot"
mmdebstrap --quiet --variant=apt --components=main \
  --include=libvirt-daemon-system,libvirt-clients,qemu-system-x86,qemu-utils,openjdk-17-jre-headless,iproute2,procps,e2fsprogs,netcat-openbsd,openssh-server \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --customize-hook="copy-in $work/zos-host-boot /usr/local/sbin" \
  --customize-hook='rm -f "$1"/etc/machine-id "$1"/etc/ssh/ssh_host_*' \
  bookworm "$work/rootfs.tar" >&2
docker import --change 'CMD ["/usr/local/sbin/zos-host-boot"]' "$work/rootfs.tar" "$tag" >/dev/null
say "host image $tag ready ($(du -h "$work/rootfs.tar" | cut -f1))"
