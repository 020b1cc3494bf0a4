//! Who besides the portal's administrators may open which report: rules of (report, user or department, data
//! scope), and which departments a user heads (the portal's verified department structure). The store only keeps
//! the rules; deciding whether a request passes and whose records it may see (admin check, department tree) is the
//! web server's job.

use serde::{Deserialize, Serialize};

use crate::sql::Val;
use crate::{PortalId, Store, StoreError};

/// Report names a rule may name; `*` means every report.
pub const REPORTS: [&str; 8] = [
    "sales_dynamics",
    "managers",
    "plan",
    "marketing",
    "tasks",
    "forget_me_not",
    "linked",
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

/// The most rules a portal keeps: the settings page saves the whole list at once, and every API call re-reads it.
pub const MAX_ACCESS_RULES: usize = 500;

/// Whose records a rule lets its subject see in the report it grants.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum RuleScope {
    /// Records the user is responsible for (a head of a department also sees that department's tree).
    #[default]
    Own,
    /// Everything of the user's own departments with their sub-departments.
    Department,
    /// The whole company.
    Company,
}

impl RuleScope {
    pub fn as_str(self) -> &'static str {
        match self {
            RuleScope::Own => "own",
            RuleScope::Department => "department",
            RuleScope::Company => "company",
        }
    }

    fn parse(s: &str) -> Option<RuleScope> {
        match s {
            "own" => Some(RuleScope::Own),
            "department" => Some(RuleScope::Department),
            "company" => Some(RuleScope::Company),
            _ => None,
        }
    }
}

/// One access rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AccessRule {
    /// One of [`REPORTS`].
    pub report: String,
    pub subject: AccessSubject,
    /// Missing in a request = the least privilege.
    #[serde(default)]
    pub scope: RuleScope,
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

/// What is wrong with a whole list as the settings page saves it, as (field path, reason), e.g.
/// (`rules[3].report`, …): bounded, each rule valid, no (report, subject) twice (two scopes for one grant would
/// leave the wider one to chance). `None` when the list may be stored.
pub fn list_problem(rules: &[AccessRule]) -> Option<(String, String)> {
    if rules.len() > MAX_ACCESS_RULES {
        return Some((
            "rules".into(),
            format!("at most {MAX_ACCESS_RULES} rules, got {}", rules.len()),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for (i, r) in rules.iter().enumerate() {
        if let Err(e) = r.check() {
            let field = e.invalid_field().unwrap_or("rule");
            let reason = match e {
                StoreError::Invalid { reason, .. } => reason,
                other => other.to_string(),
            };
            return Some((format!("rules[{i}].{field}"), reason));
        }
        if !seen.insert((r.report.as_str(), r.subject)) {
            return Some((
                format!("rules[{i}].subject"),
                "the same report and subject appear twice".into(),
            ));
        }
    }
    None
}

impl Store {
    /// The departments whose head (`UF_HEAD`, synced from the portal) is `user_id`.
    pub async fn departments_headed_by(
        &self,
        portal: PortalId,
        user_id: i64,
    ) -> Result<Vec<i64>, StoreError> {
        let rows: Vec<(i64,)> = self
            .fetch_all(
                "SELECT id FROM departments WHERE portal_id = $1 AND head_user_id = $2 ORDER BY id",
                &[Val::I64(portal.0), Val::I64(user_id)],
            )
            .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// Every rule of the portal, by report then subject.
    pub async fn access_rules(&self, portal: PortalId) -> Result<Vec<AccessRule>, StoreError> {
        let rows: Vec<(String, String, i64, String)> = self
            .fetch_all(
                "SELECT report, subject_type, subject_id, scope FROM access_rules WHERE portal_id = $1 \
                 ORDER BY report, subject_type, subject_id",
                &[Val::I64(portal.0)],
            )
            .await?;
        rows.into_iter()
            .map(|(report, kind, id, scope)| {
                let scope = RuleScope::parse(&scope).ok_or_else(|| StoreError::Corrupt {
                    table: "access_rules",
                    column: "scope",
                    detail: format!("unknown scope {scope:?}"),
                })?;
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
                Ok(AccessRule {
                    report,
                    subject,
                    scope,
                })
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
                "INSERT INTO access_rules (portal_id, report, subject_type, subject_id, scope) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                &[
                    Val::I64(portal.0),
                    Val::Str(&rule.report),
                    Val::Str(kind),
                    Val::I64(id),
                    Val::Str(rule.scope.as_str()),
                ],
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
        if let Some((path, reason)) = list_problem(rules) {
            return Err(StoreError::invalid(
                "access_rules",
                "rules",
                format!("{path}: {reason}"),
            ));
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
                "INSERT INTO access_rules (portal_id, report, subject_type, subject_id, scope) \
                 VALUES ($1, $2, $3, $4, $5)",
                &[
                    Val::I64(portal.0),
                    Val::Str(&r.report),
                    Val::Str(kind),
                    Val::I64(id),
                    Val::Str(r.scope.as_str()),
                ],
            )
            .await?;
        }
        tx.commit().await
    }
}
