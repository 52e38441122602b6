//! `saksi incident update ID FILE|-`: one whole edit of a stored incident (its own fields, and
//! optionally the full lists of its acts and proceedings), applied by the core in one
//! transaction. The older input shape (own fields only) is the same JSON without the lists.

use std::path::Path;

use saksi_core::model::{parse_id, IncidentEdit};
use saksi_core::vault::Vault;

use crate::input;

/// Reads the edit from `file` (or standard input), applies it and prints the incident's id.
pub fn run(v: &mut Vault, id: &str, file: Option<&Path>) -> anyhow::Result<()> {
    let id = parse_id("incident", id)?;
    let edit: IncidentEdit = input::json(file)?;
    v.incidents_mut().edit(&id, &edit)?;
    println!("{id}");
    Ok(())
}
