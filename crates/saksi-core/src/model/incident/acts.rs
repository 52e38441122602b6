//! The acts of an incident (who was involved, in which role, with what counts): checked, then
//! inserted or changed in place.

use super::*;
use crate::sql::Cached;

/// Checks an act. `stored` is the id of the stored act an incident edit re-sends, if any: its
/// perpetrator type may then keep the free text an older build wrote (see [`perpetrator_type`]).
pub(crate) fn check_act(
    conn: &Connection,
    has_person: bool,
    inv: &InvolvementInput,
    stored: Option<&Uuid>,
) -> Result<CheckedAct> {
    let role = check(conn, Vocab::Role, &inv.role)?;
    let c = inv.counting.clone().unwrap_or_default();
    if !matches!(c.unit.as_str(), "individual" | "group") {
        return Err(Error::invalid(format!(
            "unknown counting unit '{}' (individual, group)",
            c.unit
        )));
    }
    if c.unit == "individual" && !has_person {
        return Err(Error::invalid(
            "an act needs a person, or a counting unit of \"group\"",
        ));
    }
    if c.min.is_some_and(|m| m < 0) || c.max.is_some_and(|m| m < 0) {
        return Err(Error::invalid("counts cannot be negative"));
    }
    if c.min.is_some_and(|m| m > MAX_COUNT) || c.max.is_some_and(|m| m > MAX_COUNT) {
        return Err(Error::invalid(format!(
            "a count must be between 0 and {MAX_COUNT}"
        )));
    }
    if let (Some(a), Some(b)) = (c.min, c.max) {
        if a > b {
            return Err(Error::invalid(format!(
                "count minimum {a} is larger than maximum {b}"
            )));
        }
    }
    crate::model::bounded("notes", inv.notes.as_deref().unwrap_or(""))?;
    Ok(CheckedAct {
        role,
        act_type: opt_text("act_type", &inv.act_type)?,
        method: opt_text("method", &inv.method)?,
        injuries: opt_text("injuries", &inv.injuries)?,
        perpetrator_type: perpetrator_type(conn, &inv.perpetrator_type, stored)?,
        perpetrator_unit: opt_text("perpetrator_unit", &inv.perpetrator_unit)?,
        degree: opt_text("degree", &inv.degree)?,
        group_description: opt_text("group description", &c.description)?,
        unit: c.unit,
        min: c.min,
        max: c.max,
        notes: inv.notes.as_deref().unwrap_or("").trim().to_string(),
    })
}

/// A perpetrator type: a code of the `perpetrator_type` vocabulary, or the very value already
/// stored on the act being edited. Acts written before the vocabulary existed (or imported from
/// an older monitor's bundle) hold free text; an edit that re-sends it unchanged is accepted so
/// those incidents stay editable, but no new free text is written.
fn perpetrator_type(
    conn: &Connection,
    value: &Option<String>,
    stored: Option<&Uuid>,
) -> Result<Option<String>> {
    let Some(v) = opt_text("perpetrator_type", value)? else {
        return Ok(None);
    };
    if let Some(id) = stored {
        let old: Option<String> = conn
            .row(
                "SELECT perpetrator_type FROM involvement WHERE id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        if old.as_deref().map(str::trim) == Some(v.as_str()) {
            return Ok(old);
        }
    }
    let known: Vec<String> = crate::model::vocab::terms(conn, Vocab::PerpetratorType)?
        .into_iter()
        .map(|t| t.code)
        .collect();
    if known.contains(&v) {
        return Ok(Some(v));
    }
    Err(Error::invalid(format!(
        "perpetrator_type '{v}' is not a code of the perpetrator_type vocabulary \
         (list it with `saksi vocab perpetrator_type`; known: {})",
        known.join(", ")
    )))
}

pub(super) fn refuse_act_id(inv: &InvolvementInput) -> Result<()> {
    match &inv.id {
        None => Ok(()),
        Some(id) => Err(Error::invalid(format!(
            "a new act cannot carry an id ('{id}'): ids name stored acts in an incident edit only"
        ))),
    }
}

pub(crate) fn insert_involvement(
    conn: &Connection,
    device_id: &str,
    incident: &Uuid,
    person: Option<&Uuid>,
    inv: &InvolvementInput,
) -> Result<Uuid> {
    exists(conn, incident)?;
    refuse_act_id(inv)?;
    let c = check_act(conn, person.is_some(), inv, None)?;
    let id = Uuid::now_v7();
    write_act(conn, device_id, &id, incident, person, &c)?;
    Ok(id)
}

/// Writes an act: a new id is inserted (version 1); a stored id of this incident is changed in
/// place, and only a row that actually changes gets a new version, timestamp and device id.
/// Returns whether a row was written.
pub(super) fn write_act(
    conn: &Connection,
    device_id: &str,
    id: &Uuid,
    incident: &Uuid,
    person: Option<&Uuid>,
    c: &CheckedAct,
) -> Result<bool> {
    let n = conn.exec(
        "INSERT INTO involvement (id, incident_id, person_id, role, act_type, method, injuries,
            perpetrator_type, perpetrator_unit, degree, counting_unit, group_description, count_min,
            count_max, notes, created_at, updated_at, device_id, version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?16, ?17, 1)
         ON CONFLICT(id) DO UPDATE SET person_id = excluded.person_id, role = excluded.role,
            act_type = excluded.act_type, method = excluded.method, injuries = excluded.injuries,
            perpetrator_type = excluded.perpetrator_type,
            perpetrator_unit = excluded.perpetrator_unit, degree = excluded.degree,
            counting_unit = excluded.counting_unit, group_description = excluded.group_description,
            count_min = excluded.count_min, count_max = excluded.count_max, notes = excluded.notes,
            updated_at = excluded.updated_at, device_id = excluded.device_id,
            version = version + 1
         WHERE incident_id = excluded.incident_id AND (person_id IS NOT excluded.person_id
            OR role IS NOT excluded.role OR act_type IS NOT excluded.act_type
            OR method IS NOT excluded.method OR injuries IS NOT excluded.injuries
            OR perpetrator_type IS NOT excluded.perpetrator_type
            OR perpetrator_unit IS NOT excluded.perpetrator_unit OR degree IS NOT excluded.degree
            OR counting_unit IS NOT excluded.counting_unit
            OR group_description IS NOT excluded.group_description
            OR count_min IS NOT excluded.count_min OR count_max IS NOT excluded.count_max
            OR notes IS NOT excluded.notes)",
        params![
            id.to_string(),
            incident.to_string(),
            person.map(|p| p.to_string()),
            c.role,
            c.act_type,
            c.method,
            c.injuries,
            c.perpetrator_type,
            c.perpetrator_unit,
            c.degree,
            c.unit,
            c.group_description,
            c.min,
            c.max,
            c.notes,
            crate::model::now(),
            device_id
        ],
    )?;
    Ok(n > 0)
}
