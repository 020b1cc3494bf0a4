//! Runs a confirmed tidy-up action (docs/ACTIONS.md) in the background: the records go to the portal in batches of
//! at most 50 commands through the client crate (its leaky bucket and retries), with the acting user's own tokens
//! (`user_grants`), so the portal's CRM permissions apply; each record's answer (done, or the portal's refusal) is
//! written to the audit log as its batch comes back, which is also the progress the page polls. A refused record is
//! reported, nothing else is undone. An undo first reads each record back from the portal and restores only those
//! still as the run left them.
//!
//! Must never act with anyone's tokens but the session's own grant, call any endpoint but the grant's verified one,
//! or log tokens.

use std::sync::Arc;

use b24a_client::{Batch, Client, ClientConfig, MemoryTokenStore, OAuthApp, TokenPair};
use b24a_store::{NewTidyRecord, PortalId, Store, TidyOutcome};
use serde_json::{json, Value};

use crate::user_grants::UserGrant;

/// Commands per batch (the portal's limit).
pub const BATCH: usize = 50;

/// One record an action touches, with what the store holds of it now.
#[derive(Debug, Clone)]
pub struct Target {
    /// `deal` or `lead`.
    pub entity: &'static str,
    pub id: i64,
    pub responsible: Option<i64>,
    /// STAGE_ID of a deal, STATUS_ID of a lead.
    pub stage: String,
}

/// A confirmed change.
#[derive(Debug, Clone)]
pub enum Change {
    /// New responsible.
    Reassign { to: i64 },
    /// A to-do for the card's responsible, due at `deadline` (ISO with the portal's offset).
    Todo { deadline: String, title: String },
    /// Move to a stage / status (closing as lost or junk is this with the failure stage).
    Stage { stage_of: Vec<(i64, String)> },
}

/// What is sent for one target: method, params, the value before and the value after.
pub struct Command {
    pub target: Target,
    pub method: &'static str,
    pub params: Value,
    pub before: Value,
    pub after: Value,
}

fn update_method(entity: &str) -> &'static str {
    if entity == "lead" {
        "crm.lead.update"
    } else {
        "crm.deal.update"
    }
}

fn stage_field(entity: &str) -> &'static str {
    if entity == "lead" {
        "STATUS_ID"
    } else {
        "STAGE_ID"
    }
}

/// The commands of a change over its targets (a target the change cannot apply to is left out by the caller).
pub fn commands(change: &Change, targets: Vec<Target>) -> Vec<Command> {
    targets
        .into_iter()
        .filter_map(|t| {
            let before = json!({"responsible": t.responsible, "stage": t.stage});
            Some(match change {
                Change::Reassign { to } => Command {
                    method: update_method(t.entity),
                    params: json!({"id": t.id, "fields": {"ASSIGNED_BY_ID": to}}),
                    after: json!({"responsible": to, "stage": t.stage}),
                    before,
                    target: t,
                },
                Change::Todo { deadline, title } => Command {
                    method: "crm.activity.todo.add",
                    params: json!({
                        "ownerTypeId": if t.entity == "lead" { 1 } else { 2 },
                        "ownerId": t.id,
                        "deadline": deadline,
                        "title": title,
                        "description": title,
                        "responsibleId": t.responsible,
                    }),
                    after: json!({"responsible": t.responsible, "stage": t.stage, "todo_deadline": deadline}),
                    before,
                    target: t,
                },
                Change::Stage { stage_of } => {
                    let stage = stage_of.iter().find(|(id, _)| *id == t.id)?.1.clone();
                    Command {
                        method: update_method(t.entity),
                        params: json!({"id": t.id, "fields": {stage_field(t.entity): stage}}),
                        after: json!({"responsible": t.responsible, "stage": stage}),
                        before,
                        target: t,
                    }
                }
            })
        })
        .collect()
}

/// A client acting with the user's own tokens on the grant's verified endpoint.
pub fn user_client(
    grant: &UserGrant,
    oauth_server: &str,
    client_secret: &str,
) -> Result<Client, b24a_client::ApiError> {
    let store = Arc::new(MemoryTokenStore::new(TokenPair {
        access_token: grant.access_token.clone(),
        refresh_token: grant.refresh_token.clone(),
        expires_at: grant.expires_at,
        version: 0,
    }));
    let base = oauth_server.trim_end_matches('/');
    let server = format!("{}/rest/", base.strip_suffix("/rest").unwrap_or(base));
    Client::oauth(
        &grant.endpoint,
        &server,
        OAuthApp {
            client_id: grant.client_id.clone(),
            client_secret: client_secret.to_string(),
        },
        store,
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
/// could not be reached: the records not sent stay `pending`, reported as such).
pub async fn execute(store: Store, portal: PortalId, run: i64, client: Client, cmds: Vec<Command>) {
    let mut failed = false;
    for chunk in cmds.chunks(BATCH) {
        let mut batch = Batch::new().halt_on_error(false);
        for (i, c) in chunk.iter().enumerate() {
            if batch
                .push(format!("c{i}"), c.method, c.params.clone())
                .is_err()
            {
                failed = true;
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
                            TidyOutcome {
                                entity: c.target.entity,
                                record_id: c.target.id,
                                outcome: "done",
                                after: Some(after),
                                error: None,
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

/// The portal's current responsible and stage of records (`crm.deal.get` / `crm.lead.get` in batches), for an
/// undo's "not changed since" check. A record the portal does not return is missing from the answer.
pub async fn current_values(
    client: &Client,
    records: &[(&'static str, i64)],
) -> Result<Vec<((&'static str, i64), Value)>, b24a_client::ApiError> {
    let mut out = Vec::new();
    for chunk in records.chunks(BATCH) {
        let mut batch = Batch::new().halt_on_error(false);
        for (i, (entity, id)) in chunk.iter().enumerate() {
            let method = if *entity == "lead" {
                "crm.lead.get"
            } else {
                "crm.deal.get"
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
                let stage = r
                    .get(stage_field(entity))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                out.push((
                    (*entity, *id),
                    json!({"responsible": int("ASSIGNED_BY_ID"), "stage": stage}),
                ));
            }
        }
    }
    Ok(out)
}
