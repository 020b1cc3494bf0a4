//! Mapping rows as the portal sends them into the store's typed records. Every field is validated; a row that
//! cannot be read is an error naming the entity, id and field — it is never stored half-read.

use b24a_client::{FieldError, Row};
use b24a_store::records::{
    Activity, CrmStatus, Currency, CustomFieldValue, Deal, Department, Lead, Pipeline, Project,
    StageHistory, Task, User,
};

use crate::error::SyncError;

pub(crate) fn bad<'a>(
    entity: &'static str,
    row: &'a Row,
) -> impl FnOnce(FieldError) -> SyncError + 'a {
    move |source| SyncError::BadRow {
        entity,
        id: row
            .opt_int("ID")
            .ok()
            .flatten()
            .or(row.opt_int("id").ok().flatten()),
        source,
    }
}

pub fn user(r: &Row) -> Result<User, SyncError> {
    (|| {
        Ok(User {
            id: r.int("ID")?,
            name: r.text_or_empty("NAME")?,
            last_name: r.text_or_empty("LAST_NAME")?,
            second_name: r.text_or_empty("SECOND_NAME")?,
            email: r.opt_text("EMAIL")?,
            work_position: r.opt_text("WORK_POSITION")?,
            active: r.flag_or("ACTIVE", true)?,
            user_type: r.opt_text("USER_TYPE")?,
            date_register: r.opt_instant("DATE_REGISTER")?,
            department_ids: r.int_list("UF_DEPARTMENT")?,
        })
    })()
    .map_err(bad("user", r))
}

pub fn department(r: &Row) -> Result<Department, SyncError> {
    (|| {
        Ok(Department {
            id: r.int("ID")?,
            name: r.text_or_empty("NAME")?,
            parent_id: r.opt_ref("PARENT")?,
            head_user_id: r.opt_ref("UF_HEAD")?,
            sort: r.opt_int("SORT")?.unwrap_or(500),
        })
    })()
    .map_err(bad("department", r))
}

/// A row of `crm.category.list` (camelCase, real ints).
pub fn pipeline(r: &Row) -> Result<Pipeline, SyncError> {
    (|| {
        let id = r.int("id")?;
        Ok(Pipeline {
            id,
            name: r.text_or_empty("name")?,
            sort: r.opt_int("sort")?.unwrap_or(500),
            is_default: r.opt_flag("isDefault")?.unwrap_or(id == 0),
        })
    })()
    .map_err(bad("pipeline", r))
}

pub fn crm_status(r: &Row) -> Result<CrmStatus, SyncError> {
    (|| {
        let extra = r.raw("EXTRA");
        let extra_semantics = extra
            .get("SEMANTICS")
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        let semantics = match r.opt_text("SEMANTICS")?.as_deref() {
            Some("S") => "S",
            Some("F") => "F",
            _ => match extra_semantics.as_deref() {
                Some("success") => "S",
                Some("failure") | Some("apology") => "F",
                _ => "P",
            },
        };
        Ok(CrmStatus {
            entity_id: r.text("ENTITY_ID")?,
            status_id: r.text("STATUS_ID")?,
            name: r.text_or_empty("NAME")?,
            sort: r.opt_int("SORT")?.unwrap_or(0),
            semantics: semantics.to_string(),
            extra_semantics,
            category_id: r.opt_int("CATEGORY_ID")?,
        })
    })()
    .map_err(bad("status", r))
}

pub fn currency(r: &Row) -> Result<Currency, SyncError> {
    (|| {
        Ok(Currency {
            currency: r.text("CURRENCY")?,
            amount_cnt: r.opt_int("AMOUNT_CNT")?.unwrap_or(1),
            amount: r.opt_float("AMOUNT")?.unwrap_or(1.0),
            is_base: r.flag_or("BASE", false)?,
            sort: r.opt_int("SORT")?.unwrap_or(100),
            full_name: r.opt_text("FULL_NAME")?,
        })
    })()
    .map_err(bad("currency", r))
}

pub fn deal(r: &Row) -> Result<Deal, SyncError> {
    (|| {
        Ok(Deal {
            id: r.int("ID")?,
            title: r.text_or_empty("TITLE")?,
            type_id: r.opt_text("TYPE_ID")?,
            category_id: r.opt_int("CATEGORY_ID")?.unwrap_or(0),
            stage_id: r.text("STAGE_ID")?,
            stage_semantic_id: r
                .opt_text("STAGE_SEMANTIC_ID")?
                .unwrap_or_else(|| "P".into()),
            opportunity_cents: r.opt_money_cents("OPPORTUNITY")?.unwrap_or(0),
            currency_id: r.opt_text("CURRENCY_ID")?,
            opportunity_account_cents: r.opt_money_cents("OPPORTUNITY_ACCOUNT")?,
            account_currency_id: r.opt_text("ACCOUNT_CURRENCY_ID")?,
            probability: r.opt_int("PROBABILITY")?,
            assigned_by_id: r.opt_ref("ASSIGNED_BY_ID")?,
            created_by_id: r.opt_ref("CREATED_BY_ID")?,
            modify_by_id: r.opt_ref("MODIFY_BY_ID")?,
            moved_by_id: r.opt_ref("MOVED_BY_ID")?,
            date_create: r.instant("DATE_CREATE")?,
            date_modify: r.instant("DATE_MODIFY")?,
            moved_time: r.opt_instant("MOVED_TIME")?,
            last_activity_time: r.opt_instant("LAST_ACTIVITY_TIME")?,
            last_activity_by: r.opt_ref("LAST_ACTIVITY_BY")?,
            begindate: r.opt_date("BEGINDATE")?,
            closedate: r.opt_date("CLOSEDATE")?,
            closed: r.flag_or("CLOSED", false)?,
            opened: r.flag_or("OPENED", true)?,
            is_new: r.flag_or("IS_NEW", false)?,
            is_recurring: r.flag_or("IS_RECURRING", false)?,
            is_return_customer: r.flag_or("IS_RETURN_CUSTOMER", false)?,
            is_repeated_approach: r.flag_or("IS_REPEATED_APPROACH", false)?,
            source_id: r.opt_text("SOURCE_ID")?,
            source_description: r.opt_text("SOURCE_DESCRIPTION")?,
            company_id: r.opt_ref("COMPANY_ID")?,
            contact_id: r.opt_ref("CONTACT_ID")?,
            lead_id: r.opt_ref("LEAD_ID")?,
            utm_source: r.opt_text("UTM_SOURCE")?,
            utm_medium: r.opt_text("UTM_MEDIUM")?,
            utm_campaign: r.opt_text("UTM_CAMPAIGN")?,
            utm_content: r.opt_text("UTM_CONTENT")?,
            utm_term: r.opt_text("UTM_TERM")?,
        })
    })()
    .map_err(bad("deal", r))
}

pub fn lead(r: &Row) -> Result<Lead, SyncError> {
    (|| {
        Ok(Lead {
            id: r.int("ID")?,
            title: r.text_or_empty("TITLE")?,
            status_id: r.text("STATUS_ID")?,
            status_semantic_id: r
                .opt_text("STATUS_SEMANTIC_ID")?
                .unwrap_or_else(|| "P".into()),
            source_id: r.opt_text("SOURCE_ID")?,
            source_description: r.opt_text("SOURCE_DESCRIPTION")?,
            opportunity_cents: r.opt_money_cents("OPPORTUNITY")?.unwrap_or(0),
            currency_id: r.opt_text("CURRENCY_ID")?,
            assigned_by_id: r.opt_ref("ASSIGNED_BY_ID")?,
            created_by_id: r.opt_ref("CREATED_BY_ID")?,
            modify_by_id: r.opt_ref("MODIFY_BY_ID")?,
            moved_by_id: r.opt_ref("MOVED_BY_ID")?,
            date_create: r.instant("DATE_CREATE")?,
            date_modify: r.instant("DATE_MODIFY")?,
            moved_time: r.opt_instant("MOVED_TIME")?,
            date_closed: r.opt_instant("DATE_CLOSED")?,
            last_activity_time: r.opt_instant("LAST_ACTIVITY_TIME")?,
            last_activity_by: r.opt_ref("LAST_ACTIVITY_BY")?,
            company_id: r.opt_ref("COMPANY_ID")?,
            contact_id: r.opt_ref("CONTACT_ID")?,
            company_title: r.opt_text("COMPANY_TITLE")?,
            is_return_customer: r.flag_or("IS_RETURN_CUSTOMER", false)?,
            opened: r.flag_or("OPENED", true)?,
            utm_source: r.opt_text("UTM_SOURCE")?,
            utm_medium: r.opt_text("UTM_MEDIUM")?,
            utm_campaign: r.opt_text("UTM_CAMPAIGN")?,
            utm_content: r.opt_text("UTM_CONTENT")?,
            utm_term: r.opt_text("UTM_TERM")?,
        })
    })()
    .map_err(bad("lead", r))
}

/// Custom fields (`UF_CRM_*`) of a deal or lead row.
pub fn custom_fields(entity_type: &str, entity_id: i64, r: &Row) -> Vec<CustomFieldValue> {
    r.fields_with_prefix("UF_CRM_")
        .into_iter()
        .map(|(field_name, value)| CustomFieldValue {
            entity_type: entity_type.to_string(),
            entity_id,
            field_name,
            value,
        })
        .collect()
}

/// A stage history row; leads carry `STATUS_ID`/`STATUS_SEMANTIC_ID` instead of the stage names.
pub fn stage_history(entity_type_id: i64, r: &Row) -> Result<StageHistory, SyncError> {
    (|| {
        let lead = entity_type_id == 1;
        Ok(StageHistory {
            entity_type_id,
            id: r.int("ID")?,
            type_id: r.int("TYPE_ID")?,
            owner_id: r.int("OWNER_ID")?,
            created_time: r.instant("CREATED_TIME")?,
            category_id: if lead {
                None
            } else {
                r.opt_int("CATEGORY_ID")?
            },
            stage_id: r.text(if lead { "STATUS_ID" } else { "STAGE_ID" })?,
            stage_semantic_id: r
                .opt_text(if lead {
                    "STATUS_SEMANTIC_ID"
                } else {
                    "STAGE_SEMANTIC_ID"
                })?
                .unwrap_or_else(|| "P".into()),
        })
    })()
    .map_err(bad("stage history", r))
}

pub fn activity(r: &Row) -> Result<Activity, SyncError> {
    (|| {
        Ok(Activity {
            id: r.int("ID")?,
            owner_type_id: r.opt_int("OWNER_TYPE_ID")?,
            owner_id: r.opt_int("OWNER_ID")?,
            type_id: r.opt_int("TYPE_ID")?.unwrap_or(0),
            provider_id: r.opt_text("PROVIDER_ID")?,
            provider_type_id: r.opt_text("PROVIDER_TYPE_ID")?,
            direction: r.opt_int("DIRECTION")?.unwrap_or(0),
            completed: r.flag_or("COMPLETED", false)?,
            status: r.opt_int("STATUS")?,
            priority: r.opt_int("PRIORITY")?,
            responsible_id: r.opt_ref("RESPONSIBLE_ID")?,
            author_id: r.opt_ref("AUTHOR_ID")?,
            subject: r.opt_text("SUBJECT")?,
            created: r.instant("CREATED")?,
            last_updated: r.instant("LAST_UPDATED")?,
            start_time: r.opt_instant("START_TIME")?,
            end_time: r.opt_instant("END_TIME")?,
            deadline: r.opt_instant("DEADLINE")?,
            is_incoming_channel: r.flag_or("IS_INCOMING_CHANNEL", false)?,
            origin_id: r.opt_text("ORIGIN_ID")?,
        })
    })()
    .map_err(bad("activity", r))
}

/// A `tasks.task.list` row (camelCase keys whatever the select said).
pub fn task(r: &Row) -> Result<Task, SyncError> {
    (|| {
        let status = match r.opt_int("realStatus")? {
            Some(s) => s,
            None => r.int("status")?,
        };
        Ok(Task {
            id: r.int("id")?,
            title: r.text_or_empty("title")?,
            status,
            priority: r.opt_int("priority")?,
            responsible_id: r.opt_ref("responsibleId")?,
            created_by: r.opt_ref("createdBy")?,
            closed_by: r.opt_ref("closedBy")?,
            group_id: r.opt_ref("groupId")?,
            parent_id: r.opt_ref("parentId")?,
            created_date: r.instant("createdDate")?,
            changed_date: match r.opt_instant("changedDate")? {
                Some(t) => t,
                None => r.instant("createdDate")?,
            },
            closed_date: r.opt_instant("closedDate")?,
            date_start: r.opt_instant("dateStart")?,
            deadline: r.opt_instant("deadline")?,
            start_date_plan: r.opt_instant("startDatePlan")?,
            end_date_plan: r.opt_instant("endDatePlan")?,
        })
    })()
    .map_err(bad("task", r))
}

pub fn project(r: &Row) -> Result<Project, SyncError> {
    (|| {
        Ok(Project {
            id: r.int("ID")?,
            name: r.text_or_empty("NAME")?,
            active: r.flag_or("ACTIVE", true)?,
            closed: r.flag_or("CLOSED", false)?,
            is_project: r.flag_or("PROJECT", false)?,
            owner_id: r.opt_ref("OWNER_ID")?,
            date_create: r.opt_instant("DATE_CREATE")?,
        })
    })()
    .map_err(bad("project", r))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(v: serde_json::Value) -> Row {
        Row::from_value(v).unwrap()
    }

    #[test]
    fn deal_from_legacy_strings() {
        let r = row(json!({
            "ID": "42", "TITLE": "Pipes", "TYPE_ID": "SALE", "CATEGORY_ID": "1", "STAGE_ID": "C1:WON",
            "STAGE_SEMANTIC_ID": "S", "OPPORTUNITY": "19999.99", "CURRENCY_ID": "RUB", "PROBABILITY": null,
            "ASSIGNED_BY_ID": "7", "CREATED_BY_ID": "1", "MODIFY_BY_ID": "1", "MOVED_BY_ID": "7",
            "DATE_CREATE": "2024-09-02T18:37:18+03:00", "DATE_MODIFY": "2024-09-03T10:00:00+03:00",
            "MOVED_TIME": "", "BEGINDATE": "2024-08-30T03:00:00+03:00", "CLOSEDATE": "2024-09-10T03:00:00+03:00",
            "CLOSED": "Y", "OPENED": "Y", "COMPANY_ID": "0", "CONTACT_ID": null, "UF_CRM_REGION": "North",
            "SETTINGS": []
        }));
        let d = deal(&r).unwrap();
        assert_eq!(d.id, 42);
        assert_eq!(d.category_id, 1);
        assert_eq!(d.opportunity_cents, 1_999_999);
        assert_eq!(d.date_create, 1_725_291_438);
        assert_eq!(d.moved_time, None);
        assert_eq!(d.begindate.as_deref(), Some("2024-08-30"));
        assert_eq!(d.closedate.as_deref(), Some("2024-09-10"));
        assert!(d.closed);
        assert_eq!(d.company_id, None);
        assert_eq!(
            custom_fields("DEAL", 42, &r)[0].value.as_deref(),
            Some("North")
        );
    }

    #[test]
    fn bad_rows_name_entity_id_and_field() {
        let r = row(
            json!({"ID": "5", "STAGE_ID": "NEW", "DATE_CREATE": "soon", "DATE_MODIFY": "2024-09-03T10:00:00+03:00"}),
        );
        match deal(&r) {
            Err(SyncError::BadRow {
                entity: "deal",
                id: Some(5),
                source,
            }) => assert!(source.to_string().contains("DATE_CREATE")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn statuses_semantics() {
        let s = crm_status(&row(
            json!({"ENTITY_ID": "DEAL_STAGE", "STATUS_ID": "APOLOGY", "NAME": "x", "SORT": "70",
            "SEMANTICS": "F", "EXTRA": {"SEMANTICS": "apology"}}),
        ))
        .unwrap();
        assert_eq!(
            (s.semantics.as_str(), s.extra_semantics.as_deref(), s.sort),
            ("F", Some("apology"), 70)
        );
        let s = crm_status(&row(json!({"ENTITY_ID": "SOURCE", "STATUS_ID": "CALL", "NAME": "Call", "SORT": 10, "SEMANTICS": null}))).unwrap();
        assert_eq!(s.semantics, "P");
    }

    #[test]
    fn task_camel_case() {
        let t = task(&row(json!({"id": "9", "title": "T", "status": "5", "groupId": "0", "closedBy": "3",
            "createdDate": "2024-09-02T18:37:18+03:00", "changedDate": "2024-09-02T18:37:18+03:00", "closedDate": null}))).unwrap();
        assert_eq!(
            (t.id, t.status, t.group_id, t.closed_by, t.closed_date),
            (9, 5, None, Some(3), None)
        );
    }
}
