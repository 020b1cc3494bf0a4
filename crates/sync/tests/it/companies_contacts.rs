//! Companies and contacts over HTTP: a first import stores exactly the emulator's companies and contacts (counts and
//! a checksum over every field the reports use, computed from the emulator's snapshot independently of the sync),
//! an incremental pass catches created and edited ones, deletions are found by reconciliation and by the
//! ONCRMCOMPANY*/ONCRMCONTACT* events, and the industry of a deal's company is answerable from the store.

use crate::common;

use b24a_client::{Client, ClientConfig};
use b24a_emulator::{CompanyConfig, CompanyPatch, ContactPatch, NewCompany, NewContact, Size};
use b24a_store::{with_pool, Store};
use b24a_sync::{events, portal, PortalSync, SyncOptions};

/// An order-independent checksum of lines (sum of FNV-1a hashes), so both sides are hashed the same way.
fn checksum(lines: &[String]) -> u64 {
    lines.iter().fold(0u64, |acc, l| {
        let h = l.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
        });
        acc.wrapping_add(h)
    })
}

fn part<'a>(v: &'a [(&'static str, Vec<String>)], name: &str) -> &'a [String] {
    &v.iter().find(|(n, _)| *n == name).unwrap().1
}

async fn imported(
    seed: u64,
    store: Store,
) -> (
    b24a_emulator::Emulator,
    b24a_emulator::PortalHandle,
    PortalSync,
) {
    let (emu, p) =
        common::emulator_with(&CompanyConfig::new(seed, Size::Tiny), common::no_limits()).await;
    let hook = p.create_webhook(1);
    let portal_id = portal::register_webhook(&store, &hook).await.unwrap();
    let client = Client::webhook(&hook, ClientConfig::default()).unwrap();
    let sync = PortalSync::new(store.clone(), client, portal_id, SyncOptions::default());
    let report = sync.run_cycle().await.unwrap();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    (emu, p, sync)
}

async fn assert_parties_equal(store: &Store, portal_id: i64, p: &b24a_emulator::PortalHandle) {
    let exp = common::expected(&p.snapshot());
    let got = common::stored(store, portal_id).await;
    for name in ["companies", "contacts"] {
        let (e, g) = (part(&exp, name), part(&got, name));
        assert_eq!(e.len(), g.len(), "{name}: count");
        assert_eq!(checksum(e), checksum(g), "{name}: checksum");
        assert_eq!(e, g, "{name}: lines");
    }
}

async fn scalar(store: &Store, sql: &str, portal_id: i64) -> i64 {
    with_pool!(store.pool(), p => {
        sqlx::query_scalar::<_, i64>(sql).bind(portal_id).fetch_one(p).await.unwrap()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_import_stores_exactly_the_emulators_companies_and_contacts() {
    let (store, _url, _dir) = common::sqlite_store().await;
    let (_emu, p, sync) = imported(61, store.clone()).await;
    let data = p.snapshot();
    assert!(data.companies.len() >= 5 && data.contacts.len() > data.companies.len());
    assert_parties_equal(&store, sync.portal_id, &p).await;
    common::assert_same(&store, sync.portal_id, &data).await;

    // Won sum by the client company's industry, by hand from the snapshot and by SQL over the store.
    let mut by_hand: std::collections::BTreeMap<String, i64> = Default::default();
    for d in data
        .deals
        .iter()
        .filter(|d| d.semantic == b24a_emulator::Semantic::Success)
    {
        if let Some(c) = d
            .company_id
            .and_then(|c| data.companies.iter().find(|x| x.id == c))
        {
            *by_hand.entry(c.industry.clone()).or_default() +=
                (d.opportunity * 100.0).round() as i64;
        }
    }
    let by_sql: Vec<(String, i64)> = with_pool!(store.pool(), pool => {
        sqlx::query_as::<_, (String, i64)>(
            "SELECT c.industry, CAST(SUM(d.opportunity_cents) AS BIGINT) FROM deals d JOIN companies c \
             ON c.portal_id = d.portal_id AND c.id = d.company_id WHERE d.portal_id = $1 AND d.stage_semantic_id = 'S' \
             GROUP BY c.industry ORDER BY c.industry")
            .bind(sync.portal_id).fetch_all(pool).await.unwrap()
    });
    assert_eq!(by_sql, by_hand.into_iter().collect::<Vec<_>>());
    // Every industry code names a row of the portal's INDUSTRY dictionary.
    let unknown = scalar(
        &store,
        "SELECT COUNT(*) FROM companies c WHERE c.portal_id = $1 AND NOT EXISTS (SELECT 1 FROM crm_statuses s \
         WHERE s.portal_id = c.portal_id AND s.entity_id = 'INDUSTRY' AND s.status_id = c.industry)",
        sync.portal_id,
    )
    .await;
    assert_eq!(unknown, 0);
    // Deals point at stored contacts.
    let dangling = scalar(
        &store,
        "SELECT COUNT(*) FROM deals d WHERE d.portal_id = $1 AND d.contact_id IS NOT NULL AND NOT EXISTS \
         (SELECT 1 FROM contacts c WHERE c.portal_id = d.portal_id AND c.id = d.contact_id)",
        sync.portal_id,
    )
    .await;
    assert_eq!(dangling, 0);
    // A second cycle changes nothing.
    sync.run_cycle().await.unwrap();
    assert_parties_equal(&store, sync.portal_id, &p).await;
}

/// Creates, edits and deletes companies and contacts; returns the events an online handler would have received.
async fn mutate(p: &b24a_emulator::PortalHandle) -> Vec<(String, i64)> {
    let data = p.snapshot();
    let mut ev = Vec::new();
    let industry = data
        .dictionary("INDUSTRY")
        .last()
        .unwrap()
        .status_id
        .clone();
    let c = p
        .create_company(NewCompany {
            title: "ООО «Новая»".into(),
            industry: Some(industry.clone()),
            assigned_by_id: Some(2),
        })
        .await
        .unwrap();
    ev.push(("ONCRMCOMPANYADD".into(), c));
    let edited = data.companies[0].id;
    p.update_company(
        edited,
        CompanyPatch {
            industry: Some(industry),
            title: Some("Переименована".into()),
            ..CompanyPatch::default()
        },
    )
    .await
    .unwrap();
    ev.push(("ONCRMCOMPANYUPDATE".into(), edited));
    let gone = data.companies[1].id;
    p.delete_company(gone).await.unwrap();
    ev.push(("ONCRMCOMPANYDELETE".into(), gone));
    let k = p
        .create_contact(NewContact {
            name: "Олег".into(),
            last_name: "Новиков".into(),
            company_id: Some(c),
            ..NewContact::default()
        })
        .await
        .unwrap();
    ev.push(("ONCRMCONTACTADD".into(), k));
    let moved = data.contacts[0].id;
    p.update_contact(
        moved,
        ContactPatch {
            company_id: Some(c),
            last_name: Some("Другая".into()),
            ..ContactPatch::default()
        },
    )
    .await
    .unwrap();
    ev.push(("ONCRMCONTACTUPDATE".into(), moved));
    // A planned to-do on the new company and a call with a contact (owners 4 and 3).
    for (owner_type_id, owner_id, kind) in [
        (4u8, c, b24a_emulator::ActivityKind::Todo),
        (3u8, k, b24a_emulator::ActivityKind::Call),
    ] {
        let a = p
            .add_activity(b24a_emulator::NewActivity {
                owner_type_id,
                owner_id,
                kind,
                completed: kind == b24a_emulator::ActivityKind::Call,
                start_time: Some(p.clock() + 86_400),
                end_time: Some(p.clock() + 90_000),
                ..b24a_emulator::NewActivity::default()
            })
            .await
            .unwrap();
        ev.push(("ONCRMACTIVITYADD".into(), a));
    }
    let dropped = data.contacts[2].id;
    p.delete_contact(dropped).await.unwrap();
    ev.push(("ONCRMCONTACTDELETE".into(), dropped));
    ev
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incremental_pass_and_reconciliation_follow_company_and_contact_changes() {
    let (store, _url, _dir) = common::sqlite_store().await;
    let (_emu, p, sync) = imported(62, store.clone()).await;
    mutate(&p).await;
    // Without reconciliation: creates and edits arrive, deletions are still stored.
    let report = sync.run_cycle().await.unwrap();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert!(
        report.written.get("companies").is_some_and(|n| *n >= 2),
        "{report:?}"
    );
    let stored = scalar(
        &store,
        "SELECT COUNT(*) FROM companies WHERE portal_id = $1",
        sync.portal_id,
    )
    .await;
    assert_eq!(
        stored as usize,
        p.snapshot().companies.len() + 1,
        "deleted company not yet noticed"
    );
    // With reconciliation due: the deletions are found and the store equals the portal.
    let sync = PortalSync {
        opts: SyncOptions {
            reconcile_every_secs: 0,
            ..SyncOptions::default()
        },
        ..sync
    };
    let report = sync.run_cycle().await.unwrap();
    assert_eq!(report.deleted.get("companies"), Some(&1), "{report:?}");
    assert_eq!(report.deleted.get("contacts"), Some(&1), "{report:?}");
    assert_parties_equal(&store, sync.portal_id, &p).await;
    common::assert_same(&store, sync.portal_id, &p.snapshot()).await;
    let planned_on_companies = scalar(
        &store,
        "SELECT COUNT(*) FROM activities WHERE portal_id = $1 AND owner_type_id = 4 AND completed = FALSE",
        sync.portal_id,
    )
    .await;
    assert_eq!(planned_on_companies, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn company_and_contact_events_bring_the_store_to_the_emulator_state_on_postgres() {
    let (store, _url, _db) = common::postgres_store("parties").await;
    let (_emu, p, sync) = imported(63, store.clone()).await;
    let ev = mutate(&p).await;
    for (name, id) in &ev {
        assert!(
            events::enqueue(&store, sync.portal_id, name, *id)
                .await
                .unwrap(),
            "{name}"
        );
    }
    assert_eq!(sync.apply_events().await.unwrap(), ev.len());
    assert_parties_equal(&store, sync.portal_id, &p).await;
}
