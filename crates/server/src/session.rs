//! Short-lived signed sessions for the page's own API calls, bound to one portal, one user and one app. Issued
//! only after the iframe POST was verified with the authorization server; sent back by the page in the
//! `X-B24A-Session` header. Never accepts an unsigned, expired or tampered token.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// The header the page sends its session in.
pub const HEADER: &str = "x-b24a-session";

/// How long a page session lives (the page asks the portal for a new launch after that).
pub const TTL_SECS: i64 = 2 * 3600;

/// What a session proves. The wire names are one letter each (the token rides in every API request's header);
/// the code uses the full names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// Portal id in the store.
    #[serde(rename = "p")]
    pub portal_id: i64,
    /// Bitrix24 user id.
    #[serde(rename = "u")]
    pub user_id: i64,
    /// client_id of the app the user opened.
    #[serde(rename = "a")]
    pub client_id: String,
    /// Portal administrator (from `user.admin`, verified at launch).
    #[serde(rename = "adm")]
    pub is_admin: bool,
    /// Departments of the user at launch.
    #[serde(rename = "d", default)]
    pub departments: Vec<i64>,
    /// UI language (`ru` / `en`).
    #[serde(rename = "l")]
    pub lang: String,
    /// History months of the app's tier at launch (3 free, 24 paid; see `tier`). Informational: the API
    /// re-reads the stored tier on every call, so a downgrade by the daily refresh or the end of a grace period
    /// bites at once.
    #[serde(rename = "t", default = "default_history")]
    pub history_months: u32,
    /// Expiry, unix seconds.
    #[serde(rename = "exp")]
    pub expires_at: i64,
    /// Key of the user's own portal tokens kept server-side (`user_grants`); empty when none were kept. The key
    /// alone grants nothing: the grant must belong to the same portal, user and app.
    #[serde(rename = "g", default, skip_serializing_if = "String::is_empty")]
    pub grant: String,
}

fn default_history() -> u32 {
    crate::tier::FREE_MONTHS
}

/// Signs and checks sessions with one secret.
#[derive(Clone)]
pub struct Signer {
    key: Vec<u8>,
}

impl Signer {
    /// A signer with the configured secret, or a random one when the secret is empty.
    pub fn new(secret: &str) -> Signer {
        if secret.is_empty() {
            use rand::RngCore;
            let mut key = vec![0u8; 32];
            rand::thread_rng().fill_bytes(&mut key);
            Signer { key }
        } else {
            Signer {
                key: secret.as_bytes().to_vec(),
            }
        }
    }

    fn mac(&self, payload: &str) -> Vec<u8> {
        // HMAC accepts keys of any length; the error branch cannot happen but we keep it panic-free.
        match Hmac::<Sha256>::new_from_slice(&self.key) {
            Ok(mut m) => {
                m.update(payload.as_bytes());
                m.finalize().into_bytes().to_vec()
            }
            Err(_) => Vec::new(),
        }
    }

    /// `payload.signature`, both base64url.
    pub fn sign(&self, s: &Session) -> String {
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(s).unwrap_or_default());
        let sig = URL_SAFE_NO_PAD.encode(self.mac(&payload));
        format!("{payload}.{sig}")
    }

    /// The session, if the signature is right and it has not expired at `now`.
    pub fn verify(&self, token: &str, now: i64) -> Option<Session> {
        let (payload, sig) = token.trim().split_once('.')?;
        let sig = URL_SAFE_NO_PAD.decode(sig).ok()?;
        let expected = self.mac(payload);
        if expected.is_empty()
            || !bool::from(subtle::ConstantTimeEq::ct_eq(
                expected.as_slice(),
                sig.as_slice(),
            ))
        {
            return None;
        }
        let s: Session = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
        (s.expires_at > now).then_some(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(exp: i64) -> Session {
        Session {
            portal_id: 7,
            user_id: 3,
            client_id: "app".into(),
            is_admin: false,
            departments: vec![1],
            lang: "ru".into(),
            history_months: 3,
            expires_at: exp,
            grant: String::new(),
        }
    }

    #[test]
    fn round_trip_and_expiry() {
        let s = Signer::new("secret-one");
        let t = s.sign(&sample(100));
        assert_eq!(s.verify(&t, 99), Some(sample(100)));
        assert_eq!(s.verify(&t, 100), None, "expired at exp");
    }

    #[test]
    fn tampered_or_foreign_tokens_fail() {
        let s = Signer::new("secret-one");
        let t = s.sign(&sample(100));
        assert_eq!(Signer::new("secret-two").verify(&t, 1), None);
        let (_, sig) = t.split_once('.').unwrap();
        let forged = URL_SAFE_NO_PAD.encode(
            serde_json::to_vec(&Session {
                is_admin: true,
                ..sample(100)
            })
            .unwrap(),
        );
        assert_eq!(s.verify(&format!("{forged}.{sig}"), 1), None);
        assert_eq!(s.verify("garbage", 1), None);
        assert_eq!(s.verify("", 1), None);
    }
}
