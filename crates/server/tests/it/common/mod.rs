//! A portal emulator plus our server on ephemeral ports, with the app registered and (optionally) installed.
#![allow(dead_code)]

pub mod attack;
pub mod scope;

use b24a_testkit::Kit;

/// The running emulator, portal, server and database (the kit's `App`).
pub use b24a_testkit::App as Harness;

pub const CLIENT_ID: &str = "local.b24a.test";
pub const SECRET: &str = "test-secret-xyz";

/// The app registered (not installed) in a Tiny company's portal, on SQLite; the sync in the server when `sync`.
pub async fn start(sync: bool) -> Harness {
    Kit::new()
        .app(CLIENT_ID, SECRET, "Аналитика")
        .sync(sync)
        .start()
        .await
        .expect("start the emulator and our server")
}

pub fn set(pairs: &mut [(String, String)], key: &str, value: &str) {
    for (k, v) in pairs.iter_mut() {
        if k == key {
            *v = value.to_string();
        }
    }
}

/// An active employee of the portal who is not an administrator.
pub fn employee(portal: &b24a_emulator::PortalHandle) -> i64 {
    portal
        .with_data(|d| {
            d.users
                .iter()
                .find(|u| !u.is_admin && u.active)
                .map(|u| u.id)
        })
        .flatten()
        .expect("the generated company has a plain employee")
}
