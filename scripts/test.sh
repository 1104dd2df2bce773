#!/usr/bin/env bash
# The whole test suite, with all set-up: installs what is missing (scripts/setup.sh --test),
# builds the release site the browser tests load, checks formatting and lints, then runs every
# test (unit, integration on SQLite and PostgreSQL, browser). .ci/run calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh --test
scripts/build-site.sh
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
# The two-instance test starts real `hailong serve` processes from this binary.
cargo build -p server --bin hailong
cargo test --workspace
