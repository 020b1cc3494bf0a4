//! The typed records the store keeps, one struct per table row, without `portal_id` and `synced_at`
//! (the store adds those on write). These structs are the contract between the sync engine (which fills them from
//! the portal) and the reports (which read them). They hold already-validated values: instants as unix seconds,
//! calendar dates as `YYYY-MM-DD`, money in hundredths of the record's currency. They must never hold raw portal
//! strings that still need parsing.

use serde::{Deserialize, Serialize};

/// Unix seconds, UTC.
pub type Instant = i64;

/// A Bitrix24 employee (user.get).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub last_name: String,
    pub second_name: String,
    pub email: Option<String>,
    pub work_position: Option<String>,
    pub active: bool,
    pub user_type: Option<String>,
    pub date_register: Option<Instant>,
    /// UF_DEPARTMENT: the departments the user belongs to (stored in `user_departments`).
    #[sqlx(skip)]
    pub department_ids: Vec<i64>,
}

/// A node of the company structure (department.get).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Department {
    pub id: i64,
    pub name: String,
    pub parent_id: Option<i64>,
    pub head_user_id: Option<i64>,
    pub sort: i64,
}

/// A deal pipeline (crm.category.list, entityTypeId 2). Id 0 is the default pipeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Pipeline {
    pub id: i64,
    pub name: String,
    pub sort: i64,
    pub is_default: bool,
}

/// One row of crm.status.list: a deal stage, lead status, source, industry, deal type …
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct CrmStatus {
    /// `DEAL_STAGE`, `DEAL_STAGE_<category>`, STATUS (leads), SOURCE, INDUSTRY, DEAL_TYPE …
    pub entity_id: String,
    pub status_id: String,
    pub name: String,
    pub sort: i64,
    /// "P" in work, "S" success, "F" failure.
    pub semantics: String,
    /// process | success | failure | apology, where the portal says.
    pub extra_semantics: Option<String>,
    pub category_id: Option<i64>,
}

/// A currency and its rate to the base currency (crm.currency.list).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Currency {
    pub currency: String,
    /// `amount_cnt` units of this currency cost `amount` units of the base currency.
    pub amount_cnt: i64,
    pub amount: f64,
    pub is_base: bool,
    pub sort: i64,
    pub full_name: Option<String>,
}

/// A deal (crm.deal.list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Deal {
    pub id: i64,
    pub title: String,
    pub type_id: Option<String>,
    pub category_id: i64,
    pub stage_id: String,
    pub stage_semantic_id: String,
    pub opportunity_cents: i64,
    pub currency_id: Option<String>,
    pub opportunity_account_cents: Option<i64>,
    pub account_currency_id: Option<String>,
    pub probability: Option<i64>,
    pub assigned_by_id: Option<i64>,
    pub created_by_id: Option<i64>,
    pub modify_by_id: Option<i64>,
    pub moved_by_id: Option<i64>,
    pub date_create: Instant,
    pub date_modify: Instant,
    pub moved_time: Option<Instant>,
    pub last_activity_time: Option<Instant>,
    pub last_activity_by: Option<i64>,
    pub begindate: Option<String>,
    pub closedate: Option<String>,
    pub closed: bool,
    pub opened: bool,
    pub is_new: bool,
    pub is_recurring: bool,
    pub is_return_customer: bool,
    pub is_repeated_approach: bool,
    pub source_id: Option<String>,
    pub source_description: Option<String>,
    pub company_id: Option<i64>,
    pub contact_id: Option<i64>,
    pub lead_id: Option<i64>,
    pub utm_source: Option<String>,
    pub utm_medium: Option<String>,
    pub utm_campaign: Option<String>,
    pub utm_content: Option<String>,
    pub utm_term: Option<String>,
}

/// A lead (crm.lead.list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Lead {
    pub id: i64,
    pub title: String,
    pub status_id: String,
    pub status_semantic_id: String,
    pub source_id: Option<String>,
    pub source_description: Option<String>,
    pub opportunity_cents: i64,
    pub currency_id: Option<String>,
    pub assigned_by_id: Option<i64>,
    pub created_by_id: Option<i64>,
    pub modify_by_id: Option<i64>,
    pub moved_by_id: Option<i64>,
    pub date_create: Instant,
    pub date_modify: Instant,
    pub moved_time: Option<Instant>,
    pub date_closed: Option<Instant>,
    pub last_activity_time: Option<Instant>,
    pub last_activity_by: Option<i64>,
    pub company_id: Option<i64>,
    pub contact_id: Option<i64>,
    pub company_title: Option<String>,
    pub is_return_customer: bool,
    pub opened: bool,
    pub utm_source: Option<String>,
    pub utm_medium: Option<String>,
    pub utm_campaign: Option<String>,
    pub utm_content: Option<String>,
    pub utm_term: Option<String>,
}

/// A client company (crm.company.list), kept for its industry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Company {
    pub id: i64,
    pub title: String,
    pub company_type: Option<String>,
    pub industry: Option<String>,
    pub assigned_by_id: Option<i64>,
    pub date_create: Instant,
    pub date_modify: Instant,
}

/// A contact (crm.contact.list): a person at a client company (`company_id`) or a private client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Contact {
    pub id: i64,
    pub name: String,
    pub last_name: String,
    pub second_name: String,
    pub type_id: Option<String>,
    pub source_id: Option<String>,
    pub company_id: Option<i64>,
    pub assigned_by_id: Option<i64>,
    pub date_create: Instant,
    pub date_modify: Instant,
    pub last_activity_time: Option<Instant>,
}

/// Bitrix24 entity type ids used in stage history and activity owners.
pub mod entity_type {
    pub const LEAD: i64 = 1;
    pub const DEAL: i64 = 2;
    pub const CONTACT: i64 = 3;
    pub const COMPANY: i64 = 4;
}

/// One transition from crm.stagehistory.list (deals: entity_type_id 2; leads: 1, with STATUS_ID in `stage_id`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct StageHistory {
    pub entity_type_id: i64,
    pub id: i64,
    /// 1 created, 2 moved to an intermediate stage, 3 moved to a final stage, 5 pipeline changed.
    pub type_id: i64,
    pub owner_id: i64,
    pub created_time: Instant,
    pub category_id: Option<i64>,
    pub stage_id: String,
    pub stage_semantic_id: String,
}

/// A CRM activity (crm.activity.list): call, e-mail, meeting, to-do, task …
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Activity {
    pub id: i64,
    pub owner_type_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub type_id: i64,
    pub provider_id: Option<String>,
    pub provider_type_id: Option<String>,
    /// 1 incoming, 2 outgoing, 0 undefined.
    pub direction: i64,
    pub completed: bool,
    pub status: Option<i64>,
    pub priority: Option<i64>,
    pub responsible_id: Option<i64>,
    pub author_id: Option<i64>,
    pub subject: Option<String>,
    pub created: Instant,
    pub last_updated: Instant,
    pub start_time: Option<Instant>,
    pub end_time: Option<Instant>,
    pub deadline: Option<Instant>,
    pub is_incoming_channel: bool,
    pub origin_id: Option<String>,
}

/// A call record (voximplant.statistic.get).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Call {
    pub id: i64,
    pub user_id: Option<i64>,
    pub call_type: Option<i64>,
    pub duration_seconds: i64,
    pub start_time: Instant,
    pub failed_code: Option<String>,
    pub crm_activity_id: Option<i64>,
}

/// A workgroup or project (sonet_group.get).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Project {
    pub id: i64,
    pub name: String,
    pub active: bool,
    pub closed: bool,
    pub is_project: bool,
    pub owner_id: Option<i64>,
    pub date_create: Option<Instant>,
}

/// A task (tasks.task.list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Task {
    pub id: i64,
    pub title: String,
    /// 2 pending, 3 in progress, 4 awaiting control, 5 completed, 6 deferred, 7 declined (1 legacy new).
    pub status: i64,
    pub priority: Option<i64>,
    pub responsible_id: Option<i64>,
    pub created_by: Option<i64>,
    pub closed_by: Option<i64>,
    pub group_id: Option<i64>,
    pub parent_id: Option<i64>,
    pub created_date: Instant,
    pub changed_date: Instant,
    pub closed_date: Option<Instant>,
    pub date_start: Option<Instant>,
    pub deadline: Option<Instant>,
    pub start_date_plan: Option<Instant>,
    pub end_date_plan: Option<Instant>,
}

/// One custom-field value (UF_CRM_*) of a deal or lead: scalars as the portal printed them, multiples as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct CustomFieldValue {
    /// "DEAL" or "LEAD".
    pub entity_type: String,
    pub entity_id: i64,
    pub field_name: String,
    pub value: Option<String>,
}
