//! Refreshing records by id and the event paths that use it: queued online events and the offline queue
//! (`event.offline.get` / `clear`, at-least-once; binding is `bindings.rs`). Records the portal no longer
//! returns are deleted (with their custom fields, stage history and bound activities).

use std::collections::{BTreeMap, HashSet};

use b24a_client::export::PAGE_SIZE;
use b24a_client::Batch;
use serde_json::{json, Value};

use crate::engine::PortalSync;
use crate::entity::{by_ids_params, Entity, SyncKind};
use crate::error::SyncError;
use crate::state::{self, PHASE_INCREMENTAL};
use crate::write;

impl PortalSync {
    /// Re-reads the given records of one kind (50 ids per sub-call, 50 sub-calls per request); stores those the
    /// portal returns and deletes those it no longer has. `events` (pending event ids) are marked processed in the
    /// first write. A row that cannot be read or that the store refuses is left out and recorded in the kind's
    /// `last_error`. Returns (stored, deleted).
    pub async fn refresh_ids(
        &self,
        e: Entity,
        ids: &[i64],
        events: &[i64],
    ) -> Result<(i64, i64), SyncError> {
        let mut ids: Vec<i64> = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let Some(spec) = e.list_spec() else {
            return Ok((0, 0));
        };
        let mut stored = 0;
        let mut deleted = 0;
        let mut events = Some(events);
        let mut skipped: Vec<String> = Vec::new();
        let chunks: Vec<&[i64]> = ids.chunks(PAGE_SIZE).collect();
        for group in chunks.chunks(50) {
            let mut batch = Batch::new();
            for (i, chunk) in group.iter().enumerate() {
                if let Some((method, params)) = by_ids_params(e, chunk) {
                    batch.push(format!("i{i}"), method, params)?;
                }
            }
            let resp = self.client.batch(&batch).await?;
            let mut rows = Vec::new();
            let mut missing = Vec::new();
            for (i, chunk) in group.iter().enumerate() {
                let key = format!("i{i}");
                if let Some(err) = resp.errors.get(&key) {
                    return Err(SyncError::Api(err.clone()));
                }
                let page = spec.rows_of(resp.results.get(&key).unwrap_or(&Value::Null))?;
                let found: HashSet<i64> = page.iter().filter_map(|r| spec.id_of(r).ok()).collect();
                missing.extend(chunk.iter().copied().filter(|id| !found.contains(id)));
                // Only rows we asked for: a method that ignored the filter must not write strangers.
                rows.extend(
                    page.into_iter()
                        .filter(|r| spec.id_of(r).is_ok_and(|id| chunk.contains(&id))),
                );
            }
            let (mapped, bad) = write::map_rows(e, &rows);
            skipped.extend(bad.iter().map(ToString::to_string));
            let mut batch = mapped
                .as_ref()
                .map(write::Mapped::upsert_batch)
                .unwrap_or_default();
            batch.deletes = vec![(e, &missing)];
            batch.events_processed = events.take().unwrap_or_default();
            self.store
                .write_batch(b24a_store::PortalId(self.portal_id), &batch)
                .await?;
            stored += rows.len() as i64;
            deleted += missing.len() as i64;
        }
        if let Some(rest) = events.take() {
            self.store
                .mark_events_processed(b24a_store::PortalId(self.portal_id), rest)
                .await?;
        }
        if let Some(first) = skipped.first() {
            let summary = format!(
                "{} unreadable row(s) skipped; first: {first}",
                skipped.len()
            );
            tracing::warn!(portal = self.portal_id, entity = e.name(), "{summary}");
            state::record_error(&self.store, self.portal_id, e.name(), &summary).await?;
        }
        Ok((stored, deleted))
    }

    // -------------------------------------------------------------------------------------------------- events

    /// Applies queued events (online handler or offline queue): re-reads the touched records, deletes those gone.
    pub async fn apply_events(&self) -> Result<usize, SyncError> {
        let mut applied = 0;
        loop {
            let open = crate::events::open_events(&self.store, self.portal_id, 1000).await?;
            if open.is_empty() {
                return Ok(applied);
            }
            let mut by_entity: BTreeMap<Entity, Vec<i64>> = BTreeMap::new();
            let mut unknown = Vec::new();
            for ev in &open {
                match Entity::from_name(&ev.entity) {
                    Some(e) if e.list_spec().is_some() => {
                        by_entity.entry(e).or_default().push(ev.entity_id)
                    }
                    _ => unknown.push(ev.id),
                }
            }
            let mut follow_up = Vec::new();
            for (e, ids) in by_entity {
                let done: Vec<i64> = open
                    .iter()
                    .filter(|ev| ev.entity == e.name())
                    .map(|ev| ev.id)
                    .collect();
                self.refresh_ids(e, &ids, &done).await?;
                // A stage move appends to the stage history, which has no events of its own.
                match e {
                    Entity::Deals => follow_up.push(Entity::DealStageHistory),
                    Entity::Leads => follow_up.push(Entity::LeadStageHistory),
                    _ => {}
                }
            }
            for e in follow_up {
                let st = state::load(&self.store, self.portal_id, e.name()).await?;
                if st.phase == PHASE_INCREMENTAL {
                    self.incremental(e, st).await?;
                }
            }
            self.store
                .mark_events_processed(b24a_store::PortalId(self.portal_id), &unknown)
                .await?;
            applied += open.len();
        }
    }

    /// Moves the portal's offline event queue (`event.offline.get`) into `pending_events`, confirming each batch
    /// only after it is stored (at-least-once). Returns how many events were queued. An empty queue costs one
    /// request; a short page ends the loop after its confirmation. Needs an app client (a webhook has no queue).
    pub async fn pull_offline_events(&self) -> Result<usize, SyncError> {
        const LIMIT: usize = 50;
        let mut queued = 0;
        loop {
            let env = self
                .client
                .call("event.offline.get", json!({ "clear": 0, "limit": LIMIT }))
                .await?;
            let process_id = env.result.get("process_id").cloned().unwrap_or(Value::Null);
            let events = env
                .result
                .get("events")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if events.is_empty() {
                return Ok(queued);
            }
            for ev in &events {
                let name = ev
                    .get("EVENT_NAME")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                if let Some(id) =
                    crate::events::entity_id_of(ev.get("EVENT_DATA").unwrap_or(&Value::Null))
                {
                    crate::events::enqueue(&self.store, self.portal_id, name, id).await?;
                    queued += 1;
                }
            }
            if !process_id.is_null() {
                self.client
                    .call("event.offline.clear", json!({ "process_id": process_id }))
                    .await?;
            }
            if events.len() < LIMIT {
                return Ok(queued);
            }
        }
    }
}
