//! The kinds of synced records: the one list the store, the sync engine and its progress display share. Names are
//! the `sync_state.entity` names; each kind knows its table and, for numeric-id kinds, how to list, count and
//! delete by id (statuses and currencies are keyed by codes and only ever replaced whole). Holds no SQL beyond
//! table and filter names.

use serde::{Deserialize, Serialize};

/// A kind of synced record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    Users,
    Departments,
    Pipelines,
    /// crm.status.list rows (stages, lead statuses, sources, industries …), keyed by (entity_id, status_id).
    Statuses,
    /// Currencies, keyed by their code.
    Currencies,
    Companies,
    Contacts,
    Deals,
    Leads,
    DealStageHistory,
    LeadStageHistory,
    Activities,
    Calls,
    Projects,
    Tasks,
}

impl Entity {
    /// Every entity, in a stable order.
    pub const ALL: [Entity; 15] = [
        Entity::Users,
        Entity::Departments,
        Entity::Pipelines,
        Entity::Statuses,
        Entity::Currencies,
        Entity::Companies,
        Entity::Contacts,
        Entity::Deals,
        Entity::Leads,
        Entity::DealStageHistory,
        Entity::LeadStageHistory,
        Entity::Activities,
        Entity::Calls,
        Entity::Projects,
        Entity::Tasks,
    ];

    /// Small reference data (and projects): read whole from the portal and replaced whole in the store.
    pub const DICTIONARIES: [Entity; 6] = [
        Entity::Users,
        Entity::Departments,
        Entity::Pipelines,
        Entity::Statuses,
        Entity::Currencies,
        Entity::Projects,
    ];

    /// Large data, exported by ID cursor and then kept current incrementally (calls have their own date windows).
    pub const BULK: [Entity; 8] = [
        Entity::Deals,
        Entity::Leads,
        Entity::DealStageHistory,
        Entity::LeadStageHistory,
        Entity::Activities,
        Entity::Tasks,
        Entity::Companies,
        Entity::Contacts,
    ];

    /// The name used in `sync_state.entity` and in logs.
    pub fn name(self) -> &'static str {
        match self {
            Entity::Users => "users",
            Entity::Departments => "departments",
            Entity::Pipelines => "pipelines",
            Entity::Statuses => "statuses",
            Entity::Currencies => "currencies",
            Entity::Companies => "companies",
            Entity::Contacts => "contacts",
            Entity::Deals => "deals",
            Entity::Leads => "leads",
            Entity::DealStageHistory => "deal_stage_history",
            Entity::LeadStageHistory => "lead_stage_history",
            Entity::Activities => "activities",
            Entity::Calls => "calls",
            Entity::Projects => "projects",
            Entity::Tasks => "tasks",
        }
    }

    /// The entity of a name from [`Entity::name`].
    pub fn from_name(name: &str) -> Option<Entity> {
        Entity::ALL.into_iter().find(|e| e.name() == name)
    }

    pub(crate) fn table(self) -> &'static str {
        match self {
            Entity::DealStageHistory | Entity::LeadStageHistory => "stage_history",
            Entity::Statuses => "crm_statuses",
            other => other.name(),
        }
    }

    /// True for kinds keyed by a numeric Bitrix24 id (everything but statuses and currencies).
    pub fn has_numeric_id(self) -> bool {
        !matches!(self, Entity::Statuses | Entity::Currencies)
    }

    /// Refuses a code-keyed kind where an id is needed (id listings, range counts, deletes by id).
    pub(crate) fn numeric_id(self) -> Result<Entity, crate::StoreError> {
        if self.has_numeric_id() {
            Ok(self)
        } else {
            Err(crate::StoreError::invalid(
                "entity",
                "entity",
                format!("{} is keyed by codes, not by id", self.name()),
            ))
        }
    }

    /// The extra condition selecting this entity's rows in a shared table (stage history of deals vs leads).
    pub(crate) fn filter(self) -> &'static str {
        match self {
            Entity::DealStageHistory => " AND entity_type_id = 2",
            Entity::LeadStageHistory => " AND entity_type_id = 1",
            _ => "",
        }
    }
}

impl std::fmt::Display for Entity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
