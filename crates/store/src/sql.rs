//! Building blocks for SQL that runs unchanged on SQLite and PostgreSQL: borrowed bind values, placeholder
//! lists, chunk sizes under both backends' bind limits. It must never contain table knowledge or dialect branches.

use crate::Backend;

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
    /// Binary data (BLOB / BYTEA).
    Bytes(&'a [u8]),
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
                $crate::sql::Val::Bytes(x) => q.bind(x),
            };
        }
        q
    }};
}
pub(crate) use bind_vals;

/// Emits the placeholders of a statement with many binds, in bind order: `$1, $2, …` on PostgreSQL and
/// anonymous `?` on SQLite. SQLite (and sqlx's SQLite binder) look a named or numbered parameter up by a linear
/// scan, which makes a 30,000-parameter statement quadratic (35 s instead of 0.3 s for 10,000 deals); anonymous
/// parameters avoid it. So a builder using `Ph` must push its values in the order it emits placeholders and
/// must never reuse one.
pub(crate) struct Ph {
    backend: Backend,
    next: usize,
}

impl Ph {
    pub(crate) fn new(backend: Backend) -> Ph {
        Ph { backend, next: 1 }
    }

    /// Appends the next placeholder.
    pub(crate) fn push(&mut self, out: &mut String) {
        match self.backend {
            Backend::Sqlite => out.push('?'),
            Backend::Postgres => {
                use std::fmt::Write;
                // Writing to a String cannot fail.
                let _ = write!(out, "${}", self.next);
            }
        }
        self.next += 1;
    }

    /// The next placeholder as a string.
    pub(crate) fn next(&mut self) -> String {
        let mut s = String::new();
        self.push(&mut s);
        s
    }

    /// Appends `n` comma-separated placeholders (an `IN (…)` list or one row of `VALUES`).
    pub(crate) fn list(&mut self, out: &mut String, n: usize) {
        for i in 0..n {
            if i > 0 {
                out.push_str(", ");
            }
            self.push(out);
        }
    }
}
