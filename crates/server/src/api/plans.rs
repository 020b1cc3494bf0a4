//! The sales-plan editor's API: list, add many rows at once (pasted from a spreadsheet: one bad row rejects all,
//! and the error names the row and field), delete. Administrators only for writes.

use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::Caller;
use crate::app::AppState;
use crate::error::AppError;

/// `GET /api/plans`.
pub async fn list(State(state): State<AppState>, caller: Caller) -> Result<Json<Value>, AppError> {
    Ok(Json(json!(state.store.plans(caller.portal()).await?)))
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
    for (i, r) in body.rows.iter_mut().enumerate() {
        r.updated_by = Some(caller.0.u);
        if let Err(e) = b24a_store::plans::validate_plan(r) {
            let field = e.invalid_field().unwrap_or("row");
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
