//! What the reports' in-memory cache keys and cuts its reads by: the portal's data version of a table (bumped by
//! database triggers on every write, migration 0003) and the id span of a table, so the cache can read a large table
//! in id ranges. Must never decide what is cached.

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
    Activities,
}

impl CachedTable {
    /// The column of `report_data_versions` counting this table's writes.
    fn version_column(self) -> &'static str {
        match self {
            CachedTable::Deals => "deals",
            CachedTable::Leads => "leads",
            CachedTable::DealHistory => "stage_history",
            CachedTable::Companies => "companies",
            CachedTable::Activities => "activities",
        }
    }
    /// The table and the condition (after the portal's) its ids are spanned over.
    fn span_source(self) -> (&'static str, &'static str) {
        match self {
            CachedTable::Deals => ("deals", ""),
            CachedTable::Leads => ("leads", ""),
            CachedTable::DealHistory => ("stage_history", " AND entity_type_id = 2"),
            CachedTable::Companies => ("companies", ""),
            CachedTable::Activities => ("activities", ""),
        }
    }
}

#[derive(sqlx::FromRow)]
struct Span {
    lo: Option<i64>,
    hi: Option<i64>,
}

impl Store {
    /// The portal's current data version of a table; `None` when the portal has no version row.
    pub async fn report_data_version(
        &self,
        portal: PortalId,
        table: CachedTable,
    ) -> Result<Option<i64>, StoreError> {
        let sql = format!(
            "SELECT {} AS version FROM report_data_versions WHERE portal_id = $1",
            table.version_column()
        );
        let row: Option<(i64,)> = self.fetch_optional(&sql, &[Val::I64(portal.0)]).await?;
        Ok(row.map(|(v,)| v))
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

    /// The smallest and largest owner id of the portal's activities bound to cards of `owner_type`; `None` when
    /// there are none.
    pub async fn report_activity_owner_span(
        &self,
        portal: PortalId,
        owner_type: i64,
    ) -> Result<Option<(i64, i64)>, StoreError> {
        let span: Span = self
            .fetch_optional(
                "SELECT MIN(owner_id) AS lo, MAX(owner_id) AS hi FROM activities WHERE portal_id = $1 AND owner_type_id = $2",
                &[Val::I64(portal.0), Val::I64(owner_type)],
            )
            .await?
            .unwrap_or(Span { lo: None, hi: None });
        Ok(span.lo.zip(span.hi))
    }
}
