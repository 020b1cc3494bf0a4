//! Portal-side `app.info`: app context answers ID/CODE/VERSION/STATUS/INSTALLED/PAYMENT_EXPIRED/
//! DAYS/LICENSE; a webhook gets `{SCOPE, LICENSE}` only.
//!
//! Read-only; the trusted OAuth-server variant lives in `oauth`.

use serde_json::json;

use super::{Ctx, MethodResult, Output};
use crate::error::RestError;

pub fn app_info(ctx: &Ctx) -> MethodResult {
    let Some(client_id) = &ctx.caller.client_id else {
        return Ok(Output::plain(
            json!({"SCOPE": ctx.caller.scope.join(","), "LICENSE": "ru_std"}),
            ctx,
        ));
    };
    let installs = ctx
        .portal
        .installs
        .lock()
        .map_err(|_| RestError::legacy("Internal error"))?;
    let inst = installs
        .get(client_id)
        .ok_or_else(|| RestError::new(401, "APPLICATION_NOT_FOUND", "Application not found"))?;
    let code = ctx
        .portal
        .shared
        .apps
        .lock()
        .ok()
        .and_then(|a| a.get(client_id).map(|r| (r.code.clone(), r.version)))
        .unwrap_or_else(|| (client_id.clone(), 1));
    Ok(Output::plain(
        json!({
            "ID": inst.app_id,
            "CODE": code.0,
            "VERSION": code.1,
            "STATUS": inst.status.status,
            "INSTALLED": inst.installed,
            "PAYMENT_EXPIRED": if inst.status.payment_expired {"Y"} else {"N"},
            "DAYS": inst.status.days,
            "LANGUAGE_ID": "ru",
            "LICENSE": "ru_std",
            "LICENSE_TYPE": "std",
            "LICENSE_FAMILY": "std",
        }),
        ctx,
    ))
}
