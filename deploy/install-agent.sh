#!/bin/sh
# Installs the roomwatch agent as a systemd service on a Linux host:
# a system user, /opt/roomwatch/roomwatch-agent.mjs, /etc/roomwatch/agent.yaml
# (only if there is none), the spool under /var/lib/roomwatch, and the unit.
# Running it again upgrades the bundle and the unit and keeps agent.yaml.
#
#   sudo sh deploy/install-agent.sh --bundle dist/roomwatch-agent.mjs [--config agent.yaml] [--no-start]
#   sh deploy/install-agent.sh --root /tmp/scratch ...   # into a scratch root (tests, images)
set -eu

usage() {
  cat <<USAGE
usage: install-agent.sh --bundle FILE [--config FILE] [--unit FILE] [--node PATH] [--user NAME] [--root DIR] [--no-start]
  --bundle FILE   the single-file agent (dist/roomwatch-agent.mjs after npm run build)
  --config FILE   agent.yaml to install when /etc/roomwatch/agent.yaml does not exist yet
  --unit FILE     the unit file (default: roomwatch-agent.service beside this script)
  --node PATH     Node.js >= 20 (default: the node on PATH)
  --user NAME     the service account (default: roomwatch)
  --root DIR      install under DIR instead of / (nothing is started)
  --no-start      install and enable, but do not (re)start the service
USAGE
}

here=$(cd "$(dirname "$0")" && pwd)
bundle= config= unit="$here/systemd/roomwatch-agent.service" node= user=roomwatch root= start=yes
while [ $# -gt 0 ]; do
  case "$1" in
    --bundle) bundle=$2; shift 2 ;;
    --config) config=$2; shift 2 ;;
    --unit) unit=$2; shift 2 ;;
    --node) node=$2; shift 2 ;;
    --user) user=$2; shift 2 ;;
    --root) root=${2%/}; start=no; shift 2 ;;
    --no-start) start=no; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install-agent.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
fail() { echo "install-agent.sh: $*" >&2; exit 1; }
[ -n "$bundle" ] || { usage >&2; exit 2; }
[ -f "$bundle" ] || fail "no bundle at $bundle (run npm run build first)"
[ -f "$unit" ] || fail "no unit file at $unit"
[ -z "$config" ] || [ -f "$config" ] || fail "no configuration at $config"
node=${node:-$(command -v node || true)}
[ -n "$node" ] && [ -x "$node" ] || fail "Node.js not found; give --node PATH"
major=$("$node" -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 20 ] || fail "Node.js $("$node" --version) is too old; roomwatch needs 20 or newer"

# The service account: a system user with no shell and no home.
if ! grep -q "^$user:" "$root/etc/passwd" 2>/dev/null; then
  if [ -n "$root" ]; then useradd --root "$root" --system --no-create-home --shell /usr/sbin/nologin --user-group "$user"
  else useradd --system --no-create-home --shell /usr/sbin/nologin --user-group "$user"; fi
  echo "created user $user"
fi

install -d -m 0755 "$root/opt/roomwatch" "$root/etc/systemd/system"
install -d -m 0750 "$root/etc/roomwatch"
install -d -m 0750 "$root/var/lib/roomwatch" "$root/var/lib/roomwatch/spool"
install -m 0644 "$bundle" "$root/opt/roomwatch/roomwatch-agent.mjs"
if [ ! -f "$root/etc/roomwatch/agent.yaml" ]; then
  if [ -n "$config" ]; then
    install -m 0640 "$config" "$root/etc/roomwatch/agent.yaml"
    echo "installed $config as /etc/roomwatch/agent.yaml"
  else
    echo "no /etc/roomwatch/agent.yaml yet: write one (spool.dir: /var/lib/roomwatch/spool) before starting" >&2
  fi
fi
# The unit with this host's node; written only when it changed, so a rerun is a no-op.
tmp_unit=$(mktemp)
sed -e "s#/usr/bin/node #$node #g" -e "s#^User=roomwatch#User=$user#" -e "s#^Group=roomwatch#Group=$user#" "$unit" >"$tmp_unit"
if ! cmp -s "$tmp_unit" "$root/etc/systemd/system/roomwatch-agent.service" 2>/dev/null; then
  install -m 0644 "$tmp_unit" "$root/etc/systemd/system/roomwatch-agent.service"
  echo "installed /etc/systemd/system/roomwatch-agent.service"
fi
rm -f "$tmp_unit"

if [ -n "$root" ]; then
  chown -R "$(grep "^$user:" "$root/etc/passwd" | cut -d: -f3):$(grep "^$user:" "$root/etc/group" | cut -d: -f3)" "$root/var/lib/roomwatch"
else
  chown -R "$user:$user" /var/lib/roomwatch
  chgrp "$user" /etc/roomwatch
  [ ! -f /etc/roomwatch/agent.yaml ] || chgrp "$user" /etc/roomwatch/agent.yaml
  systemctl daemon-reload
  systemctl enable roomwatch-agent.service
  if [ "$start" = yes ] && [ -f /etc/roomwatch/agent.yaml ]; then systemctl restart roomwatch-agent.service; fi
fi
echo "roomwatch agent installed${root:+ under $root}"
