//! The tidy-up page's audit log (migration 0009, docs/ACTIONS.md): a run per bulk action (who, when, which change,
//! progress) and a row per record with its value before and after and the portal's answer. The server's runner
//! writes it as batches come back; the page's audit list and the undo read it.
//!
//! Stores what it is given; must never call the portal or decide what an action changes.

use serde::{Deserialize, Serialize};

use crate::clock::now;
use crate::sql::Val;
use crate::{PortalId, Store, StoreError};

/// A run as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct TidyRun {
    pub id: i64,
    pub user_id: i64,
    pub action: String,
    /// JSON text of the confirmed change.
    pub params: String,
    pub undo_of: Option<i64>,
    pub total: i64,
    pub done: i64,
    pub refused: i64,
    pub status: String,
    pub created_at: i64,
    pub finished_at: Option<i64>,
}

/// One record of a run as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct TidyRecord {
    pub entity: String,
    pub record_id: i64,
    /// JSON text.
    pub before_value: String,
    /// JSON text, once the portal accepted the change.
    pub after_value: Option<String>,
    pub outcome: String,
    pub error: Option<String>,
}

/// A record a new run will touch: its kind, id and the value before.
#[derive(Debug, Clone)]
pub struct NewTidyRecord {
    pub entity: &'static str,
    pub record_id: i64,
    pub before: serde_json::Value,
}

/// The portal's answer for one record.
#[derive(Debug, Clone)]
pub struct TidyOutcome {
    pub entity: &'static str,
    pub record_id: i64,
    /// `done`, `refused`, `failed` or `skipped`.
    pub outcome: &'static str,
    pub after: Option<serde_json::Value>,
    pub error: Option<String>,
}

const RUN_COLUMNS: &str =
    "id, user_id, action, params, undo_of, total, done, refused, status, created_at, finished_at";

const OUTCOMES: [&str; 4] = ["done", "refused", "failed", "skipped"];

impl Store {
    /// Starts a run with its records (all `pending`) in one transaction; its id.
    pub async fn create_tidy_run(
        &self,
        portal: PortalId,
        user_id: i64,
        action: &str,
        params: &serde_json::Value,
        undo_of: Option<i64>,
        records: &[NewTidyRecord],
    ) -> Result<i64, StoreError> {
        let params = params.to_string();
        let t = now();
        let mut tx = self.begin().await?;
        let row: Option<(i64,)> = tx
            .fetch_optional(
                "INSERT INTO tidy_runs (portal_id, user_id, action, params, undo_of, total, status, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, 'running', $7) RETURNING id",
                &[
                    Val::I64(portal.0),
                    Val::I64(user_id),
                    Val::Str(action),
                    Val::Str(&params),
                    Val::OptI64(undo_of),
                    Val::I64(records.len() as i64),
                    Val::I64(t),
                ],
            )
            .await?;
        let id = row
            .map(|(id,)| id)
            .ok_or_else(|| StoreError::NotFound("inserted tidy run id".into()))?;
        for r in records {
            let before = r.before.to_string();
            tx.execute(
                "INSERT INTO tidy_run_records (portal_id, run_id, entity, record_id, before_value, outcome) \
                 VALUES ($1, $2, $3, $4, $5, 'pending') \
                 ON CONFLICT (portal_id, run_id, entity, record_id) DO NOTHING",
                &[
                    Val::I64(portal.0),
                    Val::I64(id),
                    Val::Str(r.entity),
                    Val::I64(r.record_id),
                    Val::Str(&before),
                ],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Records the portal's answers for some records of a run and moves its counters, in one transaction.
    pub async fn record_tidy_outcomes(
        &self,
        portal: PortalId,
        run: i64,
        outcomes: &[TidyOutcome],
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        for o in outcomes {
            if !OUTCOMES.contains(&o.outcome) {
                return Err(StoreError::invalid(
                    "tidy_run_records",
                    "outcome",
                    format!("unknown outcome {:?}", o.outcome),
                ));
            }
            let after = o.after.as_ref().map(|v| v.to_string());
            tx.execute(
                "UPDATE tidy_run_records SET outcome = $5, after_value = $6, error = $7 \
                 WHERE portal_id = $1 AND run_id = $2 AND entity = $3 AND record_id = $4",
                &[
                    Val::I64(portal.0),
                    Val::I64(run),
                    Val::Str(o.entity),
                    Val::I64(o.record_id),
                    Val::Str(o.outcome),
                    Val::OptStr(after.as_deref()),
                    Val::OptStr(o.error.as_deref()),
                ],
            )
            .await?;
        }
        let done = outcomes.iter().filter(|o| o.outcome == "done").count() as i64;
        let refused = outcomes.len() as i64 - done;
        tx.execute(
            "UPDATE tidy_runs SET done = done + $3, refused = refused + $4 WHERE portal_id = $1 AND id = $2",
            &[
                Val::I64(portal.0),
                Val::I64(run),
                Val::I64(done),
                Val::I64(refused),
            ],
        )
        .await?;
        tx.commit().await
    }

    /// Marks a run `finished` or `failed`.
    pub async fn finish_tidy_run(
        &self,
        portal: PortalId,
        run: i64,
        status: &str,
    ) -> Result<(), StoreError> {
        if !matches!(status, "finished" | "failed") {
            return Err(StoreError::invalid(
                "tidy_runs",
                "status",
                format!("unknown status {status:?}"),
            ));
        }
        self.execute(
            "UPDATE tidy_runs SET status = $3, finished_at = $4 WHERE portal_id = $1 AND id = $2",
            &[
                Val::I64(portal.0),
                Val::I64(run),
                Val::Str(status),
                Val::I64(now()),
            ],
        )
        .await?;
        Ok(())
    }

    /// One run of the portal.
    pub async fn tidy_run(
        &self,
        portal: PortalId,
        run: i64,
    ) -> Result<Option<TidyRun>, StoreError> {
        self.fetch_optional(
            &format!("SELECT {RUN_COLUMNS} FROM tidy_runs WHERE portal_id = $1 AND id = $2"),
            &[Val::I64(portal.0), Val::I64(run)],
        )
        .await
    }

    /// The latest runs of the portal, newest first.
    pub async fn tidy_runs(
        &self,
        portal: PortalId,
        limit: i64,
    ) -> Result<Vec<TidyRun>, StoreError> {
        self.fetch_all(
            &format!(
                "SELECT {RUN_COLUMNS} FROM tidy_runs WHERE portal_id = $1 ORDER BY id DESC LIMIT $2"
            ),
            &[Val::I64(portal.0), Val::I64(limit.clamp(1, 1000))],
        )
        .await
    }

    /// The records of a run, by kind and id.
    pub async fn tidy_run_records(
        &self,
        portal: PortalId,
        run: i64,
    ) -> Result<Vec<TidyRecord>, StoreError> {
        self.fetch_all(
            "SELECT entity, record_id, before_value, after_value, outcome, error FROM tidy_run_records \
             WHERE portal_id = $1 AND run_id = $2 ORDER BY entity, record_id",
            &[Val::I64(portal.0), Val::I64(run)],
        )
        .await
    }
}
