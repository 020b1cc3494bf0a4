//! Writing into the store: idempotent multi-row upserts keyed by (portal_id, id), deletes by ids, id listings for
//! reconciliation — all as statements run together in one transaction, so a chunk of rows and the cursor that
//! follows it are stored atomically (a crash leaves either both or neither). Narrow SQL kept inside the sync
//! crate because the store does not offer these writes yet; every statement filters by `portal_id`.

use b24a_store::records::{CustomFieldValue, User};
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

#[cfg(test)]
mod tests {
    use super::*;
    use b24a_store::records::Pipeline;

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
