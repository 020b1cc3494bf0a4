//! Typed records of one emulated portal (`PortalData`).
//!
//! Every field is public so that other crates' tests can compute expected counts and checksums
//! independently of the HTTP layer. Times are unix seconds (UTC); the portal's time zone lives in
//! `PortalData::zone` and is applied only when values are rendered. This module must never
//! know about HTTP or JSON envelopes.

use serde::{Deserialize, Serialize};

/// Stage/status semantics as Bitrix24 reports them: in progress, success, failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Semantic {
    Process,
    Success,
    Failure,
}

impl Semantic {
    /// The one-letter code used by `STAGE_SEMANTIC_ID` (`P`, `S`, `F`).
    pub fn letter(self) -> &'static str {
        match self {
            Semantic::Process => "P",
            Semantic::Success => "S",
            Semantic::Failure => "F",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub last_name: String,
    pub second_name: String,
    pub email: String,
    pub active: bool,
    pub is_admin: bool,
    pub departments: Vec<i64>,
    pub work_position: String,
    pub gender: char,
    pub date_register: i64,
    pub last_login: i64,
    /// The employee's own time zone (`TIME_ZONE`): empty = the portal's.
    #[serde(default)]
    pub time_zone: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Department {
    pub id: i64,
    pub name: String,
    pub sort: i64,
    pub parent: Option<i64>,
    pub head: Option<i64>,
}

/// A deal pipeline (`crm.category.list`, entityTypeId 2). Id 0 is the default funnel.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Category {
    pub id: i64,
    pub name: String,
    pub sort: i64,
    pub is_default: bool,
}

/// One row of `crm.status.list`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CrmStatus {
    pub id: i64,
    /// `STATUS`, `SOURCE`, `DEAL_TYPE`, `DEAL_STAGE`, `DEAL_STAGE_<cat>`, `INDUSTRY`, ...
    pub entity_id: String,
    pub status_id: String,
    pub name: String,
    pub sort: i64,
    pub system: bool,
    pub category_id: Option<i64>,
    pub color: String,
    /// Only meaningful for stage-like dictionaries (lead statuses and deal stages).
    pub semantics: Option<Semantic>,
    /// `process`, `success`, `failure` or `apology` (EXTRA.SEMANTICS) for stage-like rows.
    pub extra_semantics: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Currency {
    pub code: String,
    pub full_name: String,
    pub amount_cnt: i64,
    /// Rate against the base currency (base has 1.0).
    pub amount: f64,
    pub base: bool,
    pub sort: i64,
    pub date_update: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Company {
    pub id: i64,
    pub title: String,
    /// A `STATUS_ID` of the portal's `INDUSTRY` dictionary.
    pub industry: String,
    pub assigned_by_id: i64,
    pub date_create: i64,
    /// DATE_MODIFY; equals `date_create` until the company is edited.
    #[serde(default)]
    pub date_modify: i64,
}

/// A CRM contact (`crm.contact.list`): a person at a client company, or a private client.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Contact {
    pub id: i64,
    pub name: String,
    pub last_name: String,
    /// The contact's (primary) company; `None` for private clients.
    pub company_id: Option<i64>,
    pub assigned_by_id: i64,
    pub source_id: Option<String>,
    pub date_create: i64,
    pub date_modify: i64,
}

/// Definition of a custom (`UF_CRM_*`) field (`crm.deal.userfield.list` / `crm.lead.userfield.list`); values are
/// stored per record aligned by index.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UserFieldDef {
    /// The field's ID in the portal (unique across deal and lead fields, like `b_user_field.ID`).
    #[serde(default)]
    pub id: i64,
    pub field_name: String,
    /// USER_TYPE_ID: `string`, `enumeration`, `double`, `date`, `boolean` ...
    #[serde(default = "string_type")]
    pub user_type: String,
    #[serde(default)]
    pub multiple: bool,
    #[serde(default)]
    pub mandatory: bool,
    #[serde(default = "default_sort")]
    pub sort: i64,
    /// The label per language id (`ru`, `en` ...): EDIT_FORM_LABEL, LIST_COLUMN_LABEL and LIST_FILTER_LABEL alike.
    #[serde(default)]
    pub labels: std::collections::BTreeMap<String, String>,
    /// Items of an enumeration (LIST); empty for other types.
    #[serde(default)]
    pub items: Vec<EnumItem>,
    /// The values the generator puts on records: item ids of an enumeration, sample texts of a string field.
    pub choices: Vec<String>,
}

fn string_type() -> String {
    "string".into()
}

fn default_sort() -> i64 {
    100
}

/// One item of an enumeration field (`LIST` row): records hold its `id` as their value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnumItem {
    pub id: i64,
    pub value: String,
    pub sort: i64,
    #[serde(default)]
    pub def: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Deal {
    pub id: i64,
    pub title: String,
    pub type_id: String,
    pub category_id: i64,
    pub stage_id: String,
    pub semantic: Semantic,
    pub opportunity: f64,
    pub currency_id: String,
    pub is_manual_opportunity: bool,
    pub probability: Option<i64>,
    pub assigned_by_id: i64,
    pub created_by_id: i64,
    pub modify_by_id: i64,
    pub moved_by_id: i64,
    pub date_create: i64,
    pub date_modify: i64,
    pub moved_time: i64,
    pub begindate: i64,
    /// Planned close date while open; the actual close date (UTC midnight of the day) once closed.
    pub closedate: i64,
    pub closed: bool,
    pub opened: bool,
    pub is_return_customer: bool,
    pub source_id: Option<String>,
    pub company_id: Option<i64>,
    pub contact_id: Option<i64>,
    pub lead_id: Option<i64>,
    pub utm_source: Option<String>,
    pub utm_medium: Option<String>,
    pub utm_campaign: Option<String>,
    pub last_activity_time: Option<i64>,
    pub last_activity_by: Option<i64>,
    pub comments: String,
    /// Values aligned with `PortalData::deal_fields`.
    pub uf: Vec<Option<String>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Lead {
    pub id: i64,
    pub title: String,
    pub name: String,
    pub last_name: String,
    pub status_id: String,
    pub semantic: Semantic,
    pub source_id: Option<String>,
    pub opportunity: f64,
    pub currency_id: String,
    pub assigned_by_id: i64,
    pub created_by_id: i64,
    pub modify_by_id: i64,
    pub moved_by_id: i64,
    pub date_create: i64,
    pub date_modify: i64,
    pub moved_time: i64,
    pub date_closed: Option<i64>,
    pub company_id: Option<i64>,
    pub is_return_customer: bool,
    pub has_phone: bool,
    pub has_email: bool,
    pub utm_source: Option<String>,
    pub utm_medium: Option<String>,
    pub utm_campaign: Option<String>,
    pub last_activity_time: Option<i64>,
    pub last_activity_by: Option<i64>,
    /// Values aligned with `PortalData::lead_fields`.
    pub uf: Vec<Option<String>>,
}

/// One row of `crm.stagehistory.list` (deals: entityTypeId 2, leads: 1).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StageHistory {
    pub id: i64,
    /// 1 created, 2 moved to an intermediate stage, 3 moved to a final stage, 5 funnel changed.
    pub type_id: i64,
    pub owner_id: i64,
    pub created_time: i64,
    /// Deals only (leads have no categories; 0 there).
    pub category_id: i64,
    /// `STAGE_ID` for deals, `STATUS_ID` for leads.
    pub stage_id: String,
    pub semantic: Semantic,
}

/// What an activity is, as the reports classify it (by provider, not TYPE_ID alone).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActivityKind {
    Call,
    Email,
    Meeting,
    Todo,
}

impl ActivityKind {
    pub fn type_id(self) -> i64 {
        match self {
            ActivityKind::Meeting => 1,
            ActivityKind::Call => 2,
            ActivityKind::Email => 4,
            ActivityKind::Todo => 6,
        }
    }
    pub fn provider_id(self) -> &'static str {
        match self {
            ActivityKind::Call => "VOXIMPLANT_CALL",
            ActivityKind::Email => "CRM_EMAIL",
            ActivityKind::Meeting => "CRM_MEETING",
            ActivityKind::Todo => "CRM_TODO",
        }
    }
    pub fn provider_type_id(self) -> &'static str {
        match self {
            ActivityKind::Call => "CALL",
            ActivityKind::Email => "EMAIL",
            ActivityKind::Meeting => "MEETING",
            ActivityKind::Todo => "TODO",
        }
    }
}

/// A CRM activity, kept small because the large preset holds millions of them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Activity {
    pub id: i64,
    pub kind: ActivityKind,
    /// 1 lead, 2 deal.
    pub owner_type_id: u8,
    pub owner_id: i64,
    /// 0 undefined, 1 incoming, 2 outgoing (calls and e-mails only).
    pub direction: u8,
    pub completed: bool,
    /// 1 low, 2 medium, 3 high.
    pub priority: u8,
    pub responsible_id: i64,
    pub author_id: i64,
    pub created: i64,
    pub last_updated: i64,
    pub start_time: i64,
    pub end_time: i64,
    /// `None` means the subject is derived from the kind and id when rendered.
    pub subject: Option<String>,
}

impl Activity {
    /// DEADLINE as Bitrix24 derives it: START_TIME for calls/meetings, END_TIME for to-dos.
    pub fn deadline(&self) -> i64 {
        match self.kind {
            ActivityKind::Todo | ActivityKind::Email => self.end_time,
            _ => self.start_time,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Task {
    pub id: i64,
    pub title: String,
    /// REAL_STATUS: 2 pending, 3 in progress, 4 awaiting control, 5 completed, 6 deferred.
    pub status: i64,
    pub priority: i64,
    pub responsible_id: i64,
    pub created_by: i64,
    pub created_date: i64,
    pub changed_date: i64,
    pub closed_date: Option<i64>,
    pub closed_by: Option<i64>,
    pub date_start: Option<i64>,
    pub deadline: Option<i64>,
    pub start_date_plan: Option<i64>,
    pub end_date_plan: Option<i64>,
    pub group_id: i64,
    pub uf_crm_task: Vec<String>,
}

/// A workgroup / project (`sonet_group.get`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Project {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub owner_id: i64,
    pub date_create: i64,
    pub date_activity: i64,
    pub closed: bool,
    pub is_project: bool,
    pub members: Vec<i64>,
}

/// Everything one portal holds. Entity vectors are kept sorted by `id` (binary search for `>ID`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PortalData {
    /// The portal's time zone (Moscow for most generated companies; any IANA zone or fixed offset).
    pub zone: crate::format::Zone,
    /// The generation instant; the portal clock starts here.
    pub now: i64,
    pub company_name: String,
    pub users: Vec<User>,
    pub departments: Vec<Department>,
    pub categories: Vec<Category>,
    pub statuses: Vec<CrmStatus>,
    pub currencies: Vec<Currency>,
    pub companies: Vec<Company>,
    #[serde(default)]
    pub contacts: Vec<Contact>,
    pub deal_fields: Vec<UserFieldDef>,
    pub lead_fields: Vec<UserFieldDef>,
    pub deals: Vec<Deal>,
    pub leads: Vec<Lead>,
    pub deal_history: Vec<StageHistory>,
    pub lead_history: Vec<StageHistory>,
    pub activities: Vec<Activity>,
    pub tasks: Vec<Task>,
    pub projects: Vec<Project>,
    /// Smart processes (`crm.type.list`), by entity type id.
    #[serde(default)]
    pub crm_types: Vec<CrmType>,
    /// Smart-process items of every type (`crm.item.list`), sorted by (type, id).
    #[serde(default)]
    pub crm_items: Vec<CrmItem>,
    /// What each user may edit in the CRM (a user not listed may edit everything); see `rights`.
    #[serde(default)]
    pub edit_rights: std::collections::BTreeMap<i64, crate::rights::EditRight>,
    /// Timeline comments on cards (`crm.timeline.comment.add`), in the order they were added.
    #[serde(default)]
    pub timeline_comments: Vec<TimelineComment>,
}

/// A comment in a card's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineComment {
    pub id: i64,
    /// `deal`, `lead`, `contact` or `company` (lower case, as the method takes it).
    pub entity_type: String,
    pub entity_id: i64,
    pub comment: String,
    pub author_id: i64,
    pub created: i64,
}

/// A smart process (dynamic CRM type).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CrmType {
    /// The type's own id (`id` in `crm.type.list`).
    pub id: i64,
    /// 128 and up (`entityTypeId`).
    pub entity_type_id: i64,
    pub title: String,
    /// Whether items may be bound to a deal as parent (`relations.parent` names entity type 2).
    pub deal_parent: bool,
}

/// One smart-process item.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CrmItem {
    pub entity_type_id: i64,
    pub id: i64,
    pub title: String,
    pub category_id: i64,
    /// `DT<type>_<category>:NEW` ... `:SUCCESS` / `:FAIL`.
    pub stage_id: String,
    pub semantic: Semantic,
    pub opportunity: f64,
    pub currency_id: String,
    pub assigned_by_id: i64,
    pub created_time: i64,
    pub updated_time: i64,
    pub moved_time: i64,
    /// `parentId2`: the deal the item is bound to.
    pub parent_deal_id: Option<i64>,
}

impl PortalData {
    /// Stage/status rows of one dictionary (`DEAL_STAGE`, `DEAL_STAGE_1`, `STATUS`, ...) in SORT order.
    pub fn dictionary(&self, entity_id: &str) -> Vec<&CrmStatus> {
        let mut rows: Vec<&CrmStatus> = self
            .statuses
            .iter()
            .filter(|s| s.entity_id == entity_id)
            .collect();
        rows.sort_by_key(|s| (s.sort, s.id));
        rows
    }

    /// Name of the deal stage dictionary of a category.
    pub fn stage_entity(category_id: i64) -> String {
        if category_id == 0 {
            "DEAL_STAGE".to_string()
        } else {
            format!("DEAL_STAGE_{category_id}")
        }
    }

    pub fn deal_stage(&self, stage_id: &str) -> Option<&CrmStatus> {
        self.statuses
            .iter()
            .find(|s| s.status_id == stage_id && s.entity_id.starts_with("DEAL_STAGE"))
    }

    pub fn lead_status(&self, status_id: &str) -> Option<&CrmStatus> {
        self.statuses
            .iter()
            .find(|s| s.status_id == status_id && s.entity_id == "STATUS")
    }

    pub fn deal(&self, id: i64) -> Option<&Deal> {
        find_by_id(&self.deals, id, |d| d.id)
    }

    pub fn lead(&self, id: i64) -> Option<&Lead> {
        find_by_id(&self.leads, id, |l| l.id)
    }

    pub fn user(&self, id: i64) -> Option<&User> {
        find_by_id(&self.users, id, |u| u.id)
    }

    pub fn base_currency(&self) -> &str {
        self.currencies
            .iter()
            .find(|c| c.base)
            .map(|c| c.code.as_str())
            .unwrap_or("RUB")
    }
}

/// Binary search in a vector sorted by id.
pub fn find_by_id<T>(items: &[T], id: i64, key: impl Fn(&T) -> i64) -> Option<&T> {
    items.binary_search_by_key(&id, key).ok().map(|i| &items[i])
}

/// Index of the first element whose id is >= `id` in a vector sorted by id.
pub fn lower_bound<T>(items: &[T], id: i64, key: impl Fn(&T) -> i64) -> usize {
    items.partition_point(|x| key(x) < id)
}
