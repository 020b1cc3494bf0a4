//! The portal listener: routes `/rest/<method>[.json]` and `/rest/<uid>/<code>/<method>`, merges
//! GET query + POST form/JSON params, applies faults, the leaky bucket, auth, scopes and the
//! operating budget, runs the method (or batch) and wraps the answer in the envelope.
//!
//! Must never contain method logic (see `methods`) or admin operations (see `admin`).

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use serde_json::{Map, Value};

use crate::error::RestError;
use crate::faults::Fault;
use crate::methods::{self, Ctx, Output};
use crate::php::{listify, parse_str};
use crate::state::{Caller, PortalState};
use crate::{auth, batch, envelope};

pub fn router(portal: Arc<PortalState>) -> Router {
    Router::new()
        .route("/rest/{*path}", any(rest))
        .nest_service("/_emulator", crate::admin::service(portal.clone()))
        .route(
            "/marketplace/app/{client_id}/",
            axum::routing::get(crate::pages::app_page),
        )
        .route(
            "/crm/{kind}/details/{id}/",
            axum::routing::get(crate::pages::card),
        )
        .route(
            "/company/personal/{kind}/{id}/",
            axum::routing::get(crate::pages::card),
        )
        .route("/", any(index))
        .with_state(portal)
}

async fn index(State(p): State<Arc<PortalState>>) -> Response {
    envelope::json_response(
        200,
        serde_json::json!({"portal": p.domain(), "member_id": p.member_id, "rest": p.client_endpoint()}),
    )
}

/// Merges query string and body like `CRestUtil::getRequestData`.
pub fn request_params(uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Value {
    let mut params = match parse_str(uri.query().unwrap_or("")) {
        Value::Object(m) => m,
        Value::Array(a) => a
            .into_iter()
            .enumerate()
            .map(|(i, v)| (i.to_string(), v))
            .collect(),
        _ => Map::new(),
    };
    if !body.is_empty() {
        let ctype = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let parsed = if ctype.contains("application/json") {
            // Invalid JSON is silently treated as no params, as the portal does.
            serde_json::from_slice::<Value>(body).unwrap_or(Value::Null)
        } else {
            parse_str(&String::from_utf8_lossy(body))
        };
        if let Value::Object(m) = parsed {
            params.extend(m);
        }
    }
    listify(Value::Object(params))
}

/// Per-HTTP-hit cost accumulator: (method -> seconds), recorded once at the end.
pub type HitCosts = HashMap<String, f64>;

/// Runs one method with the scope and operating checks; returns output + its `time` object.
pub fn execute(
    portal: &PortalState,
    caller: &Caller,
    method: &str,
    params: &Value,
    hit: &mut HitCosts,
) -> batch::SubResult {
    let started = portal.clock_f64();
    let t0 = Instant::now();
    let Some(scope) = methods::scope_of(method) else {
        return (Err(RestError::method_not_found()), Value::Null);
    };
    if let Err(e) = auth::check_scope(caller, scope) {
        return (Err(e), Value::Null);
    }
    let key = caller.budget_key();
    let (blocked, cost_model) = match portal.limiter.lock() {
        Ok(mut l) => (l.blocked(&key, method, Instant::now()), l.limits.cost),
        Err(_) => (false, Default::default()),
    };
    let aimed = portal
        .method_blocks
        .lock()
        .ok()
        .and_then(|mut b| {
            let left = b.get_mut(method)?;
            (*left > 0).then(|| *left -= 1)
        })
        .is_some();
    if blocked || aimed {
        return (Err(RestError::operation_time_limit()), Value::Null);
    }
    if portal.faults.lock().is_ok_and(|f| f.method_fails(method)) {
        return (
            Err(RestError::new(
                500,
                "INTERNAL_SERVER_ERROR",
                "Internal server error",
            )),
            Value::Null,
        );
    }
    let ctx = Ctx {
        portal,
        caller,
        now: portal.clock(),
        cost: cost_model,
    };
    let res = methods::call(&ctx, method, params);
    if let Ok(out) = &res {
        *hit.entry(method.to_string()).or_insert(0.0) += out.cost;
    }
    let processing = t0.elapsed().as_secs_f64();
    let op = portal.limiter.lock().ok().and_then(|l| {
        l.limits.operating_enabled.then(|| {
            let mut info = l.info(&key, method, Instant::now());
            let pending = hit.get(method).copied().unwrap_or(0.0);
            if pending >= l.limits.min_fix_secs {
                info.operating += pending;
            }
            info
        })
    });
    let finish = started + processing;
    (
        res,
        envelope::time_obj(started, finish, processing, portal.zone(), op),
    )
}

fn record_hit(portal: &PortalState, caller: &Caller, hit: &HitCosts) {
    if let Ok(mut l) = portal.limiter.lock() {
        let now = Instant::now();
        for (m, secs) in hit {
            l.record(&caller.budget_key(), m, *secs, now);
        }
    }
}

/// Splits `/rest/...` into (webhook (uid, code), method name with the transport suffix removed).
fn route_path(path: &str) -> Result<(Option<(i64, String)>, String), RestError> {
    let rest = path.trim_start_matches('/');
    let parts: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let (hook, raw) = match parts.as_slice() {
        [m] => (None, *m),
        [uid, code, m] => match uid.parse::<i64>() {
            Ok(uid) => (Some((uid, code.to_string())), *m),
            Err(_) => return Err(RestError::method_not_found()),
        },
        _ => return Err(RestError::method_not_found()),
    };
    let lower = raw.to_ascii_lowercase();
    let method = if let Some(m) = lower.strip_suffix(".json") {
        m.to_string()
    } else if lower.ends_with(".xml") {
        return Err(RestError::new(
            400,
            "INTERNAL_WRONG_TRANSPORT",
            "XML transport is not emulated",
        ));
    } else {
        lower
    };
    Ok((hook, method))
}

async fn rest(
    State(portal): State<Arc<PortalState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if method == Method::OPTIONS {
        return envelope::json_response(200, Value::Null);
    }
    portal.request_count.fetch_add(1, Ordering::Relaxed);
    let fault = portal.faults.lock().ok().and_then(|mut f| f.draw());
    match fault {
        Some(Fault::Error500) => {
            return envelope::error(&RestError::new(
                500,
                "INTERNAL_SERVER_ERROR",
                "Internal server error",
            ));
        }
        Some(Fault::Html502) => return envelope::html_page(502, "502 Bad Gateway"),
        Some(Fault::Timeout(d)) => {
            tokio::time::sleep(d).await;
            return envelope::html_page(504, "504 Gateway Time-out");
        }
        Some(Fault::Slow(d)) => tokio::time::sleep(d).await,
        None => {}
    }
    let path = uri.path().strip_prefix("/rest").unwrap_or("").to_string();
    let admitted = portal
        .limiter
        .lock()
        .map(|mut l| l.admit(Instant::now()))
        .unwrap_or(true);
    if !admitted {
        return envelope::error(&RestError::query_limit());
    }
    let (hook, name) = match route_path(&path) {
        Ok(x) => x,
        Err(e) => return envelope::error(&e),
    };
    let mut params = request_params(&uri, &headers, &body);
    let token = auth::take_token(&mut params, &headers);
    if !portal.rest_enabled.load(Ordering::Relaxed) {
        return envelope::error(&RestError::access_denied(
            "REST is available only on commercial plans.",
        ));
    }
    let caller = match &hook {
        Some((uid, code)) => auth::webhook(&portal, *uid, code),
        None => auth::oauth(&portal, token),
    };
    let caller = match caller {
        Ok(c) => c,
        Err(e) => return envelope::error(&e),
    };
    let started = portal.clock_f64();
    let t0 = Instant::now();
    let mut hit = HitCosts::new();
    let (res, time) = if name == "batch" {
        let p = portal.clone();
        let c = caller.clone();
        let mut exec = |m: &str, sp: &Value| {
            let mut sub_hit = HitCosts::new();
            let r = execute(&p, &c, m, sp, &mut sub_hit);
            for (k, v) in sub_hit {
                *hit.entry(k).or_insert(0.0) += v;
            }
            r
        };
        let out: Output = batch::run(&params, &mut exec);
        let processing = t0.elapsed().as_secs_f64();
        let op = crate::limits::OperatingInfo::default();
        (
            Ok(out),
            envelope::time_obj(
                started,
                started + processing,
                processing,
                portal.zone(),
                Some(op),
            ),
        )
    } else {
        execute(&portal, &caller, &name, &params, &mut hit)
    };
    record_hit(&portal, &caller, &hit);
    let app = caller.client_id.clone();
    match res {
        Ok(out) => envelope::success(&out, time, app.as_deref(), t0.elapsed().as_secs_f64()),
        Err(e) => envelope::error(&e),
    }
    .into_response()
}
