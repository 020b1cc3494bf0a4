//! Which records a filter lets through, besides the period: pipelines, people (employees ∩ departments with
//! sub-departments ∩ the caller's data scope), sources, projects and custom-field conditions. Built once per request
//! and checked per record by reports and drill-downs alike. Unknown ids are rejected here (HTTP 400), never silently
//! ignored; people outside the data scope are intersected away, never reported.

use std::collections::HashSet;

use b24a_store::{PortalId, Store};

use crate::context::PortalContext;
use crate::dicts::Dicts;
use crate::error::ReportError;
use crate::filter::{Filter, FilterError};

#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub pipelines: Option<HashSet<i64>>,
    /// Responsible employees allowed; `None` = everybody (including unassigned records).
    pub people: Option<HashSet<i64>>,
    /// Departments whose plan rows the caller may see (the data scope's tree); `None` = all.
    pub departments: Option<HashSet<i64>>,
    pub sources: Option<HashSet<String>>,
    pub projects: Option<HashSet<i64>>,
    /// Deals / leads matching every custom-field condition that applies to them (`None`: no condition does).
    pub custom_deals: Option<HashSet<i64>>,
    pub custom_leads: Option<HashSet<i64>>,
    /// Custom fields of the filter that deals / leads do not have: those conditions leave that entity unfiltered
    /// (a deal field says nothing about leads), and the answer says so.
    pub custom_not_for_deals: Vec<String>,
    pub custom_not_for_leads: Vec<String>,
}

impl Scope {
    pub async fn build(
        store: &Store,
        ctx: &PortalContext,
        dicts: &Dicts,
        f: &Filter,
    ) -> Result<Scope, ReportError> {
        let portal_id = ctx.portal_id;
        let mut s = Scope::default();
        if !f.pipelines.is_empty() {
            for (i, id) in f.pipelines.iter().enumerate() {
                if !dicts.pipelines.iter().any(|(p, _)| p == id) {
                    return Err(FilterError::invalid(
                        format!("pipelines[{i}]"),
                        format!("unknown pipeline {id}"),
                    )
                    .into());
                }
            }
            s.pipelines = Some(f.pipelines.iter().copied().collect());
        }
        let mut people: Option<HashSet<i64>> = None;
        if !f.employees.is_empty() {
            for (i, id) in f.employees.iter().enumerate() {
                if !dicts.users.contains_key(id) {
                    return Err(FilterError::invalid(
                        format!("employees[{i}]"),
                        format!("unknown employee {id}"),
                    )
                    .into());
                }
            }
            people = Some(f.employees.iter().copied().collect());
        }
        if !f.departments.is_empty() {
            for (i, id) in f.departments.iter().enumerate() {
                if !dicts.departments.contains_key(id) {
                    return Err(FilterError::invalid(
                        format!("departments[{i}]"),
                        format!("unknown department {id}"),
                    )
                    .into());
                }
            }
            let depts = dicts.with_subdepartments(&f.departments);
            let members: HashSet<i64> = dicts
                .users
                .iter()
                .filter(|(_, u)| u.departments.iter().any(|d| depts.contains(d)))
                .map(|(id, _)| *id)
                .collect();
            people = Some(match people {
                Some(p) => p.intersection(&members).copied().collect(),
                None => members,
            });
        }
        // The data scope is one more intersection: a filter naming people outside it shows nothing of theirs.
        if let Some(visible) = ctx.data_scope.people(dicts) {
            people = Some(match people {
                Some(p) => p.intersection(&visible).copied().collect(),
                None => visible,
            });
        }
        s.people = people;
        s.departments = ctx.data_scope.departments(dicts);
        if !f.sources.is_empty() {
            s.sources = Some(f.sources.iter().cloned().collect());
        }
        if !f.projects.is_empty() {
            for (i, id) in f.projects.iter().enumerate() {
                if !dicts.projects.contains_key(id) {
                    return Err(FilterError::invalid(
                        format!("projects[{i}]"),
                        format!("unknown project {id}"),
                    )
                    .into());
                }
            }
            s.projects = Some(f.projects.iter().copied().collect());
        }
        if !f.custom_fields.is_empty() {
            let deals = custom_matches(store, portal_id, "DEAL", f).await?;
            let leads = custom_matches(store, portal_id, "LEAD", f).await?;
            for (i, c) in f.custom_fields.iter().enumerate() {
                if !deals.fields.contains(&c.field) && !leads.fields.contains(&c.field) {
                    return Err(FilterError::invalid(
                        format!("custom_fields[{i}].field"),
                        format!("no deal or lead carries the custom field {:?}", c.field),
                    )
                    .into());
                }
            }
            let missing = |m: &Matches| -> Vec<String> {
                f.custom_fields
                    .iter()
                    .filter(|c| !m.fields.contains(&c.field))
                    .map(|c| c.field.clone())
                    .collect()
            };
            s.custom_not_for_deals = missing(&deals);
            s.custom_not_for_leads = missing(&leads);
            s.custom_deals = deals.ids;
            s.custom_leads = leads.ids;
        }
        Ok(s)
    }

    /// Whether a plan row of this employee or department is the caller's to see (a department row outside the data
    /// scope's tree is not, whatever the filter).
    pub fn plan_row(&self, user: Option<i64>, department: Option<i64>) -> bool {
        match (user, department) {
            (Some(u), _) => self.person(Some(u)),
            (None, Some(d)) => self.departments.as_ref().is_none_or(|s| s.contains(&d)),
            (None, None) => self.departments.is_none(),
        }
    }

    pub fn person(&self, user: Option<i64>) -> bool {
        match (&self.people, user) {
            (None, _) => true,
            (Some(p), Some(u)) => p.contains(&u),
            (Some(_), None) => false,
        }
    }
    fn source(&self, source: Option<&str>) -> bool {
        match &self.sources {
            None => true,
            Some(s) => s.contains(source.unwrap_or("")),
        }
    }
    pub fn deal(&self, id: i64, pipeline: i64, manager: Option<i64>, source: Option<&str>) -> bool {
        self.pipelines
            .as_ref()
            .is_none_or(|p| p.contains(&pipeline))
            && self.person(manager)
            && self.source(source)
            && self.custom_deals.as_ref().is_none_or(|c| c.contains(&id))
    }
    pub fn lead(&self, id: i64, manager: Option<i64>, source: Option<&str>) -> bool {
        self.person(manager)
            && self.source(source)
            && self.custom_leads.as_ref().is_none_or(|c| c.contains(&id))
    }
    pub fn task(&self, responsible: Option<i64>, project: Option<i64>) -> bool {
        self.person(responsible)
            && self
                .projects
                .as_ref()
                .is_none_or(|p| project.is_some_and(|g| p.contains(&g)))
    }
}

/// The records of one entity that pass the custom-field conditions, and which conditions apply to it.
struct Matches {
    /// `None` when no condition applies to the entity.
    ids: Option<HashSet<i64>>,
    /// The filter's fields that the entity has (some record of it carries the field).
    fields: HashSet<String>,
}

/// Ids of records of `entity` matching all custom-field conditions on fields the entity has (AND across fields, OR
/// across values; a multiple field matches when its JSON array contains the value).
async fn custom_matches(
    store: &Store,
    portal_id: i64,
    entity: &str,
    f: &Filter,
) -> Result<Matches, ReportError> {
    let mut acc: Option<HashSet<i64>> = None;
    let mut fields = HashSet::new();
    for cond in &f.custom_fields {
        let rows = store
            .report_field_values(PortalId(portal_id), entity, &cond.field)
            .await?;
        if rows.is_empty() {
            continue;
        }
        fields.insert(cond.field.clone());
        let ids: HashSet<i64> = rows
            .into_iter()
            .filter(|r| {
                r.value
                    .as_deref()
                    .is_some_and(|v| value_matches(v, &cond.values))
            })
            .map(|r| r.entity_id)
            .collect();
        acc = Some(match acc {
            Some(a) => a.intersection(&ids).copied().collect(),
            None => ids,
        });
    }
    Ok(Matches { ids: acc, fields })
}

fn value_matches(stored: &str, wanted: &[String]) -> bool {
    if wanted.iter().any(|w| w == stored) {
        return true;
    }
    if stored.starts_with('[') {
        if let Ok(serde_json::Value::Array(items)) =
            serde_json::from_str::<serde_json::Value>(stored)
        {
            return items.iter().any(|it| {
                let s = match it {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                wanted.contains(&s)
            });
        }
    }
    false
}
