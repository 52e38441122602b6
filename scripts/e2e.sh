#!/usr/bin/env bash
# End-to-end tests of the real desktop window: builds the UI and the debug binary if needed,
# starts Xvfb (when there is no DISPLAY) and tauri-driver (WebKitWebDriver underneath), runs
# `node --test tests/e2e/`, and stops every process it started, whatever happens.
#
#   bash scripts/e2e.sh            # everything
#   bash scripts/e2e.sh --no-build # use the binary already in target/debug
#   bash scripts/e2e.sh --screenshots  # instead of the tests, refresh docs/screenshots/*.png
#   E2E_ONLY=tests/e2e/xss.test.mjs bash scripts/e2e.sh   # one test file
#   E2E_SCRIPT=some.mjs bash scripts/e2e.sh --no-build   # run one script (e.g. a screenshot) instead
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

BUILD=1
SHOTS=0
for arg in "$@"; do
  case "$arg" in
    --no-build) BUILD=0 ;;
    --screenshots) SHOTS=1 ;;
    *) echo "e2e: unknown option $arg" >&2; exit 2 ;;
  esac
done

PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT INT TERM

for tool in Xvfb WebKitWebDriver node xdotool import; do
  command -v "$tool" >/dev/null || { echo "e2e: $tool is missing: run scripts/setup.sh" >&2; exit 1; }
done
DRIVER="$(command -v tauri-driver || echo "$HOME/.cargo/bin/tauri-driver")"
[ -x "$DRIVER" ] || { echo "e2e: tauri-driver is missing: run scripts/setup.sh" >&2; exit 1; }

if [ "$BUILD" = 1 ]; then
  bash scripts/build-ui.sh
  cargo build -p saksi-desktop
fi
export SAKSI_DESKTOP_BIN="$ROOT/target/debug/saksi-desktop"
[ -x "$SAKSI_DESKTOP_BIN" ] || { echo "e2e: $SAKSI_DESKTOP_BIN is missing" >&2; exit 1; }

if [ -z "${DISPLAY:-}" ]; then
  # Pick a free display number, so parallel runs and a developer's own Xvfb do not collide.
  n=99
  while [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ]; do n=$((n + 1)); done
  Xvfb ":$n" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
  PIDS+=($!)
  export DISPLAY=":$n"
  for _ in $(seq 1 100); do [ -e "/tmp/.X11-unix/X$n" ] && break; sleep 0.1; done
fi

# The app inherits this environment through tauri-driver and WebKitWebDriver.
export SAKSI_KDF=minimum
unset SAKSI_VAULT # every test passes its own temporary folder with --vault

PORT="${TAURI_DRIVER_PORT:-4444}"
# tauri-driver starts WebKitWebDriver on --native-port (4445 by default, whatever --port says):
# pair it with PORT so two runs on one machine never share a WebKitWebDriver.
"$DRIVER" --port "$PORT" --native-port "$((PORT + 1))" >"${TMPDIR:-/tmp}/saksi-tauri-driver.log" 2>&1 &
PIDS+=($!)
export TAURI_DRIVER_URL="http://127.0.0.1:$PORT"
for _ in $(seq 1 100); do
  if node -e "fetch('$TAURI_DRIVER_URL/status').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"; then break; fi
  sleep 0.1
done

if [ "$SHOTS" = 1 ]; then
  node tests/e2e/screenshots.mjs
else
  if [ -n "${E2E_SCRIPT:-}" ]; then node "$E2E_SCRIPT"; else node --test --test-concurrency=1 ${E2E_ONLY:-tests/e2e/}; fi
fi
