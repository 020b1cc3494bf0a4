//! Server-rendered SVG charts for a report answer. Drawing is `b24a-charts`' job; this module only chooses which
//! tables of an answer become which chart. Until that crate offers its renderer, answers carry no charts and the
//! page shows the tables alone (never a broken image).

use serde_json::{json, Value};

use crate::i18n::Lang;

/// Charts of an answer as `[{key, title, svg}]`.
pub fn charts_for(_answer: &b24a_reports::Answer, _lang: Lang) -> Value {
    json!([])
}
