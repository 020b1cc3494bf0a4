//! R6 — forget-me-not: open leads and deals nothing happened on for more than N (leads) / M (deals) days, by
//! department and manager, with lists; plus overdue open activities per employee. A snapshot "as of now": the
//! period of the filter does not apply (pipelines, people and sources do). Counting happens in `compute`
//! (re-run by drill-downs); it must never read the store.
//!
//! The clock: last touch = the latest of the card's last edit (DATE_MODIFY), last stage move (MOVED_TIME), the
//! portal's LAST_ACTIVITY_TIME, and the creation or completion (LAST_UPDATED of a completed one) of any activity
//! bound to the card. A card with a planned activity (open, deadline ahead or none) is cared for, unless the
//! `planned_activity_counts_as_care` setting is off.
//!
//! Beyond the reference: companies and contacts with no planned activity (no open activity bound to the card with
//! a deadline ahead or none), by the card's responsible; the employee and department filters apply.

use std::collections::HashMap;
use std::sync::Arc;

use rustc_hash::FxHashMap;

use crate::answer::{amount_cell, count_cell, count_tile, Answer, BlockKind, Row, Table, Unit};
use crate::context::PortalContext;
use crate::error::ReportError;
use crate::load::{
    self, ActRec, ActWindow, ClientKind, ClientRec, DealRec, DealWindow, LeadRec, LeadWindow,
};
use crate::metrics::{self, Status};
use crate::money::Money;
use crate::prepare::Prepared;
use crate::source::ReportSource;
use crate::tally::{Group, Side, Tally};
use crate::ReportId;

/// The report's settings (stored per portal in `portal_settings`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Settings {
    pub lead_days: i64,
    pub deal_days: i64,
    pub planned_activity_counts_as_care: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            lead_days: 7,
            deal_days: 14,
            planned_activity_counts_as_care: true,
        }
    }
}

pub const KEY_LEAD_DAYS: &str = "forget_me_not_lead_days";
pub const KEY_DEAL_DAYS: &str = "forget_me_not_deal_days";
pub const KEY_PLANNED: &str = "planned_activity_counts_as_care";

impl Settings {
    /// Reads the settings; a missing or unreadable value falls back to the default (1..=3650 days accepted).
    pub async fn load(src: &ReportSource, ctx: &PortalContext) -> Result<Settings, ReportError> {
        let mut s = Settings::default();
        let days = |v: Option<String>| {
            v.and_then(|t| serde_json::from_str::<i64>(t.trim()).ok())
                .filter(|d| (1..=3650).contains(d))
        };
        if let Some(d) = days(load::setting(src, ctx, KEY_LEAD_DAYS).await?) {
            s.lead_days = d;
        }
        if let Some(d) = days(load::setting(src, ctx, KEY_DEAL_DAYS).await?) {
            s.deal_days = d;
        }
        if let Some(b) = load::setting(src, ctx, KEY_PLANNED)
            .await?
            .and_then(|t| serde_json::from_str::<bool>(t.trim()).ok())
        {
            s.planned_activity_counts_as_care = b;
        }
        Ok(s)
    }
}

pub(crate) struct Data {
    pub(crate) settings: Settings,
    pub(crate) deals: Vec<DealRec>,
    pub(crate) leads: Vec<LeadRec>,
    acts: Vec<ActRec>,
    pub(crate) overdue: Vec<ActRec>,
    /// Shared with the cache's clients parts (never copied per answer).
    companies: Arc<Vec<ClientRec>>,
    contacts: Arc<Vec<ClientRec>>,
}

/// Activities on open cards always come grouped per card (the report counts cards); overdue activities come
/// grouped for answers and one by one for drill-downs (`grouped`). Companies and contacts are read only when asked
/// (`clients`): a drill-down into forgotten deals does not need them.
pub(crate) async fn load(
    src: &ReportSource,
    ctx: &PortalContext,
    grouped: bool,
    clients: bool,
) -> Result<Data, ReportError> {
    let overdue = ActWindow::OverdueAt(ctx.now);
    // Every read at once: on a cold start each is a part loaded (and decoded) from the store, and they overlap.
    let clients_of = |kind| async move {
        if clients {
            load::clients(src, ctx, kind).await
        } else {
            Ok(Arc::default())
        }
    };
    let (settings, deals, leads, acts, overdue, companies, contacts) = futures::try_join!(
        Settings::load(src, ctx),
        load::deals(src, ctx, DealWindow::Open),
        load::leads(src, ctx, LeadWindow::Open),
        load::activity_groups(src, ctx, ActWindow::OnOpenCards),
        async {
            if grouped {
                load::activity_groups(src, ctx, overdue).await
            } else {
                load::activities(src, ctx, overdue).await
            }
        },
        clients_of(ClientKind::Company),
        clients_of(ClientKind::Contact),
    )?;
    Ok(Data {
        settings,
        deals,
        leads,
        acts,
        overdue,
        companies,
        contacts,
    })
}

#[derive(Default, Clone, Copy)]
struct Care {
    last: Option<i64>,
    planned: bool,
}

/// Per (owner type, owner id): the latest activity touch and whether a planned activity exists.
fn care(acts: &[ActRec], now: i64) -> FxHashMap<(i64, i64), Care> {
    // FxHash: one lookup per activity and per open card on every answer (SipHash showed in the profile).
    let mut m: FxHashMap<(i64, i64), Care> = FxHashMap::default();
    for a in acts {
        let (Some(t), Some(o)) = (a.owner_type, a.owner_id) else {
            continue;
        };
        let c = m.entry((t, o)).or_default();
        let touch = if a.completed {
            a.created.max(a.last_updated)
        } else {
            a.created
        };
        c.last = c.last.max(Some(touch));
        c.planned |= metrics::activity_planned(a.completed, a.deadline, now);
    }
    m
}

/// Last touch of every open card: (owner type 1 lead / 2 deal, id) -> instant.
pub(crate) fn last_touches(data: &Data, now: i64) -> FxHashMap<(i64, i64), (i64, bool)> {
    let care = care(&data.acts, now);
    let mut out = FxHashMap::default();
    for d in &data.deals {
        let c = care.get(&(2, d.id)).copied().unwrap_or_default();
        let last = metrics::last_touch(&[
            Some(d.date_modify),
            Some(d.created),
            d.moved_time,
            d.last_activity_time,
            c.last,
        ])
        .unwrap_or(d.created);
        out.insert((2, d.id), (last, c.planned));
    }
    for l in &data.leads {
        let c = care.get(&(1, l.id)).copied().unwrap_or_default();
        let last = metrics::last_touch(&[
            Some(l.date_modify),
            Some(l.created),
            l.moved_time,
            l.last_activity_time,
            c.last,
        ])
        .unwrap_or(l.created);
        out.insert((1, l.id), (last, c.planned));
    }
    out
}

pub(crate) fn compute(p: &Prepared, data: &Data, t: &mut Tally) {
    let now = p.ctx.now;
    let s = data.settings;
    let touches = last_touches(data, now);
    let add = |t: &mut Tally, metric: &'static str, user: Option<i64>, id: i64, amount: Money| {
        t.add(metric, Group::User(user.unwrap_or(0)), id, amount);
        t.add(
            metric,
            Group::Department(p.dicts.main_department(user)),
            id,
            amount,
        );
        t.add(metric, Group::Total, id, amount);
    };
    for d in &data.deals {
        if !p
            .scope
            .deal(d.id, d.pipeline, d.manager, d.source.as_deref())
        {
            continue;
        }
        let (last, planned) = touches
            .get(&(2, d.id))
            .copied()
            .unwrap_or((d.created, false));
        if metrics::is_forgotten(
            d.status == Status::InWork,
            last,
            planned,
            s.planned_activity_counts_as_care,
            s.deal_days,
            now,
        ) {
            add(t, "forgotten_deals", d.manager, d.id, d.amount);
        }
    }
    for l in &data.leads {
        if !p.scope.lead(l.id, l.manager, l.source.as_deref()) {
            continue;
        }
        let (last, planned) = touches
            .get(&(1, l.id))
            .copied()
            .unwrap_or((l.created, false));
        if metrics::is_forgotten(
            l.status == Status::InWork,
            last,
            planned,
            s.planned_activity_counts_as_care,
            s.lead_days,
            now,
        ) {
            add(t, "forgotten_leads", l.manager, l.id, l.amount);
        }
    }
    for (metric, clients) in [
        ("companies_unplanned", &data.companies),
        ("contacts_unplanned", &data.contacts),
    ] {
        for c in clients.iter() {
            if p.scope.person(c.manager)
                && !metrics::client_has_planned(
                    c.open,
                    c.open_without_deadline,
                    c.latest_open_deadline,
                    now,
                )
            {
                add(t, metric, c.manager, c.id, Money::cents(0));
            }
        }
    }
    for a in &data.overdue {
        if p.scope.person(a.responsible) && metrics::activity_overdue(a.completed, a.deadline, now)
        {
            for g in [
                Group::User(a.responsible.unwrap_or(0)),
                Group::Department(p.dicts.main_department(a.responsible)),
                Group::Total,
            ] {
                t.add_weighted("act_overdue", g, a.id, a.weight, 0, 0.0);
            }
        }
    }
}

pub async fn run(src: &ReportSource, p: &Prepared) -> Result<Answer, ReportError> {
    let data = load(src, &p.ctx, true, true).await?;
    let mut t = Tally::new();
    compute(p, &data, &mut t);
    let cols = [
        ("forgotten_leads", Unit::Count),
        ("forgotten_deals", Unit::Count),
        ("forgotten_deals", Unit::Money),
        ("act_overdue", Unit::Count),
    ];
    let row = |g: Group, label: String, note: Option<&'static str>| Row {
        cells: vec![
            count_cell(&t, "forgotten_leads", &g, Side::Current),
            count_cell(&t, "forgotten_deals", &g, Side::Current),
            amount_cell(&t, "forgotten_deals", &g),
            count_cell(&t, "act_overdue", &g, Side::Current),
        ],
        group: g,
        label,
        note,
    };
    let mut by_dept = Table::new("by_department", BlockKind::Table, &cols);
    let mut by_user = Table::new("by_manager", BlockKind::Table, &cols);
    let mut depts: Vec<i64> = ["forgotten_leads", "forgotten_deals", "act_overdue"]
        .iter()
        .flat_map(|m| t.groups(m))
        .filter_map(|g| {
            if let Group::Department(d) = g {
                Some(d)
            } else {
                None
            }
        })
        .collect();
    depts.sort();
    depts.dedup();
    for d in depts {
        by_dept
            .rows
            .push(row(Group::Department(d), p.dicts.dept_name(d), None));
    }
    let mut users: Vec<i64> = ["forgotten_leads", "forgotten_deals", "act_overdue"]
        .iter()
        .flat_map(|m| t.groups(m))
        .filter_map(|g| {
            if let Group::User(u) = g {
                Some(u)
            } else {
                None
            }
        })
        .collect();
    users.sort();
    users.dedup();
    for u in users {
        let note = if u != 0 && !p.dicts.user_active(u) {
            Some("inactive")
        } else {
            None
        };
        by_user
            .rows
            .push(row(Group::User(u), p.dicts.user_name(Some(u)), note));
    }
    by_dept.total = Some(row(Group::Total, "Итого".into(), None));
    by_user.total = Some(row(Group::Total, "Итого".into(), None));
    let clients = clients_table(p, &t);
    let tiles = vec![
        count_tile("forgotten_leads", &t, None, false),
        count_tile("forgotten_deals", &t, None, true),
        count_tile("act_overdue", &t, None, false),
        count_tile("companies_unplanned", &t, None, false),
        count_tile("contacts_unplanned", &t, None, false),
    ];
    let empty = t.get("forgotten_leads", &Group::Total).count == 0
        && t.get("forgotten_deals", &Group::Total).count == 0;
    let mut meta = p
        .meta(src, ReportId::ForgetMeNot, empty, "nothing_forgotten")
        .await?;
    meta.note_money(&[Some(&t)]);
    let s = data.settings;
    meta.notes.push((
        "clock".into(),
        "last of: edit, stage move, portal last activity, activity created or completed".into(),
    ));
    meta.notes
        .push((KEY_LEAD_DAYS.into(), s.lead_days.to_string()));
    meta.notes
        .push((KEY_DEAL_DAYS.into(), s.deal_days.to_string()));
    meta.notes.push((
        KEY_PLANNED.into(),
        s.planned_activity_counts_as_care.to_string(),
    ));
    Ok(Answer {
        meta,
        tiles,
        tables: vec![by_dept, by_user, clients],
    })
}

/// Companies and contacts with no planned activity, by the cards' responsible.
fn clients_table(p: &Prepared, t: &Tally) -> Table {
    const METRICS: [&str; 2] = ["companies_unplanned", "contacts_unplanned"];
    let mut table = Table::new(
        "clients_without_plan",
        BlockKind::Table,
        &[(METRICS[0], Unit::Count), (METRICS[1], Unit::Count)],
    );
    let row = |g: Group, label: String, note: Option<&'static str>| Row {
        cells: METRICS
            .into_iter()
            .map(|m| count_cell(t, m, &g, Side::Current))
            .collect(),
        group: g,
        label,
        note,
    };
    let mut users: Vec<i64> = METRICS
        .into_iter()
        .flat_map(|m| t.groups(m))
        .filter_map(|g| match g {
            Group::User(u) => Some(u),
            _ => None,
        })
        .collect();
    users.sort();
    users.dedup();
    for u in users {
        let note = (u != 0 && !p.dicts.user_active(u)).then_some("inactive");
        table
            .rows
            .push(row(Group::User(u), p.dicts.user_name(Some(u)), note));
    }
    table.total = Some(row(Group::Total, "Итого".into(), None));
    table
}

pub(crate) async fn hits(
    src: &ReportSource,
    p: &Prepared,
    metric: &str,
    group: &Group,
) -> Result<Vec<i64>, ReportError> {
    let clients = matches!(metric, "companies_unplanned" | "contacts_unplanned");
    let data = load(src, &p.ctx, false, clients).await?;
    let mut t = Tally::collecting(metric, group.clone());
    compute(p, &data, &mut t);
    Ok(t.into_hits())
}

/// Last-touch instants of the cards of one owner type (1 leads, 2 deals, 3 contacts, 4 companies), for the lists'
/// "last activity / days since".
pub(crate) async fn touch_map(
    src: &ReportSource,
    p: &Prepared,
    owner_type: i64,
) -> Result<HashMap<i64, i64>, ReportError> {
    let kind = match owner_type {
        4 => Some(ClientKind::Company),
        3 => Some(ClientKind::Contact),
        _ => None,
    };
    if let Some(kind) = kind {
        let clients = load::clients(src, &p.ctx, kind).await?;
        return Ok(clients.iter().map(|c| (c.id, c.last_touch)).collect());
    }
    let data = load(src, &p.ctx, true, false).await?;
    Ok(last_touches(&data, p.ctx.now)
        .into_iter()
        .filter(|((t, _), _)| *t == owner_type)
        .map(|((_, id), (last, _))| (id, last))
        .collect())
}
