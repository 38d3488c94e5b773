#!/usr/bin/env bash
# A one-node Ceph cluster with its RADOS Gateway, started inside the container (no systemd, no cephadm):
# one monitor, one manager, one OSD on memstore (RAM; an unprivileged container has no block device for
# BlueStore) and radosgw on port 7480 with an S3 user whose keys come from the environment
# (ZOS_S3_ACCESS, ZOS_S3_SECRET). Writes /var/run/ceph/ready when the gateway answers.
set -euo pipefail
say() { printf 'ceph: %s\n' "$*"; }
ip=$(hostname -I | awk '{print $1}')
fsid=$(cat /proc/sys/kernel/random/uuid)
mkdir -p /etc/ceph /var/lib/ceph/mon/ceph-a /var/lib/ceph/osd/ceph-0 /var/lib/ceph/mgr/ceph-x /var/run/ceph /var/log/ceph
cat > /etc/ceph/ceph.conf <<CONF
[global]
fsid = $fsid
mon initial members = a
mon host = $ip
public network = $ip/32
auth cluster required = none
auth service required = none
auth client required = none
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
mon allow pool size one = true
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
osd objectstore = memstore
memstore device bytes = ${ZOS_CEPH_BYTES:-2147483648}
osd max object name len = 256
osd max object namespace len = 64
log to stderr = false
err to stderr = true
[client.rgw.a]
rgw frontends = beast port=7480
rgw dns name = $ip
CONF
ceph-authtool --create-keyring /tmp/mon.keyring --gen-key -n mon. --cap mon 'allow *' >/dev/null
monmaptool --create --add a "$ip" --fsid "$fsid" /tmp/monmap >/dev/null
ceph-mon --mkfs -i a --monmap /tmp/monmap --keyring /tmp/mon.keyring
ceph-mon -i a
say "monitor up"
ceph mgr module disable dashboard >/dev/null 2>&1 || true
ceph-mgr -i x
uuid=$(cat /proc/sys/kernel/random/uuid)
osd=$(ceph osd create "$uuid")
ceph-osd -i "$osd" --mkfs --osd-uuid "$uuid" >/dev/null
# The OSD's first boot can be refused while the monitor still commits its first maps ("wrong fsid"):
# it is started again then.
for try in 1 2 3 4 5; do
  ceph-osd -i "$osd" && break
  [ "$try" = 5 ] && { echo "error: osd.$osd does not start" >&2; exit 1; }
  say "osd.$osd did not start (try $try); again"
  sleep 2
done
for i in $(seq 120); do
  ceph osd stat 2>/dev/null | grep -q '1 up' && break
  sleep 1
done
say "osd.$osd up"
radosgw -n client.rgw.a
for i in $(seq 180); do
  curl -fsS -o /dev/null "http://127.0.0.1:7480/" 2>/dev/null && break
  sleep 1
done
radosgw-admin user create --uid zos --display-name 'zos parcels' \
  --access-key "${ZOS_S3_ACCESS:?}" --secret-key "${ZOS_S3_SECRET:?}" >/dev/null
touch /var/run/ceph/ready
say "radosgw up at http://$ip:7480"
exec sleep infinity
