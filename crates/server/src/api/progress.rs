//! First-import progress and per-source freshness, as the page shows them: what is done, what is still loading,
//! when each source last synced, and which source failed (so a report never shows a fresh time over missing data).

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

use super::Caller;
use crate::app::AppState;
use crate::error::AppError;

/// Per-entity progress and freshness of the portal.
pub async fn freshness(state: &AppState, portal: b24a_store::PortalId) -> Result<Value, AppError> {
    let states = state.store.sync_states(portal).await?;
    let entities: Vec<Value> = states
        .iter()
        .map(|s| {
            json!({
                "entity": s.entity,
                "phase": s.phase,
                "done": s.done_count,
                "total": s.estimated_total,
                "finished": s.full_finished_at.is_some(),
                "last_success_at": s.last_success_at,
                "error": s.last_error.as_ref().map(|_| true).unwrap_or(false)
                    && s.last_error_at.unwrap_or(0) >= s.last_success_at.unwrap_or(0),
            })
        })
        .collect();
    let done: i64 = states.iter().map(|s| s.done_count).sum();
    let total: i64 = states
        .iter()
        .map(|s| s.estimated_total.unwrap_or(s.done_count).max(s.done_count))
        .sum();
    let all_finished = !states.is_empty() && states.iter().all(|s| s.full_finished_at.is_some());
    let last_sync = states.iter().filter_map(|s| s.last_success_at).min();
    Ok(json!({
        "entities": entities,
        "done": done,
        "total": total,
        "first_import_finished": all_finished,
        "last_sync_at": last_sync,
        "failed": entities.iter().filter(|e| e["error"] == json!(true)).map(|e| e["entity"].clone()).collect::<Vec<_>>(),
    }))
}

/// `GET /api/progress`.
pub async fn progress(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Value>, AppError> {
    Ok(Json(freshness(&state, caller.portal()).await?))
}

#[cfg(test)]
mod tests {
    /// Every source the sync reports progress for has a Russian and English name in the progress bar (an unnamed
    /// one would show its code, e.g. "statuses", on a Russian page). The words live in `page_words.rs`.
    #[test]
    fn every_sync_source_is_named_in_the_progress_bar() {
        let names = b24a_sync::entity::Entity::DICTIONARIES
            .iter()
            .chain(b24a_sync::entity::Entity::BULK.iter())
            .map(|e| e.name())
            .chain([b24a_sync::calls::CALLS]);
        for name in names {
            for lang in [crate::i18n::Lang::Ru, crate::i18n::Lang::En] {
                let key = format!("source_{name}");
                assert_ne!(
                    crate::page_words::word(lang, &key),
                    key,
                    "page_words.rs has no name for source {name:?}"
                );
            }
        }
    }
}
