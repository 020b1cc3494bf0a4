//! Writing into the store: idempotent multi-row upserts keyed by (portal_id, id), deletes by ids, id listings for
//! reconciliation — all as statements run together in one transaction, so a chunk of rows and the cursor that
//! follows it are stored atomically (a crash leaves either both or neither). Narrow SQL kept inside the sync
//! crate because the store does not offer these writes yet; every statement filters by `portal_id`.

use b24a_store::records::{
    Activity, CrmStatus, Currency, CustomFieldValue, Deal, Department, Lead, Pipeline, Project,
    StageHistory, Task, User,
};
use b24a_store::{with_pool, Store};

use crate::error::SyncError;

/// A bound value.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    I(Option<i64>),
    T(Option<String>),
    B(Option<bool>),
    F(Option<f64>),
}

impl From<i64> for Val {
    fn from(v: i64) -> Val {
        Val::I(Some(v))
    }
}
impl From<Option<i64>> for Val {
    fn from(v: Option<i64>) -> Val {
        Val::I(v)
    }
}
impl From<bool> for Val {
    fn from(v: bool) -> Val {
        Val::B(Some(v))
    }
}
impl From<f64> for Val {
    fn from(v: f64) -> Val {
        Val::F(Some(v))
    }
}
impl From<&str> for Val {
    fn from(v: &str) -> Val {
        Val::T(Some(v.to_string()))
    }
}
impl From<&String> for Val {
    fn from(v: &String) -> Val {
        Val::T(Some(v.clone()))
    }
}
impl From<&Option<String>> for Val {
    fn from(v: &Option<String>) -> Val {
        Val::T(v.clone())
    }
}

/// One SQL statement with its values.
#[derive(Debug, Clone, PartialEq)]
pub struct Stmt {
    pub sql: String,
    pub vals: Vec<Val>,
}

/// A store row type the sync writes.
pub trait SinkRow {
    const TABLE: &'static str;
    /// Columns after `portal_id`, in `values()` order.
    const COLUMNS: &'static [&'static str];
    /// Key columns after `portal_id`.
    const KEY: &'static [&'static str];
    const HAS_SYNCED_AT: bool = true;
    fn values(&self) -> Vec<Val>;
}

/// Rows per INSERT statement (keeps bind counts far below both backends' limits).
const ROWS_PER_STATEMENT: usize = 200;

/// Upsert statements for `rows`.
pub fn upsert<T: SinkRow>(portal_id: i64, rows: &[T], now: i64) -> Vec<Stmt> {
    let mut cols: Vec<&str> = vec!["portal_id"];
    cols.extend_from_slice(T::COLUMNS);
    if T::HAS_SYNCED_AT {
        cols.push("synced_at");
    }
    let mut key: Vec<&str> = vec!["portal_id"];
    key.extend_from_slice(T::KEY);
    let updates: Vec<String> = cols
        .iter()
        .filter(|c| !key.contains(c))
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    let conflict = if updates.is_empty() {
        "DO NOTHING".to_string()
    } else {
        format!("DO UPDATE SET {}", updates.join(", "))
    };
    rows.chunks(ROWS_PER_STATEMENT)
        .map(|chunk| {
            let mut vals = Vec::with_capacity(chunk.len() * cols.len());
            let mut tuples = Vec::with_capacity(chunk.len());
            for r in chunk {
                let start = vals.len();
                vals.push(Val::I(Some(portal_id)));
                vals.extend(r.values());
                if T::HAS_SYNCED_AT {
                    vals.push(Val::I(Some(now)));
                }
                let ph: Vec<String> = (start + 1..=vals.len()).map(|i| format!("${i}")).collect();
                tuples.push(format!("({})", ph.join(", ")));
            }
            Stmt {
                sql: format!(
                    "INSERT INTO {} ({}) VALUES {} ON CONFLICT ({}) {}",
                    T::TABLE,
                    cols.join(", "),
                    tuples.join(", "),
                    key.join(", "),
                    conflict
                ),
                vals,
            }
        })
        .collect()
}

/// `DELETE FROM table WHERE portal_id = $1 [AND extra] AND id_col IN (...)`, chunked.
pub fn delete_ids(
    portal_id: i64,
    table: &str,
    id_col: &str,
    extra: &[(&str, Val)],
    ids: &[i64],
) -> Vec<Stmt> {
    ids.chunks(500)
        .map(|chunk| {
            let mut vals = vec![Val::I(Some(portal_id))];
            let mut sql = format!("DELETE FROM {table} WHERE portal_id = $1");
            for (col, v) in extra {
                vals.push(v.clone());
                sql.push_str(&format!(" AND {col} = ${}", vals.len()));
            }
            let ph: Vec<String> = chunk
                .iter()
                .map(|id| {
                    vals.push(Val::I(Some(*id)));
                    format!("${}", vals.len())
                })
                .collect();
            sql.push_str(&format!(" AND {id_col} IN ({})", ph.join(", ")));
            Stmt { sql, vals }
        })
        .collect()
}

/// Runs statements in one transaction.
pub async fn run(store: &Store, stmts: Vec<Stmt>) -> Result<(), SyncError> {
    if stmts.is_empty() {
        return Ok(());
    }
    with_pool!(store.pool(), p => {
        let mut tx = p.begin().await?;
        for s in &stmts {
            let mut q = sqlx::query(&s.sql);
            for v in &s.vals {
                q = match v {
                    Val::I(x) => q.bind(*x),
                    Val::T(x) => q.bind(x.clone()),
                    Val::B(x) => q.bind(*x),
                    Val::F(x) => q.bind(*x),
                };
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
    });
    Ok(())
}

/// Runs one statement outside a transaction and returns the rows it affected.
pub async fn exec(store: &Store, s: Stmt) -> Result<u64, SyncError> {
    let n = with_pool!(store.pool(), p => {
        let mut q = sqlx::query(&s.sql);
        for v in &s.vals {
            q = match v {
                Val::I(x) => q.bind(*x),
                Val::T(x) => q.bind(x.clone()),
                Val::B(x) => q.bind(*x),
                Val::F(x) => q.bind(*x),
            };
        }
        q.execute(p).await?.rows_affected()
    });
    Ok(n)
}

/// Stored ids of a table (optionally narrowed by one extra column), ascending.
pub async fn stored_ids(
    store: &Store,
    portal_id: i64,
    table: &str,
    extra: Option<(&str, i64)>,
) -> Result<Vec<i64>, SyncError> {
    let sql = match extra {
        Some((col, _)) => {
            format!("SELECT id FROM {table} WHERE portal_id = $1 AND {col} = $2 ORDER BY id")
        }
        None => format!("SELECT id FROM {table} WHERE portal_id = $1 ORDER BY id"),
    };
    let ids: Vec<i64> = with_pool!(store.pool(), p => {
        let mut q = sqlx::query_scalar::<_, i64>(&sql).bind(portal_id);
        if let Some((_, v)) = extra {
            q = q.bind(v);
        }
        q.fetch_all(p).await?
    });
    Ok(ids)
}

/// Statements replacing the custom-field values of the given records.
pub fn replace_custom_fields(
    portal_id: i64,
    entity_type: &str,
    ids: &[i64],
    values: &[CustomFieldValue],
    now: i64,
) -> Vec<Stmt> {
    let mut out = delete_ids(
        portal_id,
        "custom_field_values",
        "entity_id",
        &[("entity_type", entity_type.into())],
        ids,
    );
    out.extend(upsert(portal_id, values, now));
    out
}

/// Statements replacing users' department memberships.
pub fn replace_user_departments(portal_id: i64, users: &[User]) -> Vec<Stmt> {
    let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
    let mut out = delete_ids(portal_id, "user_departments", "user_id", &[], &ids);
    let links: Vec<UserDepartment> = users
        .iter()
        .flat_map(|u| {
            let mut d = u.department_ids.clone();
            d.sort_unstable();
            d.dedup();
            d.into_iter().map(move |department_id| UserDepartment {
                user_id: u.id,
                department_id,
            })
        })
        .collect();
    out.extend(upsert(portal_id, &links, 0));
    out
}

/// A user × department link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserDepartment {
    pub user_id: i64,
    pub department_id: i64,
}

impl SinkRow for UserDepartment {
    const TABLE: &'static str = "user_departments";
    const COLUMNS: &'static [&'static str] = &["user_id", "department_id"];
    const KEY: &'static [&'static str] = &["user_id", "department_id"];
    const HAS_SYNCED_AT: bool = false;
    fn values(&self) -> Vec<Val> {
        vec![self.user_id.into(), self.department_id.into()]
    }
}

impl SinkRow for CustomFieldValue {
    const TABLE: &'static str = "custom_field_values";
    const COLUMNS: &'static [&'static str] = &["entity_type", "entity_id", "field_name", "value"];
    const KEY: &'static [&'static str] = &["entity_type", "entity_id", "field_name"];
    const HAS_SYNCED_AT: bool = false;
    fn values(&self) -> Vec<Val> {
        vec![
            (&self.entity_type).into(),
            self.entity_id.into(),
            (&self.field_name).into(),
            (&self.value).into(),
        ]
    }
}

impl SinkRow for User {
    const TABLE: &'static str = "users";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "name",
        "last_name",
        "second_name",
        "email",
        "work_position",
        "active",
        "user_type",
        "date_register",
    ];
    const KEY: &'static [&'static str] = &["id"];
    fn values(&self) -> Vec<Val> {
        vec![
            self.id.into(),
            (&self.name).into(),
            (&self.last_name).into(),
            (&self.second_name).into(),
            (&self.email).into(),
            (&self.work_position).into(),
            self.active.into(),
            (&self.user_type).into(),
            self.date_register.into(),
        ]
    }
}

impl SinkRow for Department {
    const TABLE: &'static str = "departments";
    const COLUMNS: &'static [&'static str] = &["id", "name", "parent_id", "head_user_id", "sort"];
    const KEY: &'static [&'static str] = &["id"];
    fn values(&self) -> Vec<Val> {
        vec![
            self.id.into(),
            (&self.name).into(),
            self.parent_id.into(),
            self.head_user_id.into(),
            self.sort.into(),
        ]
    }
}

impl SinkRow for Pipeline {
    const TABLE: &'static str = "pipelines";
    const COLUMNS: &'static [&'static str] = &["id", "name", "sort", "is_default"];
    const KEY: &'static [&'static str] = &["id"];
    fn values(&self) -> Vec<Val> {
        vec![
            self.id.into(),
            (&self.name).into(),
            self.sort.into(),
            self.is_default.into(),
        ]
    }
}

impl SinkRow for CrmStatus {
    const TABLE: &'static str = "crm_statuses";
    const COLUMNS: &'static [&'static str] = &[
        "entity_id",
        "status_id",
        "name",
        "sort",
        "semantics",
        "extra_semantics",
        "category_id",
    ];
    const KEY: &'static [&'static str] = &["entity_id", "status_id"];
    fn values(&self) -> Vec<Val> {
        vec![
            (&self.entity_id).into(),
            (&self.status_id).into(),
            (&self.name).into(),
            self.sort.into(),
            (&self.semantics).into(),
            (&self.extra_semantics).into(),
            self.category_id.into(),
        ]
    }
}

impl SinkRow for Currency {
    const TABLE: &'static str = "currencies";
    const COLUMNS: &'static [&'static str] = &[
        "currency",
        "amount_cnt",
        "amount",
        "is_base",
        "sort",
        "full_name",
    ];
    const KEY: &'static [&'static str] = &["currency"];
    fn values(&self) -> Vec<Val> {
        vec![
            (&self.currency).into(),
            self.amount_cnt.into(),
            self.amount.into(),
            self.is_base.into(),
            self.sort.into(),
            (&self.full_name).into(),
        ]
    }
}

impl SinkRow for Deal {
    const TABLE: &'static str = "deals";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "title",
        "type_id",
        "category_id",
        "stage_id",
        "stage_semantic_id",
        "opportunity_cents",
        "currency_id",
        "opportunity_account_cents",
        "account_currency_id",
        "probability",
        "assigned_by_id",
        "created_by_id",
        "modify_by_id",
        "moved_by_id",
        "date_create",
        "date_modify",
        "moved_time",
        "last_activity_time",
        "last_activity_by",
        "begindate",
        "closedate",
        "closed",
        "opened",
        "is_new",
        "is_recurring",
        "is_return_customer",
        "is_repeated_approach",
        "source_id",
        "source_description",
        "company_id",
        "contact_id",
        "lead_id",
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "utm_content",
        "utm_term",
    ];
    const KEY: &'static [&'static str] = &["id"];
    fn values(&self) -> Vec<Val> {
        vec![
            self.id.into(),
            (&self.title).into(),
            (&self.type_id).into(),
            self.category_id.into(),
            (&self.stage_id).into(),
            (&self.stage_semantic_id).into(),
            self.opportunity_cents.into(),
            (&self.currency_id).into(),
            self.opportunity_account_cents.into(),
            (&self.account_currency_id).into(),
            self.probability.into(),
            self.assigned_by_id.into(),
            self.created_by_id.into(),
            self.modify_by_id.into(),
            self.moved_by_id.into(),
            self.date_create.into(),
            self.date_modify.into(),
            self.moved_time.into(),
            self.last_activity_time.into(),
            self.last_activity_by.into(),
            (&self.begindate).into(),
            (&self.closedate).into(),
            self.closed.into(),
            self.opened.into(),
            self.is_new.into(),
            self.is_recurring.into(),
            self.is_return_customer.into(),
            self.is_repeated_approach.into(),
            (&self.source_id).into(),
            (&self.source_description).into(),
            self.company_id.into(),
            self.contact_id.into(),
            self.lead_id.into(),
            (&self.utm_source).into(),
            (&self.utm_medium).into(),
            (&self.utm_campaign).into(),
            (&self.utm_content).into(),
            (&self.utm_term).into(),
        ]
    }
}

impl SinkRow for Lead {
    const TABLE: &'static str = "leads";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "title",
        "status_id",
        "status_semantic_id",
        "source_id",
        "source_description",
        "opportunity_cents",
        "currency_id",
        "assigned_by_id",
        "created_by_id",
        "modify_by_id",
        "moved_by_id",
        "date_create",
        "date_modify",
        "moved_time",
        "date_closed",
        "last_activity_time",
        "last_activity_by",
        "company_id",
        "contact_id",
        "company_title",
        "is_return_customer",
        "opened",
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "utm_content",
        "utm_term",
    ];
    const KEY: &'static [&'static str] = &["id"];
    fn values(&self) -> Vec<Val> {
        vec![
            self.id.into(),
            (&self.title).into(),
            (&self.status_id).into(),
            (&self.status_semantic_id).into(),
            (&self.source_id).into(),
            (&self.source_description).into(),
            self.opportunity_cents.into(),
            (&self.currency_id).into(),
            self.assigned_by_id.into(),
            self.created_by_id.into(),
            self.modify_by_id.into(),
            self.moved_by_id.into(),
            self.date_create.into(),
            self.date_modify.into(),
            self.moved_time.into(),
            self.date_closed.into(),
            self.last_activity_time.into(),
            self.last_activity_by.into(),
            self.company_id.into(),
            self.contact_id.into(),
            (&self.company_title).into(),
            self.is_return_customer.into(),
            self.opened.into(),
            (&self.utm_source).into(),
            (&self.utm_medium).into(),
            (&self.utm_campaign).into(),
            (&self.utm_content).into(),
            (&self.utm_term).into(),
        ]
    }
}

impl SinkRow for StageHistory {
    const TABLE: &'static str = "stage_history";
    const COLUMNS: &'static [&'static str] = &[
        "entity_type_id",
        "id",
        "type_id",
        "owner_id",
        "created_time",
        "category_id",
        "stage_id",
        "stage_semantic_id",
    ];
    const KEY: &'static [&'static str] = &["entity_type_id", "id"];
    fn values(&self) -> Vec<Val> {
        vec![
            self.entity_type_id.into(),
            self.id.into(),
            self.type_id.into(),
            self.owner_id.into(),
            self.created_time.into(),
            self.category_id.into(),
            (&self.stage_id).into(),
            (&self.stage_semantic_id).into(),
        ]
    }
}

impl SinkRow for Activity {
    const TABLE: &'static str = "activities";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "owner_type_id",
        "owner_id",
        "type_id",
        "provider_id",
        "provider_type_id",
        "direction",
        "completed",
        "status",
        "priority",
        "responsible_id",
        "author_id",
        "subject",
        "created",
        "last_updated",
        "start_time",
        "end_time",
        "deadline",
        "is_incoming_channel",
        "origin_id",
    ];
    const KEY: &'static [&'static str] = &["id"];
    fn values(&self) -> Vec<Val> {
        vec![
            self.id.into(),
            self.owner_type_id.into(),
            self.owner_id.into(),
            self.type_id.into(),
            (&self.provider_id).into(),
            (&self.provider_type_id).into(),
            self.direction.into(),
            self.completed.into(),
            self.status.into(),
            self.priority.into(),
            self.responsible_id.into(),
            self.author_id.into(),
            (&self.subject).into(),
            self.created.into(),
            self.last_updated.into(),
            self.start_time.into(),
            self.end_time.into(),
            self.deadline.into(),
            self.is_incoming_channel.into(),
            (&self.origin_id).into(),
        ]
    }
}

impl SinkRow for Task {
    const TABLE: &'static str = "tasks";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "title",
        "status",
        "priority",
        "responsible_id",
        "created_by",
        "closed_by",
        "group_id",
        "parent_id",
        "created_date",
        "changed_date",
        "closed_date",
        "date_start",
        "deadline",
        "start_date_plan",
        "end_date_plan",
    ];
    const KEY: &'static [&'static str] = &["id"];
    fn values(&self) -> Vec<Val> {
        vec![
            self.id.into(),
            (&self.title).into(),
            self.status.into(),
            self.priority.into(),
            self.responsible_id.into(),
            self.created_by.into(),
            self.closed_by.into(),
            self.group_id.into(),
            self.parent_id.into(),
            self.created_date.into(),
            self.changed_date.into(),
            self.closed_date.into(),
            self.date_start.into(),
            self.deadline.into(),
            self.start_date_plan.into(),
            self.end_date_plan.into(),
        ]
    }
}

impl SinkRow for Project {
    const TABLE: &'static str = "projects";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "name",
        "active",
        "closed",
        "is_project",
        "owner_id",
        "date_create",
    ];
    const KEY: &'static [&'static str] = &["id"];
    fn values(&self) -> Vec<Val> {
        vec![
            self.id.into(),
            (&self.name).into(),
            self.active.into(),
            self.closed.into(),
            self.is_project.into(),
            self.owner_id.into(),
            self.date_create.into(),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upsert_sql_shape() {
        let rows = vec![
            Pipeline {
                id: 0,
                name: "Main".into(),
                sort: 1,
                is_default: true,
            },
            Pipeline {
                id: 1,
                name: "B".into(),
                sort: 2,
                is_default: false,
            },
        ];
        let s = upsert(7, &rows, 100);
        assert_eq!(s.len(), 1);
        assert_eq!(
            s[0].sql,
            "INSERT INTO pipelines (portal_id, id, name, sort, is_default, synced_at) VALUES ($1, $2, $3, $4, $5, $6), \
             ($7, $8, $9, $10, $11, $12) ON CONFLICT (portal_id, id) DO UPDATE SET name = excluded.name, \
             sort = excluded.sort, is_default = excluded.is_default, synced_at = excluded.synced_at"
        );
        assert_eq!(s[0].vals.len(), 12);
        let d = delete_ids(
            7,
            "stage_history",
            "id",
            &[("entity_type_id", Val::I(Some(2)))],
            &[5, 6],
        );
        assert_eq!(d[0].sql, "DELETE FROM stage_history WHERE portal_id = $1 AND entity_type_id = $2 AND id IN ($3, $4)");
    }
}
