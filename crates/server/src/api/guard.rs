//! Access on every API route by the report it serves, and the caller's data scope there. A handler serving a
//! report's data (answers, drill-downs, exports, plans, presets) asks [`report`] first and gets a 403 or the
//! scope to compute with; routes serving no one report (dictionaries) take the [`widest`] scope of the reports the
//! caller may open. Must never take anything but the signed session and stored facts into account.

use b24a_reports::{DataScope, ReportId};

use super::Caller;
use crate::access::{self, Who};
use crate::app::AppState;
use crate::error::AppError;

fn who(caller: &Caller) -> Who<'_> {
    Who {
        portal: caller.portal(),
        user_id: caller.0.user_id,
        is_admin: caller.0.is_admin,
        departments: &caller.0.departments,
    }
}

async fn grants(
    state: &AppState,
    caller: &Caller,
) -> Result<Vec<(ReportId, b24a_store::RuleScope)>, AppError> {
    let app = state
        .app(&caller.0.client_id)
        .ok_or(AppError::Unauthorized)?;
    Ok(access::grants(&state.store, who(caller), &app.enabled_reports()).await?)
}

/// The caller's data scope in `report`, or 403 when the caller may not open it (rules are re-read on every call,
/// so a revoked rule bites at once).
pub async fn report(
    state: &AppState,
    caller: &Caller,
    report: ReportId,
) -> Result<DataScope, AppError> {
    let Some((_, scope)) = grants(state, caller)
        .await?
        .into_iter()
        .find(|(r, _)| *r == report)
    else {
        return Err(AppError::Forbidden);
    };
    Ok(access::data_scope(&state.store, who(caller), scope).await?)
}

/// The union of the caller's scopes over every report the caller may open (403 when none).
pub async fn widest(state: &AppState, caller: &Caller) -> Result<DataScope, AppError> {
    let best = grants(state, caller)
        .await?
        .into_iter()
        .map(|(_, s)| s)
        .max()
        .ok_or(AppError::Forbidden)?;
    Ok(access::data_scope(&state.store, who(caller), best).await?)
}
