//! Every error kind is listed in [`ALL_KINDS`] and translated in every UI language (issue 12).

use std::collections::BTreeSet;

use super::{Error, ALL_KINDS};
use crate::bundle::{BundleError, ExportError, KeyError, ReceiptError};
use crate::case::CaseError;
use crate::consent::ConsentError;
use crate::deletion::DeletionError;
use crate::derivative::DerivativeError;
use crate::evidence::media::MediaError;
use crate::model::person_merge::MergeError;

fn s() -> String {
    "x".into()
}

/// One error of every variant. The matches below have no wildcard: a new variant does not
/// compile until it is added here (and so checked against ALL_KINDS and the translations).
fn one_of_each() -> Vec<Error> {
    let p = std::path::PathBuf::from("/v");
    let mut all = vec![
        Error::WrongPassphrase,
        Error::NoVault(p.clone()),
        Error::VaultExists(p.clone()),
        Error::NotEmpty(p),
        Error::BadKeyFile("x"),
        Error::KeyFileOutOfRange {
            field: "x",
            value: 0,
            min: 1,
            max: 2,
        },
        Error::KeyFileTooNew(9),
        Error::SchemaTooNew {
            found: 2,
            supported: 1,
        },
        Error::Corrupt(s()),
        Error::Busy,
        Error::DiskFull,
        Error::WeakPassphrase(8),
        Error::GuessablePassphrase,
        Error::ReviewMode,
        Error::NotFound { what: "x", id: s() },
        Error::InvalidInput(s()),
        Error::StaleEdit {
            what: "x",
            id: s(),
            edited: 1,
            stored: 2,
        },
        Error::Migration(s()),
        Error::Database(rusqlite::Error::InvalidQuery),
        Error::Io(std::io::Error::other("x")),
        Error::Crypto("x"),
        Error::Cancelled,
        Error::Internal("x"),
        Error::WrongRecoveryKey,
        Error::RecoveryKeyMalformed(s()),
        Error::RecoveryKeyExists,
        Error::BadBackup(s()),
        Error::WrongBackupSecret,
        Error::DuressPassphraseInUse,
        Error::KeySlotsUnavailable,
        Error::ReadOnly,
        Error::ReadOnlyNeedsUpgrade {
            found: 1,
            supported: 2,
        },
        Error::ReadOnlyUnsettled,
    ];
    let bundle = [
        BundleError::NotAgeFile,
        BundleError::Passphrase,
        BundleError::NotForUs,
        BundleError::Damaged(s()),
        BundleError::NotABundle(s()),
        BundleError::Unsigned,
        BundleError::BadSignature,
        BundleError::UnknownSigner(s()),
        BundleError::RevokedSigner(s(), s()),
        BundleError::SupersededSigner {
            device: s(),
            by: s(),
            at: s(),
        },
        BundleError::BadReplacement(s()),
        BundleError::NotAddressedToUs(s()),
        BundleError::UnknownVersion(s(), 9),
        BundleError::MissingFile(s()),
        BundleError::ExtraFile(s()),
        BundleError::HashMismatch(s()),
        BundleError::BadEntryName(s()),
        BundleError::TooLarge(s()),
        BundleError::Malformed(s(), s()),
        BundleError::Replayed {
            device: s(),
            sequence: 1,
        },
        BundleError::Inconsistent(s()),
        BundleError::UnprovenAuthor {
            record: s(),
            device: s(),
        },
        BundleError::CustodyBroken(s()),
        BundleError::BadSumsSignature,
        BundleError::AttachmentImmutable(s()),
        BundleError::HeaderTooLarge,
        BundleError::TooManyRecipients,
        BundleError::UnlistedRecipients {
            header: 1,
            listed: 2,
        },
        BundleError::NoSpace {
            needed: 2,
            available: 1,
        },
    ];
    let keys = [
        KeyError::NoHqKey,
        KeyError::HqKeyExists,
        KeyError::BadRecipient(s()),
        KeyError::BadIdentity(s()),
        KeyError::UnknownRecipient(s()),
        KeyError::RecipientExists(s()),
        KeyError::KeyChanged(s()),
        KeyError::BadCard(s()),
        KeyError::UnknownDevice(s()),
    ];
    let export = [
        ExportError::OutputExists(s()),
        ExportError::NothingToExport(s()),
        ExportError::AttachmentAltered(s()),
    ];
    let receipt = [
        ReceiptError::NoImportedBundle(s()),
        ReceiptError::BadReceipt(s()),
    ];
    let merge = [
        MergeError::SelfMerge(s()),
        MergeError::AlreadyMerged {
            a: s(),
            b: s(),
            identity: s(),
        },
        MergeError::Cycle {
            person: s(),
            into: s(),
        },
        MergeError::BothInGroups {
            a: s(),
            b: s(),
            a_identity: s(),
            b_identity: s(),
        },
        MergeError::NotMerged(s()),
    ];
    all.extend(bundle.into_iter().map(Error::Bundle));
    all.extend(keys.into_iter().map(Error::Keys));
    all.extend(export.into_iter().map(Error::Export));
    all.extend(receipt.into_iter().map(Error::Receipt));
    all.extend(merge.into_iter().map(Error::Merge));
    let case = [
        CaseError::BadTitle { max: 1 },
        CaseError::DescriptionTooLong { max: 1 },
        CaseError::NotAnItem { id: s() },
        CaseError::AlreadyExhibit {
            item: s(),
            exhibit: s(),
        },
        CaseError::NothingToAdd { id: s() },
        CaseError::TooManyExhibits { max: 1 },
        CaseError::NoExhibits,
        CaseError::NoIncidents,
        CaseError::FolderNotEmpty("/f".into()),
        CaseError::ExhibitGone {
            exhibit: s(),
            item: s(),
        },
        CaseError::ExhibitAltered {
            exhibit: s(),
            expected: s(),
        },
    ];
    all.extend(case.into_iter().map(Error::Case));
    let media = [
        MediaError::Corrupt(s()),
        MediaError::TooLarge(s()),
        MediaError::Capture(s()),
        MediaError::TooLong(1),
        MediaError::NoMicrophone,
        MediaError::Microphone(s()),
    ];
    all.extend(media.into_iter().map(Error::Media));
    let derivative = [
        DerivativeError::NoRegions,
        DerivativeError::TooManyRegions { max: 1 },
        DerivativeError::RegionOutside {
            region: s(),
            width: 1,
            height: 1,
        },
        DerivativeError::BadMethod(s()),
        DerivativeError::NotAPhoto {
            id: s(),
            media_type: s(),
        },
        DerivativeError::AlreadyDerived {
            id: s(),
            original: s(),
        },
        DerivativeError::BadReplacement(s()),
        DerivativeError::NameNotFound { name: s() },
        DerivativeError::TextCopyRequired { testimony: s() },
        DerivativeError::TextCopyOutdated { testimony: s() },
        DerivativeError::PhotoCopyRequired {
            testimony: s(),
            item: s(),
        },
    ];
    all.extend(derivative.into_iter().map(Error::Derivative));
    let deletion = [
        DeletionError::ReasonRequired,
        DeletionError::ReasonTooLong { max: 1 },
        DeletionError::NotDeletable(s()),
        DeletionError::InUse {
            what: s(),
            uses: vec![s()],
        },
        DeletionError::NotPending(s()),
        DeletionError::CannotApply(s()),
        DeletionError::BadPolicy(s()),
    ];
    all.extend(deletion.into_iter().map(Error::Deletion));
    let consent = [
        ConsentError::UnknownPurpose(s()),
        ConsentError::AlreadyWithdrawn {
            testimony: s(),
            purpose: "publication",
            withdrawn_at: s(),
        },
        ConsentError::Incomplete("x"),
        ConsentError::WithdrawnForCourt {
            item: s(),
            exhibit: s(),
        },
    ];
    all.extend(consent.into_iter().map(Error::Consent));
    for e in &all {
        listed_here(e);
    }
    all
}

/// Compiles only while `one_of_each` can name every variant (no wildcard arm).
fn listed_here(e: &Error) {
    match e {
        Error::WrongPassphrase
        | Error::NoVault(_)
        | Error::VaultExists(_)
        | Error::NotEmpty(_)
        | Error::BadKeyFile(_)
        | Error::KeyFileOutOfRange { .. }
        | Error::KeyFileTooNew(_)
        | Error::SchemaTooNew { .. }
        | Error::Corrupt(_)
        | Error::Busy
        | Error::DiskFull
        | Error::WeakPassphrase(_)
        | Error::GuessablePassphrase
        | Error::NotFound { .. }
        | Error::InvalidInput(_)
        | Error::StaleEdit { .. }
        | Error::Migration(_)
        | Error::Database(_)
        | Error::Io(_)
        | Error::Crypto(_)
        | Error::Cancelled
        | Error::Internal(_)
        | Error::WrongRecoveryKey
        | Error::RecoveryKeyMalformed(_)
        | Error::RecoveryKeyExists
        | Error::BadBackup(_)
        | Error::WrongBackupSecret
        | Error::DuressPassphraseInUse
        | Error::KeySlotsUnavailable
        | Error::ReadOnly
        | Error::ReadOnlyNeedsUpgrade { .. }
        | Error::ReadOnlyUnsettled
        | Error::ReviewMode => {}
        Error::Derivative(d) => match d {
            DerivativeError::NoRegions
            | DerivativeError::TooManyRegions { .. }
            | DerivativeError::RegionOutside { .. }
            | DerivativeError::BadMethod(_)
            | DerivativeError::NotAPhoto { .. }
            | DerivativeError::AlreadyDerived { .. }
            | DerivativeError::BadReplacement(_)
            | DerivativeError::NameNotFound { .. }
            | DerivativeError::TextCopyRequired { .. }
            | DerivativeError::TextCopyOutdated { .. }
            | DerivativeError::PhotoCopyRequired { .. } => {}
        },
        Error::Deletion(d) => match d {
            DeletionError::ReasonRequired
            | DeletionError::ReasonTooLong { .. }
            | DeletionError::NotDeletable(_)
            | DeletionError::InUse { .. }
            | DeletionError::NotPending(_)
            | DeletionError::CannotApply(_)
            | DeletionError::BadPolicy(_) => {}
        },
        Error::Consent(c) => match c {
            ConsentError::UnknownPurpose(_)
            | ConsentError::AlreadyWithdrawn { .. }
            | ConsentError::Incomplete(_)
            | ConsentError::WithdrawnForCourt { .. } => {}
        },
        Error::Case(c) => match c {
            CaseError::BadTitle { .. }
            | CaseError::DescriptionTooLong { .. }
            | CaseError::NotAnItem { .. }
            | CaseError::AlreadyExhibit { .. }
            | CaseError::NothingToAdd { .. }
            | CaseError::TooManyExhibits { .. }
            | CaseError::NoExhibits
            | CaseError::NoIncidents
            | CaseError::FolderNotEmpty(_)
            | CaseError::ExhibitGone { .. }
            | CaseError::ExhibitAltered { .. } => {}
        },
        Error::Bundle(b) => match b {
            BundleError::NotAgeFile
            | BundleError::Passphrase
            | BundleError::NotForUs
            | BundleError::Damaged(_)
            | BundleError::NotABundle(_)
            | BundleError::Unsigned
            | BundleError::BadSignature
            | BundleError::UnknownSigner(_)
            | BundleError::RevokedSigner(_, _)
            | BundleError::SupersededSigner { .. }
            | BundleError::BadReplacement(_)
            | BundleError::NotAddressedToUs(_)
            | BundleError::UnknownVersion(_, _)
            | BundleError::MissingFile(_)
            | BundleError::ExtraFile(_)
            | BundleError::HashMismatch(_)
            | BundleError::BadEntryName(_)
            | BundleError::TooLarge(_)
            | BundleError::Malformed(_, _)
            | BundleError::Replayed { .. }
            | BundleError::Inconsistent(_)
            | BundleError::UnprovenAuthor { .. }
            | BundleError::CustodyBroken(_)
            | BundleError::BadSumsSignature
            | BundleError::AttachmentImmutable(_)
            | BundleError::HeaderTooLarge
            | BundleError::TooManyRecipients
            | BundleError::UnlistedRecipients { .. }
            | BundleError::NoSpace { .. } => {}
        },
        Error::Keys(k) => match k {
            KeyError::NoHqKey
            | KeyError::HqKeyExists
            | KeyError::BadRecipient(_)
            | KeyError::BadIdentity(_)
            | KeyError::UnknownRecipient(_)
            | KeyError::RecipientExists(_)
            | KeyError::KeyChanged(_)
            | KeyError::BadCard(_)
            | KeyError::UnknownDevice(_) => {}
        },
        Error::Export(x) => match x {
            ExportError::OutputExists(_)
            | ExportError::NothingToExport(_)
            | ExportError::AttachmentAltered(_) => {}
        },
        Error::Receipt(r) => match r {
            ReceiptError::NoImportedBundle(_) | ReceiptError::BadReceipt(_) => {}
        },
        Error::Media(m) => match m {
            MediaError::Corrupt(_)
            | MediaError::TooLarge(_)
            | MediaError::Capture(_)
            | MediaError::TooLong(_)
            | MediaError::NoMicrophone
            | MediaError::Microphone(_) => {}
        },
        Error::Merge(m) => match m {
            MergeError::SelfMerge(_)
            | MergeError::AlreadyMerged { .. }
            | MergeError::Cycle { .. }
            | MergeError::BothInGroups { .. }
            | MergeError::NotMerged(_) => {}
        },
    }
}

#[test]
fn all_kinds_lists_exactly_the_kinds_errors_have() {
    let made: BTreeSet<&str> = one_of_each().iter().map(Error::kind).collect();
    let listed: BTreeSet<&str> = ALL_KINDS.iter().copied().collect();
    assert_eq!(
        listed.len(),
        ALL_KINDS.len(),
        "ALL_KINDS must not list a kind twice"
    );
    assert_eq!(
        made, listed,
        "ALL_KINDS must list every kind an error can have, and no other"
    );
}

/// The UI's translation keys of a kind, in the order the UI tries them
/// (ui/src/lib/bundle/errors.ts exchangeErrorKey, then ui/src/lib/errors.ts errorKey).
fn keys_for(kind: &str) -> Vec<String> {
    let mut keys = Vec::new();
    if kind.starts_with("bundle_") {
        keys.push(format!("import.reject.{kind}"));
    }
    keys.push(format!("errors.{kind}"));
    keys
}

#[test]
fn every_error_kind_is_translated_in_every_ui_language() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/i18n");
    let mut missing = Vec::new();
    for lang in ["en", "km", "fr"] {
        let text = std::fs::read_to_string(dir.join(format!("{lang}.json"))).unwrap();
        let dict: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text).unwrap();
        for kind in ALL_KINDS {
            let found = keys_for(kind).iter().any(|k| {
                dict.get(k)
                    .and_then(|v| v.as_str())
                    .is_some_and(|v| !v.trim().is_empty())
            });
            if !found {
                missing.push(format!("{lang}: errors.{kind}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "every core error kind needs a translation in every UI language; missing: {missing:#?}"
    );
}
