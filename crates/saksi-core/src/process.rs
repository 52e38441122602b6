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
