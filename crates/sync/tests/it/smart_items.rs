//! R7's links over HTTP, on both backends: a first import stores the emulator's smart processes and their items
//! exactly (every field, computed from the snapshot independently of the sync), and the child deals' `crm` user field
//! values exactly; an incremental pass catches an item moved to another stage, a new item and a deleted one.

use crate::common;

use b24a_client::{Client, ClientConfig};
use b24a_emulator::{CompanyConfig, PortalData, Semantic, Size};
use b24a_store::{Backend, CrmItem, PortalId, Store};
use b24a_sync::{portal, PortalSync, SyncOptions};

/// The items as the store should hold them, from the emulator's snapshot.
fn expected(data: &PortalData) -> Vec<CrmItem> {
    data.crm_items
        .iter()
        .map(|i| CrmItem {
            entity_type_id: i.entity_type_id,
            id: i.id,
            title: i.title.clone(),
            category_id: Some(i.category_id),
            stage_id: i.stage_id.clone(),
            stage_semantic_id: match i.semantic {
                Semantic::Process => "P",
                Semantic::Success => "S",
                Semantic::Failure => "F",
            }
            .into(),
            opportunity_cents: (i.opportunity * 100.0).round() as i64,
            currency_id: Some(i.currency_id.clone()),
            assigned_by_id: Some(i.assigned_by_id),
            created_time: i.created_time,
            updated_time: i.updated_time,
            moved_time: Some(i.moved_time),
            parent_deal_id: i.parent_deal_id,
        })
        .collect()
}

pub(crate) async fn assert_same(store: &Store, portal_id: i64, data: &PortalData) {
    let got = store.crm_items(PortalId(portal_id)).await.unwrap();
    let want = expected(data);
    assert_eq!(got.len(), want.len(), "item count");
    assert_eq!(got, want);
    let types: Vec<(i64, String)> = store
        .crm_types(PortalId(portal_id))
        .await
        .unwrap()
        .into_iter()
        .map(|t| (t.entity_type_id, t.title))
        .collect();
    let want: Vec<(i64, String)> = data
        .crm_types
        .iter()
        .map(|t| (t.entity_type_id, t.title.clone()))
        .collect();
    assert_eq!(types, want);
}

async fn smart_items_stored_and_kept_current(backend: Backend) {
    let (store, _url, _db) = common::store_on(backend).await;
    let cfg = CompanyConfig::new(7, Size::Tiny).with_linked_deals();
    let (_emu, p) = common::emulator_with(&cfg, common::no_limits()).await;
    let hook = p.create_webhook(1);
    let portal_id = portal::register_webhook(&store, &hook).await.unwrap();
    let client = Client::webhook(&hook, ClientConfig::default()).unwrap();
    let sync = PortalSync::new(store.clone(), client, portal_id, SyncOptions::default());
    let report = sync.run_cycle().await.unwrap();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    let data = p.snapshot();
    assert!(
        data.crm_items.len() >= 5,
        "the generator binds items to sales: {} items of {} types",
        data.crm_items.len(),
        data.crm_types.len()
    );
    assert_same(&store, portal_id, &data).await;

    // The child deals' link field, value for value.
    let pos = data
        .deal_fields
        .iter()
        .position(|f| f.field_name == "UF_CRM_PARENT_DEAL")
        .unwrap();
    let mut want: Vec<(i64, String)> = data
        .deals
        .iter()
        .filter_map(|d| d.uf.get(pos).cloned().flatten().map(|v| (d.id, v)))
        .collect();
    assert!(want.len() > 5, "child deals exist");
    let mut got: Vec<(i64, String)> = store
        .report_field_values(PortalId(portal_id), "DEAL", "UF_CRM_PARENT_DEAL")
        .await
        .unwrap()
        .into_iter()
        .filter_map(|r| r.value.map(|v| (r.entity_id, v)))
        .collect();
    want.sort();
    got.sort();
    assert_eq!(got, want);
    let defs = store.custom_field_defs(PortalId(portal_id)).await.unwrap();
    assert!(defs
        .iter()
        .any(|d| d.field_name == "UF_CRM_PARENT_DEAL" && d.user_type == "crm"));

    // Changes: an open item is done, one item is deleted, a new one is bound to a sale.
    let open = data
        .crm_items
        .iter()
        .find(|i| i.semantic == Semantic::Process)
        .unwrap()
        .clone();
    let gone = data
        .crm_items
        .iter()
        .find(|i| i.id != open.id || i.entity_type_id != open.entity_type_id)
        .unwrap()
        .clone();
    // Let the portal clock pass the stored watermark so the changes are strictly newer.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    p.move_item_stage(
        open.entity_type_id,
        open.id,
        &format!("DT{}_1:SUCCESS", open.entity_type_id),
    )
    .unwrap();
    p.delete_item(gone.entity_type_id, gone.id).unwrap();
    let parent = data.deals.iter().find(|d| d.category_id == 0).unwrap().id;
    let new_id = p.create_item(1032, Some(parent), 1234.5).unwrap();
    let report = sync.run_cycle().await.unwrap();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    let data = p.snapshot();
    assert_same(&store, portal_id, &data).await;
    let stored = store.crm_items(PortalId(portal_id)).await.unwrap();
    assert!(stored
        .iter()
        .any(|i| i.entity_type_id == 1032 && i.id == new_id && i.parent_deal_id == Some(parent)));
    assert!(!stored
        .iter()
        .any(|i| i.entity_type_id == gone.entity_type_id && i.id == gone.id));
    assert!(stored
        .iter()
        .any(|i| i.entity_type_id == open.entity_type_id
            && i.id == open.id
            && i.stage_semantic_id == "S"));
}

b24a_store::store_test!(
    smart_items_stored_exactly_and_kept_current,
    |backend: Backend| {
        smart_items_stored_and_kept_current(backend).await;
    }
);
