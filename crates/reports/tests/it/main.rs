//! The integration tests of `b24a-reports`, linked into one test binary (one link instead of one per file; see
//! docs/TESTING.md). Each former `tests/<name>.rs` is the module `<name>` here; run one with
//! `cargo test -p b24a-reports --test it <name>::`.

mod cache;
mod clients_deal_activities;
mod common;
mod comparison;
mod custom_fields;
mod drill_property;
mod no_rate;
mod packed_text;
mod persisted_parts;
mod r1_sales_dynamics;
mod r2_managers;
mod r3_path;
mod r3_plan;
mod r3_plan_totals;
mod r4_marketing;
mod r5_tasks;
mod r6_forget_me_not;
mod r7_linked;
mod won_agrees;
