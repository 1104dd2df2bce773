#!/usr/bin/env bash
# Builds the release archive a data centre copies to a server:
#   dist/hailong-<version>-x86_64-linux.tar.gz
# holding the optimised binary (migrations are compiled into it), the site and the survey
# definitions beside it (the binary finds them there whatever the working directory), a sample
# settings file, the systemd unit and the nginx site of deploy/. Unpacked anywhere,
# `./hailong serve` works. Set HAILONG_RELEASE_BIN to package an already built binary instead.
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(awk -F'"' '/^version = / { print $2; exit }' Cargo.toml)
name="hailong-${version}-x86_64-linux"
target=${CARGO_TARGET_DIR:-target}
bin=${HAILONG_RELEASE_BIN:-}
if [ -z "$bin" ]; then
  scripts/build.sh >/dev/null
  bin=$target/release/hailong
fi
[ -f "$target/site/hash.txt" ] || scripts/build-site.sh >/dev/null

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root=$stage/$name
mkdir -p "$root"
cp "$bin" "$root/hailong"
cp -a "$target/site" "$root/site"
mkdir -p "$root/survey-definitions"
cp -a survey-definitions/surveys survey-definitions/criteria survey-definitions/units "$root/survey-definitions/"
cp deploy/hailong.service deploy/nginx.conf deploy/hailong.env "$root/"
cp README.md "$root/"
mkdir -p dist
tar -C "$stage" -czf "dist/$name.tar.gz" "$name"
ls -l "dist/$name.tar.gz"
"$root/hailong" --version
