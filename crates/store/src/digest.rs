//! The weekly digest's once-per-week record: a row per portal × recipient × ISO week, claimed with one atomic
//! insert-if-absent BEFORE the notification is sent, so two replicas never both send and a replica that was down
//! finds the row (docs/DIGEST.md); and the digest's settings (day, hour, recipients, language, on/off), validated
//! here. It must never decide when a digest is due nor send anything.

use serde::{Deserialize, Serialize};

use crate::clock::now;
use crate::sql::Val;
use crate::{validate, PortalId, Store, StoreError};

/// A refused send may be claimed again within its week until it has been tried this many times.
pub const MAX_ATTEMPTS: i64 = 3;

/// The setting key of [`DigestSettings`].
pub const SETTING_KEY: &str = "weekly_digest";
/// At most this many recipients per portal.
pub const MAX_RECIPIENTS: usize = 50;

/// When and to whom the weekly digest goes (portal time zone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DigestSettings {
    pub enabled: bool,
    /// ISO day of the week: 1 = Monday … 7 = Sunday.
    pub weekday: u32,
    /// The portal-local hour from which it is sent that day, 0..=23.
    pub hour: u32,
    /// Portal user ids.
    pub recipients: Vec<i64>,
    /// `ru` or `en`: Bitrix24 does not tell an app a user's language outside a launch.
    pub lang: String,
}

impl Default for DigestSettings {
    fn default() -> Self {
        DigestSettings {
            enabled: false,
            weekday: 1,
            hour: 9,
            recipients: Vec::new(),
            lang: "ru".into(),
        }
    }
}

impl DigestSettings {
    /// The first problem (field, reason), if any.
    pub fn problem(&self) -> Option<(&'static str, String)> {
        if !(1..=7).contains(&self.weekday) {
            return Some(("weekday", "must be 1 (Monday) ..= 7 (Sunday)".into()));
        }
        if self.hour > 23 {
            return Some(("hour", "must be 0..=23".into()));
        }
        if !matches!(self.lang.as_str(), "ru" | "en") {
            return Some(("lang", "must be ru or en".into()));
        }
        if self.recipients.len() > MAX_RECIPIENTS {
            return Some(("recipients", format!("at most {MAX_RECIPIENTS}")));
        }
        for (i, r) in self.recipients.iter().enumerate() {
            if *r <= 0 {
                return Some(("recipients", format!("[{i}] {r} is not a user id")));
            }
            if self.recipients[..i].contains(r) {
                return Some(("recipients", format!("[{i}] user {r} is listed twice")));
            }
        }
        None
    }
}

/// One recipient's record for one week.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestRecord {
    pub recipient_id: i64,
    pub week: String,
    /// `claimed` (taken; sending, or the outcome is unknown), `sent`, `failed` (the portal refused it).
    pub status: String,
    pub attempts: i64,
    pub holder: String,
    pub claimed_at: i64,
    pub sent_at: Option<i64>,
    pub error: Option<String>,
}

impl Store {
    /// The digest's settings (off, Monday 9:00, nobody, Russian, when never set).
    pub async fn digest_settings(&self, portal: PortalId) -> Result<DigestSettings, StoreError> {
        Ok(self.setting(portal, SETTING_KEY).await?.unwrap_or_default())
    }

    /// Saves the digest's settings after checking them (nothing is written when a field is wrong).
    pub async fn set_digest_settings(
        &self,
        portal: PortalId,
        s: &DigestSettings,
        updated_by: Option<i64>,
    ) -> Result<(), StoreError> {
        if let Some((field, reason)) = s.problem() {
            return Err(StoreError::invalid("digest_settings", field, reason));
        }
        self.set_setting(portal, SETTING_KEY, s, updated_by).await
    }

    /// Claims the digest of `week` (`YYYY-Www`) for `recipient` for `holder`: `true` when this caller may send it
    /// now. A week nobody claimed yet is taken by one atomic insert; a week whose last attempt the portal refused
    /// (`failed`, fewer than [`MAX_ATTEMPTS`]) is taken again by one conditional update. A week `claimed` or
    /// `sent` is never taken again: at most one delivery per recipient and week.
    pub async fn claim_digest(
        &self,
        portal: PortalId,
        recipient: i64,
        week: &str,
        holder: &str,
    ) -> Result<bool, StoreError> {
        validate::not_empty("digest", "week", week)?;
        validate::not_empty("digest", "holder", holder)?;
        let n = self
            .execute(
                "INSERT INTO digest_sent (portal_id, recipient_id, week, status, attempts, holder, claimed_at) \
                 VALUES ($1, $2, $3, 'claimed', 1, $4, $5) \
                 ON CONFLICT (portal_id, recipient_id, week) DO UPDATE SET status = 'claimed', \
                 attempts = digest_sent.attempts + 1, holder = excluded.holder, claimed_at = excluded.claimed_at, \
                 error = NULL \
                 WHERE digest_sent.status = 'failed' AND digest_sent.attempts < $6",
                &[
                    Val::I64(portal.0),
                    Val::I64(recipient),
                    Val::Str(week),
                    Val::Str(holder),
                    Val::I64(now()),
                    Val::I64(MAX_ATTEMPTS),
                ],
            )
            .await?;
        Ok(n == 1)
    }

    /// Records the outcome of a claimed send: `Ok` = the portal accepted it (`sent`), `Err(text)` = the portal
    /// refused it (`failed`, claimable again this week). Only the holder's claim is changed.
    pub async fn finish_digest(
        &self,
        portal: PortalId,
        recipient: i64,
        week: &str,
        holder: &str,
        outcome: Result<(), &str>,
    ) -> Result<(), StoreError> {
        let (status, sent_at, error) = match outcome {
            Ok(()) => ("sent", Some(now()), None),
            Err(e) => ("failed", None, Some(e)),
        };
        self.execute(
            "UPDATE digest_sent SET status = $1, sent_at = $2, error = $3 \
             WHERE portal_id = $4 AND recipient_id = $5 AND week = $6 AND holder = $7 AND status = 'claimed'",
            &[
                Val::Str(status),
                Val::OptI64(sent_at),
                Val::OptStr(error),
                Val::I64(portal.0),
                Val::I64(recipient),
                Val::Str(week),
                Val::Str(holder),
            ],
        )
        .await?;
        Ok(())
    }

    /// The portal's digest records of `week`, by recipient.
    pub async fn digest_records(
        &self,
        portal: PortalId,
        week: &str,
    ) -> Result<Vec<DigestRecord>, StoreError> {
        type Row = (
            i64,
            String,
            String,
            i64,
            String,
            i64,
            Option<i64>,
            Option<String>,
        );
        let rows: Vec<Row> = self
            .fetch_all(
                "SELECT recipient_id, week, status, attempts, holder, claimed_at, sent_at, error FROM digest_sent \
                 WHERE portal_id = $1 AND week = $2 ORDER BY recipient_id",
                &[Val::I64(portal.0), Val::Str(week)],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(
                |(recipient_id, week, status, attempts, holder, claimed_at, sent_at, error)| {
                    DigestRecord {
                        recipient_id,
                        week,
                        status,
                        attempts,
                        holder,
                        claimed_at,
                        sent_at,
                        error,
                    }
                },
            )
            .collect())
    }
}
