//! The dictionaries a report labels and groups by, read in one go for one request: employees and their
//! departments, the department tree, pipelines in the portal's order, crm.status rows (stages, lead statuses,
//! sources, industries) and projects. Rows come out as stored; must never name or order things for display.

use crate::sql::Val;
use crate::{PortalId, Store, StoreError};

/// An employee.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UserNameRow {
    pub id: i64,
    pub name: String,
    pub last_name: String,
    pub active: bool,
}

/// An employee's membership of a department.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct MembershipRow {
    pub user_id: i64,
    pub department_id: i64,
}

/// A department.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DepartmentRow {
    pub id: i64,
    pub name: String,
    pub parent_id: Option<i64>,
}

/// Something with an id and a name (a pipeline, a project).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct NamedRow {
    pub id: i64,
    pub name: String,
}

/// One crm.status row.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StatusRow {
    pub entity_id: String,
    pub status_id: String,
    pub name: String,
    pub sort: i64,
    pub semantics: String,
    pub category_id: Option<i64>,
}

/// Every dictionary of a portal that the reports use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportDictionaries {
    pub users: Vec<UserNameRow>,
    pub memberships: Vec<MembershipRow>,
    pub departments: Vec<DepartmentRow>,
    /// In the portal's order (sort, then id).
    pub pipelines: Vec<NamedRow>,
    pub statuses: Vec<StatusRow>,
    pub projects: Vec<NamedRow>,
}

impl Store {
    /// Every dictionary the reports use.
    pub async fn report_dictionaries(
        &self,
        portal: PortalId,
    ) -> Result<ReportDictionaries, StoreError> {
        let p = [Val::I64(portal.0)];
        Ok(ReportDictionaries {
            users: self
                .fetch_all("SELECT id, name, last_name, active FROM users WHERE portal_id = $1", &p)
                .await?,
            memberships: self
                .fetch_all(
                    "SELECT user_id, department_id FROM user_departments WHERE portal_id = $1",
                    &p,
                )
                .await?,
            departments: self
                .fetch_all("SELECT id, name, parent_id FROM departments WHERE portal_id = $1", &p)
                .await?,
            pipelines: self
                .fetch_all(
                    "SELECT id, name FROM pipelines WHERE portal_id = $1 ORDER BY sort, id",
                    &p,
                )
                .await?,
            statuses: self
                .fetch_all(
                    "SELECT entity_id, status_id, name, sort, semantics, category_id FROM crm_statuses WHERE portal_id = $1",
                    &p,
                )
                .await?,
            projects: self
                .fetch_all("SELECT id, name FROM projects WHERE portal_id = $1", &p)
                .await?,
        })
    }
}
