//! Who besides the portal's administrators may open which report: rules of (report, user or department).
//! The store only keeps the rules; deciding whether a request passes (admin check, department tree) is the web
//! server's job.

use serde::{Deserialize, Serialize};

use crate::sql::Val;
use crate::{PortalId, Store, StoreError};

/// Report names a rule may name; `*` means every report.
pub const REPORTS: [&str; 7] = [
    "sales_dynamics",
    "managers",
    "plan",
    "marketing",
    "tasks",
    "forget_me_not",
    "*",
];

/// Whom a rule lets in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum AccessSubject {
    User(i64),
    /// Members of the department (the server decides whether sub-departments count).
    Department(i64),
}

/// One access rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AccessRule {
    /// One of [`REPORTS`].
    pub report: String,
    pub subject: AccessSubject,
}

impl AccessRule {
    fn parts(&self) -> (&'static str, i64) {
        match self.subject {
            AccessSubject::User(id) => ("user", id),
            AccessSubject::Department(id) => ("department", id),
        }
    }

    fn check(&self) -> Result<(), StoreError> {
        if !REPORTS.contains(&self.report.as_str()) {
            return Err(StoreError::invalid(
                "access_rule",
                "report",
                format!("unknown report {:?}", self.report),
            ));
        }
        crate::validate::positive_id("access_rule", "subject", self.parts().1)
    }
}

impl Store {
    /// Every rule of the portal, by report then subject.
    pub async fn access_rules(&self, portal: PortalId) -> Result<Vec<AccessRule>, StoreError> {
        let rows: Vec<(String, String, i64)> = self
            .fetch_all(
                "SELECT report, subject_type, subject_id FROM access_rules WHERE portal_id = $1 \
                 ORDER BY report, subject_type, subject_id",
                &[Val::I64(portal.0)],
            )
            .await?;
        rows.into_iter()
            .map(|(report, kind, id)| {
                let subject = match kind.as_str() {
                    "user" => AccessSubject::User(id),
                    "department" => AccessSubject::Department(id),
                    other => {
                        return Err(StoreError::Corrupt {
                            table: "access_rules",
                            column: "subject_type",
                            detail: format!("unknown subject type {other:?}"),
                        })
                    }
                };
                Ok(AccessRule { report, subject })
            })
            .collect()
    }

    /// Adds a rule; `false` when it already existed.
    pub async fn add_access_rule(
        &self,
        portal: PortalId,
        rule: &AccessRule,
    ) -> Result<bool, StoreError> {
        rule.check()?;
        let (kind, id) = rule.parts();
        let n = self
            .execute(
                "INSERT INTO access_rules (portal_id, report, subject_type, subject_id) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT DO NOTHING",
                &[Val::I64(portal.0), Val::Str(&rule.report), Val::Str(kind), Val::I64(id)],
            )
            .await?;
        Ok(n == 1)
    }

    /// Removes a rule; `false` when there was no such rule.
    pub async fn remove_access_rule(
        &self,
        portal: PortalId,
        rule: &AccessRule,
    ) -> Result<bool, StoreError> {
        let (kind, id) = rule.parts();
        let n = self
            .execute(
                "DELETE FROM access_rules WHERE portal_id = $1 AND report = $2 AND subject_type = $3 AND subject_id = $4",
                &[Val::I64(portal.0), Val::Str(&rule.report), Val::Str(kind), Val::I64(id)],
            )
            .await?;
        Ok(n == 1)
    }

    /// Makes the portal's rules exactly `rules`, in one transaction (the settings page saves the whole list).
    pub async fn replace_access_rules(
        &self,
        portal: PortalId,
        rules: &[AccessRule],
    ) -> Result<(), StoreError> {
        for r in rules {
            r.check()?;
        }
        let mut tx = self.begin().await?;
        tx.execute(
            "DELETE FROM access_rules WHERE portal_id = $1",
            &[Val::I64(portal.0)],
        )
        .await?;
        for r in rules {
            let (kind, id) = r.parts();
            tx.execute(
                "INSERT INTO access_rules (portal_id, report, subject_type, subject_id) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT DO NOTHING",
                &[Val::I64(portal.0), Val::Str(&r.report), Val::Str(kind), Val::I64(id)],
            )
            .await?;
        }
        tx.commit().await
    }
}
