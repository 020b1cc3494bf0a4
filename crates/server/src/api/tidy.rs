//! The tidy-up page's API (docs/ACTIONS.md): the groups with counts, amounts and records; the confirmation text of
//! an action; starting a run (a background job acting with the caller's own portal tokens); the audit log with each
//! run's records and progress; undo of reassignments, stage moves, closings and "mark done". Open to administrators and the users the
//! `tidy_users` setting names; a non-administrator acts within his data scope. Records are always those of the
//! group as the server computes it now: ids the request names outside it are refused.
//!
//! Must never take a portal, a user or tokens from the request, or act on a record outside the caller's group.

use std::collections::{HashMap, HashSet};

use axum::extract::{Path, State};
use axum::Json;
use b24a_reports::tidy::{TidyEntity, TidyGroup};
use serde::Deserialize;
use serde_json::{json, Value};

use super::Caller;
use crate::app::AppState;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::tidy_runner::{self, Change, Target};
use crate::tidy_words as words;

/// The setting naming the non-administrators who may use the page (a JSON array of user ids).
pub const USERS_SETTING: &str = "tidy_users";

fn lang(caller: &Caller) -> Lang {
    Lang::from_code(&caller.0.lang)
}

fn field(name: &str, reason: &str) -> AppError {
    AppError::Field(name.to_string(), reason.to_string())
}

/// The caller's data scope on the page, or 403.
async fn access(state: &AppState, caller: &Caller) -> Result<b24a_reports::DataScope, AppError> {
    if !caller.0.is_admin {
        let users: Vec<i64> = state
            .store
            .setting(caller.portal(), USERS_SETTING)
            .await?
            .unwrap_or_default();
        if !users.contains(&caller.0.user_id) {
            return Err(AppError::Forbidden);
        }
    }
    super::guard::widest(state, caller).await
}

async fn groups_of(state: &AppState, caller: &Caller) -> Result<Vec<TidyGroup>, AppError> {
    let scope = access(state, caller).await?;
    let ctx = super::reports::context(state, caller, scope).await?;
    Ok(b24a_reports::tidy::tidy_groups(&state.reports, &ctx).await?)
}

async fn user_names(
    state: &AppState,
    caller: &Caller,
) -> Result<HashMap<i64, (String, bool)>, AppError> {
    Ok(state
        .store
        .users(caller.portal())
        .await?
        .into_iter()
        .map(|u| {
            let name = format!("{} {}", u.last_name, u.name).trim().to_string();
            (
                u.id,
                (
                    if name.is_empty() {
                        format!("#{}", u.id)
                    } else {
                        name
                    },
                    u.active,
                ),
            )
        })
        .collect())
}

/// `GET /api/tidy/groups`: the groups, the employees one may reassign to, and the page's words.
pub async fn groups(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Value>, AppError> {
    let lang = lang(&caller);
    let groups = groups_of(&state, &caller).await?;
    let names = user_names(&state, &caller).await?;
    let dicts = b24a_reports::dicts::Dicts::load(&state.store, caller.0.portal_id).await?;
    let name = |id: Option<i64>| {
        id.and_then(|i| names.get(&i).map(|(n, _)| n.clone()))
            .unwrap_or_else(|| "—".into())
    };
    let mut cards = HashMap::new();
    for g in &groups {
        let ids: Vec<i64> = g.items.iter().map(|i| i.id).collect();
        cards.extend(cards_of(&state, &caller, g.entity.as_str(), &ids).await?);
    }
    let out: Vec<Value> = groups
        .iter()
        .map(|g| {
            let entity = g.entity.as_str();
            json!({
                "key": g.key(),
                "kind": g.kind,
                "section": words::section_of(g.kind),
                "days": g.days,
                "entity": entity,
                "title": words::group_title(lang, g.kind, g.days),
                "count": g.count,
                "amount": g.amount,
                "actions": actions_of(g.entity),
                "stages": stages_of(&dicts, g),
                "items": g.items.iter().map(|i| {
                    let (title, path) = cards.get(&(entity, i.id)).cloned().unwrap_or_default();
                    json!({
                        "id": i.id,
                        "kind_words": words::record_kind(lang, entity),
                        "title": title,
                        "path": path,
                        "responsible": i.responsible,
                        "responsible_name": name(i.responsible),
                        "stage": i.stage,
                        "stage_name": stage_words(&dicts, entity, &i.stage),
                        "amount": i.amount,
                    })
                }).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut employees: Vec<(i64, String)> = names
        .iter()
        .filter(|(_, (_, active))| *active)
        .map(|(id, (n, _))| (*id, n.clone()))
        .collect();
    employees.sort_by(|a, b| a.1.cmp(&b.1));
    // Amounts are in the portal's base currency as the reports know it (none known: plain numbers, never an
    // assumed currency).
    let scope = access(&state, &caller).await?;
    let ctx = super::reports::context(&state, &caller, scope).await?;
    Ok(Json(json!({
        "groups": out,
        "currency": ctx.base_currency,
        // Instants of the log are shown on the portal's clock, as the reports show theirs.
        "time_zone": ctx.tz.name(),
        "employees": employees.iter().map(|(id, n)| json!({"id": id, "name": n})).collect::<Vec<_>>(),
        "words": words::page(lang),
    })))
}

/// The portal's title and card path of each record (`(entity, id)` → `(title, path)`), from the synced copy. An
/// activity has no card of its own: it opens its owner's card (a lead or deal), its subject is its title.
async fn cards_of(
    state: &AppState,
    caller: &Caller,
    entity: &'static str,
    ids: &[i64],
) -> Result<HashMap<(&'static str, i64), (String, String)>, AppError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let store = &state.store;
    Ok(match entity {
        "deal" => store
            .deal_list_rows(caller.portal(), ids)
            .await?
            .into_iter()
            .map(|r| {
                let path = format!("/crm/deal/details/{}/", r.id);
                ((entity, r.id), (r.title, path))
            })
            .collect(),
        "lead" => store
            .lead_list_rows(caller.portal(), ids)
            .await?
            .into_iter()
            .map(|r| {
                let path = format!("/crm/lead/details/{}/", r.id);
                ((entity, r.id), (r.title, path))
            })
            .collect(),
        _ => store
            .activity_list_rows(caller.portal(), ids)
            .await?
            .into_iter()
            .map(|r| {
                let path = match (r.owner_type_id, r.owner_id) {
                    (Some(1), Some(o)) => format!("/crm/lead/details/{o}/"),
                    (Some(2), Some(o)) => format!("/crm/deal/details/{o}/"),
                    (Some(3), Some(o)) => format!("/crm/contact/details/{o}/"),
                    (Some(4), Some(o)) => format!("/crm/company/details/{o}/"),
                    _ => String::new(),
                };
                ((entity, r.id), (r.subject.unwrap_or_default(), path))
            })
            .collect(),
    })
}

/// A record's stage by name ("pipeline · stage" for a deal outside the main pipeline); empty for activities.
fn stage_words(d: &b24a_reports::dicts::Dicts, entity: &str, code: &str) -> String {
    if code.is_empty() || entity == "activity" {
        return String::new();
    }
    if entity == "lead" {
        return d
            .lead_statuses
            .get(code)
            .map(|s| s.name.clone())
            .unwrap_or_else(|| code.to_string());
    }
    match d.deal_stages.get(code).map(|s| s.pipeline) {
        Some(p) if p != 0 => format!("{} · {}", d.pipeline_name(p), d.stage_name(code)),
        _ => d.stage_name(code),
    }
}

/// The stages a deal group's records may be moved to, named as "pipeline · stage": those of the pipelines its deals
/// are in, in the portal's order (a stage of another pipeline than a selected deal's is refused by the run).
fn stages_of(d: &b24a_reports::dicts::Dicts, g: &TidyGroup) -> Vec<Value> {
    if g.entity != TidyEntity::Deal {
        return Vec::new();
    }
    let pipelines: std::collections::BTreeSet<i64> = g.items.iter().map(|i| i.pipeline).collect();
    pipelines
        .into_iter()
        .flat_map(|p| {
            d.pipeline_stages(p).into_iter().map(move |id| {
                json!({"id": id, "pipeline": p, "name": format!("{} · {}", d.pipeline_name(p), d.stage_name(&id))})
            })
        })
        .collect()
}

fn actions_of(entity: TidyEntity) -> Vec<&'static str> {
    match entity {
        TidyEntity::Deal => vec!["reassign", "todo", "close", "stage"],
        TidyEntity::Lead => vec!["reassign", "todo", "close"],
        TidyEntity::Activity => vec!["reassign", "complete"],
    }
}

/// Body of a preview or a run: the group, the selected ids (none = the whole group), the action and its values.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ActionRequest {
    pub group: String,
    pub ids: Option<Vec<i64>>,
    pub action: String,
    pub to: Option<i64>,
    pub deadline: Option<String>,
    pub title: Option<String>,
    pub reason: Option<String>,
    pub stage: Option<String>,
}

/// A checked request: the targets, the change, its words and the params the audit log keeps.
struct Planned {
    entity: &'static str,
    targets: Vec<Target>,
    change: Change,
    detail: String,
    params: Value,
}

async fn plan(state: &AppState, caller: &Caller, req: &ActionRequest) -> Result<Planned, AppError> {
    let groups = groups_of(state, caller).await?;
    let group = groups
        .into_iter()
        .find(|g| g.key() == req.group)
        .ok_or_else(|| field("group", "unknown group"))?;
    if !actions_of(group.entity).contains(&req.action.as_str()) {
        return Err(field("action", "not available for this group"));
    }
    let entity: &'static str = group.entity.as_str();
    let items: Vec<_> = match &req.ids {
        None => group.items.clone(),
        Some(ids) => {
            let wanted: HashSet<i64> = ids.iter().copied().collect();
            let in_group: HashSet<i64> = group.items.iter().map(|i| i.id).collect();
            if !wanted.is_subset(&in_group) {
                return Err(field("ids", "some records are not in the group"));
            }
            group
                .items
                .iter()
                .filter(|i| wanted.contains(&i.id))
                .cloned()
                .collect()
        }
    };
    if items.is_empty() {
        return Err(field("ids", "required: no records selected"));
    }
    let targets: Vec<Target> = items
        .iter()
        .map(|i| Target {
            entity,
            id: i.id,
            responsible: i.responsible,
            // The activity groups hold open activities only.
            stage: if entity == "activity" {
                "N".to_string()
            } else {
                i.stage.clone()
            },
        })
        .collect();
    let lang = lang(caller);
    let statuses = state.store.crm_statuses(caller.portal()).await?;
    let stage_entity = |pipeline: i64| {
        if entity == "lead" {
            "STATUS".to_string()
        } else if pipeline == 0 {
            "DEAL_STAGE".to_string()
        } else {
            format!("DEAL_STAGE_{pipeline}")
        }
    };
    let (change, detail, params) = match req.action.as_str() {
        "reassign" => {
            let to = req.to.ok_or_else(|| field("to", "required"))?;
            let names = user_names(state, caller).await?;
            let (name, active) = names
                .get(&to)
                .cloned()
                .ok_or_else(|| field("to", "unknown employee"))?;
            if !active {
                return Err(field("to", "a dismissed employee"));
            }
            (Change::Reassign { to }, name, json!({"to": to}))
        }
        "todo" => {
            let raw = req.deadline.as_deref().unwrap_or("").trim().to_string();
            let day = chrono::NaiveDate::parse_from_str(&raw, "%Y-%m-%d")
                .map_err(|_| field("deadline", "a date is required"))?;
            let ctx =
                super::reports::context(state, caller, b24a_reports::DataScope::default()).await?;
            if day < ctx.today() {
                return Err(field("deadline", "the date is in the past"));
            }
            // The end of the working day in the portal's time zone, with its offset.
            let local = day
                .and_hms_opt(18, 0, 0)
                .ok_or_else(|| field("deadline", "a date is required"))?;
            let start = ctx.tz.day_start(day);
            let offset = ctx.tz.local(start)
                - chrono::DateTime::from_timestamp(start, 0)
                    .map(|d| d.naive_utc())
                    .unwrap_or_default();
            let secs = offset.num_seconds();
            let iso = format!(
                "{}{}{:02}:{:02}",
                local.format("%Y-%m-%dT%H:%M:%S"),
                if secs < 0 { '-' } else { '+' },
                secs.abs() / 3600,
                secs.abs() % 3600 / 60
            );
            let title = req
                .title
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .unwrap_or_else(|| {
                    words::page(lang)["todo_default"]
                        .as_str()
                        .unwrap_or("")
                        .to_string()
                });
            if title.chars().count() > 500 {
                return Err(field("title", "must be within 1..=500 characters"));
            }
            (
                Change::Todo {
                    deadline: iso.clone(),
                    title: title.clone(),
                },
                day.format("%d.%m.%Y").to_string(),
                json!({"deadline": iso, "title": title}),
            )
        }
        "close" => {
            let reason = req.reason.as_deref().map(str::trim).unwrap_or("");
            if reason.is_empty() {
                return Err(field("reason", "required"));
            }
            if reason.chars().count() > 500 {
                return Err(field("reason", "must be within 1..=500 characters"));
            }
            let mut stage_of = Vec::new();
            for i in &items {
                let fail = statuses
                    .iter()
                    .filter(|s| s.entity_id == stage_entity(i.pipeline) && s.semantics == "F")
                    .min_by_key(|s| s.sort)
                    .ok_or_else(|| field("stage", "the pipeline has no failure stage"))?;
                stage_of.push((i.id, fail.status_id.clone()));
            }
            (
                Change::Stage {
                    stage_of,
                    reason: Some(reason.to_string()),
                },
                reason.to_string(),
                json!({"reason": reason}),
            )
        }
        "stage" => {
            let stage = req
                .stage
                .clone()
                .ok_or_else(|| field("stage", "required"))?;
            let mut stage_of = Vec::new();
            let mut name = stage.clone();
            for i in &items {
                let s = statuses
                    .iter()
                    .find(|s| s.entity_id == stage_entity(i.pipeline) && s.status_id == stage)
                    .ok_or_else(|| {
                        field("stage", "not a stage of every selected deal's pipeline")
                    })?;
                name = s.name.clone();
                stage_of.push((i.id, stage.clone()));
            }
            (
                Change::Stage {
                    stage_of,
                    reason: None,
                },
                name,
                json!({"stage": stage}),
            )
        }
        "complete" => (Change::Complete { done: true }, String::new(), json!({})),
        _ => return Err(field("action", "unknown action")),
    };
    let mut params = params;
    params["group"] = json!(req.group);
    Ok(Planned {
        entity,
        targets,
        change,
        detail,
        params,
    })
}

/// `POST /api/tidy/preview`: the confirmation text and the count, nothing changed.
pub async fn preview(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<ActionRequest>,
) -> Result<Json<Value>, AppError> {
    let p = plan(&state, &caller, &req).await?;
    let text = words::confirmation(
        lang(&caller),
        &req.action,
        p.entity,
        p.targets.len(),
        &p.detail,
    );
    Ok(Json(json!({"count": p.targets.len(), "text": text})))
}

async fn client_for(state: &AppState, caller: &Caller) -> Result<b24a_client::Client, AppError> {
    let now = chrono::Utc::now().timestamp();
    let grant = state
        .grants
        .for_session(&caller.0, now)
        .await
        .ok_or_else(|| field("grant", "open the app again"))?;
    let app = state
        .app(&caller.0.client_id)
        .ok_or(AppError::Unauthorized)?;
    let holder = format!("{}-{:08x}", state.instance, rand::random::<u32>());
    tidy_runner::user_client(
        &state.store,
        &grant,
        &holder,
        &state.config.oauth_server,
        &app.client_secret,
    )
    .map_err(|e| AppError::Internal(e.to_string()))
}

/// `POST /api/tidy/runs`: starts the confirmed action; `{run, total}`. Progress: `GET /api/tidy/runs/{run}`.
pub async fn start(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<ActionRequest>,
) -> Result<Json<Value>, AppError> {
    let p = plan(&state, &caller, &req).await?;
    let client = client_for(&state, &caller).await?;
    let cmds = tidy_runner::commands(&p.change, p.targets);
    let total = cmds.len();
    let run = tidy_runner::create(
        &state.store,
        caller.portal(),
        caller.0.user_id,
        &req.action,
        &p.params,
        None,
        &cmds,
    )
    .await?;
    tokio::spawn(tidy_runner::execute(
        state.store.clone(),
        caller.portal(),
        run,
        client,
        cmds,
    ));
    Ok(Json(json!({"run": run, "total": total})))
}

fn parse_json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

fn run_json(lang: Lang, r: &b24a_store::TidyRun, names: &HashMap<i64, (String, bool)>) -> Value {
    json!({
        "id": r.id,
        "user_id": r.user_id,
        "user_name": names.get(&r.user_id).map(|(n, _)| n.clone()).unwrap_or_else(|| format!("#{}", r.user_id)),
        "action": r.action,
        "action_name": words::action_name(lang, &r.action),
        "params": parse_json(&r.params),
        "undo_of": r.undo_of,
        "total": r.total,
        "done": r.done,
        "refused": r.refused,
        "status": r.status,
        "finished": r.status != "running",
        "created_at": r.created_at,
        "finished_at": r.finished_at,
        "undoable": matches!(r.action.as_str(), "reassign" | "stage" | "close" | "complete") && r.status != "running" && r.done > 0,
    })
}

/// `GET /api/tidy/runs`: the audit log, newest first.
pub async fn runs(State(state): State<AppState>, caller: Caller) -> Result<Json<Value>, AppError> {
    access(&state, &caller).await?;
    let names = user_names(&state, &caller).await?;
    let lang = lang(&caller);
    let runs = state.store.tidy_runs(caller.portal(), 100).await?;
    Ok(Json(
        json!({"runs": runs.iter().map(|r| run_json(lang, r, &names)).collect::<Vec<_>>()}),
    ))
}

/// A run of the caller's portal, after the page's access check (404 for another portal's or an unknown run).
async fn caller_run(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> Result<b24a_store::tidy::TidyRun, AppError> {
    access(state, caller).await?;
    state
        .store
        .tidy_run(caller.portal(), id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("run {id}")))
}

/// `GET /api/tidy/runs/{id}`: one run with its records (before, after, outcome) — also the progress the page polls.
pub async fn run(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Value>, AppError> {
    let r = caller_run(&state, &caller, id).await?;
    let names = user_names(&state, &caller).await?;
    let lang = lang(&caller);
    let records = state.store.tidy_run_records(caller.portal(), id).await?;
    // The page polls this route while a run works: the dictionaries are read only when a record names a stage
    // (moves and closings), not for reassignments and to-dos.
    let names_a_stage = records.iter().any(|x| {
        std::iter::once(x.before_value.as_str())
            .chain(x.after_value.as_deref())
            .any(|v| parse_json(v).get("stage").is_some())
    });
    let dicts = if names_a_stage {
        b24a_reports::dicts::Dicts::load(&state.store, caller.0.portal_id).await?
    } else {
        b24a_reports::dicts::Dicts::default()
    };
    let mut out = run_json(lang, &r, &names);
    let person = |id: i64| {
        names
            .get(&id)
            .map(|(n, _)| n.clone())
            .unwrap_or_else(|| format!("#{id}"))
    };
    let stage = |entity: &str, code: &str| {
        if entity == "lead" {
            dicts
                .lead_statuses
                .get(code)
                .map(|s| s.name.clone())
                .unwrap_or_else(|| code.to_string())
        } else {
            let pipeline = dicts.deal_stages.get(code).map(|s| s.pipeline);
            match pipeline {
                Some(p) => format!("{} · {}", dicts.pipeline_name(p), dicts.stage_name(code)),
                None => dicts.stage_name(code),
            }
        }
    };
    let mut cards = HashMap::new();
    for entity in ["deal", "lead", "activity"] {
        let ids: Vec<i64> = records
            .iter()
            .filter(|x| x.entity == entity)
            .map(|x| x.record_id)
            .collect();
        cards.extend(cards_of(&state, &caller, entity, &ids).await?);
    }
    out["records"] = records
        .iter()
        .map(|x| {
            let entity: &'static str = match x.entity.as_str() {
                "lead" => "lead",
                "activity" => "activity",
                _ => "deal",
            };
            let (title, path) = cards
                .get(&(entity, x.record_id))
                .cloned()
                .unwrap_or_default();
            let before = parse_json(&x.before_value);
            let after = x.after_value.as_deref().map(parse_json);
            let text = |v: &Value| words::record_value(lang, v, person, |c| stage(&x.entity, c));
            json!({
                "entity": x.entity,
                "kind_words": words::record_kind(lang, &x.entity),
                "id": x.record_id,
                "title": title,
                "path": path,
                "before_text": text(&before),
                "after_text": after.as_ref().map(text),
                "before": before,
                "after": after,
                "outcome": x.outcome,
                "outcome_words": words::outcome_words(lang, &x.outcome),
                "error": x.error,
            })
        })
        .collect();
    Ok(Json(out))
}

/// `POST /api/tidy/runs/{id}/undo`: restores the "before" values of the run's done records the portal still holds as
/// the run left them (read back from the portal now); the others are reported as skipped. `{run, total}`.
pub async fn undo(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Value>, AppError> {
    let r = caller_run(&state, &caller, id).await?;
    if !matches!(
        r.action.as_str(),
        "reassign" | "stage" | "close" | "complete"
    ) || r.status == "running"
    {
        return Err(field("run", "this action cannot be undone"));
    }
    let client = client_for(&state, &caller).await?;
    let records: Vec<_> = state
        .store
        .tidy_run_records(caller.portal(), id)
        .await?
        .into_iter()
        .filter(|x| x.outcome == "done")
        .collect();
    if records.is_empty() {
        return Err(field(
            "run",
            "this action cannot be undone: nothing was done",
        ));
    }
    let keys: Vec<(&'static str, i64)> = records
        .iter()
        .map(|x| {
            (
                match x.entity.as_str() {
                    "lead" => "lead",
                    "activity" => "activity",
                    _ => "deal",
                },
                x.record_id,
            )
        })
        .collect();
    let current: HashMap<(&'static str, i64), Value> = tidy_runner::current_values(&client, &keys)
        .await
        .map_err(|_| AppError::Busy)?
        .into_iter()
        .collect();
    let mut restore = Vec::new();
    let mut skipped = Vec::new();
    for (x, key) in records.iter().zip(&keys) {
        let before = parse_json(&x.before_value);
        let after = x
            .after_value
            .as_deref()
            .map(parse_json)
            .unwrap_or(Value::Null);
        // The undo's own "before" is the value the run left; it restores the run's "before".
        let target = Target {
            entity: key.0,
            id: key.1,
            responsible: after["responsible"].as_i64(),
            stage: if key.0 == "activity" {
                if after["completed"] == json!(true) {
                    "Y"
                } else {
                    "N"
                }
                .to_string()
            } else {
                after["stage"].as_str().unwrap_or_default().to_string()
            },
        };
        // Unchanged: every value the portal answers (responsible and stage, or responsible and completion) is
        // still what the run left.
        let now = current.get(key);
        let unchanged = now.is_some_and(|c| {
            c.as_object()
                .is_some_and(|m| m.iter().all(|(k, v)| after.get(k) == Some(v)))
        });
        if !unchanged {
            skipped.push(target);
            continue;
        }
        let change = if r.action == "reassign" {
            match before["responsible"].as_i64() {
                Some(to) => Change::Reassign { to },
                None => {
                    skipped.push(target);
                    continue;
                }
            }
        } else if r.action == "complete" {
            Change::Complete {
                done: before["completed"] == json!(true),
            }
        } else {
            Change::Stage {
                stage_of: vec![(
                    key.1,
                    before["stage"].as_str().unwrap_or_default().to_string(),
                )],
                reason: None,
            }
        };
        restore.extend(tidy_runner::commands(&change, vec![target]));
    }
    let skipped_cmds: Vec<tidy_runner::Command> = skipped
        .into_iter()
        .map(|t| tidy_runner::Command {
            before: t.state(),
            after: Value::Null,
            method: "",
            params: Value::Null,
            comment: None,
            target: t,
        })
        .collect();
    let all: Vec<&tidy_runner::Command> = restore.iter().chain(skipped_cmds.iter()).collect();
    let records: Vec<b24a_store::NewTidyRecord> = all
        .iter()
        .map(|c| b24a_store::NewTidyRecord {
            entity: c.target.entity,
            record_id: c.target.id,
            before: c.before.clone(),
        })
        .collect();
    let total = records.len();
    let run = state
        .store
        .create_tidy_run(
            caller.portal(),
            caller.0.user_id,
            "undo",
            &json!({"undo_of": id}),
            Some(id),
            &records,
        )
        .await?;
    let skipped_outcomes: Vec<b24a_store::TidyOutcome> = skipped_cmds
        .iter()
        .map(|c| b24a_store::TidyOutcome {
            entity: c.target.entity,
            record_id: c.target.id,
            outcome: "skipped",
            after: None,
            error: Some("changed in the portal since the action".into()),
        })
        .collect();
    if !skipped_outcomes.is_empty() {
        state
            .store
            .record_tidy_outcomes(caller.portal(), run, &skipped_outcomes)
            .await?;
    }
    tokio::spawn(tidy_runner::execute(
        state.store.clone(),
        caller.portal(),
        run,
        client,
        restore,
    ));
    Ok(Json(
        json!({"run": run, "total": total, "skipped": skipped_outcomes.len(), "text": words::undo_confirmation(lang(&caller), total)}),
    ))
}
