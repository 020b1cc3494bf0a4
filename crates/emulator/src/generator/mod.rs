//! Deterministic generator of realistic companies (`generate(cfg) -> PortalData`).
//!
//! The same seed and `now` always give the same data. Generation is relative to `now`: history
//! reaches `months` back and nothing is dated after `now` except planned dates (deadlines, planned
//! activities). This module must never do I/O.

mod activities;
mod clock;
mod contacts;
mod crm;
pub mod dictionaries;
pub(crate) mod linked;
pub mod names;
mod org;
mod tasks;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::model::PortalData;

/// Size presets from unit tests up to benchmarks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Size {
    Tiny,
    Small,
    Demo,
    Large,
}

impl std::str::FromStr for Size {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "tiny" => Ok(Size::Tiny),
            "small" => Ok(Size::Small),
            "demo" => Ok(Size::Demo),
            "large" => Ok(Size::Large),
            other => Err(format!("unknown size '{other}' (tiny|small|demo|large)")),
        }
    }
}

/// Record counts behind a preset; each can be overridden in `CompanyConfig`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Volumes {
    pub managers: usize,
    pub deals: usize,
    pub leads: usize,
    pub activities: usize,
    pub tasks: usize,
    pub projects: usize,
}

impl Size {
    pub fn volumes(self) -> Volumes {
        match self {
            Size::Tiny => Volumes {
                managers: 5,
                deals: 150,
                leads: 200,
                activities: 900,
                tasks: 80,
                projects: 3,
            },
            Size::Small => Volumes {
                managers: 20,
                deals: 3_000,
                leads: 5_000,
                activities: 20_000,
                tasks: 1_000,
                projects: 6,
            },
            Size::Demo => Volumes {
                managers: 50,
                deals: 20_000,
                leads: 30_000,
                activities: 120_000,
                tasks: 5_000,
                projects: 12,
            },
            Size::Large => Volumes {
                managers: 200,
                deals: 1_000_000,
                leads: 400_000,
                activities: 5_000_000,
                tasks: 100_000,
                projects: 30,
            },
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CompanyConfig {
    pub seed: u64,
    pub size: Size,
    /// Unix seconds; generation is relative to it. Default: the current time.
    pub now: i64,
    /// Months of history (at least 24 for the presets).
    pub months: u32,
    /// The portal's time zone (default Europe/Moscow).
    #[serde(default = "moscow")]
    pub zone: crate::format::Zone,
    /// Overrides of the preset's volumes.
    pub volumes: Option<Volumes>,
    /// Linked child deals in department pipelines, bound to their sale by a `crm` user field (R7). Smart-process
    /// items bound by `parentId2` are generated for every company.
    #[serde(default)]
    pub linked_deals: bool,
    /// Smart processes with items bound to sales by `parentId2` (R7's relation links); `false` leaves a company
    /// with no smart processes, whose linked work (with `linked_deals`) goes through the user field alone.
    #[serde(default = "yes")]
    pub smart_items: bool,
}

fn yes() -> bool {
    true
}

impl Default for CompanyConfig {
    fn default() -> Self {
        CompanyConfig {
            seed: 1,
            size: Size::Tiny,
            now: chrono::Utc::now().timestamp(),
            months: 25,
            zone: crate::format::Zone::MOSCOW,
            volumes: None,
            linked_deals: false,
            smart_items: true,
        }
    }
}

impl CompanyConfig {
    pub fn new(seed: u64, size: Size) -> Self {
        CompanyConfig {
            seed,
            size,
            ..Default::default()
        }
    }

    pub fn with_now(mut self, now: i64) -> Self {
        self.now = now;
        self
    }

    /// The same company with linked child deals in department pipelines (R7's user-field links).
    pub fn with_linked_deals(mut self) -> Self {
        self.linked_deals = true;
        self
    }

    /// The same company without smart processes (R7's links then only through the user field of `linked_deals`).
    pub fn without_smart_items(mut self) -> Self {
        self.smart_items = false;
        self
    }

    pub fn volumes(&self) -> Volumes {
        self.volumes.unwrap_or_else(|| self.size.volumes())
    }
}

/// Shared generation context: the clock window and the random stream.
pub(crate) struct Gen {
    pub rng: ChaCha8Rng,
    pub now: i64,
    pub start: i64,
    pub zone: crate::format::Zone,
}

fn moscow() -> crate::format::Zone {
    crate::format::Zone::MOSCOW
}

/// Mixed into the seed for the contacts' random stream.
const CONTACTS_STREAM: u64 = 0xC0A7_AC75_0000_0001;
/// Mixed into the seed for linked work (R7), generated last so nothing before it changes.
const LINKED_STREAM: u64 = 0x11AE_D000_0000_0007;

/// Builds a whole portal from the config. Deterministic for a given seed + now.
pub fn generate(cfg: &CompanyConfig) -> PortalData {
    let vol = cfg.volumes();
    let months = cfg.months.max(1) as i64;
    let mut g = Gen {
        rng: ChaCha8Rng::seed_from_u64(cfg.seed),
        now: cfg.now,
        start: cfg.now - months * 30 * 86_400 - 86_400 * 5,
        zone: cfg.zone,
    };
    let mut data = PortalData {
        zone: cfg.zone,
        now: cfg.now,
        categories: dictionaries::categories(),
        statuses: dictionaries::statuses(),
        currencies: dictionaries::currencies(cfg.now),
        deal_fields: dictionaries::deal_fields(),
        lead_fields: dictionaries::lead_fields(),
        ..Default::default()
    };
    org::build(&mut g, &mut data, vol.managers.clamp(1, 400));
    crm::build(&mut g, &mut data, vol.deals, vol.leads);
    activities::build(&mut g, &mut data, vol.activities);
    tasks::build(&mut g, &mut data, vol.tasks, vol.projects.max(1));
    // Contacts come from a stream of their own: adding them left every earlier record unchanged.
    let mut parties = Gen {
        rng: ChaCha8Rng::seed_from_u64(cfg.seed ^ CONTACTS_STREAM),
        now: g.now,
        start: g.start,
        zone: g.zone,
    };
    contacts::build(&mut parties, &mut data);
    let mut linked = Gen {
        rng: ChaCha8Rng::seed_from_u64(cfg.seed ^ LINKED_STREAM),
        now: g.now,
        start: g.start,
        zone: g.zone,
    };
    linked::build(&mut linked, &mut data, cfg.linked_deals);
    if !cfg.smart_items {
        linked::drop_smart_processes(&mut data);
    }
    // Growth slack of the big vectors is hundreds of MB on the large preset.
    data.deals.shrink_to_fit();
    data.leads.shrink_to_fit();
    data.deal_history.shrink_to_fit();
    data.lead_history.shrink_to_fit();
    data.activities.shrink_to_fit();
    data.tasks.shrink_to_fit();
    data.contacts.shrink_to_fit();
    data
}
