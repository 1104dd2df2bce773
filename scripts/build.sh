#!/usr/bin/env bash
# Builds for deployment: target/release/hailong and the optimised, precompressed site in
# target/site. Then, from the repository root: DATABASE_URL=… target/release/hailong serve
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
scripts/build-site.sh
cargo build --release -p server --bin hailong
ls -l target/release/hailong
