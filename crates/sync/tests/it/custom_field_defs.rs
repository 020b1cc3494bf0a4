//! Custom-field definitions over real HTTP: a sync of a generated portal stores exactly the emulator's deal and
//! lead field definitions (labels per language, list items), hand-checked for a list field and a string field;
//! the records' list values are item ids the definitions name; a field deleted in the portal (admin API) is gone
//! from the store after the next dictionary refresh and an added one appears. Both backends.

use crate::common;

use b24a_client::{Client, ClientConfig};
use b24a_emulator::{CompanyConfig, PortalData, Size, UserFieldDef};
use b24a_store::{with_pool, CustomFieldDef, CustomFieldItem, PortalId, Store};
use b24a_sync::{portal, PortalSync, SyncOptions};
use serde_json::json;

/// The emulator's definitions as the store should hold them, computed from its model.
fn expected(data: &PortalData) -> Vec<CustomFieldDef> {
    let conv = |entity: &str, f: &UserFieldDef| CustomFieldDef {
        entity_type: entity.into(),
        field_name: f.field_name.clone(),
        field_id: Some(f.id),
        user_type: f.user_type.clone(),
        multiple: f.multiple,
        mandatory: f.mandatory,
        sort: f.sort,
        labels: f.labels.clone(),
        items: f
            .items
            .iter()
            .map(|i| CustomFieldItem {
                id: i.id.to_string(),
                value: i.value.clone(),
                sort: i.sort,
                def: i.def,
            })
            .collect(),
    };
    let mut out: Vec<CustomFieldDef> = data
        .deal_fields
        .iter()
        .map(|f| conv("DEAL", f))
        .chain(data.lead_fields.iter().map(|f| conv("LEAD", f)))
        .collect();
    out.sort_by(|a, b| {
        (&a.entity_type, a.sort, &a.field_name).cmp(&(&b.entity_type, b.sort, &b.field_name))
    });
    out
}

async fn run(store: Store, seed: u64) {
    let (_emu, p) =
        common::emulator_with(&CompanyConfig::new(seed, Size::Tiny), common::no_limits()).await;
    let hook = p.create_webhook(1);
    let pid = portal::register_webhook(&store, &hook).await.unwrap();
    let client = Client::webhook(&hook, ClientConfig::default()).unwrap();
    let sync = PortalSync::new(store.clone(), client, pid, SyncOptions::default());
    let report = sync.run_cycle().await.unwrap();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert_eq!(report.written.get("custom_fields"), Some(&3));

    let stored = store.custom_field_defs(PortalId(pid)).await.unwrap();
    assert_eq!(stored, expected(&p.snapshot()));
    // Hand-checked: the deal region list and the Russian-only delivery string.
    let find = |defs: &[CustomFieldDef], e: &str, f: &str| {
        defs.iter()
            .find(|d| d.entity_type == e && d.field_name == f)
            .cloned()
            .unwrap()
    };
    let region = find(&stored, "DEAL", "UF_CRM_REGION");
    assert_eq!(region.user_type, "enumeration");
    assert_eq!(region.labels.get("ru").map(String::as_str), Some("Регион"));
    assert_eq!(region.labels.get("en").map(String::as_str), Some("Region"));
    assert_eq!(
        region.items[..2],
        [
            CustomFieldItem {
                id: "45".into(),
                value: "Москва".into(),
                sort: 10,
                def: false
            },
            CustomFieldItem {
                id: "47".into(),
                value: "Санкт-Петербург".into(),
                sort: 20,
                def: false
            },
        ]
    );
    let delivery = find(&stored, "DEAL", "UF_CRM_DELIVERY");
    assert_eq!(delivery.user_type, "string");
    assert_eq!(delivery.labels.len(), 1);
    assert_eq!(
        delivery.labels.get("ru").map(String::as_str),
        Some("Способ доставки")
    );
    assert!(delivery.items.is_empty());
    assert_eq!(find(&stored, "LEAD", "UF_CRM_REGION").items[0].id, "61");

    // Every stored deal region value is an item the definition names.
    let values: Vec<String> = with_pool!(store.pool(), pool => {
        sqlx::query_scalar("SELECT DISTINCT value FROM custom_field_values WHERE portal_id = $1 AND entity_type = 'DEAL' \
                            AND field_name = 'UF_CRM_REGION' AND value IS NOT NULL")
            .bind(pid).fetch_all(pool).await.unwrap()
    });
    assert!(!values.is_empty());
    for v in &values {
        assert!(
            region.items.iter().any(|i| &i.id == v),
            "{v} is no item of {:?}",
            region.items
        );
    }

    let delivery_values = |store: &Store| {
        let store = store.clone();
        async move {
            store
                .custom_field_value_counts(PortalId(pid))
                .await
                .unwrap()
                .iter()
                .filter(|(e, f, _, _)| e == "DEAL" && f == "UF_CRM_DELIVERY")
                .map(|(_, _, _, n)| n)
                .sum::<i64>()
        }
    };
    assert!(
        delivery_values(&store).await > 0,
        "deals hold delivery values"
    );

    // The portal loses the delivery field and gains a lead list field; the next refresh follows.
    common::emulator_admin(
        &p,
        reqwest::Method::DELETE,
        "userfields/DEAL/UF_CRM_DELIVERY",
        json!({}),
    )
    .await;
    common::emulator_admin(
        &p,
        reqwest::Method::POST,
        "userfields/LEAD",
        json!({"field_name": "UF_CRM_SIZE", "user_type": "enumeration", "sort": 300, "choices": [],
               "labels": {"ru": "Размер компании"},
               "items": [{"id": 0, "value": "Малая", "sort": 10}, {"id": 0, "value": "Крупная", "sort": 20, "def": true}]}),
    )
    .await;
    let report = sync.run_cycle().await.unwrap();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    let after = store.custom_field_defs(PortalId(pid)).await.unwrap();
    assert_eq!(after, expected(&p.snapshot()));
    assert!(!after.iter().any(|d| d.field_name == "UF_CRM_DELIVERY"));
    assert_eq!(
        delivery_values(&store).await,
        0,
        "the deleted field's values are gone too"
    );
    let size = find(&after, "LEAD", "UF_CRM_SIZE");
    assert_eq!(
        size.labels.get("ru").map(String::as_str),
        Some("Размер компании")
    );
    assert_eq!(
        size.items
            .iter()
            .map(|i| (i.value.as_str(), i.def))
            .collect::<Vec<_>>(),
        vec![("Малая", false), ("Крупная", true)]
    );
    // Again: nothing changes, one row per field.
    sync.run_cycle().await.unwrap();
    assert_eq!(store.custom_field_defs(PortalId(pid)).await.unwrap(), after);
}

b24a_store::store_test!(
    custom_field_definitions_follow_the_portal,
    |backend: Backend| {
        let (store, _url, _db) = common::store_on(backend).await;
        run(store, common::by_backend(backend, 81, 82)).await;
    }
);
