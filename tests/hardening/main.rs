//! Hardening with figures (issue 15): suites that attack the real `saksi` binary with faults and
//! hostile input, each in a small size by default (CI, `cargo test -p saksi-cli --test hardening`)
//! and a full size with `SAKSI_HARDEN=full` (`scripts/harden.sh --full`). Each suite prints one
//! `HARDEN suite=...` line with its cases, what held, counts per outcome and the maxima of time
//! and peak RSS; `scripts/harden.sh` collects them into a table. The figures of the last full run
//! are in docs/security-testing.md.
//!
//! The suites drive the binary only (never the core's internals), so they keep running as the
//! core's checks change underneath them.

// The CLI suite's helpers (a temporary vault, running saksi, hashing a folder, a seeded PRNG).
#[allow(dead_code)]
#[path = "../cli/util.rs"]
mod util;

// Sizes, measured runs (wall time, peak RSS, a memory ceiling and a timeout), summary lines.
mod harness;

// Item 10 (invariant 3): a storm of wrong passphrases over every command changes no byte.
mod storm;

// Item 3: single-byte flips and truncations of the key file, database pages, WAL and blobs of
// copies of a real vault: a clean error at open or a verify finding, never altered data.
mod tamper;

// Item 1: SIGKILL at random moments of adds, updates, attachments, HQ edits, imports and conflict
// resolutions: both vaults open and verify, acknowledged writes survive, nothing half-applied.
mod crash;

// Item 9: the desktop configuration gate (CSP, global Tauri object, incognito, capabilities).
mod config;

// Item 8 (invariant 7): a whole session under strace (only AF_UNIX sockets) and `unshare -n`.
mod network;

// Item 6: EIO/ENOSPC injected (strace) at call sites of pwrite64, write, fsync, fdatasync,
// rename, ftruncate and unlink during `incident add` and `attach`: a clean error, the vault
// still verifies, nothing acknowledged lost, no orphan blob; and a full disk (a small tmpfs)
// during each kind of write.
mod iofault;

// Item 4 (the part a binary can drive): flipped, truncated, junk, header-flooded bundle files
// refused at HQ with HQ byte-for-byte unchanged, in bounded time and memory; a second import of
// the real bundle is a no-op.
mod bundle;

// Issue 16: SIGKILL during the key file's format-1 to format-2 upgrade at unlock.
mod upgrade;
