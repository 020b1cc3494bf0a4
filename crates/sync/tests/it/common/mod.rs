//! Shared test fixtures: an emulated portal over HTTP, a fresh store (SQLite file or PostgreSQL database), and
//! expected-vs-stored views of every entity computed independently from the emulator's snapshot and from SQL.
#![allow(dead_code)]

use b24a_emulator::{
    generate, CompanyConfig, Emulator, EmulatorOptions, Limits, PortalData, PortalHandle,
    PortalSpec, Size,
};
use b24a_store::{with_pool, Store};
use chrono::TimeZone;

pub struct Fixture {
    pub emulator: Emulator,
    pub portal: PortalHandle,
    pub store: Store,
    pub db_url: String,
    _dir: Option<DbGuard>,
}

pub async fn emulator_with(cfg: &CompanyConfig, limits: Limits) -> (Emulator, PortalHandle) {
    let emulator = b24a_emulator::start(EmulatorOptions::default())
        .await
        .unwrap();
    let spec = PortalSpec::generated(cfg).with_limits(limits);
    let portal = emulator.add_portal(spec).await.unwrap();
    (emulator, portal)
}

/// Limits that never block (tests of correctness, not politeness).
pub fn no_limits() -> Limits {
    Limits {
        rate_enabled: false,
        operating_enabled: false,
        ..Limits::default()
    }
}

/// Keeps a test database alive; dropping it removes the database (docs/TESTING.md).
pub type DbGuard = b24a_store::testing::TestDb;

/// A fresh store on `backend`: (store, URL, guard).
pub async fn store_on(backend: b24a_store::Backend) -> (Store, String, DbGuard) {
    let db = DbGuard::new(backend).await.expect("create a test database");
    (db.store().clone(), db.url().to_string(), db)
}

/// `sqlite` on SQLite, `postgres` on PostgreSQL (tests that vary the generated company per backend).
pub fn by_backend<T>(backend: b24a_store::Backend, sqlite: T, postgres: T) -> T {
    match backend {
        b24a_store::Backend::Sqlite => sqlite,
        b24a_store::Backend::Postgres => postgres,
    }
}

pub async fn sqlite_store() -> (Store, String, DbGuard) {
    store_on(b24a_store::Backend::Sqlite).await
}

pub async fn postgres_store(_tag: &str) -> (Store, String, DbGuard) {
    store_on(b24a_store::Backend::Postgres).await
}

pub async fn fixture(seed: u64, size: Size, limits: Limits) -> Fixture {
    let (emulator, portal) = emulator_with(&CompanyConfig::new(seed, size), limits).await;
    let (store, db_url, dir) = sqlite_store().await;
    Fixture {
        emulator,
        portal,
        store,
        db_url,
        _dir: Some(dir),
    }
}

pub fn tiny_data(seed: u64) -> PortalData {
    generate(&CompanyConfig::new(seed, Size::Tiny))
}

fn cents(v: f64) -> i64 {
    // The portal prints money with two decimals; read that text exactly.
    let s = format!("{v:.2}");
    let neg = s.starts_with('-');
    let digits: String = s.chars().filter(|c| c.is_ascii_digit()).collect();
    let n: i64 = digits.parse().unwrap();
    if neg {
        -n
    } else {
        n
    }
}

fn utc_date(t: i64) -> String {
    chrono::Utc
        .timestamp_opt(t, 0)
        .unwrap()
        .format("%Y-%m-%d")
        .to_string()
}

fn o<T: std::fmt::Debug>(v: Option<T>) -> String {
    match v {
        Some(v) => format!("{v:?}"),
        None => "-".into(),
    }
}

/// One line per record per entity, from the emulator's data.
pub fn expected(data: &PortalData) -> Vec<(&'static str, Vec<String>)> {
    let mut deals: Vec<String> = data
        .deals
        .iter()
        .map(|d| {
            format!(
                "{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}",
                d.id,
                d.title,
                d.category_id,
                d.stage_id,
                d.semantic.letter(),
                cents(d.opportunity),
                d.currency_id,
                d.date_create,
                d.date_modify,
                d.closed,
                d.assigned_by_id,
                utc_date(d.closedate),
                o(d.source_id.clone())
            )
        })
        .collect();
    deals.sort();
    let mut leads: Vec<String> = data
        .leads
        .iter()
        .map(|l| {
            format!(
                "{}|{}|{}|{}|{}|{}|{}",
                l.id,
                l.status_id,
                l.semantic.letter(),
                cents(l.opportunity),
                l.date_create,
                l.date_modify,
                o(l.date_closed)
            )
        })
        .collect();
    leads.sort();
    let hist = |h: &[b24a_emulator::StageHistory], lead: bool| {
        let mut v: Vec<String> = h
            .iter()
            .map(|r| {
                format!(
                    "{}|{}|{}|{}|{}|{}",
                    r.id,
                    r.type_id,
                    r.owner_id,
                    r.created_time,
                    r.stage_id,
                    if lead {
                        "-".to_string()
                    } else {
                        o(Some(r.category_id))
                    }
                )
            })
            .collect();
        v.sort();
        v
    };
    let mut acts: Vec<String> = data
        .activities
        .iter()
        .map(|a| {
            format!(
                "{}|{}|{}|{}|{}|{}|{}|{}|{}|{}",
                a.id,
                a.owner_type_id,
                a.owner_id,
                a.kind.type_id(),
                a.kind.provider_id(),
                a.completed,
                a.responsible_id,
                a.created,
                a.last_updated,
                a.deadline()
            )
        })
        .collect();
    acts.sort();
    let mut tasks: Vec<String> = data
        .tasks
        .iter()
        .map(|t| {
            format!(
                "{}|{}|{}|{}|{}|{}|{}|{}",
                t.id,
                t.status,
                t.responsible_id,
                t.created_date,
                t.changed_date,
                o(t.closed_date),
                o(t.deadline),
                o(Some(t.group_id).filter(|g| *g != 0))
            )
        })
        .collect();
    tasks.sort();
    let mut users: Vec<String> = data
        .users
        .iter()
        .map(|u| {
            let mut d = u.departments.clone();
            d.sort();
            d.dedup();
            format!("{}|{}|{}|{}|{:?}", u.id, u.name, u.last_name, u.active, d)
        })
        .collect();
    users.sort();
    let mut deps: Vec<String> = data
        .departments
        .iter()
        .map(|d| format!("{}|{}|{}", d.id, d.name, o(d.parent)))
        .collect();
    deps.sort();
    let mut pipes: Vec<String> = data
        .categories
        .iter()
        .map(|c| format!("{}|{}", c.id, c.name))
        .collect();
    pipes.sort();
    let mut statuses: Vec<String> = data
        .statuses
        .iter()
        .map(|s| {
            format!(
                "{}|{}|{}",
                s.entity_id,
                s.status_id,
                s.semantics.map(|x| x.letter()).unwrap_or("P")
            )
        })
        .collect();
    statuses.sort();
    let mut currencies: Vec<String> = data
        .currencies
        .iter()
        .map(|c| format!("{}|{}", c.code, c.base))
        .collect();
    currencies.sort();
    let mut projects: Vec<String> = data
        .projects
        .iter()
        .map(|p| format!("{}|{}|{}", p.id, p.name, p.closed))
        .collect();
    projects.sort();
    let mut companies: Vec<String> = data
        .companies
        .iter()
        .map(|c| {
            format!(
                "{}|{}|{}|{}|{}|{}",
                c.id,
                c.title,
                c.industry,
                c.assigned_by_id,
                c.date_create,
                c.date_modify.max(c.date_create)
            )
        })
        .collect();
    companies.sort();
    let mut contacts: Vec<String> = data
        .contacts
        .iter()
        .map(|c| {
            format!(
                "{}|{}|{}|{}|{}|{}|{}",
                c.id,
                c.name,
                c.last_name,
                o(c.company_id),
                c.assigned_by_id,
                c.date_create,
                c.date_modify.max(c.date_create)
            )
        })
        .collect();
    contacts.sort();
    vec![
        ("deals", deals),
        ("leads", leads),
        ("deal_stage_history", hist(&data.deal_history, false)),
        ("lead_stage_history", hist(&data.lead_history, true)),
        ("activities", acts),
        ("tasks", tasks),
        ("users", users),
        ("departments", deps),
        ("pipelines", pipes),
        ("statuses", statuses),
        ("currencies", currencies),
        ("projects", projects),
        ("companies", companies),
        ("contacts", contacts),
    ]
}

async fn lines(store: &Store, sql: &str, portal_id: i64) -> Vec<String> {
    let rows: Vec<String> = with_pool!(store.pool(), p => {
        sqlx::query_scalar::<_, String>(sql).bind(portal_id).fetch_all(p).await.unwrap()
    });
    let mut rows = rows;
    rows.sort();
    rows
}

/// The same lines, read back from the store with SQL.
pub async fn stored(store: &Store, portal_id: i64) -> Vec<(&'static str, Vec<String>)> {
    let b = |col: &str| format!("CASE WHEN {col} THEN 'true' ELSE 'false' END");
    let n = |col: &str| format!("COALESCE(CAST({col} AS TEXT), '-')");
    let q = |x: &str| format!("COALESCE('\"' || {x} || '\"', '-')");
    let mut out = Vec::new();
    let deals = format!(
        "SELECT CAST(id AS TEXT) || '|' || title || '|' || CAST(category_id AS TEXT) || '|' || stage_id || '|' || stage_semantic_id \
         || '|' || CAST(opportunity_cents AS TEXT) || '|' || COALESCE(currency_id, '') || '|' || CAST(date_create AS TEXT) || '|' || \
         CAST(date_modify AS TEXT) || '|' || {} || '|' || {} || '|' || COALESCE(closedate, '-') || '|' || {} FROM deals WHERE portal_id = $1",
        b("closed"), n("assigned_by_id"), q("source_id")
    );
    out.push(("deals", lines(store, &deals, portal_id).await));
    let leads = format!(
        "SELECT CAST(id AS TEXT) || '|' || status_id || '|' || status_semantic_id || '|' || CAST(opportunity_cents AS TEXT) || '|' || \
         CAST(date_create AS TEXT) || '|' || CAST(date_modify AS TEXT) || '|' || {} FROM leads WHERE portal_id = $1",
        n("date_closed")
    );
    out.push(("leads", lines(store, &leads, portal_id).await));
    for (name, et) in [("deal_stage_history", 2), ("lead_stage_history", 1)] {
        let sql = format!(
            "SELECT CAST(id AS TEXT) || '|' || CAST(type_id AS TEXT) || '|' || CAST(owner_id AS TEXT) || '|' || CAST(created_time AS TEXT) \
             || '|' || stage_id || '|' || {} FROM stage_history WHERE portal_id = $1 AND entity_type_id = {et}",
            n("category_id")
        );
        out.push((name, lines(store, &sql, portal_id).await));
    }
    let acts = format!(
        "SELECT CAST(id AS TEXT) || '|' || {} || '|' || {} || '|' || CAST(type_id AS TEXT) || '|' || COALESCE(provider_id, '') || '|' || {} \
         || '|' || {} || '|' || CAST(created AS TEXT) || '|' || CAST(last_updated AS TEXT) || '|' || {} FROM activities WHERE portal_id = $1",
        n("owner_type_id"), n("owner_id"), b("completed"), n("responsible_id"), n("deadline")
    );
    out.push(("activities", lines(store, &acts, portal_id).await));
    let tasks = format!(
        "SELECT CAST(id AS TEXT) || '|' || CAST(status AS TEXT) || '|' || {} || '|' || CAST(created_date AS TEXT) || '|' || \
         CAST(changed_date AS TEXT) || '|' || {} || '|' || {} || '|' || {} FROM tasks WHERE portal_id = $1",
        n("responsible_id"), n("closed_date"), n("deadline"), n("group_id")
    );
    out.push(("tasks", lines(store, &tasks, portal_id).await));
    let users_sql = format!(
        "SELECT CAST(u.id AS TEXT) || '|' || u.name || '|' || u.last_name || '|' || {} FROM users u WHERE u.portal_id = $1",
        b("u.active")
    );
    let users = lines(store, &users_sql, portal_id).await;
    let links: Vec<(i64, i64)> = with_pool!(store.pool(), p => {
        sqlx::query_as::<_, (i64, i64)>("SELECT user_id, department_id FROM user_departments WHERE portal_id = $1 ORDER BY user_id, department_id")
            .bind(portal_id).fetch_all(p).await.unwrap()
    });
    let mut users: Vec<String> = users
        .into_iter()
        .map(|l| {
            let id: i64 = l.split('|').next().unwrap().parse().unwrap();
            let d: Vec<i64> = links
                .iter()
                .filter(|(u, _)| *u == id)
                .map(|(_, d)| *d)
                .collect();
            format!("{l}|{d:?}")
        })
        .collect();
    users.sort();
    out.push(("users", users));
    out.push(("departments", lines(store, &format!("SELECT CAST(id AS TEXT) || '|' || name || '|' || {} FROM departments WHERE portal_id = $1", n("parent_id")), portal_id).await));
    out.push((
        "pipelines",
        lines(
            store,
            "SELECT CAST(id AS TEXT) || '|' || name FROM pipelines WHERE portal_id = $1",
            portal_id,
        )
        .await,
    ));
    out.push(("statuses", lines(store, "SELECT entity_id || '|' || status_id || '|' || semantics FROM crm_statuses WHERE portal_id = $1", portal_id).await));
    out.push((
        "currencies",
        lines(
            store,
            &format!(
                "SELECT currency || '|' || {} FROM currencies WHERE portal_id = $1",
                b("is_base")
            ),
            portal_id,
        )
        .await,
    ));
    out.push(("projects", lines(store, &format!("SELECT CAST(id AS TEXT) || '|' || name || '|' || {} FROM projects WHERE portal_id = $1", b("closed")), portal_id).await));
    out.push(("companies", lines(store, &format!("SELECT CAST(id AS TEXT) || '|' || title || '|' || COALESCE(industry, '-') || '|' || {} \
        || '|' || CAST(date_create AS TEXT) || '|' || CAST(date_modify AS TEXT) FROM companies WHERE portal_id = $1", n("assigned_by_id")), portal_id).await));
    out.push(("contacts", lines(store, &format!("SELECT CAST(id AS TEXT) || '|' || name || '|' || last_name || '|' || {} || '|' || {} \
        || '|' || CAST(date_create AS TEXT) || '|' || CAST(date_modify AS TEXT) FROM contacts WHERE portal_id = $1", n("company_id"), n("assigned_by_id")), portal_id).await));
    out
}

/// Asserts the store holds exactly the emulator's records: equal counts and equal lines per entity.
pub async fn assert_same(store: &Store, portal_id: i64, data: &PortalData) {
    let exp = expected(data);
    let got = stored(store, portal_id).await;
    for ((name, e), (_, g)) in exp.iter().zip(got.iter()) {
        assert_eq!(
            e.len(),
            g.len(),
            "{name}: count differs (expected {}, stored {})",
            e.len(),
            g.len()
        );
        if e != g {
            let first = e.iter().zip(g.iter()).find(|(a, b)| a != b);
            panic!("{name}: contents differ, first difference: {first:?}");
        }
    }
}

/// Count of custom-field values per entity type in the store.
pub async fn custom_field_count(store: &Store, portal_id: i64, entity_type: &str) -> i64 {
    with_pool!(store.pool(), p => {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM custom_field_values WHERE portal_id = $1 AND entity_type = $2 AND value IS NOT NULL")
            .bind(portal_id).bind(entity_type).fetch_one(p).await.unwrap()
    })
}

/// Calls the emulator's admin API (`/_emulator/...`) of the portal; the call must succeed.
pub async fn emulator_admin(
    p: &PortalHandle,
    method: reqwest::Method,
    path: &str,
    body: serde_json::Value,
) {
    let r = reqwest::Client::new()
        .request(method, format!("{}/_emulator/{path}", p.base_url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(
        r.status().is_success(),
        "{path}: {}",
        r.text().await.unwrap()
    );
}
