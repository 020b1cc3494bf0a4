//! R7's links: which relations of the portal mean "child work of this sale", as the administrator chose them
//! (`linked_links` setting) or by the default rule, and the parent → child edges they give. Supported mechanisms:
//! a deal user field of type `crm` on the child naming its parent (`uf_parent:UF_…`), the same on the parent listing
//! its children (`uf_children:UF_…`), and smart-process items bound to a deal (`smart:<entityTypeId>`, the item's
//! `parentId2`). Values are parsed tolerantly (`D_12`, `12`, `["D_12","D_13"]`); anything naming another kind of
//! record (`C_5`, `L_7`) is not a deal and is skipped. Must never count anything.

use std::collections::BTreeSet;

use b24a_store::report_reads::FieldValueRow;
use b24a_store::{CrmItem, PortalId};
use serde::{Deserialize, Serialize};

use crate::context::PortalContext;
use crate::error::ReportError;
use crate::source::ReportSource;

/// The setting's key: a JSON array of link keys.
pub const KEY_LINKS: &str = "linked_links";

/// One supported link.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", content = "of", rename_all = "snake_case")]
pub enum Link {
    /// A `crm` field on the child deal holding its parent deal.
    UfParent(String),
    /// A `crm` field on the parent deal listing its children.
    UfChildren(String),
    /// Items of this smart process bound to a deal (`parentId2`).
    Smart(i64),
}

impl Link {
    /// The link's key as stored in the setting.
    pub fn key(&self) -> String {
        match self {
            Link::UfParent(f) => format!("uf_parent:{f}"),
            Link::UfChildren(f) => format!("uf_children:{f}"),
            Link::Smart(t) => format!("smart:{t}"),
        }
    }
    /// A key read back; `None` for anything else.
    pub fn parse(key: &str) -> Option<Link> {
        let (kind, of) = key.split_once(':')?;
        match kind {
            "uf_parent" if of.starts_with("UF_CRM_") => Some(Link::UfParent(of.to_string())),
            "uf_children" if of.starts_with("UF_CRM_") => Some(Link::UfChildren(of.to_string())),
            "smart" => of.parse().ok().filter(|t| *t > 0).map(Link::Smart),
            _ => None,
        }
    }
}

/// A child of a sale: a deal, or a smart-process item (type, id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ChildRef {
    Deal(i64),
    Item(i64, i64),
}

/// Item ids below this fit the one-number form of [`ChildRef::tally_id`] (Bitrix24 ids are far smaller).
const ITEM_SPAN: i64 = 1_000_000_000;

impl ChildRef {
    /// The one number a tally counts and a drill-down lists: a deal's id; an item's `-(entityTypeId × 10⁹ + id)`,
    /// negative so it never meets a deal id. [`ChildRef::from_tally_id`] reads it back.
    pub fn tally_id(&self) -> i64 {
        match *self {
            ChildRef::Deal(id) => id,
            ChildRef::Item(t, id) => -(t * ITEM_SPAN + id),
        }
    }
    /// The child a tally id names; `None` for 0 or a negative number that names no item.
    pub fn from_tally_id(n: i64) -> Option<ChildRef> {
        match n {
            n if n > 0 => Some(ChildRef::Deal(n)),
            0 | i64::MIN => None,
            n => {
                let (t, id) = ((-n) / ITEM_SPAN, (-n) % ITEM_SPAN);
                (t > 0 && id > 0).then_some(ChildRef::Item(t, id))
            }
        }
    }
}

/// The links the portal offers: every deal field of type `crm` (both directions) and every smart process.
pub async fn candidates(src: &ReportSource, portal: PortalId) -> Result<Vec<Link>, ReportError> {
    let mut out = Vec::new();
    for d in src.store().custom_field_defs(portal).await? {
        if d.entity_type == "DEAL" && d.user_type == "crm" {
            out.push(Link::UfParent(d.field_name.clone()));
            out.push(Link::UfChildren(d.field_name));
        }
    }
    for t in src.store().crm_types(portal).await? {
        out.push(Link::Smart(t.entity_type_id));
    }
    Ok(out)
}

/// The default choice: every smart process, plus the child-names-parent reading of the one `crm` field when the
/// portal has exactly one.
pub fn default_choice(candidates: &[Link]) -> Vec<Link> {
    let fields: Vec<&Link> = candidates
        .iter()
        .filter(|l| matches!(l, Link::UfParent(_)))
        .collect();
    let mut out: Vec<Link> = candidates
        .iter()
        .filter(|l| matches!(l, Link::Smart(_)))
        .cloned()
        .collect();
    if let [one] = fields.as_slice() {
        out.push((*one).clone());
    }
    out
}

/// The links in use: the stored choice (unknown or unreadable keys dropped), else the default.
pub async fn chosen(src: &ReportSource, ctx: &PortalContext) -> Result<Vec<Link>, ReportError> {
    Ok(choice(src, PortalId(ctx.portal_id)).await?.0)
}

/// The links in use and whether they are the default (no stored choice).
pub async fn choice(
    src: &ReportSource,
    portal: PortalId,
) -> Result<(Vec<Link>, bool), ReportError> {
    let stored = src
        .store()
        .setting_text(portal, KEY_LINKS)
        .await?
        .and_then(|t| serde_json::from_str::<Vec<String>>(t.trim()).ok());
    match stored {
        Some(keys) => {
            let set: BTreeSet<Link> = keys.iter().filter_map(|k| Link::parse(k)).collect();
            Ok((set.into_iter().collect(), false))
        }
        None => Ok((default_choice(&candidates(src, portal).await?), true)),
    }
}

/// Deal ids a `crm` field value names: `D_12` or a plain `12`, one or a JSON array of them.
pub fn deal_ids_of(value: &str) -> Vec<i64> {
    let one = |s: &str| -> Option<i64> {
        let s = s.trim();
        let id = match s.split_once('_') {
            Some(("D", rest)) => rest.parse().ok(),
            Some(_) => None,
            None => s.parse().ok(),
        };
        id.filter(|i: &i64| *i > 0)
    };
    let v = value.trim();
    if v.starts_with('[') {
        match serde_json::from_str::<Vec<serde_json::Value>>(v) {
            Ok(items) => items
                .iter()
                .filter_map(|x| match x {
                    serde_json::Value::String(s) => one(s),
                    serde_json::Value::Number(n) => n.as_i64().filter(|i| *i > 0),
                    _ => None,
                })
                .collect(),
            Err(_) => vec![],
        }
    } else {
        one(v).into_iter().collect()
    }
}

/// The parent → child edges the chosen links give, deduplicated (a child may have several parents).
pub async fn edges(
    src: &ReportSource,
    ctx: &PortalContext,
    links: &[Link],
) -> Result<(BTreeSet<(i64, ChildRef)>, Vec<CrmItem>), ReportError> {
    let portal = PortalId(ctx.portal_id);
    let mut out = BTreeSet::new();
    let mut items_out = Vec::new();
    let field = |rows: Vec<FieldValueRow>| -> Vec<(i64, Vec<i64>)> {
        rows.into_iter()
            .filter_map(|r| r.value.map(|v| (r.entity_id, deal_ids_of(&v))))
            .collect()
    };
    let smart: BTreeSet<i64> = links
        .iter()
        .filter_map(|l| match l {
            Link::Smart(t) => Some(*t),
            _ => None,
        })
        .collect();
    for link in links {
        match link {
            Link::UfParent(f) => {
                for (child, parents) in
                    field(src.store().report_field_values(portal, "DEAL", f).await?)
                {
                    for p in parents.into_iter().filter(|p| *p != child) {
                        out.insert((p, ChildRef::Deal(child)));
                    }
                }
            }
            Link::UfChildren(f) => {
                for (parent, children) in
                    field(src.store().report_field_values(portal, "DEAL", f).await?)
                {
                    for c in children.into_iter().filter(|c| *c != parent) {
                        out.insert((parent, ChildRef::Deal(c)));
                    }
                }
            }
            Link::Smart(_) => {}
        }
    }
    if !smart.is_empty() {
        for item in src.store().report_bound_items(portal).await? {
            if !smart.contains(&item.entity_type_id) {
                continue;
            }
            if let Some(p) = item.parent_deal_id {
                out.insert((p, ChildRef::Item(item.entity_type_id, item.id)));
                items_out.push(item);
            }
        }
    }
    Ok((out, items_out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tally_ids_round_trip_and_never_meet_deal_ids() {
        for c in [
            ChildRef::Deal(7),
            ChildRef::Item(1032, 7),
            ChildRef::Item(1, 999_999_999),
        ] {
            assert_eq!(ChildRef::from_tally_id(c.tally_id()), Some(c));
        }
        assert!(ChildRef::Item(1032, 7).tally_id() < 0);
        assert_eq!(ChildRef::from_tally_id(0), None);
        assert_eq!(
            ChildRef::from_tally_id(-5),
            None,
            "type 0 is no smart process"
        );
        assert_eq!(ChildRef::from_tally_id(-1032 * 1_000_000_000), None);
        assert_eq!(ChildRef::from_tally_id(i64::MIN), None);
    }

    #[test]
    fn field_values_are_read_tolerantly() {
        assert_eq!(deal_ids_of("D_12"), vec![12]);
        assert_eq!(deal_ids_of(" 7 "), vec![7]);
        assert_eq!(deal_ids_of(r#"["D_1", "C_2", 3, "L_4", "x"]"#), vec![1, 3]);
        assert_eq!(deal_ids_of("C_5"), Vec::<i64>::new());
        assert_eq!(deal_ids_of("[broken"), Vec::<i64>::new());
        assert_eq!(deal_ids_of("0"), Vec::<i64>::new());
    }

    #[test]
    fn keys_round_trip_and_default_takes_the_single_field() {
        for l in [
            Link::UfParent("UF_CRM_P".into()),
            Link::UfChildren("UF_CRM_C".into()),
            Link::Smart(1032),
        ] {
            assert_eq!(Link::parse(&l.key()), Some(l));
        }
        assert_eq!(Link::parse("smart:-1"), None);
        assert_eq!(Link::parse("uf_parent:TITLE"), None);
        let c = vec![
            Link::UfParent("UF_CRM_P".into()),
            Link::UfChildren("UF_CRM_P".into()),
            Link::Smart(1032),
        ];
        assert_eq!(
            default_choice(&c),
            vec![Link::Smart(1032), Link::UfParent("UF_CRM_P".into())]
        );
        let two = vec![
            Link::UfParent("UF_CRM_A".into()),
            Link::UfParent("UF_CRM_B".into()),
        ];
        assert!(default_choice(&two).is_empty());
    }
}
