//! `PortalHandle` methods for companies, contacts and dictionaries (the admin API calls these too): each applies
//! its mutation and fires the returned events before returning. Holds no logic of its own.

use crate::emulator::PortalHandle;
use crate::error::EmulatorError;
use crate::mutations_dict::{self, NewStatus};
use crate::mutations_parties::{self, CompanyPatch, ContactPatch, NewCompany, NewContact};

impl PortalHandle {
    pub async fn create_company(&self, input: NewCompany) -> Result<i64, EmulatorError> {
        let (id, ev) = mutations_parties::create_company(&self.state, input)?;
        self.fire(ev).await;
        Ok(id)
    }
    pub async fn update_company(&self, id: i64, patch: CompanyPatch) -> Result<(), EmulatorError> {
        let ev = mutations_parties::update_company(&self.state, id, patch)?;
        self.fire(ev).await;
        Ok(())
    }
    pub async fn delete_company(&self, id: i64) -> Result<(), EmulatorError> {
        let ev = mutations_parties::delete_company(&self.state, id)?;
        self.fire(ev).await;
        Ok(())
    }
    pub async fn create_contact(&self, input: NewContact) -> Result<i64, EmulatorError> {
        let (id, ev) = mutations_parties::create_contact(&self.state, input)?;
        self.fire(ev).await;
        Ok(id)
    }
    pub async fn update_contact(&self, id: i64, patch: ContactPatch) -> Result<(), EmulatorError> {
        let ev = mutations_parties::update_contact(&self.state, id, patch)?;
        self.fire(ev).await;
        Ok(())
    }
    pub async fn delete_contact(&self, id: i64) -> Result<(), EmulatorError> {
        let ev = mutations_parties::delete_contact(&self.state, id)?;
        self.fire(ev).await;
        Ok(())
    }
    /// Adds a `crm.status.list` row (stage, source, industry ...).
    pub fn add_status(&self, input: NewStatus) -> Result<(), EmulatorError> {
        mutations_dict::add_status(&self.state, input)
    }
    pub fn delete_status(&self, entity_id: &str, status_id: &str) -> Result<(), EmulatorError> {
        mutations_dict::delete_status(&self.state, entity_id, status_id)
    }
    pub fn delete_currency(&self, code: &str) -> Result<(), EmulatorError> {
        mutations_dict::delete_currency(&self.state, code)
    }
    /// Creates a deal pipeline (stages NEW / WON / LOSE); returns its id.
    pub fn create_category(&self, name: &str) -> Result<i64, EmulatorError> {
        mutations_dict::create_category(&self.state, name)
    }
    pub fn delete_category(&self, id: i64) -> Result<(), EmulatorError> {
        mutations_dict::delete_category(&self.state, id)
    }
    /// Adds a deal or lead custom field (`entity` = `DEAL` / `LEAD`); returns its id.
    pub fn add_user_field(
        &self,
        entity: &str,
        def: crate::model::UserFieldDef,
    ) -> Result<i64, EmulatorError> {
        mutations_dict::add_user_field(&self.state, entity, def)
    }
    /// Deletes a deal or lead custom field with its values on the records.
    pub fn delete_user_field(&self, entity: &str, field_name: &str) -> Result<(), EmulatorError> {
        mutations_dict::delete_user_field(&self.state, entity, field_name)
    }
}
