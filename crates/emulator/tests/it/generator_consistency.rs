//! The generator's data is internally consistent: history ends at the current stage, closed deals
//! have a final stage and CLOSEDATE, nothing happens after `now`, references resolve, and the
//! same seed gives the same company.

use std::collections::{BTreeMap, HashMap, HashSet};

use b24a_emulator::{generate, ActivityKind, CompanyConfig, PortalData, Semantic, Size};

const NOW: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

fn small() -> PortalData {
    generate(&CompanyConfig::new(42, Size::Small).with_now(NOW))
}

fn utc_day(t: i64, zone: b24a_emulator::Zone) -> i64 {
    (t + zone.offset_at(t) as i64).div_euclid(86_400) * 86_400
}

#[test]
fn same_seed_same_company_other_seed_other_company() {
    let a = generate(&CompanyConfig::new(7, Size::Tiny).with_now(NOW));
    let b = generate(&CompanyConfig::new(7, Size::Tiny).with_now(NOW));
    let c = generate(&CompanyConfig::new(8, Size::Tiny).with_now(NOW));
    let ja = serde_json::to_string(&a).unwrap();
    assert_eq!(ja, serde_json::to_string(&b).unwrap());
    assert_ne!(ja, serde_json::to_string(&c).unwrap());
}

#[test]
fn volumes_follow_the_preset() {
    let d = small();
    assert_eq!(d.deals.len(), 3_000);
    assert_eq!(d.leads.len(), 5_000);
    assert_eq!(d.users.len(), 21, "admin + 20 managers");
    let acts = d.activities.len() as f64;
    assert!(
        (acts - 20_000.0).abs() / 20_000.0 < 0.1,
        "activities {acts} should be about 20000"
    );
    assert_eq!(d.tasks.len(), 1_000);
}

#[test]
fn ids_are_sorted_and_unique() {
    let d = small();
    fn strictly_increasing(ids: impl Iterator<Item = i64>) -> bool {
        let v: Vec<i64> = ids.collect();
        v.windows(2).all(|w| w[0] < w[1]) && v.first().is_some_and(|f| *f == 1)
    }
    assert!(strictly_increasing(d.users.iter().map(|x| x.id)));
    assert!(strictly_increasing(d.deals.iter().map(|x| x.id)));
    assert!(strictly_increasing(d.leads.iter().map(|x| x.id)));
    assert!(strictly_increasing(d.deal_history.iter().map(|x| x.id)));
    assert!(strictly_increasing(d.lead_history.iter().map(|x| x.id)));
    assert!(strictly_increasing(d.activities.iter().map(|x| x.id)));
    assert!(strictly_increasing(d.tasks.iter().map(|x| x.id)));
}

#[test]
fn org_structure_is_a_tree_with_heads_and_inactive_managers() {
    let d = small();
    let users: HashMap<i64, _> = d.users.iter().map(|u| (u.id, u)).collect();
    assert!(users[&1].is_admin && users[&1].active);
    let dept_ids: HashSet<i64> = d.departments.iter().map(|x| x.id).collect();
    assert_eq!(
        d.departments.iter().filter(|x| x.parent.is_none()).count(),
        1,
        "one root"
    );
    for dep in &d.departments {
        if let Some(p) = dep.parent {
            assert!(dept_ids.contains(&p));
        }
        let head = dep.head.expect("every generated department has a head");
        assert!(users.contains_key(&head));
    }
    for u in &d.users {
        assert!(u.departments.iter().all(|x| dept_ids.contains(x)));
    }
    assert!(
        d.users.iter().any(|u| !u.active),
        "some managers are dismissed"
    );
}

#[test]
fn dictionaries_have_pipelines_failures_sources_and_two_currencies() {
    let d = small();
    assert!(d.categories.len() >= 3);
    for c in &d.categories {
        let stages = d.dictionary(&PortalData::stage_entity(c.id));
        assert_eq!(
            stages
                .iter()
                .filter(|s| s.semantics == Some(Semantic::Success))
                .count(),
            1
        );
        assert!(
            stages
                .iter()
                .filter(|s| s.semantics == Some(Semantic::Failure))
                .count()
                >= 2,
            "several failure stages"
        );
        let prefix = if c.id == 0 {
            String::new()
        } else {
            format!("C{}:", c.id)
        };
        assert!(stages.iter().all(|s| s.status_id.starts_with(&prefix)));
    }
    assert!(d.dictionary("SOURCE").len() >= 10);
    assert_eq!(d.currencies.len(), 2);
    assert_eq!(d.currencies.iter().filter(|c| c.base).count(), 1);
    assert!(d.deals.iter().any(|x| x.currency_id == "USD"));
}

#[test]
fn every_deal_history_ends_at_its_current_stage() {
    let d = small();
    let mut by_owner: HashMap<i64, Vec<_>> = HashMap::new();
    for h in &d.deal_history {
        by_owner.entry(h.owner_id).or_default().push(h);
    }
    for deal in &d.deals {
        let rows = by_owner.get(&deal.id).expect("every deal has history");
        assert!(
            rows.windows(2)
                .all(|w| w[0].created_time < w[1].created_time),
            "history in time order for deal {}",
            deal.id
        );
        assert_eq!(rows[0].type_id, 1);
        assert_eq!(rows[0].created_time, deal.date_create);
        let last = rows.last().unwrap();
        assert_eq!(last.stage_id, deal.stage_id, "deal {}", deal.id);
        assert_eq!(last.created_time, deal.moved_time);
        assert_eq!(last.semantic, deal.semantic);
        assert_eq!(last.category_id, deal.category_id);
        for (k, r) in rows.iter().enumerate() {
            let stage = d.deal_stage(&r.stage_id).expect("stage exists");
            assert_eq!(stage.semantics, Some(r.semantic));
            assert_eq!(
                stage.category_id.unwrap_or(0),
                r.category_id,
                "stage belongs to the row's pipeline"
            );
            let expected_type = if k == 0 {
                1
            } else if r.category_id != rows[k - 1].category_id {
                5
            } else if r.semantic == Semantic::Process {
                2
            } else {
                3
            };
            assert_eq!(r.type_id, expected_type, "deal {}", deal.id);
        }
        // Only the last row may be final.
        assert!(rows[..rows.len() - 1]
            .iter()
            .all(|r| r.semantic == Semantic::Process));
    }
}

#[test]
fn some_deals_change_pipeline() {
    let d = small();
    let moved = d.deal_history.iter().filter(|h| h.type_id == 5).count();
    assert!(moved > 10, "{moved} funnel changes");
}

#[test]
fn closed_deals_have_closedate_and_a_final_stage() {
    let d = small();
    let off = d.zone;
    let (mut won, mut lost, mut open) = (0, 0, 0);
    for deal in &d.deals {
        match deal.semantic {
            Semantic::Process => {
                open += 1;
                assert!(!deal.closed);
            }
            s => {
                if s == Semantic::Success {
                    won += 1
                } else {
                    lost += 1
                }
                assert!(deal.closed);
                assert_eq!(
                    deal.closedate,
                    utc_day(deal.moved_time, off),
                    "deal {}",
                    deal.id
                );
                assert!(deal.moved_time > deal.date_create);
            }
        }
        assert!(deal.date_create <= NOW && deal.moved_time <= NOW && deal.date_modify <= NOW);
        assert!(deal.date_modify >= deal.moved_time);
        assert_eq!(deal.begindate, utc_day(deal.date_create, off));
    }
    assert!(
        won > 300 && lost > 300 && open > 100,
        "won {won} lost {lost} open {open}"
    );
    // Plausible cycle: median won cycle between 3 and 90 days.
    let mut cycles: Vec<i64> = d
        .deals
        .iter()
        .filter(|x| x.semantic == Semantic::Success)
        .map(|x| (x.moved_time - x.date_create) / 86_400)
        .collect();
    cycles.sort();
    let median = cycles[cycles.len() / 2];
    assert!((3..=90).contains(&median), "median won cycle {median} days");
}

#[test]
fn leads_convert_into_deals_consistently() {
    let d = small();
    let mut by_owner: HashMap<i64, Vec<_>> = HashMap::new();
    for h in &d.lead_history {
        by_owner.entry(h.owner_id).or_default().push(h);
    }
    for lead in &d.leads {
        let rows = &by_owner[&lead.id];
        assert_eq!(rows.last().unwrap().stage_id, lead.status_id);
        assert_eq!(rows.last().unwrap().created_time, lead.moved_time);
        assert_eq!(
            lead.date_closed.is_some(),
            lead.semantic != Semantic::Process
        );
    }
    let converted: Vec<_> = d.deals.iter().filter(|x| x.lead_id.is_some()).collect();
    assert!(!converted.is_empty());
    for deal in converted {
        let lead = d.lead(deal.lead_id.unwrap()).unwrap();
        assert_eq!(lead.status_id, "CONVERTED");
        assert!(deal.date_create > lead.moved_time);
        assert_eq!(deal.source_id, lead.source_id);
    }
}

#[test]
fn history_spans_24_months_and_every_month_has_deals() {
    let d = small();
    let first = d.deals.iter().map(|x| x.date_create).min().unwrap();
    assert!(
        NOW - first >= 24 * 30 * 86_400,
        "history reaches 24 months back"
    );
    let mut per_month: BTreeMap<i64, usize> = BTreeMap::new();
    for deal in &d.deals {
        *per_month
            .entry((NOW - deal.date_create) / (30 * 86_400))
            .or_default() += 1;
    }
    for m in 0..24 {
        assert!(
            per_month.get(&m).copied().unwrap_or(0) > 0,
            "month {m} back has deals"
        );
    }
    assert_eq!(per_month.values().sum::<usize>(), d.deals.len());
}

#[test]
fn activities_belong_to_cards_and_include_overdue_and_planned() {
    let d = small();
    let mut kinds = HashSet::new();
    let (mut overdue, mut planned, mut incoming, mut outgoing) = (0, 0, 0, 0);
    for a in &d.activities {
        kinds.insert(a.kind);
        let owner_created = match a.owner_type_id {
            2 => d.deal(a.owner_id).expect("deal exists").date_create,
            1 => d.lead(a.owner_id).expect("lead exists").date_create,
            other => panic!("owner type {other}"),
        };
        assert!(a.created >= owner_created && a.created <= NOW);
        if !a.completed && a.deadline() < NOW {
            overdue += 1;
        }
        if !a.completed && a.start_time > NOW {
            planned += 1;
        }
        if a.completed {
            assert!(a.start_time <= NOW);
        }
        if a.kind == ActivityKind::Call {
            if a.direction == 1 {
                incoming += 1
            } else {
                outgoing += 1
            }
        }
    }
    assert_eq!(kinds.len(), 4);
    assert!(overdue > 0 && planned > 0 && incoming > 0 && outgoing > 0);
    // LAST_ACTIVITY_TIME is the latest activity touch of each deal.
    for deal in d.deals.iter().take(300) {
        let latest = d
            .activities
            .iter()
            .filter(|a| a.owner_type_id == 2 && a.owner_id == deal.id)
            .map(|a| {
                if a.completed {
                    a.last_updated.max(a.created)
                } else {
                    a.created
                }
            })
            .max();
        assert_eq!(deal.last_activity_time, latest, "deal {}", deal.id);
    }
}

#[test]
fn stale_open_deals_exist() {
    let d = small();
    let stale = d
        .deals
        .iter()
        .filter(|x| {
            !x.closed
                && NOW - x.moved_time > 60 * 86_400
                && x.last_activity_time.is_none_or(|t| NOW - t > 30 * 86_400)
        })
        .count();
    assert!(stale > 0, "forgotten cards for the forget-me-not report");
}

#[test]
fn tasks_have_deadlines_planned_starts_and_late_and_on_time_closes() {
    let d = small();
    let projects: HashSet<i64> = d.projects.iter().map(|p| p.id).collect();
    let (mut late, mut on_time, mut open_overdue, mut no_deadline) = (0, 0, 0, 0);
    for t in &d.tasks {
        assert!(t.group_id == 0 || projects.contains(&t.group_id));
        assert_eq!(t.status == 5, t.closed_date.is_some());
        if let Some(c) = t.closed_date {
            assert!(c <= NOW && t.date_start.is_some_and(|s| s <= c));
        }
        match (t.deadline, t.closed_date) {
            (Some(dl), Some(c)) if c > dl => late += 1,
            (Some(_), Some(_)) => on_time += 1,
            (Some(dl), None) if dl < NOW => open_overdue += 1,
            (None, _) => no_deadline += 1,
            _ => {}
        }
    }
    assert!(late > 0 && on_time > 0 && open_overdue > 0 && no_deadline > 0);
    assert!(d.tasks.iter().any(|t| t.start_date_plan.is_some()));
}

#[test]
fn even_tiny_has_an_inactive_manager_who_owns_only_older_cards() {
    let d = generate(&CompanyConfig::new(5, Size::Tiny).with_now(NOW));
    let gone: Vec<_> = d.users.iter().filter(|u| !u.active).collect();
    assert!(!gone.is_empty());
    for u in gone {
        assert!(d
            .deals
            .iter()
            .filter(|x| x.assigned_by_id == u.id)
            .all(|x| x.date_create < u.last_login));
    }
}

#[test]
fn returning_customers_had_an_earlier_deal() {
    let d = small();
    let mut seen = HashSet::new();
    let mut returning = 0;
    for deal in &d.deals {
        match deal.company_id {
            Some(c) => {
                assert_eq!(
                    deal.is_return_customer,
                    seen.contains(&c),
                    "deal {}",
                    deal.id
                );
                seen.insert(c);
                returning += usize::from(deal.is_return_customer);
            }
            None => assert!(!deal.is_return_customer),
        }
    }
    assert!(returning > 0 && returning < d.deals.len());
}
