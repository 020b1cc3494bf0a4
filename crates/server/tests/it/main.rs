//! The integration tests of `b24a-server`, linked into one test binary (one link instead of one per file; see
//! docs/TESTING.md). Each former `tests/<name>.rs` is the module `<name>` here; run one with
//! `cargo test -p b24a-server --test it <name>::`.

mod answer_cache;
mod attacks_install;
mod common;
mod custom_field_labels;
mod data_scope;
mod deploy_files;
mod digest;
mod event_bindings;
mod hardening;
mod launch;
mod launch_during_import;
mod linked_report;
mod reports_api;
mod tidy;
mod tidy_activities;
mod tiers;
mod two_processes;
