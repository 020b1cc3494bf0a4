//! The sales-plan editor's API: list, add many rows at once (pasted from a spreadsheet: one bad row rejects all,
//! and the error names the row and field), delete. Reading needs access to the plan report (R3) and shows only the
//! rows of the caller's data scope; writes are for administrators only.

use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::Caller;
use crate::app::AppState;
use crate::error::AppError;

/// `GET /api/plans`: rows of employees in the caller's scope and of departments in its tree (amounts, bonuses and
/// grades are the plan report's data).
pub async fn list(State(state): State<AppState>, caller: Caller) -> Result<Json<Value>, AppError> {
    let scope = super::guard::report(&state, &caller, b24a_reports::ReportId::Plan).await?;
    let mut rows = state.store.plans(caller.portal()).await?;
    if scope != b24a_reports::DataScope::Company {
        let d = b24a_reports::dicts::Dicts::load(&state.store, caller.0.portal_id).await?;
        let people = scope.people(&d).unwrap_or_default();
        let depts = scope.departments(&d).unwrap_or_default();
        rows.retain(|r| match (r.user_id, r.department_id) {
            (Some(u), _) => people.contains(&u),
            (None, Some(dep)) => depts.contains(&dep),
            (None, None) => false,
        });
    }
    Ok(Json(json!(rows)))
}

/// Body of `POST /api/plans`.
#[derive(Debug, Deserialize)]
pub struct NewRows {
    pub rows: Vec<b24a_store::NewSalesPlan>,
}

/// `POST /api/plans`: all rows or none.
pub async fn add(
    State(state): State<AppState>,
    caller: Caller,
    Json(mut body): Json<NewRows>,
) -> Result<Json<Value>, AppError> {
    caller.require_admin()?;
    if body.rows.is_empty() {
        return Err(AppError::Field("rows".into(), "no rows".into()));
    }
    if body.rows.len() > b24a_store::plans::MAX_ROWS {
        return Err(AppError::Field(
            "rows".into(),
            format!(
                "at most {} rows at once, got {}",
                b24a_store::plans::MAX_ROWS,
                body.rows.len()
            ),
        ));
    }
    for (i, r) in body.rows.iter_mut().enumerate() {
        r.updated_by = Some(caller.0.user_id);
        let checked = match b24a_store::plans::validate_plan(r) {
            Ok(()) => state.store.check_plan_references(caller.portal(), r).await,
            Err(e) => Err(e),
        };
        if let Err(e) = checked {
            let Some(field) = e.invalid_field() else {
                return Err(e.into());
            };
            return Err(AppError::Field(format!("rows[{i}].{field}"), e.to_string()));
        }
    }
    let ids = state
        .store
        .create_plans(caller.portal(), &body.rows)
        .await?;
    Ok(Json(json!({ "ids": ids })))
}

/// `DELETE /api/plans/{id}`.
pub async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Value>, AppError> {
    caller.require_admin()?;
    if !state.store.delete_plan(caller.portal(), id).await? {
        return Err(AppError::NotFound(format!("plan {id}")));
    }
    Ok(Json(json!({ "deleted": id })))
}
