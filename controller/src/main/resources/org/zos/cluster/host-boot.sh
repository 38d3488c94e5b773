#!/bin/sh
# The command of a zos cluster host container (run under docker's --init): prepares libvirt for an
# unprivileged container, starts virtlogd and libvirtd (also listening on TCP, for the baseline
# 'virsh migrate' between hosts), shapes eth0 when ZOS_BANDWIDTH is set, then runs zos-agent in the
# foreground, logging to /var/log/zos/agent.log.
set -eu
mkdir -p /var/log/libvirt /run/libvirt /var/lib/zos /etc/zos /var/log/zos
if ! grep -q '^# zos cluster' /etc/libvirt/qemu.conf; then
  cat >>/etc/libvirt/qemu.conf <<'CONF'
# zos cluster: an unprivileged container has no cgroup or security-label control
security_driver = "none"
cgroup_controllers = [ ]
remember_owner = 0
dynamic_ownership = 0
user = "root"
group = "root"
CONF
  cat >>/etc/libvirt/libvirtd.conf <<'CONF'
# zos cluster: the baseline 'virsh migrate' connects between hosts over plain TCP
listen_tls = 0
listen_tcp = 1
auth_tcp = "none"
CONF
fi
/usr/sbin/virtlogd -d
/usr/sbin/libvirtd -d --listen
i=0
while [ ! -S /run/libvirt/libvirt-sock ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
if [ -n "${ZOS_BANDWIDTH:-}" ]; then
  tc qdisc replace dev eth0 root tbf rate "$ZOS_BANDWIDTH" burst 64kb latency 400ms
fi
# zos-vm starts in about half the time with a class-data archive of its own classes (made on first use)
# and the quick compiler only (its commands are short; the agent does the work).
cat >/usr/local/bin/zos-vm <<'SH'
#!/bin/sh
jsa=/var/cache/zos/zos-vm.jsa
opts="-XX:TieredStopAtLevel=1 -Xlog:cds=off -Xlog:cds+dynamic=off"
if [ -f "$jsa" ]; then
  exec java -XX:SharedArchiveFile="$jsa" $opts -jar /opt/zos/zos-vm.jar "$@"
fi
mkdir -p /var/cache/zos
java -XX:ArchiveClassesAtExit="$jsa.$$" $opts -jar /opt/zos/zos-vm.jar "$@"
rc=$?
mv -f "$jsa.$$" "$jsa" 2>/dev/null
exit $rc
SH
cat >/usr/local/bin/zos-agent <<'SH'
#!/bin/sh
exec java -cp /opt/zos/zos-vm.jar org.zos.agent.daemon.ZosAgent "$@"
SH
chmod 0755 /usr/local/bin/zos-vm /usr/local/bin/zos-agent
# As systemd's Restart=on-failure would: an agent that dies (killed, or a fault test's halt) starts again,
# while libvirtd and the guests it runs go on.
desktop=
[ -f /opt/zos/guest-desktop/guest.properties ] && desktop="--desktop-guest /opt/zos/guest-desktop"
while true; do
  # shellcheck disable=SC2086
  /usr/local/bin/zos-agent --name "$(hostname)" --console-bind 0.0.0.0 --guest /opt/zos/guest $desktop >>/var/log/zos/agent.log 2>&1 || true
  echo "host-boot: zos-agent exited; starting it again in 1 s" >>/var/log/zos/agent.log
  sleep 1
done
