//! Moving many rows out of the database fast: the database packs a result into one text value (`group_concat` on
//! SQLite, `string_agg` on PostgreSQL; fields joined by U+001F, rows by U+001E) and Rust splits it. Per-row costs of
//! the driver dominate report times on large portals otherwise (measured: ~10 µs a row on SQLite). This module only
//! moves values; it must never filter or interpret them.

use b24a_store::{with_pool, Backend, Store};

use crate::error::ReportError;

/// Columns holding portal-supplied text (everything else we pack is a number, a date or a flag).
const TEXT_COLUMNS: &[&str] = &[
    "stage_id",
    "status_id",
    "source_id",
    "currency_id",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "provider_id",
    "provider_type_id",
    "c1",
    "c2",
];

const US: char = '\u{1f}';
const RS: char = '\u{1e}';

/// A bind value.
#[derive(Debug, Clone)]
pub enum Bind {
    I(i64),
    S(String),
}

/// Runs `SELECT <cols> FROM <from_where>` packed; `$1..$n` in `from_where` are `binds`. NULL comes back as `""`.
pub async fn fetch(
    store: &Store,
    cols: &[&str],
    from_where: &str,
    binds: &[Bind],
) -> Result<Vec<Vec<String>>, ReportError> {
    fetch_with(store, "", cols, from_where, binds).await
}

/// As [`fetch`], with a `WITH …` prefix (for packing the result of a grouped query).
pub async fn fetch_with(
    store: &Store,
    with: &str,
    cols: &[&str],
    from_where: &str,
    binds: &[Bind],
) -> Result<Vec<Vec<String>>, ReportError> {
    let us = format!("${}", binds.len() + 1);
    let rs = format!("${}", binds.len() + 2);
    // Free-text columns could hold the separators themselves; they are blanked there (numbers never hold them).
    let field = |c: &&str| {
        let v = format!("COALESCE(CAST({c} AS TEXT), '')");
        if TEXT_COLUMNS.iter().any(|t| c.ends_with(t)) {
            format!("REPLACE(REPLACE({v}, {us}, ' '), {rs}, ' ')")
        } else {
            v
        }
    };
    let row = cols
        .iter()
        .map(field)
        .collect::<Vec<_>>()
        .join(&format!(" || {us} || "));
    let agg = match store.backend() {
        Backend::Sqlite => format!("group_concat({row}, {rs})"),
        Backend::Postgres => format!("string_agg({row}, {rs})"),
    };
    let sql = format!("{with}SELECT {agg} FROM {from_where}");
    let text: Option<String> = with_pool!(store.pool(), p => {
        let mut q = sqlx::query_scalar::<_, Option<String>>(&sql);
        for b in binds {
            q = match b {
                Bind::I(v) => q.bind(*v),
                Bind::S(v) => q.bind(v.clone()),
            };
        }
        q.bind(US.to_string()).bind(RS.to_string()).fetch_one(p).await
    })?;
    let Some(text) = text else { return Ok(vec![]) };
    if text.is_empty() {
        return Ok(vec![]);
    }
    Ok(text
        .split(RS)
        .map(|r| r.split(US).map(str::to_string).collect())
        .collect())
}

pub fn i(v: &str) -> Option<i64> {
    if v.is_empty() {
        None
    } else {
        v.parse().ok()
    }
}
pub fn i0(v: &str) -> i64 {
    i(v).unwrap_or(0)
}
pub fn s(v: &str) -> Option<String> {
    if v.is_empty() {
        None
    } else {
        Some(v.to_string())
    }
}
pub fn b(v: &str) -> bool {
    matches!(v, "1" | "true" | "t" | "TRUE")
}
