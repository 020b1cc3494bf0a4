//! The store of parts: which part (or segment of a segmented part, or its directory) of which portal is held, at
//! which data version and context fingerprint, and the least-recently-used eviction, per entry, that keeps the total
//! under the budget. Plain bookkeeping behind one mutex; must never read the database or build a part.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use b24a_store::report_reads::CachedTable;

use super::activities::ActivityLog;
use super::open_cards::OpenCards;
use super::open_deadlines::OpenDeadlines;
use super::parts::{DealsPart, HistoryPart, LeadsPart};
use super::segments::Directory;
use crate::records::ClientRec;

/// An entry's key: the portal, the table it copies, and the segment number ([`WHOLE`] for an unsegmented part or
/// the directory of a segmented one).
pub(crate) type Key = (i64, CachedTable, u32);

/// The segment number of an unsegmented part, or of a segmented part's directory.
pub(crate) const WHOLE: u32 = u32::MAX;

/// A held part.
#[derive(Clone)]
pub(crate) enum Value {
    Deals(Arc<DealsPart>),
    Leads(Arc<LeadsPart>),
    History(Arc<HistoryPart>),
    Companies(Arc<HashMap<i64, String>>),
    /// Completed activities by the moment they were done.
    ActivityLog(Arc<ActivityLog>),
    /// Open deals' and leads' activity summaries.
    OpenCards(Arc<OpenCards>),
    /// Open activities with a deadline, per responsible.
    OpenDeadlines(Arc<OpenDeadlines>),
    /// R6's companies or contacts with what their activities (own and their deals') say.
    Clients(Arc<Vec<ClientRec>>),
    /// The segments of a segmented part (deals, leads, stage history, activity log).
    Directory(Arc<Directory>),
}

struct Entry {
    version: i64,
    ctx: u64,
    bytes: usize,
    used: u64,
    value: Value,
}

/// The parts held, within a budget of bytes.
#[derive(Default)]
pub(crate) struct Shelf {
    entries: HashMap<Key, Entry>,
    /// Parts being built (one builder per portal and part).
    pub(crate) building: HashSet<Key>,
    bytes: usize,
    tick: u64,
}

impl Shelf {
    /// The part at exactly this version and context fingerprint (marked as just used).
    pub(crate) fn lookup(&mut self, key: Key, version: i64, ctx: u64) -> Option<Value> {
        self.tick += 1;
        let tick = self.tick;
        let e = self.entries.get_mut(&key)?;
        if e.version != version || e.ctx != ctx {
            return None;
        }
        e.used = tick;
        Some(e.value.clone())
    }

    /// Whether the part is held at this version and fingerprint (without marking it used).
    pub(crate) fn is_current(&self, key: Key, version: i64, ctx: u64) -> bool {
        self.entries
            .get(&key)
            .is_some_and(|e| e.version == version && e.ctx == ctx)
    }

    /// Keeps a part, replacing the portal's older copy and evicting least recently used parts to stay within
    /// `budget`; a part larger than the budget is not kept.
    pub(crate) fn put(
        &mut self,
        key: Key,
        version: i64,
        ctx: u64,
        bytes: usize,
        value: Value,
        budget: usize,
    ) {
        if let Some(old) = self.entries.remove(&key) {
            self.bytes -= old.bytes;
        }
        if bytes > budget {
            return;
        }
        while self.bytes + bytes > budget {
            let Some(oldest) = self
                .entries
                .iter()
                .min_by_key(|(_, e)| e.used)
                .map(|(k, _)| *k)
            else {
                break;
            };
            if let Some(old) = self.entries.remove(&oldest) {
                self.bytes -= old.bytes;
            }
        }
        self.tick += 1;
        self.bytes += bytes;
        self.entries.insert(
            key,
            Entry {
                version,
                ctx,
                bytes,
                used: self.tick,
                value,
            },
        );
    }

    /// Drops the entry if it is held at this version (a directory whose segments cannot all be had).
    pub(crate) fn forget(&mut self, key: Key, version: i64) {
        if self.entries.get(&key).is_some_and(|e| e.version == version) {
            if let Some(old) = self.entries.remove(&key) {
                self.bytes -= old.bytes;
            }
        }
    }

    /// Drops the segments numbered `from` and up of a portal's part (left from an older build that had more).
    pub(crate) fn drop_segments_from(&mut self, portal: i64, table: CachedTable, from: u32) {
        let old: Vec<Key> = self
            .entries
            .keys()
            .filter(|(p, t, n)| *p == portal && *t == table && *n != WHOLE && *n >= from)
            .copied()
            .collect();
        for key in old {
            if let Some(e) = self.entries.remove(&key) {
                self.bytes -= e.bytes;
            }
        }
    }

    /// The tables held for a portal (each once, however many of its segments are held).
    pub(crate) fn held(&self, portal_id: i64) -> Vec<CachedTable> {
        let mut tables: Vec<CachedTable> = vec![];
        for (portal, table, _) in self.entries.keys() {
            if *portal == portal_id && !tables.contains(table) {
                tables.push(*table);
            }
        }
        tables
    }

    /// (parts, bytes) held.
    pub(crate) fn stats(&self) -> (usize, usize) {
        (self.entries.len(), self.bytes)
    }

    /// Drops every part.
    pub(crate) fn clear(&mut self) {
        self.entries.clear();
        self.bytes = 0;
    }
}
