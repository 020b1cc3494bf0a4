//! `b24a-emulator`: a Bitrix24 portal over real HTTP for tests, benchmarks and demos — the REST
//! envelope and PHP quirks, paging, batch, limits, errors, an OAuth server, events, an admin API,
//! and a deterministic generator of realistic companies.
//!
//! Never linked into production paths of the product.

pub mod admin;
mod auth;
pub mod batch;
mod emulator;
pub mod envelope;
pub mod error;
pub mod events;
pub mod faults;
pub mod format;
pub mod generator;
mod handle_dict;
pub mod limits;
pub mod live;
mod methods;
pub mod model;
pub mod mutations;
pub mod mutations_dict;
pub mod mutations_items;
pub mod mutations_parties;
mod oauth;
mod pages;
pub mod php;
pub mod query;
pub mod rights;
mod server;
pub mod state;

pub use emulator::{
    start, Emulator, EmulatorOptions, IframeLaunch, InstallGrant, PortalHandle, PortalSpec,
};
pub use error::{EmulatorError, RestError};
pub use faults::Faults;
pub use format::Zone;
pub use generator::{generate, CompanyConfig, Size};
pub use limits::{CostModel, Limits};
pub use live::{LiveOffice, LiveOfficeHandle, TickReport};
pub use methods::im::Notification;
pub use model::*;
pub use mutations::{DealPatch, NewActivity, NewDeal, NewLead, NewTask};
pub use mutations_dict::NewStatus;
pub use mutations_parties::{CompanyPatch, ContactPatch, NewCompany, NewContact};
pub use oauth::TokenPair;
pub use rights::EditRight;
pub use state::{AppRegistration, AppStatus};
