//! From portal rows of one entity kind to the statements that store them (records plus their custom fields and
//! department links) or delete them. Pure: it builds statements, the caller runs them with the cursor update.

use b24a_client::Row;

use crate::entity::Entity;
use crate::error::SyncError;
use crate::map;
use crate::parties;
use crate::sink::{self, Stmt, Val};

/// Statements upserting `rows` of `entity`.
pub fn upsert_rows(
    entity: Entity,
    portal_id: i64,
    rows: &[Row],
    now: i64,
) -> Result<Vec<Stmt>, SyncError> {
    Ok(match entity {
        Entity::Deals => {
            let records = rows.iter().map(map::deal).collect::<Result<Vec<_>, _>>()?;
            let ids: Vec<i64> = records.iter().map(|d| d.id).collect();
            let cf: Vec<_> = rows
                .iter()
                .zip(&ids)
                .flat_map(|(r, id)| map::custom_fields("DEAL", *id, r))
                .collect();
            let mut s = sink::upsert(portal_id, &records, now);
            s.extend(sink::replace_custom_fields(
                portal_id, "DEAL", &ids, &cf, now,
            ));
            s
        }
        Entity::Leads => {
            let records = rows.iter().map(map::lead).collect::<Result<Vec<_>, _>>()?;
            let ids: Vec<i64> = records.iter().map(|d| d.id).collect();
            let cf: Vec<_> = rows
                .iter()
                .zip(&ids)
                .flat_map(|(r, id)| map::custom_fields("LEAD", *id, r))
                .collect();
            let mut s = sink::upsert(portal_id, &records, now);
            s.extend(sink::replace_custom_fields(
                portal_id, "LEAD", &ids, &cf, now,
            ));
            s
        }
        Entity::DealStageHistory | Entity::LeadStageHistory => {
            let et = stage_history_type(entity);
            let records = rows
                .iter()
                .map(|r| map::stage_history(et, r))
                .collect::<Result<Vec<_>, _>>()?;
            sink::upsert(portal_id, &records, now)
        }
        Entity::Activities => sink::upsert(
            portal_id,
            &rows
                .iter()
                .map(map::activity)
                .collect::<Result<Vec<_>, _>>()?,
            now,
        ),
        Entity::Tasks => sink::upsert(
            portal_id,
            &rows.iter().map(map::task).collect::<Result<Vec<_>, _>>()?,
            now,
        ),
        Entity::Companies => sink::upsert(
            portal_id,
            &rows
                .iter()
                .map(parties::company)
                .collect::<Result<Vec<_>, _>>()?,
            now,
        ),
        Entity::Contacts => sink::upsert(
            portal_id,
            &rows
                .iter()
                .map(parties::contact)
                .collect::<Result<Vec<_>, _>>()?,
            now,
        ),
        Entity::Projects => sink::upsert(
            portal_id,
            &rows
                .iter()
                .map(map::project)
                .collect::<Result<Vec<_>, _>>()?,
            now,
        ),
        Entity::Users => {
            let users = rows.iter().map(map::user).collect::<Result<Vec<_>, _>>()?;
            let mut s = sink::upsert(portal_id, &users, now);
            s.extend(sink::replace_user_departments(portal_id, &users));
            s
        }
        Entity::Departments => sink::upsert(
            portal_id,
            &rows
                .iter()
                .map(map::department)
                .collect::<Result<Vec<_>, _>>()?,
            now,
        ),
        Entity::Pipelines => sink::upsert(
            portal_id,
            &rows
                .iter()
                .map(map::pipeline)
                .collect::<Result<Vec<_>, _>>()?,
            now,
        ),
        Entity::Statuses => sink::upsert(
            portal_id,
            &rows
                .iter()
                .map(map::crm_status)
                .collect::<Result<Vec<_>, _>>()?,
            now,
        ),
        Entity::Currencies => sink::upsert(
            portal_id,
            &rows
                .iter()
                .map(map::currency)
                .collect::<Result<Vec<_>, _>>()?,
            now,
        ),
    })
}

/// Like [`upsert_rows`], but a row that cannot be read is left out (its error returned) instead of failing the
/// chunk: one malformed record must not stop a portal's sync for good. The caller records the errors.
pub fn upsert_rows_skipping_bad(
    entity: Entity,
    portal_id: i64,
    rows: &[Row],
    now: i64,
) -> Result<(Vec<Stmt>, Vec<String>), SyncError> {
    match upsert_rows(entity, portal_id, rows, now) {
        Err(SyncError::BadRow { .. }) => {
            let mut good = Vec::with_capacity(rows.len());
            let mut bad = Vec::new();
            for r in rows {
                match upsert_rows(entity, portal_id, std::slice::from_ref(r), now) {
                    Ok(_) => good.push(r.clone()),
                    Err(e @ SyncError::BadRow { .. }) => bad.push(e.to_string()),
                    Err(e) => return Err(e),
                }
            }
            Ok((upsert_rows(entity, portal_id, &good, now)?, bad))
        }
        other => other.map(|s| (s, Vec::new())),
    }
}

/// Stores one chunk of portal rows of `entity` with the sync state `st` in one transaction; rows that cannot be
/// read are left out and their errors returned (see [`upsert_rows_skipping_bad`]).
pub async fn store_chunk(
    store: &b24a_store::Store,
    entity: Entity,
    portal_id: i64,
    rows: &[Row],
    st: &crate::state::SyncState,
) -> Result<Vec<String>, SyncError> {
    let t = crate::engine::now();
    let (mut stmts, bad) = upsert_rows_skipping_bad(entity, portal_id, rows, t)?;
    stmts.push(st.save_stmt(portal_id, t));
    sink::run(store, stmts).await?;
    Ok(bad)
}

/// Bitrix24 entity type id of a stage-history kind.
pub fn stage_history_type(entity: Entity) -> i64 {
    if entity == Entity::LeadStageHistory {
        1
    } else {
        2
    }
}

/// Statements deleting records of `entity` by id (with their custom fields / department links).
pub fn delete_ids(entity: Entity, portal_id: i64, ids: &[i64]) -> Vec<Stmt> {
    if ids.is_empty() {
        return vec![];
    }
    match entity {
        Entity::DealStageHistory | Entity::LeadStageHistory => sink::delete_ids(
            portal_id,
            "stage_history",
            "id",
            &[("entity_type_id", Val::I(Some(stage_history_type(entity))))],
            ids,
        ),
        Entity::Deals | Entity::Leads => {
            // The portal deletes a record's stage history and the activities bound to it together with it.
            let (et, type_id) = if entity == Entity::Deals {
                ("DEAL", 2)
            } else {
                ("LEAD", 1)
            };
            let mut s = sink::delete_ids(
                portal_id,
                "custom_field_values",
                "entity_id",
                &[("entity_type", et.into())],
                ids,
            );
            s.extend(sink::delete_ids(
                portal_id,
                "stage_history",
                "owner_id",
                &[("entity_type_id", Val::I(Some(type_id)))],
                ids,
            ));
            s.extend(sink::delete_ids(
                portal_id,
                "activities",
                "owner_id",
                &[("owner_type_id", Val::I(Some(type_id)))],
                ids,
            ));
            s.extend(sink::delete_ids(portal_id, entity.table(), "id", &[], ids));
            s
        }
        Entity::Users => {
            let mut s = sink::delete_ids(portal_id, "user_departments", "user_id", &[], ids);
            s.extend(sink::delete_ids(portal_id, "users", "id", &[], ids));
            s
        }
        Entity::Statuses | Entity::Currencies => vec![],
        _ => sink::delete_ids(portal_id, entity.table(), "id", &[], ids),
    }
}

/// Stored keys of a dictionary keyed by codes (statuses: entity_id + status_id; currencies: the code), for the
/// whole-set refresh that removes what the portal no longer lists.
pub async fn stored_code_keys(
    store: &b24a_store::Store,
    entity: Entity,
    portal_id: i64,
) -> Result<Vec<(String, String)>, SyncError> {
    let sql = match entity {
        Entity::Statuses => "SELECT entity_id, status_id FROM crm_statuses WHERE portal_id = $1",
        Entity::Currencies => "SELECT currency, '' FROM currencies WHERE portal_id = $1",
        _ => return Ok(vec![]),
    };
    Ok(b24a_store::with_pool!(store.pool(), p => {
        sqlx::query_as::<_, (String, String)>(sql).bind(portal_id).fetch_all(p).await?
    }))
}

/// Statements deleting dictionary rows by code key (see [`stored_code_keys`]). Deals and leads keep the codes.
pub fn delete_code_keys(entity: Entity, portal_id: i64, keys: &[(String, String)]) -> Vec<Stmt> {
    keys.iter()
        .filter_map(|(a, b)| match entity {
            Entity::Statuses => Some(Stmt {
                sql: "DELETE FROM crm_statuses WHERE portal_id = $1 AND entity_id = $2 AND status_id = $3"
                    .into(),
                vals: vec![portal_id.into(), a.into(), b.into()],
            }),
            Entity::Currencies => Some(Stmt {
                sql: "DELETE FROM currencies WHERE portal_id = $1 AND currency = $2".into(),
                vals: vec![portal_id.into(), a.into()],
            }),
            _ => None,
        })
        .collect()
}

/// Stored ids of `entity` (reconciliation).
pub async fn stored_ids(
    store: &b24a_store::Store,
    entity: Entity,
    portal_id: i64,
) -> Result<Vec<i64>, SyncError> {
    match entity {
        Entity::DealStageHistory | Entity::LeadStageHistory => {
            sink::stored_ids(
                store,
                portal_id,
                "stage_history",
                Some(("entity_type_id", stage_history_type(entity))),
            )
            .await
        }
        _ => sink::stored_ids(store, portal_id, entity.table(), None).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_bad_row_is_skipped_and_reported_the_rest_is_written() {
        let good = |id: i64| {
            Row::from_value(json!({"ID": id.to_string(), "STAGE_ID": "NEW", "DATE_CREATE": "2024-09-02T18:37:18+03:00",
                "DATE_MODIFY": "2024-09-02T18:37:18+03:00", "OPPORTUNITY": "10.00"}))
            .unwrap()
        };
        let bad = Row::from_value(
            json!({"ID": "2", "STAGE_ID": "NEW", "DATE_CREATE": "not a date", "DATE_MODIFY": ""}),
        )
        .unwrap();
        let rows = vec![good(1), bad, good(3)];
        assert!(upsert_rows(Entity::Deals, 1, &rows, 0).is_err());
        let (stmts, errors) = upsert_rows_skipping_bad(Entity::Deals, 1, &rows, 0).unwrap();
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].contains("Some(2)") && errors[0].contains("DATE_CREATE"),
            "{}",
            errors[0]
        );
        // The deals upsert carries two rows: 2 x (portal_id + 38 columns + synced_at) values.
        let deals = stmts
            .iter()
            .find(|s| s.sql.starts_with("INSERT INTO deals"))
            .unwrap();
        assert_eq!(deals.vals.len(), 2 * 40);
    }
}
