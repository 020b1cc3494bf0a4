//! The integration tests of `b24a-testkit`, linked into one test binary (one link instead of one per file; see
//! docs/TESTING.md). Each former `tests/<name>.rs` is the module `<name>` here; run one with
//! `cargo test -p b24a-testkit --test it <name>::`.

mod browser;
mod freshness;
mod linked;
mod lists;
mod pages;
mod session_renew;
mod tidy;
