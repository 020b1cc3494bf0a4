//! R7's link settings: `GET /api/settings/linked` lists the links the portal offers (deal fields of type `crm`, read
//! either way, and smart processes), each named in the session's language, with the choice in use and whether it is
//! the default; `PUT /api/settings/linked` (administrators only) stores the choice. A key the portal does not offer is
//! a field-named 400 and nothing is stored. Never decides what a link counts (the reports do).

use axum::extract::State;
use axum::Json;
use b24a_reports::r7_links::{self, Link};
use serde::Deserialize;
use serde_json::{json, Value};

use super::Caller;
use crate::app::AppState;
use crate::error::AppError;
use crate::i18n::Lang;

/// A link in words: the field's label (else its code) or the smart process's title, and what the link means.
fn name(link: &Link, labels: &[(String, String)], types: &[(i64, String)], lang: Lang) -> String {
    let field = |f: &str| {
        labels
            .iter()
            .find(|(n, _)| n == f)
            .map(|(_, l)| l.clone())
            .unwrap_or_else(|| f.to_string())
    };
    match (link, lang) {
        (Link::UfParent(f), Lang::Ru) => format!(
            "Поле сделки «{}»: в дочерней сделке указана продажа",
            field(f)
        ),
        (Link::UfParent(f), Lang::En) => {
            format!("Deal field \"{}\": the child deal names its sale", field(f))
        }
        (Link::UfChildren(f), Lang::Ru) => format!(
            "Поле сделки «{}»: в продаже перечислены дочерние сделки",
            field(f)
        ),
        (Link::UfChildren(f), Lang::En) => format!(
            "Deal field \"{}\": the sale lists its child deals",
            field(f)
        ),
        (Link::Smart(t), l) => {
            let title = types
                .iter()
                .find(|(id, _)| id == t)
                .map(|(_, n)| n.clone())
                .unwrap_or_default();
            match l {
                Lang::Ru => format!("Смарт-процесс «{title}»: элементы, привязанные к сделке"),
                Lang::En => format!("Smart process \"{title}\": items bound to a deal"),
            }
        }
    }
}

async fn answer(state: &AppState, caller: &Caller) -> Result<Value, AppError> {
    let portal = caller.portal();
    let lang = Lang::from_code(&caller.0.lang);
    let candidates = r7_links::candidates(&state.reports, portal).await?;
    let (chosen, is_default) = r7_links::choice(&state.reports, portal).await?;
    let code = match lang {
        Lang::Ru => "ru",
        Lang::En => "en",
    };
    let labels: Vec<(String, String)> = state
        .store
        .custom_field_defs(portal)
        .await?
        .into_iter()
        .filter(|d| d.entity_type == "DEAL")
        .map(|d| {
            let l = d
                .labels
                .get(code)
                .or_else(|| d.labels.values().next())
                .cloned()
                .unwrap_or_else(|| d.field_name.clone());
            (d.field_name, l)
        })
        .collect();
    let types: Vec<(i64, String)> = state
        .store
        .crm_types(portal)
        .await?
        .into_iter()
        .map(|t| (t.entity_type_id, t.title))
        .collect();
    let rows: Vec<Value> = candidates
        .iter()
        .map(|l| json!({"key": l.key(), "name": name(l, &labels, &types, lang), "chosen": chosen.contains(l)}))
        .collect();
    Ok(json!({"links": rows, "is_default": is_default}))
}

/// `GET /api/settings/linked`.
pub async fn get_linked(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Value>, AppError> {
    Ok(Json(answer(&state, &caller).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkedBody {
    pub links: Vec<String>,
}

/// `PUT /api/settings/linked`: `{"links": ["smart:1032", "uf_parent:UF_CRM_PARENT_DEAL"]}`.
pub async fn put_linked(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<Value>,
) -> Result<Json<Value>, AppError> {
    caller.require_admin()?;
    let body: LinkedBody =
        serde_json::from_value(body).map_err(|e| AppError::Field("links".into(), e.to_string()))?;
    let offered = r7_links::candidates(&state.reports, caller.portal()).await?;
    for (i, key) in body.links.iter().enumerate() {
        if !Link::parse(key).is_some_and(|l| offered.contains(&l)) {
            return Err(AppError::Field(
                format!("links[{i}]"),
                format!("{key:?} is not a link this portal offers"),
            ));
        }
    }
    state
        .store
        .set_setting(
            caller.portal(),
            r7_links::KEY_LINKS,
            &body.links,
            Some(caller.0.user_id),
        )
        .await?;
    Ok(Json(answer(&state, &caller).await?))
}
