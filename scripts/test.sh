#!/usr/bin/env bash
# Every test: formatting and lints, Rust unit + integration tests (core against the in-process
# sandbox, the sandbox itself), then the browser e2e suite (the real extension in Debian's
# Chromium, driven by Playwright, against the sandbox). Installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
log() { printf '\033[1;34m[test]\033[0m %s\n' "$*"; }

log "cargo fmt --check"
cargo fmt --all --check
log "cargo clippy (native, all targets)"
cargo clippy --workspace --all-targets --quiet -- -D warnings
log "cargo clippy (wasm32: service worker and import modules)"
cargo clippy -p minicrm_smartbill --lib --target wasm32-unknown-unknown --features sw --quiet -- -D warnings
if grep -q '^import = ' Cargo.toml && [ -f src/import/wasm.rs ]; then
  cargo clippy -p minicrm_smartbill --lib --target wasm32-unknown-unknown --features import --quiet -- -D warnings
fi
log "cargo clippy (wasm32: team mode's Worker)"
cargo clippy -p team-server --target wasm32-unknown-unknown --quiet -- -D warnings
log "cargo test --workspace"
cargo test --workspace --quiet
log "building the extension and the sandbox"
SKIP_SETUP=1 bash scripts/build.sh
cargo build -p sandbox --quiet
log "e2e (node --test tests/e2e/): the extension in Chromium; team mode's Worker on workerd"
node --test --test-concurrency=1 tests/e2e/
log "benchmark: background jobs' call rates against the limits (fails on any 403/429)"
cargo run --quiet --example rates
log "all tests passed"
