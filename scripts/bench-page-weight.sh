#!/usr/bin/env bash
# Prints what a phone downloads on first opening a desk's survey: each file raw and as served
# (brotli, then gzip), and the totals the performance budget speaks of (issue: HTML + CSS needed to
# answer and submit <= 30 KB; everything including the hydration WASM and JS <= 150 KB).
# Uses target/release/hailong when built (scripts/build.sh), else the debug binary (both under
# CARGO_TARGET_DIR when set).
set -euo pipefail
cd "$(dirname "$0")/.."

target=${CARGO_TARGET_DIR:-target}
bin=$target/release/hailong
[ -x "$bin" ] || bin=$target/debug/hailong
[ -x "$bin" ] || { cargo build -q -p server --bin hailong; bin=$target/debug/hailong; }
[ -f "$target/site/hash.txt" ] || scripts/build-site.sh >/dev/null

tmp=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export DATABASE_URL="sqlite://$tmp/bench.db?mode=rwc" HAILONG_ADDR="127.0.0.1:$port" RUST_LOG=warn
export HAILONG_SITE_ROOT="$target/site"
"$bin" serve >"$tmp/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
code=$("$bin" desks 2>/dev/null | sed -n 2p | tr -d '\r' | sed 's#.*/q/##')

size() { curl -s -o /dev/null -w '%{size_download}' -H "Accept-Encoding: $2" "http://127.0.0.1:$port$1"; }
# The files the page links (JS glue, WASM, CSS), under the hashed names it gives them. The
# spoken clips (MP3) are left out: a phone fetches one only when the citizen taps it
# (preload="none").
assets=$(curl -s "http://127.0.0.1:$port/q/$code" | grep -o '/pkg/[^"&]*' | grep -v '\.mp3$' | awk '!seen[$0]++')
printf '%-36s %10s %10s %10s\n' file raw br gzip
total_br=0; page_br=0
for path in "/q/$code" $assets; do
  raw=$(size "$path" identity); br=$(size "$path" br); gz=$(size "$path" gzip)
  name=$path; [ "$path" = "/q/$code" ] && name="/q/{code} (HTML)"
  printf '%-36s %10d %10d %10d\n' "$name" "$raw" "$br" "$gz"
  total_br=$((total_br + br))
  case "$path" in /q/*|*.css) page_br=$((page_br + br)) ;; esac
done
printf '\nHTML + CSS (brotli):        %6d bytes (%d KB; budget 30 KB)\n' "$page_br" $(((page_br + 1023) / 1024))
printf 'everything (brotli):        %6d bytes (%d KB; budget 150 KB)\n' "$total_br" $(((total_br + 1023) / 1024))
