//! What the store refuses to keep. The sync engine maps portal data into records; these checks catch a mapping
//! that let through something the reports cannot use (an empty stage, a negative id, an unknown semantics code),
//! so one bad row fails its whole batch instead of quietly corrupting numbers. Never fixes values up silently.

use crate::records::{
    Activity, Call, Company, CrmStatus, Currency, CustomFieldValue, Deal, Department, Lead,
    Pipeline, Project, StageHistory, Task, User,
};
use crate::StoreError;

type R = Result<(), StoreError>;

/// Bitrix24 ids of records are positive; 0 or below means the mapping lost the id.
pub(crate) fn positive_id(record: &'static str, field: &'static str, id: i64) -> R {
    if id > 0 {
        Ok(())
    } else {
        Err(StoreError::invalid(
            record,
            field,
            format!("must be a positive id, got {id}"),
        ))
    }
}

fn optional_positive_id(record: &'static str, field: &'static str, id: Option<i64>) -> R {
    match id {
        Some(id) => positive_id(record, field, id),
        None => Ok(()),
    }
}

pub(crate) fn not_empty(record: &'static str, field: &'static str, value: &str) -> R {
    if value.trim().is_empty() {
        Err(StoreError::invalid(record, field, "must not be empty"))
    } else {
        Ok(())
    }
}

/// Stage/status semantics: P in work, S success, F failure. Anything else would drop out of every report.
fn semantics(record: &'static str, field: &'static str, value: &str) -> R {
    match value {
        "P" | "S" | "F" => Ok(()),
        other => Err(StoreError::invalid(
            record,
            field,
            format!("must be P, S or F, got {other:?}"),
        )),
    }
}

/// A calendar date as the schema keeps it: `YYYY-MM-DD`.
pub(crate) fn date(record: &'static str, field: &'static str, value: &str) -> R {
    match chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        Ok(d) if d.format("%Y-%m-%d").to_string() == value => Ok(()),
        _ => Err(StoreError::invalid(
            record,
            field,
            format!("must be a date YYYY-MM-DD, got {value:?}"),
        )),
    }
}

fn optional_date(record: &'static str, field: &'static str, value: &Option<String>) -> R {
    match value {
        Some(v) => date(record, field, v),
        None => Ok(()),
    }
}

pub(crate) fn user(u: &User) -> R {
    positive_id("user", "id", u.id)?;
    for d in &u.department_ids {
        positive_id("user", "department_ids", *d)?;
    }
    Ok(())
}

pub(crate) fn department(d: &Department) -> R {
    positive_id("department", "id", d.id)?;
    optional_positive_id("department", "parent_id", d.parent_id)?;
    if d.parent_id == Some(d.id) {
        return Err(StoreError::invalid(
            "department",
            "parent_id",
            format!("department {} is its own parent", d.id),
        ));
    }
    Ok(())
}

pub(crate) fn pipeline(p: &Pipeline) -> R {
    // Pipeline 0 is the portal's default pipeline.
    if p.id < 0 {
        return Err(StoreError::invalid(
            "pipeline",
            "id",
            format!("must be 0 or positive, got {}", p.id),
        ));
    }
    Ok(())
}

pub(crate) fn crm_status(s: &CrmStatus) -> R {
    not_empty("crm_status", "entity_id", &s.entity_id)?;
    not_empty("crm_status", "status_id", &s.status_id)?;
    semantics("crm_status", "semantics", &s.semantics)
}

pub(crate) fn currency(c: &Currency) -> R {
    not_empty("currency", "currency", &c.currency)?;
    if c.amount_cnt <= 0 {
        return Err(StoreError::invalid(
            "currency",
            "amount_cnt",
            format!("must be positive, got {}", c.amount_cnt),
        ));
    }
    if !c.amount.is_finite() || c.amount <= 0.0 {
        return Err(StoreError::invalid(
            "currency",
            "amount",
            format!("must be a positive rate, got {}", c.amount),
        ));
    }
    Ok(())
}

pub(crate) fn company(c: &Company) -> R {
    positive_id("company", "id", c.id)
}

pub(crate) fn deal(d: &Deal) -> R {
    positive_id("deal", "id", d.id)?;
    if d.category_id < 0 {
        return Err(StoreError::invalid(
            "deal",
            "category_id",
            format!("must be 0 or positive, got {}", d.category_id),
        ));
    }
    not_empty("deal", "stage_id", &d.stage_id)?;
    semantics("deal", "stage_semantic_id", &d.stage_semantic_id)?;
    optional_date("deal", "begindate", &d.begindate)?;
    optional_date("deal", "closedate", &d.closedate)
}

pub(crate) fn lead(l: &Lead) -> R {
    positive_id("lead", "id", l.id)?;
    not_empty("lead", "status_id", &l.status_id)?;
    semantics("lead", "status_semantic_id", &l.status_semantic_id)
}

pub(crate) fn stage_history(h: &StageHistory) -> R {
    use crate::records::entity_type::{DEAL, LEAD};
    if h.entity_type_id != DEAL && h.entity_type_id != LEAD {
        return Err(StoreError::invalid(
            "stage_history",
            "entity_type_id",
            format!(
                "must be {LEAD} (lead) or {DEAL} (deal), got {}",
                h.entity_type_id
            ),
        ));
    }
    positive_id("stage_history", "id", h.id)?;
    positive_id("stage_history", "owner_id", h.owner_id)?;
    not_empty("stage_history", "stage_id", &h.stage_id)?;
    semantics("stage_history", "stage_semantic_id", &h.stage_semantic_id)
}

pub(crate) fn activity(a: &Activity) -> R {
    positive_id("activity", "id", a.id)
}

pub(crate) fn call(c: &Call) -> R {
    positive_id("call", "id", c.id)?;
    if c.duration_seconds < 0 {
        return Err(StoreError::invalid(
            "call",
            "duration_seconds",
            format!("must not be negative, got {}", c.duration_seconds),
        ));
    }
    Ok(())
}

pub(crate) fn project(p: &Project) -> R {
    positive_id("project", "id", p.id)
}

pub(crate) fn task(t: &Task) -> R {
    positive_id("task", "id", t.id)
}

/// Custom fields are kept for deals and leads only.
pub(crate) fn custom_field_entity(entity_type: &str) -> R {
    match entity_type {
        "DEAL" | "LEAD" => Ok(()),
        other => Err(StoreError::invalid(
            "custom_field_value",
            "entity_type",
            format!("must be DEAL or LEAD, got {other:?}"),
        )),
    }
}

pub(crate) fn custom_field_value(v: &CustomFieldValue) -> R {
    custom_field_entity(&v.entity_type)?;
    positive_id("custom_field_value", "entity_id", v.entity_id)?;
    not_empty("custom_field_value", "field_name", &v.field_name)
}
