//! Linked work (R7): what departments do after a sale. Every company gets two smart processes ("Снабжение" 1032,
//! "Логистика" 1036) whose items are bound to sales deals of the default pipeline by `parentId2` (unless
//! `CompanyConfig::smart_items` is off: then [`drop_smart_processes`] removes them); a company made with
//! `CompanyConfig::linked_deals` also gets two department pipelines ("Логистика", "Инженеры") whose child deals
//! name their sale in a `crm` user field (`UF_CRM_PARENT_DEAL`, `D_<id>`). Children appear a few days after the
//! sale; most are done, some slow, some stuck, some failed, a few reopened. Runs on a random stream of its own, after
//! everything else, so the records generated before stay as they were. Must never do I/O.

use rand::Rng;

use super::clock::{date_of, DAY, HOUR};
use super::Gen;
use crate::model::{
    Category, CrmItem, CrmStatus, CrmType, PortalData, Semantic, StageHistory, UserFieldDef,
};

/// The smart processes: (type id, entityTypeId, title).
pub const SMART: [(i64, i64, &str); 2] = [(1, 1032, "Снабжение"), (2, 1036, "Логистика")];
/// The department pipelines of linked child deals: (category id, name).
pub const DEPARTMENTS: [(i64, &str); 2] = [(10, "Логистика"), (11, "Инженеры")];
/// The deal field holding a child deal's sale.
pub const PARENT_FIELD: &str = "UF_CRM_PARENT_DEAL";

/// Stages of a department pipeline or smart process: (code suffix, name, semantics).
const STAGES: [(&str, &str, Semantic); 4] = [
    ("NEW", "Оценка", Semantic::Process),
    ("PREPARATION", "В работе", Semantic::Process),
    ("SUCCESS", "Выполнено", Semantic::Success),
    ("FAIL", "Отказ", Semantic::Failure),
];

fn deal_stage(cat: i64, suffix: &str) -> String {
    // Deal pipelines name success WON and failure LOSE (as the portal's own deal stages do).
    let s = match suffix {
        "SUCCESS" => "WON",
        "FAIL" => "LOSE",
        other => other,
    };
    format!("C{cat}:{s}")
}

fn item_stage(entity_type: i64, suffix: &str) -> String {
    format!("DT{entity_type}_1:{suffix}")
}

/// How a child's life went: its stage moves as (time, stage index).
fn path(g: &mut Gen, created: i64) -> Vec<(i64, usize)> {
    let mut moves = vec![(created, 0)];
    let r: f64 = g.rng.gen();
    let slow = g.rng.gen_bool(0.15);
    let span = if slow {
        g.rng.gen_range(15..45) * DAY
    } else {
        g.rng.gen_range(1..10) * DAY
    } + g.rng.gen_range(0..8) * HOUR;
    let work = created + span / 3;
    if work < g.now {
        moves.push((work, 1));
    }
    let close = created + span;
    if r < 0.65 && close < g.now {
        moves.push((close, 2));
        // A few are reopened: back to work after being done.
        if g.rng.gen_bool(0.05) && close + 2 * DAY < g.now {
            moves.push((close + 2 * DAY, 1));
        }
    } else if r < 0.8 && close < g.now {
        moves.push((close, 3));
    }
    // Otherwise stuck in work.
    moves
}

pub fn build(g: &mut Gen, data: &mut PortalData, linked_deals: bool) {
    let users: Vec<i64> = data
        .users
        .iter()
        .filter(|u| u.active && !u.is_admin)
        .map(|u| u.id)
        .collect();
    let users = if users.is_empty() { vec![1] } else { users };
    for (id, ety, title) in SMART {
        data.crm_types.push(CrmType {
            id,
            entity_type_id: ety,
            title: title.into(),
            deal_parent: true,
        });
        push_stages(
            data,
            &format!("DYNAMIC_{ety}_STAGE_1"),
            |s| item_stage(ety, s),
            Some(1),
        );
    }
    if linked_deals {
        for (cat, name) in DEPARTMENTS {
            data.categories.push(Category {
                id: cat,
                name: name.into(),
                sort: 1000 + cat * 10,
                is_default: false,
            });
            push_stages(
                data,
                &format!("DEAL_STAGE_{cat}"),
                |s| deal_stage(cat, s),
                Some(cat),
            );
        }
        let sort = data.deal_fields.iter().map(|f| f.sort).max().unwrap_or(0) + 100;
        let id = data.deal_fields.iter().map(|f| f.id).max().unwrap_or(0) + 2;
        data.deal_fields.push(UserFieldDef {
            id,
            field_name: PARENT_FIELD.into(),
            user_type: "crm".into(),
            multiple: false,
            mandatory: false,
            sort,
            labels: [("ru", "Продажа"), ("en", "Sale")]
                .into_iter()
                .map(|(l, v)| (l.to_string(), v.to_string()))
                .collect(),
            items: Vec::new(),
            choices: Vec::new(),
        });
        for d in &mut data.deals {
            d.uf.push(None);
        }
    }
    let sales: Vec<usize> = (0..data.deals.len())
        .filter(|&i| data.deals[i].category_id == 0 && data.deals[i].semantic != Semantic::Failure)
        .collect();
    let mut next_deal = data.deals.iter().map(|d| d.id).max().unwrap_or(0) + 1;
    let mut next_hist = data.deal_history.iter().map(|h| h.id).max().unwrap_or(0) + 1;
    let mut next_item = [1i64; 2];
    let mut items: Vec<CrmItem> = Vec::new();
    let mut children = Vec::new();
    for i in sales {
        if !g.rng.gen_bool(0.4) {
            continue;
        }
        let parent = data.deals[i].clone();
        // Child work starts when the sale reaches its estimate: a few days after it was created.
        let base = parent.date_create + g.rng.gen_range(1..5) * DAY + g.rng.gen_range(0..8) * HOUR;
        for (k, (_, ety, _)) in SMART.iter().enumerate() {
            if base >= g.now || !g.rng.gen_bool(if linked_deals { 0.5 } else { 0.7 }) {
                continue;
            }
            let moves = path(g, base);
            let (moved, st) = *moves.last().unwrap_or(&(base, 0));
            let id = next_item[k];
            next_item[k] += 1;
            items.push(CrmItem {
                entity_type_id: *ety,
                id,
                title: format!("{} № {id}", SMART[k].2),
                category_id: 1,
                stage_id: item_stage(*ety, STAGES[st].0),
                semantic: STAGES[st].2,
                opportunity: (parent.opportunity * g.rng.gen_range(0.05..0.3)).round(),
                currency_id: parent.currency_id.clone(),
                assigned_by_id: users[g.rng.gen_range(0..users.len())],
                created_time: base,
                updated_time: moved,
                moved_time: moved,
                parent_deal_id: Some(parent.id),
            });
        }
        if !linked_deals {
            continue;
        }
        for (cat, _) in DEPARTMENTS {
            if base >= g.now || !g.rng.gen_bool(0.6) {
                continue;
            }
            let moves = path(g, base);
            let mut c = parent.clone();
            c.id = next_deal;
            next_deal += 1;
            let (moved, st) = *moves.last().unwrap_or(&(base, 0));
            for (j, (t, s)) in moves.iter().enumerate() {
                children.push(StageHistory {
                    id: next_hist,
                    type_id: if j == 0 {
                        1
                    } else if STAGES[*s].2 == Semantic::Process {
                        2
                    } else {
                        3
                    },
                    owner_id: c.id,
                    created_time: *t,
                    category_id: cat,
                    stage_id: deal_stage(cat, STAGES[*s].0),
                    semantic: STAGES[*s].2,
                });
                next_hist += 1;
            }
            let sem = STAGES[st].2;
            let closed = sem != Semantic::Process;
            c.title = format!(
                "{} — {}",
                DEPARTMENTS
                    .iter()
                    .find(|d| d.0 == cat)
                    .map(|d| d.1)
                    .unwrap_or(""),
                parent.title
            );
            c.category_id = cat;
            c.stage_id = deal_stage(cat, STAGES[st].0);
            c.semantic = sem;
            c.opportunity = (parent.opportunity * g.rng.gen_range(0.05..0.3)).round();
            let who = users[g.rng.gen_range(0..users.len())];
            c.assigned_by_id = who;
            c.created_by_id = parent.assigned_by_id;
            c.modify_by_id = who;
            c.moved_by_id = who;
            c.date_create = base;
            c.date_modify = moved;
            c.moved_time = moved;
            c.begindate = date_of(base, g.zone);
            c.closedate = if closed {
                date_of(moved, g.zone)
            } else {
                date_of(base + 14 * DAY, g.zone)
            };
            c.closed = closed;
            c.lead_id = None;
            c.is_return_customer = false;
            c.last_activity_time = None;
            c.last_activity_by = None;
            let n = c.uf.len();
            c.uf = vec![None; n];
            if let Some(last) = c.uf.last_mut() {
                *last = Some(format!("D_{}", parent.id));
            }
            data.deals.push(c);
        }
    }
    items.sort_by_key(|i| (i.entity_type_id, i.id));
    data.crm_items = items;
    data.deal_history.extend(children);
}

/// A company that does not use smart processes: no types, no items, no `DYNAMIC_*` stages. Applied after
/// [`build`], so the child deals stay the ones the same seed makes with smart processes.
pub fn drop_smart_processes(data: &mut PortalData) {
    data.crm_types.clear();
    data.crm_items.clear();
    data.statuses
        .retain(|s| !s.entity_id.starts_with("DYNAMIC_"));
}

fn push_stages(
    data: &mut PortalData,
    entity: &str,
    code: impl Fn(&str) -> String,
    cat: Option<i64>,
) {
    for (k, (suffix, name, sem)) in STAGES.iter().enumerate() {
        let id = data.statuses.iter().map(|s| s.id).max().unwrap_or(0) + 1;
        data.statuses.push(CrmStatus {
            id,
            entity_id: entity.to_string(),
            status_id: code(suffix),
            name: name.to_string(),
            sort: (k as i64 + 1) * 10,
            system: *sem != Semantic::Process,
            category_id: cat,
            color: "#39A8EF".into(),
            semantics: (*sem != Semantic::Process).then_some(*sem),
            extra_semantics: None,
        });
    }
}
