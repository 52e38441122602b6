#!/usr/bin/env bash
# Installs whatever is missing (scripts/setup.sh), then runs every check and test Saksi has:
# formatting, clippy (-D warnings), the UI's type check and unit tests, all Rust tests (core units, CLI,
# evidence and bundle end-to-end suites), and the end-to-end tests of the real desktop window
# under Xvfb through tauri-driver + WebKitWebDriver. Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

step() { printf '\n==> %s\n' "$*"; }

step "setup"
bash scripts/setup.sh

step "UI build (the desktop crate embeds ui/dist at compile time)"
bash scripts/build-ui.sh

step "rustfmt"
cargo fmt --all -- --check

step "clippy -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

step "no network client in any Rust dependency (threat model invariant 7)"
if cargo tree --workspace -e normal --prefix none | grep -E '^(reqwest|hyper|ureq|curl|isahc|attohttpc|rustls|native-tls|openssl) ' ; then
  echo "a network client crate is in the dependency tree: Saksi must never open a connection" >&2
  exit 1
fi
echo "none found"

step "UI type check (svelte-check)"
(cd ui && npm run --silent check -- --fail-on-warnings)

step "UI unit tests (Vitest)"
(cd ui && npm test --silent)

step "Rust tests (core, CLI, evidence, bundles)"
cargo test --workspace

step "desktop end-to-end tests (real window, Xvfb, tauri-driver)"
bash scripts/e2e.sh

printf '\nall checks passed\n'
