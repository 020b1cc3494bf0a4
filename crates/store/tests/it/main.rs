//! The integration tests of `b24a-store`, linked into one test binary (one link instead of one per file; see
//! docs/TESTING.md). Each former `tests/<name>.rs` is the module `<name>` here; run one with
//! `cargo test -p b24a-store --test it <name>::`.

mod access_scope;
mod common;
mod custom_field_defs;
mod digest;
mod helpers_and_debug;
mod list_rows;
mod portals;
mod records;
mod schema;
mod settings;
mod user_grants;
