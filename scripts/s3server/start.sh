#!/usr/bin/env bash
# Starts a throwaway S3-compatible server for the tests: OpenStack Swift (Debian's swift-proxy,
# swift-account, swift-container, swift-object) with its s3api middleware and tempauth, on
# 127.0.0.1 and free ports, with its config, rings and one device dir in a new temp dir.
# Prints one line of JSON when the server answers S3 requests:
#   {"endpoint":"http://127.0.0.1:PORT","region":"us-east-1","accessKeyId":"…",
#    "secretAccessKey":"…","dir":"/tmp/casevault-s3.XXXX"}
# Stop it with `scripts/s3server/stop.sh DIR`. With `--parent PID` it also stops itself when
# that process is gone (a test runner killed with -9 leaves no servers behind).
# Everything the servers log is in DIR/log/.
set -euo pipefail

parent=""
if [ "${1:-}" = "--parent" ]; then parent="$2"; fi

py=/usr/bin/python3 # Debian's python, the one with the swift module (not a pyenv shim)
for bin in swift-ring-builder swift-proxy-server swift-account-server swift-container-server swift-object-server; do
  command -v "$bin" >/dev/null 2>&1 || { echo "s3server: $bin is missing: apt-get install swift-proxy swift-account swift-container swift-object" >&2; exit 1; }
done

dir="$(mktemp -d "${TMPDIR:-/tmp}/casevault-s3.XXXXXX")"
mkdir -p "$dir/etc" "$dir/srv/d1" "$dir/run" "$dir/log" "$dir/cache"
fail() {
  echo "s3server: $1 (logs in $dir/log)" >&2
  tail -n 20 "$dir"/log/*.log >&2 || true
  "$(dirname "$0")/stop.sh" "$dir" --keep >/dev/null 2>&1 || true
  exit 1
}

# Swift keeps object metadata in user xattrs (in chunks of 254 bytes): refuse a dir without them.
"$py" - "$dir/srv/d1" <<'EOF' || fail "the device dir's file system does not take user xattrs"
import os, sys
p = os.path.join(sys.argv[1], '.xattr-probe')
open(p, 'w').close()
os.setxattr(p, 'user.swift.metadata', b'x' * 254)
os.unlink(p)
EOF

# Four free ports, chosen by the kernel (bound to port 0, then released).
read -r proxy_port account_port container_port object_port < <("$py" -c '
import socket
socks = [socket.socket() for _ in range(4)]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))')

user="$(id -un)"
account="casevault"
tester="tester"
secret="$("$py" -c 'import secrets; print(secrets.token_hex(16))')"
suffix="$("$py" -c 'import secrets; print(secrets.token_hex(8))')"
etc="$dir/etc"

cat >"$etc/swift.conf" <<EOF
[swift-hash]
swift_hash_path_suffix = $suffix
swift_hash_path_prefix = casevault

[storage-policy:0]
name = Policy-0
default = yes
EOF

# Settings every server shares: run as whoever runs this script, no mount check (the device is
# a plain dir), one process each (workers = 0 would disable the fork but also the per-request
# greenthreads' isolation; 1 worker is the smallest real setup).
common="[DEFAULT]
bind_ip = 127.0.0.1
user = $user
swift_dir = $etc
devices = $dir/srv
mount_check = false
workers = 1
log_level = INFO
"

for kind in account container object; do
  port_var="${kind}_port"
  cat >"$etc/$kind-server.conf" <<EOF
$common
bind_port = ${!port_var}

[pipeline:main]
pipeline = healthcheck $kind-server

[filter:healthcheck]
use = egg:swift#healthcheck

[app:$kind-server]
use = egg:swift#$kind
EOF
done

# The pipeline Swift's docs give for s3api with tempauth; slo after s3api is what makes
# multipart uploads work, versioned_writes with allow_object_versioning what makes S3
# versioning work.
cat >"$etc/proxy-server.conf" <<EOF
$common
bind_port = $proxy_port

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk s3api tempauth copy slo dlo versioned_writes symlink proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
allow_account_management = true

[filter:s3api]
use = egg:swift#s3api
location = us-east-1

[filter:tempauth]
use = egg:swift#tempauth
user_${account}_${tester} = $secret .admin

[filter:versioned_writes]
use = egg:swift#versioned_writes
allow_object_versioning = true

# tempauth needs a cache: memory_cache.py (beside this script) instead of a memcached.
[filter:cache]
paste.filter_factory = memory_cache:filter_factory

[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:bulk]
use = egg:swift#bulk
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
[filter:symlink]
use = egg:swift#symlink
EOF

# One ring per kind: 2^6 partitions, one replica, one device. In one python process, not nine
# swift-ring-builder runs: each pays python's start-up again.
"$py" - "$etc" "$account_port" "$container_port" "$object_port" >>"$dir/log/rings.log" 2>&1 <<'EOF' || fail "could not build the rings"
import os, sys
from swift.common.ring import RingBuilder
etc = sys.argv[1]
for kind, port in zip(('account', 'container', 'object'), sys.argv[2:]):
    builder = RingBuilder(6, 1, 1)
    builder.add_dev({'region': 1, 'zone': 1, 'ip': '127.0.0.1', 'port': int(port), 'device': 'd1', 'weight': 100})
    builder.rebalance()
    builder.save(os.path.join(etc, kind + '.builder'))
    builder.get_ring().save(os.path.join(etc, kind + '.ring.gz'))
EOF

here="$(cd "$(dirname "$0")" && pwd)"
for server in account container object proxy; do
  PYTHONPATH="$here" setsid "swift-$server-server" "$etc/$server-server.conf" -v >"$dir/log/$server.log" 2>&1 </dev/null &
  echo $! >"$dir/run/$server.pid"
done

# Ready when each backend answers its healthcheck and a request signed with a made-up key gets
# an S3 error document from s3api.
ready() {
  for port in "$account_port" "$container_port" "$object_port"; do
    curl -fsS "http://127.0.0.1:$port/healthcheck" >/dev/null 2>&1 || return 1
  done
  curl -sS -H "Date: $(date -u '+%a, %d %b %Y %H:%M:%S GMT')" -H 'Authorization: AWS probe:probe:c2lnbmF0dXJl' \
    "http://127.0.0.1:$proxy_port/casevault-probe" 2>/dev/null | grep -q '<Error>'

}
for _ in $(seq 1 600); do
  ready && break
  for pidfile in "$dir"/run/*.pid; do
    kill -0 "$(cat "$pidfile")" 2>/dev/null || fail "$(basename "$pidfile" .pid) server exited"
  done
  sleep 0.1
done
ready || fail "not ready after 600 tries"

if [ -n "$parent" ]; then
  # The watchdog: stops the servers when the parent is gone; ends by itself once stop.sh has
  # removed DIR.
  setsid bash -c 'while kill -0 "$1" 2>/dev/null && [ -d "$2" ]; do sleep 1; done; "$3" "$2"' \
    watchdog "$parent" "$dir" "$here/stop.sh" >/dev/null 2>&1 </dev/null &
fi

printf '{"endpoint":"http://127.0.0.1:%s","region":"us-east-1","accessKeyId":"%s:%s","secretAccessKey":"%s","dir":"%s"}\n' \
  "$proxy_port" "$account" "$tester" "$secret" "$dir"
