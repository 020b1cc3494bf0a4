//! A portal setting as the text stored, for reports that fall back to a default when a value is missing or does
//! not read (rather than failing the report, as [`Store::setting_json`] would). Must never interpret the value.

use crate::sql::Val;
use crate::{PortalId, Store, StoreError};

impl Store {
    /// The stored text of setting `key`, if set.
    pub async fn setting_text(
        &self,
        portal: PortalId,
        key: &str,
    ) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> = self
            .fetch_optional(
                "SELECT value FROM portal_settings WHERE portal_id = $1 AND key = $2",
                &[Val::I64(portal.0), Val::Str(key)],
            )
            .await?;
        Ok(row.map(|(v,)| v))
    }
}
