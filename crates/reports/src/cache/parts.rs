//! The compact part types of the report cache — every deal, lead and deal stage-history row of a portal in a few
//! dozen bytes each, strings interned — and how each gives back exactly the records of a window that the loaders'
//! SQL would give. Must never read the database or compute a metric.

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::metrics::{self, Status};
use crate::records::{DealRec, DealWindow, HistRec, LeadRec, LeadWindow, Text};

/// Interned strings: each distinct stage, source, status and UTM value is kept once, and shared with the records
/// made from the part.
#[derive(Default)]
pub(crate) struct Strings {
    pub(crate) all: Vec<Text>,
    pub(crate) index: HashMap<String, u32>,
}

const NO_STR: u32 = u32::MAX;

impl Strings {
    pub(crate) fn id(&mut self, s: &str) -> u32 {
        if let Some(i) = self.index.get(s) {
            return *i;
        }
        let i = u32::try_from(self.all.len()).unwrap_or(NO_STR - 1);
        self.all.push(Text::from(s));
        self.index.insert(s.to_string(), i);
        i
    }
    pub(crate) fn opt(&mut self, s: Option<&str>) -> u32 {
        s.map_or(NO_STR, |s| self.id(s))
    }
    pub(crate) fn get(&self, i: u32) -> Text {
        self.all
            .get(i as usize)
            .cloned()
            .unwrap_or_else(|| Text::from(""))
    }
    pub(crate) fn get_opt(&self, i: u32) -> Option<Text> {
        (i != NO_STR).then(|| self.get(i))
    }
    pub(crate) fn bytes(&self) -> usize {
        self.all.iter().map(|s| s.len() + 32).sum::<usize>()
    }
}

/// `Option<i64>` in 8 bytes (`i64::MIN` = none; no Bitrix24 id or instant is that value).
#[derive(Debug, Clone, Copy)]
pub(crate) struct O64(i64);

impl O64 {
    pub(crate) fn new(v: Option<i64>) -> O64 {
        O64(v.unwrap_or(i64::MIN))
    }
    pub(crate) fn get(self) -> Option<i64> {
        (self.0 != i64::MIN).then_some(self.0)
    }
    /// The stored value as is (`i64::MIN` for none), for the persisted layout.
    pub(crate) fn raw(self) -> i64 {
        self.0
    }
    pub(crate) fn from_raw(v: i64) -> O64 {
        O64(v)
    }
}

/// A deal in ~100 bytes.
#[derive(Clone, Copy)]
pub(crate) struct CDeal {
    pub(crate) id: i64,
    pub(crate) pipeline: i64,
    pub(crate) amount: i64,
    pub(crate) created: i64,
    pub(crate) date_modify: i64,
    pub(crate) manager: O64,
    pub(crate) moved_time: O64,
    pub(crate) last_activity_time: O64,
    pub(crate) company_id: O64,
    pub(crate) close_day: Option<NaiveDate>,
    pub(crate) closedate: Option<NaiveDate>,
    pub(crate) stage: u32,
    pub(crate) source: u32,
    pub(crate) utm: [u32; 3],
    pub(crate) status: Status,
    pub(crate) returning: bool,
}

/// Every deal of a portal, by id.
pub(crate) struct DealsPart {
    pub(crate) deals: Vec<CDeal>,
    pub(crate) strings: Strings,
}

impl DealsPart {
    pub(crate) fn new(recs: Vec<DealRec>) -> DealsPart {
        let mut strings = Strings::default();
        let mut deals: Vec<CDeal> = recs
            .into_iter()
            .map(|d| CDeal {
                id: d.id,
                pipeline: d.pipeline,
                amount: d.amount.packed(),
                created: d.created,
                date_modify: d.date_modify,
                manager: O64::new(d.manager),
                moved_time: O64::new(d.moved_time),
                last_activity_time: O64::new(d.last_activity_time),
                company_id: O64::new(d.company_id),
                close_day: d.close_day,
                closedate: d.closedate,
                stage: strings.id(&d.stage_id),
                source: strings.opt(d.source.as_deref()),
                utm: [
                    strings.id(&d.utm.0),
                    strings.id(&d.utm.1),
                    strings.id(&d.utm.2),
                ],
                status: d.status,
                returning: d.returning,
            })
            .collect();
        deals.sort_by_key(|d| d.id);
        deals.shrink_to_fit();
        strings.index = HashMap::new();
        DealsPart { deals, strings }
    }

    pub(crate) fn bytes(&self) -> usize {
        self.deals.capacity() * std::mem::size_of::<CDeal>() + self.strings.bytes()
    }

    /// The same superset of deals the window's SQL selects (for dates stored as `YYYY-MM-DD…`; a closed deal
    /// whose CLOSEDATE does not parse is always included, since its close day comes from other fields).
    pub(crate) fn in_window(d: &CDeal, w: DealWindow) -> bool {
        let closed = d.status.is_closed();
        match w {
            DealWindow::CreatedOrClosed(r) => {
                !r.is_empty()
                    && (r.contains_ts(d.created)
                        || (closed && d.closedate.is_none_or(|c| r.contains_day(c))))
            }
            DealWindow::ClosedOrPlanned(r) => {
                !r.is_empty()
                    && (d.closedate.is_some_and(|c| r.contains_day(c))
                        || (closed && d.closedate.is_none()))
            }
            DealWindow::Open => !closed,
        }
    }

    fn rec(&self, d: &CDeal) -> DealRec {
        let s = &self.strings;
        DealRec {
            id: d.id,
            pipeline: d.pipeline,
            stage_id: s.get(d.stage),
            status: d.status,
            amount: crate::money::Money::from_packed(d.amount),
            manager: d.manager.get(),
            source: s.get_opt(d.source),
            created: d.created,
            close_day: d.close_day,
            closedate: d.closedate,
            moved_time: d.moved_time.get(),
            date_modify: d.date_modify,
            last_activity_time: d.last_activity_time.get(),
            returning: d.returning,
            company_id: d.company_id.get(),
            utm: (s.get(d.utm[0]), s.get(d.utm[1]), s.get(d.utm[2])),
        }
    }

    pub(crate) fn window(&self, w: DealWindow) -> Vec<DealRec> {
        self.deals
            .iter()
            .filter(|d| Self::in_window(d, w))
            .map(|d| self.rec(d))
            .collect()
    }

    pub(crate) fn window_ids(&self, w: DealWindow) -> Vec<i64> {
        self.deals
            .iter()
            .filter(|d| Self::in_window(d, w))
            .map(|d| d.id)
            .collect()
    }
}

/// A lead in ~90 bytes.
#[derive(Clone, Copy)]
pub(crate) struct CLead {
    pub(crate) id: i64,
    pub(crate) amount: i64,
    pub(crate) created: i64,
    pub(crate) date_modify: i64,
    pub(crate) date_closed: O64,
    pub(crate) moved_time: O64,
    pub(crate) last_activity_time: O64,
    pub(crate) manager: O64,
    pub(crate) status_id: u32,
    pub(crate) source: u32,
    pub(crate) utm: [u32; 3],
    pub(crate) status: Status,
    pub(crate) returning: bool,
}

pub(crate) struct LeadsPart {
    pub(crate) leads: Vec<CLead>,
    pub(crate) strings: Strings,
}

impl LeadsPart {
    pub(crate) fn new(recs: Vec<(LeadRec, Option<i64>)>) -> LeadsPart {
        let mut strings = Strings::default();
        let mut leads: Vec<CLead> = recs
            .into_iter()
            .map(|(l, date_closed)| CLead {
                id: l.id,
                amount: l.amount.packed(),
                created: l.created,
                date_modify: l.date_modify,
                date_closed: O64::new(date_closed),
                moved_time: O64::new(l.moved_time),
                last_activity_time: O64::new(l.last_activity_time),
                manager: O64::new(l.manager),
                status_id: strings.id(&l.status_id),
                source: strings.opt(l.source.as_deref()),
                utm: [
                    strings.id(&l.utm.0),
                    strings.id(&l.utm.1),
                    strings.id(&l.utm.2),
                ],
                status: l.status,
                returning: l.returning,
            })
            .collect();
        leads.sort_by_key(|l| l.id);
        leads.shrink_to_fit();
        strings.index = HashMap::new();
        LeadsPart { leads, strings }
    }

    pub(crate) fn bytes(&self) -> usize {
        self.leads.capacity() * std::mem::size_of::<CLead>() + self.strings.bytes()
    }

    /// Exactly the rows the window's SQL selects.
    pub(crate) fn in_window(l: &CLead, w: LeadWindow) -> bool {
        match w {
            LeadWindow::CreatedOrClosed(r) => {
                let in_r = |t: i64| t >= r.from_ts && t < r.to_ts;
                !r.is_empty()
                    && (in_r(l.created)
                        || (l.status.is_closed() && l.date_closed.get().is_none_or(in_r)))
            }
            LeadWindow::Open => !l.status.is_closed(),
        }
    }

    pub(crate) fn window(&self, w: LeadWindow) -> Vec<LeadRec> {
        let s = &self.strings;
        self.leads
            .iter()
            .filter(|l| Self::in_window(l, w))
            .map(|l| LeadRec {
                id: l.id,
                status_id: s.get(l.status_id),
                status: l.status,
                manager: l.manager.get(),
                source: s.get_opt(l.source),
                created: l.created,
                closed_at: metrics::lead_close_time(
                    l.status,
                    l.date_closed.get(),
                    l.moved_time.get(),
                    l.date_modify,
                ),
                date_modify: l.date_modify,
                moved_time: l.moved_time.get(),
                last_activity_time: l.last_activity_time.get(),
                amount: crate::money::Money::from_packed(l.amount),
                utm: (s.get(l.utm[0]), s.get(l.utm[1]), s.get(l.utm[2])),
                returning: l.returning,
            })
            .collect()
    }
}

/// A stage-history row of a deal in 32 bytes.
#[derive(Clone, Copy)]
pub(crate) struct CHist {
    pub(crate) owner: i64,
    pub(crate) time: i64,
    pub(crate) category: O64,
    pub(crate) stage: u32,
    /// TYPE_ID; values outside i32 (never sent by Bitrix24) become `i32::MIN`, which no rule looks for.
    pub(crate) type_id: i32,
}

/// Deal stage history of a portal, sorted by (deal, time, row id).
pub(crate) struct HistoryPart {
    pub(crate) rows: Vec<CHist>,
    pub(crate) strings: Strings,
}

impl HistoryPart {
    pub(crate) fn bytes(&self) -> usize {
        self.rows.capacity() * std::mem::size_of::<CHist>() + self.strings.bytes()
    }

    /// The history of the given deals, per deal in time order (as `load::deal_history` gives it).
    pub(crate) fn of_deals(&self, ids: &[i64]) -> HashMap<i64, Vec<HistRec>> {
        let mut out = HashMap::with_capacity(ids.len());
        for id in ids {
            let start = self.rows.partition_point(|h| h.owner < *id);
            let rows: Vec<HistRec> = self.rows[start..]
                .iter()
                .take_while(|h| h.owner == *id)
                .map(|h| HistRec {
                    time: h.time,
                    type_id: i64::from(h.type_id),
                    category_id: h.category.get(),
                    stage_id: self.strings.get(h.stage),
                })
                .collect();
            if !rows.is_empty() {
                out.insert(*id, rows);
            }
        }
        out
    }
}
