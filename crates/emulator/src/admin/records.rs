//! Admin routes that change portal records: deals, leads, activities, tasks, companies,
//! contacts, dictionary statuses, custom fields, currencies and pipelines. Each one calls the
//! `PortalHandle` operation of the same name, so events fire as they do for in-process tests.
//!
//! Must never change data itself (that is `mutations*`) nor touch installs, limits or faults.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use axum::routing::delete;
use axum::Router;
use serde::Deserialize;
use serde_json::json;

use super::extract::{ok, AdminError, Body, Id, Kind, Segments};
use super::write;
use crate::model::UserFieldDef;
use crate::state::PortalState;
use crate::{
    CompanyPatch, ContactPatch, DealPatch, NewActivity, NewCompany, NewContact, NewDeal, NewLead,
    NewStatus, NewTask, PortalHandle,
};

type Portal = State<Arc<PortalState>>;
type Answer = Result<Response, AdminError>;

pub enum Deal {}
pub enum Lead {}
pub enum Activity {}
pub enum Task {}
pub enum Company {}
pub enum Contact {}
pub enum Category {}

impl Kind for Deal {
    const ID: &'static str = "deal id";
}
impl Kind for Lead {
    const ID: &'static str = "lead id";
}
impl Kind for Activity {
    const ID: &'static str = "activity id";
}
impl Kind for Task {
    const ID: &'static str = "task id";
}
impl Kind for Company {
    const ID: &'static str = "company id";
}
impl Kind for Contact {
    const ID: &'static str = "contact id";
}
impl Kind for Category {
    const ID: &'static str = "category id";
}

#[derive(Deserialize)]
struct StageReq {
    stage_id: String,
}

#[derive(Deserialize)]
struct CategoryReq {
    category_id: i64,
    #[serde(default)]
    stage_id: Option<String>,
}

#[derive(Deserialize)]
struct StatusKeyReq {
    entity_id: String,
    status_id: String,
}

#[derive(Deserialize)]
struct NameReq {
    #[serde(default)]
    name: String,
}

/// The record routes, relative to `/_emulator`.
pub fn routes() -> Router<Arc<PortalState>> {
    Router::new()
        .route("/deals", write(create_deal))
        .route("/deals/{id}", delete(delete_deal))
        .route("/deals/{id}/update", write(update_deal))
        .route("/deals/{id}/stage", write(move_deal_stage))
        .route("/deals/{id}/category", write(move_deal_category))
        .route("/deals/{id}/delete", write(delete_deal))
        .route("/leads", write(create_lead))
        .route("/leads/{id}", delete(delete_lead))
        .route("/leads/{id}/status", write(move_lead_status))
        .route("/activities", write(add_activity))
        .route("/activities/{id}/complete", write(complete_activity))
        .route("/tasks", write(create_task))
        .route("/tasks/{id}", delete(delete_task))
        .route("/tasks/{id}/close", write(close_task))
        .route("/companies", write(create_company))
        .route("/companies/{id}", delete(delete_company))
        .route("/companies/{id}/update", write(update_company))
        .route("/contacts", write(create_contact))
        .route("/contacts/{id}", delete(delete_contact))
        .route("/contacts/{id}/update", write(update_contact))
        .route("/statuses", write(add_status))
        .route("/statuses/delete", write(delete_status))
        .route("/userfields/{entity}", write(add_user_field))
        .route("/userfields/{entity}/{field}", delete(delete_user_field))
        .route("/currencies/{code}", delete(delete_currency))
        .route("/categories", write(create_category))
        .route("/categories/{id}", delete(delete_category))
}

fn handle(s: Arc<PortalState>) -> PortalHandle {
    PortalHandle::from_state(s)
}

fn created(id: i64) -> Response {
    ok(json!({"id": id}))
}

async fn create_deal(State(s): Portal, Body(d): Body<NewDeal>) -> Answer {
    Ok(created(handle(s).create_deal(d).await?))
}

async fn update_deal(State(s): Portal, i: Id<Deal>, Body(p): Body<DealPatch>) -> Answer {
    handle(s).update_deal(i.id, p).await?;
    Ok(ok(true))
}

async fn move_deal_stage(State(s): Portal, i: Id<Deal>, Body(r): Body<StageReq>) -> Answer {
    handle(s).move_deal_stage(i.id, &r.stage_id).await?;
    Ok(ok(true))
}

async fn move_deal_category(State(s): Portal, i: Id<Deal>, Body(r): Body<CategoryReq>) -> Answer {
    handle(s)
        .move_deal_category(i.id, r.category_id, r.stage_id.as_deref())
        .await?;
    Ok(ok(true))
}

async fn delete_deal(State(s): Portal, i: Id<Deal>) -> Answer {
    handle(s).delete_deal(i.id).await?;
    Ok(ok(true))
}

async fn create_lead(State(s): Portal, Body(l): Body<NewLead>) -> Answer {
    Ok(created(handle(s).create_lead(l).await?))
}

async fn move_lead_status(State(s): Portal, i: Id<Lead>, Body(r): Body<StageReq>) -> Answer {
    handle(s).move_lead_status(i.id, &r.stage_id).await?;
    Ok(ok(true))
}

async fn delete_lead(State(s): Portal, i: Id<Lead>) -> Answer {
    handle(s).delete_lead(i.id).await?;
    Ok(ok(true))
}

async fn add_activity(State(s): Portal, Body(a): Body<NewActivity>) -> Answer {
    Ok(created(handle(s).add_activity(a).await?))
}

async fn complete_activity(State(s): Portal, i: Id<Activity>) -> Answer {
    handle(s).complete_activity(i.id).await?;
    Ok(ok(true))
}

async fn create_task(State(s): Portal, Body(t): Body<NewTask>) -> Answer {
    Ok(created(handle(s).create_task(t).await?))
}

async fn close_task(State(s): Portal, i: Id<Task>) -> Answer {
    handle(s).close_task(i.id).await?;
    Ok(ok(true))
}

async fn delete_task(State(s): Portal, i: Id<Task>) -> Answer {
    handle(s).delete_task(i.id).await?;
    Ok(ok(true))
}

async fn create_company(State(s): Portal, Body(c): Body<NewCompany>) -> Answer {
    Ok(created(handle(s).create_company(c).await?))
}

async fn update_company(State(s): Portal, i: Id<Company>, Body(p): Body<CompanyPatch>) -> Answer {
    handle(s).update_company(i.id, p).await?;
    Ok(ok(true))
}

async fn delete_company(State(s): Portal, i: Id<Company>) -> Answer {
    handle(s).delete_company(i.id).await?;
    Ok(ok(true))
}

async fn create_contact(State(s): Portal, Body(c): Body<NewContact>) -> Answer {
    Ok(created(handle(s).create_contact(c).await?))
}

async fn update_contact(State(s): Portal, i: Id<Contact>, Body(p): Body<ContactPatch>) -> Answer {
    handle(s).update_contact(i.id, p).await?;
    Ok(ok(true))
}

async fn delete_contact(State(s): Portal, i: Id<Contact>) -> Answer {
    handle(s).delete_contact(i.id).await?;
    Ok(ok(true))
}

async fn add_status(State(s): Portal, Body(n): Body<NewStatus>) -> Answer {
    handle(s).add_status(n)?;
    Ok(ok(true))
}

async fn delete_status(State(s): Portal, Body(r): Body<StatusKeyReq>) -> Answer {
    handle(s).delete_status(&r.entity_id, &r.status_id)?;
    Ok(ok(true))
}

async fn add_user_field(
    State(s): Portal,
    Segments(entity): Segments<String>,
    Body(def): Body<UserFieldDef>,
) -> Answer {
    Ok(created(handle(s).add_user_field(&entity, def)?))
}

async fn delete_user_field(
    State(s): Portal,
    Segments((entity, field)): Segments<(String, String)>,
) -> Answer {
    handle(s).delete_user_field(&entity, &field)?;
    Ok(ok(true))
}

async fn delete_currency(State(s): Portal, Segments(code): Segments<String>) -> Answer {
    handle(s).delete_currency(&code)?;
    Ok(ok(true))
}

async fn create_category(State(s): Portal, Body(r): Body<NameReq>) -> Answer {
    Ok(created(handle(s).create_category(&r.name)?))
}

async fn delete_category(State(s): Portal, i: Id<Category>) -> Answer {
    handle(s).delete_category(i.id)?;
    Ok(ok(true))
}
