//! The open-deadlines part of the report cache: every open activity of a portal that has a deadline, as
//! (responsible, deadline) sorted by responsible then deadline, answering the loaders' `OverdueAt(now)` window (R2's
//! and R6's overdue activities) for any `now` from memory. Must never read the database or compute a metric.

use crate::metrics;
use crate::records::ActRec;

/// Open activities with a deadline, per responsible.
pub(crate) struct OpenDeadlines {
    /// Each responsible once (`None`: no responsible), sorted.
    pub(crate) people: Vec<Option<i64>>,
    /// Per responsible, where its deadlines end in `deadline` (theirs start where the previous one's end): a run
    /// per person instead of an index per activity took a third off what a cold read decodes (1M open activities
    /// at the bench's size: 2.6 MB persisted instead of 4.1).
    pub(crate) ends: Vec<u32>,
    /// Each person's deadlines ascending, persons in `people` order (checked when decoded).
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
        let ends = (0..people.len() as u32)
            .map(|who| pairs.partition_point(|(w, _)| *w <= who) as u32)
            .collect();
        OpenDeadlines {
            people,
            ends,
            deadline: pairs.iter().map(|(_, d)| *d).collect(),
        }
    }

    pub(crate) fn bytes(&self) -> usize {
        self.people.capacity() * 16 + self.ends.capacity() * 4 + self.deadline.capacity() * 8
    }

    /// Each person's deadlines, in `people` order (ends beyond the deadlines, never built or decoded so, give
    /// nothing rather than a panic).
    pub(crate) fn runs(&self) -> impl Iterator<Item = (Option<i64>, &[i64])> + '_ {
        let mut start = 0usize;
        self.people.iter().zip(&self.ends).map(move |(p, end)| {
            let end = *end as usize;
            let run = self.deadline.get(start..end).unwrap_or_default();
            start = end.max(start);
            (*p, run)
        })
    }

    /// Open activities past their deadline at `now`, per responsible with the oldest deadline (as
    /// `load::activity_groups` gives `OverdueAt`).
    pub(crate) fn overdue_at(&self, now: i64) -> Vec<ActRec> {
        let mut out = vec![];
        for (responsible, run) in self.runs() {
            let late = run.partition_point(|d| *d < now);
            if let (true, Some(&oldest)) = (late > 0, run.first()) {
                out.push(ActRec {
                    id: 0,
                    kind: metrics::activity_kind(0, None, None),
                    direction: 0,
                    completed: false,
                    responsible,
                    owner_type: None,
                    owner_id: None,
                    when: oldest,
                    created: 0,
                    last_updated: 0,
                    deadline: Some(oldest),
                    weight: late as u64,
                });
            }
        }
        out
    }
}
