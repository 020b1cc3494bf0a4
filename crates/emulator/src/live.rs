//! The "live office": a portal that keeps working after the app is installed, as a sales team does. Every tick
//! (20–30 s in the demo, milliseconds in tests) it revises the estimate of a few open sales that have child work
//! (their amount goes up or down), moves an open child deal and an item on a stage, closes a child deal and an item, and now and then makes a new sale
//! with a child deal — all through the emulator's own mutation functions, so the portal's events
//! (`ONCRMDEALUPDATE`, `ONCRMDEALADD` ...) fire and the app's incremental sync picks the changes up. That is what
//! gives R7's "how much the check grew" something to show: the app stores a sale's amount when it first sees it.
//!
//! Deterministic given the seed (which records it picks and what it does to them; times follow the portal clock).
//! Off unless started ([`crate::PortalHandle::start_live_office`]); never changes closed sales.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::emulator::PortalHandle;
use crate::error::EmulatorError;
use crate::generator::linked::{PARENT_FIELD, SMART};
use crate::model::{PortalData, Semantic};
use crate::mutations::{DealPatch, NewDeal};

/// How the live office behaves.
#[derive(Debug, Clone)]
pub struct LiveOffice {
    /// The time between two ticks.
    pub interval: Duration,
    /// Seeds the choices (which sales, by how much, which children).
    pub seed: u64,
    /// Open sales with children whose estimate is revised per tick.
    pub revisions_per_tick: usize,
}

impl LiveOffice {
    /// One tick every `interval`, two revised estimates per tick.
    pub fn new(interval: Duration, seed: u64) -> Self {
        LiveOffice {
            interval,
            seed,
            revisions_per_tick: 2,
        }
    }
}

/// What one tick did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TickReport {
    /// Sales whose amount changed: (deal id, amount before, amount after).
    pub revised: Vec<(i64, f64, f64)>,
    /// Child deals moved to another open stage.
    pub moved: Vec<i64>,
    /// Smart-process items moved to another open stage: (type, id).
    pub moved_items: Vec<(i64, i64)>,
    /// Children closed: a deal id, or a smart-process item as (type, id).
    pub closed_deals: Vec<i64>,
    pub closed_items: Vec<(i64, i64)>,
    /// A new sale and its child deal.
    pub created: Option<(i64, i64)>,
}

/// What the office remembers between ticks: its random stream and each revised sale's amount before its first
/// revision (revisions stay within 60–160 % of it, so a sale revised every few minutes for hours stays believable).
#[derive(Debug, Clone)]
pub struct Team {
    rng: ChaCha8Rng,
    originals: std::collections::BTreeMap<i64, f64>,
}

impl Team {
    pub fn new(seed: u64) -> Team {
        Team {
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0x0FF1_CE00_0000_0015),
            originals: Default::default(),
        }
    }
}

/// A running live office; stops when dropped (or by [`LiveOfficeHandle::stop`]).
pub struct LiveOfficeHandle {
    task: tokio::task::JoinHandle<()>,
    ticks: Arc<AtomicU64>,
    log: Arc<std::sync::Mutex<Vec<Result<TickReport, String>>>>,
}

impl LiveOfficeHandle {
    /// Ticks done so far.
    pub fn ticks(&self) -> u64 {
        self.ticks.load(Ordering::Relaxed)
    }

    /// What every tick did, oldest first (a failed tick: its error).
    pub fn reports(&self) -> Vec<Result<TickReport, String>> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    pub fn stop(&self) {
        self.task.abort();
    }
}

impl Drop for LiveOfficeHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts ticking on the current tokio runtime.
pub(crate) fn start(portal: PortalHandle, cfg: LiveOffice) -> LiveOfficeHandle {
    let ticks = Arc::new(AtomicU64::new(0));
    let log = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (t, l) = (ticks.clone(), log.clone());
    let task = tokio::spawn(async move {
        let mut team = Team::new(cfg.seed);
        loop {
            tokio::time::sleep(cfg.interval).await;
            let r = tick(&portal, &mut team, cfg.revisions_per_tick)
                .await
                .map_err(|e| e.to_string());
            if let Err(e) = &r {
                tracing::warn!(error = %e, "live office tick failed");
            }
            if let Ok(mut l) = l.lock() {
                l.push(r);
            }
            t.fetch_add(1, Ordering::Relaxed);
        }
    });
    LiveOfficeHandle { task, ticks, log }
}

/// What the tick works on, read from the data in one go (ids ascending, so the choices depend on the seed only).
struct Office {
    /// Open sales (default pipeline) with at least one child deal or item.
    sales: Vec<(i64, f64)>,
    /// Open child deals: (id, category, stage).
    open_children: Vec<(i64, i64, String)>,
    /// Open items bound to a sale: (type, id, stage).
    open_items: Vec<(i64, i64, String)>,
    /// The parent field's position in a deal's user fields (`None`: the company has no child deals).
    has_parent_field: bool,
}

fn office(data: &PortalData) -> Office {
    let pos = data
        .deal_fields
        .iter()
        .position(|f| f.field_name == PARENT_FIELD);
    let parent_of = |d: &crate::model::Deal| -> Option<i64> {
        let v = d.uf.get(pos?)?.as_deref()?;
        v.trim_start_matches("D_").parse().ok()
    };
    let mut with_children = std::collections::BTreeSet::new();
    let mut open_children = Vec::new();
    for d in &data.deals {
        if let Some(p) = parent_of(d) {
            with_children.insert(p);
            if d.semantic == Semantic::Process {
                open_children.push((d.id, d.category_id, d.stage_id.clone()));
            }
        }
    }
    let mut open_items = Vec::new();
    for i in &data.crm_items {
        if let Some(p) = i.parent_deal_id {
            with_children.insert(p);
            if i.semantic == Semantic::Process {
                open_items.push((i.entity_type_id, i.id, i.stage_id.clone()));
            }
        }
    }
    let sales = data
        .deals
        .iter()
        .filter(|d| {
            d.category_id == 0 && d.semantic == Semantic::Process && with_children.contains(&d.id)
        })
        .map(|d| (d.id, d.opportunity))
        .collect();
    Office {
        sales,
        open_children,
        open_items,
        has_parent_field: pos.is_some(),
    }
}

/// One tick of office life (see the module doc).
pub async fn tick(
    portal: &PortalHandle,
    team: &mut Team,
    revisions: usize,
) -> Result<TickReport, EmulatorError> {
    let rng = &mut team.rng;
    let o = portal
        .with_data(office)
        .ok_or_else(|| EmulatorError::Invalid("portal data unavailable".into()))?;
    let mut report = TickReport::default();
    // Revised estimates: mostly up (the client adds to the order), sometimes down; never by less than 5 %.
    let picked: Vec<(i64, f64)> = o
        .sales
        .choose_multiple(rng, revisions.min(o.sales.len()))
        .copied()
        .collect();
    for (id, before) in picked {
        let pct: f64 = rng.gen_range(5.0..35.0);
        let up = rng.gen_bool(0.7);
        let original = *team.originals.entry(id).or_insert(before.max(1000.0));
        let scaled = |up: bool| {
            let f = if up {
                1.0 + pct / 100.0
            } else {
                1.0 - pct / 100.0
            };
            (before.max(1000.0) * f / 100.0).round() * 100.0
        };
        // Within 60–160 % of the amount before the first revision: a step that would leave it goes the other way.
        let mut after = scaled(up);
        if after > original * 1.6 || after < original * 0.6 {
            after = scaled(!up);
        }
        portal
            .update_deal(
                id,
                DealPatch {
                    opportunity: Some(after),
                    ..Default::default()
                },
            )
            .await?;
        report.revised.push((id, before, after));
    }
    // A child deal gets to work, another one is done.
    let fresh: Vec<&(i64, i64, String)> = o
        .open_children
        .iter()
        .filter(|(_, _, s)| s.ends_with(":NEW"))
        .collect();
    if let Some((id, cat, _)) = fresh.choose(rng) {
        portal
            .move_deal_stage(*id, &format!("C{cat}:PREPARATION"))
            .await?;
        report.moved.push(*id);
    }
    let fresh_items: Vec<&(i64, i64, String)> = o
        .open_items
        .iter()
        .filter(|(_, _, s)| s.ends_with(":NEW"))
        .collect();
    if let Some((ety, id, _)) = fresh_items.choose(rng) {
        portal.move_item_stage(*ety, *id, &format!("DT{ety}_1:PREPARATION"))?;
        report.moved_items.push((*ety, *id));
    }
    let working: Vec<&(i64, i64, String)> = o
        .open_children
        .iter()
        .filter(|(id, _, s)| s.ends_with(":PREPARATION") && !report.moved.contains(id))
        .collect();
    if let Some((id, cat, _)) = working.choose(rng) {
        portal.move_deal_stage(*id, &format!("C{cat}:WON")).await?;
        report.closed_deals.push(*id);
    }
    let working_items: Vec<&(i64, i64, String)> = o
        .open_items
        .iter()
        .filter(|(ety, id, _)| !report.moved_items.contains(&(*ety, *id)))
        .collect();
    if let Some((ety, id, _)) = working_items.choose(rng) {
        portal.move_item_stage(*ety, *id, &format!("DT{ety}_1:SUCCESS"))?;
        report.closed_items.push((*ety, *id));
    }
    // Now and then a new sale, with its first child.
    if rng.gen_bool(0.3) {
        let amount = (rng.gen_range(50_000.0..400_000.0f64) / 1000.0).round() * 1000.0;
        let sale = portal
            .create_deal(NewDeal {
                title: format!("Заказ {}", rng.gen_range(1000..9999)),
                category_id: 0,
                opportunity: amount,
                ..Default::default()
            })
            .await?;
        if o.has_parent_field {
            let cat = if rng.gen_bool(0.5) { 10 } else { 11 };
            let child = portal
                .create_deal(NewDeal {
                    title: format!("Работа по заказу {sale}"),
                    category_id: cat,
                    opportunity: (amount * 0.1).round(),
                    uf: [(PARENT_FIELD.to_string(), format!("D_{sale}"))]
                        .into_iter()
                        .collect(),
                    ..Default::default()
                })
                .await?;
            report.created = Some((sale, child));
        } else {
            let (_, ety, _) = SMART[rng.gen_range(0..SMART.len())];
            let item = portal.create_item(ety, Some(sale), (amount * 0.1).round())?;
            report.created = Some((sale, item));
        }
    }
    Ok(report)
}
