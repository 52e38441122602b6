//! Unit tests of the thumbnail limits and of intake's key hygiene.

use std::fs;
use std::io::{Seek, SeekFrom};

use super::picture::{make_thumbnail, read_exif, MAX_THUMBNAIL_ALLOC};
use super::*;

/// CRC-32 (ISO-HDLC, as PNG uses), bit by bit: test data only.
fn crc32(parts: &[&[u8]]) -> u32 {
    let mut c = !0u32;
    for b in parts.iter().flat_map(|p| p.iter()) {
        c ^= u32::from(*b);
        for _ in 0..8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0xEDB8_8320
            } else {
                c >> 1
            };
        }
    }
    !c
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    out.extend_from_slice(&crc32(&[kind, data]).to_be_bytes());
}

/// A zlib stream of `n` zero bytes, written by hand (one fixed-Huffman block: a literal zero,
/// then 258-byte copies at distance 1), so a huge picture costs a tiny file and no encoder.
fn zlib_zeros(n: u64) -> Vec<u8> {
    struct Bits {
        out: Vec<u8>,
        acc: u64,
        len: u32,
    }
    impl Bits {
        fn put(&mut self, value: u64, len: u32) {
            self.acc |= value << self.len;
            self.len += len;
            while self.len >= 8 {
                self.out.push(self.acc as u8);
                self.acc >>= 8;
                self.len -= 8;
            }
        }
        /// Huffman codes go most significant bit first.
        fn code(&mut self, code: u64, len: u32) {
            let rev = (0..len).fold(0, |r, i| r | ((code >> i) & 1) << (len - 1 - i));
            self.put(rev, len);
        }
    }
    let mut b = Bits {
        out: vec![0x78, 0x01],
        acc: 0,
        len: 0,
    };
    b.put(1, 1); // final block
    b.put(1, 2); // fixed Huffman
    let mut left = n;
    b.code(0x30, 8); // literal 0
    left -= 1;
    while left >= 258 {
        b.code(0xC5, 8); // length 258 (symbol 285)
        b.code(0, 5); // distance 1
        left -= 258;
    }
    for _ in 0..left {
        b.code(0x30, 8);
    }
    b.code(0, 7); // end of block
    b.put(0, 7); // flush
    let mut out = b.out;
    let adler = ((n % 65521) << 16) | 1;
    out.extend_from_slice(&(adler as u32).to_be_bytes());
    out
}

/// An all-black RGB PNG of `w` × `h` with an EXIF orientation (eXIf chunk).
fn black_png_with_orientation(w: u32, h: u32, orientation: u16) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut png, b"IHDR", &ihdr);
    // Big-endian TIFF header, one IFD entry: Orientation (0x0112), SHORT, 1 value.
    let mut exif = b"MM\x00\x2a\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01".to_vec();
    exif.extend_from_slice(&orientation.to_be_bytes());
    exif.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    chunk(&mut png, b"eXIf", &exif);
    let raw = u64::from(h) * (1 + u64::from(w) * 3);
    chunk(&mut png, b"IDAT", &zlib_zeros(raw));
    chunk(&mut png, b"IEND", &[]);
    png
}

fn proc_status_kib(field: &str) -> u64 {
    let status = fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("{field} missing from /proc/self/status"))
}

const CHILD_ENV: &str = "SAKSI_TEST_THUMBNAIL_PEAK_CHILD";

/// Runs in a child process (see the test below): makes the thumbnail of a 9000 × 9000 photo
/// that asks to be turned 90°, and prints how far the peak RSS rose above where it started.
#[test]
fn thumbnail_peak_child() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return;
    }
    let png = black_png_with_orientation(9000, 9000, 6);
    let mut r = std::io::Cursor::new(png);
    let exif = read_exif(&mut r);
    let orientation = exif.as_ref().and_then(|e| e.orientation);
    assert_eq!(
        orientation,
        Some(6),
        "the test image must carry EXIF orientation 6"
    );
    r.seek(SeekFrom::Start(0)).unwrap();
    let before = proc_status_kib("VmRSS:");
    let len = r.get_ref().len() as u64;
    let thumb = make_thumbnail(r, len, orientation).expect("a 9000 × 9000 photo is within limits");
    let peak = proc_status_kib("VmHWM:");
    let img = image::load_from_memory(&thumb).unwrap();
    println!(
        "THUMBNAIL_PEAK_KIB={} THUMB={}x{}",
        peak.saturating_sub(before),
        img.width(),
        img.height()
    );
}

#[test]
fn exif_rotated_photo_thumbnail_stays_under_the_documented_memory_cap() {
    if std::env::var_os(CHILD_ENV).is_some() {
        return;
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "evidence::tests::thumbnail_peak_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the child failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = stdout
        .lines()
        .find_map(|l| {
            l.split_once("THUMBNAIL_PEAK_KIB=")
                .map(|(_, v)| v.to_string())
        })
        .unwrap_or_else(|| panic!("the child printed no measurement: {stdout}"));
    let (peak, dims) = line.split_once(' ').unwrap();
    let peak_kib: u64 = peak.parse().unwrap();
    assert_eq!(
        dims, "THUMB=320x320",
        "the thumbnail of a square photo stays square after turning"
    );
    assert!(
        peak_kib * 1024 <= MAX_THUMBNAIL_ALLOC,
        "the whole thumbnail operation (decode, resize, EXIF rotation, encode) must stay \
         under the documented {} MiB cap; it rose by {} MiB",
        MAX_THUMBNAIL_ALLOC >> 20,
        peak_kib >> 10
    );
}

#[test]
fn jpeg_whose_decode_would_pass_the_cap_is_refused_before_decoding() {
    // A real 8 × 8 JPEG whose header then claims 6000 × 6000: 103 MiB of picture, which a
    // JPEG decoder may need three times over. It must be refused from the header alone.
    let mut jpeg = std::io::Cursor::new(Vec::new());
    image::RgbImage::new(8, 8)
        .write_to(&mut jpeg, image::ImageFormat::Jpeg)
        .unwrap();
    let mut jpeg = jpeg.into_inner();
    let sof = jpeg
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("a baseline JPEG has an SOF0 marker");
    jpeg[sof + 5..sof + 7].copy_from_slice(&6000u16.to_be_bytes());
    jpeg[sof + 7..sof + 9].copy_from_slice(&6000u16.to_be_bytes());
    let len = jpeg.len() as u64;
    let err = make_thumbnail(std::io::Cursor::new(jpeg), len, None).unwrap_err();
    assert!(
        err.to_string().contains("too large to decode safely"),
        "a JPEG whose decoding would need more than the {} MiB cap must be refused before \
         decoding, not tried: {err}",
        MAX_THUMBNAIL_ALLOC >> 20
    );
}

#[test]
fn intake_leaves_no_unwiped_copy_of_the_attachment_key_in_freed_memory() {
    let (_tmp, mut v) = crate::testutil::vault();
    let id = crate::testutil::incident(&mut v, "arrest");
    let (intake, hits) = crate::testutil::freed::count_in_freed(&[b"AGE-SECRET-KEY-1"], || {
        intake_reader(
            &mut v,
            crate::model::RecordType::Incident,
            &id,
            "note.txt",
            &b"a witness"[..],
        )
    });
    intake.unwrap();
    assert_eq!(
        hits, 0,
        "intake must not free any unwiped copy of the attachment's age identity"
    );
}
