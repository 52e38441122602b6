#!/usr/bin/env bash
# Builds the front end into ui/dist, which the desktop crate embeds at compile time
# (tauri::generate_context!). Run it before `cargo build` of saksi-desktop. Installs the UI's
# packages from package-lock.json first when they are missing or out of date. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/../ui"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run build --silent
