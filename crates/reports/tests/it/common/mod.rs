//! Test harness: a fresh store on SQLite (temp file) or PostgreSQL (the kit's `TestDb`), and a
//! seeding helper that writes hand-made rows with plain SQL literals (test data only, never user input).
#![allow(dead_code, clippy::too_many_arguments)]

use b24a_reports::{CacheConfig, PortalContext, ReportCache, ReportSource};
use b24a_store::testing::TestDb;
use b24a_store::{with_pool, Backend, Store};
use chrono::{NaiveDate, TimeZone};

pub struct Db {
    /// The store with this database's own report cache (default size, background builds), as the server has it;
    /// derefs to the `Store` for seeding.
    pub store: ReportSource,
    pub label: &'static str,
    /// Keeps the database alive; dropping it removes the database.
    _db: TestDb,
}

async fn fresh(backend: Backend, label: &'static str) -> Db {
    let db = TestDb::new(backend).await.expect("create a test database");
    Db {
        store: source(db.store().clone()),
        label,
        _db: db,
    }
}

pub async fn sqlite() -> Db {
    fresh(Backend::Sqlite, "sqlite").await
}

/// A new database on the server named by `TEST_POSTGRES_URL` (docs/TESTING.md).
pub async fn postgres() -> Db {
    fresh(Backend::Postgres, "postgres").await
}

/// The store with a report cache of its own: as the server's default (1024 MB, background builds), or as
/// `TEST_REPORT_CACHE` says — `inline` runs every answer through the cache, `off` every answer through SQL.
pub fn source(store: Store) -> ReportSource {
    let config = match std::env::var("TEST_REPORT_CACHE").as_deref() {
        Ok("inline") => CacheConfig {
            inline_builds: true,
            ..CacheConfig::default()
        },
        Ok("off") => CacheConfig {
            megabytes: 0,
            ..CacheConfig::default()
        },
        _ => CacheConfig::default(),
    };
    ReportSource::new(store, ReportCache::new(config))
}

/// Both backends, for tests that must give the same answers on each.
pub async fn both() -> Vec<Db> {
    vec![sqlite().await, postgres().await]
}

pub async fn exec(store: &Store, sql: &str) {
    with_pool!(store.pool(), p => { sqlx::raw_sql(sql).execute(p).await.map(|_| ()) })
        .unwrap_or_else(|e| panic!("{e}: {sql}"));
}

/// Unix seconds of a Moscow (UTC+3) wall-clock time.
pub fn msk(y: i32, m: u32, d: u32, h: u32, min: u32) -> i64 {
    chrono::FixedOffset::east_opt(3 * 3600)
        .unwrap()
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .unwrap()
        .timestamp()
}

pub fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

pub fn lit_i(v: Option<i64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_else(|| "NULL".into())
}
pub fn lit_s(v: Option<&str>) -> String {
    v.map(|x| format!("'{}'", x.replace('\'', "''")))
        .unwrap_or_else(|| "NULL".into())
}

pub const PORTAL: i64 = 1;

/// The standard portal: Moscow time, RUB base, USD at 90; departments 1 (Sales) > 2 (Sales-2), 3 (Support);
/// users 10 (dept 1), 11 (dept 2), 12 (dept 3), 13 inactive (dept 1); pipelines 0 and 1 with stages; lead
/// statuses; sources.
pub async fn seed_portal(store: &Store) {
    exec(
        store,
        "INSERT INTO portals (id, member_id, domain, client_endpoint, time_zone, utc_offset_seconds, base_currency, installed_at, updated_at) \
         VALUES (1, 'm1', 'a.bitrix24.ru', 'https://a.bitrix24.ru/rest/', 'Europe/Moscow', 10800, 'RUB', 0, 0);
         INSERT INTO portals (id, member_id, domain, client_endpoint, installed_at, updated_at) VALUES (2, 'm2', 'b.bitrix24.ru', 'https://b/rest/', 0, 0);
         INSERT INTO currencies (portal_id, currency, amount_cnt, amount, is_base, synced_at) VALUES (1, 'RUB', 1, 1, TRUE, 0), (1, 'USD', 1, 90, FALSE, 0);
         INSERT INTO departments (portal_id, id, name, parent_id, synced_at) VALUES (1, 1, 'Sales', NULL, 0), (1, 2, 'Sales-2', 1, 0), (1, 3, 'Support', NULL, 0);
         INSERT INTO users (portal_id, id, name, last_name, active, synced_at) VALUES (1, 10, 'Olga', 'K', TRUE, 0), (1, 11, 'Ivan', 'P', TRUE, 0), (1, 12, 'Anna', 'S', TRUE, 0), (1, 13, 'Old', 'Timer', FALSE, 0);
         INSERT INTO user_departments (portal_id, user_id, department_id) VALUES (1, 10, 1), (1, 11, 2), (1, 12, 3), (1, 13, 1);
         INSERT INTO pipelines (portal_id, id, name, sort, is_default, synced_at) VALUES (1, 0, 'Main', 10, TRUE, 0), (1, 1, 'Repeat', 20, FALSE, 0);
         INSERT INTO crm_statuses (portal_id, entity_id, status_id, name, sort, semantics, category_id, synced_at) VALUES
           (1, 'DEAL_STAGE', 'NEW', 'New', 10, 'P', NULL, 0), (1, 'DEAL_STAGE', 'WORK', 'Work', 20, 'P', NULL, 0),
           (1, 'DEAL_STAGE', 'WON', 'Won', 30, 'S', NULL, 0), (1, 'DEAL_STAGE', 'LOSE', 'Lose', 40, 'F', NULL, 0),
           (1, 'DEAL_STAGE', 'APOLOGY', 'Apology', 50, 'F', NULL, 0),
           (1, 'DEAL_STAGE_1', 'C1:NEW', 'R-New', 10, 'P', 1, 0), (1, 'DEAL_STAGE_1', 'C1:WON', 'R-Won', 20, 'S', 1, 0),
           (1, 'DEAL_STAGE_1', 'C1:LOSE', 'R-Lose', 30, 'F', 1, 0),
           (1, 'STATUS', 'NEW', 'New lead', 10, 'P', NULL, 0), (1, 'STATUS', 'CONVERTED', 'Converted', 20, 'S', NULL, 0),
           (1, 'STATUS', 'JUNK', 'Junk', 30, 'F', NULL, 0),
           (1, 'SOURCE', 'CALL', 'Call', 10, 'P', NULL, 0), (1, 'SOURCE', 'WEB', 'Web', 20, 'P', NULL, 0),
           (1, 'INDUSTRY', 'IT', 'IT', 10, 'P', NULL, 0), (1, 'INDUSTRY', 'MANUFACTURING', 'Manufacturing', 20, 'P', NULL, 0);",
    )
    .await;
}

#[derive(Debug, Clone)]
pub struct D {
    pub id: i64,
    pub pipeline: i64,
    pub stage: &'static str,
    pub sem: &'static str,
    pub cents: i64,
    pub currency: &'static str,
    pub account_cents: Option<i64>,
    pub manager: Option<i64>,
    pub created: i64,
    pub modified: Option<i64>,
    pub moved: Option<i64>,
    pub closedate: Option<&'static str>,
    pub source: Option<&'static str>,
    pub returning: bool,
    pub company: Option<i64>,
    pub utm_source: Option<&'static str>,
    pub last_activity: Option<i64>,
    pub portal: i64,
}

impl Default for D {
    fn default() -> Self {
        D {
            id: 0,
            pipeline: 0,
            stage: "NEW",
            sem: "P",
            cents: 0,
            currency: "RUB",
            account_cents: None,
            manager: Some(10),
            created: 0,
            modified: None,
            moved: None,
            closedate: None,
            source: None,
            returning: false,
            company: None,
            utm_source: None,
            last_activity: None,
            portal: PORTAL,
        }
    }
}

pub async fn deal(store: &Store, d: D) {
    let closed = d.sem != "P";
    let sql = format!(
        "INSERT INTO deals (portal_id, id, title, category_id, stage_id, stage_semantic_id, opportunity_cents, currency_id, \
         opportunity_account_cents, account_currency_id, assigned_by_id, date_create, date_modify, moved_time, closedate, closed, \
         source_id, is_return_customer, company_id, utm_source, last_activity_time, synced_at) VALUES \
         ({}, {}, 'Deal {}', {}, '{}', '{}', {}, '{}', {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, 0)",
        d.portal,
        d.id,
        d.id,
        d.pipeline,
        d.stage,
        d.sem,
        d.cents,
        d.currency,
        lit_i(d.account_cents),
        if d.account_cents.is_some() { "'RUB'" } else { "NULL" },
        lit_i(d.manager),
        d.created,
        d.modified.unwrap_or(d.created),
        lit_i(d.moved),
        lit_s(d.closedate),
        if closed { "TRUE" } else { "FALSE" },
        lit_s(d.source),
        if d.returning { "TRUE" } else { "FALSE" },
        lit_i(d.company),
        lit_s(d.utm_source),
        lit_i(d.last_activity),
    );
    exec(store, &sql).await;
}

/// A stage-history row of a deal.
pub async fn hist(
    store: &Store,
    id: i64,
    deal: i64,
    type_id: i64,
    time: i64,
    cat: i64,
    stage: &str,
    sem: &str,
) {
    exec(
        store,
        &format!(
            "INSERT INTO stage_history (portal_id, entity_type_id, id, type_id, owner_id, created_time, category_id, stage_id, stage_semantic_id, synced_at) \
             VALUES (1, 2, {id}, {type_id}, {deal}, {time}, {cat}, '{stage}', '{sem}', 0)"
        ),
    )
    .await;
}

#[derive(Debug, Clone)]
pub struct L {
    pub id: i64,
    pub status: &'static str,
    pub sem: &'static str,
    pub manager: Option<i64>,
    pub created: i64,
    pub closed: Option<i64>,
    pub modified: Option<i64>,
    pub source: Option<&'static str>,
    pub last_activity: Option<i64>,
    /// IS_RETURN_CUSTOMER.
    pub returning: bool,
}

impl Default for L {
    fn default() -> Self {
        L {
            id: 0,
            status: "NEW",
            sem: "P",
            manager: Some(10),
            created: 0,
            closed: None,
            modified: None,
            source: None,
            last_activity: None,
            returning: false,
        }
    }
}

pub async fn lead(store: &Store, l: L) {
    exec(
        store,
        &format!(
            "INSERT INTO leads (portal_id, id, title, status_id, status_semantic_id, assigned_by_id, date_create, date_modify, date_closed, \
             source_id, last_activity_time, is_return_customer, synced_at) VALUES (1, {}, 'Lead {}', '{}', '{}', {}, {}, {}, {}, {}, {}, {}, 0)",
            l.id,
            l.id,
            l.status,
            l.sem,
            lit_i(l.manager),
            l.created,
            l.modified.unwrap_or(l.created),
            lit_i(l.closed),
            lit_s(l.source),
            lit_i(l.last_activity),
            if l.returning { "TRUE" } else { "FALSE" }
        ),
    )
    .await;
}

#[derive(Debug, Clone)]
pub struct A {
    pub id: i64,
    pub owner_type: i64,
    pub owner: i64,
    pub type_id: i64,
    pub provider: Option<&'static str>,
    pub provider_type: Option<&'static str>,
    pub direction: i64,
    pub completed: bool,
    pub responsible: Option<i64>,
    pub created: i64,
    pub start: Option<i64>,
    pub deadline: Option<i64>,
    pub updated: Option<i64>,
}

impl Default for A {
    fn default() -> Self {
        A {
            id: 0,
            owner_type: 2,
            owner: 0,
            type_id: 6,
            provider: Some("CRM_TODO"),
            provider_type: Some("TODO"),
            direction: 0,
            completed: true,
            responsible: Some(10),
            created: 0,
            start: None,
            deadline: None,
            updated: None,
        }
    }
}

pub async fn activity(store: &Store, a: A) {
    exec(
        store,
        &format!(
            "INSERT INTO activities (portal_id, id, owner_type_id, owner_id, type_id, provider_id, provider_type_id, direction, completed, \
             responsible_id, created, last_updated, start_time, deadline, synced_at) VALUES (1, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, 0)",
            a.id,
            a.owner_type,
            a.owner,
            a.type_id,
            lit_s(a.provider),
            lit_s(a.provider_type),
            a.direction,
            if a.completed { "TRUE" } else { "FALSE" },
            lit_i(a.responsible),
            a.created,
            a.updated.unwrap_or(a.created),
            lit_i(a.start),
            lit_i(a.deadline)
        ),
    )
    .await;
}

#[derive(Debug, Clone, Default)]
pub struct T {
    pub id: i64,
    pub status: i64,
    pub responsible: Option<i64>,
    pub group: Option<i64>,
    pub created: i64,
    pub closed: Option<i64>,
    pub start: Option<i64>,
    pub deadline: Option<i64>,
    pub plan_start: Option<i64>,
}

pub async fn task(store: &Store, t: T) {
    exec(
        store,
        &format!(
            "INSERT INTO tasks (portal_id, id, title, status, responsible_id, group_id, created_date, changed_date, closed_date, date_start, \
             deadline, start_date_plan, synced_at) VALUES (1, {}, 'Task {}', {}, {}, {}, {}, {}, {}, {}, {}, {}, 0)",
            t.id,
            t.id,
            t.status,
            lit_i(t.responsible),
            lit_i(t.group),
            t.created,
            t.created,
            lit_i(t.closed),
            lit_i(t.start),
            lit_i(t.deadline),
            lit_i(t.plan_start)
        ),
    )
    .await;
}

/// Context for the standard portal at `now`, paid tier (24 months) unless told otherwise.
pub async fn ctx(store: &Store, now: i64, months: u32) -> PortalContext {
    PortalContext::load(store, PORTAL, months, now)
        .await
        .unwrap()
}

pub fn filter(json: &str) -> b24a_reports::Filter {
    b24a_reports::Filter::from_json(json).unwrap()
}

pub fn approx(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-6)
}

/// Waits until the report cache's background builds are done; a build that never ends fails the test within a
/// minute instead of hanging the suite.
pub async fn settle_cache(cache: &ReportCache) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while cache.builds_in_flight() > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "report cache builds still in flight after 60 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
}
