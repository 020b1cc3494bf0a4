//! The kinds of synced records that carry a numeric Bitrix24 id, for reconciliation (id listing, counts) and
//! deletes by id. Names match the `sync_state.entity` names the sync engine uses. Holds no SQL beyond table and
//! filter names.

use serde::{Deserialize, Serialize};

/// A kind of synced record with a numeric id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    Users,
    Departments,
    Pipelines,
    Companies,
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
    pub const ALL: [Entity; 12] = [
        Entity::Users,
        Entity::Departments,
        Entity::Pipelines,
        Entity::Companies,
        Entity::Deals,
        Entity::Leads,
        Entity::DealStageHistory,
        Entity::LeadStageHistory,
        Entity::Activities,
        Entity::Calls,
        Entity::Projects,
        Entity::Tasks,
    ];

    /// The name used in `sync_state.entity` and in logs.
    pub fn name(self) -> &'static str {
        match self {
            Entity::Users => "users",
            Entity::Departments => "departments",
            Entity::Pipelines => "pipelines",
            Entity::Companies => "companies",
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
            other => other.name(),
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
