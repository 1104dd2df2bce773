#!/usr/bin/env bash
# Runs the benchmarks that print figures for BENCHMARKS.md (loopback only):
#   - citizen page weight (scripts/bench-page-weight.sh)
#   - survey submission throughput at 50 and 200 clients, on SQLite and PostgreSQL, with the
#     stored count checked against the acknowledged count, beside a baseline of the same number
#     of inserts through the storage layer without HTTP
#   - survey page rendering vs a static file of the same size from the same server
#   - idle memory and start-up time of `hailong serve`
#   - commune dashboard and province view p50/p95, full score runs and the CSV/XLSX export, on a
#     generated SQLite database of 1M responses
#   - the pure scoring engine for one commune (criterion)
# Usage: scripts/bench.sh [--quick]   (--quick: 3 s runs instead of 30 s, 20 000 generated
# responses instead of 1M, a short criterion run: a smoke check)
# Uses target/release/hailong when it exists (scripts/build.sh); the debug binary is much slower.
# Both, and the site, are looked for under CARGO_TARGET_DIR when it is set.
set -euo pipefail
cd "$(dirname "$0")/.."

duration=30s
[ "${1:-}" = "--quick" ] && duration=3s
command -v wrk >/dev/null || { echo "installing wrk"; apt-get install -y -qq wrk >/dev/null; }
target=${CARGO_TARGET_DIR:-target}
bin=$target/release/hailong
if [ ! -x "$bin" ]; then
  bin=$target/debug/hailong
  [ -x "$bin" ] || cargo build -q -p server --bin hailong
  echo "NOTE: using the debug binary; run scripts/build.sh for representative figures"
fi
site=$target/site
[ -f "$site/hash.txt" ] || scripts/build-site.sh >/dev/null
export HAILONG_SITE_ROOT="$site"

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(date -u +%Y-%m-%d), $bin"
echo
echo "== citizen page weight"
scripts/bench-page-weight.sh
echo

tmp=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# submit.lua gives each citizen one of 4 096 addresses in X-Forwarded-For, as a reverse proxy
# would, so the per-address checks see many citizens rather than one; the per-address limits are
# still opened wide, since a few thousand citizens a second would exceed any real desk's.
export HAILONG_CLIENT_PER_MINUTE=100000000 HAILONG_CLIENT_BURST=100000000 RUST_LOG=warn
export HAILONG_TRUST_PROXY=1

start_server() {
  port=$(free_port)
  export HAILONG_ADDR="127.0.0.1:$port"
  "$bin" serve >"$tmp/serve.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && return; sleep 0.05; done
  echo "server did not start"; cat "$tmp/serve.log"; exit 1
}
stop_server() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }

for backend in sqlite postgres; do
  if [ "$backend" = sqlite ]; then
    export DATABASE_URL="sqlite://$tmp/bench.db?mode=rwc"
  else
    db="hailong_bench_$$"
    psql -q -h 127.0.0.1 -U postgres -c "create database $db" >/dev/null
    export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db"
  fi
  start_server
  "$bin" desks 2>/dev/null | tail -n +2 | tr -d '\r' | sed 's#.*/q/##' > "$tmp/codes"
  echo "== submissions, $backend ($duration per run)"
  total_acked=0
  for clients in 50 200; do
    result=$(wrk -t2 -c"$clients" -d"$duration" --latency -s scripts/bench/submit.lua \
      "http://127.0.0.1:$port" -- "$tmp/codes" "$RANDOM" | grep '^RESULT')
    acked=$(sed 's/.*acked=\([0-9]*\).*/\1/' <<<"$result")
    total_acked=$((total_acked + acked))
    echo "  $clients clients: $result"
  done
  stored=$("$bin" bench count 2>/dev/null)
  # Requests still in flight when wrk stops are stored but never counted as acknowledged, so the
  # store may hold up to one request per open connection (250) more; never fewer.
  if [ "$stored" -ge "$total_acked" ] && [ "$stored" -le $((total_acked + 250)) ]; then verdict=OK; else verdict=MISMATCH; fi
  echo "  acknowledged $total_acked, stored $stored -> $verdict (every acknowledged answer stored; $((stored - total_acked)) in flight at the stop)"
  stop_server
  "$bin" bench inserts --count "$total_acked" --concurrency 50 2>/dev/null | sed 's/^/  /'

  if [ "$backend" = sqlite ]; then
    start_server
    code=$(head -n1 "$tmp/codes")
    curl -s "http://127.0.0.1:$port/q/$code" > "$tmp/page.html"
    cp "$tmp/page.html" "$site/bench-static.html"
    echo "== survey page rendering vs a static file of the same size ($(wc -c < "$tmp/page.html") bytes), 50 clients"
    echo "  page:   $(wrk -t2 -c50 -d"$duration" -s scripts/bench/get.lua "http://127.0.0.1:$port/q/$code" | grep '^RESULT')"
    echo "  static: $(wrk -t2 -c50 -d"$duration" -s scripts/bench/get.lua "http://127.0.0.1:$port/bench-static.html" | grep '^RESULT')"
    rm -f "$site/bench-static.html"
    stop_server
  else
    psql -q -h 127.0.0.1 -U postgres -c "drop database $db with (force)" >/dev/null
  fi
  echo
done

echo "== footprint (SQLite, migrations already applied)"
export DATABASE_URL="sqlite://$tmp/bench.db?mode=rwc"
port=$(free_port); export HAILONG_ADDR="127.0.0.1:$port"
t0=$(date +%s%N)
"$bin" serve >"$tmp/serve.log" 2>&1 &
pid=$!
until curl -sf "http://127.0.0.1:$port/health" >/dev/null; do sleep 0.005; done
t1=$(date +%s%N)
echo "  start-up to first served request: $(( (t1 - t0) / 1000000 )) ms"
sleep 5
echo "  idle RSS after 5 s: $(awk '/VmRSS/ {print $2 " " $3}' /proc/$pid/status)"

stop_server

# Dashboards, score runs and the export read a generated database of 1M responses (20 000 in
# quick mode); 10M is a separate, longer run (BENCHMARKS.md gives the commands).
demo_responses=1000000
[ "$duration" = 3s ] && demo_responses=20000
export DATABASE_URL="sqlite://$tmp/demo.db?mode=rwc"
echo
echo "== dashboards and score runs (SQLite, $demo_responses generated responses)"
"$bin" demo --responses "$demo_responses" >/dev/null 2>&1
"$bin" bench pages --iterations 40 2>/dev/null | sed 's/^/  /'
"$bin" bench scoring --runs 3 2>/dev/null | sed 's/^/  /'

echo
echo "== export of every response of that database (\`hailong export responses\`)"
if [ -x /usr/bin/time ]; then
  for format in csv xlsx; do
    /usr/bin/time -f "%e %M" -o "$tmp/time" "$bin" export responses --format "$format" \
      --output "$tmp/export.$format" 2>"$tmp/export.log"
    read -r secs kb < "$tmp/time"
    rows=$(sed -n 's/^export: \([0-9]*\) rows$/\1/p' "$tmp/export.log")
    rate=$(awk -v r="$rows" -v s="$secs" 'BEGIN { printf "%.0f", (s > 0 ? r / s : 0) }')
    echo "  $format: $rows rows in $secs s = $rate rows/s, peak RSS $((kb / 1024)) MB, $(($(stat -c %s "$tmp/export.$format") / 1024)) KB"
  done
else
  echo "  skipped: /usr/bin/time not installed (apt-get install time)"
fi

echo
echo "== the scoring engine alone (criterion)"
quick_engine=()
[ "$duration" = 3s ] && quick_engine=(-- --quick)
cargo bench -q -p scoring --bench engine "${quick_engine[@]}" 2>/dev/null | grep -A1 '^score one commune' | sed 's/^/  /'
