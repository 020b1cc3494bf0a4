//! Who may open which report, and whose records they see there. Portal administrators see every report their app
//! enables, the whole company; everyone else only what an access rule grants them by user or by department (a rule
//! on a department covers its sub-departments), with the data scope of the widest rule that lets them in (see
//! docs/ACCESS.md). The API and the pages both ask here; nothing else decides access. Every input is a verified
//! fact (the signed session made at a verified launch, the stored rules and the synced department tree), never a
//! value of the request.

use b24a_reports::{DataScope, ReportId};
use b24a_store::{AccessSubject, PortalId, RuleScope, Store, StoreError};

/// The caller as far as access is concerned (all fields from the signed session).
#[derive(Debug, Clone, Copy)]
pub struct Who<'a> {
    pub portal: PortalId,
    pub user_id: i64,
    pub is_admin: bool,
    /// The user's departments at the verified launch.
    pub departments: &'a [i64],
}

/// Each report of `enabled` the user may open, with the widest scope any rule letting them in grants
/// (`Company` for administrators).
pub async fn grants(
    store: &Store,
    who: Who<'_>,
    enabled: &[ReportId],
) -> Result<Vec<(ReportId, RuleScope)>, StoreError> {
    if who.is_admin {
        return Ok(enabled.iter().map(|r| (*r, RuleScope::Company)).collect());
    }
    let rules = store.access_rules(who.portal).await?;
    let mut out = Vec::new();
    for r in enabled {
        let mut best: Option<RuleScope> = None;
        for rule in rules
            .iter()
            .filter(|x| x.report == "*" || x.report == r.as_str())
        {
            let ok = match rule.subject {
                AccessSubject::User(u) => u == who.user_id,
                AccessSubject::Department(d) => {
                    let tree = store.department_subtree(who.portal, d).await?;
                    who.departments
                        .iter()
                        .any(|ud| *ud == d || tree.contains(ud))
                }
            };
            if ok {
                best = best.max(Some(rule.scope));
            }
        }
        if let Some(scope) = best {
            out.push((*r, scope));
        }
    }
    Ok(out)
}

/// The reports of `enabled` that the user may open.
pub async fn allowed_reports(
    store: &Store,
    portal: PortalId,
    user_id: i64,
    is_admin: bool,
    user_departments: &[i64],
    enabled: &[ReportId],
) -> Result<Vec<ReportId>, StoreError> {
    let who = Who {
        portal,
        user_id,
        is_admin,
        departments: user_departments,
    };
    Ok(grants(store, who, enabled)
        .await?
        .into_iter()
        .map(|(r, _)| r)
        .collect())
}

/// Whose records a rule scope shows this user: the whole company; or the user's own records plus the trees of
/// the departments the user heads (a head sees his department without a special rule) and, for a `Department`
/// rule, the trees of the user's own departments.
pub async fn data_scope(
    store: &Store,
    who: Who<'_>,
    scope: RuleScope,
) -> Result<DataScope, StoreError> {
    if who.is_admin || scope == RuleScope::Company {
        return Ok(DataScope::Company);
    }
    let mut roots = store.departments_headed_by(who.portal, who.user_id).await?;
    if scope == RuleScope::Department {
        for d in who.departments {
            if !roots.contains(d) {
                roots.push(*d);
            }
        }
    }
    Ok(DataScope::Limited {
        user: who.user_id,
        roots,
    })
}
