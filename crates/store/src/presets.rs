//! Filters and settings each user left on each report, remembered between visits as opaque JSON. The store
//! never interprets a preset: the web server owns its shape and must validate it when reading it back.

use crate::clock::now;
use crate::sql::Val;
use crate::{validate, PortalId, Store, StoreError};

impl Store {
    /// The user's saved preset for `report`, if any.
    pub async fn user_preset(
        &self,
        portal: PortalId,
        user_id: i64,
        report: &str,
    ) -> Result<Option<serde_json::Value>, StoreError> {
        let row: Option<(String,)> = self
            .fetch_optional(
                "SELECT value FROM user_presets WHERE portal_id = $1 AND user_id = $2 AND report = $3",
                &[Val::I64(portal.0), Val::I64(user_id), Val::Str(report)],
            )
            .await?;
        row.map(|(text,)| {
            serde_json::from_str(&text).map_err(|e| StoreError::Corrupt {
                table: "user_presets",
                column: "value",
                detail: e.to_string(),
            })
        })
        .transpose()
    }

    /// Saves (replaces) the user's preset for `report`.
    pub async fn set_user_preset(
        &self,
        portal: PortalId,
        user_id: i64,
        report: &str,
        value: &serde_json::Value,
    ) -> Result<(), StoreError> {
        validate::positive_id("user_preset", "user_id", user_id)?;
        validate::not_empty("user_preset", "report", report)?;
        let text = value.to_string();
        self.execute(
            "INSERT INTO user_presets (portal_id, user_id, report, value, updated_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (portal_id, user_id, report) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            &[Val::I64(portal.0), Val::I64(user_id), Val::Str(report), Val::Str(&text), Val::I64(now())],
        )
        .await?;
        Ok(())
    }
}
