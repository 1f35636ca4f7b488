#!/usr/bin/env bash
# Builds the WASM modules (the service worker's first module and full core, the import page's with
# and without WebAssembly SIMD) and the extension in four flavours, and the two store zips:
#   extension/               the production Chrome build itself (loadable after this script: pkg/ is filled)
#   dist/chrome/             the same, with the background bundled into one file (scripts/flavours.mjs)
#   dist/firefox/            the same with Firefox's background.scripts and gecko settings
#   dist/sandbox/            Chrome build that may also reach http://127.0.0.1 (the sandbox), for the demo and tests
#   dist/firefox-sandbox/    the same for Firefox
#   dist/minicrm-smartbill-{chrome,firefox}.zip   the production builds for the stores (deterministic)
# with the pages' texts (extension/_locales/, git-ignored) written from locales/texts.json,
# and team mode's Worker (server/build/, see scripts/build-server.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${SKIP_SETUP:-0}" = 1 ] || bash scripts/setup.sh
log() { printf '\033[1;34m[build]\033[0m %s\n' "$*"; }

WASM_OPT=node_modules/.bin/wasm-opt
# Rust's wasm32 target emits these features; wasm-opt must be told (never use Debian's binaryen:
# TOOLCHAIN.md trap 1).
OPT_FEATURES=(--enable-bulk-memory --enable-sign-ext --enable-mutable-globals --enable-nontrapping-float-to-int
  --enable-reference-types --enable-multivalue)

# The service worker's module: -Oz, but a function with one caller is inlined into it only when it
# is tiny (binaryen's default inlines every such function, whatever its size). The browser compiles
# a function in full the first time it runs, so merged giants cost compile time on a cold start,
# and they compress worse. With -ocimfs=20 the module is 43 KB smaller gzipped, and a cold worker
# compiles fewer bytes (getSettings: 177 KB of function bodies before, 129 KB after; README, "Limits").
# (--converge, which repeats the passes until the module stops shrinking, bought 0.9 KB gzipped
# for about 40 s more of every build and test run: dropped.)
# Last, the functions sorted by name: the copies of one generic function, and a module's
# functions, then sit side by side, within reach of gzip's 32 KB window (the full core 5.5 KB
# smaller gzipped; the order of functions changes nothing the browser does with them).
SW_OPT=(-Oz --one-caller-inline-max-function-size=20 --reorder-functions-by-name)

# The service worker's modules (profile release) are built with the standard library compiled
# again with them (-Zbuild-std), so that a panic aborts at once, without the code that formats
# its message and finds its place (-Cpanic=immediate-abort; the profile's panic = "abort" still
# ran that code before aborting): the full core 243.7 → 231.3 KB gzipped. A panic was already
# a trap the worker answers and restarts after (exactly-once.test.mjs, "a trap in the core"), and
# nothing showed its text. These flags are unstable: RUSTC_BOOTSTRAP=1 lets the machine's stable
# compiler take them (the one toolchain a fresh machine has), and std's sources come from its
# rust-src component (scripts/setup.sh). Without rust-src, the plain build, with a warning.
# (std's `optimize_for_size` feature bought 0.7 KB more, for std's smaller and slower sorts and
# searches: left out.)
# Every module names std's files as rustc's own build does (/rustc/<commit>/library/…), not under
# this machine's home: with rust-src installed, rustc names the prebuilt std's files there too.
std_src="$(rustc --print sysroot)/lib/rustlib/src/rust"
STD_REMAP="--remap-path-prefix=$std_src=/rustc/$(rustc -vV | sed -n 's/^commit-hash: //p')"
STD_BUILD=()
if [ -d "$std_src/library/std" ]; then
  STD_BUILD=(-Zbuild-std=std,panic_abort)
else
  log "warning: no rust-src component ($std_src): the service worker's modules are built with the prebuilt std, about 13 KB gzipped larger each"
fi

build_module() { # feature out-name [cargo-profile "wasm-opt options" simd target-dir out-dir]
  local feature=$1 name=$2 profile=${3:-release} simd=${5:-} dir=${6:-target/wasm-$1} out=${7:-extension/pkg}
  local level=()
  read -r -a level <<<"${4:-${SW_OPT[*]}}"
  # The crates' source files by their place under the registry's root, not under this machine's
  # home (the modules' panic texts name them): a store reviewer's rebuild does not differ by where
  # Cargo lives, and the zips do not tell the builder's user name (tests/package.test.mjs).
  local rustflags="--remap-path-prefix=${CARGO_HOME:-$HOME/.cargo}/registry/src=crates $STD_REMAP" extra=() std=()
  if [ "$profile" = release ] && [ ${#STD_BUILD[@]} -gt 0 ]; then
    rustflags+=" -Zunstable-options -Cpanic=immediate-abort"
    std=("${STD_BUILD[@]}")
  fi
  if [ -n "$simd" ]; then
    # WebAssembly SIMD (Chrome 91+, Firefox 89+): memchr and zlib-rs use it for the byte scans
    # and the inflating of a 70 MB sheet.
    rustflags+=" -C target-feature=+simd128"
    extra=(--enable-simd)
  fi
  log "compiling the $name module (features: $feature, profile: $profile${simd:+, simd128})"
  RUSTC_BOOTSTRAP=$([ ${#std[@]} -gt 0 ] && echo 1) RUSTFLAGS="$rustflags" cargo build --quiet \
    --profile "$profile" --target wasm32-unknown-unknown -p minicrm_smartbill --lib \
    --features "$feature" --target-dir "$dir" "${std[@]}"
  wasm-bindgen --target web --no-typescript --out-dir "$out" --out-name "$name" \
    "$dir/wasm32-unknown-unknown/$profile/minicrm_smartbill.wasm"
  "$WASM_OPT" "${level[@]}" "${OPT_FEATURES[@]}" "${extra[@]}" "$out/${name}_bg.wasm" -o "$out/${name}_bg.wasm"
}

# The import module again without SIMD, for a browser without WebAssembly SIMD (Chrome on an x86
# processor without SSE4.1): the page probes for SIMD and loads pkg/import_nosimd_bg.wasm instead
# (extension/import.js). In a target directory of its own (other
# RUSTFLAGS would rebuild the other's every time); wasm-opt without --enable-simd refuses any SIMD
# instruction left in it. Both modules share the page's glue, pkg/import.js: the build stops if
# the two glues differ.
build_import_nosimd() {
  local tmp
  tmp=$(mktemp -d)
  build_module import import import-release -O3 "" target/wasm-import-nosimd "$tmp"
  if ! cmp -s "$tmp/import.js" extension/pkg/import.js; then
    echo "the import module's glue differs with and without SIMD (diff $tmp/import.js extension/pkg/import.js)" >&2
    return 1
  fi
  mv "$tmp/import_bg.wasm" extension/pkg/import_nosimd_bg.wasm
  rm -rf "$tmp"
}

log "the pages' texts: extension/_locales/ from locales/texts.json"
node scripts/locales.mjs
mkdir -p extension/pkg
# The WASM builds run side by side (the service worker's six modules, the import module's two
# builds one after the other, and team mode's Worker): each ends in a long single-threaded LTO
# step, so on two cores they overlap instead of queueing.
pids=()
# The worker's first module (src/front.rs) after the full core, in its target directory: the
# dependencies are the same crates with the same features, so only our crate is compiled again.
(build_module sw core && build_module front front release "" "" target/wasm-sw \
  && build_module importjob importjob release "" "" target/wasm-sw \
  && build_module setup setup release "" "" target/wasm-sw \
  && build_module jobs jobs release "" "" target/wasm-sw \
  && build_module tick tick release "" "" target/wasm-sw) &
pids+=($!)
if grep -q '^import = ' Cargo.toml && [ -f src/import/wasm.rs ]; then
  # The import page parses 100,000 rows: optimised for speed, not size (Cargo.toml, import-release).
  (build_module import import import-release -O3 simd && build_import_nosimd) &
  pids+=($!)
fi
log "team mode's Worker (server/)"
SKIP_SETUP=1 bash scripts/build-server.sh &
pids+=($!)
for pid in "${pids[@]}"; do
  wait "$pid"
done
if [ -f extension/pkg/import_bg.wasm ]; then
  node scripts/warmup-xlsx.mjs
fi
log "assembling dist/chrome, dist/firefox, dist/sandbox, dist/firefox-sandbox and the two store zips"
node scripts/flavours.mjs
for f in extension/pkg/*_bg.wasm; do
  log "$(basename "$f"): $(stat -c %s "$f") bytes, $(gzip -9c "$f" | wc -c) gzipped"
done
for f in dist/*.zip; do
  log "$(basename "$f"): $(stat -c %s "$f") bytes"
done
