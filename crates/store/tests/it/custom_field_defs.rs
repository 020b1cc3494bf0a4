//! Custom-field definitions on both backends: a replace is an idempotent upsert of one entity's set that removes
//! the fields no longer in it, leaves the other entity and other portals alone, keeps labels and items as given,
//! and refuses an invalid set without writing any of it.

use crate::common;

use std::collections::BTreeMap;

use b24a_store::{store_test, CustomFieldDef, CustomFieldItem, DefsOutcome};

fn def(entity: &str, name: &str, sort: i64, items: &[(&str, &str)]) -> CustomFieldDef {
    CustomFieldDef {
        entity_type: entity.into(),
        field_name: name.into(),
        field_id: Some(sort + 1),
        user_type: if items.is_empty() {
            "string"
        } else {
            "enumeration"
        }
        .into(),
        multiple: false,
        mandatory: true,
        sort,
        labels: BTreeMap::from([
            ("ru".to_string(), format!("Поле {name}")),
            ("en".to_string(), name.to_string()),
        ]),
        items: items
            .iter()
            .enumerate()
            .map(|(i, (id, v))| CustomFieldItem {
                id: id.to_string(),
                value: v.to_string(),
                sort: i as i64,
                def: i == 0,
            })
            .collect(),
    }
}

store_test!(replace_is_idempotent_and_removes_what_is_gone, |store| {
    let a = common::portal(&store, "cf-a").await;
    let b = common::portal(&store, "cf-b").await;
    let deals = vec![
        def(
            "DEAL",
            "UF_CRM_A",
            10,
            &[("45", "Москва"), ("47", "Казань")],
        ),
        def("DEAL", "UF_CRM_B", 20, &[]),
    ];
    let leads = vec![def("LEAD", "UF_CRM_A", 10, &[("61", "Москва")])];
    store
        .replace_custom_field_defs(a, "DEAL", &deals)
        .await
        .unwrap();
    store
        .replace_custom_field_defs(a, "LEAD", &leads)
        .await
        .unwrap();
    store
        .replace_custom_field_defs(b, "DEAL", &deals[..1])
        .await
        .unwrap();
    let again = store
        .replace_custom_field_defs(a, "DEAL", &deals)
        .await
        .unwrap();
    assert_eq!(
        again,
        DefsOutcome {
            written: 2,
            removed: 0
        }
    );
    let all: Vec<CustomFieldDef> = deals.iter().chain(leads.iter()).cloned().collect();
    assert_eq!(store.custom_field_defs(a).await.unwrap(), all);

    // B is gone from the portal, A changed its label: one row each, B removed, leads and portal b untouched.
    let mut changed = deals[0].clone();
    changed.labels.insert("ru".into(), "Регион".into());
    let out = store
        .replace_custom_field_defs(a, "DEAL", std::slice::from_ref(&changed))
        .await
        .unwrap();
    assert_eq!(
        out,
        DefsOutcome {
            written: 1,
            removed: 1
        }
    );
    assert_eq!(
        store.custom_field_defs(a).await.unwrap(),
        vec![changed.clone(), leads[0].clone()]
    );
    assert_eq!(
        store.custom_field_defs(b).await.unwrap(),
        deals[..1].to_vec()
    );

    // An invalid definition refuses the whole set; an empty set means no fields.
    let bad = vec![def("DEAL", "UF_CRM_C", 5, &[]), def("DEAL", " ", 6, &[])];
    let err = store
        .replace_custom_field_defs(a, "DEAL", &bad)
        .await
        .unwrap_err();
    assert_eq!(err.invalid_field(), Some("field_name"));
    assert!(store
        .replace_custom_field_defs(a, "TASK", &[])
        .await
        .is_err());
    assert_eq!(store.custom_field_defs(a).await.unwrap().len(), 2);
    store
        .replace_custom_field_defs(a, "DEAL", &[])
        .await
        .unwrap();
    assert_eq!(store.custom_field_defs(a).await.unwrap(), leads);
});
