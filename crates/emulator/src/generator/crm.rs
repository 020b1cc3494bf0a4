//! CRM history: companies, leads (some converting into deals), deals moving through their
//! pipeline's stages, and the stage history consistent with every card's current stage.
//!
//! Invariants (checked by tests): a card's last history row is its current stage at its
//! `moved_time`; closed deals end in a success/failure stage and have CLOSEDATE = date of closing;
//! nothing happens after `now`. Never creates activities or tasks.

use rand::Rng;

use super::clock::{date_of, DAY, HOUR};
use super::dictionaries::{stage_code, SOURCES};
use super::names::*;
use super::Gen;
use crate::model::{Company, Deal, Lead, PortalData, Semantic, StageHistory};

/// One pipeline's stages split by semantics, as (STATUS_ID, semantic).
struct Pipeline {
    id: i64,
    process: Vec<String>,
    success: String,
    failures: Vec<String>,
    mean_stage_days: f64,
    weight: f64,
}

fn pipelines(data: &PortalData) -> Vec<Pipeline> {
    data.categories
        .iter()
        .map(|c| {
            let rows = data.dictionary(&PortalData::stage_entity(c.id));
            let of = |s: Semantic| {
                rows.iter()
                    .filter(|r| r.semantics == Some(s))
                    .map(|r| r.status_id.clone())
                    .collect::<Vec<_>>()
            };
            Pipeline {
                id: c.id,
                process: of(Semantic::Process),
                success: of(Semantic::Success)
                    .into_iter()
                    .next()
                    .unwrap_or_else(|| stage_code(c.id, "WON")),
                failures: of(Semantic::Failure),
                mean_stage_days: match c.id {
                    0 => 4.0,
                    1 => 7.0,
                    _ => 2.0,
                },
                weight: match c.id {
                    0 => 0.6,
                    1 => 0.25,
                    _ => 0.15,
                },
            }
        })
        .collect()
}

/// Manager pool: dismissed managers only get cards created before their last login.
struct Staff {
    active: Vec<i64>,
    all: Vec<(i64, i64)>,
}

impl Staff {
    fn new(data: &PortalData) -> Staff {
        let managers: Vec<_> = data.users.iter().filter(|u| !u.is_admin).collect();
        let mut active: Vec<i64> = managers.iter().filter(|u| u.active).map(|u| u.id).collect();
        if active.is_empty() {
            active.push(1);
        }
        let all = managers
            .iter()
            .map(|u| (u.id, if u.active { i64::MAX } else { u.last_login }))
            .collect();
        Staff { active, all }
    }

    fn pick(&self, g: &mut Gen, at: i64) -> i64 {
        if !self.all.is_empty() {
            let (id, until) = self.all[g.rng.gen_range(0..self.all.len())];
            if at < until {
                return id;
            }
        }
        self.active[g.rng.gen_range(0..self.active.len())]
    }
}

fn pick_source(g: &mut Gen) -> String {
    // Weighted towards the channels a B2B company actually has.
    const W: &[u32] = &[20, 12, 18, 10, 8, 8, 4, 10, 5, 1, 2, 2];
    let total: u32 = W.iter().sum();
    let mut r = g.rng.gen_range(0..total);
    for (i, w) in W.iter().enumerate() {
        if r < *w {
            return SOURCES[i].0.to_string();
        }
        r -= w;
    }
    "OTHER".into()
}

fn utm(g: &mut Gen, source: &str) -> (Option<String>, Option<String>, Option<String>) {
    if matches!(source, "WEB" | "ADVERTISING" | "WEBFORM") && g.rng.gen_bool(0.7) {
        (
            Some(g.pick(UTM_SOURCES).to_string()),
            Some(g.pick(UTM_MEDIUMS).to_string()),
            Some(g.pick(UTM_CAMPAIGNS).to_string()),
        )
    } else {
        (None, None, None)
    }
}

fn company_title(g: &mut Gen) -> String {
    format!(
        "{} «{}{}»",
        g.pick(COMPANY_FORMS),
        g.pick(COMPANY_ROOTS),
        g.pick(COMPANY_SUFFIXES)
    )
}

/// A lead before ids are assigned.
struct LeadDraft {
    created: i64,
    moves: Vec<(i64, usize)>,
    source: String,
    assigned: i64,
    company: Option<i64>,
}

/// A deal before ids are assigned.
struct DealDraft {
    created: i64,
    category: usize,
    moves: Vec<Move>,
    source: String,
    assigned: i64,
    company: Option<i64>,
    lead_index: Option<usize>,
}

const LEAD_CODES: &[(&str, Semantic)] = &[
    ("NEW", Semantic::Process),
    ("IN_PROCESS", Semantic::Process),
    ("PROCESSED", Semantic::Process),
    ("CONVERTED", Semantic::Success),
    ("JUNK", Semantic::Failure),
];

fn lead_path(g: &mut Gen, created: i64) -> Vec<(i64, usize)> {
    let mut moves = vec![(created, 0usize)];
    let mut t = created;
    let push =
        |g: &mut Gen, t: &mut i64, moves: &mut Vec<(i64, usize)>, mean: f64, idx: usize| -> bool {
            *t += g.exp_duration(mean, 600);
            if *t >= g.now {
                return false;
            }
            moves.push((*t, idx));
            true
        };
    if g.rng.gen_bool(0.1) {
        push(g, &mut t, &mut moves, 1.5 * DAY as f64, 4);
        return moves;
    }
    if !g.rng.gen_bool(0.8) || !push(g, &mut t, &mut moves, 0.8 * DAY as f64, 1) {
        return moves;
    }
    if g.rng.gen_bool(0.4) && !push(g, &mut t, &mut moves, 2.0 * DAY as f64, 2) {
        return moves;
    }
    let r: f64 = g.rng.gen();
    if r < 0.42 {
        push(g, &mut t, &mut moves, 3.0 * DAY as f64, 3);
    } else if r < 0.8 {
        push(g, &mut t, &mut moves, 4.0 * DAY as f64, 4);
    }
    moves
}

/// One step of a deal's path: (time, pipeline index, stage, semantics, funnel change).
type Move = (i64, usize, String, Semantic, bool);

fn deal_path(g: &mut Gen, pipes: &[Pipeline], first: usize, created: i64) -> Vec<Move> {
    let mut cat = first;
    let mut p = &pipes[cat];
    let mut moves: Vec<Move> = vec![(created, cat, p.process[0].clone(), Semantic::Process, false)];
    let mut lose_at = if g.rng.gen_bool(0.55) {
        Some(g.rng.gen_range(0..p.process.len()))
    } else {
        None
    };
    let mut stall_at = if g.rng.gen_bool(0.12) {
        Some(g.rng.gen_range(0..p.process.len()))
    } else {
        None
    };
    // Some cards are abandoned: nobody moves them again (the forget-me-not report's prey).
    let abandon_at = if g.rng.gen_bool(0.08) {
        Some(g.rng.gen_range(0..p.process.len()))
    } else {
        None
    };
    // A few cards are moved to another pipeline mid-way (stage history TYPE_ID 5).
    let mut switch_at = if pipes.len() > 1 && g.rng.gen_bool(0.03) {
        Some(g.rng.gen_range(0..p.process.len()))
    } else {
        None
    };
    let mut t = created;
    let mut i = 0usize;
    loop {
        if abandon_at == Some(i) {
            return moves;
        }
        let mean = p.mean_stage_days * DAY as f64;
        let stay = if stall_at == Some(i) {
            g.exp_duration(120.0 * DAY as f64, 20 * DAY)
        } else {
            g.exp_duration(mean, HOUR)
        };
        t += stay;
        if t >= g.now {
            return moves;
        }
        t = g
            .working_time(t)
            .max(moves.last().map(|m| m.0 + 60).unwrap_or(t));
        if t >= g.now {
            return moves;
        }
        if switch_at == Some(i) {
            cat = (cat + g.rng.gen_range(1..pipes.len())) % pipes.len();
            p = &pipes[cat];
            moves.push((t, cat, p.process[0].clone(), Semantic::Process, true));
            switch_at = None;
            stall_at = None;
            lose_at = lose_at.map(|l| l.min(p.process.len() - 1));
            i = 0;
            continue;
        }
        if lose_at == Some(i) {
            let f = if p.failures.len() > 1 && g.rng.gen_bool(0.45) {
                g.rng.gen_range(1..p.failures.len())
            } else {
                0
            };
            moves.push((t, cat, p.failures[f].clone(), Semantic::Failure, false));
            return moves;
        }
        // Occasionally a card skips a stage.
        let step = if i + 2 < p.process.len() && g.rng.gen_bool(0.1) {
            2
        } else {
            1
        };
        i += step;
        if i >= p.process.len() {
            moves.push((t, cat, p.success.clone(), Semantic::Success, false));
            return moves;
        }
        moves.push((t, cat, p.process[i].clone(), Semantic::Process, false));
    }
}

fn money(g: &mut Gen, mean: f64) -> f64 {
    // Log-normal-ish amounts rounded to hundreds.
    let z: f64 = (0..3).map(|_| g.rng.gen::<f64>()).sum::<f64>() - 1.5;
    ((mean * (z * 1.2).exp()) / 100.0).round().max(1.0) * 100.0
}

pub fn build(g: &mut Gen, data: &mut PortalData, n_deals: usize, n_leads: usize) {
    let staff = Staff::new(data);
    let pipes = pipelines(data);
    let industries: Vec<String> = data
        .dictionary("INDUSTRY")
        .iter()
        .map(|s| s.status_id.clone())
        .collect();
    let n_companies = (n_deals / 3).clamp(5, 200_000);
    let mut companies: Vec<Company> = (0..n_companies)
        .map(|_| {
            let created = g.creation_time() - 60 * DAY;
            Company {
                id: 0,
                title: company_title(g),
                industry: g.pick(&industries).clone(),
                assigned_by_id: staff.pick(g, created),
                date_create: created,
                date_modify: created,
            }
        })
        .collect();
    companies.sort_by_key(|c| c.date_create);
    for (i, c) in companies.iter_mut().enumerate() {
        c.id = i as i64 + 1;
    }

    // Leads first: converted ones spawn deals.
    let mut lead_drafts: Vec<LeadDraft> = (0..n_leads)
        .map(|_| {
            let created = g.creation_time();
            LeadDraft {
                created,
                moves: lead_path(g, created),
                source: pick_source(g),
                assigned: staff.pick(g, created),
                company: if g.rng.gen_bool(0.5) {
                    Some(g.rng.gen_range(1..=n_companies as i64))
                } else {
                    None
                },
            }
        })
        .collect();
    lead_drafts.sort_by_key(|l| l.created);

    let mut deal_drafts: Vec<DealDraft> = Vec::with_capacity(n_deals);
    let weights: Vec<f64> = pipes.iter().map(|p| p.weight).collect();
    let pick_pipe = |g: &mut Gen| -> usize {
        let mut r: f64 = g.rng.gen::<f64>() * weights.iter().sum::<f64>();
        for (i, w) in weights.iter().enumerate() {
            if r < *w {
                return i;
            }
            r -= w;
        }
        0
    };
    for (li, l) in lead_drafts.iter().enumerate() {
        if deal_drafts.len() >= n_deals {
            break;
        }
        if let Some(&(t, 3)) = l.moves.last() {
            let cat = pick_pipe(g);
            let created = t + 60;
            if created >= g.now {
                continue;
            }
            deal_drafts.push(DealDraft {
                created,
                category: cat,
                moves: deal_path(g, &pipes, cat, created),
                source: l.source.clone(),
                assigned: l.assigned,
                company: l.company,
                lead_index: Some(li),
            });
        }
    }
    while deal_drafts.len() < n_deals {
        let created = g.creation_time();
        let cat = pick_pipe(g);
        deal_drafts.push(DealDraft {
            created,
            category: cat,
            moves: deal_path(g, &pipes, cat, created),
            source: pick_source(g),
            assigned: staff.pick(g, created),
            company: if g.rng.gen_bool(0.85) {
                Some(g.rng.gen_range(1..=n_companies as i64))
            } else {
                None
            },
            lead_index: None,
        });
    }
    deal_drafts.sort_by_key(|d| d.created);

    // Materialise leads and their history.
    let regions = &data.lead_fields[0].choices.clone();
    let mut lead_history: Vec<StageHistory> = Vec::new();
    let mut leads: Vec<Lead> = Vec::with_capacity(lead_drafts.len());
    for (i, d) in lead_drafts.iter().enumerate() {
        let id = i as i64 + 1;
        let &(moved, last) = d.moves.last().unwrap_or(&(d.created, 0));
        let (code, sem) = LEAD_CODES[last];
        for (j, &(t, idx)) in d.moves.iter().enumerate() {
            let (c, s) = LEAD_CODES[idx];
            lead_history.push(StageHistory {
                id: 0,
                type_id: if j == 0 {
                    1
                } else if s == Semantic::Process {
                    2
                } else {
                    3
                },
                owner_id: id,
                created_time: t,
                category_id: 0,
                stage_id: c.to_string(),
                semantic: s,
            });
        }
        let (us, um, uc) = utm(g, &d.source);
        let (first, last_name) = if g.rng.gen_bool(0.5) {
            (g.pick(MALE_FIRST).to_string(), g.pick(SURNAMES).to_string())
        } else {
            (
                g.pick(FEMALE_FIRST).to_string(),
                female_surname(g.pick::<&str>(SURNAMES)),
            )
        };
        let title = match d.source.as_str() {
            "CALL" | "CALLBACK" => "Входящий звонок".to_string(),
            "WEB" | "WEBFORM" | "STORE" => "Заявка с сайта".to_string(),
            "EMAIL" => "Письмо от клиента".to_string(),
            "TRADE_SHOW" => "Контакт с выставки".to_string(),
            _ => format!("Лид #{id}"),
        };
        let edited = if g.rng.gen_bool(0.2) {
            (moved + g.rng.gen_range(60..5 * DAY)).min(g.now - 1)
        } else {
            moved
        };
        leads.push(Lead {
            id,
            title,
            name: first,
            last_name,
            status_id: code.to_string(),
            semantic: sem,
            source_id: Some(d.source.clone()),
            opportunity: if g.rng.gen_bool(0.3) {
                money(g, 100_000.0)
            } else {
                0.0
            },
            currency_id: "RUB".into(),
            assigned_by_id: d.assigned,
            created_by_id: d.assigned,
            modify_by_id: d.assigned,
            moved_by_id: d.assigned,
            date_create: d.created,
            date_modify: edited.max(moved),
            moved_time: moved,
            date_closed: if sem == Semantic::Process {
                None
            } else {
                Some(moved)
            },
            company_id: d.company,
            is_return_customer: d.company.is_some() && g.rng.gen_bool(0.15),
            has_phone: g.rng.gen_bool(0.85),
            has_email: g.rng.gen_bool(0.6),
            utm_source: us,
            utm_medium: um,
            utm_campaign: uc,
            last_activity_time: None,
            last_activity_by: None,
            uf: vec![if g.rng.gen_bool(0.8) {
                Some(g.pick(regions).clone())
            } else {
                None
            }],
        });
    }

    // Materialise deals and their history.
    let deal_regions = data.deal_fields[0].choices.clone();
    let deliveries = data.deal_fields[1].choices.clone();
    let types: Vec<String> = data
        .dictionary("DEAL_TYPE")
        .iter()
        .map(|s| s.status_id.clone())
        .collect();
    let mut deal_history: Vec<StageHistory> = Vec::new();
    let mut deals: Vec<Deal> = Vec::with_capacity(deal_drafts.len());
    for (i, mut d) in deal_drafts.into_iter().enumerate() {
        let id = i as i64 + 1;
        let (moved, last_cat, stage, sem, _) = d.moves.last().cloned().unwrap_or((
            d.created,
            d.category,
            pipes[d.category].process[0].clone(),
            Semantic::Process,
            false,
        ));
        let p = &pipes[last_cat];
        for (j, (t, c, s, sm, funnel)) in std::mem::take(&mut d.moves).into_iter().enumerate() {
            deal_history.push(StageHistory {
                id: 0,
                type_id: if j == 0 {
                    1
                } else if funnel {
                    5
                } else if sm == Semantic::Process {
                    2
                } else {
                    3
                },
                owner_id: id,
                created_time: t,
                category_id: pipes[c].id,
                stage_id: s,
                semantic: sm,
            });
        }
        let closed = sem != Semantic::Process;
        let mean = match p.id {
            0 => 150_000.0,
            1 => 600_000.0,
            _ => 60_000.0,
        };
        let usd = g.rng.gen_bool(0.08);
        let mut amount = money(g, mean);
        if usd {
            amount = (amount / 92.5).round().max(1.0);
        }
        let (us, um, uc) = utm(g, &d.source);
        let edited = if g.rng.gen_bool(0.3) {
            (moved + g.rng.gen_range(60..10 * DAY)).min(g.now - 1)
        } else {
            moved
        };
        let lead_id = d.lead_index.map(|li| li as i64 + 1);
        let title = format!(
            "{} — {}",
            g.pick(DEAL_SUBJECTS),
            d.company
                .and_then(|c| companies.get(c as usize - 1))
                .map(|c| c.title.as_str())
                .unwrap_or("частное лицо")
        );
        deals.push(Deal {
            id,
            title,
            type_id: g.pick(&types).clone(),
            category_id: p.id,
            stage_id: stage,
            semantic: sem,
            opportunity: amount,
            currency_id: if usd { "USD".into() } else { "RUB".into() },
            is_manual_opportunity: g.rng.gen_bool(0.3),
            probability: None,
            assigned_by_id: d.assigned,
            created_by_id: d.assigned,
            modify_by_id: d.assigned,
            moved_by_id: d.assigned,
            date_create: d.created,
            date_modify: edited.max(moved),
            moved_time: moved,
            begindate: date_of(d.created, g.zone),
            closedate: if closed {
                date_of(moved, g.zone)
            } else {
                date_of(d.created + 30 * DAY, g.zone)
            },
            closed,
            opened: true,
            is_return_customer: false,
            source_id: Some(d.source),
            company_id: d.company,
            contact_id: None,
            lead_id,
            utm_source: us,
            utm_medium: um,
            utm_campaign: uc,
            last_activity_time: None,
            last_activity_by: None,
            comments: String::new(),
            uf: vec![
                if g.rng.gen_bool(0.9) {
                    Some(g.pick(&deal_regions).clone())
                } else {
                    None
                },
                if g.rng.gen_bool(0.5) {
                    Some(g.pick(&deliveries).clone())
                } else {
                    None
                },
            ],
        });
    }
    // A returning customer: the deal's company already had a deal before this one.
    let mut seen = vec![false; n_companies + 1];
    for d in deals.iter_mut() {
        if let Some(c) = d.company_id {
            if let Some(flag) = seen.get_mut(c as usize) {
                d.is_return_customer = *flag;
                *flag = true;
            }
        }
    }
    for h in [&mut deal_history, &mut lead_history] {
        h.sort_by_key(|r| (r.created_time, r.owner_id));
        for (i, r) in h.iter_mut().enumerate() {
            r.id = i as i64 + 1;
        }
    }
    data.companies = companies;
    data.leads = leads;
    data.deals = deals;
    data.deal_history = deal_history;
    data.lead_history = lead_history;
}
