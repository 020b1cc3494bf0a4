//! The activities part of the report cache: every activity's time, kind, direction, completion and responsible
//! (sorted by time), and per deal / lead card the summary of its activities, answering the loaders' grouped
//! activity windows from memory. Must never read the database or compute a metric.

use std::collections::HashMap;

use super::parts::O64;
use crate::filter::Range;
use crate::metrics::{self, ActivityKind};
use crate::records::ActRec;

/// Activities of a portal: every activity's time, kind, direction, completion and responsible (sorted by time), and
/// per deal / lead card and completion the summary `load::activity_groups` gives for `OnOpenCards`.
pub(crate) struct ActsPart {
    pub(crate) when: Vec<i64>,
    /// Index into `people`.
    pub(crate) responsible: Vec<u32>,
    pub(crate) kind: Vec<ActivityKind>,
    pub(crate) direction: Vec<i64>,
    pub(crate) completed: Vec<bool>,
    pub(crate) people: Vec<Option<i64>>,
    pub(crate) cards: Vec<CCard>,
    /// Open activities with a deadline: (responsible index, deadline), sorted.
    pub(crate) open_deadlines: Vec<(u32, i64)>,
}

/// The activities of one card with one completion flag, summed up (as the SQL groups them).
pub(crate) struct CCard {
    pub(crate) owner_type: i64,
    pub(crate) owner_id: i64,
    pub(crate) max_created: i64,
    pub(crate) max_updated: i64,
    pub(crate) max_deadline: O64,
    pub(crate) nulls: u32,
    pub(crate) count: u32,
    pub(crate) completed: bool,
}

impl ActsPart {
    pub(crate) fn bytes(&self) -> usize {
        self.when.capacity() * 8
            + self.responsible.capacity() * 4
            + self.kind.capacity()
            + self.direction.capacity() * 8
            + self.completed.capacity()
            + self.people.capacity() * 16
            + self.cards.capacity() * std::mem::size_of::<CCard>()
            + self.open_deadlines.capacity() * 16
    }

    /// Open activities past their deadline at `now`, per responsible with the oldest deadline (as
    /// `load::activity_groups` gives `OverdueAt`).
    pub(crate) fn overdue_at(&self, now: i64) -> Vec<ActRec> {
        let mut out = vec![];
        let mut i = 0;
        while i < self.open_deadlines.len() {
            let who = self.open_deadlines[i].0;
            let end = i + self.open_deadlines[i..].partition_point(|(w, _)| *w == who);
            let late = self.open_deadlines[i..end].partition_point(|(_, d)| *d < now);
            if late > 0 {
                let oldest = self.open_deadlines[i].1;
                out.push(ActRec {
                    id: 0,
                    kind: metrics::activity_kind(0, None, None),
                    direction: 0,
                    completed: false,
                    responsible: self.people.get(who as usize).copied().flatten(),
                    owner_type: None,
                    owner_id: None,
                    when: oldest,
                    created: 0,
                    last_updated: 0,
                    deadline: Some(oldest),
                    weight: late as u64,
                });
            }
            i = end;
        }
        out
    }

    /// Completed activities done in the range, grouped by responsible, kind, direction and completion, with `when`
    /// the range start (as `load::activity_groups` gives `CompletedIn`).
    pub(crate) fn completed_in(&self, r: Range) -> Vec<ActRec> {
        if r.is_empty() {
            return vec![];
        }
        let start = self.when.partition_point(|t| *t < r.from_ts);
        let end = self.when.partition_point(|t| *t < r.to_ts);
        let mut groups: HashMap<(u32, ActivityKind, i64, bool), u64> = HashMap::new();
        for i in (start..end.max(start)).filter(|i| self.completed[*i]) {
            *groups
                .entry((
                    self.responsible[i],
                    self.kind[i],
                    self.direction[i],
                    self.completed[i],
                ))
                .or_default() += 1;
        }
        groups
            .into_iter()
            .map(|((who, kind, direction, completed), n)| ActRec {
                id: 0,
                kind,
                direction,
                completed,
                responsible: self.people.get(who as usize).copied().flatten(),
                owner_type: None,
                owner_id: None,
                when: r.from_ts,
                created: r.from_ts,
                last_updated: r.from_ts,
                deadline: None,
                weight: n,
            })
            .collect()
    }

    /// The per-card summaries of the given cards (owner type 1 lead / 2 deal), as `load::activity_groups` gives
    /// `OnOpenCards` for them.
    pub(crate) fn cards(&self, owner_type: i64, ids: &[i64]) -> Vec<ActRec> {
        let mut out = vec![];
        for id in ids {
            let start = self
                .cards
                .partition_point(|c| (c.owner_type, c.owner_id) < (owner_type, *id));
            for c in self.cards[start..]
                .iter()
                .take_while(|c| c.owner_type == owner_type && c.owner_id == *id)
            {
                let deadline = if c.nulls > 0 {
                    None
                } else {
                    c.max_deadline.get()
                };
                out.push(ActRec {
                    id: 0,
                    kind: metrics::activity_kind(0, None, None),
                    direction: 0,
                    completed: c.completed,
                    responsible: None,
                    owner_type: Some(c.owner_type),
                    owner_id: Some(c.owner_id),
                    when: 0,
                    created: c.max_created,
                    last_updated: c.max_updated,
                    deadline,
                    weight: u64::from(c.count),
                });
            }
        }
        out
    }
}
