//! Contacts (crm.contact.list): validation of a record and reads by id range. Upserts and deletes go through the
//! shared writers ([`crate::Records::Contacts`], `Store::upsert_contacts`, `Store::delete_contacts`).
//! Never touches other tables.

use crate::records::Contact;
use crate::sql::Val;
use crate::validate::positive_id;
use crate::{PortalId, Store, StoreError};

pub(crate) fn validate(c: &Contact) -> Result<(), StoreError> {
    positive_id("contact", "id", c.id)
}

const COLUMNS: &str =
    "id, name, last_name, second_name, type_id, source_id, company_id, assigned_by_id, \
    date_create, date_modify, last_activity_time";

impl Store {
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
