//! CRM activities on deals and leads: incoming/outgoing calls, e-mails, meetings and to-dos inside
//! each card's life; some overdue (open in the past), some planned (open in the future).
//!
//! Also stamps the owners' LAST_ACTIVITY_TIME/BY. Never changes stages or history.

use rand::Rng;

use super::clock::{DAY, HOUR};
use super::Gen;
use crate::model::{Activity, ActivityKind, PortalData, Semantic};

fn kind(g: &mut Gen) -> ActivityKind {
    match g.rng.gen_range(0..100) {
        0..=44 => ActivityKind::Call,
        45..=69 => ActivityKind::Email,
        70..=79 => ActivityKind::Meeting,
        _ => ActivityKind::Todo,
    }
}

struct Owner {
    type_id: u8,
    id: i64,
    created: i64,
    end: i64,
    open: bool,
    assigned: i64,
}

fn count_for(g: &mut Gen, mean: f64) -> usize {
    let base = mean.floor();
    base as usize + usize::from(g.rng.gen_bool((mean - base).clamp(0.0, 1.0)))
}

fn make(g: &mut Gen, o: &Owner, staff: &[i64]) -> Activity {
    let k = kind(g);
    let planned = o.open && g.rng.gen_bool(0.2);
    let start = if planned {
        {
            let t = g.now + g.rng.gen_range(HOUR..14 * DAY);
            g.working_time(t).max(g.now + 60)
        }
    } else {
        let span = (o.end - o.created).max(60);
        let t = o.created + g.rng.gen_range(0..span);
        g.working_time(t).max(o.created).min(g.now - 1)
    };
    let end = match k {
        ActivityKind::Call => start + g.rng.gen_range(30..1_500),
        ActivityKind::Meeting => start + HOUR,
        ActivityKind::Email | ActivityKind::Todo => start,
    };
    let created = if k == ActivityKind::Todo || k == ActivityKind::Meeting || planned {
        (start - g.rng.gen_range(0..3 * DAY)).min(g.now - 1)
    } else {
        start
    }
    .max(o.created);
    let completed = !planned
        && g.rng
            .gen_bool(if k == ActivityKind::Todo { 0.8 } else { 0.92 });
    let direction = match k {
        ActivityKind::Call => {
            if g.rng.gen_bool(0.35) {
                1
            } else {
                2
            }
        }
        ActivityKind::Email => {
            if g.rng.gen_bool(0.4) {
                1
            } else {
                2
            }
        }
        _ => 0,
    };
    let responsible = if g.rng.gen_bool(0.9) || staff.is_empty() {
        o.assigned
    } else {
        staff[g.rng.gen_range(0..staff.len())]
    };
    Activity {
        id: 0,
        kind: k,
        owner_type_id: o.type_id,
        owner_id: o.id,
        direction,
        completed,
        priority: if g.rng.gen_bool(0.15) { 3 } else { 2 },
        responsible_id: responsible,
        author_id: responsible,
        created,
        last_updated: if completed {
            end.min(g.now - 1).max(created)
        } else {
            created
        },
        start_time: start,
        end_time: end,
        subject: None,
    }
}

pub fn build(g: &mut Gen, data: &mut PortalData, n_activities: usize) {
    let staff: Vec<i64> = data
        .users
        .iter()
        .filter(|u| u.active && !u.is_admin)
        .map(|u| u.id)
        .collect();
    let n_deals = data.deals.len().max(1) as f64;
    let n_leads = data.leads.len().max(1) as f64;
    let (deal_share, lead_share) = if data.leads.is_empty() {
        (1.0, 0.0)
    } else {
        (0.75, 0.25)
    };
    let per_deal = n_activities as f64 * deal_share / n_deals;
    let per_lead = n_activities as f64 * lead_share / n_leads;
    let mut acts: Vec<Activity> = Vec::with_capacity(n_activities + n_activities / 10);
    let now = g.now;
    let owners_deals = data.deals.iter().map(|d| Owner {
        type_id: 2,
        id: d.id,
        created: d.date_create,
        end: if d.closed { d.moved_time } else { now },
        open: !d.closed,
        assigned: d.assigned_by_id,
    });
    let owners_leads = data.leads.iter().map(|l| Owner {
        type_id: 1,
        id: l.id,
        created: l.date_create,
        end: if l.semantic == Semantic::Process {
            now
        } else {
            l.moved_time
        },
        open: l.semantic == Semantic::Process,
        assigned: l.assigned_by_id,
    });
    let owners: Vec<Owner> = owners_deals.chain(owners_leads).collect();
    for o in &owners {
        // Stale open cards (stuck for months) get fewer touches: that is what makes them stale.
        let mean = if o.type_id == 2 { per_deal } else { per_lead };
        let n = count_for(g, mean);
        for _ in 0..n {
            acts.push(make(g, o, &staff));
        }
    }
    acts.sort_by_key(|a| (a.created, a.owner_type_id, a.owner_id));
    for (i, a) in acts.iter_mut().enumerate() {
        a.id = i as i64 + 1;
    }
    // LAST_ACTIVITY_TIME: latest creation or completion that already happened.
    for a in &acts {
        let t = if a.completed {
            a.last_updated.max(a.created)
        } else {
            a.created
        };
        let slot = match a.owner_type_id {
            2 => data
                .deals
                .get_mut(a.owner_id as usize - 1)
                .map(|d| (&mut d.last_activity_time, &mut d.last_activity_by)),
            _ => data
                .leads
                .get_mut(a.owner_id as usize - 1)
                .map(|l| (&mut l.last_activity_time, &mut l.last_activity_by)),
        };
        if let Some((time, by)) = slot {
            if time.is_none_or(|cur| t >= cur) {
                *time = Some(t);
                *by = Some(a.responsible_id);
            }
        }
    }
    data.activities = acts;
}
