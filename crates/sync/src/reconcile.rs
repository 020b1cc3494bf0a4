//! Deletion reconciliation: the portal's id set of a kind against the store's, by the same chained ID cursor
//! (2,500 ids per request). Stored ids the portal lacks are deleted; ids the store lacks are fetched.

use std::collections::HashSet;

use b24a_client::{Direction, IdCursorExport};
use serde_json::{json, Value};

use crate::engine::{now, PortalSync};
use crate::entity::Entity;
use crate::error::SyncError;
use crate::sink;
use crate::state;
use crate::write;

impl PortalSync {
    /// Compares the portal's id set of a kind with the store's: deletes what the portal no longer has, fetches what
    /// the store lacks. Returns (deleted, added).
    pub async fn reconcile(&self, e: Entity) -> Result<(i64, i64), SyncError> {
        let Some(mut spec) = e.list_spec() else {
            return Ok((0, 0));
        };
        if let Value::Object(m) = &mut spec.params {
            m.insert("select".into(), json!([spec.cursor_field.clone()]));
        }
        let mut export = IdCursorExport::new(
            self.client.clone(),
            spec.clone(),
            Direction::Asc,
            None,
            None,
        )
        .with_max_chain(self.opts.max_chain);
        let mut portal_ids = HashSet::new();
        while let Some(chunk) = export.next_chunk().await? {
            self.keep_alive().await?;
            for r in &chunk.rows {
                portal_ids.insert(spec.id_of(r)?);
            }
        }
        let stored = write::stored_ids(&self.store, e, self.portal_id).await?;
        let stored_set: HashSet<i64> = stored.iter().copied().collect();
        let gone: Vec<i64> = stored
            .into_iter()
            .filter(|id| !portal_ids.contains(id))
            .collect();
        let mut missing: Vec<i64> = portal_ids
            .into_iter()
            .filter(|id| !stored_set.contains(id))
            .collect();
        missing.sort_unstable();
        let t = now();
        let mut st = state::load(&self.store, self.portal_id, e.name()).await?;
        st.reconciled_at = Some(t);
        let mut stmts = write::delete_ids(e, self.portal_id, &gone);
        stmts.push(st.save_stmt(self.portal_id, t));
        sink::run(&self.store, stmts).await?;
        let (added, _) = if missing.is_empty() {
            (0, 0)
        } else {
            self.refresh_ids(e, &missing, vec![]).await?
        };
        Ok((gone.len() as i64, added))
    }
}
