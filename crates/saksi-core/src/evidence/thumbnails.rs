//! Thumbnails made after the fact, for photos that arrived in a bundle.
//!
//! Bundles carry no thumbnails (a received one would be untrusted input that need not show the
//! original): HQ makes its own from the verified original, with the same bounded decoder as
//! intake (invariant 12). Decoding a 12-megapixel photo costs far more than decrypting and
//! hashing it, so an import stores the photo's row with its thumbnail *pending* (no thumbnail and
//! no note) and commits; the thumbnail is made when it is first asked for ([`super::thumbnail`]),
//! or for all pending photos at once by [`make_pending`]. Each thumbnail is stored in its own
//! short transaction, so an interruption keeps those already made.

use rusqlite::OptionalExtension;
use serde::Serialize;
use uuid::Uuid;

use super::picture::{is_thumbnailable, thumbnail_for_blob};
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::vault::Vault;

/// Whether a row's thumbnail is still to be made: an image with neither a thumbnail nor a note
/// saying why there is none. (Intake always sets one of the two for an image.)
pub(super) fn is_pending(media_type: &str, has_thumbnail: bool, note: Option<&str>) -> bool {
    !has_thumbnail && note.is_none() && is_thumbnailable(media_type)
}

/// What [`make_pending`] did.
#[derive(Debug, Clone, Default, Serialize)]
#[non_exhaustive]
pub struct ThumbnailsMade {
    /// Thumbnails made and stored.
    pub made: u64,
    /// Photos that could not be read (corrupt, truncated, too large to decode safely): each row
    /// now says why, as at intake.
    pub failed: u64,
}

/// The thumbnail of attachment `id`: the stored one, or, if it is pending, made now from the
/// original and stored (unless the vault is open read-only: then it is only returned).
pub(super) fn get_or_make(vault: &Vault, id: &Uuid) -> Result<Option<Vec<u8>>> {
    let row: Option<(Option<Vec<u8>>, Option<String>, String)> = vault
        .conn
        .query_row(
            "SELECT thumbnail, thumbnail_note, media_type FROM attachment WHERE id = ?1",
            [id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((stored, note, media_type)) = row else {
        // A photo still waiting in a new incident's draft is shown the same way (made at intake).
        return crate::capture::thumbnail(&vault.conn, id)?
            .ok_or_else(|| Error::not_found("attachment", id));
    };
    if !is_pending(&media_type, stored.is_some(), note.as_deref()) {
        return Ok(stored);
    }
    let made = make(vault, id, &media_type)?;
    if vault.writable().is_ok() {
        store(vault, id, &made)?;
    }
    Ok(made.ok())
}

/// Makes every pending thumbnail, oldest attachment first, each stored in its own transaction.
/// Progress counts photos; cancelling keeps those already made.
pub fn make_pending(vault: &Vault, progress: &mut dyn Progress) -> Result<ThumbnailsMade> {
    vault.writable()?;
    let pending: Vec<(String, String)> = {
        let mut stmt = vault.conn.prepare(
            "SELECT id, media_type FROM attachment
             WHERE thumbnail IS NULL AND thumbnail_note IS NULL ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()?
            .into_iter()
            .filter(|(_, t)| is_pending(t, false, None))
            .collect()
    };
    let total = Some(pending.len() as u64);
    let mut out = ThumbnailsMade::default();
    for (i, (id, media_type)) in pending.iter().enumerate() {
        crate::progress::check(progress, i as u64, total)?;
        let id = Uuid::parse_str(id).map_err(|_| Error::Corrupt(format!("attachment id {id}")))?;
        let made = make(vault, &id, media_type)?;
        if store(vault, &id, &made)? {
            match made {
                Ok(_) => out.made += 1,
                Err(_) => out.failed += 1,
            }
        }
    }
    crate::progress::check(progress, pending.len() as u64, total).ok();
    Ok(out)
}

/// The thumbnail of the stored (verified) original, or why there is none. Errors only if the
/// blob cannot be found or its key is damaged.
fn make(
    vault: &Vault,
    id: &Uuid,
    media_type: &str,
) -> Result<std::result::Result<Vec<u8>, String>> {
    let (path, identity, _sha) = super::blob_of(vault, id)?;
    let size: i64 = vault.conn.query_row(
        "SELECT size FROM attachment WHERE id = ?1",
        [id.to_string()],
        |r| r.get(0),
    )?;
    Ok(thumbnail_for_blob(
        &path,
        &identity,
        media_type,
        u64::try_from(size).unwrap_or(u64::MAX),
    ))
}

/// Stores a made thumbnail (or the note why there is none) if the row is still pending; gives
/// whether it was.
fn store(vault: &Vault, id: &Uuid, made: &std::result::Result<Vec<u8>, String>) -> Result<bool> {
    let (thumbnail, note) = match made {
        Ok(t) => (Some(t.as_slice()), None),
        Err(why) => (None, Some(why.as_str())),
    };
    let n = vault.write(|tx, _| {
        Ok(tx.execute(
            "UPDATE attachment SET thumbnail = ?2, thumbnail_note = ?3
             WHERE id = ?1 AND thumbnail IS NULL AND thumbnail_note IS NULL",
            rusqlite::params![id.to_string(), thumbnail, note],
        )?)
    })?;
    Ok(n == 1)
}

#[cfg(test)]
mod tests {
    use crate::bundle::{export, import, ExportOptions};
    use crate::evidence;
    use crate::model::RecordType;
    use crate::testutil;

    #[test]
    fn an_import_leaves_photo_thumbnails_pending_and_hq_makes_them_from_the_original() {
        let testutil::World {
            tmp,
            mut mon,
            mut hq,
        } = testutil::world();
        let inc = testutil::incident(&mut mon, "photos");
        let photo = testutil::jpeg_with_exif(640, 480, "Canon");
        let good =
            evidence::intake_reader(&mut mon, RecordType::Incident, &inc, "a.jpg", &photo[..])
                .unwrap()
                .attachment;
        // A JPEG signature and end marker around noise: stored, but no decoder can read it.
        let junk = [&b"\xFF\xD8\xFF\xE0"[..], &[0x5A; 2000], &b"\xFF\xD9"[..]].concat();
        let bad = evidence::intake_reader(&mut mon, RecordType::Incident, &inc, "b.jpg", &junk[..])
            .unwrap()
            .attachment;
        assert!(good.has_thumbnail && !good.thumbnail_pending);
        assert!(!bad.has_thumbnail && bad.thumbnail_note.is_some());
        let out = tmp.path().join("b.saksi");
        export(
            &mut mon,
            &ExportOptions {
                to: vec!["hq".into()],
                out: out.clone(),
                ..Default::default()
            },
        )
        .unwrap();
        import(&mut hq, &out, None).unwrap();

        let stored: i64 = hq
            .conn
            .query_row(
                "SELECT count(*) FROM attachment WHERE thumbnail IS NOT NULL OR thumbnail_note IS NOT NULL",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(stored, 0, "the import itself decodes no photo");
        for a in evidence::list(&hq, None).unwrap() {
            assert!(
                a.thumbnail_pending && a.has_thumbnail,
                "an imported photo's thumbnail is pending, and offered to the screens: {a:?}"
            );
        }

        // Asked for: made from the verified original, by the same decoder as intake (so the same
        // bytes as the monitor's own), and stored.
        let id = uuid::Uuid::parse_str(&good.id).unwrap();
        let made = evidence::thumbnail(&hq, &id).unwrap().expect("a thumbnail");
        assert_eq!(
            Some(&made),
            evidence::thumbnail(&mon, &id).unwrap().as_ref(),
            "HQ's thumbnail is made from the original the monitor took"
        );
        let thumb = image::load_from_memory(&made).unwrap();
        assert_eq!(
            (thumb.width(), thumb.height()),
            (240, 320),
            "320 pixels, turned by the photo's EXIF orientation"
        );
        assert!(!evidence::get(&hq, &id).unwrap().thumbnail_pending);

        // The rest at once: the unreadable one gets its note, as at intake.
        let report = super::make_pending(&hq, &mut ()).unwrap();
        assert_eq!((report.made, report.failed), (0, 1));
        let bad_id = uuid::Uuid::parse_str(&bad.id).unwrap();
        let bad_hq = evidence::get(&hq, &bad_id).unwrap();
        assert!(!bad_hq.has_thumbnail && !bad_hq.thumbnail_pending);
        assert!(
            bad_hq
                .thumbnail_note
                .as_deref()
                .is_some_and(|n| n.starts_with("no thumbnail:")),
            "{bad_hq:?}"
        );
        assert_eq!(evidence::thumbnail(&hq, &bad_id).unwrap(), None);
        let again = super::make_pending(&hq, &mut ()).unwrap();
        assert_eq!(
            (again.made, again.failed),
            (0, 0),
            "nothing is left pending"
        );
    }
}
