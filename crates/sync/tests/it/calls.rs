//! Call statistics over HTTP: the first cycle stores exactly the emulator's call records (one row per completed
//! call activity, talk seconds = end − start, every tenth incoming call missed with 0 s — the emulator's documented
//! rule, computed here from its snapshot), read in 30-day windows (counted in one batch, then packed 50 pages per request); a new call arrives with the next cycle; a
//! second cycle re-reads only the last day and duplicates nothing.

use crate::common;

use b24a_client::{Client, ClientConfig};
use b24a_emulator::{ActivityKind, CompanyConfig, NewActivity, PortalData, Size};
use b24a_store::{with_pool, Store};
use b24a_sync::{portal, PortalSync, SyncOptions};

fn expected(data: &PortalData) -> Vec<(i64, i64, i64, i64)> {
    let mut v: Vec<_> = data
        .activities
        .iter()
        .filter(|a| a.kind == ActivityKind::Call && a.completed)
        .map(|a| {
            let missed = a.direction == 1 && a.id % 10 == 0;
            let secs = if missed {
                0
            } else {
                (a.end_time - a.start_time).max(0)
            };
            (a.id, a.responsible_id, secs, a.start_time)
        })
        .collect();
    v.sort();
    v
}

async fn stored(store: &Store, pid: i64) -> Vec<(i64, i64, i64, i64)> {
    with_pool!(store.pool(), p => {
        sqlx::query_as::<_, (i64, i64, i64, i64)>(
            "SELECT id, COALESCE(user_id, 0), duration_seconds, start_time FROM calls WHERE portal_id = $1 ORDER BY id")
            .bind(pid).fetch_all(p).await.unwrap()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_statistics_are_pulled_in_windows_without_duplicates() {
    let (_emu, p) =
        common::emulator_with(&CompanyConfig::new(91, Size::Tiny), common::no_limits()).await;
    let (store, _url, _dir) = common::sqlite_store().await;
    let hook = p.create_webhook(1);
    let pid = portal::register_webhook(&store, &hook).await.unwrap();
    let client = Client::webhook(&hook, ClientConfig::default()).unwrap();
    let sync = PortalSync::new(store.clone(), client, pid, SyncOptions::default());
    let before = p.request_count();
    let n = sync.sync_calls().await.unwrap();
    let windows = p.request_count() - before;
    let exp = expected(&p.snapshot());
    assert!(exp.len() > 50, "{} calls", exp.len());
    assert_eq!(n as usize, exp.len());
    assert_eq!(stored(&store, pid).await, exp);
    // 26 windows of 30 days: one counting batch carries every window's first page, one more request the rest.
    assert!(
        (1..=2).contains(&windows),
        "{windows} requests for 760 days in 30-day windows"
    );

    // A new completed call arrives with the next cycle; nothing is duplicated.
    let deal = p.snapshot().deals.iter().find(|d| !d.closed).unwrap().id;
    let start = p.clock() - 600;
    p.add_activity(NewActivity {
        owner_type_id: 2,
        owner_id: deal,
        kind: ActivityKind::Call,
        direction: 2,
        completed: true,
        start_time: Some(start),
        end_time: Some(start + 125),
        ..NewActivity::default()
    })
    .await
    .unwrap();
    let report = sync.run_cycle().await.unwrap();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    let exp = expected(&p.snapshot());
    let got = stored(&store, pid).await;
    assert_eq!(got, exp);
    assert!(got.iter().any(|c| c.2 == 125));
    let before = p.request_count();
    sync.sync_calls().await.unwrap();
    assert_eq!(
        p.request_count() - before,
        1,
        "later passes read one window"
    );
    assert_eq!(stored(&store, pid).await, exp);
}
