//! Who may open which report: portal administrators see every report their app enables; everyone else only what
//! an access rule grants them by user or by department (a rule on a department covers its sub-departments).
//! The API and the pages both ask here; nothing else decides access.

use b24a_reports::ReportId;
use b24a_store::{AccessSubject, PortalId, Store, StoreError};

/// The reports of `enabled` that the user may open.
pub async fn allowed_reports(
    store: &Store,
    portal: PortalId,
    user_id: i64,
    is_admin: bool,
    user_departments: &[i64],
    enabled: &[ReportId],
) -> Result<Vec<ReportId>, StoreError> {
    if is_admin {
        return Ok(enabled.to_vec());
    }
    let rules = store.access_rules(portal).await?;
    let mut out = Vec::new();
    for r in enabled {
        let mut ok = false;
        for rule in rules
            .iter()
            .filter(|x| x.report == "*" || x.report == r.as_str())
        {
            ok = match rule.subject {
                AccessSubject::User(u) => u == user_id,
                AccessSubject::Department(d) => {
                    let tree = store.department_subtree(portal, d).await?;
                    user_departments
                        .iter()
                        .any(|ud| *ud == d || tree.contains(ud))
                }
            };
            if ok {
                break;
            }
        }
        if ok {
            out.push(*r);
        }
    }
    Ok(out)
}
