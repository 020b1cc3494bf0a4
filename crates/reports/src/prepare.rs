//! What every report does before counting: resolve and validate the filter for the portal, load dictionaries,
//! build the scope; and the answer header (applied period, clamp, freshness). Must never count anything.

use crate::answer::{Meta, ReportId};
use crate::context::PortalContext;
use crate::dicts::Dicts;
use crate::error::ReportError;
use crate::filter::{Filter, Range, Resolved};
use crate::scope::Scope;
use crate::source::ReportSource;
use crate::tally::Side;

/// A validated request, ready to count.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub ctx: PortalContext,
    pub resolved: Resolved,
    pub dicts: Dicts,
    pub scope: Scope,
}

impl Prepared {
    pub async fn new(
        src: &ReportSource,
        ctx: &PortalContext,
        filter: &Filter,
    ) -> Result<Prepared, ReportError> {
        let resolved = filter.resolve(ctx)?;
        let dicts = Dicts::load(src.store(), ctx.portal_id).await?;
        let scope = Scope::build(src.store(), ctx, &dicts, filter).await?;
        Ok(Prepared {
            ctx: ctx.clone(),
            resolved,
            dicts,
            scope,
        })
    }

    /// The range of a side (the comparison range, when asked for and present).
    pub fn range(&self, side: Side) -> Option<Range> {
        match side {
            Side::Current => Some(self.resolved.period),
            Side::Comparison => self.resolved.comparison,
        }
    }

    pub async fn meta(
        &self,
        src: &ReportSource,
        report: ReportId,
        empty: bool,
        empty_reason: &'static str,
    ) -> Result<Meta, ReportError> {
        debug_assert!(
            crate::answer::EMPTY_REASONS.contains(&empty_reason),
            "{empty_reason} is not in EMPTY_REASONS, so the page has no words for it"
        );
        let r = &self.resolved;
        let locked = r.clamp.as_ref().is_some_and(|c| c.locked);
        let mut notes = vec![];
        for (key, fields) in [
            (
                "custom_fields_not_for_deals",
                &self.scope.custom_not_for_deals,
            ),
            (
                "custom_fields_not_for_leads",
                &self.scope.custom_not_for_leads,
            ),
        ] {
            if !fields.is_empty() {
                notes.push((key.to_string(), fields.join(", ")));
            }
        }
        if let Some(c) = &r.comparison_clamp {
            // The comparison reaches beyond the tier: no deltas (never "+2 993 (0)"); the page says why.
            notes.push((
                "comparison_beyond_tier".to_string(),
                c.applied_from.format("%Y-%m-%d").to_string(),
            ));
        }
        Ok(Meta {
            report,
            portal_id: self.ctx.portal_id,
            period: r.period,
            comparison: r.comparison,
            comparison_rule: r.comparison_rule,
            clamp: r.clamp.clone(),
            comparison_clamp: r.comparison_clamp.clone(),
            cohort: r.filter.cohort,
            bucket: r.filter.bucket,
            currency: self.ctx.base_currency.clone(),
            time_zone: self.ctx.tz.name(),
            generated_at: self.ctx.now,
            freshness: self.ctx.freshness(src.store()).await?,
            empty: empty || locked,
            empty_reason: if locked {
                Some("period_beyond_tier")
            } else if empty {
                Some(empty_reason)
            } else {
                None
            },
            notes,
        })
    }
}
