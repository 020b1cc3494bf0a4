//! Changes to client companies and contacts made "by users" while the portal runs: create, edit, delete. Each
//! stamps DATE_MODIFY on the portal clock and returns the ONCRMCOMPANY* / ONCRMCONTACT* events to fire.
//!
//! Deleting a company or contact leaves the deals, leads and contacts that named it untouched (their
//! COMPANY_ID / CONTACT_ID keep the old id), so a store can keep showing history. Delivery of the returned events
//! is the caller's job.

use serde::{Deserialize, Serialize};

use crate::error::EmulatorError;
use crate::model::{Company, Contact};
use crate::mutations::{fields_event, not_found, write, PendingEvent};
use crate::state::PortalState;

/// Fields of a new company (admin API JSON uses the same names).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct NewCompany {
    pub title: String,
    /// A STATUS_ID of the INDUSTRY dictionary (default: the first one).
    pub industry: Option<String>,
    pub assigned_by_id: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CompanyPatch {
    pub title: Option<String>,
    pub industry: Option<String>,
    pub assigned_by_id: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct NewContact {
    pub name: String,
    pub last_name: String,
    pub company_id: Option<i64>,
    pub assigned_by_id: Option<i64>,
    pub source_id: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ContactPatch {
    pub name: Option<String>,
    pub last_name: Option<String>,
    /// `Some(0)` detaches the contact from its company.
    pub company_id: Option<i64>,
    pub assigned_by_id: Option<i64>,
}

fn check_industry(data: &crate::model::PortalData, code: &str) -> Result<(), EmulatorError> {
    if data
        .dictionary("INDUSTRY")
        .iter()
        .any(|s| s.status_id == code)
    {
        Ok(())
    } else {
        Err(EmulatorError::Invalid(format!(
            "industry {code} is not in the INDUSTRY dictionary"
        )))
    }
}

pub fn create_company(
    portal: &PortalState,
    input: NewCompany,
) -> Result<(i64, Vec<PendingEvent>), EmulatorError> {
    let now = portal.clock();
    let mut data = write(portal)?;
    let industry = match input.industry {
        Some(code) => {
            check_industry(&data, &code)?;
            code
        }
        None => data
            .dictionary("INDUSTRY")
            .first()
            .map(|s| s.status_id.clone())
            .unwrap_or_else(|| "OTHER".into()),
    };
    let id = data.companies.last().map(|c| c.id).unwrap_or(0) + 1;
    let user = input.assigned_by_id.unwrap_or(1);
    data.companies.push(Company {
        id,
        title: if input.title.is_empty() {
            format!("Компания #{id}")
        } else {
            input.title
        },
        industry,
        assigned_by_id: user,
        date_create: now,
        date_modify: now,
    });
    Ok((id, vec![fields_event("ONCRMCOMPANYADD", id, user)]))
}

pub fn update_company(
    portal: &PortalState,
    id: i64,
    patch: CompanyPatch,
) -> Result<Vec<PendingEvent>, EmulatorError> {
    let now = portal.clock();
    let mut data = write(portal)?;
    if let Some(code) = &patch.industry {
        check_industry(&data, code)?;
    }
    let idx = data
        .companies
        .binary_search_by_key(&id, |c| c.id)
        .map_err(|_| not_found("company", id))?;
    let c = &mut data.companies[idx];
    if let Some(t) = patch.title {
        c.title = t;
    }
    if let Some(i) = patch.industry {
        c.industry = i;
    }
    if let Some(a) = patch.assigned_by_id {
        c.assigned_by_id = a;
    }
    c.date_modify = now;
    Ok(vec![fields_event(
        "ONCRMCOMPANYUPDATE",
        id,
        c.assigned_by_id,
    )])
}

pub fn delete_company(portal: &PortalState, id: i64) -> Result<Vec<PendingEvent>, EmulatorError> {
    let mut data = write(portal)?;
    let idx = data
        .companies
        .binary_search_by_key(&id, |c| c.id)
        .map_err(|_| not_found("company", id))?;
    let user = data.companies[idx].assigned_by_id;
    data.companies.remove(idx);
    Ok(vec![fields_event("ONCRMCOMPANYDELETE", id, user)])
}

pub fn create_contact(
    portal: &PortalState,
    input: NewContact,
) -> Result<(i64, Vec<PendingEvent>), EmulatorError> {
    let now = portal.clock();
    let mut data = write(portal)?;
    if let Some(c) = input.company_id {
        crate::model::find_by_id(&data.companies, c, |x| x.id)
            .ok_or_else(|| not_found("company", c))?;
    }
    let id = data.contacts.last().map(|c| c.id).unwrap_or(0) + 1;
    let user = input.assigned_by_id.unwrap_or(1);
    data.contacts.push(Contact {
        id,
        name: input.name,
        last_name: if input.last_name.is_empty() {
            format!("Контакт #{id}")
        } else {
            input.last_name
        },
        company_id: input.company_id,
        assigned_by_id: user,
        source_id: input.source_id,
        date_create: now,
        date_modify: now,
    });
    Ok((id, vec![fields_event("ONCRMCONTACTADD", id, user)]))
}

pub fn update_contact(
    portal: &PortalState,
    id: i64,
    patch: ContactPatch,
) -> Result<Vec<PendingEvent>, EmulatorError> {
    let now = portal.clock();
    let mut data = write(portal)?;
    if let Some(c) = patch.company_id.filter(|c| *c != 0) {
        crate::model::find_by_id(&data.companies, c, |x| x.id)
            .ok_or_else(|| not_found("company", c))?;
    }
    let idx = data
        .contacts
        .binary_search_by_key(&id, |c| c.id)
        .map_err(|_| not_found("contact", id))?;
    let c = &mut data.contacts[idx];
    if let Some(n) = patch.name {
        c.name = n;
    }
    if let Some(n) = patch.last_name {
        c.last_name = n;
    }
    if let Some(co) = patch.company_id {
        c.company_id = (co != 0).then_some(co);
    }
    if let Some(a) = patch.assigned_by_id {
        c.assigned_by_id = a;
    }
    c.date_modify = now;
    Ok(vec![fields_event(
        "ONCRMCONTACTUPDATE",
        id,
        c.assigned_by_id,
    )])
}

pub fn delete_contact(portal: &PortalState, id: i64) -> Result<Vec<PendingEvent>, EmulatorError> {
    let mut data = write(portal)?;
    let idx = data
        .contacts
        .binary_search_by_key(&id, |c| c.id)
        .map_err(|_| not_found("contact", id))?;
    let user = data.contacts[idx].assigned_by_id;
    data.contacts.remove(idx);
    Ok(vec![fields_event("ONCRMCONTACTDELETE", id, user)])
}
