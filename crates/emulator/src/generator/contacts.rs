//! Contacts (people at the client companies, and private clients) linked from deals, and the edits of companies
//! and contacts after creation (DATE_MODIFY).
//!
//! Runs last, on its own random stream derived from the seed, so every record generated before it (and its
//! values) stays exactly as it was before contacts existed. Ids ascend with creation time. Never creates deals,
//! leads, activities or tasks; only fills `Deal::contact_id` and `Company::date_modify`.

use rand::Rng;

use super::clock::{DAY, HOUR};
use super::dictionaries::SOURCES;
use super::names::{female_surname, FEMALE_FIRST, MALE_FIRST, SURNAMES};
use super::Gen;
use crate::model::{Contact, PortalData};

/// A contact before ids are assigned: creation time, company, and the private deal it was made for.
struct Draft {
    created: i64,
    company: Option<i64>,
    deal_index: Option<usize>,
    assigned: i64,
}

/// Share of deals without a company that carry a private contact.
const PRIVATE_CONTACT_SHARE: f64 = 0.7;

pub fn build(g: &mut Gen, data: &mut PortalData) {
    let now = g.now;
    let edited = |g: &mut Gen, created: i64, share: f64| -> i64 {
        if g.rng.gen_bool(share) {
            (created + g.rng.gen_range(HOUR..180 * DAY))
                .min(now - 1)
                .max(created)
        } else {
            created
        }
    };
    for c in data.companies.iter_mut() {
        c.date_modify = edited(g, c.date_create, 0.25);
    }

    let mut drafts: Vec<Draft> = Vec::new();
    for c in &data.companies {
        for _ in 0..g.rng.gen_range(1..=3) {
            drafts.push(Draft {
                created: (c.date_create + g.rng.gen_range(0..30 * DAY)).min(now - 60),
                company: Some(c.id),
                deal_index: None,
                assigned: c.assigned_by_id,
            });
        }
    }
    for (i, d) in data.deals.iter().enumerate() {
        if d.company_id.is_none() && g.rng.gen_bool(PRIVATE_CONTACT_SHARE) {
            drafts.push(Draft {
                created: (d.date_create - g.rng.gen_range(0..2 * DAY)).max(g.start),
                company: None,
                deal_index: Some(i),
                assigned: d.assigned_by_id,
            });
        }
    }
    drafts.sort_by_key(|d| (d.created, d.company, d.deal_index));

    // The company's contacts in id order, for the deals' CONTACT_ID.
    let mut by_company: Vec<Vec<i64>> = vec![Vec::new(); data.companies.len() + 1];
    let mut contacts = Vec::with_capacity(drafts.len());
    for (i, d) in drafts.into_iter().enumerate() {
        let id = i as i64 + 1;
        let (name, last_name) = if g.rng.gen_bool(0.5) {
            (g.pick(MALE_FIRST).to_string(), g.pick(SURNAMES).to_string())
        } else {
            (
                g.pick(FEMALE_FIRST).to_string(),
                female_surname(g.pick::<&str>(SURNAMES)),
            )
        };
        match (d.company, d.deal_index) {
            (Some(c), _) => {
                if let Some(list) = by_company.get_mut(c as usize) {
                    list.push(id);
                }
            }
            (None, Some(di)) => {
                if let Some(deal) = data.deals.get_mut(di) {
                    deal.contact_id = Some(id);
                }
            }
            _ => {}
        }
        let source = g.pick(SOURCES).0.to_string();
        contacts.push(Contact {
            id,
            name,
            last_name,
            company_id: d.company,
            assigned_by_id: d.assigned,
            source_id: Some(source),
            date_create: d.created,
            date_modify: edited(g, d.created, 0.2),
        });
    }
    for deal in data.deals.iter_mut() {
        if let Some(c) = deal.company_id {
            if let Some(list) = by_company.get(c as usize).filter(|l| !l.is_empty()) {
                deal.contact_id = Some(list[deal.id as usize % list.len()]);
            }
        }
    }
    data.contacts = contacts;
}
