//! The decrypted bundle (or receipt) as a stream: opening the staged age file once with the
//! right identity, re-reading its plaintext from the start for each pass, and the bounded
//! readers every pass uses (entry names, sizes, hashes, custody lines, the archive's tail), each
//! turning an I/O error into the message that says what went wrong.

use std::cell::{Cell, RefCell};
use std::fs;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::rc::Rc;

use sha2::{Digest, Sha256};

use super::manifest::{self, EntryName};
use super::{limits, BundleError};
use crate::custody;
use crate::error::{Error, Result};

fn map_header_error(e: age::DecryptError) -> Error {
    use age::DecryptError as D;
    match e {
        D::NoMatchingKeys => BundleError::NotForUs.into(),
        D::InvalidMac | D::DecryptionFailed | D::KeyDecryptionFailed => {
            BundleError::Damaged(" in the header".into()).into()
        }
        _ => BundleError::NotAgeFile.into(),
    }
}

fn open_decryptor(path: &Path) -> Result<age::Decryptor<BufReader<fs::File>>> {
    let f = fs::File::open(path)?;
    let d = age::Decryptor::new_buffered(BufReader::new(f)).map_err(|e| match e {
        age::DecryptError::Io(_)
        | age::DecryptError::InvalidHeader
        | age::DecryptError::UnknownFormat => Error::from(BundleError::NotAgeFile),
        other => map_header_error(other),
    })?;
    if d.is_scrypt() {
        return Err(BundleError::Passphrase.into());
    }
    Ok(d)
}

/// One of the importer's identities, noting whether it was the one that unwrapped the file key
/// (age tries them in turn and does not say which matched). The unwrapping is age's own.
struct Watched<'a> {
    inner: &'a age::x25519::Identity,
    index: usize,
    matched: &'a Cell<Option<usize>>,
}

impl age::Identity for Watched<'_> {
    fn unwrap_stanza(
        &self,
        stanza: &age_core::format::Stanza,
    ) -> Option<std::result::Result<age_core::format::FileKey, age::DecryptError>> {
        let r = self.inner.unwrap_stanza(stanza);
        if matches!(r, Some(Ok(_))) {
            self.matched.set(Some(self.index));
        }
        r
    }
}

/// The staged bundle with its header parsed and its file key unwrapped, once per import; each
/// pass reads the plaintext again from the start (age's seekable reader, which authenticates
/// every chunk it hands out as on a first read).
pub(crate) struct Opened {
    reader: Rc<RefCell<age::stream::StreamReader<BufReader<fs::File>>>>,
    /// Which identity opened it.
    pub(crate) identity: usize,
}

impl Opened {
    /// A reader of the plaintext from its first byte.
    pub(crate) fn pass(&self) -> Result<Plain> {
        self.reader
            .borrow_mut()
            .seek(SeekFrom::Start(0))
            .map_err(|_| BundleError::Damaged(String::new()))?;
        Ok(Plain {
            inner: self.reader.clone(),
            age_failed: Rc::new(Cell::new(false)),
        })
    }
}

/// Opens the staged file with whichever of `identities` its header is for, parsing the header
/// once and trying every identity on it.
pub(crate) fn find_identity(path: &Path, identities: &[age::x25519::Identity]) -> Result<Opened> {
    let matched = Cell::new(None);
    let watched: Vec<Watched<'_>> = identities
        .iter()
        .enumerate()
        .map(|(index, inner)| Watched {
            inner,
            index,
            matched: &matched,
        })
        .collect();
    let reader = open_decryptor(path)?
        .decrypt(watched.iter().map(|w| w as &dyn age::Identity))
        .map_err(map_header_error)?;
    let identity = matched.get().ok_or(BundleError::NotForUs)?;
    Ok(Opened {
        reader: Rc::new(RefCell::new(reader)),
        identity,
    })
}

/// The decrypted stream, remembering whether age (rather than tar) reported an error.
pub(crate) struct Plain {
    inner: Rc<RefCell<age::stream::StreamReader<BufReader<fs::File>>>>,
    pub(crate) age_failed: Rc<Cell<bool>>,
}

impl Read for Plain {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner
            .borrow_mut()
            .read(buf)
            .inspect_err(|_| self.age_failed.set(true))
    }
}

/// Pass 2 seeks past attachment files that pass 1 verified and already encrypted into their
/// blobs (age decrypts and authenticates only the chunk a seek lands in).
impl Seek for Plain {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.inner
            .borrow_mut()
            .seek(pos)
            .inspect_err(|_| self.age_failed.set(true))
    }
}

/// Turns an I/O error met while reading the archive into the right message.
pub(crate) fn read_error(flag: &Cell<bool>, e: io::Error) -> Error {
    if flag.get() {
        BundleError::Damaged(String::new()).into()
    } else if e.kind() == io::ErrorKind::UnexpectedEof {
        BundleError::Damaged(": the archive ends early".into()).into()
    } else {
        BundleError::Malformed("the archive".into(), e.to_string()).into()
    }
}

/// An error met while a pass worked on the stream: an I/O error gets the message that says
/// what went wrong with the bundle ([`read_error`]), any other stays as it is.
pub(crate) fn stream_error(flag: &Cell<bool>, e: Error) -> Error {
    match e {
        Error::Io(io) => read_error(flag, io),
        other => other,
    }
}

/// Reads the custody log entry by entry (each line bounded) through `f`, hashing it as it goes;
/// gives its SHA-256 and size.
pub(crate) fn read_custody(
    entry: impl Read,
    flag: &Cell<bool>,
    f: impl FnMut(custody::Entry) -> Result<()>,
) -> Result<(String, u64)> {
    let mut hasher = Sha256::new();
    let mut n = 0u64;
    let tee = TeeHash {
        inner: entry,
        hasher: &mut hasher,
        n: &mut n,
    };
    for_each_custody_line(tee, f).map_err(|e| stream_error(flag, e))?;
    Ok((hex::encode(hasher.finalize()), n))
}

/// Reads at most `max` bytes; more is an error.
pub(crate) fn read_bounded(
    r: &mut impl Read,
    size: u64,
    max: u64,
    what: &str,
) -> std::result::Result<Vec<u8>, io::Error> {
    if size > max {
        return Err(io::Error::other(format!("{what} is over its size limit")));
    }
    let mut v = Vec::with_capacity(size as usize);
    r.take(max + 1).read_to_end(&mut v)?;
    Ok(v)
}

/// The plaintext after the archive's end: zero padding only, read to the end so that age checks
/// the final chunk.
pub(crate) fn check_tail(mut r: impl Read, flag: &Cell<bool>) -> Result<()> {
    let mut buf = [0u8; 8192];
    let mut total = 0u64;
    loop {
        let n = r.read(&mut buf).map_err(|e| read_error(flag, e))?;
        if n == 0 {
            return Ok(());
        }
        total += n as u64;
        if buf[..n].iter().any(|b| *b != 0) || total > limits::MAX_TAR_PADDING {
            return Err(BundleError::ExtraFile("data after the end of the archive".into()).into());
        }
    }
}

fn for_each_custody_line(
    r: impl Read,
    mut f: impl FnMut(custody::Entry) -> Result<()>,
) -> Result<()> {
    let mut r = BufReader::new(r);
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = (&mut r)
            .take(limits::MAX_CUSTODY_LINE_BYTES as u64 + 1)
            .read_until(b'\n', &mut line)?;
        if n == 0 {
            return Ok(());
        }
        if n > limits::MAX_CUSTODY_LINE_BYTES {
            return Err(BundleError::TooLarge("a custody log line is over 64 KiB".into()).into());
        }
        let entry: custody::Entry = serde_json::from_slice(&line)
            .map_err(|e| BundleError::Malformed(manifest::CUSTODY.into(), e.to_string()))?;
        f(entry)?;
    }
}

/// Reads `r` to its end, hashing, passing each chunk to `sink`.
pub(crate) fn hash_stream(
    r: &mut impl Read,
    mut sink: impl FnMut(&[u8]) -> Result<()>,
) -> io::Result<(String, u64)> {
    let mut h = Sha256::new();
    let mut n_total = 0u64;
    let mut buf = vec![0u8; 64 << 10];
    loop {
        let n = r.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        n_total += n as u64;
        sink(&buf[..n]).map_err(|e| io::Error::other(e.to_string()))?;
    }
    Ok((hex::encode(h.finalize()), n_total))
}

pub(crate) fn entry_name<R: Read>(e: &tar::Entry<'_, R>) -> Result<(String, EntryName)> {
    let raw = e.path_bytes();
    let name = std::str::from_utf8(&raw)
        .map_err(|_| {
            BundleError::BadEntryName(String::from_utf8_lossy(&raw).escape_default().to_string())
        })?
        .to_string();
    let kind = e.header().entry_type();
    if !matches!(kind, tar::EntryType::Regular) {
        return Err(BundleError::BadEntryName(format!(
            "{} (not a regular file)",
            name.escape_default()
        ))
        .into());
    }
    let parsed = EntryName::parse(&name)?;
    Ok((name, parsed))
}

/// A reader that hashes and counts what passes through it.
struct TeeHash<'a, R> {
    inner: R,
    hasher: &'a mut Sha256,
    n: &'a mut u64,
}

impl<R: Read> Read for TeeHash<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        *self.n += n as u64;
        Ok(n)
    }
}
