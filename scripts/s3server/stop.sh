#!/usr/bin/env bash
# Stops a server that start.sh started and removes its temp dir:
#   scripts/s3server/stop.sh DIR [--keep]
# --keep leaves DIR (its logs) in place. Each server leads its own process group (setsid), so
# signalling the group reaches its forked worker too.
set -uo pipefail
dir="${1:?usage: stop.sh DIR [--keep]}"
[ -d "$dir/run" ] || exit 0
pids=()
for pidfile in "$dir"/run/*.pid; do
  [ -f "$pidfile" ] && pids+=("$(cat "$pidfile")")
done
for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null; done
for _ in $(seq 1 50); do
  alive=0
  for pid in "${pids[@]}"; do kill -0 -- "-$pid" 2>/dev/null && alive=1; done
  [ "$alive" = 0 ] && break
  sleep 0.1
done
for pid in "${pids[@]}"; do kill -KILL -- "-$pid" 2>/dev/null; done
rm -f "$dir"/run/*.pid
[ "${2:-}" = "--keep" ] || rm -rf "$dir"
exit 0
