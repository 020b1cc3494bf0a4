//! Portals: one row per Bitrix24 account (keyed by `member_id`), created on install, updated when the domain
//! changes, flagged when a human must act, and removed with all of its data on an uninstall with cleaning.
//! Never deletes or touches another portal's rows.

use serde::{Deserialize, Serialize};

use crate::clock::now;
use crate::sql::Val;
use crate::{validate, Store, StoreError};

/// Our id of a portal (`portals.id`); every portal-owned row carries it.
/// Binds and decodes as a plain BIGINT on both backends (`.bind(portal)` in queries of other crates).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, sqlx::Type,
)]
#[serde(transparent)]
#[sqlx(transparent)]
pub struct PortalId(pub i64);

impl std::fmt::Display for PortalId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Where a portal stands for the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PortalStatus {
    /// Installed and synced.
    Active,
    /// Sync stopped until a human acts (revoked tokens, unpaid app, …); `attention_reason` says why.
    NeedsAttention,
    /// The app was removed; data stays until deleted.
    Uninstalled,
}

impl PortalStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PortalStatus::Active => "active",
            PortalStatus::NeedsAttention => "needs_attention",
            PortalStatus::Uninstalled => "uninstalled",
        }
    }

    fn parse(s: &str) -> Result<PortalStatus, StoreError> {
        match s {
            "active" => Ok(PortalStatus::Active),
            "needs_attention" => Ok(PortalStatus::NeedsAttention),
            "uninstalled" => Ok(PortalStatus::Uninstalled),
            other => Err(StoreError::Corrupt {
                table: "portals",
                column: "status",
                detail: format!("unknown status {other:?}"),
            }),
        }
    }
}

/// What an install (or a re-install) tells us about a portal.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NewPortal {
    pub member_id: String,
    pub domain: String,
    /// `https://<portal>/rest/`.
    pub client_endpoint: String,
    /// The OAuth server from the install payload.
    pub server_endpoint: Option<String>,
    /// Self-hosted use: an incoming webhook instead of OAuth.
    pub webhook_url: Option<String>,
    /// IANA name when known; `None` keeps what is stored.
    pub time_zone: Option<String>,
    /// `None` keeps what is stored (10800, Moscow, for a new portal).
    pub utc_offset_seconds: Option<i64>,
    /// `None` keeps what is stored.
    pub base_currency: Option<String>,
}

/// A stored portal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Portal {
    pub id: PortalId,
    pub member_id: String,
    pub domain: String,
    pub client_endpoint: String,
    pub server_endpoint: Option<String>,
    pub webhook_url: Option<String>,
    pub status: PortalStatus,
    pub attention_reason: Option<String>,
    pub time_zone: Option<String>,
    pub utc_offset_seconds: i64,
    pub base_currency: Option<String>,
    pub installed_at: i64,
    pub uninstalled_at: Option<i64>,
    pub updated_at: i64,
}

#[derive(sqlx::FromRow)]
struct PortalRow {
    id: i64,
    member_id: String,
    domain: String,
    client_endpoint: String,
    server_endpoint: Option<String>,
    webhook_url: Option<String>,
    status: String,
    attention_reason: Option<String>,
    time_zone: Option<String>,
    utc_offset_seconds: i64,
    base_currency: Option<String>,
    installed_at: i64,
    uninstalled_at: Option<i64>,
    updated_at: i64,
}

impl TryFrom<PortalRow> for Portal {
    type Error = StoreError;
    fn try_from(r: PortalRow) -> Result<Portal, StoreError> {
        Ok(Portal {
            id: PortalId(r.id),
            member_id: r.member_id,
            domain: r.domain,
            client_endpoint: r.client_endpoint,
            server_endpoint: r.server_endpoint,
            webhook_url: r.webhook_url,
            status: PortalStatus::parse(&r.status)?,
            attention_reason: r.attention_reason,
            time_zone: r.time_zone,
            utc_offset_seconds: r.utc_offset_seconds,
            base_currency: r.base_currency,
            installed_at: r.installed_at,
            uninstalled_at: r.uninstalled_at,
            updated_at: r.updated_at,
        })
    }
}

const PORTAL_COLUMNS: &str = "id, member_id, domain, client_endpoint, server_endpoint, webhook_url, status, \
    attention_reason, time_zone, utc_offset_seconds, base_currency, installed_at, uninstalled_at, updated_at";

/// Every table holding portal-owned rows, children first (so the order also suits foreign keys).
pub(crate) const PORTAL_OWNED_TABLES: &[&str] = &[
    "user_grants",
    "report_parts",
    "user_presets",
    "digest_sent",
    "sales_plans",
    "access_rules",
    "portal_settings",
    "pending_events",
    "leases",
    "sync_state",
    "custom_field_values",
    "custom_field_defs",
    "tasks",
    "projects",
    "calls",
    "activities",
    "stage_history",
    "contacts",
    "companies",
    "leads",
    "deals",
    "currencies",
    "crm_statuses",
    "pipelines",
    "departments",
    "user_departments",
    "users",
    "portal_apps",
];

impl Store {
    /// Creates the portal of `member_id` or, on a re-install, updates its domain and endpoints and makes it
    /// active again. Returns its id (stable across re-installs).
    pub async fn upsert_portal(&self, p: &NewPortal) -> Result<PortalId, StoreError> {
        validate::not_empty("portal", "member_id", &p.member_id)?;
        validate::not_empty("portal", "domain", &p.domain)?;
        validate::not_empty("portal", "client_endpoint", &p.client_endpoint)?;
        let t = now();
        let row: Option<(i64,)> = self
            .fetch_optional(
                "INSERT INTO portals (member_id, domain, client_endpoint, server_endpoint, webhook_url, status, \
                 time_zone, utc_offset_seconds, base_currency, installed_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, 'active', $6, COALESCE($7, 10800), $8, $9, $9) \
                 ON CONFLICT (member_id) DO UPDATE SET domain = excluded.domain, \
                 client_endpoint = excluded.client_endpoint, \
                 server_endpoint = COALESCE(excluded.server_endpoint, portals.server_endpoint), \
                 webhook_url = COALESCE(excluded.webhook_url, portals.webhook_url), \
                 status = 'active', attention_reason = NULL, uninstalled_at = NULL, \
                 time_zone = COALESCE(excluded.time_zone, portals.time_zone), \
                 utc_offset_seconds = COALESCE($7, portals.utc_offset_seconds), \
                 base_currency = COALESCE(excluded.base_currency, portals.base_currency), \
                 updated_at = excluded.updated_at \
                 RETURNING id",
                &[
                    Val::Str(&p.member_id),
                    Val::Str(&p.domain),
                    Val::Str(&p.client_endpoint),
                    Val::OptStr(p.server_endpoint.as_deref()),
                    Val::OptStr(p.webhook_url.as_deref()),
                    Val::OptStr(p.time_zone.as_deref()),
                    Val::OptI64(p.utc_offset_seconds),
                    Val::OptStr(p.base_currency.as_deref()),
                    Val::I64(t),
                ],
            )
            .await?;
        row.map(|(id,)| PortalId(id))
            .ok_or_else(|| StoreError::NotFound(format!("portal {}", p.member_id)))
    }

    /// The portal with this id.
    pub async fn portal(&self, id: PortalId) -> Result<Option<Portal>, StoreError> {
        let sql = format!("SELECT {PORTAL_COLUMNS} FROM portals WHERE id = $1");
        self.fetch_optional::<PortalRow>(&sql, &[Val::I64(id.0)])
            .await?
            .map(Portal::try_from)
            .transpose()
    }

    /// The portal of a Bitrix24 account.
    pub async fn portal_by_member_id(&self, member_id: &str) -> Result<Option<Portal>, StoreError> {
        let sql = format!("SELECT {PORTAL_COLUMNS} FROM portals WHERE member_id = $1");
        self.fetch_optional::<PortalRow>(&sql, &[Val::Str(member_id)])
            .await?
            .map(Portal::try_from)
            .transpose()
    }

    /// Every active portal, by id.
    pub async fn active_portals(&self) -> Result<Vec<Portal>, StoreError> {
        let sql =
            format!("SELECT {PORTAL_COLUMNS} FROM portals WHERE status = 'active' ORDER BY id");
        self.fetch_all::<PortalRow>(&sql, &[])
            .await?
            .into_iter()
            .map(Portal::try_from)
            .collect()
    }

    /// Every portal whatever its status, by id.
    pub async fn all_portals(&self) -> Result<Vec<Portal>, StoreError> {
        let sql = format!("SELECT {PORTAL_COLUMNS} FROM portals ORDER BY id");
        self.fetch_all::<PortalRow>(&sql, &[])
            .await?
            .into_iter()
            .map(Portal::try_from)
            .collect()
    }

    /// Records a new domain (portals can be renamed) and its REST endpoint.
    pub async fn set_portal_domain(
        &self,
        id: PortalId,
        domain: &str,
        client_endpoint: &str,
    ) -> Result<(), StoreError> {
        validate::not_empty("portal", "domain", domain)?;
        validate::not_empty("portal", "client_endpoint", client_endpoint)?;
        let n = self
            .execute(
                "UPDATE portals SET domain = $1, client_endpoint = $2, updated_at = $3 WHERE id = $4",
                &[Val::Str(domain), Val::Str(client_endpoint), Val::I64(now()), Val::I64(id.0)],
            )
            .await?;
        found(n, id)
    }

    /// Records the portal's time zone and base currency (from the portal's settings).
    pub async fn set_portal_locale(
        &self,
        id: PortalId,
        time_zone: Option<&str>,
        utc_offset_seconds: i64,
        base_currency: Option<&str>,
    ) -> Result<(), StoreError> {
        let n = self
            .execute(
                "UPDATE portals SET time_zone = $1, utc_offset_seconds = $2, base_currency = $3, updated_at = $4 \
                 WHERE id = $5",
                &[
                    Val::OptStr(time_zone),
                    Val::I64(utc_offset_seconds),
                    Val::OptStr(base_currency),
                    Val::I64(now()),
                    Val::I64(id.0),
                ],
            )
            .await?;
        found(n, id)
    }

    /// Records the portal's time zone as the sync learned it: an IANA name when one is known (`None`: only the
    /// offset is known) and the UTC offset in force now. Leaves everything else of the portal as it is.
    pub async fn set_portal_time_zone(
        &self,
        id: PortalId,
        time_zone: Option<&str>,
        utc_offset_seconds: i64,
    ) -> Result<(), StoreError> {
        if !(-14 * 3600..=14 * 3600).contains(&utc_offset_seconds) {
            return Err(StoreError::invalid(
                "portal",
                "utc_offset_seconds",
                format!("{utc_offset_seconds} is not a UTC offset"),
            ));
        }
        let n = self
            .execute(
                "UPDATE portals SET time_zone = $1, utc_offset_seconds = $2, updated_at = $3 WHERE id = $4",
                &[
                    Val::OptStr(time_zone),
                    Val::I64(utc_offset_seconds),
                    Val::I64(now()),
                    Val::I64(id.0),
                ],
            )
            .await?;
        found(n, id)
    }

    /// Stops syncing the portal until a human acts; `reason` is shown to the administrator.
    pub async fn mark_portal_needs_attention(
        &self,
        id: PortalId,
        reason: &str,
    ) -> Result<(), StoreError> {
        let n = self
            .execute(
                "UPDATE portals SET status = 'needs_attention', attention_reason = $1, updated_at = $2 WHERE id = $3",
                &[Val::Str(reason), Val::I64(now()), Val::I64(id.0)],
            )
            .await?;
        found(n, id)
    }

    /// Makes the portal active again (clears the attention reason and the uninstall time).
    pub async fn mark_portal_active(&self, id: PortalId) -> Result<(), StoreError> {
        let n = self
            .execute(
                "UPDATE portals SET status = 'active', attention_reason = NULL, uninstalled_at = NULL, updated_at = $1 \
                 WHERE id = $2",
                &[Val::I64(now()), Val::I64(id.0)],
            )
            .await?;
        found(n, id)
    }

    /// Records that the app was removed; the data stays until [`Store::delete_portal`].
    pub async fn mark_portal_uninstalled(&self, id: PortalId) -> Result<(), StoreError> {
        let t = now();
        let n = self
            .execute(
                "UPDATE portals SET status = 'uninstalled', uninstalled_at = $1, updated_at = $1 WHERE id = $2",
                &[Val::I64(t), Val::I64(id.0)],
            )
            .await?;
        found(n, id)
    }

    /// Deletes the portal and every row it owns, in every table, in one transaction (uninstall with cleaning).
    /// Returns false when there was no such portal. Other portals' rows are never touched.
    pub async fn delete_portal(&self, id: PortalId) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        for table in PORTAL_OWNED_TABLES {
            tx.execute(
                &format!("DELETE FROM {table} WHERE portal_id = $1"),
                &[Val::I64(id.0)],
            )
            .await?;
        }
        let n = tx
            .execute("DELETE FROM portals WHERE id = $1", &[Val::I64(id.0)])
            .await?;
        tx.commit().await?;
        Ok(n > 0)
    }
}

fn found(rows: u64, id: PortalId) -> Result<(), StoreError> {
    if rows == 0 {
        Err(StoreError::NotFound(format!("portal {id}")))
    } else {
        Ok(())
    }
}
