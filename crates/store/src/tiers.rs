//! The tier bookkeeping of each portal × app: the last answer of the OAuth server's `app.info` (status letter,
//! PAYMENT_EXPIRED, DAYS, when it was read), when an expired payment was first seen, and the last failed check.
//! It only records and returns facts; what they mean (history months, grace period) is the server's business
//! (docs/TIERS.md). It must never delete or hide synced data: a tier limits what reports show, not what is kept,
//! and a failed check must never overwrite the last known tier.

use crate::apps::one_app_row;
use crate::sql::Val;
use crate::{validate, PortalId, Store, StoreError};

/// The last known tier of one portal × app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTier {
    /// F free, D demo, T trial, P paid, L local, S subscription (as the OAuth server said it).
    pub status: String,
    pub payment_expired: bool,
    /// DAYS from app.info at `checked_at` (days left; negative after the payment ran out), if it was given.
    pub days_left: Option<i64>,
    /// Unix seconds of the last successful check.
    pub checked_at: i64,
    /// Unix seconds of the first successful check that said PAYMENT_EXPIRED=Y (cleared when paid again).
    pub payment_expired_since: Option<i64>,
    /// Unix seconds of the last failed check after `checked_at`, and why (no tokens, server unreachable ...).
    pub check_failed_at: Option<i64>,
    pub check_error: Option<String>,
}

#[derive(sqlx::FromRow)]
struct TierRow {
    app_status: Option<String>,
    payment_expired: Option<bool>,
    days_left: Option<i64>,
    status_checked_at: Option<i64>,
    payment_expired_since: Option<i64>,
    tier_check_failed_at: Option<i64>,
    tier_check_error: Option<String>,
}

impl Store {
    /// Records a successful `app.info` answer read at `checked_at`; clears any earlier failure. The first answer
    /// with PAYMENT_EXPIRED=Y starts `payment_expired_since`; later expired answers keep it; a paid one clears it.
    pub async fn record_tier(
        &self,
        portal: PortalId,
        client_id: &str,
        status: &str,
        payment_expired: bool,
        days_left: Option<i64>,
        checked_at: i64,
    ) -> Result<(), StoreError> {
        validate::not_empty("app_tier", "status", status)?;
        validate::not_empty("app_tier", "client_id", client_id)?;
        // Placeholders appear in ascending order and once each: SQLite numbers `$n` by first appearance.
        let since = payment_expired.then_some(checked_at);
        let n = self
            .execute(
                "UPDATE portal_apps SET app_status = $1, payment_expired = $2, days_left = $3, status_checked_at = $4, \
                 payment_expired_since = CASE WHEN $5 IS NULL THEN NULL \
                 ELSE COALESCE(payment_expired_since, $6) END, \
                 tier_check_failed_at = NULL, tier_check_error = NULL \
                 WHERE portal_id = $7 AND client_id = $8",
                &[
                    Val::Str(status),
                    Val::Bool(payment_expired),
                    Val::OptI64(days_left),
                    Val::I64(checked_at),
                    Val::OptI64(since),
                    Val::OptI64(since),
                    Val::I64(portal.0),
                    Val::Str(client_id),
                ],
            )
            .await?;
        one_app_row(n, portal, client_id)
    }

    /// Records that a check at `at` failed; the last known tier stays exactly as it was.
    pub async fn record_tier_failure(
        &self,
        portal: PortalId,
        client_id: &str,
        at: i64,
        error: &str,
    ) -> Result<(), StoreError> {
        let error: String = error.chars().take(500).collect();
        self.execute(
            "UPDATE portal_apps SET tier_check_failed_at = $1, tier_check_error = $2 \
             WHERE portal_id = $3 AND client_id = $4",
            &[
                Val::I64(at),
                Val::Str(&error),
                Val::I64(portal.0),
                Val::Str(client_id),
            ],
        )
        .await?;
        Ok(())
    }

    /// The last known tier of the portal × app; `None` when it was never checked (or the app is not installed).
    pub async fn tier(
        &self,
        portal: PortalId,
        client_id: &str,
    ) -> Result<Option<StoredTier>, StoreError> {
        let row: Option<TierRow> = self
            .fetch_optional(
                "SELECT app_status, payment_expired, days_left, status_checked_at, payment_expired_since, \
                 tier_check_failed_at, tier_check_error FROM portal_apps WHERE portal_id = $1 AND client_id = $2",
                &[Val::I64(portal.0), Val::Str(client_id)],
            )
            .await?;
        Ok(row.and_then(|r| match (r.app_status, r.status_checked_at) {
            (Some(status), Some(checked_at)) => Some(StoredTier {
                status,
                payment_expired: r.payment_expired.unwrap_or(false),
                days_left: r.days_left,
                checked_at,
                payment_expired_since: r.payment_expired_since,
                check_failed_at: r.tier_check_failed_at,
                check_error: r.tier_check_error,
            }),
            _ => None,
        }))
    }

    /// Installed portal × app pairs (portal not uninstalled, app not removed) whose last successful check is
    /// older than `checked_before` or missing, leaving out those that failed at or after `failed_after` (they are
    /// retried later, not in a tight loop). At most `limit`, the stalest first.
    pub async fn tiers_due(
        &self,
        checked_before: i64,
        failed_after: i64,
        limit: i64,
    ) -> Result<Vec<(PortalId, String)>, StoreError> {
        let rows: Vec<(i64, String)> = self
            .fetch_all(
                "SELECT a.portal_id, a.client_id FROM portal_apps a JOIN portals p ON p.id = a.portal_id \
                 WHERE p.status <> 'uninstalled' AND a.uninstalled_at IS NULL \
                 AND (a.status_checked_at IS NULL OR a.status_checked_at < $1) \
                 AND (a.tier_check_failed_at IS NULL OR a.tier_check_failed_at < $2) \
                 ORDER BY COALESCE(a.status_checked_at, 0), a.portal_id, a.client_id LIMIT $3",
                &[
                    Val::I64(checked_before),
                    Val::I64(failed_after),
                    Val::I64(limit.max(1)),
                ],
            )
            .await?;
        Ok(rows.into_iter().map(|(p, c)| (PortalId(p), c)).collect())
    }
}
