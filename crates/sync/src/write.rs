//! From portal rows of one kind to the store's write API. Each row is read (`map`, `parties`, `calls`) and then
//! checked by the store's own validation ([`b24a_store::Validate`]), so a row the store would refuse is left out
//! and named (kind, id, field) instead of rolling back the rows read with it. The records are written through
//! [`Store::write_batch`]: one transaction per chunk, together with the sync state (cursor, progress) that says
//! how far the pass got. This module holds no SQL and must never write around the store's API.

use b24a_client::Row;
use b24a_store::records::{
    Activity, Company, Contact, CrmStatus, Currency, CustomFieldValue, Deal, Department, Lead,
    Pipeline, Project, StageHistory, Task, User,
};
use b24a_store::{
    Batch, CustomFieldSet, Dictionary, PortalId, Records, Store, SyncState, Validate,
};

use crate::entity::Entity;
use crate::error::SyncError;
use crate::map;
use crate::parties;

/// The custom-field values (UF_CRM_*) of the deals or leads of a chunk, replaced whole per record.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CustomFields {
    /// "DEAL" or "LEAD".
    pub entity_type: &'static str,
    pub ids: Vec<i64>,
    pub values: Vec<CustomFieldValue>,
}

/// Portal rows of one kind that were read and passed the store's checks.
#[derive(Debug, Clone, PartialEq)]
pub enum Mapped {
    Users(Vec<User>),
    Departments(Vec<Department>),
    Pipelines(Vec<Pipeline>),
    Statuses(Vec<CrmStatus>),
    Currencies(Vec<Currency>),
    Projects(Vec<Project>),
    Companies(Vec<Company>),
    Contacts(Vec<Contact>),
    Deals(Vec<Deal>, CustomFields),
    Leads(Vec<Lead>, CustomFields),
    StageHistory(Vec<StageHistory>),
    Activities(Vec<Activity>),
    Tasks(Vec<Task>),
}

impl Mapped {
    /// The records, as one part of a store batch.
    pub fn records(&self) -> Records<'_> {
        match self {
            Mapped::Users(r) => Records::Users(r),
            Mapped::Departments(r) => Records::Departments(r),
            Mapped::Pipelines(r) => Records::Pipelines(r),
            Mapped::Statuses(r) => Records::CrmStatuses(r),
            Mapped::Currencies(r) => Records::Currencies(r),
            Mapped::Projects(r) => Records::Projects(r),
            Mapped::Companies(r) => Records::Companies(r),
            Mapped::Contacts(r) => Records::Contacts(r),
            Mapped::Deals(r, _) => Records::Deals(r),
            Mapped::Leads(r, _) => Records::Leads(r),
            Mapped::StageHistory(r) => Records::StageHistory(r),
            Mapped::Activities(r) => Records::Activities(r),
            Mapped::Tasks(r) => Records::Tasks(r),
        }
    }

    /// The records as the complete set of a dictionary (`None` for other kinds).
    pub fn dictionary(&self) -> Option<Dictionary<'_>> {
        Some(match self {
            Mapped::Users(r) => Dictionary::Users(r),
            Mapped::Departments(r) => Dictionary::Departments(r),
            Mapped::Pipelines(r) => Dictionary::Pipelines(r),
            Mapped::Statuses(r) => Dictionary::CrmStatuses(r),
            Mapped::Currencies(r) => Dictionary::Currencies(r),
            Mapped::Projects(r) => Dictionary::Projects(r),
            _ => return None,
        })
    }

    /// The custom-field replacement of deals and leads.
    pub fn custom_fields(&self) -> Option<CustomFieldSet<'_>> {
        match self {
            Mapped::Deals(_, cf) | Mapped::Leads(_, cf) => Some(CustomFieldSet {
                entity_type: cf.entity_type,
                entity_ids: &cf.ids,
                values: &cf.values,
            }),
            _ => None,
        }
    }

    /// A batch upserting these records (and replacing deals' and leads' custom fields).
    pub fn upsert_batch(&self) -> Batch<'_> {
        Batch {
            records: vec![self.records()],
            custom_fields: self.custom_fields().into_iter().collect(),
            ..Batch::default()
        }
    }
}

/// Reads and checks every row: the good records with their row's index, and an error for each row left out.
fn read<T: Validate>(
    entity: &'static str,
    rows: &[Row],
    map: impl Fn(&Row) -> Result<T, SyncError>,
    id: impl Fn(&T) -> Option<i64>,
    bad: &mut Vec<SyncError>,
) -> Vec<(usize, T)> {
    let mut good = Vec::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        match map(r) {
            Ok(rec) => match rec.validate() {
                Ok(()) => good.push((i, rec)),
                Err(source) => bad.push(SyncError::Rejected {
                    entity,
                    id: id(&rec),
                    source,
                }),
            },
            Err(e) => bad.push(e),
        }
    }
    good
}

fn plain<T>(good: Vec<(usize, T)>) -> Vec<T> {
    good.into_iter().map(|(_, r)| r).collect()
}

/// Deals or leads with their custom fields; a row whose custom fields the store refuses is left out whole.
fn with_custom_fields<T>(
    entity: &'static str,
    entity_type: &'static str,
    rows: &[Row],
    good: Vec<(usize, T)>,
    id: impl Fn(&T) -> i64,
    bad: &mut Vec<SyncError>,
) -> (Vec<T>, CustomFields) {
    let mut records = Vec::with_capacity(good.len());
    let mut cf = CustomFields {
        entity_type,
        ..CustomFields::default()
    };
    for (i, rec) in good {
        let values = map::custom_fields(entity_type, id(&rec), &rows[i]);
        if let Some(source) = values.iter().find_map(|v| v.validate().err()) {
            bad.push(SyncError::Rejected {
                entity,
                id: Some(id(&rec)),
                source,
            });
            continue;
        }
        cf.ids.push(id(&rec));
        cf.values.extend(values);
        records.push(rec);
    }
    (records, cf)
}

/// Reads `rows` of `entity` into checked records; the rows left out come back as errors naming kind, id and field.
/// `None` for a kind the sync does not read from rows (calls have their own reader).
pub fn map_rows(entity: Entity, rows: &[Row]) -> (Option<Mapped>, Vec<SyncError>) {
    let mut bad = Vec::new();
    let id = |i: i64| Some(i);
    let mapped = match entity {
        Entity::Users => {
            Mapped::Users(plain(read("user", rows, map::user, |r| id(r.id), &mut bad)))
        }
        Entity::Departments => Mapped::Departments(plain(read(
            "department",
            rows,
            map::department,
            |r| id(r.id),
            &mut bad,
        ))),
        Entity::Pipelines => Mapped::Pipelines(plain(read(
            "pipeline",
            rows,
            map::pipeline,
            |r| id(r.id),
            &mut bad,
        ))),
        Entity::Statuses => Mapped::Statuses(plain(read(
            "crm_status",
            rows,
            map::crm_status,
            |_| None,
            &mut bad,
        ))),
        Entity::Currencies => Mapped::Currencies(plain(read(
            "currency",
            rows,
            map::currency,
            |_| None,
            &mut bad,
        ))),
        Entity::Projects => Mapped::Projects(plain(read(
            "project",
            rows,
            map::project,
            |r| id(r.id),
            &mut bad,
        ))),
        Entity::Companies => Mapped::Companies(plain(read(
            "company",
            rows,
            parties::company,
            |r| id(r.id),
            &mut bad,
        ))),
        Entity::Contacts => Mapped::Contacts(plain(read(
            "contact",
            rows,
            parties::contact,
            |r| id(r.id),
            &mut bad,
        ))),
        Entity::Deals => {
            let good = read("deal", rows, map::deal, |r| id(r.id), &mut bad);
            let (records, cf) = with_custom_fields("deal", "DEAL", rows, good, |d| d.id, &mut bad);
            Mapped::Deals(records, cf)
        }
        Entity::Leads => {
            let good = read("lead", rows, map::lead, |r| id(r.id), &mut bad);
            let (records, cf) = with_custom_fields("lead", "LEAD", rows, good, |l| l.id, &mut bad);
            Mapped::Leads(records, cf)
        }
        Entity::DealStageHistory | Entity::LeadStageHistory => {
            let et = stage_history_type(entity);
            Mapped::StageHistory(plain(read(
                "stage_history",
                rows,
                |r| map::stage_history(et, r),
                |h| id(h.id),
                &mut bad,
            )))
        }
        Entity::Activities => Mapped::Activities(plain(read(
            "activity",
            rows,
            map::activity,
            |r| id(r.id),
            &mut bad,
        ))),
        Entity::Tasks => {
            Mapped::Tasks(plain(read("task", rows, map::task, |r| id(r.id), &mut bad)))
        }
        Entity::Calls => return (None, bad),
    };
    (Some(mapped), bad)
}

/// Stores one chunk of portal rows of `entity` (with the sync state `st`, when given) in one transaction; rows
/// that cannot be read or that the store refuses are left out and their errors returned.
pub async fn store_chunk(
    store: &Store,
    entity: Entity,
    portal_id: i64,
    rows: &[Row],
    st: Option<&SyncState>,
) -> Result<Vec<String>, SyncError> {
    let (mapped, bad) = map_rows(entity, rows);
    let mut batch = mapped
        .as_ref()
        .map(Mapped::upsert_batch)
        .unwrap_or_default();
    batch.state = st;
    store.write_batch(PortalId(portal_id), &batch).await?;
    Ok(bad.iter().map(ToString::to_string).collect())
}

/// Bitrix24 entity type id of a stage-history kind.
pub fn stage_history_type(entity: Entity) -> i64 {
    use b24a_store::records::entity_type::{DEAL, LEAD};
    if entity == Entity::LeadStageHistory {
        LEAD
    } else {
        DEAL
    }
}

/// Stored ids of `entity` (reconciliation), ascending.
pub async fn stored_ids(
    store: &Store,
    entity: Entity,
    portal_id: i64,
) -> Result<Vec<i64>, SyncError> {
    Ok(store.all_ids(PortalId(portal_id), entity).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deal(id: &str, date: &str) -> Row {
        Row::from_value(json!({"ID": id, "STAGE_ID": "NEW", "DATE_CREATE": date,
            "DATE_MODIFY": "2024-09-02T18:37:18+03:00", "OPPORTUNITY": "10.00", "UF_CRM_REGION": "45"}))
        .unwrap()
    }

    #[test]
    fn unreadable_and_refused_rows_are_left_out_and_named_the_rest_kept() {
        let ok = "2024-09-02T18:37:18+03:00";
        // Row 2 cannot be read (its date); row 0 reads but the store refuses id 0.
        let rows = vec![
            deal("1", ok),
            deal("2", "not a date"),
            deal("0", ok),
            deal("3", ok),
        ];
        let (mapped, bad) = map_rows(Entity::Deals, &rows);
        let Some(Mapped::Deals(deals, cf)) = mapped else {
            panic!("deals expected")
        };
        assert_eq!(deals.iter().map(|d| d.id).collect::<Vec<_>>(), vec![1, 3]);
        assert_eq!(cf.ids, vec![1, 3]);
        assert_eq!(cf.values.len(), 2);
        let bad: Vec<String> = bad.iter().map(ToString::to_string).collect();
        assert_eq!(bad.len(), 2, "{bad:?}");
        assert!(
            bad[0].contains("Some(2)") && bad[0].contains("DATE_CREATE"),
            "{}",
            bad[0]
        );
        assert!(
            bad[1].contains("Some(0)") && bad[1].contains("invalid deal: id must be a positive id"),
            "{}",
            bad[1]
        );
    }
}
