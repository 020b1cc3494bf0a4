//! R1 on a hand-made portal, on SQLite and PostgreSQL. Every expected number is worked out in the comments.
use crate::common;

use b24a_reports::{deal_list, drill_down, run_report, Drill, Group, ListQuery, ReportId, Side};
use common::*;

/// Period 2026-03-01..10 (Moscow), comparison 2026-02-19..28, now 2026-03-15 12:00 MSK.
async fn seed(store: &b24a_store::Store) {
    seed_portal(store).await;
    // 1: created 03-02 10:00, won, 1000.00 RUB, closed 03-05 -> cycle 3 days.
    deal(
        store,
        D {
            id: 1,
            stage: "WON",
            sem: "S",
            cents: 100_000,
            created: msk(2026, 3, 2, 10, 0),
            closedate: Some("2026-03-05"),
            manager: Some(10),
            ..D::default()
        },
    )
    .await;
    hist(store, 101, 1, 1, msk(2026, 3, 2, 10, 0), 0, "NEW", "P").await;
    hist(store, 102, 1, 2, msk(2026, 3, 3, 10, 0), 0, "WORK", "P").await;
    hist(store, 103, 1, 3, msk(2026, 3, 5, 10, 0), 0, "WON", "S").await;
    // 2: created 03-03, lost at LOSE, 500.00, closed 03-04.
    deal(
        store,
        D {
            id: 2,
            stage: "LOSE",
            sem: "F",
            cents: 50_000,
            created: msk(2026, 3, 3, 10, 0),
            closedate: Some("2026-03-04"),
            manager: Some(10),
            ..D::default()
        },
    )
    .await;
    // 3: created 03-04 10:00, in work at WORK, 200.00, no history, never moved.
    deal(
        store,
        D {
            id: 3,
            stage: "WORK",
            cents: 20_000,
            created: msk(2026, 3, 4, 10, 0),
            manager: Some(11),
            ..D::default()
        },
    )
    .await;
    // 4: created 02-25 (comparison period), won 03-06, 100.00 USD = 9000.00 RUB; cycle 9 days.
    deal(
        store,
        D {
            id: 4,
            stage: "WON",
            sem: "S",
            cents: 10_000,
            currency: "USD",
            created: msk(2026, 2, 25, 10, 0),
            closedate: Some("2026-03-06"),
            manager: Some(11),
            ..D::default()
        },
    )
    .await;
    // 5: created 03-01 00:30 MSK (= 02-28 21:30 UTC: in the period only in portal time), no amount, at NEW.
    deal(
        store,
        D {
            id: 5,
            cents: 0,
            created: msk(2026, 3, 1, 0, 30),
            manager: Some(10),
            ..D::default()
        },
    )
    .await;
    // 6: created 02-28 23:30 MSK: comparison period, 300.00, in work.
    deal(
        store,
        D {
            id: 6,
            cents: 30_000,
            created: msk(2026, 2, 28, 23, 30),
            manager: Some(10),
            ..D::default()
        },
    )
    .await;
    // 7: pipeline 1, created 03-05, won 03-09 (cycle 4); 50.00 USD but OPPORTUNITY_ACCOUNT 4600.00 RUB wins.
    deal(
        store,
        D {
            id: 7,
            pipeline: 1,
            stage: "C1:WON",
            sem: "S",
            cents: 5_000,
            currency: "USD",
            account_cents: Some(460_000),
            created: msk(2026, 3, 5, 10, 0),
            closedate: Some("2026-03-09"),
            manager: Some(12),
            ..D::default()
        },
    )
    .await;
    hist(store, 701, 7, 1, msk(2026, 3, 5, 10, 0), 1, "C1:NEW", "P").await;
    hist(store, 702, 7, 3, msk(2026, 3, 9, 10, 0), 1, "C1:WON", "S").await;
    // 8: reopened: created 03-06, won 03-07, back to WORK 03-08; in work now; 100.00.
    deal(
        store,
        D {
            id: 8,
            stage: "WORK",
            cents: 10_000,
            created: msk(2026, 3, 6, 10, 0),
            moved: Some(msk(2026, 3, 8, 10, 0)),
            manager: Some(12),
            ..D::default()
        },
    )
    .await;
    hist(store, 801, 8, 1, msk(2026, 3, 6, 10, 0), 0, "NEW", "P").await;
    hist(store, 802, 8, 3, msk(2026, 3, 7, 10, 0), 0, "WON", "S").await;
    hist(store, 803, 8, 2, msk(2026, 3, 8, 10, 0), 0, "WORK", "P").await;
    // 9: moved between pipelines: created 03-02 in pipeline 0, moved to pipeline 1 (TYPE_ID 5) 03-04 10:00; 70.00.
    deal(
        store,
        D {
            id: 9,
            pipeline: 1,
            stage: "C1:NEW",
            cents: 7_000,
            created: msk(2026, 3, 2, 10, 0),
            moved: Some(msk(2026, 3, 4, 10, 0)),
            manager: Some(10),
            ..D::default()
        },
    )
    .await;
    hist(store, 901, 9, 1, msk(2026, 3, 2, 10, 0), 0, "NEW", "P").await;
    hist(store, 902, 9, 2, msk(2026, 3, 3, 10, 0), 0, "WORK", "P").await;
    hist(store, 903, 9, 5, msk(2026, 3, 4, 10, 0), 1, "C1:NEW", "P").await;
    // A deal of another portal, created in the period: must never be counted.
    deal(
        store,
        D {
            id: 99,
            portal: 2,
            cents: 999_999,
            created: msk(2026, 3, 2, 10, 0),
            manager: None,
            ..D::default()
        },
    )
    .await;
    // Leads: L1 converted 03-02 -> 03-05 (3 days), L2 junk, L3 in work, L4 converted in the comparison period.
    lead(
        store,
        L {
            id: 1,
            status: "CONVERTED",
            sem: "S",
            created: msk(2026, 3, 2, 10, 0),
            closed: Some(msk(2026, 3, 5, 9, 0)),
            ..L::default()
        },
    )
    .await;
    lead(
        store,
        L {
            id: 2,
            status: "JUNK",
            sem: "F",
            created: msk(2026, 3, 3, 10, 0),
            closed: Some(msk(2026, 3, 3, 12, 0)),
            ..L::default()
        },
    )
    .await;
    lead(
        store,
        L {
            id: 3,
            created: msk(2026, 3, 4, 10, 0),
            ..L::default()
        },
    )
    .await;
    lead(
        store,
        L {
            id: 4,
            status: "CONVERTED",
            sem: "S",
            created: msk(2026, 2, 20, 10, 0),
            closed: Some(msk(2026, 2, 21, 10, 0)),
            ..L::default()
        },
    )
    .await;
}

const PERIOD: &str = r#""period": {"preset": "custom", "from": "2026-03-01", "to": "2026-03-10"}"#;

fn now() -> i64 {
    msk(2026, 3, 15, 12, 0)
}

#[tokio::test]
async fn r1_created_cohort_hand_computed() {
    for db in both().await {
        let s = &db.store;
        seed(s).await;
        let ctx = ctx(s, now(), 24).await;
        let f = filter(&format!("{{{PERIOD}}}"));
        let a = run_report(s, &ctx, ReportId::SalesDynamics, &f)
            .await
            .unwrap();
        let t = |m: &str| a.tile(m).unwrap_or_else(|| panic!("tile {m}"));
        // Created 03-01..10: deals 1,2,3,5,7,8,9 = 7; sum 1000+500+200+0+4600+100+70 = 6470.00.
        assert_eq!(t("deal_created").value, Some(7.0), "{}", db.label);
        assert!(approx(t("deal_created").amount, 6470.0));
        // Comparison 02-19..28: deals 4 and 6 -> delta +5.
        assert_eq!(t("deal_created").previous, Some(2.0));
        assert_eq!(t("deal_created").delta, Some(5.0));
        // Won in the period = closed in it, whatever the cohort: 1 (03-05), 4 (created in February, won 03-06) and 7
        // (03-09) -> 3, 1000 + 9000 + 4600 = 14600.00 (reopened 8 is in work). Lost: 2 (03-04) -> 500.00.
        // In work (created in the period): 3,5,8,9 -> 370.00.
        assert_eq!(t("deal_won").value, Some(3.0));
        assert!(approx(t("deal_won").amount, 14600.0));
        assert_eq!(t("deal_lost").value, Some(1.0));
        assert_eq!(t("deal_in_work").value, Some(4.0));
        assert!(approx(t("deal_in_work").amount, 370.0));
        // Win conversion 3 / (3 + 1); nothing closed in the comparison period -> no comparison value.
        assert!(approx(t("conversion").value, 75.0));
        assert_eq!(t("conversion").previous, None);
        // The created cohort under its own name: of the 7 created, 1 and 7 won by now -> 2, 5600.00, 2/7; comparison:
        // of deals 4 and 6, 4 is won -> 50 %.
        assert_eq!(t("cohort_won").value, Some(2.0));
        assert!(approx(t("cohort_won").amount, 5600.0));
        assert!(approx(t("cohort_conversion").value, 200.0 / 7.0));
        assert!(approx(t("cohort_conversion").previous, 50.0));
        // Cycle (3 + 9 + 4) / 3 (deal 4: 02-25 -> 03-06); average check 14600 / 3.
        assert!(approx(t("deal_cycle").value, 16.0 / 3.0));
        assert!(approx(t("avg_check").value, 14600.0 / 3.0));
        // Leads: created 3 (L1..L3), converted 1, junk 1, in work 1, 33.3 %, 3 days to conversion; comparison 1 lead.
        assert_eq!(t("lead_created").value, Some(3.0));
        assert_eq!(t("lead_created").previous, Some(1.0));
        assert_eq!(t("lead_converted").value, Some(1.0));
        assert_eq!(t("lead_junk").value, Some(1.0));
        assert_eq!(t("lead_in_work").value, Some(1.0));
        assert!(approx(t("lead_conversion").value, 100.0 / 3.0));
        assert!(approx(t("lead_conv_days").value, 3.0));

        // Stage table, pipeline 0: deals 1,2,3,5,8 (deal 9 now belongs to pipeline 1 only).
        let st = a.table("stages_0").unwrap();
        let v = |stage: &str, m: &str| st.cell(&Group::Stage(stage.into()), m).unwrap().value;
        assert_eq!(st.total.as_ref().unwrap().cells[0].value, Some(5.0));
        assert_eq!(v("WORK", "stage_now"), Some(2.0)); // 3 and 8
                                                       // Reached NEW: 1, 8 (history), 5 (current) = 3 of 5 = 60 % — not deal 9's old pipeline row.
        assert_eq!(v("NEW", "stage_reached"), Some(3.0));
        assert!(approx(v("NEW", "stage_reached_share"), 60.0));
        // WON reached by 1 and 8 (reopened) = 40 %.
        assert!(approx(v("WON", "stage_reached_share"), 40.0));
        // Days at NEW: deal 1: 1, deal 8: 1, deal 5 (no history, open): 03-01 00:30 -> 03-15 12:00 = 14.479167.
        assert!(approx(
            v("NEW", "stage_time"),
            (1.0 + 1.0 + 14.0 + 11.5 / 24.0) / 3.0
        ));
        // Days at WORK: deal 1: 2; deal 8: 03-08 10:00 -> now = 7.083333; deal 3: 03-04 10:00 -> now = 11.083333.
        assert!(approx(
            v("WORK", "stage_time"),
            (2.0 + 7.0 + 2.0 / 24.0 + 11.0 + 2.0 / 24.0) / 3.0
        ));
        // Days at WON: only deal 8's stint (1 day); deal 1's final stage is no stint.
        assert!(approx(v("WON", "stage_time"), 1.0));
        // Pipeline 1: deals 7 and 9; C1:NEW reached by both; days: 7 -> 4, 9 -> from its TYPE 5 row 03-04 10:00: 11.083333.
        let p1 = a.table("stages_1").unwrap();
        let v1 = |stage: &str, m: &str| p1.cell(&Group::Stage(stage.into()), m).unwrap().value;
        assert!(approx(v1("C1:NEW", "stage_reached_share"), 100.0));
        assert!(approx(
            v1("C1:NEW", "stage_time"),
            (4.0 + 11.0 + 2.0 / 24.0) / 2.0
        ));
        // Semantics table.
        let bs = a.table("by_status").unwrap();
        assert_eq!(
            bs.cell(&Group::Status("in_work".into()), "status_deals")
                .unwrap()
                .value,
            Some(4.0)
        );
        assert_eq!(
            bs.cell(&Group::Status("won".into()), "status_deals")
                .unwrap()
                .value,
            Some(2.0)
        );
        // Lost by failure stage.
        let lost = a.table("lost_by_stage").unwrap();
        assert_eq!(
            lost.cell(&Group::Stage("LOSE".into()), "lost_by_stage")
                .unwrap()
                .value,
            Some(1.0)
        );
        // Dynamics: day buckets 03-01..03-10; created 03-02: deals 1 and 9; won 03-05: deal 1 (1000.00), 03-09: deal 7.
        let dy = a.table("dynamics").unwrap();
        assert_eq!(dy.rows.len(), 10);
        assert_eq!(
            dy.cell(&Group::Bucket(day("2026-03-02")), "series_created")
                .unwrap()
                .value,
            Some(2.0)
        );
        assert_eq!(dy.rows[4].cells[1].value, Some(1.0));
        assert!(approx(dy.rows[4].cells[2].value, 1000.0));

        // Drill-downs list exactly the counted deals.
        let q = ListQuery::default();
        let won = drill_down(
            s,
            &ctx,
            ReportId::SalesDynamics,
            &f,
            t("deal_won").drill.as_ref().unwrap(),
            &q,
        )
        .await
        .unwrap();
        let mut ids: Vec<i64> = won.rows.iter().map(|r| r.id).collect();
        ids.sort();
        assert_eq!(ids, vec![1, 4, 7]);
        let reached = Drill {
            metric: "stage_reached".into(),
            group: Group::Stage("NEW".into()),
            side: Side::Current,
        };
        let l = drill_down(s, &ctx, ReportId::SalesDynamics, &f, &reached, &q)
            .await
            .unwrap();
        let mut ids: Vec<i64> = l.rows.iter().map(|r| r.id).collect();
        ids.sort();
        assert_eq!(ids, vec![1, 5, 8]);
        let prev = Drill {
            metric: "deal_created".into(),
            group: Group::Total,
            side: Side::Comparison,
        };
        let l = drill_down(s, &ctx, ReportId::SalesDynamics, &f, &prev, &q)
            .await
            .unwrap();
        assert_eq!(l.counted, 2);
        // Deal list: sorted by duration descending, the oldest open card first (deal 5: 03-01 -> 03-15 = 14 days).
        let q = ListQuery {
            sort: Some("duration_days".into()),
            desc: true,
            ..ListQuery::default()
        };
        let dl = deal_list(s, &ctx, ReportId::SalesDynamics, &f, &q)
            .await
            .unwrap();
        assert_eq!(dl.counted, 7);
        assert_eq!(dl.rows[0].id, 5);
        assert_eq!(dl.rows[0].columns["duration_days"], 14);
        assert_eq!(dl.rows[0].path, "/crm/deal/details/5/");
        let won_only = ListQuery {
            status: Some(b24a_reports::metrics::Status::Won),
            ..ListQuery::default()
        };
        let dl = deal_list(s, &ctx, ReportId::SalesDynamics, &f, &won_only)
            .await
            .unwrap();
        assert_eq!((dl.counted, dl.total), (7, 2));
        assert_eq!(dl.rows[1].columns["amount"], 4600.0);
        // Filter choices: what the 7 cohort deals have, with counts by hand (won 1, 7; lost 2; the rest in work;
        // pipeline 1 holds 7 and 9; manager 10 has 1, 2, 5, 9, manager 11 has 3, manager 12 has 7 and 8).
        let f7 = &dl.facets;
        let pairs = |c: &[b24a_reports::Choice]| {
            c.iter()
                .map(|c| (c.id.to_string(), c.count))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            pairs(&f7.status),
            [
                ("\"in_work\"".into(), 4),
                ("\"won\"".into(), 2),
                ("\"lost\"".into(), 1)
            ]
        );
        let mut pipelines = pairs(&f7.pipeline);
        pipelines.sort();
        assert_eq!(pipelines, [("0".into(), 5), ("1".into(), 2)]);
        let mut managers = pairs(&f7.manager);
        managers.sort();
        assert_eq!(
            managers,
            [("10".into(), 4), ("11".into(), 1), ("12".into(), 2)]
        );
        let ids = |l: &b24a_reports::RecordList| l.rows.iter().map(|r| r.id).collect::<Vec<_>>();
        let by_manager = ListQuery {
            manager: Some(12),
            ..ListQuery::default()
        };
        let dl = deal_list(s, &ctx, ReportId::SalesDynamics, &f, &by_manager)
            .await
            .unwrap();
        assert_eq!((ids(&dl), dl.counted), (vec![7, 8], 7));
        let open_in_1 = ListQuery {
            pipeline: Some(1),
            status: Some(b24a_reports::metrics::Status::InWork),
            ..ListQuery::default()
        };
        let dl = deal_list(s, &ctx, ReportId::SalesDynamics, &f, &open_in_1)
            .await
            .unwrap();
        assert_eq!(ids(&dl), vec![9]);
        // The last page of 3 rows a page: the 7th deal alone, the total still 7.
        let last_page = ListQuery {
            offset: 6,
            limit: 3,
            ..ListQuery::default()
        };
        let dl = deal_list(s, &ctx, ReportId::SalesDynamics, &f, &last_page)
            .await
            .unwrap();
        assert_eq!((ids(&dl), dl.total, dl.offset), (vec![9], 7, 6));
        // The whole list for an export: every row past any page size, with the filters and the sort.
        let won_by_amount = ListQuery {
            status: Some(b24a_reports::metrics::Status::Won),
            sort: Some("amount".into()),
            desc: true,
            limit: 1,
            ..ListQuery::default()
        };
        let all = b24a_reports::deal_list_all(s, &ctx, ReportId::SalesDynamics, &f, &won_by_amount)
            .await
            .unwrap();
        assert_eq!(ids(&all), vec![7, 1], "4600.00 before 1000.00");
        // A sort by a column the list does not have is refused by name.
        let bad = ListQuery {
            sort: Some("nope".into()),
            ..ListQuery::default()
        };
        let err = deal_list(s, &ctx, ReportId::SalesDynamics, &f, &bad)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("nope"), "{err}");
    }
}

#[tokio::test]
async fn r1_closed_cohort_and_filters() {
    for db in both().await {
        let s = &db.store;
        seed(s).await;
        let ctx = ctx(s, now(), 24).await;
        // Closed in 03-01..10: 1 (03-05), 2 (03-04), 4 (03-06), 7 (03-09); won 1,4,7 -> 3 of 4 = 75 %.
        let f = filter(&format!("{{{PERIOD}, \"cohort\": \"closed\"}}"));
        let a = run_report(s, &ctx, ReportId::SalesDynamics, &f)
            .await
            .unwrap();
        assert_eq!(a.tile("deal_won").unwrap().value, Some(3.0), "{}", db.label);
        assert!(approx(
            a.tile("deal_won").unwrap().amount,
            1000.0 + 9000.0 + 4600.0
        ));
        assert!(approx(a.tile("conversion").unwrap().value, 75.0));
        // Cycles 3, 9 (02-25 -> 03-06), 4.
        assert!(approx(a.tile("deal_cycle").unwrap().value, 16.0 / 3.0));
        // Pipeline filter: only pipeline 1 -> created 7 and 9.
        let f = filter(&format!("{{{PERIOD}, \"pipelines\": [1]}}"));
        let a = run_report(s, &ctx, ReportId::SalesDynamics, &f)
            .await
            .unwrap();
        assert_eq!(a.tile("deal_created").unwrap().value, Some(2.0));
        // Department 1 includes its sub-department 2: managers 10, 11 (and inactive 13) -> deals 1,2,3,5,9.
        let f = filter(&format!("{{{PERIOD}, \"departments\": [1]}}"));
        let a = run_report(s, &ctx, ReportId::SalesDynamics, &f)
            .await
            .unwrap();
        assert_eq!(a.tile("deal_created").unwrap().value, Some(5.0));
        // Department 1 ∩ employee 11 -> deal 3.
        let f = filter(&format!(
            "{{{PERIOD}, \"departments\": [1], \"employees\": [11]}}"
        ));
        let a = run_report(s, &ctx, ReportId::SalesDynamics, &f)
            .await
            .unwrap();
        assert_eq!(a.tile("deal_created").unwrap().value, Some(1.0));
    }
}

#[tokio::test]
async fn r1_bad_filters_name_the_field_and_tier_clamps() {
    let db = sqlite().await;
    let s = &db.store;
    seed(s).await;
    let ctx3 = ctx(s, now(), 3).await;
    let cases = [
        (
            r#"{"period": {"preset": "custom", "from": "2026-03-10", "to": "2026-03-01"}}"#,
            "period.to",
        ),
        (
            r#"{"period": {"preset": "custom", "from": "2026-13-01", "to": "2026-03-01"}}"#,
            "period.from",
        ),
        (
            r#"{"period": {"preset": "custom", "from": "2020-01-01", "to": "2026-03-01"}}"#,
            "period",
        ),
        (
            r#"{"period": {"preset": "last_days", "days": 0}}"#,
            "period.days",
        ),
        (r#"{"pipelines": [99]}"#, "pipelines[0]"),
        (r#"{"employees": [10, 777]}"#, "employees[1]"),
        (r#"{"departments": [-1]}"#, "departments[0]"),
        (
            r#"{"custom_fields": [{"field": "DROP TABLE", "values": ["x"]}]}"#,
            "custom_fields[0].field",
        ),
    ];
    for (json, field) in cases {
        let f = b24a_reports::Filter::from_json(json).unwrap();
        match run_report(s, &ctx3, ReportId::SalesDynamics, &f).await {
            Err(b24a_reports::ReportError::Filter(e)) => assert_eq!(e.field(), field, "{json}"),
            other => panic!("{json}: expected a filter error, got {other:?}"),
        }
    }
    assert_eq!(
        b24a_reports::Filter::from_json(r#"{"perod": {}}"#)
            .unwrap_err()
            .field(),
        "filter"
    );
    // Free tier (3 months back from 2026-03-15 = 2025-12-15): a period from 2025-11-01 is cut and says so.
    let f = filter(r#"{"period": {"preset": "custom", "from": "2025-11-01", "to": "2026-03-10"}}"#);
    let a = run_report(s, &ctx3, ReportId::SalesDynamics, &f)
        .await
        .unwrap();
    let c = a.meta.clamp.as_ref().unwrap();
    assert_eq!(
        (c.requested_from, c.applied_from, c.reason, c.locked),
        (day("2025-11-01"), day("2025-12-15"), "free_tier", false)
    );
    assert_eq!(a.meta.period.from, day("2025-12-15"));
    // Deals 1..9 were all created after 2025-12-15 (the other portal's deal 99 never counts).
    assert_eq!(a.tile("deal_created").unwrap().value, Some(9.0));
    // A period wholly before the horizon is locked and empty, never silently wrong.
    let f = filter(r#"{"period": {"preset": "custom", "from": "2025-01-01", "to": "2025-02-01"}}"#);
    let a = run_report(s, &ctx3, ReportId::SalesDynamics, &f)
        .await
        .unwrap();
    assert!(a.meta.clamp.as_ref().unwrap().locked && a.meta.empty);
    assert_eq!(a.meta.empty_reason, Some("period_beyond_tier"));
    assert_eq!(a.tile("deal_created").unwrap().value, Some(0.0));
    // An unknown drill metric is a filter error too.
    let bad = Drill {
        metric: "nope".into(),
        group: Group::Total,
        side: Side::Current,
    };
    let e = drill_down(
        s,
        &ctx3,
        ReportId::SalesDynamics,
        &filter("{}"),
        &bad,
        &ListQuery::default(),
    )
    .await
    .unwrap_err();
    assert!(matches!(e, b24a_reports::ReportError::Filter(ref f) if f.field() == "drill.metric"));
}
