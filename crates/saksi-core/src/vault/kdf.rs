//! The passphrase's key derivation: Argon2id parameters, the range a key file may ask for, and
//! calibration to this machine. The key file's format is [`super::keyfile`].

use std::time::{Duration, Instant};

use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// The floor below which no vault is ever created or opened: RFC 9106's second recommended
/// option (64 MiB, t = 3).
pub const MIN_MEMORY_KIB: u32 = 64 * 1024;
pub const MIN_PASSES: u32 = 3;
/// The most calibration ever chooses: 256 MiB of memory, 16 passes, one lane.
pub const CALIBRATED_MAX_MEMORY_KIB: u32 = 256 * 1024;
pub const CALIBRATED_MAX_PASSES: u32 = 16;
/// The range a key file may ask for: what calibration produces, with a margin of two (four
/// lanes, though calibration uses one). Anything outside is refused as damaged before Argon2id
/// runs, so a tampered key file cannot make unlocking take gigabytes or minutes: the worst it
/// can ask for is 512 MiB × 32 passes (about 85 times the minimum's work).
pub const MAX_MEMORY_KIB: u32 = 2 * CALIBRATED_MAX_MEMORY_KIB;
pub const MAX_PASSES: u32 = 2 * CALIBRATED_MAX_PASSES;
pub const MIN_LANES: u32 = 1;
pub const MAX_LANES: u32 = 4;

/// How strongly to derive the key-encryption key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KdfProfile {
    /// Measure this machine and choose parameters that take about `target` (never below the
    /// minimum).
    Calibrated { target: Duration },
    /// Exactly the minimum (64 MiB, t = 3). For tests and very slow machines.
    Minimum,
}

impl KdfProfile {
    /// The default: calibrated to about 0.75 s, within the 0.5–1 s band.
    pub const DEFAULT: KdfProfile = KdfProfile::Calibrated {
        target: Duration::from_millis(750),
    };

    /// `SAKSI_KDF=minimum` selects [`KdfProfile::Minimum`] (used by the test suites); anything
    /// else, the calibrated default.
    pub fn from_env() -> Self {
        match std::env::var("SAKSI_KDF").as_deref() {
            Ok("minimum") => KdfProfile::Minimum,
            _ => KdfProfile::DEFAULT,
        }
    }
}

/// Argon2id cost parameters as stored in the key file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct KdfParams {
    pub memory_kib: u32,
    pub passes: u32,
    pub lanes: u32,
}

impl KdfParams {
    pub const MINIMUM: KdfParams = KdfParams {
        memory_kib: MIN_MEMORY_KIB,
        passes: MIN_PASSES,
        lanes: 1,
    };

    /// Refuses any parameter outside the range this Saksi accepts, before any work is done.
    pub(crate) fn validate(&self) -> Result<()> {
        let fields = [
            (
                "Argon2id memory (KiB)",
                self.memory_kib,
                MIN_MEMORY_KIB,
                MAX_MEMORY_KIB,
            ),
            ("Argon2id passes", self.passes, MIN_PASSES, MAX_PASSES),
            ("Argon2id lanes", self.lanes, MIN_LANES, MAX_LANES),
        ];
        for (field, value, min, max) in fields {
            if !(min..=max).contains(&value) {
                return Err(Error::KeyFileOutOfRange {
                    field,
                    value,
                    min,
                    max,
                });
            }
        }
        Ok(())
    }

    /// Chooses parameters for `profile` on this machine.
    pub fn choose(profile: KdfProfile) -> Result<KdfParams> {
        match profile {
            KdfProfile::Minimum => Ok(KdfParams::MINIMUM),
            KdfProfile::Calibrated { target } => {
                let probe = KdfParams::MINIMUM;
                let took = time_derivation(&probe)?;
                Ok(scale_params(took, target))
            }
        }
    }
}

/// Scales the minimum parameters, measured at `took`, towards `target`: memory first (up to
/// 256 MiB: memory hardness is what GPUs pay for), then passes (up to 16). The result always lies
/// inside the range [`KdfParams::validate`] accepts, whatever the measurement.
fn scale_params(took: Duration, target: Duration) -> KdfParams {
    let took = took.as_secs_f64().max(1e-3);
    let scale = target.as_secs_f64() / took;
    if scale <= 1.0 {
        return KdfParams::MINIMUM;
    }
    let mem_scale = scale.min(f64::from(CALIBRATED_MAX_MEMORY_KIB / MIN_MEMORY_KIB));
    let memory_kib = ((MIN_MEMORY_KIB as f64) * mem_scale) as u32 / 1024 * 1024;
    let remaining = scale / mem_scale;
    let passes = ((MIN_PASSES as f64) * remaining)
        .round()
        .max(MIN_PASSES as f64) as u32;
    KdfParams {
        memory_kib: memory_kib.clamp(MIN_MEMORY_KIB, CALIBRATED_MAX_MEMORY_KIB),
        passes: passes.min(CALIBRATED_MAX_PASSES),
        lanes: 1,
    }
}

fn time_derivation(params: &KdfParams) -> Result<Duration> {
    let mut salt = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut salt);
    let start = Instant::now();
    derive_kek(&SecretString::from("calibration"), &salt, params)?;
    Ok(start.elapsed())
}

/// The key-encryption key: Argon2id of the passphrase under `salt` with these parameters.
pub(crate) fn derive_kek(
    passphrase: &SecretString,
    salt: &[u8; 32],
    p: &KdfParams,
) -> Result<Zeroizing<[u8; 32]>> {
    crate::crypto::kdf::argon2id(
        passphrase.expose_secret().as_bytes(),
        salt,
        p.memory_kib,
        p.passes,
        p.lanes,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaling_never_goes_below_the_minimum() {
        let p = scale_params(Duration::from_secs(3), Duration::from_millis(750));
        assert_eq!(p, KdfParams::MINIMUM);
        let p = scale_params(Duration::from_millis(100), Duration::from_millis(750));
        assert_eq!(p.memory_kib, 256 * 1024);
        assert!(p.passes >= MIN_PASSES);
    }

    #[test]
    fn calibration_never_chooses_parameters_the_key_file_check_refuses() {
        for ms in [1u64, 2, 10, 50, 100, 187, 250, 500, 749, 750, 3000] {
            for target in [750u64, 1000, 60_000] {
                let p = scale_params(Duration::from_millis(ms), Duration::from_millis(target));
                assert!(
                    p.validate().is_ok(),
                    "calibration chose {p:?} (probe {ms} ms, target {target} ms), which opening refuses"
                );
                assert!(
                    p.memory_kib <= CALIBRATED_MAX_MEMORY_KIB && p.passes <= CALIBRATED_MAX_PASSES,
                    "calibration must stay within its documented maximum: {p:?}"
                );
            }
        }
    }
}
