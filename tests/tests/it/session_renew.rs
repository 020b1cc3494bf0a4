//! Session renewal over real HTTP against the emulated portal: a genuine launch gives a session and a renewal
//! token; an expired session is 401; the renewal token gives a working session; forged, foreign, tampered,
//! session-shaped and out-of-window renewal tokens are 403, and a renewal token is never accepted as a session.

use b24a_server::session::{Signer, TTL_SECS};
use b24a_testkit::{Kit, CLIENT_ID, SESSION_SECRET};
use serde_json::Value;

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

async fn api_status(http: &reqwest::Client, base: &str, session: &str) -> (u16, Value) {
    let r = http
        .get(format!("{base}/api/dictionaries"))
        .header("x-b24a-session", session)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn renew(http: &reqwest::Client, base: &str, token: &str) -> (u16, Value) {
    let r = http
        .post(format!("{base}/api/session/renew"))
        .json(&serde_json::json!({ "renew": token }))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_sessions_renew_only_with_a_genuine_renewal_token() {
    let w = Kit::e2e(b24a_emulator::Size::Tiny).start().await.unwrap();
    let http = reqwest::Client::new();
    let cfg = w.launch_config(1, "ru").await.unwrap();
    let session = cfg["session"].as_str().unwrap().to_string();
    let renewal = cfg["renew"]
        .as_str()
        .expect("renewal token in the page config")
        .to_string();
    assert_eq!(
        api_status(&http, &w.base, &session).await.0,
        200,
        "the launch session works"
    );

    // The same claims, expired: 401 with the code the page reacts to.
    let key = Signer::new(SESSION_SECRET);
    let claims = key.verify(&session, now()).unwrap();
    let expired = key.sign(&b24a_server::session::Session {
        expires_at: now() - 1,
        ..claims.clone()
    });
    let (st, body) = api_status(&http, &w.base, &expired).await;
    assert_eq!((st, body["error"].as_str()), (401, Some("unauthorized")));

    // Renewal gives a working session with the same portal, user and app, living at most TTL.
    let (st, body) = renew(&http, &w.base, &renewal).await;
    assert_eq!(st, 200, "{body}");
    let fresh = body["session"].as_str().unwrap();
    let fresh_claims = key.verify(fresh, now()).unwrap();
    assert_eq!(
        (
            fresh_claims.portal_id,
            fresh_claims.user_id,
            fresh_claims.client_id.as_str()
        ),
        (claims.portal_id, claims.user_id, CLIENT_ID)
    );
    assert!(fresh_claims.expires_at <= now() + TTL_SECS + 1);
    assert_eq!(
        api_status(&http, &w.base, fresh).await.0,
        200,
        "the renewed session works"
    );

    // A renewal token is not a session.
    assert_eq!(api_status(&http, &w.base, &renewal).await.0, 401);
    // Forged renewals: another key, a session instead of a renewal token, tampered, garbage, empty,
    // past the window, and one claiming admin rights for another user.
    let other = Signer::new("not-the-server-key").sign(&key.verify(&renewal, now()).unwrap());
    let mut window = key.verify(&renewal, now()).unwrap();
    window.expires_at = now() - 1;
    let past_window = key.sign(&window);
    let (payload, sig) = renewal.split_once('.').unwrap();
    let mut tampered_payload = payload.to_string();
    tampered_payload.push('A');
    for (what, token) in [
        ("another key", other),
        ("a session", session.clone()),
        ("tampered", format!("{tampered_payload}.{sig}")),
        ("garbage", "garbage".to_string()),
        ("empty", String::new()),
        ("past the window", past_window),
    ] {
        let (st, body) = renew(&http, &w.base, &token).await;
        assert_eq!(st, 403, "{what}: {body}");
        assert!(body.get("session").is_none(), "{what}");
    }
    // Bad JSON is a client error, never a session.
    let r = http
        .post(format!("{}/api/session/renew", w.base))
        .body("{")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error());
}
