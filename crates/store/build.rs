//! Rebuild the store when a migration file changes: `sqlx::migrate!` embeds the migrations at compile time, and
//! cargo does not see files outside the crate unless told.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
