#!/usr/bin/env bash
# Builds team mode's Worker (server/, the core as a Cloudflare Worker) with worker-build, offline:
# worker-build would download wasm-bindgen, esbuild and wasm-opt from GitHub; its overrides point
# it at our pinned wasm-bindgen CLI and npm's esbuild and binaryen (../shared/TOOLCHAIN.md,
# "Cloudflare Workers locally"). Writes server/build/index.js and server/build/index_bg.wasm.
# Also wrangler.toml's build command, so `npx wrangler deploy` builds the same way.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
[ "${SKIP_SETUP:-0}" = 1 ] || bash scripts/setup.sh
log() { printf '\033[1;34m[build-server]\033[0m %s\n' "$*"; }

log "worker-build --release (server/)"
# The crates' and std's source files by their place under the registry's and rustc's roots, not
# under this machine's home, as in the extension's modules (scripts/build.sh): the Worker's panic
# texts name them, and the admin deploys it.
std_src="$(rustc --print sysroot)/lib/rustlib/src/rust"
cargo_home="${CARGO_HOME:-$HOME/.cargo}"
(
  cd server
  RUSTFLAGS="--remap-path-prefix=$cargo_home/registry/src=crates --remap-path-prefix=$std_src=/rustc/$(rustc -vV | sed -n 's/^commit-hash: //p')" \
    WASM_BINDGEN_BIN=wasm-bindgen \
    ESBUILD_BIN="$ROOT/node_modules/.bin/esbuild" \
    WASM_OPT_BIN="$ROOT/node_modules/.bin/wasm-opt" \
    worker-build --release
)
wasm=server/build/index_bg.wasm
if grep -aqF -e "$cargo_home/" -e "$std_src/" "$wasm"; then
  log "error: the Worker names files under this machine's home ($cargo_home, $std_src)"
  exit 1
fi
if grep -q 'chrome\.' server/build/index.js; then
  log "error: the Worker's glue references chrome.* (browser bindings leaked into the server build)"
  exit 1
fi
log "$(basename "$wasm"): $(stat -c %s "$wasm") bytes, $(gzip -9c "$wasm" | wc -c) gzipped (Workers limit: 3 MB gzipped free, 10 MB paid)"
