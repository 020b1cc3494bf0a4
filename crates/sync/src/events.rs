//! Event intake: turning an online event payload or an offline-queue row into a `pending_events` row (entity and
//! id only — events are hints, the record is always re-read), listing open events (they are marked processed in the store batch that applies them, `refresh.rs`).
//! Verifying `application_token` is the server's job before it calls [`enqueue`].

use b24a_store::events::PendingEvent;
use b24a_store::{PortalId, Store};
use serde_json::Value;

use crate::entity::{Entity, SyncKind};
use crate::error::SyncError;

/// The record id an event's `data` names: `FIELDS.ID`, or `FIELDS_AFTER.ID` / `FIELDS_BEFORE.ID` for tasks.
pub fn entity_id_of(data: &Value) -> Option<i64> {
    for key in ["FIELDS", "FIELDS_AFTER", "FIELDS_BEFORE"] {
        if let Some(id) = data
            .get(key)
            .and_then(|f| f.get("ID"))
            .and_then(|v| b24a_client::value::int(v).ok().flatten())
        {
            return Some(id);
        }
    }
    None
}

/// The (event, id) of an online event delivered as a form (`event=ONCRMDEALUPDATE&data[FIELDS][ID]=5&...`).
pub fn parse_form_event(pairs: &[(String, String)]) -> Option<(String, i64)> {
    let event = pairs.iter().find(|(k, _)| k == "event")?.1.clone();
    let id = [
        "data[FIELDS][ID]",
        "data[FIELDS_AFTER][ID]",
        "data[FIELDS_BEFORE][ID]",
    ]
    .iter()
    .find_map(|key| {
        pairs
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.trim().parse::<i64>().ok())
    })?;
    Some((event, id))
}

/// Queues one event for a portal (duplicates of an unprocessed event collapse into one); `false` when its kind
/// is not synced (ignored) or the same event already waits.
pub async fn enqueue(
    store: &Store,
    portal_id: i64,
    event: &str,
    entity_id: i64,
) -> Result<bool, SyncError> {
    let Some(e) = Entity::for_event(event) else {
        return Ok(false);
    };
    Ok(store
        .enqueue_event(PortalId(portal_id), event, e.name(), entity_id)
        .await?)
}

/// Open events of a portal, oldest first.
pub async fn open_events(
    store: &Store,
    portal_id: i64,
    limit: i64,
) -> Result<Vec<PendingEvent>, SyncError> {
    Ok(store.take_events(PortalId(portal_id), limit).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_from_crm_and_task_events() {
        assert_eq!(
            entity_id_of(&json!({"FIELDS": {"ID": "134806"}})),
            Some(134_806)
        );
        assert_eq!(
            entity_id_of(&json!({"FIELDS_BEFORE": "undefined", "FIELDS_AFTER": {"ID": 7}})),
            Some(7)
        );
        assert_eq!(entity_id_of(&json!(false)), None);
        let form = vec![
            ("event".to_string(), "ONCRMDEALUPDATE".to_string()),
            ("data[FIELDS][ID]".to_string(), "42".to_string()),
        ];
        assert_eq!(
            parse_form_event(&form),
            Some(("ONCRMDEALUPDATE".to_string(), 42))
        );
    }
}
