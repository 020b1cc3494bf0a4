//! The open-deadlines part of the report cache: every open activity of a portal that has a deadline, as
//! (responsible, deadline) sorted by responsible then deadline, answering the loaders' `OverdueAt(now)` window (R2's
//! and R6's overdue activities) for any `now` from memory. Must never read the database or compute a metric.

use crate::metrics;
use crate::records::ActRec;

/// Open activities with a deadline, per responsible.
pub(crate) struct OpenDeadlines {
    /// Each responsible once (`None`: no responsible).
    pub(crate) people: Vec<Option<i64>>,
    /// Per activity, an index into `people` (checked when decoded: always in bounds); with `deadline`, sorted by
    /// (who, deadline).
    pub(crate) who: Vec<u32>,
    pub(crate) deadline: Vec<i64>,
}

impl OpenDeadlines {
    /// The part from (responsible, deadline) of every open activity with a deadline, in any order.
    pub(crate) fn new(rows: Vec<(Option<i64>, i64)>) -> OpenDeadlines {
        let mut people: Vec<Option<i64>> = rows.iter().map(|(p, _)| *p).collect();
        people.sort_unstable();
        people.dedup();
        let mut pairs: Vec<(u32, i64)> = rows
            .into_iter()
            .map(|(p, d)| (people.binary_search(&p).unwrap_or(0) as u32, d))
            .collect();
        pairs.sort_unstable();
        OpenDeadlines {
            people,
            who: pairs.iter().map(|(w, _)| *w).collect(),
            deadline: pairs.iter().map(|(_, d)| *d).collect(),
        }
    }

    pub(crate) fn bytes(&self) -> usize {
        self.people.capacity() * 16 + self.who.capacity() * 4 + self.deadline.capacity() * 8
    }

    /// Open activities past their deadline at `now`, per responsible with the oldest deadline (as
    /// `load::activity_groups` gives `OverdueAt`).
    pub(crate) fn overdue_at(&self, now: i64) -> Vec<ActRec> {
        let mut out = vec![];
        let n = self.who.len().min(self.deadline.len());
        let mut i = 0;
        while i < n {
            let who = self.who[i];
            // `max(1)`: always moves on, even over bytes that were not sorted (decoding checks they are).
            let end = i + self.who[i..n].partition_point(|w| *w == who).max(1);
            let late = self.deadline[i..end].partition_point(|d| *d < now);
            if late > 0 {
                let oldest = self.deadline[i];
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
}
