//! The integration tests of `b24a-emulator`, linked into one test binary (one link instead of one per file; see
//! docs/TESTING.md). Each former `tests/<name>.rs` is the module `<name>` here; run one with
//! `cargo test -p b24a-emulator --test it <name>::`.

mod admin_api;
mod common;
mod crm_timeline;
mod crm_write;
mod generator_consistency;
mod http_oauth_events;
mod http_rest;
mod live_office;
mod notifications;
mod smart_items;
mod userfields;
