//! The portal's dictionaries a report labels and groups by: employees (with departments), the department tree,
//! pipelines, deal stages and lead statuses in order, sources, industries. Read-only snapshots for one request;
//! never a place for metric logic.

use std::collections::{HashMap, HashSet};

use b24a_store::{PortalId, Store};

use crate::error::ReportError;

#[derive(Debug, Clone)]
pub struct UserInfo {
    pub name: String,
    pub active: bool,
    /// All departments of the employee (UF_DEPARTMENT).
    pub departments: Vec<i64>,
}

impl UserInfo {
    /// The department subtotals put the employee under: the smallest department id they belong to (stable, since the
    /// portal does not tell which department is the main one).
    pub fn main_department(&self) -> i64 {
        self.departments.iter().copied().min().unwrap_or(0)
    }
}

#[derive(Debug, Clone)]
pub struct DeptInfo {
    pub name: String,
    pub parent_id: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct StageInfo {
    pub name: String,
    pub sort: i64,
    pub semantics: String,
    /// Deal pipeline of a stage (0 for the default one).
    pub pipeline: i64,
}

#[derive(Debug, Clone, Default)]
pub struct Dicts {
    pub users: HashMap<i64, UserInfo>,
    pub departments: HashMap<i64, DeptInfo>,
    /// (id, name), in the portal's order.
    pub pipelines: Vec<(i64, String)>,
    pub deal_stages: HashMap<String, StageInfo>,
    pub lead_statuses: HashMap<String, StageInfo>,
    /// Stages of smart processes (`DYNAMIC_<type>_STAGE_<category>`), kept apart from the deals' pipelines: only
    /// their names are needed (R7 shows where a child item waits).
    pub item_stages: HashMap<String, String>,
    pub sources: HashMap<String, String>,
    pub industries: HashMap<String, String>,
    pub projects: HashMap<i64, String>,
}

impl Dicts {
    pub async fn load(store: &Store, portal_id: i64) -> Result<Dicts, ReportError> {
        let rows = store.report_dictionaries(PortalId(portal_id)).await?;
        let pipelines: Vec<(i64, String)> =
            rows.pipelines.into_iter().map(|p| (p.id, p.name)).collect();
        let mut d = Dicts {
            pipelines,
            ..Dicts::default()
        };
        for u in rows.users {
            let (id, name, last, active) = (u.id, u.name, u.last_name, u.active);
            let full = format!("{name} {last}").trim().to_string();
            d.users.insert(
                id,
                UserInfo {
                    name: if full.is_empty() {
                        format!("#{id}")
                    } else {
                        full
                    },
                    active,
                    departments: vec![],
                },
            );
        }
        for m in rows.memberships {
            let (uid, dep) = (m.user_id, m.department_id);
            if let Some(u) = d.users.get_mut(&uid) {
                u.departments.push(dep);
            }
        }
        for dep in rows.departments {
            d.departments.insert(
                dep.id,
                DeptInfo {
                    name: dep.name,
                    parent_id: dep.parent_id,
                },
            );
        }
        for st in rows.statuses {
            let (entity, status_id, name, sort, semantics, category) = (
                st.entity_id,
                st.status_id,
                st.name,
                st.sort,
                st.semantics,
                st.category_id,
            );
            let info = StageInfo {
                name,
                sort,
                semantics,
                pipeline: category.unwrap_or(0),
            };
            if entity == "DEAL_STAGE" || entity.starts_with("DEAL_STAGE_") {
                d.deal_stages.insert(status_id, info);
            } else if entity == "STATUS" {
                d.lead_statuses.insert(status_id, info);
            } else if entity.starts_with("DYNAMIC_") {
                d.item_stages.insert(status_id, info.name);
            } else if entity == "SOURCE" {
                d.sources.insert(status_id, info.name);
            } else if entity == "INDUSTRY" {
                d.industries.insert(status_id, info.name);
            }
        }
        d.projects = rows.projects.into_iter().map(|p| (p.id, p.name)).collect();
        if !d.pipelines.iter().any(|(id, _)| *id == 0) {
            d.pipelines.insert(0, (0, "Общая".to_string()));
        }
        Ok(d)
    }

    pub fn user_name(&self, id: Option<i64>) -> String {
        match id {
            Some(id) => self
                .users
                .get(&id)
                .map(|u| u.name.clone())
                .unwrap_or_else(|| format!("#{id}")),
            None => "—".to_string(),
        }
    }
    pub fn user_active(&self, id: i64) -> bool {
        self.users.get(&id).map(|u| u.active).unwrap_or(false)
    }
    pub fn dept_name(&self, id: i64) -> String {
        self.departments
            .get(&id)
            .map(|d| d.name.clone())
            .unwrap_or_else(|| {
                if id == 0 {
                    "—".into()
                } else {
                    format!("#{id}")
                }
            })
    }
    pub fn main_department(&self, user: Option<i64>) -> i64 {
        user.and_then(|u| self.users.get(&u))
            .map(|u| u.main_department())
            .unwrap_or(0)
    }
    pub fn pipeline_name(&self, id: i64) -> String {
        self.pipelines
            .iter()
            .find(|(p, _)| *p == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| format!("#{id}"))
    }
    pub fn stage_name(&self, id: &str) -> String {
        self.deal_stages
            .get(id)
            .map(|s| s.name.clone())
            .or_else(|| self.item_stages.get(id).cloned())
            .unwrap_or_else(|| id.to_string())
    }
    pub fn source_name(&self, id: &str) -> String {
        if id.is_empty() {
            return "—".to_string();
        }
        self.sources
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }
    /// The stages of a pipeline in the portal's order.
    pub fn pipeline_stages(&self, pipeline: i64) -> Vec<String> {
        let mut v: Vec<(&String, &StageInfo)> = self
            .deal_stages
            .iter()
            .filter(|(_, s)| s.pipeline == pipeline)
            .collect();
        v.sort_by(|a, b| a.1.sort.cmp(&b.1.sort).then(a.0.cmp(b.0)));
        v.into_iter().map(|(id, _)| id.clone()).collect()
    }

    /// The departments with all their sub-departments.
    pub fn with_subdepartments(&self, roots: &[i64]) -> HashSet<i64> {
        let mut children: HashMap<i64, Vec<i64>> = HashMap::new();
        for (id, d) in &self.departments {
            if let Some(p) = d.parent_id {
                children.entry(p).or_default().push(*id);
            }
        }
        let mut out = HashSet::new();
        let mut stack: Vec<i64> = roots.to_vec();
        while let Some(id) = stack.pop() {
            if out.insert(id) {
                if let Some(c) = children.get(&id) {
                    stack.extend(c.iter().copied());
                }
            }
        }
        out
    }
}
