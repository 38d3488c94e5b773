#!/bin/sh
# The command of a zos cluster host container (run under docker's --init): prepares libvirt for an
# unprivileged container, starts virtlogd and libvirtd (also listening on TCP, for the baseline
# 'virsh migrate' between hosts), shapes eth0 when ZOS_BANDWIDTH is set, provisions zos (provision-host.sh),
# starts sshd, then runs zos-agent in the foreground, logging to /var/log/zos/agent.log.
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
# zos itself: its Debian package, installed as on any Debian host (group zos, directories, the command
# line's class-data archive), and the cluster's identity, site authority and hosts: provision-host.sh,
# the one provisioning path of zos-vm cluster and Vagrant. No systemd here, so the agent is started below.
if [ -f /opt/zos/provision-host.sh ]; then
  sh /opt/zos/provision-host.sh /opt/zos 2>>/var/log/zos/install.log || { cat /var/log/zos/install.log >&2; exit 1; }
fi
# sshd, for 'vagrant ssh' (root, by the key the Vagrantfile mounts as authorized_keys; nobody else).
if [ -x /usr/sbin/sshd ]; then
  ssh-keygen -A >/dev/null 2>&1
  mkdir -p /run/sshd
  /usr/sbin/sshd
fi
# As systemd's Restart=on-failure would: an agent that dies (killed, or a fault test's halt) starts again,
# while libvirtd and the guests it runs go on.
desktop=
[ -f /opt/zos/guest-desktop/guest.properties ] && desktop="--desktop-guest /opt/zos/guest-desktop"
while true; do
  # shellcheck disable=SC2086
  /usr/bin/zos-agent --name "$(hostname)" --console-bind 0.0.0.0 --guest /opt/zos/guest $desktop >>/var/log/zos/agent.log 2>&1 || true
  echo "host-boot: zos-agent exited; starting it again in 1 s" >>/var/log/zos/agent.log
  sleep 1
done
