//! Writes workbooks and reads them back by unzipping the xlsx and parsing its XML independently,
//! so the assertions check what Excel will actually load (numeric cells, strings, sheet names).

use b24a_charts::{workbook, Cell, Column, ColumnKind, Table};
use std::collections::HashMap;
use std::io::{Cursor, Read};

fn part(bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut file = archive.by_name(name).unwrap();
    let mut text = String::new();
    file.read_to_string(&mut text).unwrap();
    text
}

fn shared_strings(bytes: &[u8]) -> Vec<String> {
    let xml = part(bytes, "xl/sharedStrings.xml");
    let doc = roxmltree::Document::parse(&xml).unwrap();
    doc.root_element()
        .children()
        .filter(|n| n.has_tag_name("si"))
        .map(|si| {
            si.descendants()
                .filter(|n| n.has_tag_name("t"))
                .filter_map(|t| t.text())
                .collect()
        })
        .collect()
}

#[derive(Debug, PartialEq)]
enum Read_ {
    Num(f64),
    Str(String),
}

/// Cell reference ("B3") → its stored value and style index, as the sheet XML says.
fn cells(bytes: &[u8], sheet: usize) -> HashMap<String, (Read_, u32)> {
    let strings = shared_strings(bytes);
    let xml = part(bytes, &format!("xl/worksheets/sheet{sheet}.xml"));
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let mut out = HashMap::new();
    for c in doc.descendants().filter(|n| n.has_tag_name("c")) {
        let r = c.attribute("r").unwrap().to_string();
        let style: u32 = c.attribute("s").map(|s| s.parse().unwrap()).unwrap_or(0);
        let Some(v) = c
            .children()
            .find(|n| n.has_tag_name("v"))
            .and_then(|v| v.text())
        else {
            continue;
        };
        let value = match c.attribute("t") {
            Some("s") => Read_::Str(strings[v.parse::<usize>().unwrap()].clone()),
            None | Some("n") => Read_::Num(v.parse().unwrap()),
            other => panic!("unexpected cell type {other:?} at {r}"),
        };
        out.insert(r, (value, style));
    }
    out
}

fn sheet_names(bytes: &[u8]) -> Vec<String> {
    let xml = part(bytes, "xl/workbook.xml");
    let doc = roxmltree::Document::parse(&xml).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name("sheet"))
        .map(|n| n.attribute("name").unwrap().to_string())
        .collect()
}

/// Number format code of a style index (cellXfs → numFmts), and whether its font is bold.
fn style_info(bytes: &[u8], style: u32) -> (String, bool) {
    let xml = part(bytes, "xl/styles.xml");
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let xfs = doc
        .descendants()
        .find(|n| n.has_tag_name("cellXfs"))
        .unwrap();
    let xf = xfs
        .children()
        .filter(|n| n.has_tag_name("xf"))
        .nth(style as usize)
        .unwrap();
    let num_id = xf.attribute("numFmtId").unwrap_or("0");
    let font_id: usize = xf.attribute("fontId").unwrap_or("0").parse().unwrap();
    let code = doc
        .descendants()
        .filter(|n| n.has_tag_name("numFmt"))
        .find(|n| n.attribute("numFmtId") == Some(num_id))
        .and_then(|n| n.attribute("formatCode"))
        .map(str::to_string)
        .unwrap_or_else(|| format!("builtin:{num_id}"));
    let fonts = doc.descendants().find(|n| n.has_tag_name("fonts")).unwrap();
    let font = fonts
        .children()
        .filter(|n| n.has_tag_name("font"))
        .nth(font_id)
        .unwrap();
    (code, font.children().any(|n| n.has_tag_name("b")))
}

fn deals_table() -> Table {
    Table {
        title: "Сделки: итоги [R1]".into(),
        columns: vec![
            Column {
                header: "Менеджер".into(),
                kind: ColumnKind::Text,
            },
            Column {
                header: "Сумма".into(),
                kind: ColumnKind::Money {
                    currency: "RUB".into(),
                },
            },
            Column {
                header: "Сделок".into(),
                kind: ColumnKind::Integer,
            },
            Column {
                header: "Конверсия".into(),
                kind: ColumnKind::Percent,
            },
            Column {
                header: "Создана".into(),
                kind: ColumnKind::Date,
            },
            Column {
                header: "Закрыта".into(),
                kind: ColumnKind::DateTime,
            },
            Column {
                header: "Карточка".into(),
                kind: ColumnKind::Link,
            },
        ],
        rows: vec![
            vec![
                "Иванов И.".into(),
                Cell::Number(1_250_000.5),
                Cell::Number(12.0),
                Cell::Number(0.64),
                "2024-03-01".into(),
                "2024-03-01T10:30:00+03:00".into(),
                Cell::Link {
                    text: "Сделка 42".into(),
                    url: "https://example.bitrix24.ru/crm/deal/details/42/".into(),
                },
            ],
            vec![
                "Петров П.".into(),
                Cell::Number(f64::NAN),
                Cell::Number(3.0),
                Cell::Empty,
                "not a date".into(),
                Cell::Empty,
                Cell::Link {
                    text: "bad".into(),
                    url: "javascript:alert(1)".into(),
                },
            ],
        ],
        totals: Some(vec![
            "Итого".into(),
            Cell::Number(1_250_000.5),
            Cell::Number(15.0),
        ]),
    }
}

#[test]
fn numbers_stay_numbers_and_text_stays_text() {
    let bytes = workbook(&[deals_table()]).unwrap();
    let c = cells(&bytes, 1);
    assert_eq!(c["A1"].0, Read_::Str("Сделки: итоги [R1]".into()));
    assert_eq!(c["A2"].0, Read_::Str("Менеджер".into()));
    assert_eq!(c["A3"].0, Read_::Str("Иванов И.".into()));
    assert_eq!(c["B3"].0, Read_::Num(1_250_000.5));
    assert_eq!(c["C3"].0, Read_::Num(12.0));
    assert_eq!(c["D3"].0, Read_::Num(0.64));
    // Excel serials computed independently: days since 1899-12-30.
    assert_eq!(c["E3"].0, Read_::Num(45352.0));
    assert_eq!(c["F3"].0, Read_::Num(45352.4375));
    assert_eq!(c["G3"].0, Read_::Str("Сделка 42".into()));
    // NaN is left blank, an unparseable date stays visible as text, an unsafe link keeps its text only.
    assert!(!c.contains_key("B4"));
    assert_eq!(c["E4"].0, Read_::Str("not a date".into()));
    assert_eq!(c["G4"].0, Read_::Str("bad".into()));
    assert_eq!(c["A5"].0, Read_::Str("Итого".into()));
    assert_eq!(c["B5"].0, Read_::Num(1_250_000.5));

    let (money_fmt, money_bold) = style_info(&bytes, c["B3"].1);
    assert!(money_fmt.starts_with("#,##0.00"), "{money_fmt}");
    assert!(!money_bold);
    assert_eq!(style_info(&bytes, c["D3"].1).0, "0.0%");
    assert_eq!(style_info(&bytes, c["E3"].1).0, "dd.mm.yyyy");
    let (total_fmt, total_bold) = style_info(&bytes, c["B5"].1);
    assert!(total_fmt.starts_with("#,##0.00") && total_bold);
    assert!(style_info(&bytes, c["A2"].1).1, "header is bold");
}

#[test]
fn sheet_has_frozen_header_autofilter_widths_and_one_hyperlink() {
    let bytes = workbook(&[deals_table()]).unwrap();
    let xml = part(&bytes, "xl/worksheets/sheet1.xml");
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let pane = doc.descendants().find(|n| n.has_tag_name("pane")).unwrap();
    assert_eq!(pane.attribute("ySplit"), Some("2"));
    assert_eq!(pane.attribute("state"), Some("frozen"));
    let filter = doc
        .descendants()
        .find(|n| n.has_tag_name("autoFilter"))
        .unwrap();
    assert_eq!(
        filter.attribute("ref"),
        Some("A2:G4"),
        "filter covers header and data, not totals"
    );
    let links: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("hyperlink"))
        .collect();
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].attribute("ref"), Some("G3"));
    assert_eq!(
        doc.descendants().filter(|n| n.has_tag_name("col")).count(),
        7
    );
    let rels = part(&bytes, "xl/worksheets/_rels/sheet1.xml.rels");
    assert!(rels.contains("https://example.bitrix24.ru/crm/deal/details/42/"));
}

#[test]
fn one_sheet_per_table_with_legal_unique_names() {
    let mut second = deals_table();
    second.title = "сделки  итоги  R1".into();
    let mut third = deals_table();
    third.title = "A very long block title that Excel would reject as a sheet name".into();
    third.totals = None;
    let bytes = workbook(&[deals_table(), second, third]).unwrap();
    let names = sheet_names(&bytes);
    assert_eq!(
        names,
        vec![
            "Сделки итоги R1",
            "сделки итоги R1 (2)",
            "A very long block title that Ex"
        ]
    );
    assert_eq!(cells(&bytes, 3)["B3"].0, Read_::Num(1_250_000.5));
}

#[test]
fn empty_inputs_still_make_a_valid_workbook() {
    let bytes = workbook(&[]).unwrap();
    assert_eq!(sheet_names(&bytes).len(), 1);
    let empty = Table {
        title: String::new(),
        columns: vec![],
        rows: vec![vec![Cell::Number(1.0)]],
        totals: None,
    };
    let bytes = workbook(&[empty]).unwrap();
    assert_eq!(sheet_names(&bytes), vec!["Sheet1"]);
}

#[test]
fn table_deserialises_from_plain_json() {
    let json = r#"{"title":"T","columns":[{"header":"N","kind":{"type":"integer"}},
        {"header":"S","kind":{"type":"money","currency":"USD"}},{"header":"L","kind":{"type":"link"}}],
        "rows":[[5, 10.25, {"text":"x","url":"https://a.b/"}],[null, "n/a", null]]}"#;
    let table: Table = serde_json::from_str(json).unwrap();
    assert_eq!(table.rows[0][0], Cell::Number(5.0));
    assert_eq!(table.rows[1][1], Cell::Text("n/a".into()));
    let bytes = workbook(&[table]).unwrap();
    let c = cells(&bytes, 1);
    assert_eq!(c["B3"].0, Read_::Num(10.25));
    assert_eq!(c["B4"].0, Read_::Str("n/a".into()));
}
