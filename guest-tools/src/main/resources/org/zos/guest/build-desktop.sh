#!/usr/bin/env bash
# Builds the zos desktop guest from Debian packages only: a Debian 12 system with a graphical session on
# the VM's own display (Xorg on QEMU's VGA, openbox, xterm), nano, the X11 everyday programs (xcalc,
# xclock), Xvfb + x11vnc for shared application windows, qemu-guest-agent, a user 'anima', and the zos
# guest agent (a jlink'd Java runtime + its jars) as a service on the virtio-serial channel org.zos.agent.0.
#
#   build-desktop.sh OUT_DIR AGENT_LIB_DIR
#
# Two stages, each cached by a digest of its inputs:
#   base-<key>/    the Debian root file system (mmdebstrap; about two minutes; this script, the package
#                  list and the candidate versions of the named packages and the kernel are its key)
#   desktop-<key>/ vmlinuz, initrd.img, rootfs.qcow2 (ext4, the guest's /dev/vda), guest.properties:
#                  the base plus the agent (its jars and this JDK's version are the rest of the key); a
#                  new agent costs about half a minute, not a new base.
# Prints the output directory on the last line of stdout.
set -euo pipefail
out_root=$1 agent_lib=$2
say() { printf 'build-desktop: %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

for tool in mmdebstrap apt-cache jlink mkfs.ext4 qemu-img; do
  command -v "$tool" >/dev/null || die "$tool is missing; run scripts/setup-host"
done
[ -d "$agent_lib" ] || die "no guest agent jars in $agent_lib"

packages=(linux-image-amd64 systemd-sysv udev dbus e2fsprogs procps
  xserver-xorg-core xserver-xorg-input-libinput xinit openbox xterm xfonts-base x11-apps x11-xserver-utils
  nano xvfb x11vnc xdotool qemu-guest-agent)
kernel_pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
[ -n "$kernel_pkg" ] || die "no Debian kernel package found (linux-image-amd64); run 'apt-get update' and try again"
versions=$(for p in "${packages[@]}" "$kernel_pkg"; do printf '%s=%s\n' "$p" "$(apt-cache policy "$p" | awk '/Candidate:/{print $2}')"; done)
self_sum=$(sha256sum "$0" | cut -c1-64)
stage1_sum=$(sed '/^# ---- stage 2/q' "$0" | sha256sum | cut -c1-64)   # a change to stage 2 keeps the base
base_key=$(printf '%s\n' "$stage1_sum" "$versions" | sha256sum | cut -c1-16)
base=$out_root/base-$base_key
mkdir -p "$out_root"

# ---- stage 1: the Debian system ------------------------------------------------------------------------
if [ ! -f "$base.done" ]; then
  say "building the desktop base system from Debian packages (mmdebstrap; about two minutes, once)"
  rm -rf "$base" "$base.tmp"
  hooks=$(mktemp -d)
  trap 'rm -rf "$hooks"' EXIT
  cat > "$hooks/customize" <<'HOOK'
#!/bin/sh
# Runs on the host with the new root as $1: the user, the services and the trimming.
set -eu
r=$1
chroot "$r" useradd --create-home --uid 1000 --shell /bin/bash --comment "the anima's user" anima
chroot "$r" passwd --lock root >/dev/null
echo anima > "$r/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 anima\n' > "$r/etc/hosts"
printf '/dev/vda / ext4 defaults,errors=remount-ro 0 1\n' > "$r/etc/fstab"
ln -sf /usr/share/zoneinfo/Etc/UTC "$r/etc/localtime"
mkdir -p "$r/data" "$r/var/lib/zos-guest" "$r/usr/local/lib/zos"
chroot "$r" chown anima:anima /data

# The serial heartbeat every zos guest gives (the host reads it from the console log).
cat > "$r/usr/local/lib/zos/heartbeat" <<'EOF'
#!/bin/sh
boot=$(cut -c1-8 /proc/sys/kernel/random/uuid)
echo "$boot" > /run/zos-boot
n=$(cat /var/lib/zos-guest/counter 2>/dev/null || echo 0)
echo "$(date -u +%FT%TZ) boot=$boot start n=$n" >> /var/lib/zos-guest/journal
while true; do
  n=$((n+1))
  echo "$n" > /var/lib/zos-guest/counter.new && mv /var/lib/zos-guest/counter.new /var/lib/zos-guest/counter
  echo "zos-heartbeat boot=$boot n=$n" > /dev/ttyS0
  sleep 1
done
EOF
# The session on the VM's own display: X as root, the desktop as the user.
cat > "$r/usr/local/lib/zos/session" <<'EOF'
#!/bin/sh
xhost +si:localuser:anima >/dev/null
xsetroot -solid '#2e3440'
exec runuser -u anima -- env HOME=/home/anima USER=anima DISPLAY=:0 openbox-session
EOF
mkdir -p "$r/home/anima/.config/openbox"
echo 'xterm -geometry 100x30+40+40 &' > "$r/home/anima/.config/openbox/autostart"
chroot "$r" chown -R anima:anima /home/anima/.config
chmod 0755 "$r/usr/local/lib/zos/heartbeat" "$r/usr/local/lib/zos/session"

cat > "$r/etc/systemd/system/zos-heartbeat.service" <<'EOF'
[Unit]
Description=zos heartbeat on the serial console
[Service]
ExecStart=/usr/local/lib/zos/heartbeat
Restart=always
[Install]
WantedBy=multi-user.target
EOF
cat > "$r/etc/systemd/system/zos-display.service" <<'EOF'
[Unit]
Description=zos desktop on the VM's display
After=systemd-user-sessions.service
[Service]
ExecStart=/usr/bin/xinit /usr/local/lib/zos/session -- /usr/bin/Xorg :0 vt7 -nolisten tcp -noreset -keeptty
Restart=always
RestartSec=2
[Install]
WantedBy=multi-user.target
EOF
cat > "$r/etc/systemd/system/zos-growfs.service" <<'EOF'
[Unit]
Description=grow the root file system to its disk
[Service]
Type=oneshot
ExecStart=/sbin/resize2fs /dev/vda
[Install]
WantedBy=multi-user.target
EOF
cat > "$r/etc/systemd/system/zos-guest-agent.service" <<'EOF'
[Unit]
Description=zos guest agent on virtio-serial org.zos.agent.0
After=zos-display.service
[Service]
User=anima
ExecStart=/opt/zos/bin/zos-guest-agent
Restart=always
RestartSec=1
[Install]
WantedBy=multi-user.target
EOF
echo 'SUBSYSTEM=="virtio-ports", ATTR{name}=="org.zos.agent.0", OWNER="anima", MODE="0600"' \
  > "$r/etc/udev/rules.d/60-zos-agent.rules"
for s in zos-heartbeat zos-display zos-growfs zos-guest-agent; do
  ln -sf "/etc/systemd/system/$s.service" "$r/etc/systemd/system/multi-user.target.wants/$s.service"
done
# Nothing waits for a network the anima does not have; no timers wake it while suspended.
rm -f "$r/etc/systemd/system/timers.target.wants/"*
# Kernel modules a VM never loads: sound, wireless, cameras, InfiniBand, real GPUs.
for d in sound net/wireless drivers/net/wireless drivers/media drivers/infiniband drivers/gpu/drm/amd \
         drivers/gpu/drm/nouveau drivers/gpu/drm/radeon drivers/gpu/drm/i915 drivers/net/ethernet drivers/staging \
         drivers/bluetooth net/bluetooth drivers/isdn drivers/iio; do
  rm -rf "$r"/usr/lib/modules/*/kernel/$d
done
kver=$(ls "$r/usr/lib/modules")
chroot "$r" depmod "$kver"
chroot "$r" update-initramfs -u -k "$kver" >/dev/null 2>&1
rm -rf "$r/var/cache/apt/"*.bin "$r/var/lib/apt/lists/"* "$r/var/log/"*.log "$r/etc/machine-id"
: > "$r/etc/machine-id"
HOOK
  chmod 0755 "$hooks/customize"
  # Fixed times make two builds of the same packages alike.
  SOURCE_DATE_EPOCH=1700000000 mmdebstrap --quiet --variant=apt --components=main \
    --include="$(IFS=,; echo "${packages[*]}")" \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*' \
    --customize-hook="$hooks/customize \"\$1\"" \
    bookworm "$base.tmp" >&2
  mv "$base.tmp" "$base"
  printf '%s\n' "$versions" > "$base.done"
  say "base system ready: $(du -sh "$base" | cut -f1)"
fi

# ---- stage 2: the agent and the disk -------------------------------------------------------------------
jdk=$(java -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.runtime.version/{print $2}')
agent_sum=$( (cd "$agent_lib" && sha256sum -- *.jar | LC_ALL=C sort -k2) | sha256sum | cut -c1-64)
key=$(printf '%s\n' "$base_key" "$agent_sum" "$jdk" "$self_sum" | sha256sum | cut -c1-16)
out=$out_root/desktop-$key
if [ -f "$out/guest.properties" ]; then
  touch "$out" "$base.done"   # in use: kept by the clean-up below
  echo "$out"; exit 0
fi
work=$(mktemp -d "$out_root/.desktop-XXXXXX")
trap 'rm -rf "$work"' EXIT
say "adding the zos guest agent (jars digest ${agent_sum:0:12}, JDK $jdk)"
cp -a "$base" "$work/root"
r=$work/root
mkdir -p "$r/opt/zos/lib" "$r/opt/zos/bin"
jlink --add-modules java.base,java.logging --strip-debug --no-man-pages --no-header-files --compress=2 \
  --output "$r/opt/zos/runtime"
cp "$agent_lib"/*.jar "$r/opt/zos/lib/"
cat > "$r/opt/zos/bin/zos-guest-agent" <<'EOF'
#!/bin/sh
exec /opt/zos/runtime/bin/java -Xmx64m -Xss512k -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
  -cp '/opt/zos/lib/*' org.zos.guest.agent.GuestAgent --port /dev/virtio-ports/org.zos.agent.0 --data /data
EOF
chmod 0755 "$r/opt/zos/bin/zos-guest-agent"
# The window manager of each app's own display: no decorations, every window maximized, so a viewer sees
# the program's window and nothing around it.
mkdir -p "$r/opt/zos/share"
cat > "$r/opt/zos/share/app-openbox.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<openbox_config xmlns="http://openbox.org/3.4/rc">
  <theme><name>Clearlooks</name><titleLayout></titleLayout></theme>
  <desktops><number>1</number></desktops>
  <margins><top>0</top><bottom>0</bottom><left>0</left><right>0</right></margins>
  <applications>
    <application class="*" type="normal"><decor>no</decor><maximized>yes</maximized><focus>yes</focus></application>
    <application class="ZosNotice"><decor>no</decor><maximized>no</maximized><focus>no</focus><layer>above</layer>
      <position force="yes"><x>0</x><y>0</y></position></application>
  </applications>
</openbox_config>
EOF
kver=$(ls "$r/usr/lib/modules")
cp "$r/boot/vmlinuz-$kver" "$work/vmlinuz"
cp "$r/boot/initrd.img-$kver" "$work/initrd.img"
# The root disk: sized to what it holds plus room; the guest grows its file system to the disk at boot.
used=$(du -sm "$r" | cut -f1)
size=$(( used + used / 2 + 256 ))
truncate -s "${size}M" "$work/rootfs.raw"
E2FSPROGS_FAKE_TIME=1700000000 mkfs.ext4 -q -F -L zos-root -U 5a05a05a-0000-4000-8000-000000000001 \
  -E hash_seed=5a05a05a-0000-4000-8000-000000000002,root_owner=0:0 -d "$r" "$work/rootfs.raw"
qemu-img convert -q -f raw -O qcow2 "$work/rootfs.raw" "$work/rootfs.qcow2"
rm -f "$work/rootfs.raw"
cat > "$work/guest.properties" <<PROPS
key=$key
kind=desktop
kernel.package=$(grep "^$kernel_pkg=" <<<"$versions")
cmdline=root=/dev/vda rw console=ttyS0 quiet systemd.show_status=0 init_on_free=1
rootfs.mib=$size
vmlinuz.sha256=$(sha256sum "$work/vmlinuz" | cut -c1-64)
initrd.sha256=$(sha256sum "$work/initrd.img" | cut -c1-64)
PROPS
mkdir -p "$out"
mv "$work/vmlinuz" "$work/initrd.img" "$work/rootfs.qcow2" "$out/"
mv "$work/guest.properties" "$out/guest.properties"   # last: its presence marks a complete build
chmod 0755 "$out"; chmod 0644 "$out"/*
say "built: $out ($(du -h "$out/rootfs.qcow2" | cut -f1) root disk)"
# Builds of other inputs not used for two days go: each holds about a gigabyte.
find "$out_root" -maxdepth 1 \( -name 'base-*' -o -name 'desktop-*' \) -mtime +2 ! -name "base-$base_key*" \
  ! -name "desktop-$key" -exec rm -rf {} + 2>/dev/null || true
echo "$out"
