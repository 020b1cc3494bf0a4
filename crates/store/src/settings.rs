//! Per-portal settings: JSON values by key with typed accessors and defaults (the forget-me-not thresholds and
//! clock). A missing key reads as its default; a stored value that no longer parses is reported as corrupt,
//! never replaced by a default silently.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::clock::now;
use crate::sql::Val;
use crate::{validate, PortalId, Store, StoreError};

/// Setting keys.
pub mod key {
    pub const FORGET_ME_NOT_LEAD_DAYS: &str = "forget_me_not_lead_days";
    pub const FORGET_ME_NOT_DEAL_DAYS: &str = "forget_me_not_deal_days";
    pub const PLANNED_ACTIVITY_COUNTS_AS_CARE: &str = "planned_activity_counts_as_care";
}

/// The forget-me-not report's settings (R6, docs/METRICS.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForgetMeNotSettings {
    /// A lead is forgotten after more than this many days without anything happening.
    pub lead_days: i64,
    /// A deal is forgotten after more than this many days without anything happening.
    pub deal_days: i64,
    /// A card with a planned (open, future) activity is cared for.
    pub planned_activity_counts_as_care: bool,
}

impl Default for ForgetMeNotSettings {
    fn default() -> Self {
        ForgetMeNotSettings {
            lead_days: 7,
            deal_days: 14,
            planned_activity_counts_as_care: true,
        }
    }
}

/// The longest threshold accepted: ten years.
const MAX_DAYS: i64 = 3650;

fn check_days(field: &'static str, days: i64) -> Result<(), StoreError> {
    if (1..=MAX_DAYS).contains(&days) {
        Ok(())
    } else {
        Err(StoreError::invalid(
            "forget_me_not_settings",
            field,
            format!("must be within 1..={MAX_DAYS} days, got {days}"),
        ))
    }
}

impl Store {
    /// The raw JSON value of a setting, if set.
    pub async fn setting_json(
        &self,
        portal: PortalId,
        key: &str,
    ) -> Result<Option<serde_json::Value>, StoreError> {
        let row: Option<(String,)> = self
            .fetch_optional(
                "SELECT value FROM portal_settings WHERE portal_id = $1 AND key = $2",
                &[Val::I64(portal.0), Val::Str(key)],
            )
            .await?;
        row.map(|(text,)| {
            serde_json::from_str(&text).map_err(|e| StoreError::Corrupt {
                table: "portal_settings",
                column: "value",
                detail: format!("{key}: {e}"),
            })
        })
        .transpose()
    }

    /// Every active portal (by id) with its install time and its value of setting `key`, in one query (the
    /// scheduler's due list and sync lag). A value that is not JSON reads as `None`, like an unset one: the caller
    /// treats the portal as never having recorded it.
    pub async fn active_portals_setting(
        &self,
        key: &str,
    ) -> Result<Vec<(PortalId, i64, Option<serde_json::Value>)>, StoreError> {
        let rows: Vec<(i64, i64, Option<String>)> = self
            .fetch_all(
                "SELECT p.id, p.installed_at, s.value FROM portals p \
                 LEFT JOIN portal_settings s ON s.portal_id = p.id AND s.key = $1 \
                 WHERE p.status = 'active' ORDER BY p.id",
                &[Val::Str(key)],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, installed_at, v)| {
                let value = v.and_then(|t| serde_json::from_str(&t).ok());
                (PortalId(id), installed_at, value)
            })
            .collect())
    }

    /// A setting as `T`, or `None` when unset. A stored value that does not fit `T` is an error.
    pub async fn setting<T: DeserializeOwned>(
        &self,
        portal: PortalId,
        key: &str,
    ) -> Result<Option<T>, StoreError> {
        match self.setting_json(portal, key).await? {
            None => Ok(None),
            Some(v) => serde_json::from_value(v)
                .map(Some)
                .map_err(|e| StoreError::Corrupt {
                    table: "portal_settings",
                    column: "value",
                    detail: format!("{key}: {e}"),
                }),
        }
    }

    /// Sets a setting to `value` (as JSON); `updated_by` is the portal user who changed it, when known.
    pub async fn set_setting<T: Serialize>(
        &self,
        portal: PortalId,
        key: &str,
        value: &T,
        updated_by: Option<i64>,
    ) -> Result<(), StoreError> {
        validate::not_empty("setting", "key", key)?;
        let text = serde_json::to_string(value).map_err(|e| {
            StoreError::invalid(
                "setting",
                "value",
                format!("cannot be written as JSON: {e}"),
            )
        })?;
        self.execute(
            "INSERT INTO portal_settings (portal_id, key, value, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (portal_id, key) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by, \
             updated_at = excluded.updated_at",
            &[Val::I64(portal.0), Val::Str(key), Val::Str(&text), Val::OptI64(updated_by), Val::I64(now())],
        )
        .await?;
        Ok(())
    }

    /// Removes a setting (it reads as its default again); `true` when it was set.
    pub async fn clear_setting(&self, portal: PortalId, key: &str) -> Result<bool, StoreError> {
        let n = self
            .execute(
                "DELETE FROM portal_settings WHERE portal_id = $1 AND key = $2",
                &[Val::I64(portal.0), Val::Str(key)],
            )
            .await?;
        Ok(n == 1)
    }

    /// The forget-me-not settings, each missing key at its default (7 lead days, 14 deal days, planned
    /// activity counts as care).
    pub async fn forget_me_not_settings(
        &self,
        portal: PortalId,
    ) -> Result<ForgetMeNotSettings, StoreError> {
        let d = ForgetMeNotSettings::default();
        Ok(ForgetMeNotSettings {
            lead_days: self
                .setting(portal, key::FORGET_ME_NOT_LEAD_DAYS)
                .await?
                .unwrap_or(d.lead_days),
            deal_days: self
                .setting(portal, key::FORGET_ME_NOT_DEAL_DAYS)
                .await?
                .unwrap_or(d.deal_days),
            planned_activity_counts_as_care: self
                .setting(portal, key::PLANNED_ACTIVITY_COUNTS_AS_CARE)
                .await?
                .unwrap_or(d.planned_activity_counts_as_care),
        })
    }

    /// Saves the forget-me-not settings (days within 1..=3650).
    pub async fn set_forget_me_not_settings(
        &self,
        portal: PortalId,
        s: &ForgetMeNotSettings,
        updated_by: Option<i64>,
    ) -> Result<(), StoreError> {
        check_days("lead_days", s.lead_days)?;
        check_days("deal_days", s.deal_days)?;
        self.set_setting(
            portal,
            key::FORGET_ME_NOT_LEAD_DAYS,
            &s.lead_days,
            updated_by,
        )
        .await?;
        self.set_setting(
            portal,
            key::FORGET_ME_NOT_DEAL_DAYS,
            &s.deal_days,
            updated_by,
        )
        .await?;
        self.set_setting(
            portal,
            key::PLANNED_ACTIVITY_COUNTS_AS_CARE,
            &s.planned_activity_counts_as_care,
            updated_by,
        )
        .await
    }
}
