//! The weekly digest (docs/DIGEST.md): two server instances (replicas) on one database tick on an injected clock
//! across a Monday boundary in the portal's time zone; the emulator's inbox holds exactly one digest per recipient
//! and week, whose text equals the words filled with the numbers the report API answers (R3 pace, R6 forgotten deals
//! and overdue activities, R1 won sums of the last two weeks). A replica down at the hour is replaced by a later
//! tick of another, and the one coming back sends nothing. The settings route is for administrators only, refuses
//! bad values by field and stores nothing then. The path to the bonus appears in the plan answer for the caller's
//! own rows only.

use std::time::Duration;

use b24a_emulator::Size;
use b24a_reports::PortalTz;
use b24a_server::app::AppState;
use b24a_server::digest::{self, Delivery};
use b24a_server::digest_content::{DigestContent, Pace, StaleDeal};
use b24a_store::Backend;
use b24a_testkit::{App, Kit, CLIENT_ID, SECRET};
use chrono::{NaiveDate, TimeZone};
use serde_json::{json, Value};

/// Monday 30 November 2026, 10:00 UTC: the company's clock and the reports' "now".
fn reports_now() -> i64 {
    chrono::Utc
        .with_ymd_and_hms(2026, 11, 30, 10, 0, 0)
        .single()
        .map(|t| t.timestamp())
        .unwrap_or_default()
}

async fn start(backend: Backend) -> App {
    let app = Kit::new()
        .backend(backend)
        .company(7, Size::Tiny)
        .at(reports_now())
        .app(CLIENT_ID, SECRET, "Аналитика")
        .sync(true)
        .installed()
        .start()
        .await
        .expect("the app starts");
    app.wait_first_import(Duration::from_secs(180)).await;
    app
}

/// The second replica: its own state (own report cache, own claim holder) on the same database and configuration.
fn replica(app: &App) -> AppState {
    AppState::new(
        app.db.store().clone(),
        (*app.state.config).clone(),
        (*app.state.apps).clone(),
    )
}

/// Portal-local `day` at `h:m` as a unix instant.
fn at(tz: &PortalTz, day: NaiveDate, h: i64, m: i64) -> i64 {
    tz.day_start(day) + h * 3600 + m * 60
}

fn sent(d: &[Delivery]) -> Vec<(i64, String)> {
    let mut v: Vec<(i64, String)> = d
        .iter()
        .filter(|x| x.outcome == "sent")
        .map(|x| (x.recipient, x.week.clone()))
        .collect();
    v.sort();
    v
}

async fn both(a: &AppState, b: &AppState, t: i64) -> Vec<Delivery> {
    let (x, y) = tokio::join!(digest::tick(a, t), digest::tick(b, t));
    let mut out = x.expect("replica A ticks");
    out.extend(y.expect("replica B ticks"));
    out
}

/// PUTs JSON to our API with a session: (HTTP status, JSON body or `null`).
async fn put(app: &App, session: &str, path: &str, body: Value) -> (u16, Value) {
    let r = app
        .http
        .put(format!("{}{path}", app.base))
        .header("x-b24a-session", session)
        .json(&body)
        .send()
        .await
        .expect("our server answers");
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

fn cell(table: &Value, row: &Value, metric: &str) -> Option<f64> {
    let cols = table["columns"].as_array()?;
    let i = cols.iter().position(|c| c["metric"] == metric)?;
    row["cells"][i]["value"].as_f64()
}

fn table<'a>(answer: &'a Value, key: &str) -> &'a Value {
    answer["tables"]
        .as_array()
        .and_then(|t| t.iter().find(|x| x["key"] == key))
        .unwrap_or(&Value::Null)
}

/// The digest's numbers as the report API answers them to an administrator (an independent route).
async fn expected(app: &App, admin: &str) -> DigestContent {
    let (plan_f, forget_f, won_f) = b24a_server::digest_content::filters();
    let (s, plan) = app
        .post(admin, "/api/reports/plan", json!({"filter": plan_f}))
        .await;
    assert_eq!(s, 200, "{plan}");
    let by_emp = table(&plan, "by_employee");
    let pace = by_emp["rows"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["group"]["by"] == "user")
        .map(|r| Pace {
            user_id: r["group"]["key"].as_i64().unwrap_or_default(),
            name: r["label"].as_str().unwrap_or_default().to_string(),
            plan: cell(by_emp, r, "plan_amount").unwrap_or(0.0),
            forecast: cell(by_emp, r, "plan_forecast").unwrap_or(0.0),
        })
        .collect();
    let (_, fmn) = app
        .post(
            admin,
            "/api/reports/forget_me_not",
            json!({"filter": forget_f}),
        )
        .await;
    let by_mgr = table(&fmn, "by_manager");
    let overdue = by_mgr["rows"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["group"]["by"] == "user")
        .filter_map(|r| {
            let n = cell(by_mgr, r, "act_overdue")?.round() as i64;
            (n > 0).then(|| {
                (
                    r["group"]["key"].as_i64().unwrap_or_default(),
                    r["label"].as_str().unwrap_or_default().to_string(),
                    n,
                )
            })
        })
        .collect();
    let (drill, q) = b24a_server::digest_content::stale_query();
    let (s, list) = app
        .post(
            admin,
            "/api/reports/forget_me_not/drill",
            json!({"filter": forget_f, "drill": drill, "list": {"sort": q.sort, "desc": q.desc, "limit": q.limit}}),
        )
        .await;
    assert_eq!(s, 200, "{list}");
    let stale = list["rows"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| StaleDeal {
            id: r["id"].as_i64().unwrap_or_default(),
            title: r["title"].as_str().unwrap_or_default().to_string(),
            amount: r["cells"]["amount"].as_f64(),
        })
        .collect();
    let (_, won) = app
        .post(
            admin,
            "/api/reports/sales_dynamics",
            json!({"filter": won_f}),
        )
        .await;
    let tile = won["tiles"]
        .as_array()
        .and_then(|t| t.iter().find(|x| x["metric"] == "deal_won"))
        .cloned()
        .unwrap_or(Value::Null);
    DigestContent {
        currency: plan["meta"]["currency"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        pace,
        stale,
        overdue,
        won_last_week: tile["amount"].as_f64(),
        won_week_before: tile["previous_amount"].as_f64(),
    }
}

async fn two_replicas_one_digest_per_recipient(backend: Backend) {
    let app = start(backend).await;
    let admin = app.session(CLIENT_ID, 1, "ru").await;
    let employee = app.employee();
    let other = app
        .portal
        .with_data(|d| {
            d.users
                .iter()
                .find(|u| u.active && u.id != employee && u.id != 1)
                .map(|u| u.id)
        })
        .flatten()
        .expect("a third active user");
    // Plans for November so R3 has pace rows.
    let row = |u: i64, amount: i64| {
        json!({"user_id": u, "department_id": null, "category_id": null, "period_kind": "month",
            "period_start": "2026-11-01", "amount_cents": amount, "deal_count": null, "bonus_cents": 1_000_000,
            "grade": null, "updated_by": null})
    };
    let (s, e) = app
        .post(
            &admin,
            "/api/plans",
            json!({"rows": [row(employee, 50_000_000), row(other, 1)]}),
        )
        .await;
    assert_eq!(s, 200, "{e}");

    // Settings: only administrators; bad values refused by field, nothing stored.
    let settings = json!({"enabled": true, "weekday": 1, "hour": 9, "recipients": [1, employee], "lang": "ru"});
    let rules = json!([{"report": "sales_dynamics", "subject": {"type": "user", "id": employee}, "scope": "own"}]);
    assert_eq!(
        put(&app, &admin, "/api/settings/access", rules).await.0,
        200
    );
    let plain = app.session(CLIENT_ID, employee, "ru").await;
    let (s, _) = put(&app, &plain, "/api/settings/digest", settings.clone()).await;
    assert_eq!(s, 403);
    for (bad, field) in [
        (
            json!({"enabled": true, "weekday": 8, "hour": 9, "recipients": [1], "lang": "ru"}),
            "weekday",
        ),
        (
            json!({"enabled": true, "weekday": 1, "hour": 24, "recipients": [1], "lang": "ru"}),
            "hour",
        ),
        (
            json!({"enabled": true, "weekday": 1, "hour": 9, "recipients": [987_654], "lang": "ru"}),
            "recipients[0]",
        ),
        (
            json!({"enabled": true, "weekday": 1, "hour": 9, "recipients": [1], "lang": "ru", "x": 1}),
            "digest",
        ),
    ] {
        let (s, e) = put(&app, &admin, "/api/settings/digest", bad).await;
        assert_eq!(s, 400, "{e}");
        assert_eq!(e["field"], json!(field), "{e}");
    }
    let (_, got) = app.get_json(&admin, "/api/settings").await;
    assert_eq!(
        got["digest"]["enabled"],
        json!(false),
        "nothing stored by the refused writes"
    );
    let (s, saved) = put(&app, &admin, "/api/settings/digest", settings).await;
    assert_eq!(s, 200, "{saved}");
    let (_, got) = app.get_json(&plain, "/api/settings").await;
    assert_eq!(
        got["digest"],
        Value::Null,
        "recipients are not shown to non-administrators"
    );

    let a = app.state.clone();
    let b = replica(&app);
    let portal = app
        .db
        .store()
        .portal(app.portal_id().await)
        .await
        .unwrap()
        .unwrap();
    let tz = PortalTz::from_parts(portal.time_zone.as_deref(), portal.utc_offset_seconds);
    let monday = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    let sunday = monday.pred_opt().unwrap();
    // Sunday night and Monday before 9:00 (portal time): nothing is due.
    for t in [
        at(&tz, sunday, 23, 59),
        at(&tz, monday, 0, 0),
        at(&tz, monday, 8, 59),
    ] {
        assert!(both(&a, &b, t).await.is_empty(), "nothing due at {t}");
    }
    assert!(app.portal.inbox().is_empty());
    // 9:00: both replicas at once; exactly one notification per recipient.
    let first = both(&a, &b, at(&tz, monday, 9, 0)).await;
    let week = digest::week_key(monday);
    assert_eq!(
        sent(&first),
        vec![(1, week.clone()), (employee, week.clone())]
    );
    // Later ticks of the week send nothing more.
    for t in [
        at(&tz, monday, 9, 1),
        at(&tz, monday, 23, 59),
        at(&tz, monday + chrono::Days::new(1), 9, 0),
    ] {
        assert!(both(&a, &b, t).await.is_empty());
    }
    let inbox = app.portal.inbox();
    assert_eq!(inbox.len(), 2, "{inbox:?}");
    let mut to: Vec<i64> = inbox.iter().map(|n| n.user_id).collect();
    to.sort();
    assert_eq!(to, vec![1, employee]);
    assert!(inbox
        .iter()
        .all(|n| n.kind == "system" && n.client_id.as_deref() == Some(CLIENT_ID)));

    // The numbers are the reports': the words filled with what the API answers give the very same text.
    let want = expected(&app, &admin).await;
    assert!(!want.pace.is_empty(), "R3 has pace rows");
    let link = digest::app_link(&portal.domain, CLIENT_ID);
    let text = b24a_server::digest_words::message(&want, b24a_server::i18n::Lang::Ru, &link);
    for n in &inbox {
        assert_eq!(n.message, text);
    }
    assert!(text.contains(&format!("[URL={link}]")));

    // The next Monday replica A is down at 9:00; B ticks late (11:00) and sends; A comes back and sends nothing.
    let next = monday + chrono::Days::new(7);
    assert!(digest::tick(&b, at(&tz, next, 8, 0))
        .await
        .unwrap()
        .is_empty());
    let late = digest::tick(&b, at(&tz, next, 11, 0)).await.unwrap();
    let week2 = digest::week_key(next);
    assert_eq!(
        sent(&late),
        vec![(1, week2.clone()), (employee, week2.clone())]
    );
    assert!(digest::tick(&a, at(&tz, next, 11, 5))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(app.portal.inbox().len(), 4);

    // A claim whose send has an unknown outcome (a replica died after claiming) is never sent again that week.
    let third = next + chrono::Days::new(7);
    let week3 = digest::week_key(third);
    let store = app.db.store();
    assert!(store
        .claim_digest(portal.id, 1, &week3, "a-dead-replica")
        .await
        .unwrap());
    let d = both(&a, &b, at(&tz, third, 9, 0)).await;
    assert_eq!(sent(&d), vec![(employee, week3.clone())]);
    assert_eq!(app.portal.inbox().len(), 5);
}

b24a_store::store_test!(two_replicas_one_digest_per_recipient, |backend: Backend| {
    two_replicas_one_digest_per_recipient(backend).await;
});

async fn path_to_bonus_in_the_plan_answer(backend: Backend) {
    let app = start(backend).await;
    let admin = app.session(CLIENT_ID, 1, "ru").await;
    let employee = app.employee();
    let row = |u: i64| {
        json!({"user_id": u, "department_id": null, "category_id": null, "period_kind": "month",
            "period_start": "2026-11-01", "amount_cents": 900_000_000, "deal_count": null, "bonus_cents": 1_000_000,
            "grade": null, "updated_by": null})
    };
    let (s, e) = app
        .post(
            &admin,
            "/api/plans",
            json!({"rows": [row(employee), row(1)]}),
        )
        .await;
    assert_eq!(s, 200, "{e}");
    let (s, a) = app.post(&admin, "/api/reports/plan", json!({})).await;
    assert_eq!(s, 200, "{a}");
    let paths = a["path_to_bonus"].as_array().cloned().unwrap_or_default();
    assert_eq!(paths.len(), 2, "{}", a["path_to_bonus"]);
    // 30 November is the month's last day: one day left, so the day's need is the whole remainder.
    for p in &paths {
        assert_eq!(p["days_left"], json!(1));
        let remainder = (p["plan"].as_f64().unwrap() - p["fact"].as_f64().unwrap()).max(0.0);
        assert!(
            (p["per_day_to_plan"].as_f64().unwrap() - remainder).abs() < 0.005,
            "{p}"
        );
        assert!(p["lines"].as_array().is_some_and(|l| !l.is_empty()));
    }
    // An employee allowed his own numbers sees his own path only.
    let rules =
        json!([{"report": "plan", "subject": {"type": "user", "id": employee}, "scope": "own"}]);
    assert_eq!(
        put(&app, &admin, "/api/settings/access", rules).await.0,
        200
    );
    let own = app.session(CLIENT_ID, employee, "en").await;
    let (s, mine) = app.post(&own, "/api/reports/plan", json!({})).await;
    assert_eq!(s, 200, "{mine}");
    let mine = mine["path_to_bonus"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["user_id"], json!(employee));
    assert!(mine[0]["lines"][0]
        .as_str()
        .unwrap_or_default()
        .starts_with("Needed per day"));
}

b24a_store::store_test!(path_to_bonus_in_the_plan_answer, |backend: Backend| {
    path_to_bonus_in_the_plan_answer(backend).await;
});
