#!/usr/bin/env bash
# Every test: formatting and lints (clippy, native and wasm32; the pages' JavaScript type-checked
# too), Rust unit +
# integration tests (core against the in-process sandbox, the sandbox itself), the store checks of the two production zips and web-ext lint,
# then the browser e2e suites against the sandbox: the real extension in Debian's Chromium
# (Playwright) and in Debian's Firefox ESR (Marionette). Installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Each line carries the seconds since the start, so a CI log shows where the time went.
log() { printf '\033[1;34m[test +%ss]\033[0m %s\n' "$SECONDS" "$*"; }

log "cargo fmt --check"
cargo fmt --all --check
log "tsc: the pages' JavaScript against the replies' types generated from Rust (tsconfig.json)"
node_modules/.bin/tsc -p tsconfig.json

# The release builds of the WASM modules and team mode's Worker (scripts/build.sh) run in the
# background while the native tests and the wasm32 lints run. They use other target directories
# or profiles than the native build, so neither waits for the other's lock. On this 2-core machine
# this gains little (940 s until the browser suites, against 968 s one after the other, in one
# rehearsal each): its two CPUs behave like one core's two threads.
mkdir -p artifacts
build_log=artifacts/build.log
log "building the extension and team mode's Worker in the background (log: $build_log)"
SKIP_SETUP=1 bash scripts/build.sh >"$build_log" 2>&1 &
build_pid=$!

# Natively, clippy lints the test build itself: clippy-driver is the workspace's rustc wrapper
# (what `cargo clippy` sets up for its check-only build), with -D warnings, so our crates are not
# compiled once more by a separate `cargo clippy --all-targets`. Every native cargo call below
# goes through `native`, so none rebuilds our crates. (Not the WASM builds: clippy-driver turns
# MIR optimisations off, and the modules we ship must be the ones rustc alone makes.)
native() {
  RUSTC_WORKSPACE_WRAPPER="$(rustup which clippy-driver)" \
    CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__" "$@"
}
log "cargo test --workspace --all-targets, linted by clippy (-D warnings)"
native cargo test --workspace --all-targets --quiet
native cargo build -p sandbox --bins --quiet
log "cargo clippy (wasm32: the service worker's six modules, and the import module)"
# The full core (sw) and the first module (front) in one check: their surfaces do not overlap.
cargo clippy -p minicrm_smartbill --lib --target wasm32-unknown-unknown --features sw,front --quiet -- -D warnings
# The import job's module alone: its dispatcher has the import's arm only (src/api.rs).
cargo clippy -p minicrm_smartbill --lib --target wasm32-unknown-unknown --features importjob --quiet -- -D warnings
# The setup module alone: its dispatcher has the options page's setup commands only (src/setup.rs).
cargo clippy -p minicrm_smartbill --lib --target wasm32-unknown-unknown --features setup --quiet -- -D warnings
# The jobs' module alone: its dispatcher has the jobs' commands only (src/sync/commands.rs).
cargo clippy -p minicrm_smartbill --lib --target wasm32-unknown-unknown --features jobs --quiet -- -D warnings
# The tick module alone: its dispatcher has the tick's arm only (src/api.rs).
cargo clippy -p minicrm_smartbill --lib --target wasm32-unknown-unknown --features tick --quiet -- -D warnings
if grep -q '^import = ' Cargo.toml && [ -f src/import/wasm.rs ]; then
  cargo clippy -p minicrm_smartbill --lib --target wasm32-unknown-unknown --features import --quiet -- -D warnings
fi
log "cargo clippy (wasm32: team mode's Worker)"
cargo clippy -p team-server --target wasm32-unknown-unknown --quiet -- -D warnings
log "waiting for the build"
build_status=0
wait "$build_pid" || build_status=$?
cat "$build_log"
if [ "$build_status" -ne 0 ]; then
  log "the build failed (exit $build_status)"
  exit 1
fi
log "built"
log "store checks of the production zips (tests/package.test.mjs)"
node --test tests/package.test.mjs
log "the cold-start benchmark's marks still apply to the bundled worker (tests/bench/coldmarks.mjs --check)"
node tests/bench/coldmarks.mjs --check
log "web-ext lint dist/firefox (0 errors; the warnings are explained in the README)"
node_modules/.bin/web-ext lint --source-dir dist/firefox --no-config-discovery
# The e2e suite runs under the strict reading of the sandbox's silent points (the least convenient
# reading of each), then the extension's suites again under the lenient reading (the other one;
# see www/src/documented.rs); team mode's two suites, which run the same core on the server, only
# under the strict one, to keep the run under 30 minutes. E2E_LENIENT='a|b' picks the suites of
# the second pass ('[a-z-]+': all).
# Every request the sandboxes receive is logged under artifacts/requests/ and then judged against
# the documented allow-list.
rm -rf artifacts/requests
mkdir -p artifacts/requests
e2e_status=0
# The browser suites' temporary directories (browser profiles, generated files) go to one
# directory of this run, removed when the run ends, however it ends: an interrupted suite leaves
# nothing behind on a machine that runs this often. Each suite still removes its own, which is
# checked after them (a suite that leaves one fails the run).
e2e_tmp=$(mktemp -d)
trap 'rm -rf "$e2e_tmp"' EXIT
export TMPDIR="$e2e_tmp"
all_e2e=$(ls tests/e2e/*.test.mjs | grep -v '/firefox\.test\.mjs$')
lenient_e2e=$(echo "$all_e2e" | grep -E "/(${E2E_LENIENT:-emission|exactly-once|foundation|import|sync|tenant})\.test\.mjs$")
for readings in ${E2E_READINGS:-strict lenient}; do
  files=$all_e2e
  [ "$readings" = lenient ] && files=$lenient_e2e
  log "browser e2e in Chromium and team mode on workerd, SANDBOX_READINGS=$readings: $(echo $files | tr '\n' ' ')"
  start=$SECONDS
  # shellcheck disable=SC2086
  SANDBOX_READINGS="$readings" node --test --test-concurrency=1 $files || e2e_status=$?
  log "e2e ($readings) took $((SECONDS - start)) s"
done
log "browser e2e in Firefox ESR (tests/e2e/firefox.test.mjs), SANDBOX_READINGS=strict"
start=$SECONDS
SANDBOX_READINGS=strict node --test tests/e2e/firefox.test.mjs || e2e_status=$?
log "Firefox e2e took $((SECONDS - start)) s"
leftover=$(find "$e2e_tmp" -mindepth 1 -maxdepth 1 -name 'mcsb-*' -printf '%f ')
if [ -n "$leftover" ]; then
  log "the browser suites left temporary directories behind: $leftover"
  e2e_status=1
fi
unset TMPDIR
log "request log: every parameter and body key documented (check-requests artifacts/requests)"
check_status=0
native cargo run --quiet -p sandbox --bin check-requests -- artifacts/requests || check_status=$?
if [ "$e2e_status" -ne 0 ] || [ "$check_status" -ne 0 ]; then
  log "e2e exit $e2e_status, check-requests exit $check_status"
  exit 1
fi
log "benchmark: background jobs' call rates against the limits (fails on any 403/429)"
native cargo run --quiet --example rates
log "all tests passed"
