//! Contacts (crm.contact.list): validation of a record, deletes by id and reads by id range. Upserts go through the
//! shared batched writer ([`crate::Records::Contacts`], `Store::upsert_contacts`). Contacts are kept apart from
//! [`crate::Entity`] so the entity list (and its counts) stays as the other crates know it.
//! Never touches other tables.

use crate::records::Contact;
use crate::sql::Val;
use crate::validate::positive_id;
use crate::write::delete_by_ids_in;
use crate::{PortalId, Store, StoreError};

pub(crate) fn validate(c: &Contact) -> Result<(), StoreError> {
    positive_id("contact", "id", c.id)
}

const COLUMNS: &str =
    "id, name, last_name, second_name, type_id, source_id, company_id, assigned_by_id, \
    date_create, date_modify, last_activity_time";

impl Store {
    /// Deletes contacts by Bitrix24 id; the number deleted.
    pub async fn delete_contacts(&self, portal: PortalId, ids: &[i64]) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        let n = delete_by_ids_in(&mut tx, portal, "contacts", "id", "", ids).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Up to `limit` (at most 1,000) contacts with id > `after_id`, by id.
    pub async fn contacts_page(
        &self,
        portal: PortalId,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<Contact>, StoreError> {
        self.fetch_all(
            &format!(
                "SELECT {COLUMNS} FROM contacts WHERE portal_id = $1 AND id > $2 ORDER BY id LIMIT $3"
            ),
            &[
                Val::I64(portal.0),
                Val::I64(after_id),
                Val::I64(limit.clamp(0, 1000)),
            ],
        )
        .await
    }
}
