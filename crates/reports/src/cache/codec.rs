//! The binary layout of a persisted cache part (the store keeps it in `report_parts`, migration 0011): the compact
//! part types written field by field in little-endian, strings as length and UTF-8 bytes, behind a header naming the
//! layout version and the part's kind. Decoding reads untrusted bytes (whatever the table holds) and must never
//! panic or allocate more than the bytes can describe: any mismatch gives `None`, and the cache then rebuilds the
//! part from the source tables. Must never read the database or decide whether a part is current.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::activities::{ActivityLog, LogGroup};
use super::open_cards::{OpenCard, OpenCards};
use super::open_deadlines::OpenDeadlines;
use super::parts::{CDeal, CHist, CLead, DealsPart, HistoryPart, LeadsPart, Strings, O64};
use super::segments::{Class, Directory, SegInfo};
use super::shelf::Value;
use crate::metrics::{ActivityKind, Status};
use crate::records::ClientRec;

/// Bumped whenever the layout (or a part type) changes, so that parts written by an older build are rebuilt.
const FORMAT: u32 = 6;
const MAGIC: &[u8; 4] = b"B24P";
/// Bytes per stored chunk (one row of `report_parts`).
pub(crate) const CHUNK_BYTES: usize = 8 << 20;

/// Writes a part: little-endian fields appended to one buffer.
struct W(Vec<u8>);

impl W {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn i32(&mut self, v: i32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn i64(&mut self, v: i64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn len(&mut self, n: usize) {
        self.u32(u32::try_from(n).unwrap_or(u32::MAX));
    }
    fn str(&mut self, s: &str) {
        self.len(s.len());
        self.0.extend_from_slice(s.as_bytes());
    }
    fn strings(&mut self, s: &Strings) {
        self.len(s.all.len());
        for x in &s.all {
            self.str(x);
        }
    }
}

/// Reads a part from its chunks (a field may straddle two chunks).
struct R<'a> {
    chunks: &'a [Vec<u8>],
    chunk: usize,
    pos: usize,
}

impl<'a> R<'a> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let cur = self.chunks.get(self.chunk)?;
        if let Some(b) = cur.get(self.pos..self.pos + N) {
            self.pos += N;
            if self.pos == cur.len() {
                self.chunk += 1;
                self.pos = 0;
            }
            return b.try_into().ok();
        }
        let mut out = [0u8; N];
        for b in &mut out {
            *b = self.byte()?;
        }
        Some(out)
    }
    fn byte(&mut self) -> Option<u8> {
        loop {
            let cur = self.chunks.get(self.chunk)?;
            if let Some(b) = cur.get(self.pos) {
                self.pos += 1;
                return Some(*b);
            }
            self.chunk += 1;
            self.pos = 0;
        }
    }
    fn u8(&mut self) -> Option<u8> {
        Some(self.take::<1>()?[0])
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take()?))
    }
    fn i32(&mut self) -> Option<i32> {
        Some(i32::from_le_bytes(self.take()?))
    }
    fn i64(&mut self) -> Option<i64> {
        Some(i64::from_le_bytes(self.take()?))
    }
    fn remaining(&self) -> usize {
        let rest: usize = self.chunks.iter().skip(self.chunk).map(Vec::len).sum();
        rest.saturating_sub(self.pos)
    }
    /// A count of items of at least `min_bytes` each: never more than the remaining bytes can hold.
    fn len(&mut self, min_bytes: usize) -> Option<usize> {
        let n = self.u32()? as usize;
        (n.saturating_mul(min_bytes.max(1)) <= self.remaining()).then_some(n)
    }
    fn str(&mut self) -> Option<String> {
        let n = self.len(1)?;
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            v.push(self.byte()?);
        }
        String::from_utf8(v).ok()
    }
    fn strings(&mut self) -> Option<Strings> {
        let n = self.len(4)?;
        let mut all = Vec::with_capacity(n);
        for _ in 0..n {
            all.push(crate::records::Text::from(self.str()?));
        }
        Some(Strings {
            all,
            index: HashMap::new(),
        })
    }
    fn o64(&mut self) -> Option<O64> {
        Some(O64::from_raw(self.i64()?))
    }
    fn kind(&mut self) -> Option<ActivityKind> {
        KINDS.get(self.u8()? as usize).copied()
    }
}

const STATUSES: [Status; 3] = [Status::InWork, Status::Won, Status::Lost];
const KINDS: [ActivityKind; 6] = [
    ActivityKind::Call,
    ActivityKind::Email,
    ActivityKind::Meeting,
    ActivityKind::Todo,
    ActivityKind::Task,
    ActivityKind::Other,
];

fn status_code(s: Status) -> u8 {
    STATUSES.iter().position(|x| *x == s).unwrap_or(0) as u8
}

fn kind_code(k: ActivityKind) -> u8 {
    KINDS
        .iter()
        .position(|x| *x == k)
        .unwrap_or(KINDS.len() - 1) as u8
}

fn tag(v: &Value) -> u8 {
    match v {
        Value::Deals(_) => 1,
        Value::Leads(_) => 2,
        Value::History(_) => 3,
        Value::Companies(_) => 4,
        Value::Clients(_) => 6,
        // 5 was the one activities part before the split (issue #18, format 1).
        Value::ActivityLog(_) => 7,
        Value::OpenCards(_) => 8,
        Value::OpenDeadlines(_) => 9,
        Value::Directory(_) => 10,
    }
}

/// A segmented part's directory: per segment its class (code and month), rows, first and last id and the
/// months its rows were created in.
fn directory(w: &mut W, d: &Directory) {
    w.len(d.segs.len());
    for s in &d.segs {
        let (code, month) = match s.class {
            Class::Open => (0, 0),
            Class::Closed(m) => (1, m),
            Class::Undated => (2, 0),
            Class::Rows => (3, 0),
        };
        w.u8(code);
        w.i32(month);
        w.u32(s.rows);
        w.i64(s.first);
        w.i64(s.last);
        w.len(s.created.len());
        for m in &s.created {
            w.i32(*m);
        }
    }
}

/// The directory back; `None` unless every class is known and every month list sorted and distinct (pruning
/// relies on it).
fn read_directory(r: &mut R<'_>) -> Option<Directory> {
    let n = r.len(1 + 4 + 4 + 8 + 8 + 4)?;
    let mut segs = Vec::with_capacity(n);
    for _ in 0..n {
        let (code, month) = (r.u8()?, r.i32()?);
        let class = match code {
            0 => Class::Open,
            1 => Class::Closed(month),
            2 => Class::Undated,
            3 => Class::Rows,
            _ => return None,
        };
        let (rows, first, last) = (r.u32()?, r.i64()?, r.i64()?);
        let k = r.len(4)?;
        let mut created = Vec::with_capacity(k);
        for _ in 0..k {
            created.push(r.i32()?);
        }
        if created.windows(2).any(|p| p[0] >= p[1]) {
            return None;
        }
        segs.push(SegInfo {
            class,
            rows,
            first,
            last,
            created,
        });
    }
    Some(Directory { segs })
}

/// The part in its persisted layout, cut into chunks of at most [`CHUNK_BYTES`].
pub(crate) fn encode(v: &Value) -> Vec<Vec<u8>> {
    let mut w = W(Vec::new());
    w.0.extend_from_slice(MAGIC);
    w.u32(FORMAT);
    w.u8(tag(v));
    match v {
        Value::Deals(p) => {
            w.strings(&p.strings);
            w.len(p.deals.len());
            let mut prev = (0, 0);
            for d in &p.deals {
                put_deal(&mut w, d, prev);
                prev = (d.id, d.created);
            }
        }
        Value::Leads(p) => {
            w.strings(&p.strings);
            w.len(p.leads.len());
            let mut prev = (0, 0);
            for l in &p.leads {
                put_lead(&mut w, l, prev);
                prev = (l.id, l.created);
            }
        }
        Value::History(p) => {
            w.strings(&p.strings);
            w.len(p.rows.len());
            let mut prev = (0, 0);
            for h in &p.rows {
                put_hist(&mut w, h, prev);
                prev = (h.owner, h.time);
            }
        }
        Value::Companies(m) => {
            w.len(m.len());
            for (id, industry) in m.iter() {
                w.i64(*id);
                w.str(industry);
            }
        }
        Value::ActivityLog(p) => put_log(&mut w, p),
        Value::OpenCards(p) => put_cards(&mut w, p),
        Value::OpenDeadlines(p) => put_deadlines(&mut w, p),
        Value::Clients(rows) => {
            w.len(rows.len());
            for c in rows.iter() {
                w.i64(c.id);
                w.i64(O64::new(c.manager).raw());
                w.i64(i64::try_from(c.open).unwrap_or(i64::MAX));
                w.i64(i64::try_from(c.open_without_deadline).unwrap_or(i64::MAX));
                w.i64(O64::new(c.latest_open_deadline).raw());
                w.i64(c.last_touch);
            }
        }
        Value::Directory(d) => directory(&mut w, d),
    }
    let bytes = w.0;
    bytes.chunks(CHUNK_BYTES).map(<[u8]>::to_vec).collect()
}

/// The part back from its chunks, with its size in memory; `None` when the bytes are not a whole part of this
/// layout (another format version, a cut or damaged copy).
pub(crate) fn decode(chunks: &[Vec<u8>]) -> Option<(Value, usize)> {
    let mut r = R {
        chunks,
        chunk: 0,
        pos: 0,
    };
    if &r.take::<4>()? != MAGIC || r.u32()? != FORMAT {
        return None;
    }
    let value = match r.u8()? {
        1 => {
            let strings = r.strings()?;
            let n = r.len(DEAL_MIN_BYTES)?;
            let mut deals = Vec::with_capacity(n);
            let mut prev = (0, 0);
            for _ in 0..n {
                let d = get_deal(&mut r, prev)?;
                prev = (d.id, d.created);
                deals.push(d);
            }
            Value::Deals(std::sync::Arc::new(DealsPart { deals, strings }))
        }
        2 => {
            let strings = r.strings()?;
            let n = r.len(LEAD_MIN_BYTES)?;
            let mut leads = Vec::with_capacity(n);
            let mut prev = (0, 0);
            for _ in 0..n {
                let l = get_lead(&mut r, prev)?;
                prev = (l.id, l.created);
                leads.push(l);
            }
            Value::Leads(std::sync::Arc::new(LeadsPart { leads, strings }))
        }
        3 => {
            let strings = r.strings()?;
            let n = r.len(HIST_MIN_BYTES)?;
            let mut rows = Vec::with_capacity(n);
            let mut prev = (0, 0);
            for _ in 0..n {
                let h = get_hist(&mut r, prev)?;
                prev = (h.owner, h.time);
                rows.push(h);
            }
            Value::History(std::sync::Arc::new(HistoryPart { rows, strings }))
        }
        4 => {
            let n = r.len(8 + 4)?;
            let mut m = HashMap::with_capacity(n);
            for _ in 0..n {
                let id = r.i64()?;
                m.insert(id, r.str()?);
            }
            Value::Companies(std::sync::Arc::new(m))
        }
        6 => {
            let n = r.len(8 * 6)?;
            let mut rows = Vec::with_capacity(n);
            for _ in 0..n {
                rows.push(ClientRec {
                    id: r.i64()?,
                    manager: r.o64()?.get(),
                    open: u64::try_from(r.i64()?).ok()?,
                    open_without_deadline: u64::try_from(r.i64()?).ok()?,
                    latest_open_deadline: r.o64()?.get(),
                    last_touch: r.i64()?,
                });
            }
            Value::Clients(std::sync::Arc::new(rows))
        }
        7 => Value::ActivityLog(std::sync::Arc::new(get_log(&mut r)?)),
        8 => Value::OpenCards(std::sync::Arc::new(get_cards(&mut r)?)),
        9 => Value::OpenDeadlines(std::sync::Arc::new(get_deadlines(&mut r)?)),
        10 => Value::Directory(std::sync::Arc::new(read_directory(&mut r)?)),
        _ => return None,
    };
    if r.remaining() != 0 {
        return None;
    }
    let bytes = match &value {
        Value::Deals(p) => p.bytes(),
        Value::Leads(p) => p.bytes(),
        Value::History(p) => p.bytes(),
        Value::Companies(m) => m.values().map(|v| v.capacity() + 48).sum::<usize>(),
        Value::Clients(rows) => super::build::clients_bytes(rows),
        Value::ActivityLog(p) => p.bytes(),
        Value::OpenCards(p) => p.bytes(),
        Value::OpenDeadlines(p) => p.bytes(),
        Value::Directory(d) => d.bytes(),
    };
    Some((value, bytes))
}

// Deals, leads and stage-history rows (FORMAT 5; the open cards likewise since 6): variable-length integers (below), the id and the creation time
// (history: the deal and the time) as differences to the previous row's (rows come in id order), the row's other
// instants as differences to its creation, and optional fields written only when set (a bit each in the row's
// flags, with the status). A deal takes ~35 bytes instead of the 102 of fixed-width fields: a cold report reads a
// third of the bytes, and PostgreSQL no longer spends the time of compressing and decompressing their redundancy.

/// Close days as days from about 2024 (1–3 bytes).
const DAY0: i64 = 739_000;
/// The fewest bytes a row takes (each field at least one byte), to bound a count before allocating for it.
const DEAL_MIN_BYTES: usize = 11;
const LEAD_MIN_BYTES: usize = 10;
const HIST_MIN_BYTES: usize = 5;

fn put_day(w: &mut W, d: NaiveDate) {
    put_zig(w, i64::from(chrono::Datelike::num_days_from_ce(&d)) - DAY0);
}

fn get_day(r: &mut R) -> Option<NaiveDate> {
    let days = i32::try_from(get_zig(r)?.checked_add(DAY0)?).ok()?;
    NaiveDate::from_num_days_from_ce_opt(days)
}

/// The row's flags: a bit per optional field that is set (in `present` order), then the status.
fn put_flags(w: &mut W, present: &[bool], status: Status) {
    let mut flags = u64::from(status_code(status)) << present.len();
    for (i, set) in present.iter().enumerate() {
        flags |= u64::from(*set) << i;
    }
    put_var(w, flags);
}

/// The flags of a row with `n` optional bits: the bits, and the status (`None` for any other value).
fn get_flags(r: &mut R, n: u32) -> Option<(u64, Status)> {
    let flags = get_var(r)?;
    let status = STATUSES.get(usize::try_from(flags >> n).ok()?).copied()?;
    Some((flags, status))
}

/// Optional fields, written only when set, each as a difference to its base.
fn put_opts(w: &mut W, fields: [(Option<i64>, i64); 4]) {
    for (v, from) in fields {
        if let Some(v) = v {
            put_zig(w, v.wrapping_sub(from));
        }
    }
}

/// An optional field [`put_opts`] wrote: there when bit `i` of the row's flags is set.
fn get_opt(r: &mut R, flags: u64, i: u32, from: i64) -> Option<O64> {
    if flags >> i & 1 == 0 {
        return Some(O64::new(None));
    }
    Some(O64::new(Some(from.wrapping_add(get_zig(r)?))))
}

fn put_strs(w: &mut W, ids: [u32; 5]) {
    for x in ids {
        put_var(w, u64::from(x));
    }
}

fn get_str(r: &mut R) -> Option<u32> {
    u32::try_from(get_var(r)?).ok()
}

fn put_deal(w: &mut W, d: &CDeal, (prev_id, prev_created): (i64, i64)) {
    let (manager, moved, touched, company) = (
        d.manager.get(),
        d.moved_time.get(),
        d.last_activity_time.get(),
        d.company_id.get(),
    );
    let present = [
        manager.is_some(),
        moved.is_some(),
        touched.is_some(),
        company.is_some(),
        d.close_day.is_some(),
        d.closedate.is_some(),
        d.returning,
    ];
    put_flags(w, &present, d.status);
    put_zig(w, d.id.wrapping_sub(prev_id));
    put_zig(w, d.pipeline);
    put_zig(w, d.amount);
    put_zig(w, d.created.wrapping_sub(prev_created));
    put_zig(w, d.date_modify.wrapping_sub(d.created));
    put_opts(
        w,
        [
            (manager, 0),
            (moved, d.created),
            (touched, d.created),
            (company, 0),
        ],
    );
    for day in [d.close_day, d.closedate].into_iter().flatten() {
        put_day(w, day);
    }
    put_strs(w, [d.stage, d.source, d.utm[0], d.utm[1], d.utm[2]]);
}

fn get_deal(r: &mut R, (prev_id, prev_created): (i64, i64)) -> Option<CDeal> {
    let (flags, status) = get_flags(r, 7)?;
    let set = |i: u32| flags >> i & 1 == 1;
    let id = prev_id.wrapping_add(get_zig(r)?);
    let pipeline = get_zig(r)?;
    let amount = get_zig(r)?;
    let created = prev_created.wrapping_add(get_zig(r)?);
    let date_modify = created.wrapping_add(get_zig(r)?);
    let manager = get_opt(r, flags, 0, 0)?;
    let moved_time = get_opt(r, flags, 1, created)?;
    let last_activity_time = get_opt(r, flags, 2, created)?;
    let company_id = get_opt(r, flags, 3, 0)?;
    let close_day = if set(4) { Some(get_day(r)?) } else { None };
    let closedate = if set(5) { Some(get_day(r)?) } else { None };
    Some(CDeal {
        id,
        pipeline,
        amount,
        created,
        date_modify,
        manager,
        moved_time,
        last_activity_time,
        company_id,
        close_day,
        closedate,
        stage: get_str(r)?,
        source: get_str(r)?,
        utm: [get_str(r)?, get_str(r)?, get_str(r)?],
        status,
        returning: set(6),
    })
}

fn put_lead(w: &mut W, l: &CLead, (prev_id, prev_created): (i64, i64)) {
    let (closed, moved, touched, manager) = (
        l.date_closed.get(),
        l.moved_time.get(),
        l.last_activity_time.get(),
        l.manager.get(),
    );
    let present = [
        closed.is_some(),
        moved.is_some(),
        touched.is_some(),
        manager.is_some(),
        l.returning,
    ];
    put_flags(w, &present, l.status);
    put_zig(w, l.id.wrapping_sub(prev_id));
    put_zig(w, l.amount);
    put_zig(w, l.created.wrapping_sub(prev_created));
    put_zig(w, l.date_modify.wrapping_sub(l.created));
    put_opts(
        w,
        [
            (closed, l.created),
            (moved, l.created),
            (touched, l.created),
            (manager, 0),
        ],
    );
    put_strs(w, [l.status_id, l.source, l.utm[0], l.utm[1], l.utm[2]]);
}

fn get_lead(r: &mut R, (prev_id, prev_created): (i64, i64)) -> Option<CLead> {
    let (flags, status) = get_flags(r, 5)?;
    let set = |i: u32| flags >> i & 1 == 1;
    let id = prev_id.wrapping_add(get_zig(r)?);
    let amount = get_zig(r)?;
    let created = prev_created.wrapping_add(get_zig(r)?);
    let date_modify = created.wrapping_add(get_zig(r)?);
    let date_closed = get_opt(r, flags, 0, created)?;
    let moved_time = get_opt(r, flags, 1, created)?;
    let last_activity_time = get_opt(r, flags, 2, created)?;
    let manager = get_opt(r, flags, 3, 0)?;
    Some(CLead {
        id,
        amount,
        created,
        date_modify,
        date_closed,
        moved_time,
        last_activity_time,
        manager,
        status_id: get_str(r)?,
        source: get_str(r)?,
        utm: [get_str(r)?, get_str(r)?, get_str(r)?],
        status,
        returning: set(4),
    })
}

fn put_hist(w: &mut W, h: &CHist, (prev_owner, prev_time): (i64, i64)) {
    let category = h.category.get();
    put_var(w, u64::from(category.is_some()));
    put_zig(w, h.owner.wrapping_sub(prev_owner));
    put_zig(w, h.time.wrapping_sub(prev_time));
    if let Some(c) = category {
        put_zig(w, c);
    }
    put_var(w, u64::from(h.stage));
    put_zig(w, i64::from(h.type_id));
}

fn get_hist(r: &mut R, (prev_owner, prev_time): (i64, i64)) -> Option<CHist> {
    let has_category = match get_var(r)? {
        0 => false,
        1 => true,
        _ => return None,
    };
    let owner = prev_owner.wrapping_add(get_zig(r)?);
    let time = prev_time.wrapping_add(get_zig(r)?);
    let category = O64::new(if has_category {
        Some(get_zig(r)?)
    } else {
        None
    });
    Some(CHist {
        owner,
        time,
        category,
        stage: get_str(r)?,
        type_id: i32::try_from(get_zig(r)?).ok()?,
    })
}

// The activity parts (issue #18): sorted columns as deltas in variable-length integers (7 bits a byte, the low
// first; signed values zigzagged), so a completed activity takes 2–5 bytes instead of its 12 in memory.

fn put_var(w: &mut W, mut v: u64) {
    while v >= 0x80 {
        w.u8((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    w.u8(v as u8);
}

/// A variable-length integer; `None` past 10 bytes or 64 bits.
fn get_var(r: &mut R) -> Option<u64> {
    let mut v = 0_u64;
    for shift in (0..64).step_by(7) {
        let b = r.u8()?;
        let bits = u64::from(b & 0x7f);
        if shift == 63 && bits > 1 {
            return None;
        }
        v |= bits << shift;
        if b & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

fn put_zig(w: &mut W, v: i64) {
    put_var(w, ((v << 1) ^ (v >> 63)) as u64);
}

fn get_zig(r: &mut R) -> Option<i64> {
    let v = get_var(r)?;
    Some((v >> 1) as i64 ^ -((v & 1) as i64))
}

/// A sorted column of instants as differences to the previous one (the first to 0).
fn put_deltas(w: &mut W, xs: &[i64]) {
    let mut prev = 0_i64;
    for x in xs {
        put_zig(w, x.wrapping_sub(prev));
        prev = *x;
    }
}

/// `n` instants written by [`put_deltas`] (wrapping both ways, so every value comes back exact).
fn get_deltas(r: &mut R, n: usize) -> Option<Vec<i64>> {
    let mut out = Vec::with_capacity(n);
    let mut prev = 0_i64;
    for _ in 0..n {
        prev = prev.wrapping_add(get_zig(r)?);
        out.push(prev);
    }
    Some(out)
}

/// Indexes in variable-length integers, each checked against the table it indexes.
fn get_indexes(r: &mut R, n: usize, table: usize) -> Option<Vec<u32>> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let i = u32::try_from(get_var(r)?).ok()?;
        if i as usize >= table {
            return None;
        }
        out.push(i);
    }
    Some(out)
}

fn put_log(w: &mut W, p: &ActivityLog) {
    w.len(p.groups.len());
    for g in &p.groups {
        w.i64(O64::new(g.responsible).raw());
        w.u8(kind_code(g.kind));
        w.i64(g.direction);
    }
    w.len(p.when.len());
    put_deltas(w, &p.when);
    for g in &p.group {
        put_var(w, u64::from(*g));
    }
}

fn get_log(r: &mut R) -> Option<ActivityLog> {
    let n = r.len(8 + 1 + 8)?;
    let mut groups = Vec::with_capacity(n);
    for _ in 0..n {
        groups.push(LogGroup {
            responsible: r.o64()?.get(),
            kind: r.kind()?,
            direction: r.i64()?,
        });
    }
    // At least one byte for the moment and one for the group of each.
    let n = r.len(2)?;
    let when = get_deltas(r, n)?;
    if when.windows(2).any(|w| w[0] > w[1]) {
        return None;
    }
    let group = get_indexes(r, n, groups.len())?;
    Some(ActivityLog {
        when,
        group,
        groups,
    })
}

/// The open cards in (type, card, completion) order as compact rows: the card's type and id, its activities'
/// latest creation as a difference to the previous row's, the other instants to its own creation, a deadline only
/// when set (49 bytes a card became ~15).
fn put_cards(w: &mut W, p: &OpenCards) {
    w.len(p.cards.len());
    let (mut prev_id, mut prev_created) = (0_i64, 0_i64);
    for c in &p.cards {
        let (owner_type, owner_id, deadline) =
            (c.owner_type.get(), c.owner_id.get(), c.deadline.get());
        let flags = u64::from(owner_type.is_some())
            | u64::from(owner_id.is_some()) << 1
            | u64::from(deadline.is_some()) << 2
            | u64::from(c.completed) << 3;
        put_var(w, flags);
        if let Some(t) = owner_type {
            put_zig(w, t);
        }
        if let Some(id) = owner_id {
            put_zig(w, id.wrapping_sub(prev_id));
            prev_id = id;
        }
        put_zig(w, c.created.wrapping_sub(prev_created));
        prev_created = c.created;
        put_zig(w, c.last_updated.wrapping_sub(c.created));
        if let Some(d) = deadline {
            put_zig(w, d.wrapping_sub(c.created));
        }
        put_var(w, c.count);
    }
}

fn get_cards(r: &mut R) -> Option<OpenCards> {
    let n = r.len(4)?;
    let mut cards = Vec::with_capacity(n);
    let (mut prev_id, mut prev_created) = (0_i64, 0_i64);
    for _ in 0..n {
        let flags = get_var(r)?;
        if flags >> 4 != 0 {
            return None;
        }
        let set = |i: u32| flags >> i & 1 == 1;
        let owner_type = if set(0) { Some(get_zig(r)?) } else { None };
        let owner_id = if set(1) {
            prev_id = prev_id.wrapping_add(get_zig(r)?);
            Some(prev_id)
        } else {
            None
        };
        let created = prev_created.wrapping_add(get_zig(r)?);
        prev_created = created;
        let last_updated = created.wrapping_add(get_zig(r)?);
        let deadline = if set(2) {
            Some(created.wrapping_add(get_zig(r)?))
        } else {
            None
        };
        cards.push(OpenCard {
            owner_type: O64::new(owner_type),
            owner_id: O64::new(owner_id),
            created,
            last_updated,
            deadline: O64::new(deadline),
            count: get_var(r)?,
            completed: set(3),
        });
    }
    Some(OpenCards { cards })
}

fn put_deadlines(w: &mut W, p: &OpenDeadlines) {
    w.len(p.people.len());
    for x in &p.people {
        w.i64(O64::new(*x).raw());
    }
    // Per person how many deadlines, then all of them.
    let mut start = 0_u32;
    for end in &p.ends {
        put_var(w, u64::from(end.saturating_sub(start)));
        start = (*end).max(start);
    }
    put_deltas(w, &p.deadline);
}

fn get_deadlines(r: &mut R) -> Option<OpenDeadlines> {
    let n = r.len(8)?;
    let mut people = Vec::with_capacity(n);
    for _ in 0..n {
        people.push(r.o64()?.get());
    }
    let mut ends = Vec::with_capacity(people.len());
    let mut total = 0_u32;
    for _ in 0..people.len() {
        let n = u32::try_from(get_var(r)?).ok()?;
        total = total.checked_add(n)?;
        ends.push(total);
    }
    // Every deadline takes at least a byte: a count beyond the bytes left is damage, not a reason to allocate.
    if total as usize > r.remaining() {
        return None;
    }
    let deadline = get_deltas(r, total as usize)?;
    let part = OpenDeadlines {
        people,
        ends,
        deadline,
    };
    // Each person's deadlines ascending: the reader searches them.
    let sorted = part
        .runs()
        .all(|(_, run)| run.windows(2).all(|d| d[0] <= d[1]));
    sorted.then_some(part)
}

#[cfg(test)]
mod activity_parts {
    use std::sync::Arc;

    use super::*;

    fn parts() -> Vec<Value> {
        let g = |responsible, kind, direction| LogGroup {
            responsible,
            kind,
            direction,
        };
        let log = ActivityLog::new(vec![
            (300, g(Some(10), ActivityKind::Call, 1)),
            (-5, g(None, ActivityKind::Todo, 0)),
            (i64::MAX, g(Some(10), ActivityKind::Call, i64::MIN)),
            (i64::MIN, g(Some(11), ActivityKind::Email, 2)),
            (300, g(Some(10), ActivityKind::Call, 1)),
        ]);
        let cards = OpenCards::new(&[crate::records::ActRec {
            id: 0,
            kind: ActivityKind::Other,
            direction: 0,
            completed: true,
            responsible: None,
            owner_type: Some(2),
            owner_id: Some(7),
            when: 0,
            created: 100,
            last_updated: 200,
            deadline: None,
            weight: 3,
        }]);
        let open = OpenDeadlines::new(vec![
            (Some(11), 50),
            (None, i64::MIN),
            (Some(11), -7),
            (Some(10), i64::MAX),
        ]);
        vec![
            Value::ActivityLog(Arc::new(log)),
            Value::OpenCards(Arc::new(cards)),
            Value::OpenDeadlines(Arc::new(open)),
        ]
    }

    /// Every value comes back exact (extremes included), and every cut or flipped copy decodes to `None` or to some
    /// part without panicking.
    #[test]
    fn activity_parts_round_trip_and_never_panic_on_damaged_bytes() {
        for v in parts() {
            let bytes = encode(&v).concat();
            let (back, _) = decode(std::slice::from_ref(&bytes)).expect("decodes");
            assert_eq!(encode(&back).concat(), bytes);
            match (&v, &back) {
                (Value::ActivityLog(a), Value::ActivityLog(b)) => {
                    assert_eq!(a.when, b.when);
                    assert_eq!(a.group, b.group);
                    assert_eq!(a.groups, b.groups);
                }
                (Value::OpenDeadlines(a), Value::OpenDeadlines(b)) => {
                    assert_eq!(
                        (&a.people, &a.ends, &a.deadline),
                        (&b.people, &b.ends, &b.deadline)
                    );
                }
                (Value::OpenCards(a), Value::OpenCards(b)) => {
                    assert_eq!(format!("{:?}", a.recs()), format!("{:?}", b.recs()));
                }
                _ => panic!("another part came back"),
            }
            for cut in 0..bytes.len() {
                assert!(decode(&[bytes[..cut].to_vec()]).is_none(), "cut at {cut}");
            }
            for i in 9..bytes.len() {
                for flip in [0x01_u8, 0x80, 0xff] {
                    let mut damaged = bytes.clone();
                    damaged[i] ^= flip;
                    let _ = decode(&[damaged]);
                }
            }
        }
    }

    #[test]
    fn varints_cover_the_extremes() {
        for v in [0_i64, 1, -1, 63, -64, 64, i64::MAX, i64::MIN] {
            let mut w = W(Vec::new());
            put_zig(&mut w, v);
            let chunks = [w.0];
            let mut r = R {
                chunks: &chunks,
                chunk: 0,
                pos: 0,
            };
            assert_eq!(get_zig(&mut r), Some(v));
            assert_eq!(r.remaining(), 0);
        }
        // Eleven continuation bytes are no number.
        let chunks = [vec![0xff_u8; 11]];
        let mut r = R {
            chunks: &chunks,
            chunk: 0,
            pos: 0,
        };
        assert_eq!(get_var(&mut r), None);
    }
}

#[cfg(test)]
mod row_parts {
    //! Deals, leads and stage history at the edges of every field: the compact rows must give back each value
    //! exactly, and damaged bytes must give `None` or a part, never a panic.
    use std::sync::Arc;

    use super::*;

    fn day(n: i32) -> Option<NaiveDate> {
        NaiveDate::from_num_days_from_ce_opt(n)
    }

    fn strings() -> Strings {
        let mut s = Strings::default();
        for x in ["C1:WON", "", "ADVERT", "utm ✓"] {
            s.id(x);
        }
        s
    }

    fn deal(id: i64, created: i64, status: Status, opt: bool) -> CDeal {
        let some = |v: i64| O64::new(opt.then_some(v));
        CDeal {
            id,
            pipeline: if opt { -3 } else { i64::MAX },
            amount: if opt { i64::MIN } else { 123_456 },
            created,
            date_modify: created.wrapping_add(i64::MAX),
            manager: some(i64::MAX),
            moved_time: some(i64::MIN + 1),
            last_activity_time: some(created),
            company_id: some(-1),
            close_day: if opt { day(1) } else { None },
            closedate: if opt { NaiveDate::MAX.into() } else { None },
            stage: 0,
            source: if opt { 2 } else { u32::MAX },
            utm: [1, 3, u32::MAX],
            status,
            returning: opt,
        }
    }

    fn show_deal(d: &CDeal) -> String {
        format!(
            "{} {} {} {} {} {:?} {:?} {:?} {:?} {:?} {:?} {} {} {:?} {:?} {}",
            d.id,
            d.pipeline,
            d.amount,
            d.created,
            d.date_modify,
            d.manager,
            d.moved_time,
            d.last_activity_time,
            d.company_id,
            d.close_day,
            d.closedate,
            d.stage,
            d.source,
            d.utm,
            d.status,
            d.returning
        )
    }

    fn lead(id: i64, created: i64, status: Status, opt: bool) -> CLead {
        let some = |v: i64| O64::new(opt.then_some(v));
        CLead {
            id,
            amount: if opt { i64::MAX } else { -7 },
            created,
            date_modify: created.wrapping_sub(1),
            date_closed: some(i64::MAX),
            moved_time: some(i64::MIN + 1),
            last_activity_time: some(0),
            manager: some(42),
            status_id: 1,
            source: u32::MAX,
            utm: [0, 2, 3],
            status,
            returning: !opt,
        }
    }

    fn show_lead(l: &CLead) -> String {
        format!(
            "{} {} {} {} {:?} {:?} {:?} {:?} {} {} {:?} {:?} {}",
            l.id,
            l.amount,
            l.created,
            l.date_modify,
            l.date_closed,
            l.moved_time,
            l.last_activity_time,
            l.manager,
            l.status_id,
            l.source,
            l.utm,
            l.status,
            l.returning
        )
    }

    fn parts() -> Vec<Value> {
        let statuses = [Status::InWork, Status::Won, Status::Lost];
        let ids = [i64::MIN + 1, -5, 0, 1, 2, 1_000_000_007, i64::MAX];
        let created = [
            i64::MAX,
            i64::MIN,
            0,
            -86_400,
            1_773_576_000,
            1_773_576_000,
            5,
        ];
        let deals = ids
            .iter()
            .zip(created)
            .enumerate()
            .map(|(i, (id, c))| deal(*id, c, statuses[i % 3], i % 2 == 0))
            .collect();
        let leads = ids
            .iter()
            .zip(created)
            .enumerate()
            .map(|(i, (id, c))| lead(*id, c, statuses[i % 3], i % 2 == 1))
            .collect();
        let rows = ids
            .iter()
            .zip(created)
            .enumerate()
            .map(|(i, (owner, time))| CHist {
                owner: *owner,
                time,
                category: O64::new((i % 2 == 0).then_some(i64::MIN + 1)),
                stage: (i % 4) as u32,
                type_id: [i32::MIN, -1, 0, 5, i32::MAX][i % 5],
            })
            .collect();
        vec![
            Value::Deals(Arc::new(DealsPart {
                deals,
                strings: strings(),
            })),
            Value::Leads(Arc::new(LeadsPart {
                leads,
                strings: strings(),
            })),
            Value::History(Arc::new(HistoryPart {
                rows,
                strings: strings(),
            })),
        ]
    }

    #[test]
    fn rows_round_trip_exactly_and_never_panic_on_damaged_bytes() {
        for v in parts() {
            let bytes = encode(&v).concat();
            let (back, _) = decode(std::slice::from_ref(&bytes)).expect("decodes");
            assert_eq!(encode(&back).concat(), bytes);
            match (&v, &back) {
                (Value::Deals(a), Value::Deals(b)) => {
                    let show = |p: &DealsPart| p.deals.iter().map(show_deal).collect::<Vec<_>>();
                    assert_eq!(show(a), show(b));
                    assert_eq!(a.strings.all, b.strings.all);
                }
                (Value::Leads(a), Value::Leads(b)) => {
                    let show = |p: &LeadsPart| p.leads.iter().map(show_lead).collect::<Vec<_>>();
                    assert_eq!(show(a), show(b));
                }
                (Value::History(a), Value::History(b)) => {
                    let show = |p: &HistoryPart| {
                        p.rows
                            .iter()
                            .map(|h| {
                                format!(
                                    "{} {} {:?} {} {}",
                                    h.owner, h.time, h.category, h.stage, h.type_id
                                )
                            })
                            .collect::<Vec<_>>()
                    };
                    assert_eq!(show(a), show(b));
                }
                _ => panic!("another part came back"),
            }
            for cut in 0..bytes.len() {
                assert!(decode(&[bytes[..cut].to_vec()]).is_none(), "cut at {cut}");
            }
            for i in 9..bytes.len() {
                for flip in [0x01_u8, 0x80, 0xff] {
                    let mut damaged = bytes.clone();
                    damaged[i] ^= flip;
                    let _ = decode(&[damaged]);
                }
            }
        }
    }
}
