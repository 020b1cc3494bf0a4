//! The integration tests of `b24a-charts`, linked into one test binary (one link instead of one per file; see
//! docs/TESTING.md). Each former `tests/<name>.rs` is the module `<name>` here; run one with
//! `cargo test -p b24a-charts --test it <name>::`.

mod export_roundtrip;
mod series_colors;
mod svg_charts;
