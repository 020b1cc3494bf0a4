//! Reads back what Excel would load from an .xlsx the app produced: sheet count and cell values (numbers stay
//! numbers, text comes from the shared-string table). A small independent reader of the XML parts, enough for
//! the workbooks `b24a-charts` writes; test support only.

use std::io::{Cursor, Read};

use anyhow::{anyhow, Context};

/// A stored cell value.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Num(f64),
    Str(String),
}

fn part(bytes: &[u8], name: &str) -> anyhow::Result<Option<String>> {
    let mut z = zip::ZipArchive::new(Cursor::new(bytes)).context("not a zip")?;
    let Ok(mut f) = z.by_name(name) else {
        return Ok(None);
    };
    let mut s = String::new();
    f.read_to_string(&mut s)?;
    Ok(Some(s))
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let i = tag.find(&key)? + key.len();
    tag[i..].split('"').next()
}

/// How many worksheets the workbook has.
pub fn sheet_count(bytes: &[u8]) -> anyhow::Result<usize> {
    let mut z = zip::ZipArchive::new(Cursor::new(bytes)).context("not a zip")?;
    Ok((0..z.len())
        .filter(|i| {
            z.by_index(*i)
                .map(|f| {
                    f.name()
                        .map(|n| n.starts_with("xl/worksheets/sheet"))
                        .unwrap_or(false)
                })
                .unwrap_or(false)
        })
        .count())
}

fn shared_strings(bytes: &[u8]) -> anyhow::Result<Vec<String>> {
    let Some(xml) = part(bytes, "xl/sharedStrings.xml")? else {
        return Ok(vec![]);
    };
    Ok(xml
        .split("<si>")
        .skip(1)
        .map(|si| {
            let si = si.split("</si>").next().unwrap_or("");
            si.split("<t")
                .skip(1)
                .filter_map(|t| {
                    t.split_once('>')
                        .map(|(_, r)| r.split("</t>").next().unwrap_or(""))
                })
                .map(unescape)
                .collect()
        })
        .collect())
}

fn column_index(r: &str) -> usize {
    r.chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .fold(0, |acc, c| {
            acc * 26 + (c.to_ascii_uppercase() as usize - 'A' as usize + 1)
        })
        - 1
}

/// Rows of sheet `n` (1-based), each as cells by column index (`None` = empty).
pub fn rows(bytes: &[u8], n: usize) -> anyhow::Result<Vec<Vec<Option<Val>>>> {
    let strings = shared_strings(bytes)?;
    let xml = part(bytes, &format!("xl/worksheets/sheet{n}.xml"))?
        .ok_or_else(|| anyhow!("no sheet {n}"))?;
    let mut out = Vec::new();
    for row in xml.split("<row ").skip(1) {
        let row = row.split("</row>").next().unwrap_or("");
        let mut cells: Vec<Option<Val>> = Vec::new();
        for c in row.split("<c ").skip(1) {
            let (tag, rest) = c.split_once('>').unwrap_or((c, ""));
            let tag = format!(" {tag}");
            let Some(r) = attr(&tag, "r") else { continue };
            let col = column_index(r);
            let Some(v) = rest
                .split("<v>")
                .nth(1)
                .and_then(|v| v.split("</v>").next())
            else {
                continue;
            };
            let val = match attr(&tag, "t") {
                Some("s") => Val::Str(
                    strings
                        .get(v.parse::<usize>()?)
                        .cloned()
                        .unwrap_or_default(),
                ),
                Some("str") | Some("inlineStr") => Val::Str(unescape(v)),
                _ => Val::Num(v.parse()?),
            };
            if cells.len() <= col {
                cells.resize(col + 1, None);
            }
            cells[col] = Some(val);
        }
        out.push(cells);
    }
    Ok(out)
}
