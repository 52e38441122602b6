//! The kinds of record a vault holds, as one closed list: the names used in the database
//! (`attachment.record_type`), in bundles (`rows/<type>.jsonl`), in custody entries and in the
//! shells all come from here.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordType {
    Person,
    Incident,
    /// An act: a person's part in an incident (victim, perpetrator, witness…).
    Involvement,
    Proceeding,
    Testimony,
    Intervention,
    Attachment,
    /// A note, tags or a reviewed mark on another record (issue 11).
    Annotation,
}

impl RecordType {
    /// Every type, in the order a bundle carries them (referenced before referencing).
    pub const ALL: [RecordType; 8] = [
        RecordType::Person,
        RecordType::Incident,
        RecordType::Involvement,
        RecordType::Proceeding,
        RecordType::Testimony,
        RecordType::Intervention,
        RecordType::Attachment,
        RecordType::Annotation,
    ];

    /// The records that can hold evidence (an attachment belongs to one of these).
    pub const EVIDENCE_HOLDERS: [RecordType; 3] = [
        RecordType::Incident,
        RecordType::Testimony,
        RecordType::Person,
    ];

    /// The stable name: the database value, the bundle's file stem, the custody entry's type.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordType::Person => "person",
            RecordType::Incident => "incident",
            RecordType::Involvement => "involvement",
            RecordType::Proceeding => "proceeding",
            RecordType::Testimony => "testimony",
            RecordType::Intervention => "intervention",
            RecordType::Attachment => "attachment",
            RecordType::Annotation => "annotation",
        }
    }

    /// The table whose rows are records of this type.
    pub fn table(self) -> &'static str {
        self.as_str()
    }

    pub fn holds_evidence(self) -> bool {
        Self::EVIDENCE_HOLDERS.contains(&self)
    }

    /// `s` as a record that can hold evidence, or a clear error.
    pub fn evidence_holder(s: &str) -> Result<Self> {
        match s.parse::<Self>() {
            Ok(t) if t.holds_evidence() => Ok(t),
            _ => Err(Error::invalid(format!(
                "attachments belong to an incident, a testimony or a person, not '{s}'"
            ))),
        }
    }
}

impl fmt::Display for RecordType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RecordType {
    type Err = Error;

    /// Exactly the stable names; no case folding, no aliases.
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "person" => Ok(RecordType::Person),
            "incident" => Ok(RecordType::Incident),
            "involvement" => Ok(RecordType::Involvement),
            "proceeding" => Ok(RecordType::Proceeding),
            "testimony" => Ok(RecordType::Testimony),
            "intervention" => Ok(RecordType::Intervention),
            "attachment" => Ok(RecordType::Attachment),
            "annotation" => Ok(RecordType::Annotation),
            _ => Err(Error::invalid(format!("'{s}' is not a kind of record"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_type_names_round_trip_and_nothing_else_parses() {
        for t in RecordType::ALL {
            assert_eq!(t.as_str().parse::<RecordType>().ok(), Some(t));
            let json = serde_json::to_string(&t).expect("serialise");
            assert_eq!(
                json,
                format!("\"{}\"", t.as_str()),
                "serde uses the stable name"
            );
        }
        for bad in ["", "Incident", "incident ", "incident; DROP TABLE x", "act"] {
            assert!(
                bad.parse::<RecordType>().is_err(),
                "{bad:?} must be refused"
            );
        }
    }

    #[test]
    fn the_bundle_order_is_the_manifests() {
        let names: Vec<&str> = RecordType::ALL.iter().map(|t| t.as_str()).collect();
        assert_eq!(
            names,
            crate::bundle::manifest::RECORD_TYPES,
            "one list, one order"
        );
        let mut sorted = RecordType::ALL;
        sorted.sort();
        assert_eq!(sorted, RecordType::ALL, "Ord follows the bundle order");
    }

    #[test]
    fn only_incidents_testimonies_and_persons_hold_evidence() {
        assert!(RecordType::evidence_holder("incident").is_ok());
        assert!(RecordType::evidence_holder("person").is_ok());
        assert!(
            RecordType::evidence_holder("attachment").is_err(),
            "an attachment cannot hold an attachment"
        );
    }
}
