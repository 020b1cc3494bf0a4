//! Whose records a caller may see: the row-level data scope. The server decides it per request from verified facts
//! only (session user, access rules, the synced department tree with its heads) and hands it over in the
//! [`crate::PortalContext`]; the reports only apply it, as one more intersection of the people a filter lets
//! through (see `scope.rs`), so every number and the list behind it shrink alike. Must never read a request or
//! decide access itself.

use std::collections::HashSet;

use crate::dicts::Dicts;

/// The people whose records a caller may see.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum DataScope {
    /// Everything, unassigned records included (administrators, rules granting the whole company).
    #[default]
    Company,
    /// The user's own records plus every record of the members of `roots` and their sub-departments. Records
    /// nobody is responsible for are not among them.
    Limited { user: i64, roots: Vec<i64> },
}

impl DataScope {
    /// The departments (with sub-departments) this scope covers; `None` = all.
    pub fn departments(&self, dicts: &Dicts) -> Option<HashSet<i64>> {
        match self {
            DataScope::Company => None,
            DataScope::Limited { roots, .. } => Some(dicts.with_subdepartments(roots)),
        }
    }

    /// The employees whose records this scope covers; `None` = everybody (and nobody, i.e. unassigned records).
    pub fn people(&self, dicts: &Dicts) -> Option<HashSet<i64>> {
        let DataScope::Limited { user, .. } = self else {
            return None;
        };
        let depts = self.departments(dicts).unwrap_or_default();
        let mut out: HashSet<i64> = dicts
            .users
            .iter()
            .filter(|(_, u)| u.departments.iter().any(|d| depts.contains(d)))
            .map(|(id, _)| *id)
            .collect();
        out.insert(*user);
        Some(out)
    }

    /// The wider of two scopes (a caller opening several reports under different rules: the dictionaries show
    /// the union).
    pub fn union(self, other: DataScope) -> DataScope {
        match (self, other) {
            (DataScope::Company, _) | (_, DataScope::Company) => DataScope::Company,
            (DataScope::Limited { user, mut roots }, DataScope::Limited { roots: r2, .. }) => {
                for r in r2 {
                    if !roots.contains(&r) {
                        roots.push(r);
                    }
                }
                DataScope::Limited { user, roots }
            }
        }
    }
}
