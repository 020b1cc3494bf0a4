//! The open-cards part of the report cache: per open deal and open lead (owner types 2 and 1) and completion flag,
//! the summary of its activities, exactly the records `load::activity_groups` makes for `OnOpenCards` from the
//! store's grouped read (the part is built from that very read, so the numbers are the SQL's by construction).
//! R6 answers from it without loading any per-activity data. Must never read the database or compute a metric.

use super::parts::O64;
use crate::metrics;
use crate::records::ActRec;

/// The activities of one open card with one completion flag, summed up (as the SQL groups them).
pub(crate) struct OpenCard {
    pub(crate) owner_type: O64,
    pub(crate) owner_id: O64,
    /// The latest creation.
    pub(crate) created: i64,
    /// The latest update.
    pub(crate) last_updated: i64,
    /// The latest deadline; none when any of the activities has no deadline.
    pub(crate) deadline: O64,
    pub(crate) count: u64,
    pub(crate) completed: bool,
}

/// The open cards of a portal with their activities' summaries, sorted by (owner type, owner id, completion).
pub(crate) struct OpenCards {
    pub(crate) cards: Vec<OpenCard>,
}

impl OpenCards {
    /// The part from the records of `OnOpenCards` (only the fields that window sets are kept; the others are the
    /// same for every record of it and are given back by [`OpenCards::recs`]).
    pub(crate) fn new(recs: &[ActRec]) -> OpenCards {
        let mut cards: Vec<OpenCard> = recs
            .iter()
            .map(|a| OpenCard {
                owner_type: O64::new(a.owner_type),
                owner_id: O64::new(a.owner_id),
                created: a.created,
                last_updated: a.last_updated,
                deadline: O64::new(a.deadline),
                count: a.weight,
                completed: a.completed,
            })
            .collect();
        cards.sort_unstable_by_key(|c| (c.owner_type.raw(), c.owner_id.raw(), c.completed));
        cards.shrink_to_fit();
        OpenCards { cards }
    }

    pub(crate) fn bytes(&self) -> usize {
        self.cards.capacity() * std::mem::size_of::<OpenCard>()
    }

    /// Every open card's summaries, as `load::activity_groups` gives `OnOpenCards`.
    pub(crate) fn recs(&self) -> Vec<ActRec> {
        self.cards
            .iter()
            .map(|c| ActRec {
                id: 0,
                kind: metrics::activity_kind(0, None, None),
                direction: 0,
                completed: c.completed,
                responsible: None,
                owner_type: c.owner_type.get(),
                owner_id: c.owner_id.get(),
                when: 0,
                created: c.created,
                last_updated: c.last_updated,
                deadline: c.deadline.get(),
                weight: c.count,
            })
            .collect()
    }
}
