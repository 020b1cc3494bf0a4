//! Each user's bonus rule on the plan report (threshold slider or ladder), remembered between visits like the filter
//! presets: `GET` / `PUT /api/presets/plan/bonus`. Stored per portal × user under the preset key `plan_bonus`;
//! validated on the way in and on the way back (a stored rule that no longer validates reads as the default).
//! Only for a user who may open the plan report. Never computes anything and never touches another user's rule.

use axum::extract::State;
use axum::Json;
use b24a_reports::r3_plan::PlanOptions;

use super::Caller;
use crate::app::AppState;
use crate::error::AppError;

/// The preset key the rule is kept under (beside the report ids of the filter presets).
const KEY: &str = "plan_bonus";

/// `GET /api/presets/plan/bonus`: the user's saved rule, else the default (100 %, no ladder).
pub async fn get_bonus(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<PlanOptions>, AppError> {
    super::guard::report(&state, &caller, b24a_reports::ReportId::Plan).await?;
    let saved = state
        .store
        .user_preset(caller.portal(), caller.0.user_id, KEY)
        .await?
        .and_then(|v| serde_json::from_value::<PlanOptions>(v).ok())
        .filter(|o| o.validate().is_ok());
    Ok(Json(saved.unwrap_or_default()))
}

/// `PUT /api/presets/plan/bonus`: saves the user's rule; a bad one is a 400 naming the field (`plan.threshold_pct`).
pub async fn put_bonus(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<PlanOptions>,
) -> Result<Json<PlanOptions>, AppError> {
    super::guard::report(&state, &caller, b24a_reports::ReportId::Plan).await?;
    body.validate()?;
    let value = serde_json::to_value(&body).map_err(|e| AppError::BadRequest(e.to_string()))?;
    state
        .store
        .set_user_preset(caller.portal(), caller.0.user_id, KEY, &value)
        .await?;
    Ok(Json(body))
}
