#!/usr/bin/env bash
# The demo: builds the WASM core and the extension, starts the sandbox (fake SmartBill and
# MiniCRM with seed data) on 127.0.0.1 and opens Chromium with the extension on a sample offer
# card. With a display it stays open until you press Ctrl+C; without one it drives the same steps
# headless and saves screenshots under artifacts/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
SKIP_SETUP=1 bash scripts/build.sh
cargo build -p sandbox --quiet
exec node scripts/demo.mjs "$@"
