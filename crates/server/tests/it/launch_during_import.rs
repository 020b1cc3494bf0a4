//! A page open during an import gets its session without waiting for the import's writes (issue #18). The import's
//! write transaction is stood in for by the same SQLite lock it takes: another connection to the database file
//! begins an IMMEDIATE transaction, writes, and keeps it open. The launch must answer with its shell and session
//! while that lock is still held (ordering, not a timing threshold: a launch that waited for the lock could only
//! answer after the COMMIT below). Its tier write happens afterwards in the background.

use std::time::Duration;

use crate::common::{self, Harness, CLIENT_ID};
use b24a_emulator::AppStatus;
use sqlx::Connection;

/// Holds SQLite's write lock on the harness's database, as an import's open write transaction does.
async fn hold_write_lock(h: &Harness) -> sqlx::SqliteConnection {
    let mut conn = sqlx::SqliteConnection::connect(h.db.url()).await.unwrap();
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut conn)
        .await
        .unwrap();
    // A write inside it, like a chunk of imported rows.
    sqlx::query("UPDATE portals SET domain = domain")
        .execute(&mut conn)
        .await
        .unwrap();
    conn
}

async fn launch_while_locked(h: &Harness) -> String {
    let l = h.portal.iframe_launch(CLIENT_ID, 1, "en");
    // The guard only keeps a broken build from hanging the suite; the store's busy timeout is 30 s.
    let resp = tokio::time::timeout(Duration::from_secs(25), h.launch(&l.query, &l.form))
        .await
        .expect("the launch waited for the import's write lock");
    assert_eq!(resp.status(), 200);
    resp.text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_open_during_an_import_does_not_wait_for_its_writes() {
    let h = common::start(false).await;
    h.portal.install_app(CLIENT_ID).await.unwrap();
    let portal = h
        .state
        .store
        .portal_by_member_id(&h.portal.member_id())
        .await
        .unwrap()
        .unwrap()
        .id;
    // A first launch with a free database: the tier is stored.
    let l = h.portal.iframe_launch(CLIENT_ID, 1, "en");
    assert_eq!(h.launch(&l.query, &l.form).await.status(), 200);
    let before = h
        .state
        .store
        .tier(portal, CLIENT_ID)
        .await
        .unwrap()
        .unwrap();

    // Unchanged tier, lock held: the page and its session come back before the lock is released.
    tokio::time::sleep(Duration::from_millis(1100)).await; // a later check time than the first launch's
    let mut lock = hold_write_lock(&h).await;
    let html = launch_while_locked(&h).await;
    let session = Harness::session_of(&html);
    assert!(!session.is_empty());

    // The tier changed in the portal (paid now), lock held: the page shows the new tier without its write.
    h.portal.set_app_status(
        CLIENT_ID,
        AppStatus {
            status: "P".into(),
            payment_expired: false,
            days: Some(30),
        },
    );
    let html = launch_while_locked(&h).await;
    assert!(!Harness::session_of(&html).is_empty());
    let during = h
        .state
        .store
        .tier(portal, CLIENT_ID)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        during.checked_at, before.checked_at,
        "nothing could be written while the import held the lock"
    );
    sqlx::query("COMMIT").execute(&mut lock).await.unwrap();
    drop(lock);

    // The launches' writes finish after the import's transaction: the paid tier is stored.
    let mut stored = None;
    for _ in 0..200 {
        let t = h
            .state
            .store
            .tier(portal, CLIENT_ID)
            .await
            .unwrap()
            .unwrap();
        if t.status == "P" {
            stored = Some(t);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let stored = stored.expect("the tier seen during the import was stored after it");
    assert_eq!(
        (stored.payment_expired, stored.days_left),
        (false, Some(30))
    );
    assert!(stored.checked_at > before.checked_at);
}
