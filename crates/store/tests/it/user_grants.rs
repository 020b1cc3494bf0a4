//! The users' grants for the tidy-up actions (migration 0012) on both backends: stored under the key's hash and read
//! back only while not expired, expired rows deleted when a grant is written, a token refresh replacing the pair
//! only over the version it read, the `Debug` output free of tokens.

use crate::common;

use b24a_store::*;
use common::*;

fn grant(portal: PortalId, user: i64, expires_at: i64, tag: &str) -> StoredGrant {
    StoredGrant {
        portal_id: portal.0,
        user_id: user,
        client_id: "app.1".into(),
        endpoint: "https://portal.example/rest/".into(),
        access_token: format!("{tag}-access"),
        refresh_token: format!("{tag}-refresh"),
        token_version: 0,
        expires_at,
    }
}

store_test!(grants_expire_refresh_and_hide_their_tokens, |store| {
    let p = portal(&store, "grants").await;
    let now = chrono::Utc::now().timestamp();
    let g = grant(p, 7, now + 3600, "a");
    store.put_user_grant("hash-a", &g).await.unwrap();
    assert_eq!(
        store.user_grant("hash-a", now).await.unwrap(),
        Some(g.clone())
    );
    assert_eq!(
        store.user_grant("hash-b", now).await.unwrap(),
        None,
        "another key finds nothing"
    );
    assert_eq!(
        store.user_grant("hash-a", now + 3600).await.unwrap(),
        None,
        "expired at its expiry"
    );
    assert!(
        store.put_user_grant("", &g).await.is_err(),
        "an empty key is refused"
    );

    // A refresh replaces the pair over the version it read; a second one over the same version loses.
    assert!(store
        .replace_user_grant_tokens("hash-a", 0, "a2-access", "a2-refresh")
        .await
        .unwrap());
    assert!(!store
        .replace_user_grant_tokens("hash-a", 0, "a3-access", "a3-refresh")
        .await
        .unwrap());
    let got = store.user_grant("hash-a", now).await.unwrap().unwrap();
    assert_eq!(
        (
            got.access_token.as_str(),
            got.refresh_token.as_str(),
            got.token_version
        ),
        ("a2-access", "a2-refresh", 1)
    );
    assert!(!store
        .replace_user_grant_tokens("nope", 0, "x", "y")
        .await
        .unwrap());

    // Writing a grant deletes the expired ones.
    store
        .put_user_grant("hash-old", &grant(p, 8, now - 1, "old"))
        .await
        .unwrap();
    assert_eq!(
        store.user_grant_count(p).await.unwrap(),
        2,
        "inserted, not yet swept"
    );
    store
        .put_user_grant("hash-c", &grant(p, 9, now + 60, "c"))
        .await
        .unwrap();
    assert_eq!(
        store.user_grant_count(p).await.unwrap(),
        2,
        "hash-a and hash-c; the expired one is gone"
    );
    assert_eq!(store.user_grant("hash-old", now - 10).await.unwrap(), None);

    let shown = format!("{got:?}");
    assert!(
        !shown.contains("a2-access") && !shown.contains("a2-refresh"),
        "{shown}"
    );

    // Deleting the portal deletes its grants.
    assert!(store.delete_portal(p).await.unwrap());
    assert_eq!(store.user_grant("hash-c", now).await.unwrap(), None);
});
