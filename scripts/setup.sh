#!/usr/bin/env bash
# Installs what building (and, with --test, testing) Hài Lòng needs, when missing.
# Safe to run again: every step checks first. Used by run.sh, test.sh and build.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

say() { printf '\033[1msetup:\033[0m %s\n' "$*"; }

# Root installs system packages directly; others need sudo.
apt_install() {
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  if [ ! -f /tmp/.hailong-apt-updated ]; then
    $sudo apt-get update -qq && touch /tmp/.hailong-apt-updated
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

# 1. The WASM target.
if ! rustup target list --installed | grep -q '^wasm32-unknown-unknown$'; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# 2. wasm-bindgen-cli at exactly the version in Cargo.lock (the two must match).
wb_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wb_version" ]; then
  say "installing wasm-bindgen-cli $wb_version (about 2 minutes)"
  # --locked fails against this registry mirror; the exact --version pins what matters.
  cargo install -q wasm-bindgen-cli --version "$wb_version" --force
fi

# 3. wasm-opt from npm's binaryen: Debian's binaryen (108) silently breaks release WASM.
if [ ! -x .tools/node_modules/.bin/wasm-opt ]; then
  command -v npm >/dev/null || apt_install nodejs npm
  say "installing wasm-opt (npm binaryen@132) into .tools/"
  mkdir -p .tools
  npm install --silent --no-audit --no-fund --prefix .tools binaryen@132 >/dev/null
fi
# esbuild minifies the WASM's JavaScript glue (scripts/build-site.sh).
if [ ! -x .tools/node_modules/.bin/esbuild ]; then
  command -v npm >/dev/null || apt_install nodejs npm
  say "installing esbuild (npm esbuild@0.24) into .tools/"
  mkdir -p .tools
  npm install --silent --no-audit --no-fund --prefix .tools esbuild@0.24 >/dev/null
fi

# 4. Brotli, to precompress the site's assets.
command -v brotli >/dev/null || { say "installing brotli"; apt_install brotli; }
# The spoken questions are synthesised when the site is built (scripts/build-site.sh).
command -v espeak-ng >/dev/null || { say "installing espeak-ng (speaks the survey's questions)"; apt_install espeak-ng; }
command -v lame >/dev/null || { say "installing lame (encodes the spoken questions as MP3)"; apt_install lame; }

# 5. For tests: Chromium and its WebDriver, from Debian (browsers cannot be downloaded here).
if [ "$want_test" = 1 ]; then
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    say "installing chromium and chromium-driver"
    apt_install chromium chromium-driver
  fi
  command -v soffice >/dev/null || { say "installing LibreOffice Calc (reads the CSV exports in a test)"; apt_install --no-install-recommends libreoffice-calc-nogui; }
  [ -e /usr/lib/libreoffice/program/libswlo.so ] || { say "installing LibreOffice Writer (reads the Word reports in a test)"; apt_install --no-install-recommends libreoffice-writer-nogui; }
  /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || { say "installing aiosmtpd (the mail server of the alert tests)"; apt_install python3-aiosmtpd; }
  command -v nginx >/dev/null || { say "installing nginx (the reverse proxy of the deployment test)"; apt_install nginx-light; pkill -x nginx || true; }
  command -v pdftotext >/dev/null || { say "installing poppler-utils (pdftotext and pdftoppm read the reports the tests write)"; apt_install poppler-utils; }
  # The single sign-on tests' OpenID Connect providers (tests/support/oidc: oidc-provider, jose),
  # at the versions its package-lock.json holds.
  if [ ! -d tests/support/oidc/node_modules/oidc-provider ]; then
    command -v npm >/dev/null || apt_install nodejs npm
    say "installing the test OpenID Connect provider (npm ci in tests/support/oidc)"
    npm ci --silent --no-audit --no-fund --prefix tests/support/oidc >/dev/null
  fi
fi
