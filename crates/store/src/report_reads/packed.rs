//! Moving many rows out of the database fast, for the report reads: the database packs a result into one text value
//! (`group_concat` on SQLite, `string_agg` on PostgreSQL; fields joined by U+001F, rows by U+001E) and Rust splits
//! it. Per-row costs of the driver dominate report times on large portals otherwise (measured: ~10 µs a row on
//! SQLite). Rows are decoded into named structs declared with [`packed_row!`], whose field list *is* the column
//! list, so a column cannot be read into the wrong field. This module only moves values; it must never filter or
//! interpret them.

use crate::sql::{bind_vals, Val};
use crate::{with_pool, Backend, Store, StoreError};

/// Columns holding portal-supplied text (everything else we pack is a number, a date or a flag). Matched as a
/// suffix of the selected expression; `c1`, `c2` are the provider columns of the grouped activity reads.
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

/// A value read from one packed field; `""` is NULL.
pub(crate) trait Field: Sized {
    fn read(text: &str) -> Self;
}

impl Field for i64 {
    /// NULL (or anything not a number) reads as 0.
    fn read(text: &str) -> i64 {
        <Option<i64>>::read(text).unwrap_or(0)
    }
}
impl Field for Option<i64> {
    fn read(text: &str) -> Option<i64> {
        if text.is_empty() {
            None
        } else {
            text.parse().ok()
        }
    }
}
impl Field for String {
    /// NULL reads as `""`.
    fn read(text: &str) -> String {
        text.to_string()
    }
}
impl Field for Option<String> {
    fn read(text: &str) -> Option<String> {
        (!text.is_empty()).then(|| text.to_string())
    }
}
impl Field for bool {
    /// Both backends' spellings of TRUE; NULL reads as false.
    fn read(text: &str) -> bool {
        matches!(text, "1" | "true" | "t" | "TRUE")
    }
}
impl Field for Option<bool> {
    fn read(text: &str) -> Option<bool> {
        (!text.is_empty()).then(|| bool::read(text))
    }
}

/// A row type read from packed text: its columns in field order, and the decoder.
pub(crate) trait PackedRow: Sized {
    /// The selected expressions, one per field, in field order.
    const COLUMNS: &'static [&'static str];
    /// The row from its fields; `None` when the count does not match (a row that cannot be read is skipped).
    fn from_fields(fields: &[&str]) -> Option<Self>;
}

/// Declares a public row struct whose fields are read from packed text, each with the SQL expression it is
/// selected as: `pub struct DealRow { pub id: i64 = "d.id", … }`.
macro_rules! packed_row {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$fmeta:meta])* pub $field:ident : $ty:ty = $col:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name {
            $( $(#[$fmeta])* pub $field: $ty, )*
        }

        impl $crate::report_reads::packed::PackedRow for $name {
            const COLUMNS: &'static [&'static str] = &[$($col),*];
            fn from_fields(fields: &[&str]) -> Option<Self> {
                let mut it = fields.iter();
                let row = $name {
                    $( $field: <$ty as $crate::report_reads::packed::Field>::read(it.next()?), )*
                };
                it.next().is_none().then_some(row)
            }
        }
    };
}
pub(crate) use packed_row;

impl Store {
    /// Runs `{with}SELECT <T's columns> FROM {from_where}` packed and decodes the rows; `$1..$n` in the SQL are
    /// `binds`. Rows whose field count does not match are skipped.
    pub(crate) async fn fetch_packed<T: PackedRow>(
        &self,
        with: &str,
        from_where: &str,
        binds: &[Val<'_>],
    ) -> Result<Vec<T>, StoreError> {
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
        let row = T::COLUMNS
            .iter()
            .map(field)
            .collect::<Vec<_>>()
            .join(&format!(" || {us} || "));
        let agg = match self.backend() {
            Backend::Sqlite => format!("group_concat({row}, {rs})"),
            Backend::Postgres => format!("string_agg({row}, {rs})"),
        };
        let sql = format!("{with}SELECT {agg} FROM {from_where}");
        let (us, rs) = (US.to_string(), RS.to_string());
        let text: Option<String> = with_pool!(self.pool(), p => {
            bind_vals!(sqlx::query_scalar::<_, Option<String>>(&sql), binds)
                .bind(us.as_str())
                .bind(rs.as_str())
                .fetch_one(p)
                .await
        })?;
        let Some(text) = text.filter(|t| !t.is_empty()) else {
            return Ok(vec![]);
        };
        let mut fields: Vec<&str> = Vec::with_capacity(T::COLUMNS.len());
        Ok(text
            .split(RS)
            .filter_map(|r| {
                fields.clear();
                fields.extend(r.split(US));
                T::from_fields(&fields)
            })
            .collect())
    }
}
