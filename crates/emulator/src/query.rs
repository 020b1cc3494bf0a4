//! List engine shared by all list methods: filter prefixes (`>ID`, `>=DATE_MODIFY`, `!`, `@`, `%`),
//! multi-key order, 50-row paging with `start` (legacy rounding or exact offset), `start=-1`
//! without counting, and the ID-cursor fast path (binary search on id-sorted vectors).
//!
//! It knows nothing about JSON envelopes or specific entities beyond the `Record` trait.

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::Value;

use crate::format::parse_time;
use crate::php::as_str;

pub const PAGE: usize = 50;

/// A field value as the filter sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum Fv<'a> {
    Null,
    Int(i64),
    Num(f64),
    Str(Cow<'a, str>),
    Time(i64),
}

/// Anything a list method can filter and sort.
pub trait Record {
    fn id(&self) -> i64;
    /// `None` when the field name is unknown to this entity.
    fn field(&self, name: &str, ctx: &FieldCtx) -> Option<Fv<'_>>;
}

/// What field access may need besides the record itself.
pub struct FieldCtx<'a> {
    pub uf_names: &'a [String],
    pub offset: crate::format::Zone,
    /// Stage history rows of leads use STATUS_* names instead of STAGE_*.
    pub lead_rows: bool,
    /// Portal clock, for derived fields such as the overdue task meta-status.
    pub now: i64,
    /// Activities are read as call-statistics records (`voximplant.statistic.get`).
    pub telephony: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    Like,
    NotLike,
}

#[derive(Debug, Clone)]
pub struct Cond {
    pub field: String,
    pub op: Op,
    pub values: Vec<String>,
    /// Values pre-read as numbers and as instants (filled by `prepare`, so a scan over millions of
    /// rows does not re-parse the same filter text per row).
    pub nums: Vec<Option<f64>>,
    pub times: Vec<Option<i64>>,
}

impl Cond {
    pub fn new(field: String, op: Op, values: Vec<String>) -> Self {
        Cond {
            field,
            op,
            values,
            nums: Vec::new(),
            times: Vec::new(),
        }
    }
}

/// Pre-parses filter values for the portal's offset.
pub fn prepare(conds: &[Cond], offset: crate::format::Zone) -> Vec<Cond> {
    conds
        .iter()
        .map(|c| {
            let mut c = c.clone();
            c.nums = c.values.iter().map(|v| num_of(v)).collect();
            c.times = c.values.iter().map(|v| parse_time(v, offset)).collect();
            c
        })
        .collect()
}

#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub conds: Vec<Cond>,
    pub order: Vec<(String, bool)>,
    pub start: i64,
}

/// The field name with its prefix split off (`>=DATE_MODIFY` -> Ge, `DATE_MODIFY`).
pub fn split_prefix(key: &str) -> (Op, &str) {
    const PREFIXES: &[(&str, Op)] = &[
        (">=", Op::Ge),
        ("<=", Op::Le),
        ("!=", Op::Ne),
        ("!@", Op::Ne),
        ("!%", Op::NotLike),
        ("=%", Op::Like),
        ("%=", Op::Like),
        (">", Op::Gt),
        ("<", Op::Lt),
        ("@", Op::Eq),
        ("!", Op::Ne),
        ("%", Op::Like),
        ("=", Op::Eq),
    ];
    for (p, op) in PREFIXES {
        if let Some(rest) = key.strip_prefix(p) {
            return (*op, rest);
        }
    }
    (Op::Eq, key)
}

/// Builds conditions from a `filter` object. Field names are upper-cased unless `keep_case`.
pub fn parse_filter(filter: Option<&Value>, keep_case: bool) -> Result<Vec<Cond>, String> {
    let Some(filter) = filter else {
        return Ok(Vec::new());
    };
    let map = match filter {
        Value::Object(m) => m,
        Value::Array(a) if a.is_empty() => return Ok(Vec::new()),
        Value::Null => return Ok(Vec::new()),
        Value::String(s) if s.is_empty() => return Ok(Vec::new()),
        _ => return Err("Parameter 'filter' must be array.".into()),
    };
    let mut out = Vec::new();
    for (k, v) in map {
        let (op, name) = split_prefix(k);
        let values = match v {
            Value::Array(a) => a.iter().filter_map(as_str).collect(),
            Value::Object(m) => m.values().filter_map(as_str).collect(),
            Value::Null => vec![String::new()],
            other => as_str(other).into_iter().collect(),
        };
        let field = if keep_case {
            name.to_string()
        } else {
            name.to_ascii_uppercase()
        };
        out.push(Cond::new(field, op, values));
    }
    Ok(out)
}

/// Builds the order list from an `order` object (`{"ID":"ASC"}`); `desc` = true for DESC.
pub fn parse_order(order: Option<&Value>, keep_case: bool) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    if let Some(Value::Object(m)) = order {
        for (k, v) in m {
            let desc = as_str(v).is_some_and(|s| s.eq_ignore_ascii_case("desc"));
            out.push((
                if keep_case {
                    k.clone()
                } else {
                    k.to_ascii_uppercase()
                },
                desc,
            ));
        }
    }
    out
}

fn num_of(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok()
}

fn flag_norm(s: &str) -> &str {
    match s {
        "true" | "1" => "Y",
        "false" | "0" => "N",
        other => other,
    }
}

fn cmp_values(field: &Fv, cond: &Cond, i: usize, offset: crate::format::Zone) -> Option<Ordering> {
    let raw = cond.values[i].as_str();
    let num = || match cond.nums.get(i) {
        Some(n) => *n,
        None => num_of(raw),
    };
    match field {
        Fv::Null => None,
        Fv::Int(v) => num().and_then(|n| (*v as f64).partial_cmp(&n)),
        Fv::Num(f) => num().and_then(|n| f.partial_cmp(&n)),
        Fv::Time(t) => match cond.times.get(i) {
            Some(v) => v.map(|v| t.cmp(&v)),
            None => parse_time(raw, offset).map(|v| t.cmp(&v)),
        },
        Fv::Str(s) => {
            let raw = if s.len() == 1 { flag_norm(raw) } else { raw };
            if s.as_ref() == raw {
                return Some(Ordering::Equal);
            }
            if s.is_ascii() && raw.is_ascii() {
                let a = s.bytes().map(|b| b.to_ascii_lowercase());
                return Some(a.cmp(raw.bytes().map(|b| b.to_ascii_lowercase())));
            }
            Some(s.to_lowercase().cmp(&raw.to_lowercase()))
        }
    }
}

fn matches(field: &Fv, cond: &Cond, offset: crate::format::Zone) -> bool {
    let is_empty_test = cond.values.len() == 1 && cond.values[0].is_empty();
    if is_empty_test && matches!(cond.op, Op::Eq | Op::Ne) {
        let empty = matches!(field, Fv::Null) || matches!(field, Fv::Str(s) if s.is_empty());
        return (cond.op == Op::Eq) == empty;
    }
    match cond.op {
        Op::Eq => (0..cond.values.len())
            .any(|i| cmp_values(field, cond, i, offset) == Some(Ordering::Equal)),
        Op::Ne => !(0..cond.values.len())
            .any(|i| cmp_values(field, cond, i, offset) == Some(Ordering::Equal)),
        Op::Like | Op::NotLike => {
            let hay = match field {
                Fv::Str(s) => s.to_lowercase(),
                Fv::Int(i) => i.to_string(),
                _ => return cond.op == Op::NotLike,
            };
            let hit = cond
                .values
                .iter()
                .any(|v| hay.contains(&v.trim_matches('%').to_lowercase()));
            hit == (cond.op == Op::Like)
        }
        op => (0..cond.values.len()).any(|i| match cmp_values(field, cond, i, offset) {
            Some(o) => match op {
                Op::Gt => o == Ordering::Greater,
                Op::Ge => o != Ordering::Less,
                Op::Lt => o == Ordering::Less,
                Op::Le => o != Ordering::Greater,
                _ => false,
            },
            None => false,
        }),
    }
}

/// True if the record passes every condition; unknown fields fail nothing (ignored).
pub fn passes<T: Record>(r: &T, conds: &[Cond], ctx: &FieldCtx) -> bool {
    conds.iter().all(|c| match r.field(&c.field, ctx) {
        Some(f) => matches(&f, c, ctx.offset),
        None => true,
    })
}

/// Names used by conditions or order that `probe` does not know.
pub fn unknown_fields<T: Record>(probe: &T, q: &ListQuery, ctx: &FieldCtx) -> Vec<String> {
    q.conds
        .iter()
        .map(|c| c.field.clone())
        .chain(q.order.iter().map(|o| o.0.clone()))
        .filter(|f| probe.field(f, ctx).is_none())
        .collect()
}

fn cmp_fv(a: &Fv, b: &Fv) -> Ordering {
    match (a, b) {
        (Fv::Int(x), Fv::Int(y)) => x.cmp(y),
        (Fv::Time(x), Fv::Time(y)) => x.cmp(y),
        (Fv::Num(x), Fv::Num(y)) => x.partial_cmp(y).unwrap_or(Ordering::Equal),
        (Fv::Str(x), Fv::Str(y)) => x.cmp(y),
        (Fv::Null, Fv::Null) => Ordering::Equal,
        (Fv::Null, _) => Ordering::Less,
        (_, Fv::Null) => Ordering::Greater,
        _ => Ordering::Equal,
    }
}

/// One page of a list plus navigation, and how many rows were examined (cost model input).
pub struct Page<'a, T> {
    pub rows: Vec<&'a T>,
    pub total: Option<usize>,
    pub next: Option<i64>,
    pub scanned: usize,
}

/// How `start` is turned into an offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paging {
    /// Legacy lists: `intval(start/50)+1` pages, i.e. rounded down to a multiple of 50.
    LegacyRounded,
    /// ORM lists: exact offset.
    Exact,
}

/// Runs a list query over records sorted by id.
pub fn run<'a, T: Record>(
    items: &'a [T],
    q: &ListQuery,
    paging: Paging,
    ctx: &FieldCtx,
) -> Page<'a, T> {
    let prepared = ListQuery {
        conds: prepare(&q.conds, ctx.offset),
        order: q.order.clone(),
        start: q.start,
    };
    let q = &prepared;
    let no_count = q.start < 0;
    let offset = if no_count {
        0
    } else {
        match paging {
            Paging::LegacyRounded => (q.start as usize / PAGE) * PAGE,
            Paging::Exact => q.start as usize,
        }
    };
    let order_by_id = q.order.is_empty() || (q.order.len() == 1 && q.order[0].0 == "ID");
    let desc = order_by_id && q.order.first().is_some_and(|o| o.1);
    if order_by_id {
        // ID cursor fast path: narrow the scanned range by ID bounds with a binary search.
        let (mut lo, mut hi) = (0usize, items.len());
        for c in q
            .conds
            .iter()
            .filter(|c| c.field == "ID" && c.values.len() == 1)
        {
            let Some(v) = num_of(&c.values[0]).map(|f| f as i64) else {
                continue;
            };
            match c.op {
                Op::Gt => lo = lo.max(items.partition_point(|r| r.id() <= v)),
                Op::Ge => lo = lo.max(items.partition_point(|r| r.id() < v)),
                Op::Lt => hi = hi.min(items.partition_point(|r| r.id() < v)),
                Op::Le => hi = hi.min(items.partition_point(|r| r.id() <= v)),
                Op::Eq => {
                    lo = lo.max(items.partition_point(|r| r.id() < v));
                    hi = hi.min(items.partition_point(|r| r.id() <= v));
                }
                _ => {}
            }
        }
        let slice = if lo < hi {
            &items[lo..hi]
        } else {
            &items[0..0]
        };
        let mut rows = Vec::with_capacity(PAGE);
        let mut total = 0usize;
        let mut scanned = 0usize;
        let iter: Box<dyn Iterator<Item = &'a T>> = if desc {
            Box::new(slice.iter().rev())
        } else {
            Box::new(slice.iter())
        };
        for r in iter {
            scanned += 1;
            if !passes(r, &q.conds, ctx) {
                continue;
            }
            if total >= offset && rows.len() < PAGE {
                rows.push(r);
            }
            total += 1;
            if no_count && rows.len() >= PAGE {
                break;
            }
        }
        return finish(rows, total, offset, no_count, scanned);
    }
    let mut hits: Vec<&'a T> = items.iter().filter(|r| passes(*r, &q.conds, ctx)).collect();
    hits.sort_by(|a, b| {
        for (f, d) in &q.order {
            let (x, y) = (
                a.field(f, ctx).unwrap_or(Fv::Null),
                b.field(f, ctx).unwrap_or(Fv::Null),
            );
            let o = cmp_fv(&x, &y);
            let o = if *d { o.reverse() } else { o };
            if o != Ordering::Equal {
                return o;
            }
        }
        a.id().cmp(&b.id())
    });
    let total = hits.len();
    let rows: Vec<&'a T> = hits.into_iter().skip(offset).take(PAGE).collect();
    finish(rows, total, offset, no_count, items.len())
}

fn finish<T>(
    rows: Vec<&T>,
    total: usize,
    offset: usize,
    no_count: bool,
    scanned: usize,
) -> Page<'_, T> {
    if no_count {
        return Page {
            rows,
            total: Some(0),
            next: None,
            scanned,
        };
    }
    let next = (total > offset + PAGE).then_some((offset + PAGE) as i64);
    Page {
        rows,
        total: Some(total),
        next,
        scanned,
    }
}

/// Parses `start` (lowercase only, as the core reads it).
pub fn start_of(params: &Value) -> i64 {
    params
        .get("start")
        .and_then(crate::php::as_i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    struct R(i64, i64);

    impl Record for R {
        fn id(&self) -> i64 {
            self.0
        }
        fn field(&self, name: &str, _ctx: &FieldCtx) -> Option<Fv<'_>> {
            match name {
                "ID" => Some(Fv::Int(self.0)),
                "V" => Some(Fv::Int(self.1)),
                _ => None,
            }
        }
    }

    fn ctx() -> FieldCtx<'static> {
        FieldCtx {
            uf_names: &[],
            offset: crate::format::Zone::Fixed(0),
            lead_rows: false,
            now: 0,
            telephony: false,
        }
    }

    fn rows(n: i64) -> Vec<R> {
        (1..=n).map(|i| R(i, i % 3)).collect()
    }

    fn q(filter: serde_json::Value, start: i64) -> ListQuery {
        ListQuery {
            conds: parse_filter(Some(&filter), false).unwrap(),
            order: Vec::new(),
            start,
        }
    }

    #[test]
    fn prefixes() {
        assert_eq!(split_prefix(">=DATE"), (Op::Ge, "DATE"));
        assert_eq!(split_prefix("!@ID"), (Op::Ne, "ID"));
        assert_eq!(split_prefix("@ID"), (Op::Eq, "ID"));
        assert_eq!(split_prefix("%TITLE"), (Op::Like, "TITLE"));
        assert_eq!(split_prefix("ID"), (Op::Eq, "ID"));
    }

    #[test]
    fn legacy_rounding_exact_offset_and_no_count() {
        let data = rows(120);
        let p = run(&data, &q(json!({}), 70), Paging::LegacyRounded, &ctx());
        assert_eq!((p.rows[0].0, p.total, p.next), (51, Some(120), Some(100)));
        let p = run(&data, &q(json!({}), 70), Paging::Exact, &ctx());
        assert_eq!((p.rows[0].0, p.rows.len(), p.next), (71, 50, None));
        let p = run(
            &data,
            &q(json!({">ID": 100}), -1),
            Paging::LegacyRounded,
            &ctx(),
        );
        assert_eq!((p.rows.len(), p.total, p.next), (20, Some(0), None));
        assert_eq!(p.scanned, 20, "binary search skipped the first 100 rows");
    }

    #[test]
    fn in_not_and_unknown_fields() {
        let data = rows(30);
        let p = run(
            &data,
            &q(json!({"@ID": [3, 5, 99]}), 0),
            Paging::Exact,
            &ctx(),
        );
        assert_eq!(p.rows.iter().map(|r| r.0).collect::<Vec<_>>(), vec![3, 5]);
        let p = run(
            &data,
            &q(json!({"!V": 0, "<=ID": 6}), 0),
            Paging::Exact,
            &ctx(),
        );
        assert_eq!(
            p.rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            vec![1, 2, 4, 5]
        );
        let p = run(&data, &q(json!({"ID": 7}), 0), Paging::Exact, &ctx());
        assert_eq!((p.rows[0].0, p.total, p.scanned), (7, Some(1), 1));
        let p = run(&data, &q(json!({"NOPE": 1}), 0), Paging::Exact, &ctx());
        assert_eq!(p.total, Some(30), "unknown fields are ignored");
        assert!(parse_filter(Some(&json!("x")), false).is_err());
    }
}
