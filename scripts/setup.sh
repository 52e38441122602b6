#!/usr/bin/env bash
# Installs whatever Saksi needs that is missing on a fresh Debian/Ubuntu machine:
# system packages (build, headless test, interop reference tools), tauri-driver, and the UI's npm
# packages. Safe to run again: every step checks first. Needs root or sudo for apt.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

BUILD_PKGS="libwebkit2gtk-4.1-dev build-essential pkg-config libssl-dev curl file libasound2-dev"
TEST_PKGS="xvfb x11-utils xdotool imagemagick webkit2gtk-driver age minisign coreutils tar bc strace jq gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-libav"
missing=""
for p in $BUILD_PKGS $TEST_PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "setup: installing system packages:$missing"
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq $missing >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: Rust (cargo) is required: install it with rustup or your distribution's packages" >&2
  exit 1
fi

if ! command -v tauri-driver >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
  echo "setup: installing tauri-driver"
  cargo install tauri-driver --locked --quiet
fi

# The UI's build tools (Vite 7) need Node.js 20.19 or newer with npm.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "setup: installing Node.js and npm"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq nodejs npm >/dev/null
fi
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a===20&&b>=19)?0:1)'; then
  echo "setup: Node.js $(node --version) is too old for the UI build: install Node.js 20.19 or newer" >&2
  exit 1
fi

if [ -f ui/package.json ]; then
  if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
    echo "setup: installing UI packages"
    (cd ui && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
echo "setup: done"
