//! Per-user CRM edit rights, as a portal's role settings decide them: a user may edit every card (the default),
//! only the cards he is responsible for, or those of his departments (with their sub-departments). The write
//! methods (`methods/crm_write.rs`) ask [`may_edit`] before changing a card and answer the portal's refusal.
//!
//! Holds no HTTP and never changes a record.

use serde::{Deserialize, Serialize};

use crate::emulator::PortalHandle;
use crate::error::EmulatorError;
use crate::model::PortalData;

/// How much of the CRM a user may edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum EditRight {
    /// Every card (the portal's "all" permission; what a user without a setting gets).
    #[default]
    All,
    /// Cards of his departments and their sub-departments.
    Department,
    /// Only the cards he is responsible for.
    Own,
    /// No card at all.
    None,
}

/// Departments of `user` with all their sub-departments.
fn department_tree(data: &PortalData, user: i64) -> Vec<i64> {
    let mut out: Vec<i64> = data
        .users
        .iter()
        .find(|u| u.id == user)
        .map(|u| u.departments.clone())
        .unwrap_or_default();
    let mut i = 0;
    while i < out.len() {
        let parent = out[i];
        for d in &data.departments {
            if d.parent == Some(parent) && !out.contains(&d.id) {
                out.push(d.id);
            }
        }
        i += 1;
    }
    out
}

/// Whether `user` (an administrator passes always) may edit a card whose responsible is `owner`.
pub fn may_edit(data: &PortalData, user: i64, is_admin: bool, owner: i64) -> bool {
    if is_admin {
        return true;
    }
    match data.edit_rights.get(&user).copied().unwrap_or_default() {
        EditRight::All => true,
        EditRight::Own => owner == user,
        EditRight::None => false,
        EditRight::Department => {
            if owner == user {
                return true;
            }
            let tree = department_tree(data, user);
            data.users
                .iter()
                .find(|u| u.id == owner)
                .is_some_and(|u| u.departments.iter().any(|d| tree.contains(d)))
        }
    }
}

impl PortalHandle {
    /// Sets what `user` may edit in the CRM (tests of refusals per record).
    pub fn set_edit_right(&self, user: i64, right: EditRight) -> Result<(), EmulatorError> {
        let mut data = crate::mutations::write(&self.state)?;
        data.edit_rights.insert(user, right);
        Ok(())
    }
}
