//! Reading a report answer (the JSON `/api/reports/<id>` returns) by key, the way tests compare it with a page or
//! a hand count: a tile's value, a table column. Panics name what is missing (test support only).

use serde_json::Value;

/// The value of the tile `metric`.
pub fn tile_value(answer: &Value, metric: &str) -> Value {
    answer["tiles"]
        .as_array()
        .and_then(|tiles| tiles.iter().find(|t| t["metric"] == metric))
        .map(|t| t["value"].clone())
        .unwrap_or_else(|| panic!("no tile {metric} in {answer}"))
}

/// The cells of column `metric` of table `table`, one per row, subtotal rows left out.
pub fn column_values(answer: &Value, table: &str, metric: &str) -> Vec<Value> {
    let t = answer["tables"]
        .as_array()
        .and_then(|tables| tables.iter().find(|t| t["key"] == table))
        .unwrap_or_else(|| panic!("no table {table} in {answer}"));
    let column = t["columns"]
        .as_array()
        .and_then(|columns| columns.iter().position(|c| c["metric"] == metric))
        .unwrap_or_else(|| panic!("no column {metric} in table {table}"));
    t["rows"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .filter(|r| r["note"] != "subtotal")
                .map(|r| r["cells"][column]["value"].clone())
                .collect()
        })
        .unwrap_or_default()
}
