//! R4 on a hand-made portal, on SQLite and PostgreSQL. Period 2026-03-01..10, monthly buckets.
use crate::common;

use b24a_reports::{drill_down, run_report, Group, ListQuery, ReportId};
use common::*;

async fn seed(s: &b24a_store::Store) {
    seed_portal(s).await;
    exec(s, "INSERT INTO companies (portal_id, id, title, industry, date_create, date_modify, synced_at) VALUES (1, 1, 'Soft', 'IT', 0, 0, 0), (1, 2, 'Plant', 'MANUFACTURING', 0, 0, 0)").await;
    let c = |d: u32| msk(2026, 3, d, 10, 0);
    deal(
        s,
        D {
            id: 1,
            source: Some("CALL"),
            manager: Some(10),
            stage: "WON",
            sem: "S",
            cents: 100_000,
            created: c(2),
            closedate: Some("2026-03-05"),
            company: Some(1),
            utm_source: Some("google"),
            ..D::default()
        },
    )
    .await;
    deal(
        s,
        D {
            id: 2,
            source: Some("CALL"),
            manager: Some(11),
            stage: "LOSE",
            sem: "F",
            cents: 50_000,
            created: c(3),
            closedate: Some("2026-03-04"),
            ..D::default()
        },
    )
    .await;
    deal(
        s,
        D {
            id: 3,
            source: Some("WEB"),
            manager: Some(10),
            stage: "WON",
            sem: "S",
            cents: 300_000,
            created: c(4),
            closedate: Some("2026-03-08"),
            company: Some(2),
            returning: true,
            utm_source: Some("google"),
            ..D::default()
        },
    )
    .await;
    deal(
        s,
        D {
            id: 4,
            source: Some("WEB"),
            manager: Some(10),
            cents: 50_000,
            created: c(5),
            ..D::default()
        },
    )
    .await;
    deal(
        s,
        D {
            id: 5,
            manager: Some(12),
            stage: "WON",
            sem: "S",
            cents: 100_000,
            created: c(6),
            closedate: Some("2026-03-06"),
            ..D::default()
        },
    )
    .await;
    deal(
        s,
        D {
            id: 6,
            source: Some("WEB"),
            stage: "WON",
            sem: "S",
            cents: 700_000,
            created: msk(2026, 2, 20, 10, 0),
            closedate: Some("2026-03-03"),
            ..D::default()
        },
    )
    .await;
    exec(
        s,
        "UPDATE deals SET utm_medium = 'cpc', utm_campaign = 'spring' WHERE utm_source = 'google'",
    )
    .await;
    lead(
        s,
        L {
            id: 1,
            source: Some("CALL"),
            status: "CONVERTED",
            sem: "S",
            created: c(2),
            closed: Some(c(3)),
            ..L::default()
        },
    )
    .await;
    lead(
        s,
        L {
            id: 2,
            source: Some("CALL"),
            status: "JUNK",
            sem: "F",
            created: c(2),
            closed: Some(c(3)),
            ..L::default()
        },
    )
    .await;
    lead(
        s,
        L {
            id: 3,
            source: Some("WEB"),
            created: c(3),
            ..L::default()
        },
    )
    .await;
    lead(
        s,
        L {
            id: 4,
            status: "CONVERTED",
            sem: "S",
            created: c(4),
            closed: Some(c(5)),
            ..L::default()
        },
    )
    .await;
    // A lead from a client the portal already had (IS_RETURN_CUSTOMER), in work.
    lead(
        s,
        L {
            id: 5,
            source: Some("WEB"),
            created: c(6),
            returning: true,
            ..L::default()
        },
    )
    .await;
}

#[tokio::test]
async fn r4_sources_utm_matrix_industry() {
    for db in both().await {
        let s = &db.store;
        seed(s).await;
        let ctx = ctx(s, msk(2026, 3, 15, 12, 0), 24).await;
        let f = filter(
            r#"{"period": {"preset": "custom", "from": "2026-03-01", "to": "2026-03-10"}, "bucket": "month"}"#,
        );
        let a = run_report(s, &ctx, ReportId::Marketing, &f).await.unwrap();
        let src = a.table("by_source").unwrap();
        let v = |t: &b24a_reports::Table, g: Group, m: &str| {
            t.cell(&g, m).unwrap_or_else(|| panic!("{g:?} {m}")).value
        };
        let call = Group::Source("CALL".into());
        let web = Group::Source("WEB".into());
        // Won in the period = closed in it: d1 1000 (CALL), d3 3000 (WEB), d5 1000 (none), d6 7000 (WEB, created in
        // February, won 03-03) = 12000.00.
        // CALL: leads 2 (1 converted) = 50 %; deals created 2; won d1, lost d2 -> win conversion 50 %, cycle 3, share
        // 1000 / 12000.
        assert_eq!(
            v(src, call.clone(), "lead_created"),
            Some(2.0),
            "{}",
            db.label
        );
        assert!(approx(v(src, call.clone(), "lead_conversion"), 50.0));
        assert_eq!(v(src, call.clone(), "deal_created"), Some(2.0));
        assert!(approx(v(src, call.clone(), "win_conversion"), 50.0));
        assert!(approx(v(src, call.clone(), "avg_check"), 1000.0));
        assert!(approx(v(src, call.clone(), "deal_cycle"), 3.0));
        assert!(approx(v(src, call, "revenue_share"), 100.0 / 12.0));
        // WEB: created d3 and d4 (in work); won d3 3000 and d6 7000 (created in February, closed in the period).
        // Share 10000 / 12000. Leads l3 and l5, none converted -> 0 %.
        assert_eq!(v(src, web.clone(), "deal_created"), Some(2.0));
        assert_eq!(v(src, web.clone(), "deal_won"), Some(2.0));
        assert!(approx(v(src, web.clone(), "revenue_share"), 1000.0 / 12.0));
        assert!(approx(v(src, web.clone(), "lead_conversion"), 0.0));
        // No source: d5 and l4.
        assert_eq!(v(src, Group::Source("".into()), "deal_won"), Some(1.0));
        // UTM google / cpc / spring: d1 + d3, both won, 4000.00.
        let utm = a.table("by_utm").unwrap();
        let g = Group::Utm("google".into(), "cpc".into(), "spring".into());
        assert_eq!(v(utm, g.clone(), "deal_won"), Some(2.0));
        assert!(approx(
            utm.rows.iter().find(|r| r.group == g).unwrap().cells[5].value,
            4000.0
        ));
        // Returning: deal d3 and lead l5; new: deals d1, d2, d4, d5 and leads l1..l4 (l1, l4 converted).
        let ret = a.table("returning").unwrap();
        assert_eq!(v(ret, Group::Returning(true), "deal_created"), Some(1.0));
        assert_eq!(v(ret, Group::Returning(false), "deal_created"), Some(4.0));
        assert_eq!(v(ret, Group::Returning(true), "lead_created"), Some(1.0));
        assert_eq!(v(ret, Group::Returning(true), "lead_converted"), Some(0.0));
        assert_eq!(v(ret, Group::Returning(false), "lead_created"), Some(4.0));
        assert_eq!(v(ret, Group::Returning(false), "lead_converted"), Some(2.0));
        assert!(approx(
            v(ret, Group::Returning(false), "lead_conversion"),
            50.0
        ));
        // Source x manager: WEB x 10 won d3 and d6, lost none -> 100 %.
        let mx = a.table("source_manager").unwrap();
        assert!(approx(
            v(mx, Group::SourceUser("WEB".into(), 10), "win_conversion"),
            100.0
        ));
        assert_eq!(
            v(mx, Group::SourceUser("CALL".into(), 11), "deal_won"),
            Some(0.0)
        );
        // Trend: WEB, month of March: 2 deals created.
        let tr = a.table("source_trend").unwrap();
        assert_eq!(
            v(
                tr,
                Group::SourceBucket("WEB".into(), day("2026-03-01")),
                "deal_created"
            ),
            Some(2.0)
        );
        // Industry: IT 1000 (d1), MANUFACTURING 3000 (d3), none 1000 (d5).
        let ind = a.table("by_industry").unwrap();
        assert_eq!(
            v(ind, Group::Industry("IT".into()), "industry_won"),
            Some(1.0)
        );
        assert!(approx(
            ind.rows
                .iter()
                .find(|r| r.group == Group::Industry("MANUFACTURING".into()))
                .unwrap()
                .cells[1]
                .value,
            3000.0
        ));
        // Drill from WEB's win conversion lists its won deals: d3, d6.
        let dr = src
            .cell(&web, "win_conversion")
            .unwrap()
            .drill
            .clone()
            .unwrap();
        let l = drill_down(s, &ctx, ReportId::Marketing, &f, &dr, &ListQuery::default())
            .await
            .unwrap();
        let mut ids: Vec<i64> = l.rows.iter().map(|r| r.id).collect();
        ids.sort();
        assert_eq!(ids, vec![3, 6]);
        // Source filter: WEB only -> 2 deals created.
        let f = filter(
            r#"{"period": {"preset": "custom", "from": "2026-03-01", "to": "2026-03-10"}, "sources": ["WEB"]}"#,
        );
        let a = run_report(s, &ctx, ReportId::Marketing, &f).await.unwrap();
        assert_eq!(a.tile("deal_created").unwrap().value, Some(2.0));
    }
}
