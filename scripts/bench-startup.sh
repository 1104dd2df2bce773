#!/usr/bin/env bash
# Start-up time and idle memory of `hailong serve` with the national map, as a series over
# provinces of different sizes (loopback only, SQLite, each on a fresh database):
#   first start: migrations, the province's units and history written from the map, desks made;
#   second start: the same database, nothing left to write;
# each time from launch to the first served request, then the resident memory (VmRSS) after
# 5 s idle. Usage: scripts/bench-startup.sh [province codes…] (default: 75 01 79 11 48)
# Uses target/release/hailong (or $CARGO_TARGET_DIR/release/hailong) like scripts/bench.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
bin=$target/release/hailong
[ -x "$bin" ] || { echo "build the release binary first: scripts/build.sh"; exit 1; }
site=$target/site
[ -f "$site/hash.txt" ] || site=target/site
export HAILONG_SITE_ROOT="$site" RUST_LOG=warn HAILONG_MONTHLY_REPORT=off
provinces=("$@")
[ ${#provinces[@]} -gt 0 ] || provinces=(75 01 79 11 48)
tmp=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# One start: prints "<ms to first request> <RSS kB after 5 s>".
start_once() {
  local port t0 t1 rss
  port=$(free_port)
  export HAILONG_ADDR="127.0.0.1:$port"
  t0=$(date +%s%N)
  "$bin" serve >"$tmp/serve.log" 2>&1 &
  pid=$!
  until curl -sf "http://127.0.0.1:$port/health" >/dev/null; do
    kill -0 "$pid" 2>/dev/null || { cat "$tmp/serve.log"; exit 1; }
    sleep 0.005
  done
  t1=$(date +%s%N)
  sleep 5
  rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  echo "$(( (t1 - t0) / 1000000 )) $rss"
}

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(date -u +%Y-%m-%d), $bin"
printf '%-9s %9s %16s %16s %16s %16s\n' province communes "1st start (ms)" "1st RSS (MB)" "2nd start (ms)" "2nd RSS (MB)"
for code in "${provinces[@]}"; do
  export HAILONG_PROVINCE="$code"
  export DATABASE_URL="sqlite://$tmp/p$code.db?mode=rwc"
  read -r first_ms first_kb < <(start_once)
  read -r second_ms second_kb < <(start_once)
  communes=$(sqlite3 "$tmp/p$code.db" "select count(*) from desks where valid_to is null")
  printf '%-9s %9s %16s %16s %16s %16s\n' "$code" "$communes" "$first_ms" \
    "$(awk "BEGIN {printf \"%.1f\", $first_kb / 1024}")" "$second_ms" \
    "$(awk "BEGIN {printf \"%.1f\", $second_kb / 1024}")"
done
