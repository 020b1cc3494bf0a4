//! The activity reads of the reports: single activities of a window, the same windows counted into groups by the
//! database (so answers need not move millions of rows), and, for the reports' cache, the completed activities and
//! the open ones with a deadline by id range. Rows come out as stored or as the database counted them;
//! must never decide what an activity means (kinds, completion times are the reports' business).

use super::packed::packed_row;
use crate::sql::Val;
use crate::{PortalId, Store, StoreError};

/// One activity with the columns the reports read.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ActivityRow {
    pub id: i64,
    pub type_id: i64,
    pub provider_id: Option<String>,
    pub provider_type_id: Option<String>,
    pub direction: i64,
    pub completed: bool,
    pub responsible_id: Option<i64>,
    pub owner_type_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub start_time: Option<i64>,
    pub created: i64,
    pub last_updated: i64,
    pub deadline: Option<i64>,
}

packed_row! {
    /// A group of activities as the database counted it (see [`Store::report_activity_groups`]); what a window
    /// does not group by is NULL.
    pub struct ActivityGroupRow {
        pub type_id: Option<i64> = "c0",
        pub provider_id: Option<String> = "c1",
        pub provider_type_id: Option<String> = "c2",
        pub direction: Option<i64> = "c3",
        pub completed: Option<bool> = "c4",
        pub responsible_id: Option<i64> = "c5",
        pub owner_type_id: Option<i64> = "c6",
        pub owner_id: Option<i64> = "c7",
        pub max_created: Option<i64> = "c8",
        pub max_last_updated: Option<i64> = "c9",
        /// The latest deadline (`OnOpenCards`) or the oldest (`OverdueAt`).
        pub deadline: Option<i64> = "c10",
        /// How many activities of the group have no deadline (`OnOpenCards`; 0 otherwise).
        pub without_deadline: i64 = "c11",
        pub count: i64 = "c12",
    }
}

packed_row! {
    /// What the reports' cache keeps of a completed activity (its activity log).
    pub struct ActivityLogRow {
        pub last_updated: i64 = "last_updated",
        pub type_id: i64 = "type_id",
        pub provider_id: Option<String> = "provider_id",
        pub provider_type_id: Option<String> = "provider_type_id",
        pub direction: i64 = "direction",
        pub responsible_id: Option<i64> = "responsible_id",
    }
}

packed_row! {
    /// An open activity with a deadline, as the reports' cache keeps it (its open deadlines).
    pub struct OpenDeadlineRow {
        pub responsible_id: Option<i64> = "responsible_id",
        pub deadline: i64 = "deadline",
    }
}

/// Which activities to read (instants in unix seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivitySelect {
    /// Completed activities last updated in `[from_ts, to_ts)`.
    CompletedIn { from_ts: i64, to_ts: i64 },
    /// Open activities whose deadline is before `now`.
    OverdueAt { now: i64 },
    /// Activities bound to deals (owner type 2) and leads (owner type 1) in work.
    OnOpenCards,
}

impl Store {
    /// The single activities of a select.
    pub async fn report_activities(
        &self,
        portal: PortalId,
        select: ActivitySelect,
    ) -> Result<Vec<ActivityRow>, StoreError> {
        const COLS: &str = "a.id, a.type_id, a.provider_id, a.provider_type_id, a.direction, a.completed, a.responsible_id, \
            a.owner_type_id, a.owner_id, a.start_time, a.created, a.last_updated, a.deadline";
        // Written so that indexes on (portal_id, last_updated) and (portal_id, completed, deadline) serve the range
        // conditions; the owner join uses activities_by_owner.
        let (sql, a, b) = match select {
            ActivitySelect::CompletedIn { from_ts, to_ts } => (
                format!(
                    "SELECT {COLS} FROM activities a WHERE a.portal_id = $1 AND a.last_updated >= $2 AND a.last_updated < $3 \
                     AND a.completed = TRUE"
                ),
                from_ts,
                to_ts,
            ),
            ActivitySelect::OverdueAt { now } => (
                format!("SELECT {COLS} FROM activities a WHERE a.portal_id = $1 AND a.completed = FALSE AND a.deadline < $2 AND $3 = $3"),
                now,
                0,
            ),
            ActivitySelect::OnOpenCards => (
                format!(
                    "SELECT {COLS} FROM deals d JOIN activities a ON a.portal_id = d.portal_id AND a.owner_type_id = 2 AND a.owner_id = d.id \
                     WHERE d.portal_id = $1 AND d.stage_semantic_id NOT IN ('S','F') AND $2 = $3 \
                     UNION ALL SELECT {COLS} FROM leads l JOIN activities a ON a.portal_id = l.portal_id AND a.owner_type_id = 1 AND a.owner_id = l.id \
                     WHERE l.portal_id = $1 AND l.status_semantic_id NOT IN ('S','F')"
                ),
                0,
                0,
            ),
        };
        self.fetch_all(&sql, &[Val::I64(portal.0), Val::I64(a), Val::I64(b)])
            .await
    }

    /// The activities of a select counted into groups:
    /// - `CompletedIn`: by type, provider, direction, completion and responsible;
    /// - `OverdueAt`: by responsible, with the oldest deadline;
    /// - `OnOpenCards`: by card and completion, with the latest creation, update and deadline, and how many have
    ///   no deadline.
    pub async fn report_activity_groups(
        &self,
        portal: PortalId,
        select: ActivitySelect,
    ) -> Result<Vec<ActivityGroupRow>, StoreError> {
        // Typed NULLs: PostgreSQL would otherwise type a bare NULL as text.
        const NI: &str = "CAST(NULL AS BIGINT)";
        const NT: &str = "CAST(NULL AS TEXT)";
        const NB: &str = "CAST(NULL AS BOOLEAN)";
        const ZERO: &str = "CAST(0 AS BIGINT)";
        let (sql, a, b) = match select {
            ActivitySelect::CompletedIn { from_ts, to_ts } => (
                // A range over activities_by_modified (portal_id, last_updated).
                "SELECT type_id, provider_id, provider_type_id, direction, completed, responsible_id, {NI}, {NI}, {NI}, {NI}, {NI}, {ZERO}, COUNT(*) \
                 FROM activities WHERE portal_id = $1 AND last_updated >= $2 AND last_updated < $3 AND completed = TRUE \
                 GROUP BY type_id, provider_id, provider_type_id, direction, completed, responsible_id"
                    .replace("{NI}", NI).replace("{ZERO}", ZERO),
                from_ts,
                to_ts,
            ),
            // `+ 0` keeps planners from walking the (responsible, created) index for the grouping instead of the
            // deadline condition (measured: 5.5 s against 0.06 s on 5M activities).
            ActivitySelect::OverdueAt { now } => (
                "SELECT {NI}, {NT}, {NT}, {NI}, {NB}, a.responsible_id + 0, {NI}, {NI}, {NI}, {NI}, MIN(a.deadline), {ZERO}, COUNT(*) FROM activities a \
                 WHERE a.portal_id = $1 AND a.completed = FALSE AND a.deadline < $2 AND $3 = $3 GROUP BY a.responsible_id + 0"
                    .replace("{NI}", NI).replace("{NT}", NT).replace("{NB}", NB).replace("{ZERO}", ZERO),
                now,
                0,
            ),
            // CROSS JOIN makes SQLite walk the open cards (deals_open / leads_open) and look each card's activities up in
            // activities_by_owner, instead of walking every activity of the portal (PostgreSQL plans it either way).
            ActivitySelect::OnOpenCards => {
                let part = |owner: &str, table: &str, sem: &str, alias: &str, extra: &str| {
                    format!(
                        "SELECT {NI}, {NT}, {NT}, {NI}, a.completed, {NI}, a.owner_type_id, a.owner_id, MAX(a.created), MAX(a.last_updated), MAX(a.deadline), \
                         SUM(CASE WHEN a.deadline IS NULL THEN 1 ELSE 0 END), COUNT(*) \
                         FROM {table} {alias} CROSS JOIN activities a WHERE a.portal_id = {alias}.portal_id AND a.owner_type_id = {owner} AND a.owner_id = {alias}.id \
                         AND {alias}.portal_id = $1 AND {alias}.{sem} NOT IN ('S','F'){extra} GROUP BY a.owner_type_id, a.owner_id, a.completed"
                    )
                    .replace("{NI}", NI)
                    .replace("{NT}", NT)
                };
                (
                    format!(
                        "{} UNION ALL {}",
                        part("2", "deals", "stage_semantic_id", "d", " AND $2 = $3"),
                        part("1", "leads", "status_semantic_id", "l", "")
                    ),
                    0,
                    0,
                )
            }
        };
        let names: Vec<String> = (0..13).map(|k| format!("c{k}")).collect();
        let with = format!("WITH x({}) AS ({sql}) ", names.join(", "));
        self.fetch_packed(&with, "x", &[Val::I64(portal.0), Val::I64(a), Val::I64(b)])
            .await
    }

    /// The completed activities with ids in `[from_id, until_id)` (for the reports' cache).
    pub async fn report_activity_log(
        &self,
        portal: PortalId,
        from_id: i64,
        until_id: i64,
    ) -> Result<Vec<ActivityLogRow>, StoreError> {
        self.fetch_packed(
            "",
            "activities WHERE portal_id = $1 AND id >= $2 AND id < $3 AND completed = TRUE",
            &[Val::I64(portal.0), Val::I64(from_id), Val::I64(until_id)],
        )
        .await
    }

    /// The open activities with a deadline and ids in `[from_id, until_id)` (for the reports' cache).
    pub async fn report_open_deadlines(
        &self,
        portal: PortalId,
        from_id: i64,
        until_id: i64,
    ) -> Result<Vec<OpenDeadlineRow>, StoreError> {
        self.fetch_packed(
            "",
            "activities WHERE portal_id = $1 AND id >= $2 AND id < $3 AND completed = FALSE AND deadline IS NOT NULL",
            &[Val::I64(portal.0), Val::I64(from_id), Val::I64(until_id)],
        )
        .await
    }
}
