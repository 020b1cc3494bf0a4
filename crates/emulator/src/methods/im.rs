//! Notifications (scope `im`): `im.notify.system.add` (a system notification from the app to any user; only through
//! an application's OAuth token, as Bitrix24 allows) and `im.notify.personal.add` (a personal notification from the
//! calling user). Delivered notifications go to the portal's inbox, which tests read through the admin route
//! `/_emulator/inbox`. This module must never deliver to a user the portal does not have.

use serde::Serialize;
use serde_json::Value;

use super::{Ctx, MethodResult, Output};
use crate::error::RestError;
use crate::php::{as_i64, as_str};

/// One delivered notification, as the inbox shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notification {
    /// The id `im.notify.*.add` answered (1, 2, … per portal).
    pub id: i64,
    /// `system` or `personal`.
    pub kind: &'static str,
    /// The recipient.
    pub user_id: i64,
    /// The sending user (the token's user; for a system notification it is shown as the app's).
    pub from_user_id: i64,
    /// The sending app's client id (`None` for a webhook).
    pub client_id: Option<String>,
    pub message: String,
    pub message_out: Option<String>,
    pub tag: Option<String>,
    pub sub_tag: Option<String>,
    /// Portal clock (unix seconds) when it was delivered.
    pub time: i64,
}

fn text(params: &Value, key: &str) -> Option<String> {
    params
        .get(key)
        .or_else(|| params.get(key.to_ascii_lowercase()))
        .and_then(as_str)
}

/// `im.notify.system.add`.
pub fn system_add(ctx: &Ctx, params: &Value) -> MethodResult {
    if ctx.caller.client_id.is_none() {
        // Bitrix24: "only available when called through the application".
        return Err(RestError::new(
            403,
            "WRONG_AUTH_TYPE",
            "Access for this method not allowed by this authorization type",
        ));
    }
    add(ctx, params, "system")
}

/// `im.notify.personal.add`.
pub fn personal_add(ctx: &Ctx, params: &Value) -> MethodResult {
    add(ctx, params, "personal")
}

fn add(ctx: &Ctx, params: &Value, kind: &'static str) -> MethodResult {
    let user_id = params
        .get("USER_ID")
        .or_else(|| params.get("user_id"))
        .and_then(as_i64)
        .unwrap_or(0);
    if user_id <= 0 {
        return Err(RestError::new(
            400,
            "USER_ID_EMPTY",
            "User ID can't be empty",
        ));
    }
    let message = text(params, "MESSAGE")
        .unwrap_or_default()
        .trim()
        .to_string();
    if message.is_empty() {
        return Err(RestError::new(
            400,
            "MESSAGE_EMPTY",
            "Message can't be empty",
        ));
    }
    let known = ctx
        .portal
        .data
        .read()
        .map(|d| d.users.iter().any(|u| u.id == user_id && u.active))
        .unwrap_or(false);
    if !known {
        // The portal creates nothing for a user it does not have (or a dismissed one) and answers `false`.
        return Ok(Output::plain(Value::Bool(false), ctx));
    }
    let tag = text(params, "TAG").filter(|t| !t.is_empty());
    let Ok(mut inbox) = ctx.portal.inbox.lock() else {
        return Err(RestError::new(
            500,
            "INTERNAL_SERVER_ERROR",
            "Internal server error",
        ));
    };
    if let Some(t) = &tag {
        // A notification with an existing tag (of the same app) replaces the earlier ones.
        inbox.retain(|n| !(n.tag.as_ref() == Some(t) && n.client_id == ctx.caller.client_id));
    }
    let id = ctx
        .portal
        .notify_seq
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        + 1;
    let id = i64::try_from(id).unwrap_or(i64::MAX);
    inbox.push(Notification {
        id,
        kind,
        user_id,
        from_user_id: ctx.caller.user_id,
        client_id: ctx.caller.client_id.clone(),
        message,
        message_out: text(params, "MESSAGE_OUT"),
        tag,
        sub_tag: text(params, "SUB_TAG"),
        time: ctx.now,
    });
    Ok(Output::plain(Value::from(id), ctx))
}
