//! Reading synced records back: single records, id-ordered pages, whole dictionaries, stage history of one
//! record, custom-field values, and id listings and counts for reconciliation. Every query is scoped by
//! `portal_id`. Report queries with filters and aggregates belong in the reports crate, not here.

use std::collections::HashMap;

use crate::records::{
    Activity, Call, Company, CrmStatus, Currency, CustomFieldValue, Deal, Department, Lead,
    Pipeline, Project, StageHistory, Task, User,
};
use crate::sql::Val;
use crate::table::Table;
use crate::{validate, Entity, PortalId, Store, StoreError};

/// The most rows one page may ask for.
pub const MAX_PAGE: i64 = 10_000;

fn select<T: Table>(condition: &str, order: &str) -> String {
    format!(
        "SELECT {} FROM {} WHERE portal_id = $1{condition} ORDER BY {order}",
        T::COLUMNS.join(", "),
        T::TABLE
    )
}

fn page_limit(limit: i64) -> Result<i64, StoreError> {
    if (1..=MAX_PAGE).contains(&limit) {
        Ok(limit)
    } else {
        Err(StoreError::invalid(
            "page",
            "limit",
            format!("must be within 1..={MAX_PAGE}, got {limit}"),
        ))
    }
}

impl Store {
    async fn all_rows<T: Table>(&self, portal: PortalId) -> Result<Vec<T>, StoreError> {
        self.fetch_all(&select::<T>("", &T::KEY.join(", ")), &[Val::I64(portal.0)])
            .await
    }

    async fn one_row<T: Table>(&self, portal: PortalId, id: i64) -> Result<Option<T>, StoreError> {
        self.fetch_optional(
            &select::<T>(" AND id = $2", "id"),
            &[Val::I64(portal.0), Val::I64(id)],
        )
        .await
    }

    async fn page_rows<T: Table>(
        &self,
        portal: PortalId,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<T>, StoreError> {
        let sql = format!("{} LIMIT $3", select::<T>(" AND id > $2", "id"));
        self.fetch_all(
            &sql,
            &[
                Val::I64(portal.0),
                Val::I64(after_id),
                Val::I64(page_limit(limit)?),
            ],
        )
        .await
    }

    /// Every user of the portal by id, with their departments.
    pub async fn users(&self, portal: PortalId) -> Result<Vec<User>, StoreError> {
        let mut users: Vec<User> = self.all_rows(portal).await?;
        let pairs: Vec<(i64, i64)> = self
            .fetch_all(
                "SELECT user_id, department_id FROM user_departments WHERE portal_id = $1 ORDER BY user_id, department_id",
                &[Val::I64(portal.0)],
            )
            .await?;
        let mut by_user: HashMap<i64, Vec<i64>> = HashMap::new();
        for (u, d) in pairs {
            by_user.entry(u).or_default().push(d);
        }
        for u in &mut users {
            u.department_ids = by_user.remove(&u.id).unwrap_or_default();
        }
        Ok(users)
    }

    /// Every department by id (the tree is in `parent_id`).
    pub async fn departments(&self, portal: PortalId) -> Result<Vec<Department>, StoreError> {
        self.all_rows(portal).await
    }

    /// `root` and every department below it (ids, `root` first, then breadth-first by id). A cycle in the
    /// portal's tree cannot loop: each department is visited once. Empty when `root` is unknown.
    pub async fn department_subtree(
        &self,
        portal: PortalId,
        root: i64,
    ) -> Result<Vec<i64>, StoreError> {
        let rows: Vec<(i64, Option<i64>)> = self
            .fetch_all(
                "SELECT id, parent_id FROM departments WHERE portal_id = $1 ORDER BY id",
                &[Val::I64(portal.0)],
            )
            .await?;
        if !rows.iter().any(|(id, _)| *id == root) {
            return Ok(Vec::new());
        }
        let mut children: HashMap<i64, Vec<i64>> = HashMap::new();
        for (id, parent) in &rows {
            if let Some(parent) = parent {
                children.entry(*parent).or_default().push(*id);
            }
        }
        let mut seen = std::collections::HashSet::from([root]);
        let mut out = vec![root];
        let mut next = 0;
        while next < out.len() {
            let id = out[next];
            next += 1;
            for child in children.get(&id).into_iter().flatten() {
                if seen.insert(*child) {
                    out.push(*child);
                }
            }
        }
        Ok(out)
    }

    /// Every deal pipeline by id.
    pub async fn pipelines(&self, portal: PortalId) -> Result<Vec<Pipeline>, StoreError> {
        self.all_rows(portal).await
    }

    /// Every crm.status row, by (entity_id, status_id).
    pub async fn crm_statuses(&self, portal: PortalId) -> Result<Vec<CrmStatus>, StoreError> {
        self.all_rows(portal).await
    }

    /// The rows of one crm.status dictionary (e.g. `DEAL_STAGE_3`, `STATUS`, `SOURCE`) in the portal's order.
    pub async fn crm_statuses_of(
        &self,
        portal: PortalId,
        entity_id: &str,
    ) -> Result<Vec<CrmStatus>, StoreError> {
        self.fetch_all(
            &select::<CrmStatus>(" AND entity_id = $2", "sort, status_id"),
            &[Val::I64(portal.0), Val::Str(entity_id)],
        )
        .await
    }

    /// Every currency with its rate.
    pub async fn currencies(&self, portal: PortalId) -> Result<Vec<Currency>, StoreError> {
        self.all_rows(portal).await
    }

    /// Every project (workgroup) by id.
    pub async fn projects(&self, portal: PortalId) -> Result<Vec<Project>, StoreError> {
        self.all_rows(portal).await
    }

    /// The stage history of one deal or lead (`entity_type_id` 2 or 1) in time order.
    pub async fn stage_history_of(
        &self,
        portal: PortalId,
        entity_type_id: i64,
        owner_id: i64,
    ) -> Result<Vec<StageHistory>, StoreError> {
        self.fetch_all(
            &select::<StageHistory>(
                " AND entity_type_id = $2 AND owner_id = $3",
                "created_time, id",
            ),
            &[
                Val::I64(portal.0),
                Val::I64(entity_type_id),
                Val::I64(owner_id),
            ],
        )
        .await
    }

    /// Up to `limit` stage-history rows of deals or leads (`entity_type_id` 2 or 1) with id > `after_id`, by id.
    pub async fn stage_history_page(
        &self,
        portal: PortalId,
        entity_type_id: i64,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<StageHistory>, StoreError> {
        let sql = format!(
            "{} LIMIT $4",
            select::<StageHistory>(" AND entity_type_id = $2 AND id > $3", "id")
        );
        self.fetch_all(
            &sql,
            &[
                Val::I64(portal.0),
                Val::I64(entity_type_id),
                Val::I64(after_id),
                Val::I64(page_limit(limit)?),
            ],
        )
        .await
    }

    /// The custom-field values of one deal or lead, by field name.
    pub async fn custom_field_values(
        &self,
        portal: PortalId,
        entity_type: &str,
        entity_id: i64,
    ) -> Result<Vec<CustomFieldValue>, StoreError> {
        validate::custom_field_entity(entity_type)?;
        self.fetch_all(
            "SELECT entity_type, entity_id, field_name, value FROM custom_field_values \
             WHERE portal_id = $1 AND entity_type = $2 AND entity_id = $3 ORDER BY field_name",
            &[
                Val::I64(portal.0),
                Val::Str(entity_type),
                Val::I64(entity_id),
            ],
        )
        .await
    }

    /// How many deals / leads hold each stored custom-field value: `(entity_type, field_name, value, count)`, values
    /// as stored (scalars as text, multiples as a JSON array), empty values included as `None`.
    pub async fn custom_field_value_counts(
        &self,
        portal: PortalId,
    ) -> Result<Vec<(String, String, Option<String>, i64)>, StoreError> {
        self.fetch_all(
            "SELECT entity_type, field_name, value, COUNT(*) FROM custom_field_values WHERE portal_id = $1 \
             GROUP BY entity_type, field_name, value",
            &[Val::I64(portal.0)],
        )
        .await
    }

    /// Up to `limit` stored ids of `entity` greater than `after_id`, ascending (reconciliation against the portal).
    pub async fn ids(
        &self,
        portal: PortalId,
        entity: Entity,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<i64>, StoreError> {
        entity.numeric_id()?;
        let sql = format!(
            "SELECT id FROM {} WHERE portal_id = $1{} AND id > $2 ORDER BY id LIMIT $3",
            entity.table(),
            entity.filter()
        );
        let rows: Vec<(i64,)> = self
            .fetch_all(
                &sql,
                &[
                    Val::I64(portal.0),
                    Val::I64(after_id),
                    Val::I64(page_limit(limit)?),
                ],
            )
            .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// Every stored id of `entity`, ascending, in one query (the sync's reconciliation compares the whole set with
    /// the portal's; a million ids are 8 MB, far less than the records they stand for).
    pub async fn all_ids(&self, portal: PortalId, entity: Entity) -> Result<Vec<i64>, StoreError> {
        entity.numeric_id()?;
        let sql = format!(
            "SELECT id FROM {} WHERE portal_id = $1{} ORDER BY id",
            entity.table(),
            entity.filter()
        );
        let rows: Vec<(i64,)> = self.fetch_all(&sql, &[Val::I64(portal.0)]).await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// How many ids of `entity` lie in `[from_id, to_id)` (range counts for bisecting reconciliation).
    pub async fn count_in_range(
        &self,
        portal: PortalId,
        entity: Entity,
        from_id: i64,
        to_id: i64,
    ) -> Result<i64, StoreError> {
        entity.numeric_id()?;
        let sql = format!(
            "SELECT COUNT(*) FROM {} WHERE portal_id = $1{} AND id >= $2 AND id < $3",
            entity.table(),
            entity.filter()
        );
        let row: Option<(i64,)> = self
            .fetch_optional(
                &sql,
                &[Val::I64(portal.0), Val::I64(from_id), Val::I64(to_id)],
            )
            .await?;
        Ok(row.map_or(0, |(n,)| n))
    }

    /// How many records of `entity` the portal has stored.
    pub async fn count(&self, portal: PortalId, entity: Entity) -> Result<i64, StoreError> {
        let sql = format!(
            "SELECT COUNT(*) FROM {} WHERE portal_id = $1{}",
            entity.table(),
            entity.filter()
        );
        let row: Option<(i64,)> = self.fetch_optional(&sql, &[Val::I64(portal.0)]).await?;
        Ok(row.map_or(0, |(n,)| n))
    }

    /// Stored record counts of every entity, in [`Entity::ALL`] order.
    pub async fn counts(&self, portal: PortalId) -> Result<Vec<(Entity, i64)>, StoreError> {
        let mut out = Vec::with_capacity(Entity::ALL.len());
        for e in Entity::ALL {
            out.push((e, self.count(portal, e).await?));
        }
        Ok(out)
    }
}

/// Typed single-record and page reads for the big id-keyed tables.
macro_rules! typed_reads {
    ($($one:ident, $page:ident, $ty:ty;)+) => {
        impl Store {
            $(
                #[doc = concat!("One `", stringify!($ty), "` by Bitrix24 id.")]
                pub async fn $one(&self, portal: PortalId, id: i64) -> Result<Option<$ty>, StoreError> {
                    self.one_row(portal, id).await
                }
                #[doc = concat!("Up to `limit` (at most [`MAX_PAGE`]) `", stringify!($ty), "` records with id > `after_id`, by id.")]
                pub async fn $page(&self, portal: PortalId, after_id: i64, limit: i64) -> Result<Vec<$ty>, StoreError> {
                    self.page_rows(portal, after_id, limit).await
                }
            )+
        }
    };
}

typed_reads! {
    deal, deals_page, Deal;
    lead, leads_page, Lead;
    company, companies_page, Company;
    activity, activities_page, Activity;
    call, calls_page, Call;
    task, tasks_page, Task;
}
