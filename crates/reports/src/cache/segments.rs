//! Segmented parts (issue #18): the deals, leads, deal stage-history and activity-log parts are cut, when built,
//! into segments of the same compact types plus a small [`Directory`], so that a request reads (from the store, into
//! memory) only the segments its window could touch instead of the whole part. Deals and leads are cut by state and close month
//! (open; closed by month of their close day; closed without one), each group into pieces of at most
//! [`SEG_ROWS`] by creation time; stage history into runs of [`SEG_ROWS`] rows in (deal, time, id) order; the log of
//! completed activities into runs of [`SEG_ROWS`] activities in the order they were done (a month's R2 reads the
//! few runs of its month, not 24 months of activities).
//!
//! Pruning is a "could contain" test: a segment is skipped only when none of its rows can be in the window as the
//! part's own `in_window` (the SQL's superset) defines it. It must never drop such a row; a segment loaded in vain
//! only costs time. Must never read the database, and never decide whether a part is current (the cache does).

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};

use super::activities::ActivityLog;
use super::parts::{CDeal, CHist, CLead, DealsPart, HistoryPart, LeadsPart, Strings};
use crate::filter::Range;
use crate::records::{DealWindow, LeadWindow};

/// The most rows a segment holds: a few megabytes of compact rows, read in one query.
pub(crate) const SEG_ROWS: usize = 65_536;

/// Which rows a segment of deals or leads holds (history segments are all [`Class::Rows`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    /// Rows in work.
    Open,
    /// Closed rows whose close day (deals: stored CLOSEDATE; leads: DATE_CLOSED in UTC) falls in this month
    /// (`year * 12 + month0`).
    Closed(i32),
    /// Closed rows without a close day (every window of closed rows includes them).
    Undated,
    /// A run of rows: stage history of deals `first..=last`, or completed activities done from `first` to `last`
    /// (instants, inclusive).
    Rows,
}

/// One segment as the directory lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SegInfo {
    pub(crate) class: Class,
    pub(crate) rows: u32,
    /// Smallest and largest id (history: owner deal id) in the segment.
    pub(crate) first: i64,
    pub(crate) last: i64,
    /// The UTC months (`year * 12 + month0`) in which the segment's rows were created, sorted, distinct
    /// (empty for history).
    pub(crate) created: Vec<i32>,
}

/// The segments of one part, in segment-number order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Directory {
    pub(crate) segs: Vec<SegInfo>,
}

impl Directory {
    pub(crate) fn bytes(&self) -> usize {
        self.segs.capacity() * std::mem::size_of::<SegInfo>()
            + self
                .segs
                .iter()
                .map(|s| s.created.capacity() * 4)
                .sum::<usize>()
    }

    /// The segments that could hold a deal of the window.
    pub(crate) fn deal_segments(&self, w: DealWindow) -> Vec<u32> {
        self.pick(|s| deal_could_contain(s, w))
    }

    /// The segments that could hold a lead of the window.
    pub(crate) fn lead_segments(&self, w: LeadWindow) -> Vec<u32> {
        self.pick(|s| lead_could_contain(s, w))
    }

    /// The history segments that could hold a row of one of the deals (`ids` in any order).
    pub(crate) fn history_segments(&self, ids: &[i64]) -> Vec<u32> {
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        self.pick(|s| {
            let i = ids.partition_point(|id| *id < s.first);
            ids.get(i).is_some_and(|id| *id <= s.last)
        })
    }

    /// The activity-log segments that could hold an activity done in the range.
    pub(crate) fn log_segments(&self, r: Range) -> Vec<u32> {
        self.pick(|s| !r.is_empty() && s.first < r.to_ts && r.from_ts <= s.last)
    }

    fn pick(&self, could: impl Fn(&SegInfo) -> bool) -> Vec<u32> {
        (0..self.segs.len())
            .filter(|i| could(&self.segs[*i]))
            .map(|i| i as u32)
            .collect()
    }
}

/// A calendar day's month number.
pub(crate) fn day_month(d: NaiveDate) -> i32 {
    d.year() * 12 + d.month0() as i32
}

/// The UTC month of an instant (seconds). Non-decreasing in `ts` (instants beyond chrono's dates clamp to the
/// extremes), which is what lets a range of instants be tested as a range of months.
pub(crate) fn ts_month(ts: i64) -> i32 {
    let days = ts.div_euclid(86_400);
    let day = i32::try_from(days)
        .ok()
        .and_then(|d| d.checked_add(719_163))
        .and_then(NaiveDate::from_num_days_from_ce_opt);
    match day {
        Some(d) => day_month(d),
        None if ts < 0 => i32::MIN,
        None => i32::MAX,
    }
}

/// Whether the sorted set of months meets `[lo, hi]`.
fn meets(months: &[i32], lo: i32, hi: i32) -> bool {
    let i = months.partition_point(|m| *m < lo);
    months.get(i).is_some_and(|m| *m <= hi)
}

/// Whether a segment may hold a row created in `[from_ts, to_ts)`.
fn created_in(s: &SegInfo, r: &Range) -> bool {
    r.from_ts < r.to_ts && meets(&s.created, ts_month(r.from_ts), ts_month(r.to_ts - 1))
}

/// Mirrors `DealsPart::in_window`: could the segment hold a deal the window selects?
fn deal_could_contain(s: &SegInfo, w: DealWindow) -> bool {
    let closed_months = |r: &Range, m: i32| day_month(r.from) <= m && m <= day_month(r.to);
    match w {
        DealWindow::CreatedOrClosed(r) => {
            !r.is_empty()
                && (created_in(s, &r)
                    || match s.class {
                        Class::Closed(m) => closed_months(&r, m),
                        Class::Undated => true,
                        Class::Open | Class::Rows => false,
                    })
        }
        // Open deals are selected by their planned CLOSEDATE, which the directory does not index.
        DealWindow::ClosedOrPlanned(r) => {
            !r.is_empty()
                && match s.class {
                    Class::Open | Class::Undated => true,
                    Class::Closed(m) => closed_months(&r, m),
                    Class::Rows => false,
                }
        }
        DealWindow::Open => s.class == Class::Open,
    }
}

/// Mirrors `LeadsPart::in_window`.
fn lead_could_contain(s: &SegInfo, w: LeadWindow) -> bool {
    match w {
        LeadWindow::CreatedOrClosed(r) => {
            !r.is_empty()
                && (created_in(s, &r)
                    || match s.class {
                        Class::Closed(m) => {
                            r.from_ts < r.to_ts
                                && ts_month(r.from_ts) <= m
                                && m <= ts_month(r.to_ts - 1)
                        }
                        Class::Undated => true,
                        Class::Open | Class::Rows => false,
                    })
        }
        LeadWindow::Open => s.class == Class::Open,
    }
}

/// Re-interns the strings a segment's rows use, so that a segment carries only its own.
struct Remap<'a> {
    from: &'a Strings,
    to: Strings,
    ids: HashMap<u32, u32>,
}

impl<'a> Remap<'a> {
    fn new(from: &'a Strings) -> Remap<'a> {
        Remap {
            from,
            to: Strings::default(),
            ids: HashMap::new(),
        }
    }
    fn id(&mut self, i: u32) -> u32 {
        if let Some(j) = self.ids.get(&i) {
            return *j;
        }
        let j = match self.from.get_opt(i) {
            Some(s) => self.to.id(&s),
            None => i,
        };
        self.ids.insert(i, j);
        j
    }
    fn done(mut self) -> Strings {
        self.to.index = HashMap::new();
        self.to.all.shrink_to_fit();
        self.to
    }
}

/// Groups rows by class, cuts each group (ordered by creation, then id) into pieces of at most `max_rows`; each
/// piece in id order. Returns (class, row indices) per segment, groups in class order.
fn cut<T>(
    rows: &[T],
    max_rows: usize,
    class: impl Fn(&T) -> Class,
    order: impl Fn(&T) -> (i64, i64),
) -> Vec<(Class, Vec<usize>)> {
    let key = |c: Class| match c {
        Class::Open => (0, 0),
        Class::Undated => (1, 0),
        Class::Closed(m) => (2, m),
        Class::Rows => (3, 0),
    };
    let mut idx: Vec<usize> = (0..rows.len()).collect();
    idx.sort_by_key(|i| (key(class(&rows[*i])), order(&rows[*i])));
    let mut out: Vec<(Class, Vec<usize>)> = vec![];
    for i in idx {
        let c = class(&rows[i]);
        match out.last_mut() {
            Some((last, piece)) if *last == c && piece.len() < max_rows.max(1) => piece.push(i),
            _ => out.push((c, vec![i])),
        }
    }
    for (_, piece) in &mut out {
        piece.sort_by_key(|i| order(&rows[*i]).1);
    }
    out
}

fn info(class: Class, ids: impl Iterator<Item = (i64, i64)>) -> SegInfo {
    let (mut first, mut last, mut rows) = (i64::MAX, i64::MIN, 0u32);
    let mut created = vec![];
    for (id, ts) in ids {
        first = first.min(id);
        last = last.max(id);
        rows += 1;
        created.push(ts_month(ts));
    }
    created.sort_unstable();
    created.dedup();
    created.shrink_to_fit();
    SegInfo {
        class,
        rows,
        first,
        last,
        created,
    }
}

/// The deals part cut into segments (see the module doc), with its directory.
pub(crate) fn split_deals(part: &DealsPart, max_rows: usize) -> (Directory, Vec<DealsPart>) {
    let class = |d: &CDeal| match (d.status.is_closed(), d.closedate) {
        (false, _) => Class::Open,
        (true, Some(c)) => Class::Closed(day_month(c)),
        (true, None) => Class::Undated,
    };
    let mut dir = Directory::default();
    let mut segs = vec![];
    for (c, piece) in cut(&part.deals, max_rows, class, |d| (d.created, d.id)) {
        let mut map = Remap::new(&part.strings);
        let mut deals: Vec<CDeal> = piece
            .iter()
            .map(|i| {
                let mut d = part.deals[*i];
                d.stage = map.id(d.stage);
                d.source = map.id(d.source);
                d.utm = [map.id(d.utm[0]), map.id(d.utm[1]), map.id(d.utm[2])];
                d
            })
            .collect();
        deals.shrink_to_fit();
        dir.segs
            .push(info(c, deals.iter().map(|d| (d.id, d.created))));
        segs.push(DealsPart {
            deals,
            strings: map.done(),
        });
    }
    (dir, segs)
}

/// The UTC month a closed lead is filed under: that of DATE_CLOSED (the time `in_window` tests), if any.
fn lead_class(l: &CLead) -> Class {
    match (l.status.is_closed(), l.date_closed.get()) {
        (false, _) => Class::Open,
        (true, Some(t)) => Class::Closed(ts_month(t)),
        (true, None) => Class::Undated,
    }
}

/// The leads part cut into segments, with its directory.
pub(crate) fn split_leads(part: &LeadsPart, max_rows: usize) -> (Directory, Vec<LeadsPart>) {
    let mut dir = Directory::default();
    let mut segs = vec![];
    for (c, piece) in cut(&part.leads, max_rows, lead_class, |l| (l.created, l.id)) {
        let mut map = Remap::new(&part.strings);
        let mut leads: Vec<CLead> = piece
            .iter()
            .map(|i| {
                let mut l = part.leads[*i];
                l.status_id = map.id(l.status_id);
                l.source = map.id(l.source);
                l.utm = [map.id(l.utm[0]), map.id(l.utm[1]), map.id(l.utm[2])];
                l
            })
            .collect();
        leads.shrink_to_fit();
        dir.segs
            .push(info(c, leads.iter().map(|l| (l.id, l.created))));
        segs.push(LeadsPart {
            leads,
            strings: map.done(),
        });
    }
    (dir, segs)
}

/// The stage history (sorted by deal, time, id) cut into runs of at most `max_rows` rows, with its directory.
pub(crate) fn split_history(part: &HistoryPart, max_rows: usize) -> (Directory, Vec<HistoryPart>) {
    let mut dir = Directory::default();
    let mut segs = vec![];
    for run in part.rows.chunks(max_rows.max(1)) {
        let mut map = Remap::new(&part.strings);
        let rows: Vec<CHist> = run
            .iter()
            .map(|h| {
                let mut h = *h;
                h.stage = map.id(h.stage);
                h
            })
            .collect();
        dir.segs.push(SegInfo {
            class: Class::Rows,
            rows: rows.len() as u32,
            first: rows.first().map_or(0, |h| h.owner),
            last: rows.last().map_or(0, |h| h.owner),
            created: vec![],
        });
        segs.push(HistoryPart {
            rows,
            strings: map.done(),
        });
    }
    (dir, segs)
}

/// The log of completed activities (sorted by the moment each was done) cut into runs of at most `max_rows`, each
/// with only the groups its activities use, with its directory (`first` / `last`: the run's first and last moment).
pub(crate) fn split_log(log: &ActivityLog, max_rows: usize) -> (Directory, Vec<ActivityLog>) {
    let mut dir = Directory::default();
    let mut segs = vec![];
    let max_rows = max_rows.max(1);
    for (when, group) in log.when.chunks(max_rows).zip(log.group.chunks(max_rows)) {
        let mut ids: HashMap<u32, u32> = HashMap::new();
        let mut seg = ActivityLog {
            when: Vec::with_capacity(when.len()),
            group: Vec::with_capacity(when.len()),
            groups: vec![],
        };
        // Group indices are in bounds (built so, checked when decoded); one that is not is left out, never guessed.
        for (t, g) in when.iter().zip(group) {
            let Some(lg) = log.groups.get(*g as usize) else {
                continue;
            };
            let ix = *ids.entry(*g).or_insert_with(|| {
                seg.groups.push(*lg);
                (seg.groups.len() - 1) as u32
            });
            seg.when.push(*t);
            seg.group.push(ix);
        }
        dir.segs.push(SegInfo {
            class: Class::Rows,
            rows: seg.when.len() as u32,
            first: seg.when.first().copied().unwrap_or(0),
            last: seg.when.last().copied().unwrap_or(0),
            created: vec![],
        });
        segs.push(seg);
    }
    (dir, segs)
}

#[cfg(test)]
mod tests {
    //! Pruning against the unsegmented part: on generated rows with the edge cases (closed without a close day,
    //! created in a range but closed months later, instants next to month boundaries in a zone east and west of
    //! UTC, empty ranges), the merged segments' windows must equal the whole part's windows exactly.
    use super::*;
    use crate::metrics::Status;
    use crate::money::Money;
    use crate::records::{DealRec, HistRec, LeadRec};

    /// A tiny deterministic generator (no dependency): xorshift.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> i64 {
            (self.next() % n) as i64
        }
    }

    fn day(n: i64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 1, 1).unwrap() + chrono::Duration::days(n)
    }

    /// Instants within a few hours of a day's UTC midnight (month boundaries in any zone).
    fn instant(rng: &mut Rng, d: i64) -> i64 {
        let midnight = day(d).and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp();
        midnight + rng.below(36 * 3600) - 12 * 3600
    }

    fn status(rng: &mut Rng) -> Status {
        [Status::InWork, Status::Won, Status::Lost][rng.below(3) as usize]
    }

    fn deals(n: i64) -> DealsPart {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let recs = (1..=n)
            .map(|id| {
                let created_day = rng.below(400);
                let status = status(&mut rng);
                // Close days from before the creation to a year after; some closed deals have none.
                let closedate = (rng.below(5) != 0).then(|| day(created_day - 20 + rng.below(385)));
                DealRec {
                    id: id * 3,
                    pipeline: rng.below(3),
                    stage_id: format!("S{}", rng.below(7)).into(),
                    status,
                    amount: Money::from_packed(rng.below(1_000_000)),
                    manager: (rng.below(4) != 0).then(|| rng.below(5)),
                    source: (rng.below(3) != 0).then(|| format!("SRC{}", rng.below(4)).into()),
                    created: instant(&mut rng, created_day),
                    close_day: status.is_closed().then(|| day(created_day + 3)),
                    closedate,
                    moved_time: None,
                    date_modify: instant(&mut rng, created_day + 1),
                    last_activity_time: Some(7),
                    returning: rng.below(2) == 0,
                    company_id: None,
                    utm: (format!("u{}", rng.below(3)).into(), "".into(), "c".into()),
                }
            })
            .collect();
        DealsPart::new(recs)
    }

    fn leads(n: i64) -> LeadsPart {
        let mut rng = Rng(0x2545_F491_4F6C_DD1D);
        let recs = (1..=n)
            .map(|id| {
                let created_day = rng.below(400);
                let status = status(&mut rng);
                let later = created_day + rng.below(300);
                let closed = (rng.below(4) != 0).then(|| instant(&mut rng, later));
                let rec = LeadRec {
                    id: id * 2 + 1,
                    status_id: format!("L{}", rng.below(5)).into(),
                    status,
                    manager: Some(rng.below(3)),
                    source: None,
                    created: instant(&mut rng, created_day),
                    closed_at: None,
                    date_modify: instant(&mut rng, created_day + 2),
                    moved_time: (rng.below(2) == 0).then(|| instant(&mut rng, created_day + 1)),
                    last_activity_time: None,
                    amount: Money::from_packed(rng.below(1000)),
                    utm: ("".into(), format!("m{}", rng.below(2)).into(), "".into()),
                    returning: false,
                };
                (rec, closed)
            })
            .collect();
        LeadsPart::new(recs)
    }

    /// Ranges of portal days in zones UTC+3 and UTC-10: single days at month edges, months, quarters, a year,
    /// ranges outside the data, and empty ones.
    fn ranges() -> Vec<Range> {
        let mut out = vec![];
        for offset in [3 * 3600, -10 * 3600] {
            let r = |from: NaiveDate, to: NaiveDate| {
                let start =
                    |d: NaiveDate| d.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp() - offset;
                let from_ts = start(from);
                Range {
                    from,
                    to,
                    from_ts,
                    to_ts: start(to + chrono::Duration::days(1)).max(from_ts),
                }
            };
            for m in 0..15 {
                let first = NaiveDate::from_ymd_opt(2025 + m / 12, (m % 12) as u32 + 1, 1).unwrap();
                let last = (first + chrono::Duration::days(32)).with_day(1).unwrap()
                    - chrono::Duration::days(1);
                out.push(r(first, last));
                out.push(r(first, first));
                out.push(r(last, last));
                out.push(r(last, last + chrono::Duration::days(1)));
                out.push(r(
                    first + chrono::Duration::days(10),
                    first + chrono::Duration::days(80),
                ));
                out.push(r(last, first));
            }
            out.push(r(day(-400), day(-300)));
            out.push(r(day(900), day(1000)));
            out.push(r(day(0), day(400)));
        }
        out
    }

    fn deal_windows() -> Vec<DealWindow> {
        let mut out = vec![DealWindow::Open];
        for r in ranges() {
            out.push(DealWindow::CreatedOrClosed(r));
            out.push(DealWindow::ClosedOrPlanned(r));
        }
        out
    }

    fn key(d: &DealRec) -> String {
        format!("{d:?}")
    }

    #[test]
    fn deal_segments_give_exactly_the_whole_windows() {
        let whole = deals(3000);
        for max_rows in [1, 7, 100, SEG_ROWS] {
            let (dir, segs) = split_deals(&whole, max_rows);
            assert_eq!(segs.iter().map(|s| s.deals.len()).sum::<usize>(), 3000);
            assert!(segs.iter().all(|s| s.deals.len() <= max_rows));
            let mut skipped = 0;
            for w in deal_windows() {
                let picked = dir.deal_segments(w);
                skipped += segs.len() - picked.len();
                let mut got: Vec<DealRec> = picked
                    .iter()
                    .flat_map(|n| segs[*n as usize].window(w))
                    .collect();
                got.sort_by_key(|d| d.id);
                let want = whole.window(w);
                assert_eq!(
                    got.iter().map(key).collect::<Vec<_>>(),
                    want.iter().map(key).collect::<Vec<_>>(),
                    "{w:?} at {max_rows} rows a segment"
                );
                let mut ids: Vec<i64> = picked
                    .iter()
                    .flat_map(|n| segs[*n as usize].window_ids(w))
                    .collect();
                ids.sort_unstable();
                assert_eq!(ids, whole.window_ids(w), "{w:?}");
            }
            // Pruning does prune: most windows are a month or less of 400 days.
            assert!(skipped > 0, "nothing skipped at {max_rows}");
        }
    }

    #[test]
    fn open_deals_read_the_open_segments_only() {
        let whole = deals(500);
        let (dir, segs) = split_deals(&whole, 64);
        let open = dir.deal_segments(DealWindow::Open);
        assert!(open
            .iter()
            .all(|n| dir.segs[*n as usize].class == Class::Open));
        let n_open = whole.deals.iter().filter(|d| !d.status.is_closed()).count();
        assert_eq!(
            open.iter()
                .map(|n| segs[*n as usize].deals.len())
                .sum::<usize>(),
            n_open
        );
        // Empty ranges read nothing.
        let empty = ranges().into_iter().find(|r| r.is_empty()).unwrap();
        assert!(dir
            .deal_segments(DealWindow::CreatedOrClosed(empty))
            .is_empty());
        assert!(dir
            .deal_segments(DealWindow::ClosedOrPlanned(empty))
            .is_empty());
    }

    #[test]
    fn lead_segments_give_exactly_the_whole_windows() {
        let whole = leads(2000);
        let show = |v: Vec<LeadRec>| v.iter().map(|l| format!("{l:?}")).collect::<Vec<_>>();
        for max_rows in [1, 9, SEG_ROWS] {
            let (dir, segs) = split_leads(&whole, max_rows);
            let mut windows = vec![LeadWindow::Open];
            windows.extend(ranges().into_iter().map(LeadWindow::CreatedOrClosed));
            for w in windows {
                let picked = dir.lead_segments(w);
                let mut got: Vec<LeadRec> = picked
                    .iter()
                    .flat_map(|n| segs[*n as usize].window(w))
                    .collect();
                got.sort_by_key(|l| l.id);
                assert_eq!(show(got), show(whole.window(w)), "{w:?}");
            }
        }
    }

    #[test]
    fn history_segments_give_each_deals_rows_in_order() {
        let mut rng = Rng(77);
        let mut strings = Strings::default();
        // Deals 1..=60 with 0..=9 rows each (many cut between two runs), in (deal, time) order.
        let mut rows = vec![];
        for owner in 1..=60 {
            for k in 0..rng.below(10) {
                rows.push(CHist {
                    owner,
                    time: 1000 * owner + k,
                    category: super::super::parts::O64::new(Some(rng.below(2))),
                    stage: strings.id(&format!("ST{}", rng.below(4))),
                    type_id: rng.below(3) as i32,
                });
            }
        }
        let whole = HistoryPart { rows, strings };
        let show = |m: &HashMap<i64, Vec<HistRec>>| {
            let mut v: Vec<String> = m.iter().map(|(k, v)| format!("{k}:{v:?}")).collect();
            v.sort();
            v
        };
        for max_rows in [1, 4, 25, SEG_ROWS] {
            let (dir, segs) = split_history(&whole, max_rows);
            for ids in [
                vec![],
                vec![1],
                vec![60, 3, 17],
                (1..=70).collect(),
                vec![-5, 0, 61],
            ] {
                let mut got: HashMap<i64, Vec<HistRec>> = HashMap::new();
                for n in dir.history_segments(&ids) {
                    for (id, v) in segs[n as usize].of_deals(&ids) {
                        got.entry(id).or_default().extend(v);
                    }
                }
                assert_eq!(
                    show(&got),
                    show(&whole.of_deals(&ids)),
                    "{ids:?} at {max_rows}"
                );
            }
            if max_rows == 4 {
                assert!(dir.history_segments(&[1]).len() < segs.len());
            }
        }
    }

    #[test]
    fn log_runs_give_exactly_the_whole_counts_and_a_month_reads_few() {
        use super::super::activities::{completed_in_runs, LogGroup};
        use crate::metrics::ActivityKind;
        let mut rng = Rng(4242);
        let kinds = [ActivityKind::Call, ActivityKind::Email, ActivityKind::Todo];
        // 3000 activities over 400 days, many sharing a moment (a run may end inside a burst of equal moments).
        let rows: Vec<(i64, LogGroup)> = (0..3000)
            .map(|_| {
                let d = rng.below(400);
                let t = if rng.below(4) == 0 {
                    day(d).and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp()
                } else {
                    instant(&mut rng, d)
                };
                let g = LogGroup {
                    responsible: (rng.below(5) != 0).then(|| rng.below(6)),
                    kind: kinds[rng.below(3) as usize],
                    direction: rng.below(3) - 1,
                };
                (t, g)
            })
            .collect();
        let whole = ActivityLog::new(rows);
        // Counts per group, whatever the order groups come in.
        let show = |v: Vec<crate::records::ActRec>| {
            let mut v: Vec<String> = v
                .iter()
                .map(|a| {
                    format!(
                        "{:?}/{:?}/{}: {} at {}",
                        a.responsible, a.kind, a.direction, a.weight, a.when
                    )
                })
                .collect();
            v.sort();
            v
        };
        for max_rows in [1, 7, 250, SEG_ROWS] {
            let (dir, segs) = split_log(&whole, max_rows);
            assert_eq!(segs.iter().map(|s| s.when.len()).sum::<usize>(), 3000);
            assert!(segs.iter().all(|s| s.groups.len() <= whole.groups.len()));
            for r in ranges() {
                let picked = dir.log_segments(r);
                let got = completed_in_runs(picked.iter().map(|n| &segs[*n as usize]), r);
                assert_eq!(
                    show(got),
                    show(whole.completed_in(r)),
                    "{r:?} at {max_rows}"
                );
            }
            if max_rows == 250 {
                // 12 runs over 400 days: a month touches at most two or three of them.
                let march = ranges()[2 * 6];
                assert!(
                    dir.log_segments(march).len() <= 3,
                    "{:?}",
                    dir.log_segments(march)
                );
            }
        }
    }

    #[test]
    fn months_are_monotonic_and_clamped() {
        assert_eq!(ts_month(0), 1970 * 12);
        assert_eq!(ts_month(-1), 1969 * 12 + 11);
        assert_eq!(ts_month(i64::MIN), i32::MIN);
        assert_eq!(ts_month(i64::MAX), i32::MAX);
        assert!(ts_month(1_700_000_000) <= ts_month(1_700_000_001));
    }
}
