//! The framing of an age header, checked before an import copies or decrypts anything, so that a
//! file of junk is refused having read at most [`limits::MAX_HEADER_BYTES`]: the magic line, at
//! most [`limits::MAX_HEADER_STANZAS`] stanzas (a passphrase stanza is refused at once, before any
//! key derivation), body lines of at most 64 base64 columns, and the `---` MAC line. This is a
//! reader of the format's lines only: the `age` crate then parses and authenticates the header
//! for real (once per import).

use std::io::{self, Read};

use super::{limits, BundleError};

const MAGIC: &[u8] = b"age-encryption.org/v1\n";
/// `--- ` and 43 base64 characters (a 32-byte HMAC).
const MAC_LINE_LEN: usize = 4 + 43;
/// The columns of a full stanza body line.
const BODY_COLUMNS: usize = 64;

/// What the header's framing says, before any cryptography.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct HeaderShape {
    /// Length of the header, through the newline of the MAC line.
    pub len: usize,
    /// `X25519` stanzas: one per recipient.
    pub x25519: usize,
    /// Stanzas whose type ends in `-grease` (age adds one to keep the format's joint oiled).
    pub grease: usize,
    /// Any other stanza (SSH, plugin…): a recipient a Saksi bundle never has.
    pub other: usize,
}

impl HeaderShape {
    /// The recipients the file is encrypted to, as far as the header shows: every stanza but
    /// one grease stanza.
    pub(crate) fn recipients(&self) -> usize {
        self.x25519 + self.other + self.grease.saturating_sub(1)
    }
}

/// Reads at most [`limits::MAX_HEADER_BYTES`] from `r` (fewer at its end).
pub(crate) fn read_prefix(r: &mut impl Read) -> io::Result<Vec<u8>> {
    let mut prefix = Vec::with_capacity(limits::MAX_HEADER_BYTES);
    r.take(limits::MAX_HEADER_BYTES as u64)
        .read_to_end(&mut prefix)?;
    Ok(prefix)
}

/// Checks the framing of the age header at the start of `prefix`, the first bytes of a file of
/// `file_len` bytes (so a prefix shorter than the bound is the whole file).
pub(crate) fn check(prefix: &[u8], file_len: u64) -> Result<HeaderShape, BundleError> {
    let whole_file = (prefix.len() as u64) >= file_len;
    if !prefix.starts_with(MAGIC) {
        return Err(BundleError::NotAgeFile);
    }
    let mut at = MAGIC.len();
    let mut shape = HeaderShape {
        len: 0,
        x25519: 0,
        grease: 0,
        other: 0,
    };
    // The next line, without its newline, and the offset after it.
    let line = |at: usize| -> Result<(&[u8], usize), BundleError> {
        match prefix[at..].iter().position(|b| *b == b'\n') {
            Some(n) => Ok((&prefix[at..at + n], at + n + 1)),
            None if whole_file => Err(BundleError::NotAgeFile),
            None => Err(BundleError::HeaderTooLarge),
        }
    };
    loop {
        // A stanza or the MAC line starts on a short line, so decide before looking for its end.
        let rest = &prefix[at..];
        if rest.starts_with(b"--- ") {
            let (mac, next) = match rest.iter().take(MAC_LINE_LEN + 1).position(|b| *b == b'\n') {
                Some(n) => (&rest[..n], at + n + 1),
                None if whole_file && rest.len() <= MAC_LINE_LEN => {
                    return Err(BundleError::NotAgeFile)
                }
                None if rest.len() <= MAC_LINE_LEN => return Err(BundleError::HeaderTooLarge),
                None => return Err(BundleError::NotAgeFile),
            };
            if mac.len() != MAC_LINE_LEN || !mac[4..].iter().all(|b| is_base64(*b)) {
                return Err(BundleError::NotAgeFile);
            }
            shape.len = next;
            return Ok(shape);
        }
        if !rest.starts_with(b"-> ") && rest.len() >= 3 {
            return Err(BundleError::NotAgeFile);
        }
        let (stanza, next) = line(at)?;
        if !stanza.starts_with(b"-> ") {
            return Err(BundleError::NotAgeFile);
        }
        let tag = stanza[3..].split(|b| *b == b' ').next().unwrap_or_default();
        if tag == b"scrypt" {
            return Err(BundleError::Passphrase);
        }
        if shape.x25519 + shape.grease + shape.other == limits::MAX_HEADER_STANZAS {
            return Err(BundleError::TooManyRecipients);
        }
        match tag {
            b"X25519" => shape.x25519 += 1,
            t if t.ends_with(b"-grease") => shape.grease += 1,
            _ => shape.other += 1,
        }
        at = next;
        // The body: full lines of 64 columns, ended by a shorter one (possibly empty).
        loop {
            let window = &prefix[at..prefix.len().min(at + BODY_COLUMNS + 1)];
            let (body, next) = match window.iter().position(|b| *b == b'\n') {
                Some(n) => (&prefix[at..at + n], at + n + 1),
                None if window.len() <= BODY_COLUMNS && whole_file => {
                    return Err(BundleError::NotAgeFile)
                }
                None if window.len() <= BODY_COLUMNS => return Err(BundleError::HeaderTooLarge),
                None => return Err(BundleError::NotAgeFile),
            };
            if !body.iter().all(|b| is_base64(*b)) {
                return Err(BundleError::NotAgeFile);
            }
            at = next;
            if body.len() < BODY_COLUMNS {
                break;
            }
        }
    }
}

fn is_base64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'+' || b == b'/'
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An endless source of bytes that counts what was read from it.
    struct Counting<F> {
        fill: F,
        read: u64,
        len: u64,
    }

    impl<F: FnMut(u64) -> u8> Read for Counting<F> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = (buf.len() as u64).min(self.len - self.read) as usize;
            for b in &mut buf[..n] {
                *b = (self.fill)(self.read);
                self.read += 1;
            }
            Ok(n)
        }
    }

    fn stanzas(n: usize) -> Vec<u8> {
        let mut h = MAGIC.to_vec();
        for _ in 0..n {
            h.extend_from_slice(b"-> X25519 TiF0sBPvZtcdKBqbIUKpTFBSWZ1cWIK4l0gcPdKGo1E\n");
            h.extend_from_slice(b"1n4uFcoQRH1Pr1zYnJP4Yl2RgKmmWmaa6tnHdn1Bi3s\n");
        }
        h
    }

    fn with_mac(mut h: Vec<u8>) -> Vec<u8> {
        h.extend_from_slice(b"--- 2B8EGZdr9LZ7bO7zyVG5O0Y7vdrlEpCbyEvgdYQDQmI\n");
        h.extend_from_slice(&[0xA5; 200]);
        h
    }

    #[test]
    fn a_well_formed_header_is_measured_and_its_recipients_counted() {
        let mut h = stanzas(2);
        h.extend_from_slice(b"-> x-grease a b\n");
        h.extend_from_slice(&[b'A'; 64]);
        h.extend_from_slice(b"\n\n");
        let file = with_mac(h.clone());
        let shape = check(&file, file.len() as u64).unwrap();
        assert_eq!(
            shape.len,
            file.len() - 200,
            "the header ends after the MAC line"
        );
        assert_eq!((shape.x25519, shape.grease, shape.other), (2, 1, 0));
        assert_eq!(
            shape.recipients(),
            2,
            "one grease stanza is not a recipient"
        );
    }

    #[test]
    fn a_gigabyte_of_junk_is_refused_having_read_only_a_bounded_prefix() {
        let mut x: u32 = 7;
        let mut src = Counting {
            fill: move |_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (x >> 16) as u8
            },
            read: 0,
            len: 1 << 30,
        };
        let prefix = read_prefix(&mut src).unwrap();
        let err = check(&prefix, 1 << 30).unwrap_err();
        assert_eq!(err.kind(), "bundle_not_age", "junk is not an age file");
        assert!(
            src.read <= limits::MAX_HEADER_BYTES as u64,
            "the check must read at most the header bound, read {}",
            src.read
        );
    }

    #[test]
    fn a_header_line_of_100_mib_without_newline_is_refused_within_the_bound() {
        let mut src = Counting {
            fill: |i| {
                let head = b"age-encryption.org/v1\n-> X25519 ";
                head.get(i as usize).copied().unwrap_or(b'A')
            },
            read: 0,
            len: 100 << 20,
        };
        let prefix = read_prefix(&mut src).unwrap();
        let err = check(&prefix, 100 << 20).unwrap_err();
        assert_eq!(
            err.kind(),
            "bundle_header_too_large",
            "an endless header line is a header over its bound"
        );
        assert!(
            src.read <= limits::MAX_HEADER_BYTES as u64,
            "a header line must not be read past the bound, read {}",
            src.read
        );
    }

    #[test]
    fn thousands_of_x25519_stanzas_are_refused_by_the_count_before_any_key_work() {
        for n in [2_000, 20_000] {
            let file = with_mac(stanzas(n));
            let mut src = io::Cursor::new(&file);
            let prefix = read_prefix(&mut src).unwrap();
            assert!(
                src.position() <= limits::MAX_HEADER_BYTES as u64,
                "{n} stanzas: only the bounded prefix is read"
            );
            // No identity is involved: the count alone refuses the file.
            let err = check(&prefix, file.len() as u64).unwrap_err();
            assert_eq!(
                err.kind(),
                "bundle_too_many_recipients",
                "{n} stanzas: a header over the stanza limit is refused by its count"
            );
        }
        let file = with_mac(stanzas(limits::MAX_HEADER_STANZAS));
        assert!(
            check(&file, file.len() as u64).is_ok(),
            "exactly the stanza limit is accepted"
        );
    }

    #[test]
    fn a_passphrase_stanza_is_refused_before_the_rest_is_read() {
        let mut h = MAGIC.to_vec();
        h.extend_from_slice(b"-> scrypt c2FsdHNhbHRzYWx0c2FsdA 30\n");
        let err = check(&h, h.len() as u64 + 1000).unwrap_err();
        assert_eq!(err.kind(), "bundle_passphrase", "scrypt is refused at once");
    }

    #[test]
    fn truncated_or_misframed_headers_are_not_age_files() {
        let good = with_mac(stanzas(1));
        let mac_at = good.windows(4).position(|w| w == b"--- ").unwrap();
        for cut in [0, 5, MAGIC.len(), MAGIC.len() + 10, mac_at, mac_at + 10] {
            assert_eq!(
                check(&good[..cut], cut as u64).unwrap_err().kind(),
                "bundle_not_age",
                "a header truncated at {cut} is not an age file"
            );
        }
        let mut long_body = MAGIC.to_vec();
        long_body.extend_from_slice(b"-> X25519 abc\n");
        long_body.extend_from_slice(&[b'A'; 65]);
        long_body.extend_from_slice(b"\n--- x\n");
        assert_eq!(
            check(&long_body, long_body.len() as u64)
                .unwrap_err()
                .kind(),
            "bundle_not_age",
            "a body line over 64 columns is not age's framing"
        );
        let mut no_mac = stanzas(1);
        no_mac.extend_from_slice(b"junk after the stanzas\n");
        assert_eq!(
            check(&no_mac, no_mac.len() as u64).unwrap_err().kind(),
            "bundle_not_age",
            "a line that is neither a stanza nor the MAC is not age's framing"
        );
    }
}
