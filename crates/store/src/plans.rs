//! Sales plan rows (R3, docs/METRICS.md): employee or department × pipeline (or all) × period, with a plan amount, an
//! optional deal count, a bonus and a grade. Rows are validated before writing and every error names the field.
//! Never computes facts or bonuses: that is the reports' job.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::clock::now;
use crate::sql::Val;
use crate::{PortalId, Store, StoreError};

/// The length of a plan period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    Month,
    Quarter,
    Year,
}

impl PeriodKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PeriodKind::Month => "month",
            PeriodKind::Quarter => "quarter",
            PeriodKind::Year => "year",
        }
    }

    pub fn parse(s: &str) -> Option<PeriodKind> {
        match s {
            "month" => Some(PeriodKind::Month),
            "quarter" => Some(PeriodKind::Quarter),
            "year" => Some(PeriodKind::Year),
            _ => None,
        }
    }

    /// Whether `d` is the first day of a period of this kind.
    pub fn starts_on(self, d: NaiveDate) -> bool {
        d.day() == 1
            && match self {
                PeriodKind::Month => true,
                PeriodKind::Quarter => matches!(d.month(), 1 | 4 | 7 | 10),
                PeriodKind::Year => d.month() == 1,
            }
    }
}

/// A plan row as the editor submits it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewSalesPlan {
    /// Exactly one of `user_id` and `department_id` is set.
    pub user_id: Option<i64>,
    pub department_id: Option<i64>,
    /// The pipeline; `None` = all pipelines.
    pub category_id: Option<i64>,
    /// "month", "quarter" or "year".
    pub period_kind: String,
    /// `YYYY-MM-DD`, the first day of such a period.
    pub period_start: String,
    /// Hundredths of the portal's base currency, >= 0.
    pub amount_cents: i64,
    pub deal_count: Option<i64>,
    pub bonus_cents: i64,
    pub grade: Option<String>,
    pub updated_by: Option<i64>,
}

/// A stored plan row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct SalesPlan {
    pub id: i64,
    pub user_id: Option<i64>,
    pub department_id: Option<i64>,
    pub category_id: Option<i64>,
    pub period_kind: String,
    pub period_start: String,
    pub amount_cents: i64,
    pub deal_count: Option<i64>,
    pub bonus_cents: i64,
    pub grade: Option<String>,
    pub updated_by: Option<i64>,
    pub updated_at: i64,
}

/// Plan periods start in these years: a typo like year 0 or 10000 would otherwise sit in the table forever,
/// outside any period a report can ask for.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;
/// The largest plan or bonus amount in hundredths (ten billion units of the base currency): far above any real
/// plan, far below where sums of many rows could overflow.
pub const MAX_CENTS: i64 = 1_000_000_000_000;
/// The largest planned deal count of one row.
pub const MAX_DEALS: i64 = 1_000_000;
/// The longest grade text, in characters (a label such as "senior", not a document).
pub const MAX_GRADE_CHARS: usize = 64;
/// The most rows one request may add (a pasted spreadsheet of a large company fits many times over).
pub const MAX_ROWS: usize = 5_000;

fn bad(field: &'static str, reason: impl Into<String>) -> StoreError {
    StoreError::invalid("sales_plan", field, reason)
}

/// Checks a plan row; the error names the first bad field.
pub fn validate_plan(p: &NewSalesPlan) -> Result<(), StoreError> {
    match (p.user_id, p.department_id) {
        (Some(_), Some(_)) => {
            return Err(bad(
                "user_id",
                "and department_id are both set; a plan row is for one of them",
            ))
        }
        (None, None) => return Err(bad("user_id", "or department_id must be set")),
        (Some(id), None) if id <= 0 => {
            return Err(bad("user_id", format!("must be a positive id, got {id}")))
        }
        (None, Some(id)) if id <= 0 => {
            return Err(bad(
                "department_id",
                format!("must be a positive id, got {id}"),
            ))
        }
        _ => {}
    }
    if let Some(c) = p.category_id {
        if c < 0 {
            return Err(bad(
                "category_id",
                format!("must be 0 or positive, got {c}"),
            ));
        }
    }
    let kind = PeriodKind::parse(&p.period_kind).ok_or_else(|| {
        bad(
            "period_kind",
            format!("must be month, quarter or year, got {:?}", p.period_kind),
        )
    })?;
    let start = NaiveDate::parse_from_str(&p.period_start, "%Y-%m-%d")
        .ok()
        .filter(|d| d.format("%Y-%m-%d").to_string() == p.period_start)
        .ok_or_else(|| {
            bad(
                "period_start",
                format!("must be a date YYYY-MM-DD, got {:?}", p.period_start),
            )
        })?;
    if !YEARS.contains(&start.year()) {
        return Err(bad(
            "period_start",
            format!(
                "year must be between {} and {}, got {}",
                YEARS.start(),
                YEARS.end(),
                start.year()
            ),
        ));
    }
    if !kind.starts_on(start) {
        return Err(bad(
            "period_start",
            format!(
                "{} is not the first day of a {}",
                p.period_start,
                kind.as_str()
            ),
        ));
    }
    if !(0..=MAX_CENTS).contains(&p.amount_cents) {
        return Err(bad(
            "amount_cents",
            format!("must be between 0 and {MAX_CENTS}, got {}", p.amount_cents),
        ));
    }
    if let Some(n) = p.deal_count {
        if !(0..=MAX_DEALS).contains(&n) {
            return Err(bad(
                "deal_count",
                format!("must be between 0 and {MAX_DEALS}, got {n}"),
            ));
        }
    }
    if !(0..=MAX_CENTS).contains(&p.bonus_cents) {
        return Err(bad(
            "bonus_cents",
            format!("must be between 0 and {MAX_CENTS}, got {}", p.bonus_cents),
        ));
    }
    if let Some(g) = &p.grade {
        let n = g.chars().count();
        if n > MAX_GRADE_CHARS {
            return Err(bad(
                "grade",
                format!("at most {MAX_GRADE_CHARS} characters, got {n}"),
            ));
        }
        if g.chars().any(char::is_control) {
            return Err(bad("grade", "must not contain control characters"));
        }
    }
    Ok(())
}

fn plan_vals(portal: PortalId, p: &NewSalesPlan, t: i64) -> Vec<Val<'_>> {
    vec![
        Val::I64(portal.0),
        Val::OptI64(p.user_id),
        Val::OptI64(p.department_id),
        Val::OptI64(p.category_id),
        Val::Str(&p.period_kind),
        Val::Str(&p.period_start),
        Val::I64(p.amount_cents),
        Val::OptI64(p.deal_count),
        Val::I64(p.bonus_cents),
        Val::OptStr(p.grade.as_deref()),
        Val::OptI64(p.updated_by),
        Val::I64(t),
    ]
}

const INSERT_PLAN: &str =
    "INSERT INTO sales_plans (portal_id, user_id, department_id, category_id, period_kind, \
    period_start, amount_cents, deal_count, bonus_cents, grade, updated_by, updated_at) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id";

const PLAN_COLUMNS: &str =
    "id, user_id, department_id, category_id, period_kind, period_start, amount_cents, \
    deal_count, bonus_cents, grade, updated_by, updated_at";

/// What makes two plan rows the same plan: employee, department, pipeline, period kind and start.
type PlanKey = (Option<i64>, Option<i64>, Option<i64>, String, String);

fn plan_key(
    user: Option<i64>,
    dept: Option<i64>,
    cat: Option<i64>,
    kind: &str,
    start: &str,
) -> PlanKey {
    (user, dept, cat, kind.to_string(), start.to_string())
}

/// The first of `plans` that repeats a row of `stored` (other than `except`) or an earlier row of `plans`.
pub fn find_duplicate_plan(
    plans: &[NewSalesPlan],
    stored: &[SalesPlan],
    except: Option<i64>,
) -> Option<StoreError> {
    let mut seen: std::collections::HashMap<PlanKey, String> = stored
        .iter()
        .filter(|s| Some(s.id) != except)
        .map(|s| {
            let k = plan_key(
                s.user_id,
                s.department_id,
                s.category_id,
                &s.period_kind,
                &s.period_start,
            );
            (k, format!("is already planned (plan row {})", s.id))
        })
        .collect();
    for (i, p) in plans.iter().enumerate() {
        let k = plan_key(
            p.user_id,
            p.department_id,
            p.category_id,
            &p.period_kind,
            &p.period_start,
        );
        if let Some(repeats) = seen.get(&k) {
            return Some(StoreError::DuplicatePlan {
                row: i,
                who: if p.user_id.is_some() {
                    "employee"
                } else {
                    "department"
                },
                repeats: repeats.clone(),
            });
        }
        seen.insert(k, format!("is already in rows[{i}]"));
    }
    None
}

impl Store {
    /// Checks that a plan row names an employee, department and pipeline the portal has (as last synced): a row
    /// for someone unknown would never match a deal and only confuse the plan table. Run by the editor's API
    /// before [`Store::create_plans`], after [`validate_plan`].
    pub async fn check_plan_references(
        &self,
        portal: PortalId,
        p: &NewSalesPlan,
    ) -> Result<(), StoreError> {
        let exists = |sql: &'static str, id: i64| async move {
            let row: Option<(i64,)> = self
                .fetch_optional(sql, &[Val::I64(portal.0), Val::I64(id)])
                .await?;
            Ok::<bool, StoreError>(row.is_some())
        };
        if let Some(u) = p.user_id {
            if !exists("SELECT id FROM users WHERE portal_id = $1 AND id = $2", u).await? {
                return Err(bad("user_id", format!("no employee {u} on the portal")));
            }
        }
        if let Some(d) = p.department_id {
            if !exists(
                "SELECT id FROM departments WHERE portal_id = $1 AND id = $2",
                d,
            )
            .await?
            {
                return Err(bad(
                    "department_id",
                    format!("no department {d} on the portal"),
                ));
            }
        }
        // Pipeline 0 is the default one, which the portal may not list.
        if let Some(c) = p.category_id.filter(|c| *c != 0) {
            if !exists(
                "SELECT id FROM pipelines WHERE portal_id = $1 AND id = $2",
                c,
            )
            .await?
            {
                return Err(bad("category_id", format!("no pipeline {c} on the portal")));
            }
        }
        Ok(())
    }

    /// Adds plan rows (one, or many pasted from a spreadsheet) in one transaction; their new ids in order.
    /// One invalid row rejects them all, and so does a row repeating a stored one or another row of the paste.
    pub async fn create_plans(
        &self,
        portal: PortalId,
        plans: &[NewSalesPlan],
    ) -> Result<Vec<i64>, StoreError> {
        if plans.len() > MAX_ROWS {
            return Err(bad(
                "rows",
                format!("at most {MAX_ROWS} rows at once, got {}", plans.len()),
            ));
        }
        plans.iter().try_for_each(validate_plan)?;
        if let Some(e) = find_duplicate_plan(plans, &self.plans(portal).await?, None) {
            return Err(e);
        }
        let t = now();
        let mut tx = self.begin().await?;
        let mut ids = Vec::with_capacity(plans.len());
        for p in plans {
            let row: Option<(i64,)> = tx
                .fetch_optional(INSERT_PLAN, &plan_vals(portal, p, t))
                .await?;
            ids.push(
                row.map(|(id,)| id)
                    .ok_or_else(|| StoreError::NotFound("inserted plan id".into()))?,
            );
        }
        tx.commit().await?;
        Ok(ids)
    }

    /// Adds one plan row; its id.
    pub async fn create_plan(
        &self,
        portal: PortalId,
        plan: &NewSalesPlan,
    ) -> Result<i64, StoreError> {
        let ids = self
            .create_plans(portal, std::slice::from_ref(plan))
            .await?;
        ids.into_iter()
            .next()
            .ok_or_else(|| StoreError::NotFound("inserted plan id".into()))
    }

    /// Replaces plan row `id` of the portal; `NotFound` when the portal has no such row.
    pub async fn update_plan(
        &self,
        portal: PortalId,
        id: i64,
        plan: &NewSalesPlan,
    ) -> Result<(), StoreError> {
        validate_plan(plan)?;
        let stored = self.plans(portal).await?;
        if let Some(e) = find_duplicate_plan(std::slice::from_ref(plan), &stored, Some(id)) {
            return Err(e);
        }
        let mut vals = plan_vals(portal, plan, now());
        vals.push(Val::I64(id));
        let n = self
            .execute(
                "UPDATE sales_plans SET user_id = $2, department_id = $3, category_id = $4, period_kind = $5, \
                 period_start = $6, amount_cents = $7, deal_count = $8, bonus_cents = $9, grade = $10, \
                 updated_by = $11, updated_at = $12 WHERE portal_id = $1 AND id = $13",
                &vals,
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("sales plan {id}")));
        }
        Ok(())
    }

    /// Deletes plan row `id` of the portal; `false` when there was none.
    pub async fn delete_plan(&self, portal: PortalId, id: i64) -> Result<bool, StoreError> {
        let n = self
            .execute(
                "DELETE FROM sales_plans WHERE portal_id = $1 AND id = $2",
                &[Val::I64(portal.0), Val::I64(id)],
            )
            .await?;
        Ok(n == 1)
    }

    /// One plan row of the portal.
    pub async fn plan(&self, portal: PortalId, id: i64) -> Result<Option<SalesPlan>, StoreError> {
        let sql =
            format!("SELECT {PLAN_COLUMNS} FROM sales_plans WHERE portal_id = $1 AND id = $2");
        self.fetch_optional(&sql, &[Val::I64(portal.0), Val::I64(id)])
            .await
    }

    /// Plan rows whose period starts within `[from, to]` (`YYYY-MM-DD`, inclusive), by start then id.
    pub async fn plans_between(
        &self,
        portal: PortalId,
        from: &str,
        to: &str,
    ) -> Result<Vec<SalesPlan>, StoreError> {
        crate::validate::date("plan_query", "from", from)?;
        crate::validate::date("plan_query", "to", to)?;
        let sql = format!(
            "SELECT {PLAN_COLUMNS} FROM sales_plans WHERE portal_id = $1 AND period_start >= $2 AND period_start <= $3 \
             ORDER BY period_start, id"
        );
        self.fetch_all(&sql, &[Val::I64(portal.0), Val::Str(from), Val::Str(to)])
            .await
    }

    /// Every plan row of the portal, by start then id.
    pub async fn plans(&self, portal: PortalId) -> Result<Vec<SalesPlan>, StoreError> {
        let sql = format!(
            "SELECT {PLAN_COLUMNS} FROM sales_plans WHERE portal_id = $1 ORDER BY period_start, id"
        );
        self.fetch_all(&sql, &[Val::I64(portal.0)]).await
    }
}
