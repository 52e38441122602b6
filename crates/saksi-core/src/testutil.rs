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

/// A picture whose every pixel differs from its neighbours, so that any change shows.
pub(crate) fn noise(w: u32, h: u32) -> image::RgbImage {
    image::RgbImage::from_fn(w, h, |x, y| {
        let v = x.wrapping_mul(73).wrapping_add(y.wrapping_mul(151)) ^ (x * y);
        image::Rgb([
            v as u8,
            (v >> 3) as u8 ^ (x as u8),
            (y as u8).wrapping_mul(29),
        ])
    })
}

/// An EXIF APP1 segment with Make = `make`, Orientation = 6 and a GPS position.
pub(crate) fn exif_app1(make: &str) -> Vec<u8> {
    let mut t: Vec<u8> = b"II*\0".to_vec();
    t.extend(8u32.to_le_bytes());
    let make_bytes = [make.as_bytes(), b"\0"].concat();
    let make_off = 8 + 42;
    let gps_ifd = make_off + make_bytes.len() as u32;
    let entry = |t: &mut Vec<u8>, tag: u16, typ: u16, count: u32, val: u32| {
        t.extend(tag.to_le_bytes());
        t.extend(typ.to_le_bytes());
        t.extend(count.to_le_bytes());
        t.extend(val.to_le_bytes());
    };
    t.extend(3u16.to_le_bytes());
    entry(&mut t, 0x010F, 2, make_bytes.len() as u32, make_off);
    entry(&mut t, 0x0112, 3, 1, 6);
    entry(&mut t, 0x8825, 4, 1, gps_ifd);
    t.extend(0u32.to_le_bytes());
    t.extend(&make_bytes);
    let lat_off = gps_ifd + 54;
    let lon_off = lat_off + 24;
    t.extend(4u16.to_le_bytes());
    entry(&mut t, 0x0001, 2, 2, u32::from_le_bytes(*b"N\0\0\0"));
    entry(&mut t, 0x0002, 5, 3, lat_off);
    entry(&mut t, 0x0003, 2, 2, u32::from_le_bytes(*b"E\0\0\0"));
    entry(&mut t, 0x0004, 5, 3, lon_off);
    t.extend(0u32.to_le_bytes());
    for (n, d) in [(11u32, 1u32), (33, 1), (36, 1), (104, 1), (55, 1), (12, 1)] {
        t.extend(n.to_le_bytes());
        t.extend(d.to_le_bytes());
    }
    let mut seg = vec![0xFF, 0xE1];
    seg.extend(((2 + 6 + t.len()) as u16).to_be_bytes());
    seg.extend(b"Exif\0\0");
    seg.extend(t);
    seg
}

pub(crate) fn jpeg_with_exif(w: u32, h: u32, make: &str) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    noise(w, h)
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .unwrap();
    let bytes = out.into_inner();
    [&bytes[..2], &exif_app1(make)[..], &bytes[2..]].concat()
}

// Seeded mutations, measured cases and summary lines for the fuzzing suites (issue 15).
pub(crate) mod fuzz;

/// The unit tests' allocator (it also measures a thread's heap peak, [`freed::heap_peak`]): on a thread that arms it (see [`freed::count_in_freed`]), every
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

    thread_local! {
        /// Heap bytes this thread holds and the most it held since [`heap_peak`] armed it
        /// (blocks freed by another thread are not subtracted: the peak errs high).
        static HEAP: Cell<Option<(u64, u64)>> = const { Cell::new(None) };
    }

    fn heap_add(n: usize) {
        let _ = HEAP.try_with(|h| {
            if let Some((cur, peak)) = h.get() {
                let cur = cur.saturating_add(n as u64);
                h.set(Some((cur, peak.max(cur))));
            }
        });
    }

    fn heap_sub(n: usize) {
        let _ = HEAP.try_with(|h| {
            if let Some((cur, peak)) = h.get() {
                h.set(Some((cur.saturating_sub(n as u64), peak)));
            }
        });
    }

    /// Runs `f` and gives its result and the most heap memory it held at once, in bytes, counting
    /// only this thread's Rust allocations (SQLite's own memory is not from here).
    pub(crate) fn heap_peak<T>(f: impl FnOnce() -> T) -> (T, u64) {
        HEAP.with(|h| h.set(Some((0, 0))));
        let out = f();
        let peak = HEAP.with(|h| h.replace(None)).map_or(0, |(_, p)| p);
        (out, peak)
    }

    unsafe impl GlobalAlloc for Scanner {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            heap_add(layout.size());
            unsafe { System.alloc(layout) }
        }

        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            heap_add(layout.size());
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
            heap_sub(layout.size());
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
