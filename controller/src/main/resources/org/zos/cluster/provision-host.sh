#!/bin/sh
# Makes this machine a host of a zos test cluster: the one provisioning path of 'zos-vm cluster' (run by
# host-boot.sh as each container boots) and of the Vagrant cluster (run by Vagrant's shell provisioner on
# each machine, docker or libvirt). Idempotent. Everything it needs was made beforehand on the machine
# that runs the cluster ('zos-vm cluster prepare', which 'cluster up' and the Vagrantfile call):
#
#   SRC/zos.deb          zos's Debian package            -> installed (dpkg -i) unless that version is
#   SRC/identity/        this host's identity (host.key, host.crt) and its endorsement by the cluster's
#                        site authority                   -> /etc/zos/identity
#   SRC/site/ca.crt      the site authority's certificate -> trusted ('zos-vm ca install'); its revocation
#                        list is fetched from SRC/site/crl.pem (the authority's CRL distribution point)
#   SRC/hosts.list       "<address> <name>" per host       -> /etc/hosts, known_hosts ("site": no pins) and
#                        zpasswd (root of every other host may dominate this one fully)
#   SRC/guest/           the default guest, prebuilt       -> the agent's --guest (/etc/default/zos-agent)
#
# Under systemd it then (re)starts the zos-agent service; without, host-boot.sh starts the agent after it
# (with --guest itself).
#
#   provision-host.sh [SRC]        (default SRC: /opt/zos)
set -eu
src=${1:-/opt/zos}
say() { printf 'provision-host: %s\n' "$*" >&2; }
mkdir -p /etc/zos /var/log/zos

if [ -f "$src/zos.deb" ] && [ "$(dpkg-query -W -f '${Version}' zos 2>/dev/null || true)" != "$(dpkg-deb -f "$src/zos.deb" Version)" ]; then
  say "installing $(dpkg-deb -f "$src/zos.deb" Package) $(dpkg-deb -f "$src/zos.deb" Version)"
  dpkg -i "$src/zos.deb" >>/var/log/zos/install.log 2>&1 || { cat /var/log/zos/install.log >&2; exit 1; }
fi

changed=
if [ -f "$src/identity/host.key" ]; then
  install -d -m 0755 /etc/zos/identity
  for f in host.key host.crt endorsement.crt; do
    [ -f "$src/identity/$f" ] || continue
    if ! cmp -s "$src/identity/$f" "/etc/zos/identity/$f"; then
      mode=0644; [ "$f" = host.key ] && mode=0600
      install -m "$mode" "$src/identity/$f" "/etc/zos/identity/$f"
      changed=1
    fi
  done
fi

if [ -f "$src/site/ca.crt" ]; then
  zos-vm ca install "$src/site/ca.crt" >/dev/null
fi

if [ -f "$src/hosts.list" ]; then
  me=$(hostname)
  known="# written by provision-host.sh: the cluster's hosts, trusted through its site authority\n"
  access="# user master control (written by provision-host.sh)\n"
  while read -r address name; do
    case "$address" in ''|'#'*) continue ;; esac
    grep -q "[[:space:]]$name\$" /etc/hosts || printf '%s %s\n' "$address" "$name" >>/etc/hosts
    [ "$name" = "$me" ] && continue
    known="$known$name $address site\n"
    access="${access}root $name full\n"
  done <"$src/hosts.list"
  printf '%b' "$known" >/etc/zos/known_hosts.tmp && mv /etc/zos/known_hosts.tmp /etc/zos/known_hosts
  # An access list someone edited by hand stays as it is.
  if [ ! -f /etc/zos/zpasswd ] || head -n1 /etc/zos/zpasswd | grep -q 'provision-host.sh'; then
    printf '%b' "$access" >/etc/zos/zpasswd.tmp && mv /etc/zos/zpasswd.tmp /etc/zos/zpasswd
  fi
fi

if [ -d /run/systemd/system ]; then
  # The cluster's prebuilt guest, so the agent need not build one (a test host has no mirror).
  if [ -f "$src/guest/vmlinuz" ]; then
    options="ZOS_AGENT_OPTIONS=\"--guest $src/guest\""
    if [ "$(cat /etc/default/zos-agent 2>/dev/null)" != "$options" ]; then
      printf '%s\n' "$options" >/etc/default/zos-agent
      changed=1
    fi
  fi
  systemctl enable --quiet zos-agent
  if [ -n "$changed" ] || ! systemctl --quiet is-active zos-agent; then
    systemctl restart zos-agent
  fi
fi
say "$(hostname) is a zos host$( [ -f /etc/zos/identity/endorsement.crt ] && echo ', endorsed by the cluster authority')"
