#!/usr/bin/env bash
# Builds the browser side into target/site: the hydration WASM and its JS glue, the CSS and
# public files, each also precompressed (.br, .gz) for the server to send as is.
#   scripts/build-site.sh           release WASM, optimised with wasm-opt -Oz (what ships)
#   scripts/build-site.sh --debug   unoptimised, quicker to build
set -euo pipefail
cd "$(dirname "$0")/.."

profile=wasm-release
[ "${1:-}" = "--debug" ] && profile=dev
# CARGO_TARGET_DIR lets several checkouts or engineers build side by side without sharing target/.
target=${CARGO_TARGET_DIR:-target}
out_dir=$target/wasm32-unknown-unknown/$([ "$profile" = dev ] && echo debug || echo "$profile")
site=$target/site

cargo build -p app --lib --target wasm32-unknown-unknown --no-default-features \
  --features hydrate --profile "$profile"

rm -rf "$site"
mkdir -p "$site/pkg"
wasm-bindgen --target web --no-typescript --out-dir "$site/pkg" --out-name hailong \
  "$out_dir/app.wasm"
if [ "$profile" != dev ]; then
  .tools/node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
    "$site/pkg/hailong_bg.wasm" -o "$site/pkg/hailong_bg.wasm"
fi
cp app/style/main.css "$site/pkg/hailong.css"
# The kiosk screen's own script and style, loaded by its pages only (see app/src/pages/kiosk.rs).
cp app/style/kiosk.css "$site/pkg/kiosk.css"
cp app/script/kiosk.js "$site/pkg/kiosk.js"
# The commune dashboard's live figures (see app/src/pages/dashboard.rs).
cp app/script/dashboard.js "$site/pkg/dashboard.js"
if [ -d app/public ] && [ -n "$(ls -A app/public)" ]; then cp -r app/public/. "$site/"; fi

for f in "$site"/pkg/*.js "$site"/pkg/*.wasm "$site"/pkg/*.css; do
  gzip -9 -k -f "$f"
  brotli -q 11 -f "$f"
done
ls -l "$site/pkg"
