//! Building blocks for SQL that runs unchanged on SQLite and PostgreSQL: borrowed bind values, placeholder
//! lists, chunk sizes under both backends' bind limits. It must never contain table knowledge or dialect branches.

/// At most this many bind parameters go into one statement: under SQLite's 32766 and PostgreSQL's 65535.
pub(crate) const MAX_BINDS: usize = 32_000;

/// One bind value, borrowed from the record it came from (no copies of text on the write path).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Val<'a> {
    I64(i64),
    OptI64(Option<i64>),
    Str(&'a str),
    OptStr(Option<&'a str>),
    Bool(bool),
    F64(f64),
}

/// Turns a record field into a bind value.
pub(crate) trait ToVal {
    fn to_val(&self) -> Val<'_>;
}

impl ToVal for i64 {
    fn to_val(&self) -> Val<'_> {
        Val::I64(*self)
    }
}
impl ToVal for Option<i64> {
    fn to_val(&self) -> Val<'_> {
        Val::OptI64(*self)
    }
}
impl ToVal for String {
    fn to_val(&self) -> Val<'_> {
        Val::Str(self)
    }
}
impl ToVal for Option<String> {
    fn to_val(&self) -> Val<'_> {
        Val::OptStr(self.as_deref())
    }
}
impl ToVal for bool {
    fn to_val(&self) -> Val<'_> {
        Val::Bool(*self)
    }
}
impl ToVal for f64 {
    fn to_val(&self) -> Val<'_> {
        Val::F64(*self)
    }
}

/// Binds `$vals` in order to the sqlx query `$q`. A macro (not a function) because each arm of
/// [`with_pool!`](crate::with_pool) needs it monomorphic for its own backend.
macro_rules! bind_vals {
    ($q:expr, $vals:expr) => {{
        let mut q = $q;
        for v in $vals.iter() {
            q = match *v {
                $crate::sql::Val::I64(x) => q.bind(x),
                $crate::sql::Val::OptI64(x) => q.bind(x),
                $crate::sql::Val::Str(x) => q.bind(x),
                $crate::sql::Val::OptStr(x) => q.bind(x),
                $crate::sql::Val::Bool(x) => q.bind(x),
                $crate::sql::Val::F64(x) => q.bind(x),
            };
        }
        q
    }};
}
pub(crate) use bind_vals;

/// `$first, $first+1, …` for `n` values, comma-separated, appended to `out`.
pub(crate) fn push_placeholders(out: &mut String, first: usize, n: usize) {
    use std::fmt::Write;
    for i in 0..n {
        if i > 0 {
            out.push_str(", ");
        }
        // Writing to a String cannot fail.
        let _ = write!(out, "${}", first + i);
    }
}

/// Placeholders `$first…` for an `IN (…)` list of `n` values.
pub(crate) fn in_list(first: usize, n: usize) -> String {
    let mut s = String::with_capacity(n * 7);
    push_placeholders(&mut s, first, n);
    s
}
