//! Opening a vault so that no byte of its folder changes (review by a lawyer, a copy on a
//! write-protected stick).
//!
//! Why `immutable`: a vault's database is in WAL mode with exclusive locking. SQLite opening a
//! WAL database, even with `SQLITE_OPEN_READ_ONLY`, first creates the `-wal` file (and, without
//! exclusive locking, a `-shm`), and in exclusive mode it must take a write lock that a read-only
//! file handle cannot hold. With `immutable=1` SQLite reads the main file only: no `-wal`, no
//! `-shm`, no lock, nothing written. That is safe only when the main file holds everything and
//! nobody writes meanwhile, so:
//! - for as long as the vault is open we hold a POSIX read lock on the byte range SQLite's
//!   writers lock exclusively, so a Saksi that tries to open the vault for writing meanwhile
//!   gets "in use" (and we get "in use" if one holds it);
//! - a `vault.db-wal` beside it, once that lock is held (a vault that was not closed properly
//!   and may still hold changes in its log), is refused: a writable open settles it.
//!
//! POSIX record locks belong to the process, and closing *any* descriptor of `vault.db` in it
//! drops them: nothing in Saksi may open `vault.db` itself (besides SQLite) while a vault is
//! open read-only.

use std::fs::File;
use std::path::Path;

use crate::error::{Error, Result};

/// SQLite's lock bytes (`PENDING_BYTE` + 2, `SHARED_SIZE`): a writer holds a write lock on this
/// range for as long as it has the database open in exclusive mode.
const SHARED_FIRST: i64 = 0x4000_0000 + 2;
const SHARED_SIZE: i64 = 510;

/// The `file:` URI that opens `path` immutable (every byte that is not unreserved or `/` is
/// percent-encoded, so no file name can add URI parameters).
pub(super) fn immutable_uri(path: &Path) -> Result<String> {
    let bytes = path.as_os_str().as_encoded_bytes();
    let mut uri = String::with_capacity(bytes.len() + 24);
    uri.push_str("file:");
    for &b in bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.' | b'~') {
            uri.push(b as char);
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri.push_str("?immutable=1");
    Ok(uri)
}

/// Refuses a database whose write-ahead log is beside it, and takes the read lock described in
/// the module documentation. The returned file holds the lock until it is dropped.
pub(super) fn settled_and_locked(db_path: &Path) -> Result<File> {
    // The lock first: a Saksi holding the vault open for writing makes it fail ("in use"), and
    // once it is held no writer can start, so the log checked next cannot appear meanwhile.
    let file = File::open(db_path)?;
    lock_shared(&file)?;
    if super::db::log_path(db_path).exists() {
        return Err(Error::ReadOnlyUnsettled);
    }
    Ok(file)
}

#[cfg(unix)]
fn lock_shared(file: &File) -> Result<()> {
    use std::os::unix::io::AsRawFd;
    // SAFETY: a plain `flock` struct for fcntl(F_SETLK) on a descriptor we own.
    let mut fl: libc::flock = unsafe { std::mem::zeroed() };
    fl.l_type = libc::F_RDLCK as libc::c_short;
    fl.l_whence = libc::SEEK_SET as libc::c_short;
    fl.l_start = SHARED_FIRST as libc::off_t;
    fl.l_len = SHARED_SIZE as libc::off_t;
    // SAFETY: `fl` is a valid flock and the descriptor is open for reading.
    if unsafe { libc::fcntl(file.as_raw_fd(), libc::F_SETLK, &fl) } != 0 {
        let e = std::io::Error::last_os_error();
        return Err(match e.raw_os_error() {
            Some(libc::EAGAIN) | Some(libc::EACCES) => Error::Busy,
            _ => e.into(),
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn lock_shared(_file: &File) -> Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests;
