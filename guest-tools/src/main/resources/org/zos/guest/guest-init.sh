#!/bin/sh
# init of the zos default guest (busybox). Mounts the data disk /dev/vda at /data, keeps a counter and a
# journal there, prints one heartbeat a second on the serial console and answers the host on the
# virtio-serial channel org.zos.agent.0 (guest channel v0: one request line, one reply line).
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
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

# guest channel v0: ping | write NAME TEXT | read NAME | warm | churn MIB | poweroff; replies: pong/ok/data/err. The port can be
# open only once at a time, so it is opened once, for reading and writing.
serve() {
  port=/dev/virtio-ports/org.zos.agent.0
  [ -e "$port" ] || return
  while true; do
    if exec 3<>"$port"; then
      while read -r cmd name text <&3; do
        case "$cmd" in
          ping) echo "pong boot=$boot n=$(cat /data/counter)" >&3 ;;
          write|read)
            case "$name" in *[!A-Za-z0-9._-]*|'') echo "err bad name" >&3; continue ;; esac
            if [ "$cmd" = write ]; then
              { echo "$text" > "/data/$name" && sync && echo "ok" || echo "err write failed"; } >&3
            elif [ -f "/data/$name" ]; then echo "data $(head -n1 "/data/$name")" >&3
            else echo "err no such file" >&3; fi ;;
          warm)
            # read every file once, so the data disk sits in the guest's page cache
            { find /data -type f -exec cat {} + > /dev/null 2>&1; echo "ok"; } >&3 ;;
          churn)
            # write about $name MiB of new file data (base64 of random bytes) under /data/churn
            case "$name" in *[!0-9]*|'') echo "err churn needs a size in MiB" >&3; continue ;; esac
            mkdir -p /data/churn
            { dd if=/dev/urandom bs=1024 count=$((name * 768)) 2>/dev/null | base64 > "/data/churn/c$(date +%s)-$RANDOM" \
                && sync && echo "ok" || echo "err churn failed"; } >&3 ;;
          poweroff)
            echo "ok" >&3; sync; umount /data; poweroff -f ;;
          *) echo "err unknown command" >&3 ;;
        esac
      done
      exec 3>&-
    fi
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
