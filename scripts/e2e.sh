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
#   bash scripts/e2e.sh --no-net   # (root) inside `unshare -n` (only `lo`, no route out), tauri-driver
#                                  # and the tests under strace; scripts/e2e-net-check.mjs then
#                                  # fails the run if the app used any socket but a local one
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

BUILD=1
SHOTS=0
NONET=0
for arg in "$@"; do
  case "$arg" in
    --no-build) BUILD=0 ;;
    --screenshots) SHOTS=1 ;;
    --no-net) NONET=1 ;;
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
  cargo build -p saksi-desktop -p saksi-cli
  # The memory-forensics test's key helper (tests only; the app never has this feature). Only for
  # the opt-in memory test: built alone, saksi-core resolves its dependencies' features apart from
  # the workspace and rebuilds them (about 12 minutes from clean here).
  if [ "${SAKSI_E2E_MEMORY:-}" = 1 ]; then
    cargo build -p saksi-core --features forensics --example forensic_keys
  fi
fi

if [ "$NONET" = 1 ] && [ -z "${SAKSI_E2E_NETNS:-}" ]; then
  # Re-run this script inside a network namespace of its own: only a loopback interface.
  [ "$(id -u)" = 0 ] || { echo "e2e: --no-net needs root (unshare -n, strace of the app)" >&2; exit 1; }
  for tool in unshare ip strace; do
    command -v "$tool" >/dev/null || { echo "e2e: --no-net needs $tool: run scripts/setup.sh" >&2; exit 1; }
  done
  export SAKSI_E2E_NETNS=1
  exec unshare -n bash -c 'ip link set lo up && exec bash "$0" --no-build "$@"' "$0" "$@"
fi
TRACES=()
if [ "$NONET" = 1 ]; then
  others="$(ip -o link show | awk -F': ' '{print $2}' | grep -v '^lo$' || true)"
  [ -z "$others" ] || { echo "e2e: --no-net: interfaces besides lo: $others" >&2; exit 1; }
  [ -z "$(ip route show; ip -6 route show)" ] || { echo "e2e: --no-net: the namespace has a route" >&2; exit 1; }
  echo "e2e: --no-net: network namespace with only lo, no route"
  TRACE_SET=socket,connect,bind,execve,clone,clone3,fork,vfork
  TRACE_DIR="$(mktemp -d "${TMPDIR:-/tmp}/saksi-e2e-net-XXXXXX")"
  trace() {
    local out="$TRACE_DIR/$1"
    shift
    TRACES+=("$out")
    strace -f -qq -s 0 --seccomp-bpf -e trace="$TRACE_SET" -o "$out" "$@"
  }
else
  trace() { shift; "$@"; }
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
if [ "$NONET" = 1 ]; then
  TRACES+=("$TRACE_DIR/driver.trace")
  strace -f -qq -s 0 --seccomp-bpf -e trace="$TRACE_SET" -o "$TRACE_DIR/driver.trace" \
    "$DRIVER" --port "$PORT" --native-port "$((PORT + 1))" >"${TMPDIR:-/tmp}/saksi-tauri-driver.log" 2>&1 &
  strace_pid=$!
  # strace detaches (and leaves its tracee running) when it is stopped: stop the driver itself.
  for _ in $(seq 1 50); do
    # ps fails while strace has not started the driver yet: under `set -e` that must not end
    # the run (it did, silently, with rc 1).
    driver_pid="$(ps -o pid= --ppid "$strace_pid" | tr -d ' ' | head -1 || true)"
    [ -n "$driver_pid" ] && break
    sleep 0.1
  done
  PIDS+=(${driver_pid:-} "$strace_pid")
else
  "$DRIVER" --port "$PORT" --native-port "$((PORT + 1))" >"${TMPDIR:-/tmp}/saksi-tauri-driver.log" 2>&1 &
  PIDS+=($!)
fi
export TAURI_DRIVER_URL="http://127.0.0.1:$PORT"
export TAURI_DRIVER_BIN="$DRIVER" # forensics tests start one of their own, with a private HOME
for _ in $(seq 1 100); do
  if node -e "fetch('$TAURI_DRIVER_URL/status').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"; then break; fi
  sleep 0.1
done

rc=0
if [ "$SHOTS" = 1 ]; then
  trace shots.trace node tests/e2e/screenshots.mjs || rc=$?
else
  if [ -n "${E2E_SCRIPT:-}" ]; then
    trace script.trace node "$E2E_SCRIPT" || rc=$?
  else
    trace tests.trace node --test --test-concurrency=1 ${E2E_ONLY:-tests/e2e/} || rc=$?
  fi
fi
if [ "$NONET" = 1 ]; then
  cleanup # tauri-driver's trace is complete once it has exited
  PIDS=()
  node scripts/e2e-net-check.mjs "${TRACES[@]}" || rc=1
  rm -rf "$TRACE_DIR"
fi
exit "$rc"

