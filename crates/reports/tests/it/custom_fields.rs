//! Custom-field filters (docs/METRICS.md, common filters) on a hand-made portal, on SQLite and PostgreSQL:
//! AND across fields, OR across values, multiple fields match by any element, a field only one entity has filters
//! only that entity (and the answer says the other one is unfiltered), a field nobody has is a 400.
use crate::common;

use b24a_reports::{run_report, ReportError, ReportId};
use common::*;

fn now() -> i64 {
    msk(2026, 3, 15, 12, 0)
}

async fn seed(s: &b24a_store::Store) {
    seed_portal(s).await;
    // Deals created 03-02..03-06, all in the period: d1 region MSK, size L; d2 SPB, L; d3 multiple [MSK, EKB], S;
    // d4 no region, size S; d5 region empty (NULL).
    for id in 1..=5 {
        deal(
            s,
            D {
                id,
                cents: id * 10_000,
                created: msk(2026, 3, id as u32 + 1, 10, 0),
                ..D::default()
            },
        )
        .await;
    }
    exec(
        s,
        "INSERT INTO custom_field_values (portal_id, entity_type, entity_id, field_name, value) VALUES \
         (1, 'DEAL', 1, 'UF_CRM_REGION', 'MSK'), (1, 'DEAL', 2, 'UF_CRM_REGION', 'SPB'), \
         (1, 'DEAL', 3, 'UF_CRM_REGION', '[\"MSK\",\"EKB\"]'), (1, 'DEAL', 5, 'UF_CRM_REGION', NULL), \
         (1, 'DEAL', 1, 'UF_CRM_SIZE', 'L'), (1, 'DEAL', 2, 'UF_CRM_SIZE', 'L'), (1, 'DEAL', 3, 'UF_CRM_SIZE', 'S'), \
         (1, 'DEAL', 4, 'UF_CRM_SIZE', 'S')",
    )
    .await;
    // Leads l1..l3 created 03-03; a lead field UF_CRM_CHANNEL: l1 A, l2 B, l3 none.
    for id in 1..=3 {
        lead(
            s,
            L {
                id,
                created: msk(2026, 3, 3, 10, 0),
                ..L::default()
            },
        )
        .await;
    }
    exec(
        s,
        "INSERT INTO custom_field_values (portal_id, entity_type, entity_id, field_name, value) VALUES \
         (1, 'LEAD', 1, 'UF_CRM_CHANNEL', 'A'), (1, 'LEAD', 2, 'UF_CRM_CHANNEL', 'B')",
    )
    .await;
}

fn f(custom: &str) -> b24a_reports::Filter {
    filter(&format!(
        r#"{{"period": {{"preset": "custom", "from": "2026-03-01", "to": "2026-03-10"}}, "compare": "none", "custom_fields": {custom}}}"#
    ))
}

fn note<'a>(a: &'a b24a_reports::Answer, key: &str) -> Option<&'a str> {
    a.meta
        .notes
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

#[tokio::test]
async fn custom_field_filters_hand_computed() {
    for db in both().await {
        let s = &db.store;
        seed(s).await;
        let ctx = ctx(s, now(), 24).await;
        let run = |custom: &'static str| {
            let ctx = ctx.clone();
            async move {
                run_report(s, &ctx, ReportId::SalesDynamics, &f(custom))
                    .await
                    .unwrap()
            }
        };
        let created = |a: &b24a_reports::Answer, m: &str| a.tile(m).unwrap().value;

        // Region MSK: d1 and d3 (its list holds MSK) -> 2 deals, 100 + 300 = 400.00. Leads have no region: all 3,
        // and the answer says so.
        let a = run(r#"[{"field": "UF_CRM_REGION", "values": ["MSK"]}]"#).await;
        assert_eq!(created(&a, "deal_created"), Some(2.0), "{}", db.label);
        assert!(approx(a.tile("deal_created").unwrap().amount, 400.0));
        assert_eq!(created(&a, "lead_created"), Some(3.0), "{}", db.label);
        assert_eq!(
            note(&a, "custom_fields_not_for_leads"),
            Some("UF_CRM_REGION")
        );
        assert_eq!(note(&a, "custom_fields_not_for_deals"), None);

        // OR across values: MSK or SPB -> d1, d2, d3.
        let a = run(r#"[{"field": "UF_CRM_REGION", "values": ["MSK", "SPB"]}]"#).await;
        assert_eq!(created(&a, "deal_created"), Some(3.0), "{}", db.label);

        // AND across fields: region MSK and size L -> d1 only.
        let a = run(r#"[{"field": "UF_CRM_REGION", "values": ["MSK"]}, {"field": "UF_CRM_SIZE", "values": ["L"]}]"#).await;
        assert_eq!(created(&a, "deal_created"), Some(1.0), "{}", db.label);

        // A deal field and a lead field: each filters its own entity. Deals: size S -> d3, d4; leads: channel A -> l1.
        let a = run(r#"[{"field": "UF_CRM_SIZE", "values": ["S"]}, {"field": "UF_CRM_CHANNEL", "values": ["A"]}]"#).await;
        assert_eq!(created(&a, "deal_created"), Some(2.0), "{}", db.label);
        assert_eq!(created(&a, "lead_created"), Some(1.0), "{}", db.label);
        assert_eq!(note(&a, "custom_fields_not_for_leads"), Some("UF_CRM_SIZE"));
        assert_eq!(
            note(&a, "custom_fields_not_for_deals"),
            Some("UF_CRM_CHANNEL")
        );

        // A value nobody has: no deal; leads untouched.
        let a = run(r#"[{"field": "UF_CRM_REGION", "values": ["NSK"]}]"#).await;
        assert_eq!(created(&a, "deal_created"), Some(0.0), "{}", db.label);
        assert_eq!(created(&a, "lead_created"), Some(3.0), "{}", db.label);

        // A field no deal or lead carries: a clear 400 naming the condition, not a silent "everything".
        let err = run_report(
            s,
            &ctx,
            ReportId::SalesDynamics,
            &f(r#"[{"field": "UF_CRM_REGION", "values": ["MSK"]}, {"field": "UF_CRM_NOPE", "values": ["x"]}]"#),
        )
        .await
        .unwrap_err();
        match err {
            ReportError::Filter(e) => {
                let text = e.to_string();
                assert!(
                    text.contains("custom_fields[1].field") && text.contains("UF_CRM_NOPE"),
                    "{text}"
                );
            }
            other => panic!("{}: expected a filter error, got {other:?}", db.label),
        }
    }
}
