//! After mutations in the emulator (create, update, stage move, delete, new activity, completed activity, closed
//! task, new lead, lead status move) the store reaches exactly the emulator's state: through an incremental pass
//! (watermarks + stage history by ID + ID reconciliation for the delete), through online events fed to the queue,
//! and through the offline event queue.

use crate::common;

use std::collections::HashMap;
use std::sync::Arc;

use b24a_client::{Client, ClientConfig, OAuthApp};
use b24a_emulator::{
    ActivityKind, AppRegistration, CompanyConfig, DealPatch, NewActivity, NewDeal, NewLead,
    PortalHandle, Size,
};
use b24a_store::Store;
use b24a_sync::portal::{self, AppInstall};
use b24a_sync::tokens::DbTokenStore;
use b24a_sync::{events, PortalSync, SyncOptions};

/// Applies one of each mutation; returns the (event, id) pairs an online handler would have received.
async fn mutate(p: &PortalHandle) -> Vec<(String, i64)> {
    let data = p.snapshot();
    let mut ev = Vec::new();
    let mut uf = HashMap::new();
    if let Some(f) = data.deal_fields.first() {
        uf.insert(
            f.field_name.clone(),
            f.choices
                .first()
                .cloned()
                .unwrap_or_else(|| "new value".into()),
        );
    }
    let new_id = p
        .create_deal(NewDeal {
            title: "Brand new deal".into(),
            category_id: 0,
            opportunity: 1234.5,
            uf,
            ..NewDeal::default()
        })
        .await
        .unwrap();
    ev.push(("ONCRMDEALADD".into(), new_id));
    let open: Vec<_> = data.deals.iter().filter(|d| !d.closed).collect();
    let upd = open[0].id;
    p.update_deal(
        upd,
        DealPatch {
            title: Some("Renamed".into()),
            opportunity: Some(99.99),
            ..DealPatch::default()
        },
    )
    .await
    .unwrap();
    ev.push(("ONCRMDEALUPDATE".into(), upd));
    let mv = open[1];
    let won = data
        .dictionary(&b24a_emulator::PortalData::stage_entity(mv.category_id))
        .into_iter()
        .find(|s| s.semantics == Some(b24a_emulator::Semantic::Success))
        .unwrap()
        .status_id
        .clone();
    p.move_deal_stage(mv.id, &won).await.unwrap();
    ev.push(("ONCRMDEALUPDATE".into(), mv.id));
    // Delete a deal that has activities and stage history.
    let del = data
        .deals
        .iter()
        .find(|d| {
            d.id != upd
                && d.id != mv.id
                && data
                    .activities
                    .iter()
                    .any(|a| a.owner_type_id == 2 && a.owner_id == d.id)
        })
        .unwrap()
        .id;
    p.delete_deal(del).await.unwrap();
    ev.push(("ONCRMDEALDELETE".into(), del));
    let act = p
        .add_activity(NewActivity {
            owner_type_id: 2,
            owner_id: upd,
            kind: ActivityKind::Call,
            direction: 2,
            completed: true,
            ..NewActivity::default()
        })
        .await
        .unwrap();
    ev.push(("ONCRMACTIVITYADD".into(), act));
    let pending = data
        .activities
        .iter()
        .find(|a| !a.completed && (a.owner_type_id != 2 || a.owner_id != del))
        .unwrap()
        .id;
    p.complete_activity(pending).await.unwrap();
    ev.push(("ONCRMACTIVITYUPDATE".into(), pending));
    let task = data.tasks.iter().find(|t| t.status != 5).unwrap().id;
    p.close_task(task).await.unwrap();
    ev.push(("ONTASKUPDATE".into(), task));
    let lead = p
        .create_lead(NewLead {
            title: "New lead".into(),
            name: "Ivan".into(),
            opportunity: 10.0,
            ..NewLead::default()
        })
        .await
        .unwrap();
    ev.push(("ONCRMLEADADD".into(), lead));
    let lmv = data
        .leads
        .iter()
        .find(|l| l.status_id == "NEW" || l.status_id == "IN_PROCESS")
        .unwrap()
        .id;
    p.move_lead_status(lmv, "PROCESSED").await.unwrap();
    ev.push(("ONCRMLEADUPDATE".into(), lmv));
    ev
}

type Imported = (
    b24a_emulator::Emulator,
    PortalHandle,
    Store,
    common::DbGuard,
    PortalSync,
);

async fn imported(seed: u64) -> Imported {
    let (store, _url, dir) = common::sqlite_store().await;
    let (emu, p, store, sync) = imported_into(seed, store).await;
    (emu, p, store, dir, sync)
}

async fn imported_into(
    seed: u64,
    store: Store,
) -> (b24a_emulator::Emulator, PortalHandle, Store, PortalSync) {
    let (emu, p) =
        common::emulator_with(&CompanyConfig::new(seed, Size::Tiny), common::no_limits()).await;
    let hook = p.create_webhook(1);
    let portal_id = portal::register_webhook(&store, &hook).await.unwrap();
    let client = Client::webhook(&hook, ClientConfig::default()).unwrap();
    let sync = PortalSync::new(store.clone(), client, portal_id, SyncOptions::default());
    assert!(sync.run_cycle().await.unwrap().failed.is_empty());
    common::assert_same(&store, portal_id, &p.snapshot()).await;
    (emu, p, store, sync)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incremental_pass_reaches_the_emulator_state() {
    let (_emu, p, store, _dir, sync) = imported(31).await;
    mutate(&p).await;
    // Ordinary cycle with a reconciliation due (the delete is only visible that way without events).
    let sync = PortalSync {
        opts: SyncOptions {
            reconcile_every_secs: 0,
            ..SyncOptions::default()
        },
        ..sync
    };
    let report = sync.run_cycle().await.unwrap();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert_eq!(report.deleted.get("deals"), Some(&1), "{report:?}");
    common::assert_same(&store, sync.portal_id, &p.snapshot()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incremental_pass_without_reconciliation_catches_creates_updates_and_moves() {
    let (_emu, p, store, _dir, sync) = imported(32).await;
    let before = p.request_count();
    let ev = mutate(&p).await;
    let report = sync.run_cycle().await.unwrap();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    // Everything but the deleted deal (and what went with it) matches.
    let deleted = ev.iter().find(|(e, _)| e == "ONCRMDEALDELETE").unwrap().1;
    let mut expected = p.snapshot();
    let stored_deals =
        b24a_sync::write::stored_ids(&store, b24a_sync::Entity::Deals, sync.portal_id)
            .await
            .unwrap();
    assert!(
        stored_deals.contains(&deleted),
        "no reconciliation ran, the deleted deal is still stored"
    );
    // Remove the deleted deal from the store view by applying its event, then everything is equal.
    events::enqueue(&store, sync.portal_id, "ONCRMDEALDELETE", deleted)
        .await
        .unwrap();
    sync.apply_events().await.unwrap();
    expected.deals.sort_by_key(|d| d.id);
    common::assert_same(&store, sync.portal_id, &expected).await;
    // An incremental cycle is cheap: a handful of requests, not a re-export.
    assert!(
        p.request_count() - before < 20,
        "{} requests",
        p.request_count() - before
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn online_events_bring_the_store_to_the_emulator_state() {
    let (_emu, p, store, _dir, sync) = imported(33).await;
    let ev = mutate(&p).await;
    for (name, id) in &ev {
        assert!(events::enqueue(&store, sync.portal_id, name, *id)
            .await
            .unwrap());
    }
    let applied = sync.apply_events().await.unwrap();
    assert_eq!(applied, ev.len());
    common::assert_same(&store, sync.portal_id, &p.snapshot()).await;
    assert!(events::open_events(&store, sync.portal_id, 10)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_queue_brings_the_store_to_the_emulator_state() {
    let (emu, p) =
        common::emulator_with(&CompanyConfig::new(34, Size::Tiny), common::no_limits()).await;
    emu.register_app(AppRegistration::new(
        "local.app.q",
        "secret",
        "http://127.0.0.1:9/app",
    ));
    let g = p.install_app("local.app.q").await.unwrap();
    let (store, _url, _dir) = common::sqlite_store().await;
    let portal_id = portal::register_install(
        &store,
        &AppInstall {
            member_id: g.member_id.clone(),
            domain: g.domain.clone(),
            client_endpoint: g.client_endpoint.clone(),
            server_endpoint: g.server_endpoint.clone(),
            client_id: "local.app.q".into(),
            access_token: g.access_token.clone(),
            refresh_token: g.refresh_token.clone(),
            expires_at: g.expires,
            application_token: Some(g.application_token.clone()),
        },
    )
    .await
    .unwrap();
    let tokens = DbTokenStore {
        store: store.clone(),
        portal_id,
        client_id: "local.app.q".into(),
        holder: "t".into(),
    };
    let app = OAuthApp {
        client_id: "local.app.q".into(),
        client_secret: "secret".into(),
    };
    let client = Client::oauth(
        &g.client_endpoint,
        &g.server_endpoint,
        app,
        Arc::new(tokens),
        ClientConfig::default(),
    )
    .unwrap();
    let sync = PortalSync::new(store.clone(), client, portal_id, SyncOptions::default());
    let first = sync.ensure_bindings(None).await.unwrap();
    assert_eq!(first.bound.len(), b24a_sync::SYNC_EVENTS.len());
    let again = sync.ensure_bindings(None).await.unwrap(); // idempotent: nothing missing
    assert!(again.bound.is_empty() && again.failed.is_empty());
    assert!(sync.run_cycle().await.unwrap().failed.is_empty());
    mutate(&p).await;
    assert!(p.offline_queue_len() > 0);
    let queued = sync.pull_offline_events().await.unwrap();
    assert!(queued >= 8, "{queued}");
    assert_eq!(
        p.offline_queue_len(),
        0,
        "confirmed events are cleared from the portal's queue"
    );
    sync.apply_events().await.unwrap();
    common::assert_same(&store, portal_id, &p.snapshot()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_and_incremental_on_postgres() {
    let (store, _url, _db) = common::postgres_store("incr").await;
    let (_emu, p, store, sync) = imported_into(35, store).await;
    let ev = mutate(&p).await;
    // Half through events (twice each: duplicates collapse), the rest by the incremental cycle.
    for (name, id) in ev.iter().step_by(2) {
        events::enqueue(&store, sync.portal_id, name, *id)
            .await
            .unwrap();
        events::enqueue(&store, sync.portal_id, name, *id)
            .await
            .unwrap();
    }
    let applied = sync.apply_events().await.unwrap();
    assert_eq!(applied, ev.iter().step_by(2).count());
    let sync = PortalSync {
        opts: SyncOptions {
            reconcile_every_secs: 0,
            ..SyncOptions::default()
        },
        ..sync
    };
    let report = sync.run_cycle().await.unwrap();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    common::assert_same(&store, sync.portal_id, &p.snapshot()).await;
}
