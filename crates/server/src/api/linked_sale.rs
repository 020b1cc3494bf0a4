//! `GET /api/linked/sales/{id}?filter=…`: R7's per-sale view — one sale's children across departments on one time
//! line. Access as R7 itself: the caller must be allowed R7 (403), the sale must be a sale of the filter inside the
//! caller's data scope and the tier's window (404 otherwise, so nothing tells a hidden sale from a missing one); a
//! bad id or filter is a 400 naming the field. Which children a sale has is `b24a-reports`' job; words are
//! `linked_words`'. Must never widen the scope or read the sale from anywhere but the report's own counting.

use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Deserialize;
use serde_json::Value;

use super::reports::{context, parse_filter};
use super::Caller;
use crate::app::AppState;
use crate::error::AppError;
use crate::i18n::Lang;

/// The query: the report's filter as JSON text (the page's current R7 filter); none = the default filter.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SaleQuery {
    pub filter: Option<String>,
}

/// A sale id from the path: a positive whole number.
fn sale_id(raw: &str) -> Result<i64, AppError> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| AppError::Field("id".into(), "must be a positive whole number".into()))
}

/// `GET /api/linked/sales/{id}`.
pub async fn sale(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(q): Query<SaleQuery>,
) -> Result<Json<Value>, AppError> {
    let scope = super::guard::report(&state, &caller, b24a_reports::ReportId::Linked).await?;
    let id = sale_id(&id)?;
    let filter_json = match q.filter.as_deref().map(str::trim) {
        None | Some("") => Value::Null,
        Some(t) => {
            serde_json::from_str(t).map_err(|e| AppError::Field("filter".into(), e.to_string()))?
        }
    };
    let filter = parse_filter(&filter_json)?;
    let ctx = context(&state, &caller, scope).await?;
    let view = b24a_reports::r7_linked::sale_view(&state.reports, &ctx, &filter, id)
        .await?
        .ok_or_else(|| AppError::NotFound("sale".into()))?;
    Ok(Json(crate::linked_words::sale_view_json(
        &view,
        &ctx.base_currency,
        Lang::from_code(&caller.0.lang),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_positive_whole_numbers() {
        assert_eq!(sale_id("12").ok(), Some(12));
        for bad in ["0", "-3", "x", "1.5", "", "99999999999999999999"] {
            assert!(sale_id(bad).is_err(), "{bad}");
        }
    }
}
