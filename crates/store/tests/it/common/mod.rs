//! Hand-made records for the store tests: every field set to a value derived from the id, so a read-back can be
//! compared field by field with what was written.
#![allow(dead_code)]

use b24a_store::records::*;
use b24a_store::{NewPortal, PortalId, Store};

pub fn new_portal(member_id: &str) -> NewPortal {
    NewPortal {
        member_id: member_id.to_string(),
        domain: format!("{member_id}.bitrix24.ru"),
        client_endpoint: format!("https://{member_id}.bitrix24.ru/rest/"),
        server_endpoint: Some("https://oauth.bitrix.info/rest/".into()),
        webhook_url: None,
        time_zone: Some("Europe/Moscow".into()),
        utc_offset_seconds: Some(10800),
        base_currency: Some("RUB".into()),
    }
}

pub async fn portal(store: &Store, member_id: &str) -> PortalId {
    store.upsert_portal(&new_portal(member_id)).await.unwrap()
}

pub fn deal(id: i64) -> Deal {
    Deal {
        id,
        title: format!("Deal {id}"),
        type_id: Some("SALE".into()),
        category_id: id % 3,
        stage_id: if id % 2 == 0 {
            "WON".into()
        } else {
            "NEW".into()
        },
        stage_semantic_id: if id % 2 == 0 { "S".into() } else { "P".into() },
        opportunity_cents: id * 100 + 5,
        currency_id: Some("RUB".into()),
        opportunity_account_cents: Some(id * 100 + 5),
        account_currency_id: Some("RUB".into()),
        probability: Some(50),
        assigned_by_id: Some(1 + id % 7),
        created_by_id: Some(1),
        modify_by_id: None,
        moved_by_id: Some(2),
        date_create: 1_700_000_000 + id,
        date_modify: 1_700_100_000 + id,
        moved_time: Some(1_700_050_000 + id),
        last_activity_time: None,
        last_activity_by: Some(3),
        begindate: Some("2026-01-15".into()),
        closedate: Some("2026-02-28".into()),
        closed: id % 2 == 0,
        opened: true,
        is_new: false,
        is_recurring: false,
        is_return_customer: id % 5 == 0,
        is_repeated_approach: false,
        source_id: Some("WEB".into()),
        source_description: Some("сайт «Ромашка»".into()),
        company_id: Some(10 + id),
        contact_id: None,
        lead_id: Some(id + 1000),
        utm_source: Some("yandex".into()),
        utm_medium: Some("cpc".into()),
        utm_campaign: None,
        utm_content: None,
        utm_term: Some("crm".into()),
    }
}

pub fn lead(id: i64) -> Lead {
    Lead {
        id,
        title: format!("Lead {id}"),
        status_id: "NEW".into(),
        status_semantic_id: "P".into(),
        source_id: Some("CALL".into()),
        source_description: None,
        opportunity_cents: 999,
        currency_id: Some("RUB".into()),
        assigned_by_id: Some(1),
        created_by_id: Some(1),
        modify_by_id: Some(1),
        moved_by_id: None,
        date_create: 1_690_000_000 + id,
        date_modify: 1_690_000_500 + id,
        moved_time: None,
        date_closed: None,
        last_activity_time: Some(1_690_000_100),
        last_activity_by: None,
        company_id: None,
        contact_id: Some(5),
        company_title: Some("ООО Ромашка".into()),
        is_return_customer: false,
        opened: true,
        utm_source: None,
        utm_medium: None,
        utm_campaign: Some("spring".into()),
        utm_content: None,
        utm_term: None,
    }
}

pub fn user(id: i64, departments: &[i64]) -> User {
    User {
        id,
        name: format!("Name{id}"),
        last_name: "Иванов".into(),
        second_name: String::new(),
        email: Some(format!("u{id}@example.com")),
        work_position: None,
        active: id % 2 == 1,
        user_type: Some("employee".into()),
        date_register: Some(1_600_000_000),
        department_ids: departments.to_vec(),
    }
}

pub fn department(id: i64, parent: Option<i64>) -> Department {
    Department {
        id,
        name: format!("Dept {id}"),
        parent_id: parent,
        head_user_id: Some(1),
        sort: 500,
    }
}

pub fn pipeline(id: i64) -> Pipeline {
    Pipeline {
        id,
        name: format!("Pipeline {id}"),
        sort: 100 * id,
        is_default: id == 0,
    }
}

pub fn status(entity_id: &str, status_id: &str, semantics: &str, sort: i64) -> CrmStatus {
    CrmStatus {
        entity_id: entity_id.into(),
        status_id: status_id.into(),
        name: format!("{entity_id}/{status_id}"),
        sort,
        semantics: semantics.into(),
        extra_semantics: None,
        category_id: None,
    }
}

pub fn currency(code: &str, rate: f64, base: bool) -> Currency {
    Currency {
        currency: code.into(),
        amount_cnt: 1,
        amount: rate,
        is_base: base,
        sort: 100,
        full_name: Some(code.into()),
    }
}

pub fn company(id: i64) -> Company {
    Company {
        id,
        title: format!("Company {id}"),
        company_type: Some("CUSTOMER".into()),
        industry: Some("IT".into()),
        assigned_by_id: Some(1),
        date_create: 1_600_000_000,
        date_modify: 1_600_000_001,
    }
}

pub fn history(entity_type_id: i64, id: i64, owner_id: i64, stage: &str) -> StageHistory {
    StageHistory {
        entity_type_id,
        id,
        type_id: 2,
        owner_id,
        created_time: 1_700_000_000 + id,
        category_id: Some(0),
        stage_id: stage.into(),
        stage_semantic_id: "P".into(),
    }
}

pub fn activity(id: i64) -> Activity {
    Activity {
        id,
        owner_type_id: Some(2),
        owner_id: Some(1),
        type_id: 2,
        provider_id: Some("VOXIMPLANT_CALL".into()),
        provider_type_id: Some("CALL".into()),
        direction: 2,
        completed: true,
        status: Some(2),
        priority: Some(2),
        responsible_id: Some(1),
        author_id: Some(1),
        subject: Some("Звонок".into()),
        created: 1_700_000_000,
        last_updated: 1_700_000_100,
        start_time: Some(1_700_000_000),
        end_time: Some(1_700_000_300),
        deadline: None,
        is_incoming_channel: false,
        origin_id: None,
    }
}

pub fn call(id: i64) -> Call {
    Call {
        id,
        user_id: Some(1),
        call_type: Some(1),
        duration_seconds: 125,
        start_time: 1_700_000_000,
        failed_code: Some("200".into()),
        crm_activity_id: Some(id),
    }
}

pub fn project(id: i64) -> Project {
    Project {
        id,
        name: format!("Project {id}"),
        active: true,
        closed: false,
        is_project: true,
        owner_id: Some(1),
        date_create: None,
    }
}

pub fn task(id: i64) -> Task {
    Task {
        id,
        title: format!("Task {id}"),
        status: 5,
        priority: Some(1),
        responsible_id: Some(1),
        created_by: Some(2),
        closed_by: Some(1),
        group_id: Some(3),
        parent_id: None,
        created_date: 1_700_000_000,
        changed_date: 1_700_000_500,
        closed_date: Some(1_700_000_400),
        date_start: Some(1_700_000_100),
        deadline: Some(1_700_000_450),
        start_date_plan: None,
        end_date_plan: Some(1_700_000_450),
    }
}

pub fn cf(entity_type: &str, entity_id: i64, field: &str, value: Option<&str>) -> CustomFieldValue {
    CustomFieldValue {
        entity_type: entity_type.into(),
        entity_id,
        field_name: field.into(),
        value: value.map(str::to_string),
    }
}

/// Every deal of the portal, by id (pages through the store's reader).
pub async fn all_deals(store: &Store, p: PortalId) -> Vec<Deal> {
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let page = store.deals_page(p, after, 1000).await.unwrap();
        match page.last() {
            Some(d) => after = d.id,
            None => return out,
        }
        out.extend(page);
    }
}
