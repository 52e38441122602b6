//! Makes the fuzzing world in `fuzz/work/` (or `$SAKSI_FUZZ_WORK`): a monitor and an HQ that
//! trust each other (HQ registered from its card, so its receipts are accepted), a real bundle
//! imported at HQ and HQ's receipt recorded by the monitor, and a seed corpus for every target in
//! `work/seeds/<target>/`. With `--photo PATH` it also writes the JPEG with EXIF (orientation,
//! camera, date, GPS) that the seeds and the core's fuzzing suite start from.
use std::fs;
use std::io::Read;
use std::path::Path;

use saksi_core::bundle::{self, keys, ExportOptions};
use saksi_core::model::{IncidentInput, RecordType};
use saksi_core::vault::{KdfProfile, Vault};

/// One IFD entry: tag, TIFF type, count, value bytes (little-endian).
type Entry = (u16, u16, u32, Vec<u8>);

fn ascii(tag: u16, s: &str) -> Entry {
    let mut v = s.as_bytes().to_vec();
    v.push(0);
    (tag, 2, v.len() as u32, v)
}

fn rationals(tag: u16, r: &[(u32, u32)]) -> Entry {
    let mut v = Vec::new();
    for (n, d) in r {
        v.extend_from_slice(&n.to_le_bytes());
        v.extend_from_slice(&d.to_le_bytes());
    }
    (tag, 5, r.len() as u32, v)
}

/// An IFD at `at` (its out-of-line values after it), and where the next structure may start.
fn ifd(at: u32, entries: &[Entry]) -> (Vec<u8>, u32) {
    let mut out = Vec::new();
    let mut data = Vec::new();
    let data_at = at + 2 + 12 * entries.len() as u32 + 4;
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    for (tag, ty, count, value) in entries {
        out.extend_from_slice(&tag.to_le_bytes());
        out.extend_from_slice(&ty.to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        if value.len() <= 4 {
            let mut v = value.clone();
            v.resize(4, 0);
            out.extend_from_slice(&v);
        } else {
            out.extend_from_slice(&(data_at + data.len() as u32).to_le_bytes());
            data.extend_from_slice(value);
            if data.len() % 2 == 1 {
                data.push(0);
            }
        }
    }
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&data);
    let end = at + out.len() as u32;
    (out, end)
}

/// A 96 × 64 JPEG with an APP1 EXIF segment.
fn photo() -> Vec<u8> {
    let img = image::RgbImage::from_fn(96, 64, |x, y| image::Rgb([x as u8 * 2, y as u8 * 3, 90]));
    let mut jpeg = std::io::Cursor::new(Vec::new());
    img.write_to(&mut jpeg, image::ImageFormat::Jpeg)
        .expect("in memory");
    let jpeg = jpeg.into_inner();
    // IFD0: make, model, orientation 6 (turned right), date, and the GPS IFD after it.
    let ifd0_entries = |gps_at: u32| {
        vec![
            ascii(0x010F, "Saksi test camera"),
            ascii(0x0110, "Fuzz 1"),
            (0x0112, 3, 1, 6u16.to_le_bytes().to_vec()),
            ascii(0x0132, "2026:12:02 10:00:00"),
            (0x8825, 4, 1, gps_at.to_le_bytes().to_vec()),
        ]
    };
    let (_, gps_at) = ifd(8, &ifd0_entries(0));
    let (ifd0, _) = ifd(8, &ifd0_entries(gps_at));
    let (gps, _) = ifd(
        gps_at,
        &[
            ascii(0x0001, "N"),
            rationals(0x0002, &[(11, 1), (33, 1), (45, 1)]),
            ascii(0x0003, "E"),
            rationals(0x0004, &[(104, 1), (55, 1), (1, 2)]),
            (0x0005, 1, 1, vec![0]),
            rationals(0x0006, &[(12, 1)]),
        ],
    );
    let mut tiff = b"II*\0".to_vec();
    tiff.extend_from_slice(&8u32.to_le_bytes());
    tiff.extend_from_slice(&ifd0);
    tiff.extend_from_slice(&gps);
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn card(v: &Vault) -> Vec<u8> {
    serde_json::to_vec(&keys::device_card(v).expect("card")).expect("json")
}

fn seed(work: &Path, target: &str, name: &str, bytes: &[u8]) {
    let dir = work.join("seeds").join(target);
    fs::create_dir_all(&dir).expect("seeds folder");
    fs::write(dir.join(name), bytes).expect("seed");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--photo") {
        let path = args.get(i + 1).expect("--photo PATH");
        fs::write(path, photo()).expect("photo");
        return;
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let work = saksi_fuzz::work();
    if work.exists() {
        fs::remove_dir_all(&work).expect("old work folder");
    }
    fs::create_dir_all(&work).expect("work folder");
    let pass = saksi_fuzz::pass();
    let mut mon = Vault::create_named(&work.join("mon"), &pass, KdfProfile::Minimum, Some("mon"))
        .expect("monitor vault");
    let mut hq =
        Vault::create_named(&work.join("hq"), &pass, KdfProfile::Minimum, Some("hq")).expect("hq");
    keys::keygen(&mut hq).expect("HQ key");
    keys::recipient_add_card(&mut mon, "hq", &card(&hq)).expect("recipient");
    keys::trust_add(&mut hq, &card(&mon)).expect("trust");
    let input: IncidentInput = serde_json::from_str(
        r#"{"title": "ការចាប់ខ្លួន", "description": "arrest at the market", "kinds": ["arbitrary_arrest"],
            "people": {"a": {"name": "សុខ"}}, "involvements": [{"person": "a", "role": "victim"}]}"#,
    )
    .expect("incident");
    let incident = mon.incidents_mut().add(&input).expect("incident");
    let media = repo.join("tests/data/media");
    let photo = photo();
    for (name, bytes) in [
        ("photo.jpg", photo.clone()),
        ("tone.wav", fs::read(media.join("tone.wav")).expect("tone.wav")),
    ] {
        saksi_core::evidence::intake_reader(&mut mon, RecordType::Incident, &incident, name, &bytes[..])
            .expect("intake");
    }
    let b = work.join("bundle.saksi");
    bundle::export(
        &mut mon,
        &ExportOptions {
            to: vec!["hq".into()],
            out: b.clone(),
            ..Default::default()
        },
    )
    .expect("export");
    bundle::import(&mut hq, &b, None).expect("import at HQ");
    let r = work.join("receipt.saksi");
    bundle::write_receipt(&mut hq, None, &r).expect("receipt");
    bundle::import(&mut mon, &r, None).expect("receipt at the monitor");

    let bundle_bytes = fs::read(&b).expect("bundle");
    seed(&work, "bundle_file", "real.saksi", &bundle_bytes);
    seed(&work, "receipt_file", "real.saksi", &fs::read(&r).expect("receipt"));
    let id = keys::hq_identity(&hq).expect("HQ key").expect("HQ key");
    let d = age::Decryptor::new(&bundle_bytes[..]).expect("age");
    let mut plain = Vec::new();
    d.decrypt(std::iter::once(&id as &dyn age::Identity))
        .expect("for HQ")
        .read_to_end(&mut plain)
        .expect("decrypts");
    seed(&work, "bundle_plain", "real.tar", &plain);
    let mut archive = tar::Archive::new(&plain[..]);
    for (i, e) in archive.entries().expect("tar").enumerate() {
        let mut e = e.expect("entry");
        let name = String::from_utf8_lossy(&e.path_bytes()).into_owned();
        let mut bytes = Vec::new();
        e.read_to_end(&mut bytes).expect("entry");
        if name == "manifest.json" {
            seed(&work, "manifest", "manifest.json", &bytes);
        }
        if name.starts_with("records/") {
            let mut input = name.clone().into_bytes();
            input.push(b'\n');
            input.extend_from_slice(&bytes);
            seed(&work, "record", &format!("{i}.txt"), &input);
        }
    }
    seed(&work, "keyfile", "v2.key", &fs::read(work.join("hq/vault.key")).expect("key"));
    seed(&work, "preview", "photo.jpg", &photo);
    let mut png = std::io::Cursor::new(Vec::new());
    image::RgbaImage::from_fn(40, 30, |x, y| image::Rgba([x as u8, y as u8, 7, 200]))
        .write_to(&mut png, image::ImageFormat::Png)
        .expect("png");
    seed(&work, "preview", "small.png", &png.into_inner());
    let types = ["clip.mp4", "", "clip.webm", "tone.wav", "tone.mp3", "tone.ogg", "tone.flac"];
    for (pick, name) in types.iter().enumerate() {
        if name.is_empty() {
            continue;
        }
        let bytes = fs::read(media.join(name)).expect("media file");
        seed(&work, "preview", name, &bytes);
        let mut input = vec![pick as u8];
        input.extend_from_slice(&bytes);
        seed(&work, "media", name, &input);
    }
    println!("fuzz-setup: world and seeds in {}", work.display());
}
