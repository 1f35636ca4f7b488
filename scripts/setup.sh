#!/usr/bin/env bash
# Installs, idempotently, everything the demo and the tests need on a fresh machine of this kind.
# No GitHub downloads: Rust target via rustup, wasm-bindgen CLI and worker-build from crates.io,
# Chromium and Firefox ESR from Debian, playwright-core, binaryen (wasm-opt), web-ext, miniflare,
# wrangler, esbuild and typescript from npm. See ../shared/TOOLCHAIN.md for why each choice.
# Firefox is driven through Marionette, which ships inside Firefox (tests/e2e/marionette.mjs): no
# geckodriver, no browser download.
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_BINDGEN_VERSION=0.2.130   # must equal the `=` pin in Cargo.toml
log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }

# A full build and test run writes about 5 GB here (the Rust targets) and some in /tmp. When the disk
# fills, npm, cargo and Chromium fail with their own, unrelated-looking errors: say it first.
seen=""
for where in . "${TMPDIR:-/tmp}"; do
  read -r free_kb mount < <(df -Pk "$where" | awk 'NR == 2 { print $4, $6 }') || continue
  case " $seen " in *" $mount "*) continue ;; esac
  seen="$seen $mount"
  if [ "$free_kb" -lt $((6 * 1024 * 1024)) ]; then
    log "warning: only $((free_kb / 1024)) MB free on $mount; a full run needs about 6 GB"
  fi
done

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding Rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# std's sources, which the service worker's modules are built with (scripts/build.sh, -Zbuild-std).
# Without them the build goes on with the prebuilt std, and says so.
if ! rustup component list --installed | grep -q '^rust-src'; then
  log "adding the Rust component rust-src"
  timeout 600 rustup component add rust-src || log "warning: rust-src could not be added; the build will use the prebuilt std"
fi

if ! command -v wasm-bindgen >/dev/null || [ "$(wasm-bindgen --version | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION from crates.io (about 3 minutes, once)"
  # --locked fails here: the registry lacks one locked dependency version (TOOLCHAIN.md, trap 2).
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

WORKER_BUILD_VERSION=0.8.7    # team mode's Worker (server/); see TOOLCHAIN.md, "Cloudflare Workers locally"
if ! command -v worker-build >/dev/null || [ "$(worker-build --version 2>/dev/null | awk '{print $NF}')" != "$WORKER_BUILD_VERSION" ]; then
  log "installing worker-build $WORKER_BUILD_VERSION from crates.io (about 3 minutes, once)"
  cargo install worker-build --version "$WORKER_BUILD_VERSION" --force
fi

if ! [ -x /usr/bin/chromium ] || ! [ -x /usr/bin/chromedriver ] || ! [ -f /usr/lib/chromium/locales/ro.pak ]; then
  log "installing Debian's chromium, chromium-driver and chromium-l10n (the UI languages: ro, hu)"
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq chromium chromium-driver chromium-l10n >/dev/null
fi

if ! [ -x /usr/bin/firefox-esr ] || ! [ -f /usr/lib/firefox-esr/browser/extensions/langpack-ro@firefox-esr.mozilla.org.xpi ]; then
  log "installing Debian's firefox-esr and firefox-esr-l10n-ro (the Romanian UI)"
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq firefox-esr firefox-esr-l10n-ro >/dev/null
fi

if ! [ -d node_modules/playwright-core ] || ! [ -x node_modules/.bin/wasm-opt ] || ! [ -x node_modules/.bin/web-ext ] \
  || ! [ -x node_modules/.bin/esbuild ] || ! [ -d node_modules/miniflare ] || ! [ -x node_modules/.bin/wrangler ] \
  || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # web-ext lints the Firefox build; miniflare (workerd) runs team mode's Worker in the tests;
  # esbuild is worker-build's bundler; wrangler deploys it (README, "Team mode").
  log "installing npm packages (playwright-core, binaryen, web-ext, xlsx, miniflare, wrangler, esbuild, typescript)"
  # Playwright must never download a browser: we drive Debian's /usr/bin/chromium.
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
fi
log "toolchain ready"
