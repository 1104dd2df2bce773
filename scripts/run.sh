#!/usr/bin/env bash
# Runs Hài Lòng on the embedded SQLite default (./data/hailong.db) with demo data, at
# http://127.0.0.1:3000 (or HAILONG_ADDR). Installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
scripts/build-site.sh
cargo build -p server --bin hailong
target/debug/hailong demo --if-empty
exec target/debug/hailong serve "$@"
