//! The store's clock: unix seconds (UTC) for `synced_at`, `updated_at`, lease expiry and similar bookkeeping.
//! It must never be used for portal-clock values (watermarks come from the portal, not from here).

/// Now, in unix seconds.
pub(crate) fn now() -> i64 {
    chrono::Utc::now().timestamp()
}
