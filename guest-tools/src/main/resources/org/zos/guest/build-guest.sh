#!/usr/bin/env bash
# Builds the zos default guest from Debian packages only: a Debian kernel and a busybox initramfs whose
# init (guest-init.sh) mounts the anima's data disk, keeps a counter and a journal on it, prints a
# heartbeat on the serial console and answers the host on the virtio-serial channel org.zos.agent.0.
#
#   build-guest.sh OUT_DIR INIT_SCRIPT
#
# Output, in OUT_DIR/<key>/: vmlinuz, initrd.img, guest.properties. <key> is a digest of every input
# (this script, the init script, the exact kernel and busybox package versions), so a build with the same
# inputs is found in the cache and not made again, and two builds of the same inputs are byte-identical
# (fixed mtimes, sorted cpio, gzip -n). Prints the output directory on the last line of stdout.
set -euo pipefail
out_root=$1 init_script=$2
say() { printf 'build-guest: %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

for tool in apt-get apt-cache dpkg-deb cpio gzip depmod; do
  command -v "$tool" >/dev/null || die "$tool is missing; run scripts/setup-host"
done

kernel_pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
[ -n "$kernel_pkg" ] || die "no Debian kernel package found (linux-image-amd64); run 'apt-get update' and try again"
kernel_ver=$(apt-cache policy "$kernel_pkg" | awk '/Candidate:/{print $2}')
busybox_ver=$(apt-cache policy busybox-static | awk '/Candidate:/{print $2}')
[ -n "$busybox_ver" ] && [ "$busybox_ver" != "(none)" ] || die "busybox-static is not known to apt; run 'apt-get update'"

self_sum=$(sha256sum "$0" | cut -c1-64)
init_sum=$(sha256sum "$init_script" | cut -c1-64)
key=$(printf '%s\n' "$self_sum" "$init_sum" "$kernel_pkg=$kernel_ver" "busybox-static=$busybox_ver" | sha256sum | cut -c1-16)
out=$out_root/$key
if [ -f "$out/guest.properties" ]; then
  # cached: nothing to say
  echo "$out"; exit 0
fi

mkdir -p "$out_root"
work=$(mktemp -d "$out_root/.build-XXXXXX")
trap 'rm -rf "$work"' EXIT
say "kernel $kernel_pkg $kernel_ver, busybox-static $busybox_ver"
debs=$out_root/debs
mkdir -p "$debs"
( cd "$debs"
  ls "${kernel_pkg}_"*.deb >/dev/null 2>&1 || apt-get download -q "$kernel_pkg=$kernel_ver" >&2 2>/dev/null
  ls busybox-static_*.deb >/dev/null 2>&1 || apt-get download -q "busybox-static=$busybox_ver" >&2 2>/dev/null
) || die "could not download $kernel_pkg or busybox-static; check apt sources and run 'apt-get update'"

dpkg-deb -x "$(ls "$debs/${kernel_pkg}_"*.deb | tail -n1)" "$work/kernel"
dpkg-deb -x "$(ls "$debs"/busybox-static_*.deb | tail -n1)" "$work/busybox"
kver=${kernel_pkg#linux-image-}
depmod -b "$work/kernel" "$kver"

root=$work/root
mkdir -p "$root"/{bin,dev,proc,sys,data,etc,tmp,lib/modules/"$kver"}
cp "$work/busybox/bin/busybox" "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
  [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done
cp "$init_script" "$root/init"
chmod 0755 "$root/init"

# The drivers the guest needs, with everything they depend on, in load order.
modules="virtio_pci virtio_blk virtio_console crc32c_generic ext4"
: > "$root/etc/modules"
for m in $modules; do
  modprobe -d "$work/kernel" -S "$kver" --show-depends "$m" | awk '$1=="insmod"{print $2}' | while read -r ko; do
    rel=${ko#"$work/kernel"}
    grep -qxF "$rel" "$root/etc/modules" && continue
    mkdir -p "$root$(dirname "$rel")"
    cp "$ko" "$root$rel"
    echo "$rel" >> "$root/etc/modules"
  done
done

# Reproducible archive: fixed times, sorted names, no gzip timestamp.
find "$root" -exec touch -h -d @0 {} +
( cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --reproducible -R 0:0 --quiet | gzip -9n ) > "$work/initrd.img"
cp "$work/kernel/boot/vmlinuz-$kver" "$work/vmlinuz"
cat > "$work/guest.properties" <<PROPS
key=$key
kernel.package=$kernel_pkg=$kernel_ver
busybox.package=busybox-static=$busybox_ver
vmlinuz.sha256=$(sha256sum "$work/vmlinuz" | cut -c1-64)
initrd.sha256=$(sha256sum "$work/initrd.img" | cut -c1-64)
PROPS
mkdir -p "$out"
mv "$work/vmlinuz" "$work/initrd.img" "$out/"
mv "$work/guest.properties" "$out/guest.properties"   # last: its presence marks a complete build
chmod 0755 "$out"; chmod 0644 "$out"/*
say "built: $out ($(du -h "$out/initrd.img" | cut -f1) initrd)"
echo "$out"
