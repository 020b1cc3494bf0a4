//! Small pure pieces of the store checked from outside: an app registration's debug output hides its application
//! token (it ends up in logs), and test databases are named in a PostgreSQL URL without losing its query.

use b24a_store::testing::with_database;
use b24a_store::{PortalApp, PortalId};

#[test]
fn debug_hides_the_application_token() {
    let app = PortalApp {
        portal_id: PortalId(1),
        client_id: "local.app".into(),
        application_token: Some("secret-app-token-123".into()),
        status: None,
        token_version: 1,
        installed_at: 0,
        uninstalled_at: None,
    };
    let printed = format!("{app:?}");
    assert!(!printed.contains("secret-app-token-123"), "{printed}");
    assert!(
        printed.contains("<hidden>") && printed.contains("local.app"),
        "{printed}"
    );
}

#[test]
fn database_name_is_replaced_keeping_query() {
    assert_eq!(
        with_database("postgres://u@h:5432/postgres", "x"),
        "postgres://u@h:5432/x"
    );
    assert_eq!(
        with_database("postgres://u@h:5432/postgres?sslmode=disable", "x"),
        "postgres://u@h:5432/x?sslmode=disable"
    );
    assert_eq!(
        with_database("postgres://u@h:5432", "x"),
        "postgres://u@h:5432/x"
    );
}
