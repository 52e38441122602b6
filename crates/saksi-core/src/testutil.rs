//! Helpers shared by the unit tests: a fresh vault (minimum KDF) in a temporary folder.

use secrecy::SecretString;
use uuid::Uuid;

use crate::model::IncidentInput;
use crate::vault::{KdfProfile, Vault};

pub(crate) fn pass() -> SecretString {
    SecretString::from("correct horse battery".to_string())
}

/// A new vault at `<tempdir>/v`; keep the `TempDir` alive as long as the vault.
pub(crate) fn vault() -> (tempfile::TempDir, Vault) {
    let dir = tempfile::tempdir().unwrap();
    let v = Vault::create(&dir.path().join("v"), &pass(), KdfProfile::Minimum).unwrap();
    (dir, v)
}

/// Adds an incident with just a title.
pub(crate) fn incident(v: &mut Vault, title: &str) -> Uuid {
    v.incidents_mut()
        .add(&IncidentInput {
            title: title.into(),
            ..Default::default()
        })
        .unwrap()
}
