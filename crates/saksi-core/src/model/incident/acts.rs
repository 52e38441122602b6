//! The acts of an incident (who was involved, in which role, with what counts): checked, then
//! inserted or changed in place.

use super::*;

pub(crate) fn check_act(
    conn: &Connection,
    has_person: bool,
    inv: &InvolvementInput,
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
        perpetrator_type: opt_text("perpetrator_type", &inv.perpetrator_type)?,
        perpetrator_unit: opt_text("perpetrator_unit", &inv.perpetrator_unit)?,
        degree: opt_text("degree", &inv.degree)?,
        group_description: opt_text("group description", &c.description)?,
        unit: c.unit,
        min: c.min,
        max: c.max,
        notes: inv.notes.as_deref().unwrap_or("").trim().to_string(),
    })
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
    let c = check_act(conn, person.is_some(), inv)?;
    let id = Uuid::now_v7();
    insert_act(conn, device_id, &id, incident, person, &c)?;
    Ok(id)
}

pub(super) fn insert_act(
    conn: &Connection,
    device_id: &str,
    id: &Uuid,
    incident: &Uuid,
    person: Option<&Uuid>,
    c: &CheckedAct,
) -> Result<()> {
    conn.execute(
        "INSERT INTO involvement (id, incident_id, person_id, role, act_type, method, injuries,
            perpetrator_type, perpetrator_unit, degree, counting_unit, group_description, count_min,
            count_max, notes, created_at, updated_at, device_id, version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?16, ?17, 1)",
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
    Ok(())
}

/// Writes a stored act's new state in place. Only a row that actually changes gets a new
/// version, timestamp and device id. Returns whether it changed.
pub(super) fn update_act(
    conn: &Connection,
    device_id: &str,
    id: &Uuid,
    person: Option<&Uuid>,
    c: &CheckedAct,
) -> Result<bool> {
    let n = conn.execute(
        "UPDATE involvement SET person_id = ?2, role = ?3, act_type = ?4, method = ?5,
            injuries = ?6, perpetrator_type = ?7, perpetrator_unit = ?8, degree = ?9,
            counting_unit = ?10, group_description = ?11, count_min = ?12, count_max = ?13,
            notes = ?14, updated_at = ?15, device_id = ?16, version = version + 1
         WHERE id = ?1 AND (person_id IS NOT ?2 OR role IS NOT ?3 OR act_type IS NOT ?4
            OR method IS NOT ?5 OR injuries IS NOT ?6 OR perpetrator_type IS NOT ?7
            OR perpetrator_unit IS NOT ?8 OR degree IS NOT ?9 OR counting_unit IS NOT ?10
            OR group_description IS NOT ?11 OR count_min IS NOT ?12 OR count_max IS NOT ?13
            OR notes IS NOT ?14)",
        params![
            id.to_string(),
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
