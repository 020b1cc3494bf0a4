//! Administrator settings: forget-me-not thresholds, access rules (with their data scope), sales plans, the weekly
//! digest; and each
//! user's saved filter presets, readable and writable only for a report the user may open. Writes of settings are
//! for portal administrators only (checked on every call); the store validates values and its field-named errors
//! become HTTP 400.

use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::Caller;
use crate::app::AppState;
use crate::error::AppError;

/// `GET /api/settings`: what the settings page shows.
pub async fn get_settings(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Value>, AppError> {
    let fmn = state.store.forget_me_not_settings(caller.portal()).await?;
    let rules = if caller.0.is_admin {
        state.store.access_rules(caller.portal()).await?
    } else {
        Vec::new()
    };
    // The zone every day boundary is drawn in, as the sync last learned it from the portal.
    let time_zone = state.store.portal(caller.portal()).await?.map(|p| {
        crate::zone_label::label(
            crate::i18n::Lang::from_code(&caller.0.lang),
            p.time_zone.as_deref(),
            p.utc_offset_seconds,
        )
    });
    // The digest's recipients are people: only administrators (who choose them) see the list.
    let digest = if caller.0.is_admin {
        json!(state.store.digest_settings(caller.portal()).await?)
    } else {
        Value::Null
    };
    // Who may use the tidy-up page besides administrators: people, so administrators only.
    let tidy_users: Value = if caller.0.is_admin {
        json!(tidy_users(&state, &caller).await?)
    } else {
        Value::Null
    };
    Ok(Json(
        json!({ "forget_me_not": fmn, "access_rules": rules, "is_admin": caller.0.is_admin, "time_zone": time_zone,
            "digest": digest, "tidy_users": tidy_users }),
    ))
}

async fn tidy_users(state: &AppState, caller: &Caller) -> Result<Vec<i64>, AppError> {
    Ok(state
        .store
        .setting(caller.portal(), crate::api::tidy::USERS_SETTING)
        .await?
        .unwrap_or_default())
}

/// The most people the tidy-up setting names (a portal's whole staff fits; a megabyte of ids does not).
const MAX_TIDY_USERS: usize = 1000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TidyUsers {
    users: Vec<i64>,
}

/// `PUT /api/settings/tidy-users`: the employees besides administrators who may use the tidy-up page
/// (docs/ACTIONS.md). Each must be an active employee of the portal. Administrators only.
pub async fn put_tidy_users(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<Value>,
) -> Result<Json<Value>, AppError> {
    caller.require_admin()?;
    let body: TidyUsers =
        serde_json::from_value(body).map_err(|e| AppError::Field("users".into(), e.to_string()))?;
    if body.users.len() > MAX_TIDY_USERS {
        return Err(AppError::Field(
            "users".into(),
            format!("at most {MAX_TIDY_USERS} people"),
        ));
    }
    let d = b24a_reports::dicts::Dicts::load(&state.store, caller.0.portal_id).await?;
    if let Some((i, u)) = body
        .users
        .iter()
        .enumerate()
        .find(|(_, u)| !d.users.get(u).is_some_and(|x| x.active))
    {
        return Err(AppError::Field(
            format!("users[{i}]"),
            format!("{u} is not an active employee of the portal"),
        ));
    }
    let mut users = body.users;
    users.sort_unstable();
    users.dedup();
    state
        .store
        .set_setting(
            caller.portal(),
            crate::api::tidy::USERS_SETTING,
            &users,
            Some(caller.0.user_id),
        )
        .await?;
    Ok(Json(json!({ "users": tidy_users(&state, &caller).await? })))
}

/// `PUT /api/settings/digest`: the weekly digest's day, hour, recipients (active employees of the portal),
/// language and on/off (docs/DIGEST.md). Administrators only.
pub async fn put_digest(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<Value>,
) -> Result<Json<Value>, AppError> {
    caller.require_admin()?;
    let s: b24a_store::DigestSettings = serde_json::from_value(body)
        .map_err(|e| AppError::Field("digest".into(), e.to_string()))?;
    if let Some((field, reason)) = s.problem() {
        return Err(AppError::Field(field.into(), reason));
    }
    let d = b24a_reports::dicts::Dicts::load(&state.store, caller.0.portal_id).await?;
    if let Some((i, r)) = s
        .recipients
        .iter()
        .enumerate()
        .find(|(_, r)| !d.users.get(r).is_some_and(|u| u.active))
    {
        return Err(AppError::Field(
            format!("recipients[{i}]"),
            format!("{r} is not an active employee of the portal"),
        ));
    }
    state
        .store
        .set_digest_settings(caller.portal(), &s, Some(caller.0.user_id))
        .await?;
    Ok(Json(json!(
        state.store.digest_settings(caller.portal()).await?
    )))
}

/// `PUT /api/settings/forget-me-not`.
pub async fn put_forget_me_not(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<b24a_store::ForgetMeNotSettings>,
) -> Result<Json<Value>, AppError> {
    caller.require_admin()?;
    state
        .store
        .set_forget_me_not_settings(caller.portal(), &body, Some(caller.0.user_id))
        .await?;
    Ok(Json(json!(
        state.store.forget_me_not_settings(caller.portal()).await?
    )))
}

/// `PUT /api/settings/access`: replaces all rules.
pub async fn put_access(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<Value>,
) -> Result<Json<Value>, AppError> {
    caller.require_admin()?;
    // Parsed here rather than by the extractor so a bad rule (an unknown scope …) is a field-named 400.
    let rules: Vec<b24a_store::AccessRule> =
        serde_json::from_value(body).map_err(|e| AppError::Field("rules".into(), e.to_string()))?;
    // The same check the store makes, here to name the rule's index in the field.
    if let Some((field, reason)) = b24a_store::access::list_problem(&rules) {
        return Err(AppError::Field(field, reason));
    }
    state
        .store
        .replace_access_rules(caller.portal(), &rules)
        .await?;
    Ok(Json(json!(
        state.store.access_rules(caller.portal()).await?
    )))
}

/// `GET /api/presets/{report}`: the user's saved filter for a report.
pub async fn get_preset(
    State(state): State<AppState>,
    caller: Caller,
    Path(report): Path<String>,
) -> Result<Json<Value>, AppError> {
    super::guard::report(&state, &caller, super::report_id(&report)?).await?;
    let v: Option<Value> = state
        .store
        .user_preset(caller.portal(), caller.0.user_id, &report)
        .await?;
    Ok(Json(v.unwrap_or(Value::Null)))
}

/// Body of a preset save.
#[derive(Debug, Deserialize)]
pub struct PresetBody {
    pub filter: Value,
}

/// `PUT /api/presets/{report}`.
pub async fn put_preset(
    State(state): State<AppState>,
    caller: Caller,
    Path(report): Path<String>,
    Json(body): Json<PresetBody>,
) -> Result<Json<Value>, AppError> {
    super::guard::report(&state, &caller, super::report_id(&report)?).await?;
    state
        .store
        .set_user_preset(caller.portal(), caller.0.user_id, &report, &body.filter)
        .await?;
    Ok(Json(body.filter))
}
