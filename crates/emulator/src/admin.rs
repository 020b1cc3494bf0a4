//! Admin HTTP API under `/_emulator/...` on each portal listener (JSON in, JSON out): the same
//! operations as `PortalHandle` — mutations, installs, webhooks, iframe launches, app status,
//! limits, faults, token expiry, counters.
//!
//! Unauthenticated by design (local test tool); it must never be exposed beyond 127.0.0.1.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{Method, Uri};
use axum::response::Response;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::envelope::json_response;
use crate::state::{AppStatus, PortalState};
use crate::PortalHandle;

fn bad(text: &str) -> Response {
    json_response(
        400,
        json!({"error": "BAD_REQUEST", "error_description": text}),
    )
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, Box<Response>> {
    let body = if body.is_empty() {
        b"{}".as_slice()
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|e| Box::new(bad(&format!("invalid JSON body: {e}"))))
}

fn done<T: serde::Serialize>(r: Result<T, crate::EmulatorError>) -> Response {
    match r {
        Ok(v) => json_response(200, json!({"result": v})),
        Err(e) => json_response(
            404,
            json!({"error": "NOT_FOUND", "error_description": e.to_string()}),
        ),
    }
}

#[derive(Deserialize)]
struct ClientReq {
    client_id: String,
    #[serde(default)]
    clean: bool,
    #[serde(default = "one")]
    user_id: i64,
    #[serde(default = "ru")]
    lang: String,
}

fn one() -> i64 {
    1
}
fn ru() -> String {
    "ru".into()
}

#[derive(Deserialize)]
struct StatusReq {
    client_id: String,
    status: String,
    #[serde(default)]
    payment_expired: bool,
    #[serde(default)]
    days: Option<i64>,
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
struct UserReq {
    #[serde(default = "one")]
    user_id: i64,
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

#[derive(Deserialize)]
struct EnabledReq {
    enabled: bool,
}

pub async fn handle(
    State(state): State<Arc<PortalState>>,
    method: Method,
    uri: Uri,
    body: Bytes,
) -> Response {
    let h = PortalHandle::from_state(state.clone());
    let path = uri
        .path()
        .trim_start_matches("/_emulator/")
        .trim_end_matches('/')
        .to_string();
    let parts: Vec<&str> = path.split('/').collect();
    let post = method == Method::POST || method == Method::PUT || method == Method::PATCH;
    macro_rules! body {
        ($t:ty) => {
            match parse::<$t>(&body) {
                Ok(v) => v,
                Err(r) => return *r,
            }
        };
    }
    let id = |i: usize| parts.get(i).and_then(|s| s.parse::<i64>().ok());
    match (method.clone(), parts.as_slice()) {
        (Method::GET, ["info"]) => {
            let counts = h
                .with_data(|d| {
                    json!({"users": d.users.len(), "deals": d.deals.len(), "leads": d.leads.len(), "activities": d.activities.len(),
                           "tasks": d.tasks.len(), "companies": d.companies.len(), "contacts": d.contacts.len(), "deal_history": d.deal_history.len(), "lead_history": d.lead_history.len()})
                })
                .unwrap_or(Value::Null);
            json_response(
                200,
                json!({"result": {"member_id": h.member_id(), "domain": h.domain(), "client_endpoint": h.client_endpoint(),
                    "server_endpoint": state.shared.server_endpoint(), "request_count": h.request_count(), "clock": h.clock(),
                    "offline_queue": h.offline_queue_len(), "counts": counts}}),
            )
        }
        (Method::GET, ["snapshot"]) => match h.with_data(|d| serde_json::to_value(d)) {
            Some(Ok(v)) => json_response(200, json!({"result": v})),
            _ => json_response(
                500,
                json!({"error": "INTERNAL", "error_description": "snapshot failed"}),
            ),
        },
        (_, ["deals"]) if post => done(
            h.create_deal(body!(crate::NewDeal))
                .await
                .map(|id| json!({"id": id})),
        ),
        (_, ["deals", _, "update"]) if post => match id(1) {
            Some(i) => done(
                h.update_deal(i, body!(crate::DealPatch))
                    .await
                    .map(|_| true),
            ),
            None => bad("deal id"),
        },
        (_, ["deals", _, "stage"]) if post => match id(1) {
            Some(i) => {
                let r = body!(StageReq);
                done(h.move_deal_stage(i, &r.stage_id).await.map(|_| true))
            }
            None => bad("deal id"),
        },
        (_, ["deals", _, "category"]) if post => match id(1) {
            Some(i) => {
                let r = body!(CategoryReq);
                done(
                    h.move_deal_category(i, r.category_id, r.stage_id.as_deref())
                        .await
                        .map(|_| true),
                )
            }
            None => bad("deal id"),
        },
        (m, ["deals", _]) if m == Method::DELETE => match id(1) {
            Some(i) => done(h.delete_deal(i).await.map(|_| true)),
            None => bad("deal id"),
        },
        (_, ["deals", _, "delete"]) if post => match id(1) {
            Some(i) => done(h.delete_deal(i).await.map(|_| true)),
            None => bad("deal id"),
        },
        (_, ["leads"]) if post => done(
            h.create_lead(body!(crate::NewLead))
                .await
                .map(|id| json!({"id": id})),
        ),
        (_, ["leads", _, "status"]) if post => match id(1) {
            Some(i) => {
                let r = body!(StageReq);
                done(h.move_lead_status(i, &r.stage_id).await.map(|_| true))
            }
            None => bad("lead id"),
        },
        (_, ["activities"]) if post => done(
            h.add_activity(body!(crate::NewActivity))
                .await
                .map(|id| json!({"id": id})),
        ),
        (_, ["activities", _, "complete"]) if post => match id(1) {
            Some(i) => done(h.complete_activity(i).await.map(|_| true)),
            None => bad("activity id"),
        },
        (_, ["tasks"]) if post => done(
            h.create_task(body!(crate::NewTask))
                .await
                .map(|id| json!({"id": id})),
        ),
        (m, ["tasks", _]) if m == Method::DELETE => match id(1) {
            Some(i) => done(h.delete_task(i).await.map(|_| true)),
            None => bad("task id"),
        },
        (m, ["leads", _]) if m == Method::DELETE => match id(1) {
            Some(i) => done(h.delete_lead(i).await.map(|_| true)),
            None => bad("lead id"),
        },
        (_, ["tasks", _, "close"]) if post => match id(1) {
            Some(i) => done(h.close_task(i).await.map(|_| true)),
            None => bad("task id"),
        },
        (_, ["companies"]) if post => done(
            h.create_company(body!(crate::NewCompany))
                .await
                .map(|id| json!({"id": id})),
        ),
        (_, ["companies", _, "update"]) if post => match id(1) {
            Some(i) => done(
                h.update_company(i, body!(crate::CompanyPatch))
                    .await
                    .map(|_| true),
            ),
            None => bad("company id"),
        },
        (m, ["companies", _]) if m == Method::DELETE => match id(1) {
            Some(i) => done(h.delete_company(i).await.map(|_| true)),
            None => bad("company id"),
        },
        (_, ["contacts"]) if post => done(
            h.create_contact(body!(crate::NewContact))
                .await
                .map(|id| json!({"id": id})),
        ),
        (_, ["contacts", _, "update"]) if post => match id(1) {
            Some(i) => done(
                h.update_contact(i, body!(crate::ContactPatch))
                    .await
                    .map(|_| true),
            ),
            None => bad("contact id"),
        },
        (m, ["contacts", _]) if m == Method::DELETE => match id(1) {
            Some(i) => done(h.delete_contact(i).await.map(|_| true)),
            None => bad("contact id"),
        },
        (_, ["statuses"]) if post => done(h.add_status(body!(crate::NewStatus)).map(|_| true)),
        (_, ["statuses", "delete"]) if post => {
            let r = body!(StatusKeyReq);
            done(h.delete_status(&r.entity_id, &r.status_id).map(|_| true))
        }
        (_, ["userfields", entity]) if post => done(
            h.add_user_field(entity, body!(crate::model::UserFieldDef))
                .map(|id| json!({"id": id})),
        ),
        (m, ["userfields", entity, field]) if m == Method::DELETE => {
            done(h.delete_user_field(entity, field).map(|_| true))
        }
        (m, ["currencies", code]) if m == Method::DELETE => {
            done(h.delete_currency(code).map(|_| true))
        }
        (_, ["categories"]) if post => {
            let r = body!(NameReq);
            done(h.create_category(&r.name).map(|id| json!({"id": id})))
        }
        (m, ["categories", _]) if m == Method::DELETE => match id(1) {
            Some(i) => done(h.delete_category(i).map(|_| true)),
            None => bad("category id"),
        },
        (_, ["install"]) if post => {
            let r = body!(ClientReq);
            done(h.install_app(&r.client_id).await)
        }
        (_, ["uninstall"]) if post => {
            let r = body!(ClientReq);
            h.uninstall_app(&r.client_id, r.clean).await;
            json_response(200, json!({"result": true}))
        }
        (_, ["iframe"]) if post => {
            let r = body!(ClientReq);
            json_response(
                200,
                json!({"result": h.iframe_launch(&r.client_id, r.user_id, &r.lang)}),
            )
        }
        (_, ["webhook"]) if post => {
            let r = body!(UserReq);
            json_response(200, json!({"result": {"url": h.create_webhook(r.user_id)}}))
        }
        (_, ["app_status"]) if post => {
            let r = body!(StatusReq);
            h.set_app_status(
                &r.client_id,
                AppStatus::new(&r.status, r.payment_expired, r.days),
            );
            json_response(200, json!({"result": true}))
        }
        (_, ["limits"]) if post => {
            h.set_limits(body!(crate::Limits));
            json_response(200, json!({"result": true}))
        }
        (_, ["faults"]) if post => {
            h.set_faults(body!(crate::Faults));
            json_response(200, json!({"result": true}))
        }
        (_, ["rest_access"]) if post => {
            h.set_rest_enabled(body!(EnabledReq).enabled);
            json_response(200, json!({"result": true}))
        }
        (_, ["expire_tokens"]) if post => {
            h.expire_tokens();
            json_response(200, json!({"result": true}))
        }
        _ => json_response(
            404,
            json!({"error": "NOT_FOUND", "error_description": format!("no admin operation {method} /_emulator/{path}")}),
        ),
    }
}
