//! The activity log part of the report cache: every completed activity of a portal by the moment it was done
//! (LAST_UPDATED, `metrics::activity_done_at`), in 12 bytes — the moment, and an index into the distinct
//! (responsible, kind, direction) combinations, each kept once with its exact stored values. It answers the
//! loaders' `CompletedIn` window (R2's "completed in the period") from memory. Open activities are not in it (no
//! window reads them from here: open cards and overdue activities are parts of their own). The cache keeps it cut
//! into runs by that moment (`segments::split_log`), each a log of its own; a window's counts are the sum of its
//! runs'. Must never read the database or compute a metric.

use crate::filter::Range;
use crate::metrics::ActivityKind;
use crate::records::ActRec;

/// What `CompletedIn` groups a completed activity by, as stored (direction exact, whatever its value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct LogGroup {
    pub(crate) responsible: Option<i64>,
    pub(crate) kind: ActivityKind,
    pub(crate) direction: i64,
}

/// The completed activities of a portal, sorted by the moment they were done.
pub(crate) struct ActivityLog {
    /// When each was done, ascending.
    pub(crate) when: Vec<i64>,
    /// Per activity, an index into `groups` (checked when decoded: always in bounds).
    pub(crate) group: Vec<u32>,
    /// Each distinct (responsible, kind, direction) once.
    pub(crate) groups: Vec<LogGroup>,
}

impl ActivityLog {
    /// The log of completed activities given as (done at, group), in any order.
    pub(crate) fn new(mut rows: Vec<(i64, LogGroup)>) -> ActivityLog {
        rows.sort_unstable_by_key(|(t, _)| *t);
        let mut index: std::collections::HashMap<LogGroup, u32> = Default::default();
        let mut groups = vec![];
        let mut when = Vec::with_capacity(rows.len());
        let mut group = Vec::with_capacity(rows.len());
        for (t, g) in rows {
            let ix = *index.entry(g).or_insert_with(|| {
                groups.push(g);
                (groups.len() - 1) as u32
            });
            when.push(t);
            group.push(ix);
        }
        groups.shrink_to_fit();
        ActivityLog {
            when,
            group,
            groups,
        }
    }

    pub(crate) fn bytes(&self) -> usize {
        self.when.capacity() * 8
            + self.group.capacity() * 4
            + self.groups.capacity() * std::mem::size_of::<LogGroup>()
    }

    /// Completed activities done in the range, grouped by responsible, kind and direction, with `when` the range
    /// start (as `load::activity_groups` gives `CompletedIn`).
    pub(crate) fn completed_in(&self, r: Range) -> Vec<ActRec> {
        if r.is_empty() {
            return vec![];
        }
        let start = self.when.partition_point(|t| *t < r.from_ts);
        let end = self.when.partition_point(|t| *t < r.to_ts).max(start);
        let mut counts = vec![0_u64; self.groups.len()];
        for g in self.group.get(start..end).unwrap_or_default() {
            if let Some(c) = counts.get_mut(*g as usize) {
                *c += 1;
            }
        }
        self.groups
            .iter()
            .zip(counts)
            .filter(|(_, n)| *n > 0)
            .map(|(g, n)| ActRec {
                id: 0,
                kind: g.kind,
                direction: g.direction,
                completed: true,
                responsible: g.responsible,
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
}

/// [`ActivityLog::completed_in`] over a log cut into runs: a group with activities in several runs counts them all,
/// groups in the order they first appear.
pub(crate) fn completed_in_runs<'a>(
    runs: impl Iterator<Item = &'a ActivityLog>,
    r: Range,
) -> Vec<ActRec> {
    let mut out: Vec<ActRec> = vec![];
    let mut at: std::collections::HashMap<LogGroup, usize> = Default::default();
    for log in runs {
        for rec in log.completed_in(r) {
            let g = LogGroup {
                responsible: rec.responsible,
                kind: rec.kind,
                direction: rec.direction,
            };
            match at.get(&g).and_then(|i| out.get_mut(*i)) {
                Some(o) => o.weight += rec.weight,
                None => {
                    at.insert(g, out.len());
                    out.push(rec);
                }
            }
        }
    }
    out
}
