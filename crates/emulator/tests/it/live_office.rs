//! The "live office" (a portal that keeps working after install): a few ticks change the amounts of open sales
//! that have child work, move and close children and make new sales, the portal's events are queued for the app,
//! and the same seed does the same things. Also the generator's linked work: both ways of linking are on offer
//! (smart-process relations alone, or with child deals in a `crm` user field), and children are slow, stuck and
//! reopened as well as done. Revisions stay within 60–160 % of a sale's amount however long the office runs.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use crate::common;

use b24a_emulator::{CompanyConfig, Limits, LiveOffice, PortalData, Semantic, Size};
use common::*;
use serde_json::json;

fn linked() -> CompanyConfig {
    CompanyConfig::new(11, Size::Tiny)
        .with_now(NOW)
        .with_linked_deals()
}

/// The children of each sale by the parent field (`D_<id>`) and by items' `parentId2`.
fn children_of(data: &PortalData) -> BTreeMap<i64, usize> {
    let pos = data
        .deal_fields
        .iter()
        .position(|f| f.field_name == "UF_CRM_PARENT_DEAL");
    let mut out = BTreeMap::new();
    for d in &data.deals {
        if let Some(Some(v)) = pos.and_then(|p| d.uf.get(p)) {
            let parent: i64 = v.trim_start_matches("D_").parse().unwrap();
            *out.entry(parent).or_default() += 1;
        }
    }
    for i in &data.crm_items {
        if let Some(p) = i.parent_deal_id {
            *out.entry(p).or_default() += 1;
        }
    }
    out
}

#[tokio::test]
async fn ticks_change_sales_and_children_with_events() {
    let e = env_of(
        &linked(),
        Limits::unlimited(),
        Duration::from_secs(3600),
        None,
    )
    .await;
    for ev in ["ONCRMDEALUPDATE", "ONCRMDEALADD"] {
        let b = e
            .call("event.bind", json!({"event": ev, "event_type": "offline"}))
            .await;
        assert_eq!(b.body["result"], json!(true));
    }
    let before = e.portal.snapshot();
    let kids = children_of(&before);
    let office = e
        .portal
        .start_live_office(LiveOffice::new(Duration::from_millis(20), 5));
    let started = std::time::Instant::now();
    while office.ticks() < 4 {
        assert!(started.elapsed() < Duration::from_secs(20), "ticks run");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    office.stop();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let reports: Vec<_> = office
        .reports()
        .into_iter()
        .map(|r| r.expect("a tick"))
        .collect();
    assert!(reports.len() >= 4);
    let after = e.portal.snapshot();
    let amount = |d: &PortalData, id: i64| d.deals.iter().find(|x| x.id == id).unwrap().opportunity;
    // Every revised sale was an open sale with children; its first "before" is the generated amount and its last
    // "after" the amount the portal holds now, and it changed by 5 % or more.
    let mut first_before: BTreeMap<i64, f64> = BTreeMap::new();
    let mut last_after: BTreeMap<i64, f64> = BTreeMap::new();
    for r in &reports {
        assert_eq!(r.revised.len(), 2, "two revisions a tick");
        for (id, b, a) in &r.revised {
            first_before.entry(*id).or_insert(*b);
            last_after.insert(*id, *a);
            assert!((a - b).abs() >= b.max(1000.0) * 0.045, "{id}: {b} → {a}");
        }
    }
    for (id, b) in &first_before {
        let d = before.deals.iter().find(|x| x.id == *id).unwrap();
        assert_eq!((d.category_id, d.semantic), (0, Semantic::Process));
        assert!(
            kids.get(id).copied().unwrap_or(0) > 0,
            "sale {id} has children"
        );
        assert_eq!(*b, d.opportunity);
        assert_eq!(amount(&after, *id), last_after[id]);
        assert_ne!(amount(&after, *id), d.opportunity);
    }
    // Children moved and closed.
    let moved: Vec<i64> = reports.iter().flat_map(|r| r.moved.clone()).collect();
    let closed: Vec<i64> = reports
        .iter()
        .flat_map(|r| r.closed_deals.clone())
        .collect();
    let moved_items = reports.iter().flat_map(|r| r.moved_items.clone()).count();
    let closed_items: Vec<(i64, i64)> = reports
        .iter()
        .flat_map(|r| r.closed_items.clone())
        .collect();
    assert!(moved.len() + moved_items > 0 && !closed.is_empty() && !closed_items.is_empty());
    for (ety, id) in &closed_items {
        let i = after
            .crm_items
            .iter()
            .find(|i| i.entity_type_id == *ety && i.id == *id)
            .unwrap();
        assert_eq!(i.semantic, Semantic::Success);
    }
    for id in &closed {
        let d = after.deals.iter().find(|x| x.id == *id).unwrap();
        assert!(d.stage_id.ends_with(":WON") && d.closed, "{id} closed");
    }
    // New sales come with a child deal naming them.
    for (sale, child) in reports.iter().filter_map(|r| r.created) {
        assert_eq!(children_of(&after).get(&sale), Some(&1));
        assert!(after
            .deals
            .iter()
            .any(|d| d.id == child && d.category_id >= 10));
    }
    // The portal queued one update record per changed deal for the app.
    let list = e.call("event.offline.list", json!({})).await;
    let queued: BTreeSet<(String, i64)> = list.body["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["EVENT_NAME"].as_str().unwrap().to_string(),
                r["EVENT_DATA"]["FIELDS"]["ID"]
                    .as_str()
                    .unwrap()
                    .parse::<i64>()
                    .unwrap(),
            )
        })
        .collect();
    for id in first_before.keys().chain(moved.iter()).chain(closed.iter()) {
        assert!(
            queued.contains(&("ONCRMDEALUPDATE".to_string(), *id)),
            "update of {id} queued: {queued:?}"
        );
    }
}

#[tokio::test]
async fn the_same_seed_does_the_same_things() {
    let mut runs = Vec::new();
    for _ in 0..2 {
        let e = env_of(
            &linked(),
            Limits::unlimited(),
            Duration::from_secs(3600),
            None,
        )
        .await;
        let mut team = b24a_emulator::live::Team::new(9);
        let mut reports = Vec::new();
        for _ in 0..3 {
            reports.push(
                b24a_emulator::live::tick(&e.portal, &mut team, 2)
                    .await
                    .unwrap(),
            );
        }
        runs.push(reports);
    }
    assert_eq!(runs[0], runs[1]);
    assert!(runs[0].iter().all(|r| !r.revised.is_empty()));
}

#[tokio::test]
async fn revisions_stay_believable_for_hours() {
    let e = env_of(
        &linked(),
        Limits::unlimited(),
        Duration::from_secs(3600),
        None,
    )
    .await;
    let generated = e.portal.snapshot();
    let mut team = b24a_emulator::live::Team::new(4);
    let mut revised = BTreeSet::new();
    // 150 ticks: an hour of the demo at 25 s, on a tiny company whose few sales are revised again and again.
    for _ in 0..150 {
        let r = b24a_emulator::live::tick(&e.portal, &mut team, 2)
            .await
            .unwrap();
        revised.extend(r.revised.iter().map(|x| x.0));
    }
    let now = e.portal.snapshot();
    for id in revised {
        let was = generated
            .deals
            .iter()
            .find(|d| d.id == id)
            .map(|d| d.opportunity.max(1000.0));
        let Some(was) = was else { continue }; // a sale the office made itself
        let is = now.deals.iter().find(|d| d.id == id).unwrap().opportunity;
        assert!(
            is >= was * 0.6 - 100.0 && is <= was * 1.6 + 100.0,
            "{id}: {was} → {is}"
        );
    }
}

#[tokio::test]
async fn generator_links_both_ways_and_children_vary() {
    use b24a_emulator::generate;
    // Relations only: smart-process items bound to sales, no child deals and no parent field.
    let plain = generate(&CompanyConfig::new(11, Size::Small).with_now(NOW));
    assert!(plain.crm_items.iter().any(|i| i.parent_deal_id.is_some()));
    assert!(!plain
        .deal_fields
        .iter()
        .any(|f| f.field_name == "UF_CRM_PARENT_DEAL"));
    assert!(!plain.deals.iter().any(|d| d.category_id >= 10));
    // With child deals: the `crm` user field names the sale.
    let both = generate(
        &CompanyConfig::new(11, Size::Small)
            .with_now(NOW)
            .with_linked_deals(),
    );
    let pos = both
        .deal_fields
        .iter()
        .position(|f| f.field_name == "UF_CRM_PARENT_DEAL")
        .expect("the parent field");
    let children: Vec<_> = both
        .deals
        .iter()
        .filter(|d| d.uf.get(pos).cloned().flatten().is_some())
        .collect();
    assert!(children.len() > 20 && both.crm_items.len() > 20);
    // User field alone: the same child deals, no smart processes.
    let uf_only = generate(
        &CompanyConfig::new(11, Size::Small)
            .with_now(NOW)
            .with_linked_deals()
            .without_smart_items(),
    );
    assert!(uf_only.crm_types.is_empty() && uf_only.crm_items.is_empty());
    assert!(!uf_only
        .statuses
        .iter()
        .any(|s| s.entity_id.starts_with("DYNAMIC_")));
    let ids = |d: &PortalData| -> Vec<i64> {
        d.deals
            .iter()
            .filter(|x| x.category_id >= 10)
            .map(|x| x.id)
            .collect()
    };
    assert_eq!(ids(&uf_only), ids(&both));
    // Stuck (open for over 30 days), slow (done after 15 days or more), quick, failed and reopened children.
    let now = both.now;
    let day = 86_400;
    let stuck = children
        .iter()
        .filter(|d| d.semantic == Semantic::Process && now - d.date_create > 30 * day)
        .count();
    let slow = children
        .iter()
        .filter(|d| d.semantic == Semantic::Success && d.moved_time - d.date_create >= 15 * day)
        .count();
    let quick = children
        .iter()
        .filter(|d| d.semantic == Semantic::Success && d.moved_time - d.date_create < 10 * day)
        .count();
    let failed = children
        .iter()
        .filter(|d| d.semantic == Semantic::Failure)
        .count();
    // Reopened: a success in the stage history followed by a move back to work.
    let ids: BTreeSet<i64> = children.iter().map(|d| d.id).collect();
    let mut hist: BTreeMap<i64, Vec<(i64, Semantic)>> = BTreeMap::new();
    for h in both
        .deal_history
        .iter()
        .filter(|h| ids.contains(&h.owner_id))
    {
        hist.entry(h.owner_id)
            .or_default()
            .push((h.created_time, h.semantic));
    }
    for v in hist.values_mut() {
        v.sort_by_key(|x| x.0);
    }
    let reopened = hist
        .values()
        .filter(|v| {
            v.windows(2)
                .any(|w| w[0].1 == Semantic::Success && w[1].1 == Semantic::Process)
        })
        .count();
    assert!(
        stuck > 0 && slow > 0 && quick > 0 && failed > 0 && reopened > 0,
        "stuck {stuck}, slow {slow}, quick {quick}, failed {failed}, reopened {reopened}"
    );
}
