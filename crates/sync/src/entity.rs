//! The entity kinds the sync pulls, and for each: its list method, selected fields, cursor spelling, modified-since
//! field and the order in which a first import takes them. This module describes; it must never call anything.

use b24a_client::export::OrderStyle;
use b24a_client::{Direction, ListSpec};
use serde_json::{json, Value};

/// The kinds of portal data, each with its own sync state row: the store's list, so the sync, the store and the
/// progress display never disagree about what a kind is called or where it is kept.
pub use b24a_store::Entity;

/// What the sync needs to know about pulling a kind from the portal.
pub trait SyncKind: Sized {
    /// The list of this kind by ID cursor (bulk kinds, users and projects).
    fn list_spec(self) -> Option<ListSpec>;
    /// The first import walks newest first where recent data matters for the first reports.
    fn full_direction(self) -> Direction;
    /// The modified-since filter field for incremental passes (`None`: append-only by ID, or re-read whole).
    fn modified_field(self) -> Option<&'static str>;
    /// Append-only logs: incremental by `>ID` above the highest stored id.
    fn append_only(self) -> bool;
    /// Which kind an event name touches (`ONCRMDEALUPDATE` → deals).
    fn for_event(event: &str) -> Option<Self>;
}

impl SyncKind for Entity {
    fn list_spec(self) -> Option<ListSpec> {
        Some(match self {
            Entity::Deals => ListSpec::crm(
                "crm.deal.list",
                json!({ "select": DEAL_FIELDS.iter().chain(["UF_*"].iter()).collect::<Vec<_>>() }),
            ),
            Entity::Leads => ListSpec::crm(
                "crm.lead.list",
                json!({ "select": LEAD_FIELDS.iter().chain(["UF_*"].iter()).collect::<Vec<_>>() }),
            ),
            Entity::Companies => {
                ListSpec::crm("crm.company.list", json!({ "select": COMPANY_FIELDS }))
            }
            Entity::Contacts => {
                ListSpec::crm("crm.contact.list", json!({ "select": CONTACT_FIELDS }))
            }
            Entity::DealStageHistory => ListSpec {
                rows_path: Some("items".into()),
                ..ListSpec::crm(
                    "crm.stagehistory.list",
                    json!({ "entityTypeId": 2, "select": ["ID", "TYPE_ID", "OWNER_ID", "CREATED_TIME", "CATEGORY_ID", "STAGE_ID", "STAGE_SEMANTIC_ID"] }),
                )
            },
            Entity::LeadStageHistory => ListSpec {
                rows_path: Some("items".into()),
                ..ListSpec::crm(
                    "crm.stagehistory.list",
                    json!({ "entityTypeId": 1, "select": ["ID", "TYPE_ID", "OWNER_ID", "CREATED_TIME", "STATUS_ID", "STATUS_SEMANTIC_ID"] }),
                )
            },
            Entity::Activities => {
                ListSpec::crm("crm.activity.list", json!({ "select": ACTIVITY_FIELDS }))
            }
            Entity::Tasks => ListSpec {
                row_id_field: "id".into(),
                rows_path: Some("tasks".into()),
                ..ListSpec::crm("tasks.task.list", json!({ "select": TASK_FIELDS }))
            },
            Entity::Users => ListSpec {
                filter_key: "FILTER".into(),
                order: OrderStyle::SortOrder,
                ..ListSpec::crm("user.get", json!({ "ADMIN_MODE": true }))
            },
            Entity::Projects => ListSpec {
                filter_key: "FILTER".into(),
                order: OrderStyle::Map("ORDER".into()),
                ..ListSpec::crm("sonet_group.get", json!({ "IS_ADMIN": "Y" }))
            },
            _ => return None,
        })
    }

    /// The first import walks newest first where recent data matters for the first reports.
    fn full_direction(self) -> Direction {
        match self {
            Entity::Deals
            | Entity::Leads
            | Entity::Activities
            | Entity::Tasks
            | Entity::DealStageHistory
            | Entity::LeadStageHistory => Direction::Desc,
            _ => Direction::Asc,
        }
    }

    /// The modified-since filter field for incremental passes (`None`: append-only by ID, or re-read whole).
    fn modified_field(self) -> Option<&'static str> {
        match self {
            Entity::Deals | Entity::Leads | Entity::Companies | Entity::Contacts => {
                Some("DATE_MODIFY")
            }
            Entity::Activities => Some("LAST_UPDATED"),
            Entity::Tasks => Some("CHANGED_DATE"),
            _ => None,
        }
    }

    /// Append-only logs: incremental by `>ID` above the highest stored id.
    fn append_only(self) -> bool {
        matches!(self, Entity::DealStageHistory | Entity::LeadStageHistory)
    }

    /// Which kind an event name touches (`ONCRMDEALUPDATE` → deals).
    fn for_event(event: &str) -> Option<Entity> {
        let e = event.to_ascii_uppercase();
        if e.starts_with("ONCRMDEAL") {
            Some(Entity::Deals)
        } else if e.starts_with("ONCRMLEAD") {
            Some(Entity::Leads)
        } else if e.starts_with("ONCRMCOMPANY") {
            Some(Entity::Companies)
        } else if e.starts_with("ONCRMCONTACT") {
            Some(Entity::Contacts)
        } else if e.starts_with("ONCRMACTIVITY") {
            Some(Entity::Activities)
        } else if e.starts_with("ONTASK") {
            Some(Entity::Tasks)
        } else {
            None
        }
    }
}

pub const DEAL_FIELDS: &[&str] = &[
    "ID",
    "TITLE",
    "TYPE_ID",
    "CATEGORY_ID",
    "STAGE_ID",
    "STAGE_SEMANTIC_ID",
    "OPPORTUNITY",
    "CURRENCY_ID",
    "OPPORTUNITY_ACCOUNT",
    "ACCOUNT_CURRENCY_ID",
    "PROBABILITY",
    "ASSIGNED_BY_ID",
    "CREATED_BY_ID",
    "MODIFY_BY_ID",
    "MOVED_BY_ID",
    "DATE_CREATE",
    "DATE_MODIFY",
    "MOVED_TIME",
    "LAST_ACTIVITY_TIME",
    "LAST_ACTIVITY_BY",
    "BEGINDATE",
    "CLOSEDATE",
    "CLOSED",
    "OPENED",
    "IS_NEW",
    "IS_RECURRING",
    "IS_RETURN_CUSTOMER",
    "IS_REPEATED_APPROACH",
    "SOURCE_ID",
    "SOURCE_DESCRIPTION",
    "COMPANY_ID",
    "CONTACT_ID",
    "LEAD_ID",
    "UTM_SOURCE",
    "UTM_MEDIUM",
    "UTM_CAMPAIGN",
    "UTM_CONTENT",
    "UTM_TERM",
];

pub const LEAD_FIELDS: &[&str] = &[
    "ID",
    "TITLE",
    "STATUS_ID",
    "STATUS_SEMANTIC_ID",
    "SOURCE_ID",
    "SOURCE_DESCRIPTION",
    "OPPORTUNITY",
    "CURRENCY_ID",
    "ASSIGNED_BY_ID",
    "CREATED_BY_ID",
    "MODIFY_BY_ID",
    "MOVED_BY_ID",
    "DATE_CREATE",
    "DATE_MODIFY",
    "MOVED_TIME",
    "DATE_CLOSED",
    "LAST_ACTIVITY_TIME",
    "LAST_ACTIVITY_BY",
    "COMPANY_ID",
    "CONTACT_ID",
    "COMPANY_TITLE",
    "IS_RETURN_CUSTOMER",
    "OPENED",
    "UTM_SOURCE",
    "UTM_MEDIUM",
    "UTM_CAMPAIGN",
    "UTM_CONTENT",
    "UTM_TERM",
];

pub const COMPANY_FIELDS: &[&str] = &[
    "ID",
    "TITLE",
    "COMPANY_TYPE",
    "INDUSTRY",
    "ASSIGNED_BY_ID",
    "DATE_CREATE",
    "DATE_MODIFY",
];

pub const CONTACT_FIELDS: &[&str] = &[
    "ID",
    "NAME",
    "LAST_NAME",
    "SECOND_NAME",
    "TYPE_ID",
    "SOURCE_ID",
    "COMPANY_ID",
    "ASSIGNED_BY_ID",
    "DATE_CREATE",
    "DATE_MODIFY",
    "LAST_ACTIVITY_TIME",
];

pub const ACTIVITY_FIELDS: &[&str] = &[
    "ID",
    "OWNER_TYPE_ID",
    "OWNER_ID",
    "TYPE_ID",
    "PROVIDER_ID",
    "PROVIDER_TYPE_ID",
    "DIRECTION",
    "COMPLETED",
    "STATUS",
    "PRIORITY",
    "RESPONSIBLE_ID",
    "AUTHOR_ID",
    "SUBJECT",
    "CREATED",
    "LAST_UPDATED",
    "START_TIME",
    "END_TIME",
    "DEADLINE",
    "IS_INCOMING_CHANNEL",
    "ORIGIN_ID",
];

pub const TASK_FIELDS: &[&str] = &[
    "ID",
    "TITLE",
    "STATUS",
    "REAL_STATUS",
    "PRIORITY",
    "RESPONSIBLE_ID",
    "CREATED_BY",
    "CLOSED_BY",
    "GROUP_ID",
    "PARENT_ID",
    "CREATED_DATE",
    "CHANGED_DATE",
    "CLOSED_DATE",
    "DATE_START",
    "DEADLINE",
    "START_DATE_PLAN",
    "END_DATE_PLAN",
];

/// Parameters for re-reading specific ids of a kind (`filter @ID`), at most 50 per call.
pub fn by_ids_params(entity: Entity, ids: &[i64]) -> Option<(String, Value)> {
    let spec = entity.list_spec()?;
    let mut params = match spec.params {
        Value::Object(m) => m,
        _ => serde_json::Map::new(),
    };
    params.insert(
        spec.filter_key.clone(),
        json!({ format!("@{}", spec.cursor_field): ids }),
    );
    params.insert("start".into(), json!(-1));
    Some((spec.method, Value::Object(params)))
}

/// How a dictionary is read: method, parameters of the first page, where rows sit in `result`.
pub fn dictionary_query(entity: Entity) -> Option<(&'static str, Value, Option<&'static str>)> {
    Some(match entity {
        Entity::Users => (
            "user.get",
            json!({ "sort": "ID", "order": "ASC", "ADMIN_MODE": true, "start": 0 }),
            None,
        ),
        Entity::Departments => (
            "department.get",
            json!({ "sort": "ID", "order": "ASC", "start": 0 }),
            None,
        ),
        Entity::Pipelines => (
            "crm.category.list",
            json!({ "entityTypeId": 2, "start": 0 }),
            Some("categories"),
        ),
        Entity::Statuses => (
            "crm.status.list",
            json!({ "order": { "ENTITY_ID": "ASC", "SORT": "ASC" }, "start": 0 }),
            None,
        ),
        Entity::Currencies => (
            "crm.currency.list",
            json!({ "order": { "SORT": "ASC" }, "start": 0 }),
            None,
        ),
        Entity::Projects => (
            "sonet_group.get",
            json!({ "ORDER": { "ID": "ASC" }, "IS_ADMIN": "Y", "start": 0 }),
            None,
        ),
        _ => return None,
    })
}
