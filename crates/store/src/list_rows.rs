//! The raw columns of record lists (drill-down lists and the deal list block): deals, leads, activities, tasks,
//! companies and contacts fetched by id, with named columns. The caller (the reports crate) decides which ids
//! belong to a number and turns these rows into what a list shows; this module must never filter by anything but
//! the portal and the ids it is given, and never compute a metric.

use crate::sql::Val;
use crate::{PortalId, Store, StoreError};

/// Ids per statement: far below both backends' bind limits, and small enough to keep plans cheap.
const IDS_PER_QUERY: usize = 500;

/// A deal as a list row shows it (amounts in cents of their own currency; the caller converts).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DealListRow {
    pub id: i64,
    pub title: String,
    pub category_id: i64,
    pub stage_id: String,
    pub stage_semantic_id: String,
    pub opportunity_cents: i64,
    pub currency_id: Option<String>,
    pub opportunity_account_cents: Option<i64>,
    pub account_currency_id: Option<String>,
    pub assigned_by_id: Option<i64>,
    pub source_id: Option<String>,
    pub date_create: i64,
    pub date_modify: i64,
    pub moved_time: Option<i64>,
    pub closedate: Option<String>,
}

/// A lead as a list row shows it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LeadListRow {
    pub id: i64,
    pub title: String,
    pub status_id: String,
    pub status_semantic_id: String,
    pub opportunity_cents: i64,
    pub currency_id: Option<String>,
    pub assigned_by_id: Option<i64>,
    pub source_id: Option<String>,
    pub date_create: i64,
    pub date_closed: Option<i64>,
    pub last_activity_time: Option<i64>,
}

/// An activity as a list row shows it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ActivityListRow {
    pub id: i64,
    pub type_id: i64,
    pub provider_id: Option<String>,
    pub provider_type_id: Option<String>,
    pub direction: i64,
    pub completed: bool,
    pub responsible_id: Option<i64>,
    pub owner_type_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub subject: Option<String>,
    pub start_time: Option<i64>,
    pub created: i64,
    pub deadline: Option<i64>,
    pub last_updated: i64,
}

/// A task as a list row shows it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TaskListRow {
    pub id: i64,
    pub title: String,
    pub status: i64,
    pub responsible_id: Option<i64>,
    pub group_id: Option<i64>,
    pub created_date: i64,
    pub closed_date: Option<i64>,
    pub date_start: Option<i64>,
    pub deadline: Option<i64>,
    pub start_date_plan: Option<i64>,
}

/// A company or a contact as a list row shows it: `name_parts` are the title of a company, or a person's last,
/// first and middle names (in the order the portal shows them).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ClientListRow {
    pub id: i64,
    pub name_1: String,
    pub name_2: String,
    pub name_3: String,
    pub type_code: Option<String>,
    pub assigned_by_id: Option<i64>,
    pub date_create: i64,
}

const DEAL_SELECT: &str = "SELECT id, title, category_id, stage_id, stage_semantic_id, opportunity_cents, currency_id, \
     opportunity_account_cents, account_currency_id, assigned_by_id, source_id, date_create, date_modify, moved_time, \
     closedate FROM deals";
const LEAD_SELECT: &str =
    "SELECT id, title, status_id, status_semantic_id, opportunity_cents, currency_id, \
     assigned_by_id, source_id, date_create, date_closed, last_activity_time FROM leads";
const ACTIVITY_SELECT: &str = "SELECT id, type_id, provider_id, provider_type_id, direction, completed, \
     responsible_id, owner_type_id, owner_id, subject, start_time, created, deadline, last_updated FROM activities";
const TASK_SELECT: &str =
    "SELECT id, title, status, responsible_id, group_id, created_date, closed_date, date_start, \
     deadline, start_date_plan FROM tasks";
const COMPANY_SELECT: &str =
    "SELECT id, title AS name_1, CAST('' AS TEXT) AS name_2, CAST('' AS TEXT) AS name_3, \
     company_type AS type_code, assigned_by_id, date_create FROM companies";
const CONTACT_SELECT: &str =
    "SELECT id, last_name AS name_1, name AS name_2, second_name AS name_3, \
     type_id AS type_code, assigned_by_id, date_create FROM contacts";

impl Store {
    /// Rows of `select` for the given ids of one portal, in id order; unknown ids are skipped.
    async fn list_rows_by_id<T: crate::FromAnyRow>(
        &self,
        select: &str,
        portal: PortalId,
        ids: &[i64],
    ) -> Result<Vec<T>, StoreError> {
        // Sorted first, so the chunks (each ordered by id) concatenate into one id order.
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(IDS_PER_QUERY) {
            let marks = (0..chunk.len())
                .map(|i| format!("${}", i + 2))
                .collect::<Vec<_>>()
                .join(",");
            let sql = format!("{select} WHERE portal_id = $1 AND id IN ({marks}) ORDER BY id");
            let mut vals = Vec::with_capacity(chunk.len() + 1);
            vals.push(Val::I64(portal.0));
            vals.extend(chunk.iter().map(|id| Val::I64(*id)));
            out.extend(self.fetch_all::<T>(&sql, &vals).await?);
        }
        Ok(out)
    }

    /// Deals of the given ids (list columns).
    pub async fn deal_list_rows(
        &self,
        portal: PortalId,
        ids: &[i64],
    ) -> Result<Vec<DealListRow>, StoreError> {
        self.list_rows_by_id(DEAL_SELECT, portal, ids).await
    }

    /// Leads of the given ids (list columns).
    pub async fn lead_list_rows(
        &self,
        portal: PortalId,
        ids: &[i64],
    ) -> Result<Vec<LeadListRow>, StoreError> {
        self.list_rows_by_id(LEAD_SELECT, portal, ids).await
    }

    /// Activities of the given ids (list columns).
    pub async fn activity_list_rows(
        &self,
        portal: PortalId,
        ids: &[i64],
    ) -> Result<Vec<ActivityListRow>, StoreError> {
        self.list_rows_by_id(ACTIVITY_SELECT, portal, ids).await
    }

    /// Tasks of the given ids (list columns).
    pub async fn task_list_rows(
        &self,
        portal: PortalId,
        ids: &[i64],
    ) -> Result<Vec<TaskListRow>, StoreError> {
        self.list_rows_by_id(TASK_SELECT, portal, ids).await
    }

    /// Companies of the given ids (list columns; the title is `name_1`).
    pub async fn company_list_rows(
        &self,
        portal: PortalId,
        ids: &[i64],
    ) -> Result<Vec<ClientListRow>, StoreError> {
        self.list_rows_by_id(COMPANY_SELECT, portal, ids).await
    }

    /// Contacts of the given ids (list columns; last, first and middle name in `name_1..3`).
    pub async fn contact_list_rows(
        &self,
        portal: PortalId,
        ids: &[i64],
    ) -> Result<Vec<ClientListRow>, StoreError> {
        self.list_rows_by_id(CONTACT_SELECT, portal, ids).await
    }
}
