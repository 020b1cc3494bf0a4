//! A company with two sales departments (so a head's tree is a strict part of the company), synced through our
//! server's first import, plus sessions of any of its users and small JSON calls. Used by the data-scope tests.
#![allow(dead_code)]

use std::time::Duration;

use b24a_emulator::{CompanyConfig, Size};
use serde_json::{json, Value};

use b24a_testkit::Kit;

use crate::common::{Harness, CLIENT_ID, SECRET};

/// Twelve managers: departments 3 and 4 under the commercial direction (2), heads 2 (of 3 and 2) and 3 (of 4).
pub async fn two_departments() -> Harness {
    two_departments_on(b24a_store::Backend::Sqlite, 0).await
}

/// [`two_departments`] on `backend`, with the reports' "today" `later` seconds after the generated company's.
pub async fn two_departments_on(backend: b24a_store::Backend, later: i64) -> Harness {
    let mut cfg = CompanyConfig::new(11, Size::Tiny);
    let mut v = Size::Tiny.volumes();
    v.managers = 12;
    v.deals = 400;
    v.leads = 300;
    v.tasks = 200;
    cfg.volumes = Some(v);
    // The reports' "today" is fixed: answers compared across requests must not straddle a second (open deals'
    // ages are counted to "now").
    let h = Kit::new()
        .app(CLIENT_ID, SECRET, "Аналитика")
        .sync(true)
        .company_config(cfg.clone())
        .backend(backend)
        .arg("--reports-now", &(cfg.now + later).to_string())
        .installed()
        .start()
        .await
        .expect("start the emulator and our server");
    let admin = session(&h, 1).await;
    for _ in 0..240 {
        let p = get(&h, &admin, "/api/progress").await.1;
        if p["first_import_finished"] == json!(true) {
            return h;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    panic!("first import did not finish");
}

/// A session of `user` made by a verified iframe launch.
pub async fn session(h: &Harness, user: i64) -> String {
    let l = h.portal.iframe_launch(CLIENT_ID, user, "en");
    Harness::session_of(&h.launch(&l.query, &l.form).await.text().await.unwrap())
}

async fn answer(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    let body = r.json::<Value>().await.unwrap_or(Value::Null);
    (status, body)
}

pub async fn get(h: &Harness, session: &str, path: &str) -> (u16, Value) {
    answer(
        h.http
            .get(format!("{}{path}", h.base))
            .header("x-b24a-session", session)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn send_json(
    h: &Harness,
    session: &str,
    method: reqwest::Method,
    path: &str,
    body: Value,
) -> (u16, Value) {
    answer(
        h.http
            .request(method, format!("{}{path}", h.base))
            .header("x-b24a-session", session)
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

pub async fn post(h: &Harness, session: &str, path: &str, body: Value) -> (u16, Value) {
    send_json(h, session, reqwest::Method::POST, path, body).await
}

pub async fn put(h: &Harness, session: &str, path: &str, body: Value) -> (u16, Value) {
    send_json(h, session, reqwest::Method::PUT, path, body).await
}

/// The ids of the employees whose departments include one of `depts`, from the emulator's own data.
pub fn members(h: &Harness, depts: &[i64]) -> Vec<i64> {
    let mut v = h
        .portal
        .with_data(|d| {
            d.users
                .iter()
                .filter(|u| u.departments.iter().any(|x| depts.contains(x)))
                .map(|u| u.id)
                .collect::<Vec<_>>()
        })
        .unwrap();
    v.sort();
    v
}

/// A tile's value by metric.
pub fn tile(answer: &Value, metric: &str) -> f64 {
    answer["tiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["metric"] == metric)
        .unwrap_or_else(|| panic!("no tile {metric} in {answer}"))["value"]
        .as_f64()
        .unwrap_or(0.0)
}

/// The first place two JSON values differ (for a readable failure), `None` when equal.
pub fn first_diff(a: &Value, b: &Value, path: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().chain(y.keys()) {
                let (va, vb) = (
                    &x.get(k).cloned().unwrap_or(Value::Null),
                    &y.get(k).cloned().unwrap_or(Value::Null),
                );
                if let Some(d) = first_diff(va, vb, &format!("{path}.{k}")) {
                    return Some(d);
                }
            }
            None
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (va, vb))| first_diff(va, vb, &format!("{path}[{i}]"))),
        // Averages summed in another order may differ in the last bits.
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
            ((x - y).abs() > 1e-9 * x.abs().max(y.abs()).max(1.0))
                .then(|| format!("{path}: {x} != {y}"))
        }
        _ if a == b => None,
        _ => Some(format!("{path}: {a} != {b}")),
    }
}
