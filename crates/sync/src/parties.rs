//! Companies and contacts (crm.company.list, crm.contact.list): portal rows into the store's records. A company's
//! INDUSTRY is kept as the portal's STATUS_ID (the INDUSTRY dictionary in `crm_statuses` names it). Pure: never
//! writes anything.

use b24a_client::Row;
use b24a_store::records::{Company, Contact};

use crate::error::SyncError;
use crate::map::bad;

pub fn company(r: &Row) -> Result<Company, SyncError> {
    (|| {
        Ok(Company {
            id: r.int("ID")?,
            title: r.text_or_empty("TITLE")?,
            company_type: r.opt_text("COMPANY_TYPE")?,
            industry: r.opt_text("INDUSTRY")?,
            assigned_by_id: r.opt_ref("ASSIGNED_BY_ID")?,
            date_create: r.instant("DATE_CREATE")?,
            date_modify: r.instant("DATE_MODIFY")?,
        })
    })()
    .map_err(bad("company", r))
}

pub fn contact(r: &Row) -> Result<Contact, SyncError> {
    (|| {
        Ok(Contact {
            id: r.int("ID")?,
            name: r.text_or_empty("NAME")?,
            last_name: r.text_or_empty("LAST_NAME")?,
            second_name: r.text_or_empty("SECOND_NAME")?,
            type_id: r.opt_text("TYPE_ID")?,
            source_id: r.opt_text("SOURCE_ID")?,
            company_id: r.opt_ref("COMPANY_ID")?,
            assigned_by_id: r.opt_ref("ASSIGNED_BY_ID")?,
            date_create: r.instant("DATE_CREATE")?,
            date_modify: r.instant("DATE_MODIFY")?,
            last_activity_time: r.opt_instant("LAST_ACTIVITY_TIME")?,
        })
    })()
    .map_err(bad("contact", r))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn portal_rows_read_tolerantly() {
        let c = company(
            &Row::from_value(
                json!({"ID": "7", "TITLE": "ООО «Ромашка»", "INDUSTRY": "IT",
                "ASSIGNED_BY_ID": "3", "DATE_CREATE": "2024-09-02T18:37:18+03:00",
                "DATE_MODIFY": "2024-09-03T10:00:00+03:00", "COMPANY_TYPE": "CUSTOMER"}),
            )
            .unwrap(),
        )
        .unwrap();
        assert_eq!(c.industry.as_deref(), Some("IT"));
        assert_eq!(c.date_create, 1_725_291_438);
        assert_eq!(c.assigned_by_id, Some(3));
        // A private client: no company (null), empty optional texts.
        let p = contact(
            &Row::from_value(
                json!({"ID": 9, "NAME": "Анна", "LAST_NAME": "Петрова", "COMPANY_ID": null,
                "SOURCE_ID": "", "DATE_CREATE": "2024-09-02T18:37:18+03:00",
                "DATE_MODIFY": "2024-09-02T18:37:18+03:00", "LAST_ACTIVITY_TIME": null}),
            )
            .unwrap(),
        )
        .unwrap();
        assert_eq!((p.id, p.company_id, p.source_id), (9, None, None));
        assert_eq!(p.second_name, "");
        // A row without a readable creation time is an error naming the entity and id.
        let e = contact(&Row::from_value(json!({"ID": "10", "DATE_CREATE": "yesterday"})).unwrap())
            .unwrap_err()
            .to_string();
        assert!(e.contains("contact") && e.contains("10"), "{e}");
    }
}
