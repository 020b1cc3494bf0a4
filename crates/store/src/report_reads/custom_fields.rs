//! The custom-field read of the reports' filter: every stored value of one field of one entity type, so the
//! reports can keep the records whose value matches. Must never decide what matches.

use crate::sql::Val;
use crate::{validate, PortalId, Store, StoreError};

/// One record's stored value of a custom field (scalars as text, multiple values as a JSON array).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FieldValueRow {
    pub entity_id: i64,
    pub value: Option<String>,
}

impl Store {
    /// Every stored value of `field_name` on records of `entity_type` (`DEAL` or `LEAD`).
    pub async fn report_field_values(
        &self,
        portal: PortalId,
        entity_type: &str,
        field_name: &str,
    ) -> Result<Vec<FieldValueRow>, StoreError> {
        validate::custom_field_entity(entity_type)?;
        self.fetch_all(
            "SELECT entity_id, value FROM custom_field_values WHERE portal_id = $1 AND entity_type = $2 AND field_name = $3",
            &[Val::I64(portal.0), Val::Str(entity_type), Val::Str(field_name)],
        )
        .await
    }
}
