//! Persisted parts of the reports' cache (migration 0011): opaque byte chunks per portal and cached table, keyed by
//! the table's data version and the fingerprint of the portal context the part was built with. The store keeps and
//! returns the bytes as given; what they mean belongs to the reports' cache codec. A segmented part (issue #18) is
//! kept as its directory under the table's name (`deals`) and each segment under `<name>/<n>` (`deals/7`), all
//! written in one transaction and read one segment at a time. Must never interpret the bytes and never hand back
//! chunks of another version or fingerprint (a stale part would be a wrong answer).

use crate::report_reads::{CachedTable, ClientTable};
use crate::sql::Val;
use crate::{PortalId, Store, StoreError};

impl CachedTable {
    /// The name a persisted part of this table is kept under.
    fn part_name(self) -> &'static str {
        match self {
            CachedTable::Deals => "deals",
            CachedTable::Leads => "leads",
            CachedTable::DealHistory => "deal_history",
            CachedTable::Companies => "companies",
            // "activities" was the one activities part of layouts before the split (issue #18); never reused.
            CachedTable::ActivityLog => "activity_log",
            CachedTable::OpenCards => "open_cards",
            CachedTable::OpenDeadlines => "open_deadlines",
            CachedTable::Clients(ClientTable::Companies) => "company_clients",
            CachedTable::Clients(ClientTable::Contacts) => "contact_clients",
        }
    }
}

impl Store {
    /// Replaces the portal's persisted part of `table` by `chunks` (in order), built at `version` with context
    /// `fingerprint`, in one transaction: a reader sees the old part or the whole new one. (A part with no
    /// segments: any segments an older build left are removed with it.)
    pub async fn save_report_part(
        &self,
        portal: PortalId,
        table: CachedTable,
        version: i64,
        fingerprint: i64,
        chunks: &[&[u8]],
    ) -> Result<(), StoreError> {
        self.save_report_segments(portal, table, version, fingerprint, chunks, &[])
            .await
    }

    /// The chunks of the portal's persisted part of `table` in order, only when it was built at exactly `version`
    /// with context `fingerprint`; `None` otherwise (never saved, or saved for other data). For a segmented part
    /// these are its directory's chunks.
    pub async fn load_report_part(
        &self,
        portal: PortalId,
        table: CachedTable,
        version: i64,
        fingerprint: i64,
    ) -> Result<Option<Vec<Vec<u8>>>, StoreError> {
        self.load_named_part(portal, table.part_name(), version, fingerprint)
            .await
    }

    /// The chunks of segment `segment` of the portal's segmented part of `table`, under the same rule: only when
    /// written at exactly `version` and `fingerprint` (with the directory that lists it).
    pub async fn load_report_segment(
        &self,
        portal: PortalId,
        table: CachedTable,
        segment: u32,
        version: i64,
        fingerprint: i64,
    ) -> Result<Option<Vec<Vec<u8>>>, StoreError> {
        let name = format!("{}/{segment}", table.part_name());
        self.load_named_part(portal, &name, version, fingerprint)
            .await
    }

    /// Replaces the portal's persisted part of `table`, and every segment of it, by a segmented part built at
    /// `version` with context `fingerprint`: `directory`'s chunks under the table's name and each of `segments`
    /// (number, chunks) under `<name>/<number>`, in one transaction, so a reader sees the old part or the whole
    /// new one, never a mix.
    pub async fn save_report_segments(
        &self,
        portal: PortalId,
        table: CachedTable,
        version: i64,
        fingerprint: i64,
        directory: &[&[u8]],
        segments: &[(u32, Vec<&[u8]>)],
    ) -> Result<(), StoreError> {
        let name = table.part_name();
        let mut tx = self.begin().await?;
        // `_` is a LIKE wildcard (`deal_history`): escaped, so the pattern matches this part's segments only.
        let pattern = format!("{}/%", name.replace('!', "!!").replace('_', "!_"));
        tx.execute(
            "DELETE FROM report_parts WHERE portal_id = $1 AND (part = $2 OR part LIKE $3 ESCAPE '!')",
            &[Val::I64(portal.0), Val::Str(name), Val::Str(&pattern)],
        )
        .await?;
        let mut pieces: Vec<(String, &[&[u8]])> = vec![(name.to_string(), directory)];
        for (n, chunks) in segments {
            pieces.push((format!("{name}/{n}"), chunks.as_slice()));
        }
        for (part, chunks) in &pieces {
            for (seq, chunk) in chunks.iter().enumerate() {
                tx.execute(
                    "INSERT INTO report_parts (portal_id, part, seq, version, fingerprint, data) VALUES ($1, $2, $3, $4, $5, $6)",
                    &[
                        Val::I64(portal.0),
                        Val::Str(part),
                        Val::I64(seq as i64),
                        Val::I64(version),
                        Val::I64(fingerprint),
                        Val::Bytes(chunk),
                    ],
                )
                .await?;
            }
        }
        tx.commit().await
    }

    async fn load_named_part(
        &self,
        portal: PortalId,
        name: &str,
        version: i64,
        fingerprint: i64,
    ) -> Result<Option<Vec<Vec<u8>>>, StoreError> {
        let rows: Vec<(i64, Vec<u8>)> = self
            .fetch_all(
                "SELECT seq, data FROM report_parts WHERE portal_id = $1 AND part = $2 AND version = $3 AND fingerprint = $4 ORDER BY seq",
                &[
                    Val::I64(portal.0),
                    Val::Str(name),
                    Val::I64(version),
                    Val::I64(fingerprint),
                ],
            )
            .await?;
        // Chunks are written in one transaction from 0 up; a gap would mean a part written some other way.
        if rows.is_empty()
            || rows
                .iter()
                .enumerate()
                .any(|(i, (seq, _))| *seq != i as i64)
        {
            return Ok(None);
        }
        Ok(Some(rows.into_iter().map(|(_, data)| data).collect()))
    }
}
