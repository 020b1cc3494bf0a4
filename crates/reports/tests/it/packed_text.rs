//! Free text holding the packing separators (U+001E, U+001F) never drops or splits a record.
use crate::common;

use b24a_reports::{run_report, ReportId};
use common::*;

#[tokio::test]
async fn separators_inside_text_do_not_lose_records() {
    for db in both().await {
        let s = &db.store;
        seed_portal(s).await;
        let at = msk(2026, 3, 2, 10, 0);
        deal(
            s,
            D {
                id: 1,
                cents: 100,
                created: at,
                utm_source: Some("x"),
                ..D::default()
            },
        )
        .await;
        deal(
            s,
            D {
                id: 2,
                cents: 200,
                created: at,
                ..D::default()
            },
        )
        .await;
        let weird = format!("a{}b{}c", '\u{1f}', '\u{1e}');
        exec(
            s,
            &format!("UPDATE deals SET utm_source = '{weird}', source_id = '{weird}' WHERE id = 1"),
        )
        .await;
        let c = ctx(s, msk(2026, 3, 15, 12, 0), 24).await;
        let f =
            filter(r#"{"period": {"preset": "custom", "from": "2026-03-01", "to": "2026-03-10"}}"#);
        let a = run_report(s, &c, ReportId::SalesDynamics, &f)
            .await
            .unwrap();
        // Both deals count: 2 deals, 1.00 + 2.00.
        assert_eq!(
            a.tile("deal_created").unwrap().value,
            Some(2.0),
            "{}",
            db.label
        );
        assert!(approx(a.tile("deal_created").unwrap().amount, 3.0));
    }
}
