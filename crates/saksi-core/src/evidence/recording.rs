//! A voice testimony recorded straight into the vault: one user action, one intake. The frames
//! of a [`CaptureSource`] are encrypted into a scratch blob as they come, then the WAV file (its
//! header, then the scratch decrypted piece by piece) goes through the ordinary intake: hashed,
//! probed, stored with its row and its custody entry (origin `recording`) in one transaction.
//! See [`super::media::record`] for why there are two passes and why neither leaves plaintext.

use std::io::{Cursor, Read};

use uuid::Uuid;

use super::media::record::{check_format, wav_header, CaptureSource, PcmBytes};
use super::media::MediaError;
use super::{intake, record_exists, Intake};
use crate::crypto::blob;
use crate::error::{Error, Result};
use crate::model::RecordType;
use crate::progress::Progress;
use crate::vault::Vault;

/// Whether a recording could be attached to testimony `testimony_id` now: refused for a
/// read-only or review-mode vault and for a testimony that does not exist. The desktop asks
/// before it opens the microphone, so that nobody records for an hour only to be told no.
pub fn check_recordable(vault: &Vault, testimony_id: &Uuid) -> Result<()> {
    vault.records_writable()?;
    record_exists(vault, RecordType::Testimony, testimony_id)
}

/// Records from `source` until it ends and attaches the WAV file to testimony `testimony_id`.
/// `progress` sees the bytes captured so far (no total: the length is not known in advance) and
/// may cancel, which stores nothing.
pub fn record_testimony(
    vault: &mut Vault,
    testimony_id: &Uuid,
    source: &mut dyn CaptureSource,
    progress: &mut dyn Progress,
) -> Result<Intake> {
    check_recordable(vault, testimony_id)?;
    let format = source.format();
    check_format(format)?;
    let dir = vault.blob_dir();
    let mut pcm = PcmBytes::new(source);
    let scratch = blob::write(&dir, &mut pcm, |_, size| {
        crate::progress::check(progress, size, None)
    });
    let scratch = match scratch {
        Ok(s) => s,
        Err(e) => return Err(pcm.error.take().map(Error::from).unwrap_or(e)),
    };
    if scratch.size == 0 {
        return Err(MediaError::Capture("the sound source gave no sound".into()).into());
    }
    let data_len = u32::try_from(scratch.size)
        .map_err(|_| MediaError::TooLong(super::media::record::MAX_RECORDING_SECONDS))?;
    let header = wav_header(format, data_len);
    let pcm = blob::open(&scratch.part_path(), &scratch.identity)?;
    let wav = Cursor::new(header).chain(pcm);
    let name = format!(
        "recording-{}.wav",
        chrono::Utc::now().format("%Y-%m-%dT%H-%M-%SZ")
    );
    let total = scratch.size + 44;
    let stored = intake::intake_full(
        vault,
        RecordType::Testimony,
        testimony_id,
        &name,
        wav,
        Some(total),
        &mut (),
        Some("recording"),
        |_, _, _, _| Ok(()),
    );
    // The scratch blob is removed here (dropped without `keep`), stored or not.
    drop(scratch);
    stored
}
