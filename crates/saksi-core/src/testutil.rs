//! The core's test kit, shared by every unit test: one passphrase, a fresh vault (minimum KDF)
//! in a temporary folder, a monitor-plus-HQ world that trust each other, and one folder hasher.
//! (The suites that drive the `saksi` binary share `tests/cli/util.rs`.)

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use secrecy::SecretString;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::bundle::keys;
use crate::model::IncidentInput;
use crate::vault::{KdfProfile, Vault};

/// The passphrase of every test vault.
pub(crate) fn pass() -> SecretString {
    SecretString::from("correct horse battery".to_string())
}

/// A new vault at `<tempdir>/v`; keep the `TempDir` alive as long as the vault.
pub(crate) fn vault() -> (tempfile::TempDir, Vault) {
    let dir = tempfile::tempdir().unwrap();
    let v = Vault::create(&dir.path().join("v"), &pass(), KdfProfile::Minimum).unwrap();
    (dir, v)
}

/// A new vault at `dir/name` whose device is called `name`.
pub(crate) fn named_vault(dir: &Path, name: &str) -> Vault {
    Vault::create_named(&dir.join(name), &pass(), KdfProfile::Minimum, Some(name)).unwrap()
}

/// A monitor and an HQ in one temporary folder: HQ has its bundle key, the monitor sends to it
/// as "hq", and HQ trusts the monitor's device.
pub(crate) struct World {
    pub tmp: tempfile::TempDir,
    pub mon: Vault,
    pub hq: Vault,
}

pub(crate) fn world() -> World {
    let tmp = tempfile::tempdir().unwrap();
    let mut mon = named_vault(tmp.path(), "mon");
    let mut hq = named_vault(tmp.path(), "hq");
    let r = keys::keygen(&mut hq).unwrap();
    keys::recipient_add(&mut mon, "hq", &r).unwrap();
    let card = serde_json::to_vec(&keys::device_card(&mon).unwrap()).unwrap();
    keys::trust_add(&mut hq, &card).unwrap();
    World { tmp, mon, hq }
}

/// SHA-256 of every file under `dir`, by path: a vault's bytes, to compare before and after.
pub(crate) fn tree_hash(dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let h = hex::encode(Sha256::digest(std::fs::read(&p).unwrap()));
                out.insert(p, h);
            }
        }
    }
    out
}

/// Adds an incident with just a title.
pub(crate) fn incident(v: &mut Vault, title: &str) -> Uuid {
    v.incidents_mut()
        .add(&IncidentInput {
            title: title.into(),
            ..Default::default()
        })
        .unwrap()
}

/// The unit tests' allocator: on a thread that arms it (see [`freed::count_in_freed`]), every
/// heap block freed is searched for given byte patterns. A secret found in freed memory was
/// dropped without being wiped: a copy our code left behind. (SQLite's memory does not come
/// from here; SQLCipher wipes it itself with `cipher_memory_security = ON`.)
pub(crate) mod freed {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;

    pub(crate) struct Scanner;

    const SLOTS: usize = 4;
    /// Larger blocks (Argon2id's memory, age's chunk buffers) are not searched: the secrets
    /// watched for are short strings.
    const MAX_SCAN: usize = 1 << 20;

    thread_local! {
        static WATCH: Cell<[Option<&'static [u8]>; SLOTS]> = const { Cell::new([None; SLOTS]) };
        static HITS: Cell<usize> = const { Cell::new(0) };
    }

    fn contains(hay: &[u8], pat: &[u8]) -> bool {
        !pat.is_empty() && hay.windows(pat.len()).any(|w| w == pat)
    }

    unsafe impl GlobalAlloc for Scanner {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            unsafe { System.alloc(layout) }
        }

        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            unsafe { System.alloc_zeroed(layout) }
        }

        // `realloc` is left to its default (alloc, copy, dealloc), so the old block of a growing
        // string is searched too.
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            if layout.size() <= MAX_SCAN {
                let _ = WATCH.try_with(|w| {
                    let watched = w.get();
                    if watched.iter().any(Option::is_some) {
                        // SAFETY: the block is still allocated, `layout.size()` bytes long.
                        let block = unsafe { std::slice::from_raw_parts(ptr, layout.size()) };
                        if watched.iter().flatten().any(|p| contains(block, p)) {
                            let _ = HITS.try_with(|h| h.set(h.get() + 1));
                        }
                    }
                });
            }
            unsafe { System.dealloc(ptr, layout) }
        }
    }

    /// Runs `f` with `patterns` watched on this thread; returns its result and how many freed
    /// blocks held one of them.
    pub(crate) fn count_in_freed<T>(patterns: &[&[u8]], f: impl FnOnce() -> T) -> (T, usize) {
        let mut slots = [None; SLOTS];
        for (slot, p) in slots.iter_mut().zip(patterns) {
            // Leaked on purpose: the pattern itself must never be freed while watched.
            *slot = Some(&*Box::leak(p.to_vec().into_boxed_slice()));
        }
        HITS.with(|h| h.set(0));
        WATCH.with(|w| w.set(slots));
        let out = f();
        WATCH.with(|w| w.set([None; SLOTS]));
        (out, HITS.with(|h| h.get()))
    }
}

#[global_allocator]
static SCANNER: freed::Scanner = freed::Scanner;
