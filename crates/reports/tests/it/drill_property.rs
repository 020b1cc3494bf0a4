//! Property: on generated portals, every count in every report answer opens into a list of exactly that many
//! distinct records (drill-down re-runs the report's own counting), on SQLite and on PostgreSQL; and the two
//! backends give identical answers.
use crate::common;

use b24a_reports::answer::Unit;
use b24a_reports::r3_plan::PlanOptions;
use b24a_reports::{drill_ids, run_plan_report, run_report, Answer, Drill, Prepared, ReportId};
use common::*;
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Gen {
    deals: Vec<(u8, u8, u8, u8, u8, u8, u8)>,
    acts: Vec<(u8, u8, u8, u8, u8, u8)>,
    tasks: Vec<(u8, u8, u8, u8, u8, u8)>,
    leads: Vec<(u8, u8, u8, u8)>,
}

fn gen() -> impl Strategy<Value = Gen> {
    (
        prop::collection::vec(
            (0u8..3, 0u8..5, 0u8..5, 0u8..60, 0u8..40, 0u8..4, 0u8..3),
            0..40,
        ),
        prop::collection::vec((0u8..6, 0u8..3, 0u8..2, 0u8..5, 0u8..60, 0u8..40), 0..40),
        prop::collection::vec((0u8..7, 0u8..5, 0u8..3, 0u8..60, 0u8..30, 0u8..40), 0..30),
        prop::collection::vec((0u8..3, 0u8..5, 0u8..60, 0u8..20), 0..20),
    )
        .prop_map(|(deals, acts, tasks, leads)| Gen {
            deals,
            acts,
            tasks,
            leads,
        })
}

const BASE: i64 = 1_767_225_600; // 2026-01-01 00:00 UTC
const DAY: i64 = 86_400;

async fn fill(s: &b24a_store::Store, g: &Gen) {
    exec(s, "DELETE FROM deals; DELETE FROM leads; DELETE FROM activities; DELETE FROM tasks; DELETE FROM stage_history; DELETE FROM sales_plans; DELETE FROM companies; DELETE FROM contacts;").await;
    let stages = [
        ("NEW", "P"),
        ("WORK", "P"),
        ("WON", "S"),
        ("LOSE", "F"),
        ("APOLOGY", "F"),
    ];
    let managers = [Some(10), Some(11), Some(12), Some(13), None];
    for (i, (pipe, st, mgr, created, closed_after, src, cur)) in g.deals.iter().enumerate() {
        let id = i as i64 + 1;
        let (stage, sem) = stages[*st as usize];
        let stage = if *pipe == 1 {
            Box::leak(format!("C1:{stage}").into_boxed_str()) as &'static str
        } else {
            stage
        };
        let created = BASE + *created as i64 * DAY + 3600 * (*src as i64);
        let close = if sem != "P" {
            Some(Box::leak(
                chrono::DateTime::from_timestamp(created + *closed_after as i64 * DAY, 0)
                    .unwrap()
                    .format("%Y-%m-%d")
                    .to_string()
                    .into_boxed_str(),
            ) as &'static str)
        } else {
            None
        };
        deal(
            s,
            D {
                id,
                pipeline: (*pipe as i64).min(1),
                stage,
                sem,
                cents: (id * 1_357) % 100_000,
                currency: if *cur == 1 { "USD" } else { "RUB" },
                manager: managers[*mgr as usize],
                created,
                closedate: close,
                source: [Some("CALL"), Some("WEB"), None, Some("CALL")][*src as usize],
                returning: id % 3 == 0,
                ..D::default()
            },
        )
        .await;
        if id % 2 == 0 {
            hist(
                s,
                id * 10,
                id,
                1,
                created,
                (*pipe as i64).min(1),
                stage,
                sem,
            )
            .await;
        }
    }
    // Five companies and four contacts (R6 clients without a planned activity); every fifth activity is bound to a
    // company, the next to a contact (some of them to ids that do not exist).
    for id in 1..=5i64 {
        let m = lit_i(managers[id as usize % 5]);
        exec(s, &format!("INSERT INTO companies (portal_id, id, title, assigned_by_id, date_create, date_modify, synced_at) VALUES (1, {id}, 'C{id}', {m}, {BASE}, {BASE}, 0)")).await;
        if id <= 4 {
            exec(s, &format!("INSERT INTO contacts (portal_id, id, name, assigned_by_id, date_create, date_modify, synced_at) VALUES (1, {id}, 'P{id}', {m}, {BASE}, {BASE}, 0)")).await;
        }
    }
    for (i, (kind, dir, done, resp, when, dl)) in g.acts.iter().enumerate() {
        let (owner_type, owner) = match i % 5 {
            3 => (4, i as i64 % 6 + 1),
            4 => (3, i as i64 % 5 + 1),
            _ => (2, (i as i64 % (g.deals.len() as i64 + 1)) + 1),
        };
        let (t, p, pt) = [
            (2, Some("VOXIMPLANT_CALL"), Some("CALL")),
            (4, Some("CRM_EMAIL"), Some("EMAIL")),
            (1, Some("CRM_MEETING"), Some("MEETING")),
            (6, Some("CRM_TODO"), Some("TODO")),
            (2, None, None),
            (6, Some("REST_APP"), None),
        ][*kind as usize];
        let when = BASE + *when as i64 * DAY;
        activity(
            s,
            A {
                id: i as i64 + 1,
                owner_type,
                owner,
                type_id: t,
                provider: p,
                provider_type: pt,
                direction: *dir as i64,
                completed: *done == 1,
                responsible: managers[*resp as usize],
                created: when,
                start: Some(when),
                deadline: Some(BASE + *dl as i64 * DAY * 2),
                ..A::default()
            },
        )
        .await;
    }
    for (i, (status, resp, grp, dl, start, closed)) in g.tasks.iter().enumerate() {
        let deadline = if *dl < 5 {
            None
        } else {
            Some(BASE + *dl as i64 * DAY)
        };
        task(
            s,
            T {
                id: i as i64 + 1,
                status: [2, 3, 4, 5, 6, 7, 5][*status as usize],
                responsible: managers[*resp as usize],
                group: [None, Some(5), Some(6)][*grp as usize],
                created: BASE + *closed as i64 * DAY,
                start: if *start < 10 {
                    None
                } else {
                    Some(BASE + *start as i64 * DAY * 2)
                },
                deadline,
                closed: if *status >= 2 {
                    Some(BASE + *closed as i64 * DAY * 2)
                } else {
                    None
                },
                plan_start: if *start % 3 == 0 {
                    deadline.map(|d| d - 2 * DAY)
                } else {
                    None
                },
            },
        )
        .await;
    }
    for (i, (st, mgr, created, closed)) in g.leads.iter().enumerate() {
        let (status, sem) = [("NEW", "P"), ("CONVERTED", "S"), ("JUNK", "F")][*st as usize];
        let created = BASE + *created as i64 * DAY;
        lead(
            s,
            L {
                id: i as i64 + 1,
                status,
                sem,
                manager: managers[*mgr as usize],
                created,
                closed: (sem != "P").then_some(created + *closed as i64 * DAY),
                ..L::default()
            },
        )
        .await;
    }
    exec(s, "INSERT INTO sales_plans (portal_id, user_id, category_id, period_kind, period_start, amount_cents, bonus_cents, updated_at) VALUES \
             (1, 10, NULL, 'month', '2026-02-01', 500000, 1000, 0), (1, 10, 1, 'month', '2026-02-01', 100000, 0, 0), (1, 11, NULL, 'quarter', '2026-01-01', 900000, 0, 0)").await;
}

/// Every drill handle in the answer with the count it must reproduce (when the cell shows that count).
fn drills(a: &Answer) -> Vec<(Drill, Option<f64>)> {
    let mut out = vec![];
    for t in &a.tiles {
        if let Some(d) = &t.drill {
            let exact = t.unit == Unit::Count && d.metric == t.metric;
            out.push((d.clone(), exact.then_some(t.value).flatten()));
        }
    }
    for tb in &a.tables {
        for row in tb.rows.iter().chain(tb.total.iter()) {
            for (c, col) in row.cells.iter().zip(&tb.columns) {
                if let Some(d) = &c.drill {
                    let exact = col.unit == Unit::Count && d.metric == col.metric;
                    out.push((d.clone(), exact.then_some(c.value).flatten()));
                }
            }
        }
    }
    out
}

async fn check(dbs: &[Db], g: &Gen) {
    let f = filter(
        r#"{"period": {"preset": "custom", "from": "2026-01-20", "to": "2026-02-20"}, "bucket": "week"}"#,
    );
    let mut answers: Vec<Vec<serde_json::Value>> = vec![];
    for db in dbs {
        let s = &db.store;
        fill(s, g).await;
        let ctx = ctx(s, BASE + 70 * DAY, 24).await;
        let p = Prepared::new(s, &ctx, &f).await.unwrap();
        let mut texts = vec![];
        for report in ReportId::ALL {
            let a = if report == ReportId::Plan {
                run_plan_report(s, &ctx, &f, &PlanOptions::default())
                    .await
                    .unwrap()
            } else {
                run_report(s, &ctx, report, &f).await.unwrap()
            };
            let mut json = serde_json::to_value(&a).unwrap();
            json["meta"]["freshness"] = serde_json::Value::Null;
            texts.push(json);
            for (d, want) in drills(&a) {
                let ids = drill_ids(s, &p, report, &d).await.unwrap();
                let mut uniq = ids.clone();
                uniq.sort();
                uniq.dedup();
                assert_eq!(
                    uniq.len(),
                    ids.len(),
                    "{} {report:?} {d:?}: duplicate ids",
                    db.label
                );
                assert!(
                    !ids.is_empty(),
                    "{} {report:?} {d:?}: a drill handle on an empty count",
                    db.label
                );
                if let Some(want) = want {
                    assert_eq!(ids.len() as f64, want, "{} {report:?} {d:?}", db.label);
                }
            }
        }
        answers.push(texts);
    }
    for (a, b) in answers[0].iter().zip(&answers[1]) {
        same(a, b, "answer");
    }
}

/// Equal JSON, floats within 1e-9 relative (sums may add in another row order on each backend).
fn same(a: &serde_json::Value, b: &serde_json::Value, path: &str) {
    use serde_json::Value as V;
    match (a, b) {
        (V::Number(x), V::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            assert!(
                (x - y).abs() <= 1e-9 * x.abs().max(1.0),
                "SQLite and PostgreSQL disagree at {path}: {x} vs {y}"
            );
        }
        (V::Array(x), V::Array(y)) => {
            assert_eq!(
                x.len(),
                y.len(),
                "SQLite and PostgreSQL disagree at {path}: lengths"
            );
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                same(p, q, &format!("{path}[{i}]"));
            }
        }
        (V::Object(x), V::Object(y)) => {
            assert_eq!(
                x.keys().collect::<Vec<_>>(),
                y.keys().collect::<Vec<_>>(),
                "{path}"
            );
            for (k, p) in x {
                same(p, &y[k], &format!("{path}.{k}"));
            }
        }
        _ => assert_eq!(a, b, "SQLite and PostgreSQL disagree at {path}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn drill_down_counts_equal_the_numbers(g in gen()) {
        thread_local! { static RT: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap(); }
        RT.with(|rt| rt.block_on(async {
            thread_local! { static DBS: std::cell::RefCell<Option<Vec<Db>>> = const { std::cell::RefCell::new(None) }; }
            let dbs = match DBS.with(|d| d.borrow_mut().take()) {
                Some(d) => d,
                None => {
                    let d = both().await;
                    for db in &d { seed_portal(&db.store).await; exec(&db.store, "INSERT INTO projects (portal_id, id, name, synced_at) VALUES (1, 5, 'P5', 0), (1, 6, 'P6', 0)").await; }
                    d
                }
            };
            check(&dbs, &g).await;
            DBS.with(|d| *d.borrow_mut() = Some(dbs));
        }));
    }
}
