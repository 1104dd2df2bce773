#!/usr/bin/env bash
# Builds the browser side into target/site: the hydration WASM and its JS glue, the CSS and
# public files, each also precompressed (.br, .gz) for the server to send as is.
# Every file of pkg/ carries a hash of its content in its name (hailong.<hash>.css), listed in
# site/hash.txt, which the server reads at start-up (app/src/assets.rs): browsers may keep such a
# file for a year, since the next build that changes it also renames it.
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

# The previous build's hashed files are kept beside the new ones (one build back, no further): a
# page loaded just before a deploy still fetches its own script and style after it.
previous=$(mktemp -d)
if [ -f "$site/hash.txt" ]; then
  while IFS=: read -r _ hash; do
    hash=${hash// /}
    [[ "$hash" =~ ^[0-9a-f]{16}$ ]] || continue
    for f in "$site/pkg/"*".$hash."*; do
      if [ -e "$f" ]; then mv "$f" "$previous/"; fi
    done
  done < "$site/hash.txt"
fi
rm -rf "$site"
pkg=$site/pkg
mkdir -p "$pkg"
wasm-bindgen --target web --no-typescript --out-dir "$pkg" --out-name hailong \
  "$out_dir/app.wasm"
if [ "$profile" != dev ]; then
  .tools/node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
    "$pkg/hailong_bg.wasm" -o "$pkg/hailong_bg.wasm"
fi
cp app/style/main.css "$pkg/hailong.css"
# The kiosk screen's own script and style, loaded by its pages only (see app/src/kiosk/page.rs).
cp app/style/kiosk.css "$pkg/kiosk.css"
cp app/script/kiosk.js "$pkg/kiosk.js"
# The commune dashboard's live figures (see app/src/dashboard/view.rs).
cp app/script/dashboard.js "$pkg/dashboard.js"
if [ -d app/public ] && [ -n "$(ls -A app/public)" ]; then cp -r app/public/. "$site/"; fi

# Renames pkg/NAME to NAME-without-extension.HASH.EXTENSION (HASH: the first 16 hex digits of the
# content's SHA-256) and lists it in the manifest as "KEY: HASH"; the new name is left in $hashed.
manifest=$site/hash.txt
hash_name() {
  local key=$1 name=$2 hash
  hash=$(sha256sum "$pkg/$name" | cut -c1-16)
  hashed=${name%.*}.$hash.${name##*.}
  mv "$pkg/$name" "$pkg/$hashed"
  printf '%s: %s\n' "$key" "$hash" >>"$manifest"
}
# The keys js, wasm and css and the names hailong.HASH.{js,wasm} are what Leptos's
# HydrationScripts expects (cargo-leptos's hash-files layout). The WASM is named first, so that
# the glue's own reference to it (used when no path is given) names the hashed file and the
# glue's hash covers that name.
mv "$pkg/hailong_bg.wasm" "$pkg/hailong.wasm"
hash_name wasm hailong.wasm
sed -i "s/hailong_bg\.wasm/$hashed/g" "$pkg/hailong.js"
# The glue is minified (esbuild from npm, installed by scripts/setup.sh): 41 KB → 18 KB raw,
# 6.6 → 5.0 KB brotli, which every citizen's phone downloads. Names it exports and the names of
# the imports it hands the WASM are kept.
if [ "$profile" != dev ]; then
  .tools/node_modules/.bin/esbuild "$pkg/hailong.js" --minify --format=esm --log-level=warning \
    --outfile="$pkg/hailong.min.js"
  mv "$pkg/hailong.min.js" "$pkg/hailong.js"
fi
hash_name js hailong.js
hash_name css hailong.css
for name in kiosk.css kiosk.js dashboard.js; do hash_name "$name" "$name"; done

# The spoken survey (survey-definitions/src/speech.rs): a clip per question and language,
# synthesised once into $target/speech and named after its words, so only a new wording costs
# a synthesis. MP3 is compressed already and is sent as is.
speech=$target/speech
if command -v espeak-ng >/dev/null && command -v lame >/dev/null; then
  mkdir -p "$speech"
  cargo run -q -p survey-definitions --bin speech-clips >"$speech/clips.tsv"
  while IFS=$'\t' read -r file voice words; do
    if [ ! -s "$speech/$file" ]; then
      espeak-ng -v "$voice" -s 140 -w "$speech/clip.wav" "$words"
      lame --quiet -m m -b 24 "$speech/clip.wav" "$speech/$file.part"
      mv "$speech/$file.part" "$speech/$file"
    fi
    cp "$speech/$file" "$pkg/$file"
  done <"$speech/clips.tsv"
  rm -f "$speech/clip.wav"
else
  echo "build-site: espeak-ng or lame is missing (scripts/setup.sh installs them): the survey is built without spoken questions" >&2
fi

for f in "$pkg"/*.js "$pkg"/*.wasm "$pkg"/*.css; do
  gzip -9 -k -f "$f"
  brotli -q 11 -f "$f"
done
# Unchanged files have the same names in both builds: the new copy stays.
cp -n "$previous"/* "$pkg/" 2>/dev/null || true
rm -rf "$previous"
cat "$manifest"
ls -l "$pkg"
