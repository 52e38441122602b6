#!/usr/bin/env bash
# Installs whatever is missing (scripts/setup.sh), builds the UI and the desktop app, and opens
# Saksi. Pass --release for an optimised build. The vault lives in the per-user data folder
# unless SAKSI_VAULT names another.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build-ui.sh
profile=()
[ "${1:-}" = "--release" ] && profile=(--release)
exec cargo run "${profile[@]}" -p saksi-desktop
