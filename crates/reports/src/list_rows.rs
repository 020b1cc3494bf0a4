//! Turns the store's list rows (raw columns of deals, leads, activities, tasks, companies, contacts, and R7's
//! linked work: child deals and smart-process items) into list
//! [`Record`]s: names instead of ids where a name exists, amounts in the base currency, days in the portal's
//! calendar. Codes that need words (status, activity kind, task status, client type) stay codes here: the server
//! owns every word a user sees. Must never decide which records belong to a list.

use b24a_store::{PortalId, Store};
use chrono::NaiveDate;
use serde_json::{Map, Value};

use crate::context::PortalContext;
use crate::dicts::Dicts;
use crate::error::ReportError;
use crate::list::{Entity, Record};
use crate::metrics::{self, Status};
use crate::r7_links::ChildRef;

pub(crate) fn day_json(d: Option<NaiveDate>) -> Value {
    d.map(|d| Value::String(d.format("%Y-%m-%d").to_string()))
        .unwrap_or(Value::Null)
}

/// The rows of `ids` (a report's counted records) as list records, in id order.
pub(crate) async fn records(
    store: &Store,
    ctx: &PortalContext,
    dicts: &Dicts,
    entity: Entity,
    ids: &[i64],
) -> Result<Vec<Record>, ReportError> {
    let portal = PortalId(ctx.portal_id);
    Ok(match entity {
        Entity::Deal => deals(ctx, dicts, store.deal_list_rows(portal, ids).await?),
        Entity::Lead => leads(ctx, dicts, store.lead_list_rows(portal, ids).await?),
        Entity::Activity => activities(ctx, dicts, store.activity_list_rows(portal, ids).await?),
        Entity::Task => tasks(ctx, dicts, store.task_list_rows(portal, ids).await?),
        Entity::Company => clients(
            ctx,
            dicts,
            "company",
            store.company_list_rows(portal, ids).await?,
        ),
        Entity::Contact => clients(
            ctx,
            dicts,
            "contact",
            store.contact_list_rows(portal, ids).await?,
        ),
        Entity::Work => work(store, ctx, dicts, ids).await?,
    })
}

/// R7's linked work: the deals among `ids` as deal records, the items (negative ids, see
/// [`ChildRef::tally_id`]) as item records linking to the item's card.
async fn work(
    store: &Store,
    ctx: &PortalContext,
    dicts: &Dicts,
    ids: &[i64],
) -> Result<Vec<Record>, ReportError> {
    let portal = PortalId(ctx.portal_id);
    let mut deal_ids = Vec::new();
    let mut item_keys = Vec::new();
    for n in ids {
        match ChildRef::from_tally_id(*n) {
            Some(ChildRef::Deal(id)) => deal_ids.push(id),
            Some(ChildRef::Item(t, id)) => item_keys.push((t, id)),
            None => {}
        }
    }
    let mut out = deals(ctx, dicts, store.deal_list_rows(portal, &deal_ids).await?);
    if !item_keys.is_empty() {
        let types: std::collections::HashMap<i64, String> = store
            .crm_types(portal)
            .await?
            .into_iter()
            .map(|t| (t.entity_type_id, t.title))
            .collect();
        let items = store.report_items_by_keys(portal, &item_keys).await?;
        out.extend(items.into_iter().map(|i| item(ctx, dicts, &types, i)));
    }
    Ok(out)
}

/// A smart-process item as a list record: the same columns as a deal where they mean the same (status, stage,
/// amount, responsible, created, closed, days), its smart process instead of a pipeline.
fn item(
    ctx: &PortalContext,
    dicts: &Dicts,
    types: &std::collections::HashMap<i64, String>,
    i: b24a_store::CrmItem,
) -> Record {
    let today = ctx.today();
    let status = Status::from_semantic(&i.stage_semantic_id);
    let close_day = metrics::item_close_day(status, i.moved_time, i.updated_time, &ctx.tz);
    let created_day = ctx.tz.day(i.created_time);
    let entered = i.moved_time.unwrap_or(i.created_time);
    let manager = i.assigned_by_id;
    let amount = ctx.to_base_cents(i.opportunity_cents, i.currency_id.as_deref(), None, None);
    let mut c = Map::new();
    c.insert("status".into(), status.key().into());
    c.insert(
        "smart_process".into(),
        types.get(&i.entity_type_id).cloned().into(),
    );
    c.insert("stage_id".into(), i.stage_id.clone().into());
    c.insert("stage".into(), dicts.stage_name(&i.stage_id).into());
    c.insert("amount".into(), money(amount.known()));
    c.insert("manager_id".into(), manager.into());
    c.insert("manager".into(), dicts.user_name(manager).into());
    c.insert(
        "department".into(),
        dicts.dept_name(dicts.main_department(manager)).into(),
    );
    c.insert("created".into(), day_json(Some(created_day)));
    c.insert("closed".into(), day_json(close_day));
    c.insert(
        "days_in_stage".into(),
        metrics::days_between(ctx.tz.day(entered), today).into(),
    );
    c.insert(
        "duration_days".into(),
        metrics::days_between(created_day, close_day.unwrap_or(today)).into(),
    );
    Record {
        id: i.id,
        path: format!("/crm/type/{}/details/{}/", i.entity_type_id, i.id),
        title: i.title,
        columns: c,
    }
}

fn money(cents: Option<i64>) -> Value {
    cents.map(|c| c as f64 / 100.0).into()
}

fn deals(ctx: &PortalContext, dicts: &Dicts, rows: Vec<b24a_store::DealListRow>) -> Vec<Record> {
    let today = ctx.today();
    rows.into_iter()
        .map(|r| {
            let amount = ctx.to_base_cents(
                r.opportunity_cents,
                r.currency_id.as_deref(),
                r.opportunity_account_cents,
                r.account_currency_id.as_deref(),
            );
            let status = Status::from_semantic(&r.stage_semantic_id);
            let close_day = metrics::deal_close_day(
                status,
                metrics::parse_day(r.closedate.as_deref()),
                r.moved_time,
                r.date_modify,
                &ctx.tz,
            );
            let created_day = ctx.tz.day(r.date_create);
            // A deal that never moved has been in its stage since it was created.
            let entered = r.moved_time.unwrap_or(r.date_create);
            let manager = r.assigned_by_id;
            let mut c = Map::new();
            c.insert("status".into(), status.key().into());
            c.insert("pipeline_id".into(), r.category_id.into());
            c.insert("pipeline".into(), dicts.pipeline_name(r.category_id).into());
            c.insert("stage_id".into(), r.stage_id.clone().into());
            c.insert("stage".into(), dicts.stage_name(&r.stage_id).into());
            c.insert("amount".into(), money(amount.known()));
            c.insert("manager_id".into(), manager.into());
            c.insert("manager".into(), dicts.user_name(manager).into());
            c.insert(
                "department".into(),
                dicts.dept_name(dicts.main_department(manager)).into(),
            );
            c.insert(
                "source".into(),
                dicts
                    .source_name(r.source_id.as_deref().unwrap_or(""))
                    .into(),
            );
            c.insert("created".into(), day_json(Some(created_day)));
            c.insert("closed".into(), day_json(close_day));
            c.insert(
                "days_in_stage".into(),
                metrics::days_between(ctx.tz.day(entered), today).into(),
            );
            c.insert(
                "duration_days".into(),
                metrics::days_between(created_day, close_day.unwrap_or(today)).into(),
            );
            Record {
                id: r.id,
                path: format!("/crm/deal/details/{}/", r.id),
                title: r.title,
                columns: c,
            }
        })
        .collect()
}

fn leads(ctx: &PortalContext, dicts: &Dicts, rows: Vec<b24a_store::LeadListRow>) -> Vec<Record> {
    rows.into_iter()
        .map(|r| {
            let status = Status::from_semantic(&r.status_semantic_id);
            let stage = dicts
                .lead_statuses
                .get(&r.status_id)
                .map(|s| s.name.clone())
                .unwrap_or_else(|| r.status_id.clone());
            let manager = r.assigned_by_id;
            let mut c = Map::new();
            c.insert("status".into(), status.key().into());
            c.insert("stage_id".into(), r.status_id.into());
            c.insert("stage".into(), stage.into());
            c.insert(
                "amount".into(),
                money(
                    ctx.to_base_cents(r.opportunity_cents, r.currency_id.as_deref(), None, None)
                        .known(),
                ),
            );
            c.insert("manager_id".into(), manager.into());
            c.insert("manager".into(), dicts.user_name(manager).into());
            c.insert(
                "source".into(),
                dicts
                    .source_name(r.source_id.as_deref().unwrap_or(""))
                    .into(),
            );
            c.insert("created".into(), day_json(Some(ctx.tz.day(r.date_create))));
            c.insert(
                "closed".into(),
                day_json(r.date_closed.map(|t| ctx.tz.day(t))),
            );
            c.insert(
                "last_activity".into(),
                day_json(r.last_activity_time.map(|t| ctx.tz.day(t))),
            );
            Record {
                id: r.id,
                path: format!("/crm/lead/details/{}/", r.id),
                title: r.title,
                columns: c,
            }
        })
        .collect()
}

fn activities(
    ctx: &PortalContext,
    dicts: &Dicts,
    rows: Vec<b24a_store::ActivityListRow>,
) -> Vec<Record> {
    let today = ctx.today();
    rows.into_iter()
        .map(|r| {
            let kind = metrics::activity_kind(
                r.type_id,
                r.provider_id.as_deref(),
                r.provider_type_id.as_deref(),
            );
            let mut c = Map::new();
            c.insert(
                "kind".into(),
                serde_json::to_value(kind).unwrap_or_default(),
            );
            c.insert(
                "direction".into(),
                (match r.direction {
                    1 => "incoming",
                    2 => "outgoing",
                    _ => "",
                })
                .into(),
            );
            c.insert("completed".into(), r.completed.into());
            c.insert("manager_id".into(), r.responsible_id.into());
            c.insert("manager".into(), dicts.user_name(r.responsible_id).into());
            c.insert(
                "when".into(),
                day_json(Some(
                    ctx.tz.day(metrics::activity_time(r.start_time, r.created)),
                )),
            );
            c.insert(
                "done".into(),
                day_json(
                    metrics::activity_done_at(r.completed, r.last_updated).map(|d| ctx.tz.day(d)),
                ),
            );
            c.insert(
                "deadline".into(),
                day_json(r.deadline.map(|d| ctx.tz.day(d))),
            );
            c.insert(
                "days_overdue".into(),
                r.deadline
                    .map(|d| metrics::days_between(ctx.tz.day(d), today))
                    .into(),
            );
            // The activity has no card of its own: it opens its owner's card (lead, deal, contact, company).
            let path = match (r.owner_type_id, r.owner_id) {
                (Some(1), Some(o)) => format!("/crm/lead/details/{o}/"),
                (Some(2), Some(o)) => format!("/crm/deal/details/{o}/"),
                (Some(3), Some(o)) => format!("/crm/contact/details/{o}/"),
                (Some(4), Some(o)) => format!("/crm/company/details/{o}/"),
                _ => String::new(),
            };
            Record {
                id: r.id,
                path,
                title: r.subject.unwrap_or_default(),
                columns: c,
            }
        })
        .collect()
}

fn clients(
    ctx: &PortalContext,
    dicts: &Dicts,
    kind: &str,
    rows: Vec<b24a_store::ClientListRow>,
) -> Vec<Record> {
    rows.into_iter()
        .map(|r| {
            let title = [&r.name_1, &r.name_2, &r.name_3]
                .iter()
                .map(|p| p.trim())
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            let mut c = Map::new();
            c.insert("client_type".into(), r.type_code.unwrap_or_default().into());
            c.insert("manager_id".into(), r.assigned_by_id.into());
            c.insert("manager".into(), dicts.user_name(r.assigned_by_id).into());
            c.insert("created".into(), day_json(Some(ctx.tz.day(r.date_create))));
            Record {
                id: r.id,
                path: format!("/crm/{kind}/details/{}/", r.id),
                title,
                columns: c,
            }
        })
        .collect()
}

fn tasks(ctx: &PortalContext, dicts: &Dicts, rows: Vec<b24a_store::TaskListRow>) -> Vec<Record> {
    rows.into_iter()
        .map(|r| {
            let t = metrics::TaskTimes {
                status: r.status,
                date_start: r.date_start,
                start_date_plan: r.start_date_plan,
                deadline: r.deadline,
                closed_date: r.closed_date,
            };
            let mut c = Map::new();
            c.insert("task_status".into(), r.status.into());
            c.insert("manager_id".into(), r.responsible_id.into());
            c.insert("manager".into(), dicts.user_name(r.responsible_id).into());
            c.insert(
                "project".into(),
                r.group_id
                    .and_then(|g| dicts.projects.get(&g).cloned())
                    .into(),
            );
            c.insert("created".into(), day_json(Some(ctx.tz.day(r.created_date))));
            c.insert(
                "deadline".into(),
                day_json(r.deadline.map(|d| ctx.tz.day(d))),
            );
            c.insert(
                "closed".into(),
                day_json(r.closed_date.map(|d| ctx.tz.day(d))),
            );
            c.insert(
                "started_on_time".into(),
                metrics::started_on_time(&t).into(),
            );
            c.insert(
                "finished_on_time".into(),
                metrics::finished_on_time(&t).into(),
            );
            let user = r.responsible_id.unwrap_or(0);
            Record {
                id: r.id,
                path: format!("/company/personal/user/{user}/tasks/task/view/{}/", r.id),
                title: r.title,
                columns: c,
            }
        })
        .collect()
}
