//! Process hardening for the programs built on the core: no core dumps (a crash must not write
//! the vault's keys or decrypted records to disk), and no ptrace attach by other processes of the
//! same user.

use std::alloc::{GlobalAlloc, Layout};

use zeroize::Zeroize;

use crate::error::Result;

/// Disables core dumps and marks the process non-dumpable. Call it first thing in `main`.
pub fn harden() -> Result<()> {
    #[cfg(target_os = "linux")]
    {
        let zero = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: plain system calls with valid arguments; they touch no Rust-managed memory.
        let r1 = unsafe { libc::setrlimit(libc::RLIMIT_CORE, &zero) };
        let r2 = unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0) };
        if r1 != 0 || r2 != 0 {
            return Err(std::io::Error::last_os_error().into());
        }
    }
    Ok(())
}

/// What the C libraries in the process are told through the environment so that they, too,
/// overwrite what they free: glibc fills every freed block (`glibc.malloc.perturb`, with its
/// per-thread cache off so that no free skips it), GLib's slice allocator hands its blocks to
/// malloc instead of keeping its own pools (`G_SLICE`), and WebKit's allocator uses malloc
/// (`Malloc=1`). The desktop app's GTK, GLib and WebKit UI side hold record text (UTF-16) and the
/// bytes of `saksi:` responses in that memory; without these settings a core dump after lock
/// still found them (docs/security-testing.md, memory after lock). They are for this process only
/// ([`keep_freed_c_memory_settings_to_this_process`]).
pub const WIPE_FREED_C_MEMORY: [(&str, &str); 3] = [
    (
        "GLIBC_TUNABLES",
        "glibc.malloc.perturb=165:glibc.malloc.tcache_count=0",
    ),
    ("G_SLICE", "always-malloc"),
    ("Malloc", "1"),
];

/// The environment to add for [`WIPE_FREED_C_MEMORY`], given the current values (`get`): empty
/// when everything is already set. An existing `GLIBC_TUNABLES` is kept and extended.
pub fn freed_c_memory_env(
    get: impl Fn(&str) -> Option<std::ffi::OsString>,
) -> Vec<(&'static str, std::ffi::OsString)> {
    let mut out = Vec::new();
    for (name, value) in WIPE_FREED_C_MEMORY {
        let current = get(name);
        let current = current.as_deref().and_then(|v| v.to_str());
        match (name, current) {
            ("GLIBC_TUNABLES", Some(c)) if c.contains("glibc.malloc.perturb=") => {}
            ("GLIBC_TUNABLES", Some(c)) if !c.is_empty() => {
                out.push((name, format!("{c}:{value}").into()));
            }
            (_, Some(c)) if c == value => {}
            _ => out.push((name, value.into())),
        }
    }
    out
}

/// Takes [`WIPE_FREED_C_MEMORY`] out of the environment again once the restarted program runs
/// with them (glibc read its tunables at start), so that the processes it starts do not inherit
/// them: WebKit's web process crashed under them in the end-to-end tests (it is ended at lock
/// instead, see the desktop shell's `fresh_page`). Call it right after
/// [`restart_wiping_freed_c_memory`], before any thread starts.
#[cfg(target_os = "linux")]
pub fn keep_freed_c_memory_settings_to_this_process() {
    for (name, _) in WIPE_FREED_C_MEMORY {
        std::env::remove_var(name);
    }
}

/// Starts the program again (same process, same arguments) with [`WIPE_FREED_C_MEMORY`] in its
/// environment, since glibc reads its tunables only at start. Call it first thing in `main`,
/// before any thread or library starts. Returns `Ok` when the settings were already in place;
/// otherwise it does not return unless the new start failed (the error says why, and the caller
/// may go on with the weaker protection).
#[cfg(target_os = "linux")]
pub fn restart_wiping_freed_c_memory() -> std::io::Result<()> {
    use std::os::unix::process::CommandExt;
    let add = freed_c_memory_env(|n| std::env::var_os(n));
    if add.is_empty() {
        return Ok(());
    }
    let mut args = std::env::args_os();
    // The program's real path (not /proc/self/exe, which would rename the process "exe").
    let mut cmd = std::process::Command::new(std::env::current_exe()?);
    if let Some(arg0) = args.next() {
        cmd.arg0(arg0);
    }
    Err(cmd.args(args).envs(add).exec())
}

/// The programs' global allocator: every heap block is overwritten with zeros before it is
/// given back, so that the text of records, file bytes and JSON sent to the window do not stay in
/// freed memory after the vault locks (threat model: memory after lock; measured by
/// `tests/e2e/memory.test.mjs`). Growing a block copies it into a new one and wipes the old one
/// (the trait's own `realloc`, which frees through [`GlobalAlloc::dealloc`]). SQLite's memory
/// does not come from here: SQLCipher wipes it itself (`cipher_memory_security`).
///
/// ```ignore
/// #[global_allocator]
/// static ALLOC: saksi_core::process::WipeOnFree = saksi_core::process::WipeOnFree::SYSTEM;
/// ```
pub struct WipeOnFree<A = std::alloc::System>(pub A);

impl WipeOnFree {
    /// Over the system allocator.
    pub const SYSTEM: WipeOnFree = WipeOnFree(std::alloc::System);
}

// SAFETY: every call is passed on to the inner allocator with the same layout; `dealloc` only
// writes within the block it is given, which the caller owns until it is freed.
unsafe impl<A: GlobalAlloc> GlobalAlloc for WipeOnFree<A> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe { self.0.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        unsafe { self.0.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if !ptr.is_null() && layout.size() > 0 {
            // SAFETY: `ptr` is a live block of `layout.size()` bytes owned by the caller.
            unsafe { std::slice::from_raw_parts_mut(ptr, layout.size()) }.zeroize();
        }
        unsafe { self.0.dealloc(ptr, layout) }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Counts the non-zero bytes of every block it is given back, before freeing it.
    struct Inspect(AtomicUsize);

    unsafe impl GlobalAlloc for Inspect {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            unsafe { System.alloc(layout) }
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            let block = unsafe { std::slice::from_raw_parts(ptr, layout.size()) };
            let dirty = block.iter().filter(|b| **b != 0).count();
            self.0.fetch_add(dirty, Ordering::SeqCst);
            unsafe { System.dealloc(ptr, layout) }
        }
    }

    #[test]
    fn freed_blocks_reach_the_allocator_wiped_also_when_they_grow() {
        let wipe = super::WipeOnFree(Inspect(AtomicUsize::new(0)));
        let layout = Layout::from_size_align(64, 8).unwrap();
        unsafe {
            let p = wipe.alloc(layout);
            std::ptr::write_bytes(p, 0xA5, 64);
            // Growing copies into a new block and frees the old one through `dealloc`.
            let q = wipe.realloc(p, layout, 4096);
            assert_eq!(*q.add(63), 0xA5, "the contents move with the block");
            wipe.dealloc(q, Layout::from_size_align(4096, 8).unwrap());
        }
        assert_eq!(
            wipe.0 .0.load(Ordering::SeqCst),
            0,
            "no freed byte was left as it was"
        );
        // The inspector itself can see dirty blocks (the test can fail).
        let plain = Inspect(AtomicUsize::new(0));
        unsafe {
            let p = plain.alloc(layout);
            std::ptr::write_bytes(p, 0xA5, 64);
            plain.dealloc(p, layout);
        }
        assert_eq!(plain.0.load(Ordering::SeqCst), 64);
    }

    #[test]
    fn freed_c_memory_settings_merge_with_what_is_there() {
        use std::ffi::OsString;
        let none = super::freed_c_memory_env(|_| None);
        assert_eq!(none.len(), 3, "everything is added to an empty environment");
        let all: Vec<(String, OsString)> = super::WIPE_FREED_C_MEMORY
            .iter()
            .map(|(k, v)| (k.to_string(), OsString::from(v)))
            .collect();
        let set =
            super::freed_c_memory_env(|n| all.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone()));
        assert!(set.is_empty(), "nothing to add once set: no second restart");
        let other = super::freed_c_memory_env(|n| {
            (n == "GLIBC_TUNABLES").then(|| OsString::from("glibc.malloc.arena_max=2"))
        });
        let tunables = other.iter().find(|(k, _)| *k == "GLIBC_TUNABLES").unwrap();
        assert_eq!(
            tunables.1,
            OsString::from(
                "glibc.malloc.arena_max=2:glibc.malloc.perturb=165:glibc.malloc.tcache_count=0"
            ),
            "a tunable already set is kept"
        );
    }

    /// Run as a child by the test below: frees a C heap block full of a pattern and prints how
    /// many of its bytes (past glibc's list pointers, short of its last 8) still hold it.
    #[test]
    #[ignore = "a probe the next test runs in a child process"]
    fn probe_freed_c_block() {
        if std::env::var_os("SAKSI_PROBE_FREED").is_none() {
            return;
        }
        const N: usize = 200;
        // SAFETY: a block of our own; it is read once after `free`, which glibc keeps mapped
        // (a small block goes back to a bin of the arena, not to the kernel), volatile so that
        // the read is not optimised away. A probe only: never done outside this test.
        let left = unsafe {
            let p = libc::malloc(N) as *mut u8;
            assert!(!p.is_null());
            std::ptr::write_bytes(p, 0x41, N);
            libc::free(p as *mut libc::c_void);
            // glibc overwrites the block's chunk but not its last 8 usable bytes, which overlap
            // the next chunk's header (a limit of `glibc.malloc.perturb`, documented with the
            // memory test): those are left out of the count.
            (32..N - 8)
                .filter(|i| std::ptr::read_volatile(p.add(*i)) == 0x41)
                .count()
        };
        println!("PROBE left={left}");
    }

    #[test]
    fn under_the_settings_glibc_overwrites_freed_blocks() {
        let exe = std::env::current_exe().unwrap();
        let run = |env: Vec<(&str, std::ffi::OsString)>| {
            let out = std::process::Command::new(&exe)
                .args(["--exact", "process::tests::probe_freed_c_block"])
                .args(["--ignored", "--nocapture", "--test-threads=1"])
                .env_remove("GLIBC_TUNABLES")
                .env("SAKSI_PROBE_FREED", "1")
                .envs(env)
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout).to_string();
            // The test harness prints its own name on the same line.
            text.split("PROBE left=")
                .nth(1)
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or_else(|| panic!("the probe ran: {text}"))
        };
        assert!(
            run(vec![]) > 100,
            "without the settings the freed bytes stay (the probe can see them)"
        );
        assert_eq!(
            run(super::freed_c_memory_env(|_| None)),
            0,
            "with them every freed byte is overwritten"
        );
    }

    #[test]
    fn hardening_disables_core_dumps() {
        super::harden().unwrap();
        let mut lim = libc::rlimit {
            rlim_cur: 1,
            rlim_max: 1,
        };
        unsafe { libc::getrlimit(libc::RLIMIT_CORE, &mut lim) };
        assert_eq!(lim.rlim_cur, 0, "no core file may ever be written");
        let dumpable = unsafe { libc::prctl(libc::PR_GET_DUMPABLE, 0, 0, 0, 0) };
        assert_eq!(dumpable, 0, "the process must not be dumpable");
    }
}
