//! The task and call reads of the reports: tasks due (or, without a deadline, created) in a window, and call
//! statistics started in one. Rows come out as stored; must never compute a metric.

use crate::sql::Val;
use crate::{PortalId, Store, StoreError};

/// A task with the columns the reports read.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TaskRow {
    pub id: i64,
    pub status: i64,
    pub responsible_id: Option<i64>,
    pub group_id: Option<i64>,
    pub created_date: i64,
    pub closed_date: Option<i64>,
    pub date_start: Option<i64>,
    pub deadline: Option<i64>,
    pub start_date_plan: Option<i64>,
}

/// One call with its talk time.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CallRow {
    pub id: i64,
    pub duration_seconds: i64,
    pub user_id: Option<i64>,
}

impl Store {
    /// Tasks with a deadline in `[from_ts, to_ts)`, and tasks without a deadline created in it.
    pub async fn report_tasks(
        &self,
        portal: PortalId,
        from_ts: i64,
        to_ts: i64,
    ) -> Result<Vec<TaskRow>, StoreError> {
        self.fetch_all(
            "SELECT id, status, responsible_id, group_id, created_date, closed_date, date_start, deadline, start_date_plan FROM tasks \
             WHERE portal_id = $1 AND ((deadline >= $2 AND deadline < $3) OR (deadline IS NULL AND created_date >= $2 AND created_date < $3))",
            &[Val::I64(portal.0), Val::I64(from_ts), Val::I64(to_ts)],
        )
        .await
    }

    /// Calls started in `[from_ts, to_ts)`.
    pub async fn report_calls(
        &self,
        portal: PortalId,
        from_ts: i64,
        to_ts: i64,
    ) -> Result<Vec<CallRow>, StoreError> {
        self.fetch_all(
            "SELECT id, duration_seconds, user_id FROM calls WHERE portal_id = $1 AND start_time >= $2 AND start_time < $3",
            &[Val::I64(portal.0), Val::I64(from_ts), Val::I64(to_ts)],
        )
        .await
    }
}
