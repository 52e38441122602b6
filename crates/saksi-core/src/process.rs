//! Process hardening for the programs built on the core: no core dumps (a crash must not write
//! the vault's keys or decrypted records to disk), and no ptrace attach by other processes of the
//! same user.

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

#[cfg(all(test, target_os = "linux"))]
mod tests {
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
