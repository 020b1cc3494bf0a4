//! The test kit of the workspace: what integration tests of several crates build again and again, written once.
//! Test support only; never shipped, never a dependency of production code.
//!
//! Layers (a test pays only for what it links):
//! - **Backend** — a fresh database per test on SQLite or PostgreSQL ([`TestDb`]) and the macro that runs one body
//!   on both backends ([`store_test!`]). They live in `b24a_store::testing` so that the store's own tests need no
//!   kit; re-exported here so every other test finds everything in one place.
//! - **App** ([`Kit`] → [`App`]) — the portal emulator with a generated company, our server on an ephemeral port
//!   with the given app registrations, installed or not, the in-process sync on or off; then launches, sessions,
//!   API calls and waits against it over real HTTP.
//! - **Page** ([`page`]) — the one parser of the config a shell page embeds, and ([`webdriver`]) a minimal W3C
//!   WebDriver client for Debian's chromedriver/chromium with the one page-side fetch helper; ([`answer`]) reading
//!   a report answer by key.
//!
//! See docs/TESTING.md for how the suite is laid out.

pub mod answer;
mod app;
pub mod bench;
pub mod page;
pub mod webdriver;
pub mod xlsx;

pub use app::{wait_for, App, AppSpec, Kit};
pub use b24a_store::store_test;
pub use b24a_store::testing::{on_both_backends, TestDb};

/// The client id of the app the end-to-end world installs ([`Kit::e2e`]).
pub const CLIENT_ID: &str = "local.b24a.e2e";
/// Its client secret.
pub const SECRET: &str = "e2e-secret";
/// The fixed "today" of the screenshot runs: 2026-11-16 12:00 MSK, the middle of a month (a Monday), so the
/// reports' "this month" is always half full.
pub const SCREENSHOT_NOW: i64 = 1_794_819_600;
/// The server's session key in the end-to-end world (so a test can sign an expired or forged token itself).
pub const SESSION_SECRET: &str = "e2e-session-secret-0123456789";

/// The end-to-end world as the browser tests knew it.
pub type World = App;
