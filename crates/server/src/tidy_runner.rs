//! Runs a confirmed tidy-up action (docs/ACTIONS.md) in the background: the records go to the portal in batches of
//! at most 50 commands through the client crate (its leaky bucket and retries), with the acting user's own tokens
//! (`user_grants`), so the portal's CRM permissions apply; each record's answer (done, or the portal's refusal) is
//! written to the audit log as its batch comes back, which is also the progress the page polls. A refused record is
//! reported, nothing else is undone. Cards (deals, leads) and activities alike; a close also sends its reason as a
//! timeline comment on the card. An undo first reads each record back from the portal and restores only those
//! still as the run left them.
//!
//! Must never act with anyone's tokens but the session's own grant, call any endpoint but the grant's verified one,
//! or log tokens.

use std::sync::Arc;

use b24a_client::{Batch, Client, ClientConfig, OAuthApp};
use b24a_store::{NewTidyRecord, PortalId, Store, TidyOutcome};
use serde_json::{json, Value};

use crate::user_grants::{GrantTokenStore, UserGrant};

/// Commands per batch (the portal's limit).
pub const BATCH: usize = 50;

/// One record an action touches, with what the store holds of it now.
#[derive(Debug, Clone)]
pub struct Target {
    /// `deal`, `lead` or `activity`.
    pub entity: &'static str,
    pub id: i64,
    pub responsible: Option<i64>,
    /// STAGE_ID of a deal, STATUS_ID of a lead; `Y` / `N` (COMPLETED) of an activity.
    pub stage: String,
}

impl Target {
    /// The values an action may change, as the audit log keeps them: responsible and stage of a card,
    /// responsible and completion of an activity.
    pub fn state(&self) -> Value {
        if self.entity == "activity" {
            json!({"responsible": self.responsible, "completed": self.stage == "Y"})
        } else {
            json!({"responsible": self.responsible, "stage": self.stage})
        }
    }
}

/// A confirmed change.
#[derive(Debug, Clone)]
pub enum Change {
    /// New responsible.
    Reassign { to: i64 },
    /// A to-do for the card's responsible, due at `deadline` (ISO with the portal's offset).
    Todo { deadline: String, title: String },
    /// Move to a stage / status (closing as lost or junk is this with the failure stage and a `reason`, which then
    /// goes to the card's timeline as a comment).
    Stage {
        stage_of: Vec<(i64, String)>,
        reason: Option<String>,
    },
    /// Mark an activity done (`true`) or not done (`false`, an undo).
    Complete { done: bool },
}

/// What is sent for one target: method, params, the value before and the value after; a close also sends the
/// reason as a timeline comment (`crm.timeline.comment.add`) right after the change, in the same batch.
pub struct Command {
    pub target: Target,
    pub method: &'static str,
    pub params: Value,
    pub before: Value,
    pub after: Value,
    pub comment: Option<Value>,
}

fn update_method(entity: &str) -> &'static str {
    match entity {
        "lead" => "crm.lead.update",
        "activity" => "crm.activity.update",
        _ => "crm.deal.update",
    }
}

fn responsible_field(entity: &str) -> &'static str {
    if entity == "activity" {
        "RESPONSIBLE_ID"
    } else {
        "ASSIGNED_BY_ID"
    }
}

fn stage_field(entity: &str) -> &'static str {
    if entity == "lead" {
        "STATUS_ID"
    } else {
        "STAGE_ID"
    }
}

/// The commands of a change over its targets (a target the change cannot apply to is left out).
pub fn commands(change: &Change, targets: Vec<Target>) -> Vec<Command> {
    targets
        .into_iter()
        .filter_map(|t| {
            let before = t.state();
            let mut after = before.clone();
            let (method, params, comment) = match change {
                Change::Reassign { to } => {
                    after["responsible"] = json!(to);
                    (
                        update_method(t.entity),
                        json!({"id": t.id, "fields": {responsible_field(t.entity): to}}),
                        None,
                    )
                }
                Change::Todo { deadline, title } => {
                    if t.entity == "activity" {
                        return None;
                    }
                    after["todo_deadline"] = json!(deadline);
                    (
                        "crm.activity.todo.add",
                        json!({
                            "ownerTypeId": if t.entity == "lead" { 1 } else { 2 },
                            "ownerId": t.id,
                            "deadline": deadline,
                            "title": title,
                            "description": title,
                            "responsibleId": t.responsible,
                        }),
                        None,
                    )
                }
                Change::Stage { stage_of, reason } => {
                    if t.entity == "activity" {
                        return None;
                    }
                    let stage = stage_of.iter().find(|(id, _)| *id == t.id)?.1.clone();
                    after["stage"] = json!(stage);
                    let comment = reason.as_ref().map(|r| {
                        json!({"fields": {"ENTITY_ID": t.id, "ENTITY_TYPE": t.entity, "COMMENT": r}})
                    });
                    (
                        update_method(t.entity),
                        json!({"id": t.id, "fields": {stage_field(t.entity): stage}}),
                        comment,
                    )
                }
                Change::Complete { done } => {
                    if t.entity != "activity" {
                        return None;
                    }
                    after["completed"] = json!(done);
                    (
                        "crm.activity.update",
                        json!({"id": t.id, "fields": {"COMPLETED": if *done { "Y" } else { "N" }}}),
                        None,
                    )
                }
            };
            Some(Command {
                target: t,
                method,
                params,
                before,
                after,
                comment,
            })
        })
        .collect()
}

/// A client acting with the user's own tokens on the grant's verified endpoint; a token refresh writes the new pair
/// back to the stored grant.
pub fn user_client(
    store: &Store,
    grant: &UserGrant,
    holder: &str,
    oauth_server: &str,
    client_secret: &str,
) -> Result<Client, b24a_client::ApiError> {
    let tokens = Arc::new(GrantTokenStore {
        store: store.clone(),
        grant: grant.clone(),
        holder: holder.to_string(),
    });
    let base = oauth_server.trim_end_matches('/');
    let server = format!("{}/rest/", base.strip_suffix("/rest").unwrap_or(base));
    Client::oauth(
        &grant.endpoint,
        &server,
        OAuthApp {
            client_id: grant.client_id.clone(),
            client_secret: client_secret.to_string(),
        },
        tokens,
        ClientConfig::default(),
    )
}

/// Starts a run in the audit log; its id.
pub async fn create(
    store: &Store,
    portal: PortalId,
    user: i64,
    action: &str,
    params: &Value,
    undo_of: Option<i64>,
    cmds: &[Command],
) -> Result<i64, b24a_store::StoreError> {
    let records: Vec<NewTidyRecord> = cmds
        .iter()
        .map(|c| NewTidyRecord {
            entity: c.target.entity,
            record_id: c.target.id,
            before: c.before.clone(),
        })
        .collect();
    store
        .create_tidy_run(portal, user, action, params, undo_of, &records)
        .await
}

/// Sends the commands in batches and records each answer; marks the run finished (or failed when the portal
/// could not be reached: the records not sent stay `pending`, reported as such). A close's comment goes in the same
/// batch right after its change (so a batch then holds half as many records); a refused comment is reported on its
/// record (`error`), whose change stays done.
pub async fn execute(store: Store, portal: PortalId, run: i64, client: Client, cmds: Vec<Command>) {
    let mut failed = false;
    let per_batch = if cmds.iter().any(|c| c.comment.is_some()) {
        BATCH / 2
    } else {
        BATCH
    };
    for chunk in cmds.chunks(per_batch) {
        let mut batch = Batch::new().halt_on_error(false);
        for (i, c) in chunk.iter().enumerate() {
            if batch
                .push(format!("c{i}"), c.method, c.params.clone())
                .is_err()
            {
                failed = true;
            }
            if let Some(comment) = &c.comment {
                if batch
                    .push(format!("m{i}"), "crm.timeline.comment.add", comment.clone())
                    .is_err()
                {
                    failed = true;
                }
            }
        }
        let outcomes: Vec<TidyOutcome> = match client.batch(&batch).await {
            Ok(resp) => chunk
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let key = format!("c{i}");
                    match resp.errors.get(&key) {
                        Some(e) => TidyOutcome {
                            entity: c.target.entity,
                            record_id: c.target.id,
                            outcome: "refused",
                            after: None,
                            error: Some(e.to_string()),
                        },
                        None => {
                            let mut after = c.after.clone();
                            if let Some(id) = resp.results.get(&key).and_then(|r| r.get("id")) {
                                after["todo"] = id.clone();
                            }
                            let mut error = None;
                            if c.comment.is_some() {
                                let m = format!("m{i}");
                                match resp.errors.get(&m) {
                                    Some(e) => {
                                        after["comment"] = Value::Bool(false);
                                        error = Some(format!("comment: {e}"));
                                    }
                                    None => {
                                        after["comment"] =
                                            resp.results.get(&m).cloned().unwrap_or(Value::Null);
                                    }
                                }
                            }
                            TidyOutcome {
                                entity: c.target.entity,
                                record_id: c.target.id,
                                outcome: "done",
                                after: Some(after),
                                error,
                            }
                        }
                    }
                })
                .collect(),
            Err(e) => {
                tracing::warn!(run, error = %e, "tidy-up batch failed");
                failed = true;
                chunk
                    .iter()
                    .map(|c| TidyOutcome {
                        entity: c.target.entity,
                        record_id: c.target.id,
                        outcome: "failed",
                        after: None,
                        error: Some(e.to_string()),
                    })
                    .collect()
            }
        };
        if let Err(e) = store.record_tidy_outcomes(portal, run, &outcomes).await {
            tracing::warn!(run, error = %e, "tidy-up outcomes not stored");
            failed = true;
            break;
        }
    }
    let status = if failed { "failed" } else { "finished" };
    if let Err(e) = store.finish_tidy_run(portal, run, status).await {
        tracing::warn!(run, error = %e, "tidy-up run not finished in the store");
    }
}

/// The portal's current values of records (`crm.deal.get` / `crm.lead.get` / `crm.activity.get` in batches) in the
/// shape of [`Target::state`], for an undo's "not changed since" check. A record the portal does not return is
/// missing from the answer.
pub async fn current_values(
    client: &Client,
    records: &[(&'static str, i64)],
) -> Result<Vec<((&'static str, i64), Value)>, b24a_client::ApiError> {
    let mut out = Vec::new();
    for chunk in records.chunks(BATCH) {
        let mut batch = Batch::new().halt_on_error(false);
        for (i, (entity, id)) in chunk.iter().enumerate() {
            let method = match *entity {
                "lead" => "crm.lead.get",
                "activity" => "crm.activity.get",
                _ => "crm.deal.get",
            };
            batch.push(format!("c{i}"), method, json!({"id": id}))?;
        }
        let resp = client.batch(&batch).await?;
        for (i, (entity, id)) in chunk.iter().enumerate() {
            if let Some(r) = resp.results.get(&format!("c{i}")) {
                let int = |k: &str| {
                    r.get(k)
                        .and_then(|v| b24a_client::value::int(v).ok().flatten())
                };
                let text = |k: &str| {
                    r.get(k)
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string()
                };
                let target = Target {
                    entity,
                    id: *id,
                    responsible: int(responsible_field(entity)),
                    stage: if *entity == "activity" {
                        text("COMPLETED")
                    } else {
                        text(stage_field(entity))
                    },
                };
                out.push(((*entity, *id), target.state()));
            }
        }
    }
    Ok(out)
}
