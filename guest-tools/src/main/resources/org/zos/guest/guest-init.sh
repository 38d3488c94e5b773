#!/bin/sh
# init of the zos default guest (busybox). Mounts the data disk /dev/vda at /data, keeps a counter and a
# journal there, prints one heartbeat a second on the serial console and answers the host on the
# virtio-serial channel org.zos.agent.0 (guest channel v1, control requests only).
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
echo 1 > /proc/sys/kernel/sysrq   # the host may ask, by key, what every task waits for (ClusterAnima.whyNoHeartbeat)
while read -r ko; do insmod "$ko" 2>/dev/null; done < /etc/modules

i=0
while [ ! -b /dev/vda ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
if ! mount -t ext4 -o data=ordered /dev/vda /data; then
  echo "zos-guest: error: cannot mount the data disk /dev/vda" > /dev/console
fi

mkdir -p /dev/virtio-ports
for p in /sys/class/virtio-ports/*; do
  [ -f "$p/name" ] && ln -sf "/dev/${p##*/}" "/dev/virtio-ports/$(cat "$p/name")"
done

boot=$(cut -c1-8 /proc/sys/kernel/random/uuid)
n=$(cat /data/counter 2>/dev/null || echo 0)
echo "$(date -u +%FT%TZ) boot=$boot start n=$n" >> /data/journal
sync

# Guest channel v1 (docs/protocol.md, "Guest channel"): frames "Z1 KIND STREAM LENGTH" LF payload. This
# guest answers hello and the control requests ping, write, read, warm, churn, dirty and poweroff; it opens no
# streams. The port can be open only once at a time, so it is opened once, for reading and writing.
frame() { # KIND STREAM JSON
  printf 'Z1 %s %s %d\n%s\n' "$1" "$2" $(( $(printf '%s' "$3" | wc -c) + 1 )) "$3" >&3
}
field() { # NAME JSON: a string or number field of a request, as the host writes them
  printf '%s' "$2" | sed -n "s/.*\"$1\":\"\{0,1\}\([^\"\\\\,}]*\)\"\{0,1\}[,}].*/\1/p"
}
esc() { printf '%s' "$1" | tr -d '\000-\037' | sed 's/\\/\\\\/g; s/"/\\"/g'; }
answer() { # JSON request
  id=$(field id "$1"); op=$(field op "$1"); name=$(field name "$1")
  case "$id" in ''|*[!0-9]*) return ;; esac
  ok() { frame ctl 0 "{\"id\":$id,\"ok\":true,\"text\":\"$(esc "$1")\"}"; }
  err() { frame ctl 0 "{\"id\":$id,\"ok\":false,\"error\":\"$(esc "$1")\"}"; }
  case "$op" in
    ping) ok "pong boot=$boot n=$(cat /data/counter) up=$(cut -d' ' -f1 /proc/uptime) vda=$(tr -s ' ' < /sys/block/vda/inflight)" ;;
    write|read)
      case "$name" in *[!A-Za-z0-9._-]*|'') err "bad name"; return ;; esac
      if [ "$op" = write ]; then
        text=$(printf '%s' "$1" | sed -n 's/.*"text":"\(.*\)"}$/\1/p')
        case "$text" in *\\*) err "the mini guest takes text without backslashes or quotes"; return ;; esac
        if echo "$text" > "/data/$name" && sync; then ok ok; else err "write failed"; fi
      elif [ -f "/data/$name" ]; then ok "data $(head -n1 "/data/$name")"
      else err "no such file"; fi ;;
    warm)
      # read every file once, so the data disk sits in the guest's page cache
      find /data -type f -exec cat {} + > /dev/null 2>&1; ok ok ;;
    churn)
      # write about MIB MiB of new file data (base64 of random bytes) under /data/churn
      mib=$(field mib "$1")
      case "$mib" in *[!0-9]*|'') err "churn needs a size in MiB"; return ;; esac
      mkdir -p /data/churn
      if dd if=/dev/urandom bs=1024 count=$((mib * 768)) 2>/dev/null | base64 > "/data/churn/c$(date +%s)-$RANDOM" && sync
      then ok ok; else err "churn failed"; fi ;;
    dirty)
      # rewrite MIB MiB of random bytes in memory (a file in the RAM root) over and over for SECONDS
      # seconds, in the background: a guest that dirties memory faster than a slow link takes it
      mib=$(field mib "$1"); secs=$(field seconds "$1")
      case "$mib$secs" in *[!0-9]*|'') err "dirty needs a size in MiB and seconds"; return ;; esac
      dd if=/dev/urandom of=/tmp/dirty.src bs=1048576 count="$mib" 2>/dev/null
      end=$(( $(date +%s) + secs ))
      ( while [ "$(date +%s)" -lt "$end" ]; do dd if=/tmp/dirty.src of=/tmp/dirty bs=1048576 conv=notrunc 2>/dev/null; done
        rm -f /tmp/dirty /tmp/dirty.src ) </dev/null >/dev/null 2>&1 &
      ok ok ;;
    poweroff)
      ok ok; sync; umount /data; poweroff -f ;;
    *) err "unknown request '$op'" ;;
  esac
}
serve() {
  port=/dev/virtio-ports/org.zos.agent.0
  [ -e "$port" ] || return
  # Opened once for the guest's whole life: while no host is connected reads end at once, and the port
  # stays open, so what a new host sends first is not discarded.
  exec 3<>"$port" || return
  while true; do
    while read -r z kind stream len <&3; do
      [ "$z" = Z1 ] || continue
      case "$len" in ''|*[!0-9]*) continue ;; esac
      case "$kind" in
        data|credit) dd bs=1 count="$len" <&3 >/dev/null 2>&1; continue ;;
      esac
      IFS= read -r p <&3
      case "$kind" in
        hello) frame hello 0 '{"version":1,"agent":"zos-mini 1","guest":"mini","features":[]}' ;;
        ctl) answer "$p" ;;
        open) frame close "$stream" '{"error":"the mini guest has no streams"}' ;;
      esac
    done
    sleep 0.5   # the host is not connected: reads end at once; try again shortly
  done
}
serve 2>/dev/null &

while true; do
  n=$((n+1))
  echo "$n" > /data/counter.new && mv /data/counter.new /data/counter && sync
  echo "zos-heartbeat boot=$boot n=$n" > /dev/console
  sleep 1
done
