//! What the reports' in-memory cache keys and cuts its reads by: the portal's data version of a table (bumped by
//! database triggers on every write, migration 0003) and the id span of a table, so the cache can read a large table
//! in id ranges. Must never decide what is cached.

use crate::report_reads::ClientTable;
use crate::sql::Val;
use crate::{PortalId, Store, StoreError};

/// A table the reports' cache copies, as its data version and id span know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CachedTable {
    Deals,
    Leads,
    /// The stage history of deals.
    DealHistory,
    Companies,
    /// Completed activities by the moment they were done (R2's "completed in the period").
    ActivityLog,
    /// Per open deal / lead card and completion, the summary of its activities (R6's open cards): derived from
    /// activities, deals and leads (a card closing or reopening changes the set), so its version combines theirs.
    OpenCards,
    /// Open activities with a deadline, per responsible (overdue at any moment).
    OpenDeadlines,
    /// R6's per-card summaries of companies or contacts: derived from several tables (the cards, their activities,
    /// and the activities of the deals they are the primary client of), so its version combines theirs.
    Clients(ClientTable),
}

impl CachedTable {
    /// The column of `report_data_versions` counting the writes to this table; for the clients summaries, that of
    /// their card table (they also read activities and deals), for the open cards that of activities (they also
    /// read deals and leads); see [`Self::also_versions`].
    fn version_column(self) -> &'static str {
        match self {
            CachedTable::Deals => "deals",
            CachedTable::Leads => "leads",
            CachedTable::DealHistory => "stage_history",
            CachedTable::Companies | CachedTable::Clients(ClientTable::Companies) => "companies",
            // Contacts have a counter since migration 0015.
            CachedTable::Clients(ClientTable::Contacts) => "contacts",
            CachedTable::ActivityLog | CachedTable::OpenCards | CachedTable::OpenDeadlines => {
                "activities"
            }
        }
    }
    /// The other counters a part read from several tables depends on (empty for a part of one table).
    fn also_versions(self) -> &'static str {
        match self {
            CachedTable::Clients(_) => ", activities, deals",
            CachedTable::OpenCards => ", deals, leads",
            _ => "",
        }
    }
    /// The table and the condition (after the portal's) its ids are spanned over.
    fn span_source(self) -> (&'static str, &'static str) {
        match self {
            CachedTable::Deals => ("deals", ""),
            CachedTable::Leads => ("leads", ""),
            CachedTable::DealHistory => ("stage_history", " AND entity_type_id = 2"),
            CachedTable::Companies => ("companies", ""),
            CachedTable::ActivityLog | CachedTable::OpenCards | CachedTable::OpenDeadlines => {
                ("activities", "")
            }
            CachedTable::Clients(t) => (t.table(), ""),
        }
    }
}

#[derive(sqlx::FromRow)]
struct Span {
    lo: Option<i64>,
    hi: Option<i64>,
}

impl Store {
    /// The portal's current data version of a table; `None` when the portal has no version row. A part read from
    /// several tables gets one version made of all their counters (read in one statement, so together), which
    /// changes whenever any of them does.
    pub async fn report_data_version(
        &self,
        portal: PortalId,
        table: CachedTable,
    ) -> Result<Option<i64>, StoreError> {
        let column = table.version_column();
        let bind = [Val::I64(portal.0)];
        let also = table.also_versions();
        if !also.is_empty() {
            let sql =
                format!("SELECT {column}{also} FROM report_data_versions WHERE portal_id = $1");
            let row: Option<(i64, i64, i64)> = self.fetch_optional(&sql, &bind).await?;
            return Ok(row.map(|(a, b, c)| combined_version(&[a, b, c])));
        }
        let sql =
            format!("SELECT {column} AS version FROM report_data_versions WHERE portal_id = $1");
        let row: Option<(i64,)> = self.fetch_optional(&sql, &bind).await?;
        Ok(row.map(|(v,)| v))
    }

    /// Every data-version counter of the portal, read in one statement and mixed into one value: the tables kept in
    /// the reports' parts and `others` (every other table an answer reads, migration 0016). Any write to anything a
    /// report answer reads changes it; the server keys its whole-answer cache by it. `None` when the portal has no
    /// version row.
    pub async fn report_answer_stamp(&self, portal: PortalId) -> Result<Option<i64>, StoreError> {
        let row: Option<(i64, i64, i64, i64, i64, i64, i64)> = self
            .fetch_optional(
                "SELECT deals, leads, stage_history, companies, activities, contacts, others \
                 FROM report_data_versions WHERE portal_id = $1",
                &[Val::I64(portal.0)],
            )
            .await?;
        Ok(row.map(|(a, b, c, d, e, f, g)| combined_version(&[a, b, c, d, e, f, g])))
    }

    /// The smallest and largest id of the portal's rows of a table; `None` when it has none.
    pub async fn report_id_span(
        &self,
        portal: PortalId,
        table: CachedTable,
    ) -> Result<Option<(i64, i64)>, StoreError> {
        let (name, extra) = table.span_source();
        let sql =
            format!("SELECT MIN(id) AS lo, MAX(id) AS hi FROM {name} WHERE portal_id = $1{extra}");
        let span: Span = self
            .fetch_optional(&sql, &[Val::I64(portal.0)])
            .await?
            .unwrap_or(Span { lo: None, hi: None });
        Ok(span.lo.zip(span.hi))
    }
}

/// One version out of several counters: a 64-bit mix (FNV-1a over the counters' bytes, then a SplitMix64 finalizer),
/// fixed here rather than the standard hasher's so that a persisted part's version means the same to every build.
/// Any counter moving changes it; two different sets of counters giving the same value is a 2^-64 chance — the same
/// bet the context fingerprint of the deals and leads parts already makes.
fn combined_version(counters: &[i64]) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for c in counters {
        for b in c.to_le_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^= h >> 31;
    h as i64
}
