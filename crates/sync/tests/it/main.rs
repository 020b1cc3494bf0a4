//! The integration tests of `b24a-sync`, linked into one test binary (one link instead of one per file; see
//! docs/TESTING.md). Each former `tests/<name>.rs` is the module `<name>` here; run one with
//! `cargo test -p b24a-sync --test it <name>::`.

mod calls;
mod common;
mod companies_contacts;
mod custom_field_defs;
mod dictionaries_deleted;
mod differential;
mod full_import;
mod import_within_limits;
mod incremental;
mod kill_resume;
mod leases;
mod oauth_and_faults;
mod reconcile_ranges;
mod request_count;
mod smart_chains;
mod smart_items;
mod time_zone;
