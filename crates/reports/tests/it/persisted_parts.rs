//! Persisted cache parts (`report_parts`, migration 0011), on SQLite and PostgreSQL: a new cache value (a restarted
//! server, another replica) answers its first request from the parts another value built and persisted, with the
//! same numbers as SQL alone; a write makes the persisted part of that table unusable (never a stale answer); a
//! damaged part is rebuilt, never used. Expected numbers are counted by hand in the comments.
use crate::common;

use b24a_reports::{run_report, Answer, CacheConfig, ReportCache, ReportId, ReportSource};
use b24a_store::report_reads::CachedTable;
use b24a_store::{Backend, PortalId};
use common::*;

/// Period 2026-03-01..10 (Moscow), now 2026-03-15 12:00 MSK.
const F: &str = r#"{"period": {"preset": "custom", "from": "2026-03-01", "to": "2026-03-10"}, "compare": "none"}"#;

const CACHED: [ReportId; 4] = [
    ReportId::SalesDynamics,
    ReportId::Managers,
    ReportId::Marketing,
    ReportId::ForgetMeNot,
];

/// A cache value of its own over the same database (as a new process would have), persisting.
fn fresh(src: &ReportSource, inline_builds: bool) -> ReportSource {
    ReportSource::new(
        src.store().clone(),
        ReportCache::new(CacheConfig {
            megabytes: 64,
            inline_builds,
            persist: true,
        }),
    )
}

/// Deals of every kind the parts keep (in work, won, lost, USD, company, UTM), their history, leads and activities.
async fn seed(s: &b24a_store::Store) {
    seed_portal(s).await;
    let mar = |d: u32| msk(2026, 3, d, 10, 0);
    // d1: created 03-02, in work, 100.00 RUB, manager 10.
    deal(
        s,
        D {
            id: 1,
            cents: 10_000,
            created: mar(2),
            ..D::default()
        },
    )
    .await;
    // d2: created 03-03, won 03-06, 20.00 USD = 1800.00 RUB, manager 11, source WEB, UTM google.
    deal(
        s,
        D {
            id: 2,
            stage: "WON",
            sem: "S",
            cents: 2_000,
            currency: "USD",
            manager: Some(11),
            created: mar(3),
            closedate: Some("2026-03-06"),
            source: Some("WEB"),
            utm_source: Some("google"),
            company: Some(7),
            ..D::default()
        },
    )
    .await;
    // d3: created 02-01, lost 03-04, 50.00 RUB.
    deal(
        s,
        D {
            id: 3,
            stage: "LOSE",
            sem: "F",
            cents: 5_000,
            created: msk(2026, 2, 1, 10, 0),
            closedate: Some("2026-03-04"),
            ..D::default()
        },
    )
    .await;
    hist(s, 1, 2, 1, mar(3), 0, "NEW", "P").await;
    hist(s, 2, 2, 3, mar(6), 0, "WON", "S").await;
    lead(
        s,
        L {
            id: 1,
            created: mar(2),
            ..L::default()
        },
    )
    .await;
    // Activities: done 03-04 by 10 on d1; open and overdue (deadline 03-05) by 11 on d1; open without deadline on d2.
    activity(
        s,
        A {
            id: 1,
            owner: 1,
            created: mar(4),
            ..A::default()
        },
    )
    .await;
    activity(
        s,
        A {
            id: 2,
            owner: 1,
            completed: false,
            responsible: Some(11),
            created: mar(1),
            deadline: Some(mar(5)),
            ..A::default()
        },
    )
    .await;
    activity(
        s,
        A {
            id: 3,
            owner: 2,
            completed: false,
            created: mar(1),
            ..A::default()
        },
    )
    .await;
    // Completed calls for R2's activity log: an incoming (1) and an outgoing (2) call of 11 done 03-05 and 03-06, and
    // one of 10 done 03-07 with a direction Bitrix24 never sends (300; kept exact); one done 03-12, after the period.
    for (id, direction, who, day) in [
        (4, 1, 11, 5),
        (5, 2, 11, 6),
        (6, 300, 10, 7),
        (7, 2, 10, 12),
    ] {
        activity(
            s,
            A {
                id,
                owner: 1,
                type_id: 2,
                provider: Some("VOXIMPLANT_CALL"),
                provider_type: Some("CALL"),
                direction,
                responsible: Some(who),
                created: mar(day),
                ..A::default()
            },
        )
        .await;
    }
}

async fn answers(src: &ReportSource, ctx: &b24a_reports::PortalContext) -> Vec<Answer> {
    let f = filter(F);
    let mut out = vec![];
    for r in CACHED {
        out.push(run_report(src, ctx, r, &f).await.unwrap());
    }
    out
}

fn same(a: &[Answer], b: &[Answer], what: &str) {
    for (x, y) in a.iter().zip(b) {
        assert_eq!(x.tiles, y.tiles, "{what}");
        assert_eq!(x.tables, y.tables, "{what}");
    }
}

fn tile(a: &Answer, metric: &str) -> (Option<f64>, Option<f64>) {
    let t = a.tile(metric).unwrap_or_else(|| panic!("no tile {metric}"));
    (t.value, t.amount)
}

#[tokio::test]
async fn a_new_cache_answers_cold_from_the_persisted_parts() {
    for db in both().await {
        let src = &db.store;
        seed(src).await;
        let ctx = ctx(src, msk(2026, 3, 15, 12, 0), 24).await;
        let sql = ReportSource::new(src.store().clone(), ReportCache::off());
        let expected = answers(&sql, &ctx).await;
        // By hand: created 03-02 and 03-03 → 2 deals, 100 + 1800 = 1900.00; won 1 (1800.00); lost 1 (d3).
        assert_eq!(
            tile(&expected[0], "deal_created"),
            (Some(2.0), Some(1900.0)),
            "{}",
            db.label
        );
        assert_eq!(
            tile(&expected[0], "deal_won"),
            (Some(1.0), Some(1800.0)),
            "{}",
            db.label
        );
        assert_eq!(tile(&expected[0], "deal_lost").0, Some(1.0), "{}", db.label);
        // R2: completed in the period 03-01..10: to-do 1, incoming call 4, outgoing call 5 → 3. Call 6 (direction
        // 300: neither in nor out) counts for no metric — a direction narrowed into 1 or 2 would count it; call 7 is
        // done 03-12.
        assert_eq!(
            tile(&expected[1], "act_completed").0,
            Some(3.0),
            "{}",
            db.label
        );

        // The first process builds every part (inline) and persists it; nothing was there to load.
        let first = fresh(src, true);
        same(&answers(&first, &ctx).await, &expected, db.label);
        assert_eq!(first.cache().loads(), 0, "{}", db.label);

        // A second process (background builds, as the server runs): its very first answers come from the
        // persisted parts — nothing is built — and agree with SQL.
        let second = fresh(src, false);
        same(&answers(&second, &ctx).await, &expected, db.label);
        assert!(
            second.cache().loads() >= 5,
            "{}: all five parts loaded",
            db.label
        );
        assert_eq!(
            second.cache().builds_in_flight(),
            0,
            "{}: nothing to build",
            db.label
        );

        // A deal written after the parts were persisted: the persisted deals part is of an older version and never
        // used; the new deal (created 03-08, 10.00 RUB) is counted by a third process from its first answer.
        deal(
            src,
            D {
                id: 4,
                cents: 1_000,
                created: msk(2026, 3, 8, 10, 0),
                ..D::default()
            },
        )
        .await;
        let third = fresh(src, true);
        let now = answers(&third, &ctx).await;
        assert_eq!(
            tile(&now[0], "deal_created"),
            (Some(3.0), Some(1910.0)),
            "{}",
            db.label
        );
        same(&now, &answers(&sql, &ctx).await, db.label);
        // Leads, history, companies, the activity log and the open deadlines were still current and loaded; deals,
        // the open cards and the clients (their versions combine the deals counter) were rebuilt.
        assert_eq!(third.cache().loads(), 5, "{}", db.label);
        assert_eq!(
            third.cache().loads_of(CachedTable::ActivityLog),
            1,
            "{}",
            db.label
        );
        assert_eq!(
            third.cache().loads_of(CachedTable::OpenDeadlines),
            1,
            "{}",
            db.label
        );
        assert_eq!(
            third.cache().loads_of(CachedTable::OpenCards),
            0,
            "{}",
            db.label
        );

        // Uninstalling with cleaning removes the portal's persisted parts with its data.
        assert!(src.delete_portal(PortalId(PORTAL)).await.unwrap());
        let left: Vec<(i64,)> = b24a_store::with_pool!(src.pool(), p => {
            sqlx::query_as("SELECT COUNT(*) FROM report_parts").fetch_all(p).await.unwrap()
        });
        assert_eq!(left, vec![(0,)], "{}", db.label);
    }
}

#[tokio::test]
async fn a_damaged_persisted_part_is_rebuilt_never_used() {
    for db in both().await {
        let src = &db.store;
        seed(src).await;
        let ctx = ctx(src, msk(2026, 3, 15, 12, 0), 24).await;
        let sql = ReportSource::new(src.store().clone(), ReportCache::off());
        let expected = answers(&sql, &ctx).await;
        answers(&fresh(src, true), &ctx).await;
        // Every persisted part cut short by its last byte (each is one chunk here), then every
        // part replaced by a header of another layout version (same magic).
        let damage = match src.backend() {
            Backend::Sqlite => [
                "UPDATE report_parts SET data = substr(data, 1, length(data) - 1)",
                "UPDATE report_parts SET data = X'42323450FF000000'",
            ],
            Backend::Postgres => [
                "UPDATE report_parts SET data = substring(data from 1 for length(data) - 1)",
                "UPDATE report_parts SET data = decode('42323450FF000000', 'hex')",
            ],
        };
        for sql in damage {
            exec(src, sql).await;
            // Damaged bytes never change a number. (A loader of the same answer may load the part another loader
            // has just rebuilt and rewritten — fresh bytes, not the damaged ones — so loads are not counted here.)
            let next = fresh(src, true);
            same(&answers(&next, &ctx).await, &expected, db.label);
            // The rebuilds replaced every damaged part: a later process loads them all, equal to SQL alone.
            let later = fresh(src, false);
            same(&answers(&later, &ctx).await, &expected, db.label);
            assert!(
                later.cache().loads() >= 5,
                "{}: every damaged part was rewritten ({sql})",
                db.label
            );
        }
    }
}

/// Two companies and two contacts, each cared for (or not) through its deals' activities (docs/METRICS.md
/// "Clients without planned activities"); created 02-01.
async fn seed_clients(s: &b24a_store::Store) {
    seed_portal(s).await;
    let old = msk(2026, 2, 1, 12, 0);
    for id in 1..=2 {
        exec(s, &format!(
            "INSERT INTO companies (portal_id, id, title, company_type, assigned_by_id, date_create, date_modify, synced_at) \
             VALUES (1, {id}, 'ООО Компания {id}', 'CUSTOMER', 10, {old}, {old}, 0)"
        ))
        .await;
    }
    exec(s, &format!(
        "INSERT INTO contacts (portal_id, id, name, last_name, second_name, type_id, assigned_by_id, date_create, date_modify, synced_at) \
         VALUES (1, 1, 'Анна', 'Смирнова', '', 'CLIENT', 10, {old}, {old}, 0), (1, 2, 'Иван', 'Петров', '', 'CLIENT', 10, {old}, {old}, 0)"
    ))
    .await;
    // Deal 1 of company 1, deal 2 of company 2, deal 3 of contact 1.
    for (id, company) in [(1, Some(1)), (2, Some(2)), (3, None)] {
        deal(
            s,
            D {
                id,
                created: old,
                company,
                ..D::default()
            },
        )
        .await;
    }
    exec(
        s,
        "UPDATE deals SET contact_id = 1 WHERE portal_id = 1 AND id = 3",
    )
    .await;
    // Deal 1: open, due 03-20 (company 1 planned). Deal 2: only completed on 03-10 (company 2 not planned).
    // Deal 3: open without a deadline (contact 1 planned). Contact 2: nothing (not planned).
    for (id, owner, completed, deadline) in [
        (1, 1, false, Some(msk(2026, 3, 20, 12, 0))),
        (2, 2, true, None),
        (3, 3, false, None),
    ] {
        activity(
            s,
            A {
                id,
                owner,
                completed,
                created: old,
                updated: completed.then(|| msk(2026, 3, 10, 12, 0)),
                deadline,
                ..A::default()
            },
        )
        .await;
    }
}

async fn forget_me_not(src: &ReportSource, ctx: &b24a_reports::PortalContext) -> Answer {
    run_report(src, ctx, ReportId::ForgetMeNot, &filter(F))
        .await
        .unwrap()
}

fn unplanned(a: &Answer) -> (Option<f64>, Option<f64>) {
    (
        a.tile("companies_unplanned").and_then(|t| t.value),
        a.tile("contacts_unplanned").and_then(|t| t.value),
    )
}

#[tokio::test]
async fn r6_clients_answer_from_a_persisted_part_and_follow_writes() {
    for db in both().await {
        let src = &db.store;
        seed_clients(src).await;
        let ctx = ctx(src, msk(2026, 3, 15, 12, 0), 24).await;
        let sql = ReportSource::new(src.store().clone(), ReportCache::off());
        let expected = forget_me_not(&sql, &ctx).await;
        // By hand: company 2 and contact 2 have nothing planned.
        assert_eq!(unplanned(&expected), (Some(1.0), Some(1.0)), "{}", db.label);

        // A first process builds and persists every part R6 reads, the clients parts among them.
        let first = fresh(src, true);
        same(
            &[forget_me_not(&first, &ctx).await],
            &[expected.clone()],
            db.label,
        );
        assert_eq!(first.cache().loads(), 0, "{}", db.label);

        // A second process answers its first request from persisted parts only: deals, leads, the open cards, the
        // open deadlines and the companies' and contacts' clients parts — six loads, nothing built, and never the
        // log of completed activities (R6 reads no per-activity data).
        let second = fresh(src, false);
        let cold = forget_me_not(&second, &ctx).await;
        same(&[cold.clone()], &[expected.clone()], db.label);
        assert_eq!(second.cache().loads(), 6, "{}", db.label);
        for t in [CachedTable::OpenCards, CachedTable::OpenDeadlines] {
            assert_eq!(second.cache().loads_of(t), 1, "{}: {t:?}", db.label);
        }
        assert_eq!(
            second.cache().loads_of(CachedTable::ActivityLog),
            0,
            "{}",
            db.label
        );
        assert_eq!(second.cache().builds_in_flight(), 0, "{}", db.label);
        // Its clients block (table and drill-down list) equals SQL alone.
        assert_eq!(cold.tables[2], expected.tables[2], "{}", db.label);
        let d = cold
            .tile("companies_unplanned")
            .unwrap()
            .drill
            .clone()
            .unwrap();
        let q = b24a_reports::ListQuery::default();
        let from_part =
            b24a_reports::drill_down(&second, &ctx, ReportId::ForgetMeNot, &filter(F), &d, &q)
                .await
                .unwrap();
        let from_sql =
            b24a_reports::drill_down(&sql, &ctx, ReportId::ForgetMeNot, &filter(F), &d, &q)
                .await
                .unwrap();
        assert_eq!(
            from_part.rows.iter().map(|r| r.id).collect::<Vec<_>>(),
            vec![2],
            "{}",
            db.label
        );
        assert_eq!(
            from_sql
                .rows
                .iter()
                .map(|r| (r.id, r.columns.clone()))
                .collect::<Vec<_>>(),
            from_part
                .rows
                .iter()
                .map(|r| (r.id, r.columns.clone()))
                .collect::<Vec<_>>(),
            "{}",
            db.label
        );

        // A call planned on company 2's deal (open, due 03-25): the next answer of the same process already sees
        // company 2 cared for (its clients part is of an older version and never used) …
        activity(
            src,
            A {
                id: 4,
                owner: 2,
                completed: false,
                created: msk(2026, 3, 14, 12, 0),
                deadline: Some(msk(2026, 3, 25, 12, 0)),
                ..A::default()
            },
        )
        .await;
        let now = forget_me_not(&second, &ctx).await;
        assert_eq!(unplanned(&now), (Some(0.0), Some(1.0)), "{}", db.label);
        same(&[now], &[forget_me_not(&sql, &ctx).await], db.label);
        // The same process rebuilt the parts behind the write in the background and persisted them: once that is
        // done, a new process loads all six and answers the same.
        for _ in 0..600 {
            if second.cache().builds_in_flight() == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(second.cache().builds_in_flight(), 0, "{}", db.label);
        let third = fresh(src, true);
        let now = forget_me_not(&third, &ctx).await;
        assert_eq!(unplanned(&now), (Some(0.0), Some(1.0)), "{}", db.label);
        assert_eq!(third.cache().loads(), 6, "{}", db.label);

        // A write to contacts alone (contact 2 deleted) moves the contacts' version (migration 0015): the held
        // contacts part is not used again.
        exec(src, "DELETE FROM contacts WHERE portal_id = 1 AND id = 2").await;
        let now = forget_me_not(&third, &ctx).await;
        assert_eq!(unplanned(&now), (Some(0.0), Some(0.0)), "{}", db.label);
        same(&[now], &[forget_me_not(&sql, &ctx).await], db.label);
    }
}

fn forgotten(a: &Answer) -> (Option<f64>, Option<f64>) {
    (
        a.tile("forgotten_deals").and_then(|t| t.value),
        a.tile("forgotten_leads").and_then(|t| t.value),
    )
}

/// R6's open cards follow deals closing and reopening: the part's version combines the activities, deals and leads
/// counters, so a write to a deal alone (through the store, as the sync writes) makes the held and the persisted
/// open cards unusable; a reopened deal's planned activity is seen at once.
#[tokio::test]
async fn r6_open_cards_follow_deals_closing_and_reopening() {
    for db in both().await {
        let src = &db.store;
        seed_portal(src).await;
        let old = msk(2026, 2, 1, 12, 0);
        // Deal 1: open since 02-01, no activity (forgotten: untouched for 42 days, 14 allowed). Deal 2: won 03-01,
        // with a call planned for 03-20 (created 02-01). Lead 1: open since 02-01, a call done 03-12 (touched 3 days
        // ago, 7 allowed). Lead 2: open since 02-01, nothing (forgotten).
        deal(
            src,
            D {
                id: 1,
                created: old,
                ..D::default()
            },
        )
        .await;
        deal(
            src,
            D {
                id: 2,
                stage: "WON",
                sem: "S",
                created: old,
                modified: Some(old),
                closedate: Some("2026-03-01"),
                ..D::default()
            },
        )
        .await;
        for id in [1, 2] {
            lead(
                src,
                L {
                    id,
                    created: old,
                    ..L::default()
                },
            )
            .await;
        }
        activity(
            src,
            A {
                id: 1,
                owner: 2,
                completed: false,
                created: old,
                deadline: Some(msk(2026, 3, 20, 12, 0)),
                ..A::default()
            },
        )
        .await;
        activity(
            src,
            A {
                id: 2,
                owner_type: 1,
                owner: 1,
                created: msk(2026, 3, 12, 12, 0),
                ..A::default()
            },
        )
        .await;
        let ctx = ctx(src, msk(2026, 3, 15, 12, 0), 24).await;
        let sql = ReportSource::new(src.store().clone(), ReportCache::off());
        let expected = forget_me_not(&sql, &ctx).await;
        assert_eq!(forgotten(&expected), (Some(1.0), Some(1.0)), "{}", db.label);

        // Inline builds: every answer of this value comes from parts at the current versions.
        let inline = fresh(src, true);
        same(&[forget_me_not(&inline, &ctx).await], &[expected], db.label);
        let cards_version = || async {
            src.report_data_version(PortalId(PORTAL), CachedTable::OpenCards)
                .await
                .unwrap()
        };
        let deadlines_version = || async {
            src.report_data_version(PortalId(PORTAL), CachedTable::OpenDeadlines)
                .await
                .unwrap()
        };
        let (cards_before, deadlines_before) = (cards_version().await, deadlines_version().await);

        // Deal 1 closes (lost), written through the store: nothing is forgotten among deals any more.
        let mut lost = src.deal(PortalId(PORTAL), 1).await.unwrap().unwrap();
        lost.stage_id = "LOSE".into();
        lost.stage_semantic_id = "F".into();
        lost.closed = true;
        lost.closedate = Some("2026-03-14".into());
        src.upsert_deals(PortalId(PORTAL), &[lost]).await.unwrap();
        assert_ne!(cards_version().await, cards_before, "{}", db.label);
        assert_eq!(deadlines_version().await, deadlines_before, "{}", db.label);
        let now = forget_me_not(&inline, &ctx).await;
        assert_eq!(forgotten(&now), (Some(0.0), Some(1.0)), "{}", db.label);
        same(&[now], &[forget_me_not(&sql, &ctx).await], db.label);
        // A new process finds the open cards persisted at the new version (the inline value rebuilt them).
        let next = fresh(src, false);
        same(
            &[forget_me_not(&next, &ctx).await],
            &[forget_me_not(&sql, &ctx).await],
            db.label,
        );
        assert_eq!(
            next.cache().loads_of(CachedTable::OpenCards),
            1,
            "{}",
            db.label
        );
        assert_eq!(
            next.cache().loads_of(CachedTable::ActivityLog),
            0,
            "{}",
            db.label
        );

        // Deal 2 reopens (in work again, untouched since 02-01): its planned call makes it cared for — open cards
        // kept from before (when deal 2 was closed and had no card there) would call it forgotten.
        let mut reopened = src.deal(PortalId(PORTAL), 2).await.unwrap().unwrap();
        reopened.stage_id = "NEW".into();
        reopened.stage_semantic_id = "P".into();
        reopened.closed = false;
        reopened.closedate = None;
        src.upsert_deals(PortalId(PORTAL), &[reopened])
            .await
            .unwrap();
        let now = forget_me_not(&inline, &ctx).await;
        assert_eq!(forgotten(&now), (Some(0.0), Some(1.0)), "{}", db.label);
        same(&[now], &[forget_me_not(&sql, &ctx).await], db.label);
    }
}

/// Deals, leads and history spread over many months, so that the segmented parts (issue #18) have many segments:
/// deals — 12 won in 2025 (one per month, created the 10th, closed the 20th), d1 open created 03-02, d2 won 03-06
/// (created 03-03), d3 lost without CLOSEDATE (created 2024-06-10), d4 created 03-04 but won 2026-07-15, d5 created
/// 2026-01-15 and won 2026-04-02; leads — l1 open created 03-02, l2 converted 2025-05-10, l3 junk 2026-03-05
/// (created 2026-01-15), l4 junk without DATE_CLOSED (created 2024-01-01).
async fn seed_months(s: &b24a_store::Store) {
    seed_portal(s).await;
    for m in 1..=12u32 {
        let closedate: &'static str = Box::leak(format!("2025-{m:02}-20").into_boxed_str());
        deal(
            s,
            D {
                id: 100 + i64::from(m),
                stage: "WON",
                sem: "S",
                cents: 1_000 * i64::from(m),
                created: msk(2025, m, 10, 10, 0),
                closedate: Some(closedate),
                ..D::default()
            },
        )
        .await;
    }
    let won = |id, created, closedate| D {
        id,
        stage: "WON",
        sem: "S",
        cents: 7_000,
        created,
        closedate: Some(closedate),
        ..D::default()
    };
    deal(
        s,
        D {
            id: 1,
            cents: 10_000,
            created: msk(2026, 3, 2, 10, 0),
            ..D::default()
        },
    )
    .await;
    deal(s, won(2, msk(2026, 3, 3, 10, 0), "2026-03-06")).await;
    deal(
        s,
        D {
            id: 3,
            stage: "LOSE",
            sem: "F",
            created: msk(2024, 6, 10, 10, 0),
            ..D::default()
        },
    )
    .await;
    deal(s, won(4, msk(2026, 3, 4, 10, 0), "2026-07-15")).await;
    deal(s, won(5, msk(2026, 1, 15, 10, 0), "2026-04-02")).await;
    hist(s, 1, 1, 1, msk(2026, 3, 2, 10, 0), 0, "NEW", "P").await;
    hist(s, 2, 2, 3, msk(2026, 3, 6, 10, 0), 0, "WON", "S").await;
    hist(s, 3, 101, 3, msk(2025, 1, 20, 10, 0), 0, "WON", "S").await;
    let l = |id, sem, created, closed| L {
        id,
        status: if sem == "S" { "CONVERTED" } else { "JUNK" },
        sem,
        created,
        closed,
        ..L::default()
    };
    lead(
        s,
        L {
            id: 1,
            created: msk(2026, 3, 2, 10, 0),
            ..L::default()
        },
    )
    .await;
    lead(
        s,
        l(
            2,
            "S",
            msk(2025, 5, 1, 10, 0),
            Some(msk(2025, 5, 10, 10, 0)),
        ),
    )
    .await;
    lead(
        s,
        l(
            3,
            "F",
            msk(2026, 1, 15, 10, 0),
            Some(msk(2026, 3, 5, 10, 0)),
        ),
    )
    .await;
    lead(s, l(4, "F", msk(2024, 1, 1, 10, 0), None)).await;
}

/// The names of the persisted deals, leads and history rows.
async fn persisted(src: &ReportSource) -> Vec<(String,)> {
    b24a_store::with_pool!(src.store().pool(), p => {
        sqlx::query_as("SELECT part FROM report_parts WHERE part LIKE 'deal%' OR part LIKE 'lead%' ORDER BY part")
            .fetch_all(p).await.unwrap()
    })
}

#[tokio::test]
async fn a_months_report_loads_only_the_segments_of_its_window() {
    for db in both().await {
        let src = &db.store;
        seed_months(src).await;
        let ctx = ctx(src, msk(2026, 3, 15, 12, 0), 24).await;
        let sql = ReportSource::new(src.store().clone(), ReportCache::off());
        let f = filter(F);
        let r1 = run_report(&sql, &ctx, ReportId::SalesDynamics, &f)
            .await
            .unwrap();
        // By hand: created 03-01..10 → d1 (100.00), d2, d4 (70.00 each) = 3 deals, 240.00; won in it: d2.
        assert_eq!(
            tile(&r1, "deal_created"),
            (Some(3.0), Some(240.0)),
            "{}",
            db.label
        );
        assert_eq!(
            tile(&r1, "deal_won"),
            (Some(1.0), Some(70.0)),
            "{}",
            db.label
        );
        let r4 = run_report(&sql, &ctx, ReportId::Marketing, &f)
            .await
            .unwrap();

        // A first process builds every part and persists it cut into segments.
        let first = fresh(src, true);
        same(
            &[run_report(&first, &ctx, ReportId::SalesDynamics, &f)
                .await
                .unwrap()],
            std::slice::from_ref(&r1),
            db.label,
        );
        // Deals: open; closed without CLOSEDATE; closed in 2025-01..12, 2026-03, 2026-04, 2026-07 → 17 segments.
        // Leads: open; closed without DATE_CLOSED; closed in 2025-05, 2026-03 → 4. History: 3 rows → 1.
        let parts = persisted(src).await;
        let count = |prefix: &str| parts.iter().filter(|(p,)| p.starts_with(prefix)).count();
        assert_eq!(count("deals/"), 17, "{}: {parts:?}", db.label);
        assert_eq!(count("leads/"), 4, "{}: {parts:?}", db.label);
        assert_eq!(count("deal_history/"), 1, "{}: {parts:?}", db.label);
        assert_eq!(
            (count("deals"), count("leads"), count("deal_history")),
            (18, 5, 2),
            "{}: one directory each",
            db.label
        );

        // A new process answers R1 for 03-01..10 from persisted segments, reading only those its window could
        // touch. Deals created 03-01..10 MSK (UTC months Feb–Mar 2026) or closed in it: the open segment (d1),
        // the one without CLOSEDATE (d3), March 2026 (d2) and July 2026 (d4, created in the range) — not the
        // twelve 2025 months nor April 2026 (d5, created in January): 4. Leads: open (l1), without DATE_CLOSED
        // (l4), March 2026 (l3) — not May 2025: 3. History of d1..d4: its one segment: 1. In all 8 of 22.
        let second = fresh(src, false);
        let cold = run_report(&second, &ctx, ReportId::SalesDynamics, &f)
            .await
            .unwrap();
        same(&[cold], std::slice::from_ref(&r1), db.label);
        assert_eq!(second.cache().segment_loads(), 8, "{}", db.label);
        assert_eq!(second.cache().loads(), 3, "{}: three directories", db.label);
        assert_eq!(
            second.cache().builds_in_flight(),
            0,
            "{}: nothing built",
            db.label
        );
        // The same answer again reads nothing more.
        run_report(&second, &ctx, ReportId::SalesDynamics, &f)
            .await
            .unwrap();
        assert_eq!(second.cache().segment_loads(), 8, "{}", db.label);

        // R4 in another new process: the same deal and lead segments (4 + 3), no history.
        let third = fresh(src, false);
        let cold = run_report(&third, &ctx, ReportId::Marketing, &f)
            .await
            .unwrap();
        same(&[cold], std::slice::from_ref(&r4), db.label);
        assert_eq!(third.cache().segment_loads(), 7, "{}", db.label);

        // A period in 2025 (May 1–31 MSK, UTC months April–May): deals closed in May 2025 (d105), the undated d3,
        // and April 2025 (d104, created 04-10: a UTC month of the range, so it could hold a deal created in it);
        // leads closed in May 2025 (l2) and the undated l4: 3 + 2; equal to SQL alone.
        let may = filter(
            r#"{"period": {"preset": "custom", "from": "2025-05-01", "to": "2025-05-31"}, "compare": "none"}"#,
        );
        let fourth = fresh(src, false);
        let cold = run_report(&fourth, &ctx, ReportId::Marketing, &may)
            .await
            .unwrap();
        same(
            &[cold],
            &[run_report(&sql, &ctx, ReportId::Marketing, &may)
                .await
                .unwrap()],
            db.label,
        );
        assert_eq!(fourth.cache().segment_loads(), 5, "{}", db.label);

        // R6 reads the open deals and open leads only: one segment each.
        let fifth = fresh(src, false);
        let cold = run_report(&fifth, &ctx, ReportId::ForgetMeNot, &f)
            .await
            .unwrap();
        same(
            &[cold],
            &[run_report(&sql, &ctx, ReportId::ForgetMeNot, &f)
                .await
                .unwrap()],
            db.label,
        );
        assert_eq!(fifth.cache().segment_loads(), 2, "{}", db.label);
    }
}

#[tokio::test]
async fn damaged_segments_are_rebuilt_never_used() {
    for db in both().await {
        let src = &db.store;
        seed_months(src).await;
        let ctx = ctx(src, msk(2026, 3, 15, 12, 0), 24).await;
        let sql = ReportSource::new(src.store().clone(), ReportCache::off());
        let expected = answers(&sql, &ctx).await;
        answers(&fresh(src, true), &ctx).await;
        let damage = [
            // Every segment's last byte cut off.
            match src.backend() {
                Backend::Sqlite => "UPDATE report_parts SET data = substr(data, 1, length(data) - 1) WHERE part LIKE '%/%'",
                Backend::Postgres => "UPDATE report_parts SET data = substring(data from 1 for length(data) - 1) WHERE part LIKE '%/%'",
            },
            // Every deals segment replaced by the leads directory: whole, decodable bytes of the wrong kind.
            "UPDATE report_parts SET data = (SELECT data FROM report_parts WHERE part = 'leads') WHERE part LIKE 'deals/%'",
            // Every history segment replaced by the first deals segment: decodable, listed rows differ.
            "UPDATE report_parts SET data = (SELECT data FROM report_parts WHERE part = 'deals/0') WHERE part LIKE 'deal!_history/%' ESCAPE '!'",
            // A segment missing.
            "DELETE FROM report_parts WHERE part = 'leads/0'",
        ];
        for sql_damage in damage {
            exec(src, sql_damage).await;
            // A server process (background builds): its first answers read the database, never the damaged
            // bytes, and it rebuilds the parts behind them.
            let next = fresh(src, false);
            same(&answers(&next, &ctx).await, &expected, db.label);
            common::settle_cache(next.cache()).await;
            // An inline process over the same (now rewritten) rows, and a later one that only loads: both equal
            // to SQL alone, and the later one loads segments again.
            same(&answers(&fresh(src, true), &ctx).await, &expected, db.label);
            let later = fresh(src, false);
            same(&answers(&later, &ctx).await, &expected, db.label);
            assert!(
                later.cache().segment_loads() > 0,
                "{}: {sql_damage}",
                db.label
            );
            assert_eq!(
                later.cache().builds_in_flight(),
                0,
                "{}: {sql_damage}",
                db.label
            );
        }
    }
}
