//! R7 "linked work" in real headless Chromium on the demo company's kind of portal (child deals bound by a `crm`
//! field and smart-process items bound by `parentId2`, `CompanyConfig::with_linked_deals`) after its first import:
//! the drill-downs of a cell counting child deals, of one counting smart-process items, of the mixed "linked work"
//! tile and of the sales tile each list exactly as many records as the number shows, each opening its card; a
//! sale's time line (from a list of sales and from "sales waiting") lists as many children as the store links to
//! it, in the API's order, each linking to its card, and stays inside a phone's width.

use std::time::Duration;

use b24a_emulator::{CompanyConfig, Size};
use b24a_testkit::webdriver::Browser;
use b24a_testkit::Kit;
use serde_json::{json, Value};

fn digits(s: &str) -> f64 {
    s.chars()
        .filter(|c| c.is_ascii_digit())
        .collect::<String>()
        .parse()
        .unwrap_or(-1.0)
}

/// Clicks the number `link` (a CSS selector of an `a.count`), waits for its list in the side panel and returns
/// (number shown, list's `counted`, the rows' card paths of the first page).
async fn drill(b: &Browser, link: &str) -> (f64, f64, Vec<String>) {
    let shown = b
        .js(&format!(
            "const a=document.querySelector('{link}'); if (!a) return null; a.click(); return a.innerText;"
        ))
        .await
        .unwrap();
    let shown = digits(
        shown
            .as_str()
            .unwrap_or_else(|| panic!("no number at {link}")),
    );
    b.wait_for(
        "(() => { const l=document.querySelector('#slider [data-list=drill]'); return !!l && !!l.dataset.ready; })()",
        120,
    )
    .await
    .unwrap();
    let v = b
        .js("const l=document.querySelector('#slider [data-list=drill]'); \
             return [Number(l.dataset.counted), [...l.querySelectorAll('tbody tr')].map(r => r.dataset.path)];")
        .await
        .unwrap();
    let paths = v[1]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap_or("").to_string())
        .collect();
    (shown, v[0].as_f64().unwrap(), paths)
}

async fn close(b: &Browser) {
    b.js("const c=document.querySelector('#slider button[name=close]'); if (c) c.click();")
        .await
        .unwrap();
}

/// Waits for the time line in the side panel; returns its children's card paths in order.
async fn time_line(b: &Browser) -> Vec<String> {
    b.wait_for(
        "(() => { const v=document.querySelector('#slider .sale-view'); return !!v && !!v.dataset.ready; })()",
        60,
    )
    .await
    .unwrap();
    let v = b
        .js(
            "return [...document.querySelectorAll('#slider .sale-view li.tl-item')].map(li => \
             [li.dataset.path, li.querySelector('.tl-title a').getAttribute('href')])",
        )
        .await
        .unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| {
            let path = x[0].as_str().unwrap().to_string();
            assert!(
                x[1].as_str().unwrap().ends_with(&path),
                "the title links to the child's card: {x}"
            );
            path
        })
        .collect()
}

/// The children the store links to `sale` by the default choice (every smart process; the portal's one `crm`
/// deal field read as "the child names its sale"): card paths, sorted.
async fn children_in_store(w: &b24a_testkit::App, sale: i64) -> Vec<String> {
    let store = &w.state.store;
    let portal = w.portal_id().await;
    let mut out: Vec<String> = store
        .report_bound_items(portal)
        .await
        .unwrap()
        .into_iter()
        .filter(|i| i.parent_deal_id == Some(sale))
        .map(|i| format!("/crm/type/{}/details/{}/", i.entity_type_id, i.id))
        .collect();
    let fields: Vec<String> = store
        .custom_field_defs(portal)
        .await
        .unwrap()
        .into_iter()
        .filter(|d| d.entity_type == "DEAL" && d.user_type == "crm")
        .map(|d| d.field_name)
        .collect();
    assert_eq!(fields.len(), 1, "the demo company has one link field");
    let named: Vec<i64> = store
        .report_field_values(portal, "DEAL", &fields[0])
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.entity_id != sale && r.value.as_deref().is_some_and(|v| names_deal(v, sale)))
        .map(|r| r.entity_id)
        .collect();
    for d in store.report_deals_by_ids(portal, &named).await.unwrap() {
        out.push(format!("/crm/deal/details/{}/", d.id));
    }
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r7_drill_downs_count_what_the_numbers_show_and_a_sale_opens_its_time_line() {
    let w = Kit::e2e(Size::Tiny)
        .company_config(CompanyConfig::new(42, Size::Tiny).with_linked_deals())
        .start()
        .await
        .unwrap();
    w.wait_first_import(Duration::from_secs(300)).await;
    let today = chrono::Utc::now().date_naive();
    let from = (today - chrono::Duration::days(179))
        .format("%Y-%m-%d")
        .to_string();
    let to = today.format("%Y-%m-%d").to_string();
    let filter = json!({
        "period": {"preset": "custom", "from": from, "to": to}, "compare": "none", "bucket": "week",
        "pipelines": [], "departments": [], "employees": [], "sources": [], "projects": [], "custom_fields": []
    });
    let cfg = w.launch_config(1, "ru").await.unwrap();
    let session = cfg["session"].as_str().unwrap().to_string();
    let (status, _) = {
        let r = w
            .http
            .put(format!("{}/api/presets/linked", w.base))
            .header("x-b24a-session", &session)
            .json(&json!({ "filter": filter }))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), ())
    };
    assert_eq!(status, 200);
    // The smart-process step runs after the bulk kinds: wait until R7 counts both child deals and items.
    let by_work = |a: &Value| -> Vec<Value> {
        a["tables"]
            .as_array()
            .and_then(|t| t.iter().find(|t| t["key"] == "by_work"))
            .and_then(|t| t["rows"].as_array().cloned())
            .unwrap_or_default()
    };
    let kind_row = |rows: &[Value], prefix: &str| {
        rows.iter().position(|r| {
            r["group"]["key"]
                .as_str()
                .is_some_and(|k| k.starts_with(prefix))
                && r["cells"][0]["value"].as_f64() > Some(0.0)
        })
    };
    let mut answer = Value::Null;
    for _ in 0..240 {
        let (status, a) = w
            .post(&session, "/api/reports/linked", json!({ "filter": filter }))
            .await;
        assert_eq!(status, 200, "{a}");
        answer = a;
        let rows = by_work(&answer);
        if kind_row(&rows, "deal:").is_some() && kind_row(&rows, "smart:").is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let rows = by_work(&answer);
    let deal_row = kind_row(&rows, "deal:").expect("R7 counts child deals");
    let item_row = kind_row(&rows, "smart:").expect("R7 counts smart-process items");

    let b = Browser::start(1440, 1600).await.unwrap();
    b.goto(&w.app_url(1, "ru")).await.unwrap();
    b.frame(Some(0)).await.unwrap();
    b.wait_for(
        "document.body && document.body.dataset.loaded==='sales_dynamics'",
        120,
    )
    .await
    .unwrap();
    b.js("document.body.dataset.loaded=''; location.hash='#linked';")
        .await
        .unwrap();
    b.wait_for("document.body.dataset.loaded==='linked'", 120)
        .await
        .unwrap();

    // A cell counting child deals: that many deals, each a deal card.
    let cell = |row: usize| {
        format!(
            "table.grid[data-block=by_work] tbody tr:nth-child({}) td:nth-child(2) a.count",
            row + 1
        )
    };
    let expected = |row: usize| rows[row]["cells"][0]["value"].as_f64().unwrap();
    let (shown, counted, paths) = drill(&b, &cell(deal_row)).await;
    assert_eq!(shown, expected(deal_row));
    assert_eq!(counted, shown, "child deals: the list counts the number");
    assert!(
        paths.iter().all(|p| p.starts_with("/crm/deal/details/")),
        "{paths:?}"
    );
    close(&b).await;
    // A cell counting smart-process items: that many items, each its item card.
    let (shown, counted, paths) = drill(&b, &cell(item_row)).await;
    assert_eq!(shown, expected(item_row));
    assert_eq!(counted, shown, "items: the list counts the number");
    assert!(
        !paths.is_empty() && paths.iter().all(|p| p.starts_with("/crm/type/")),
        "{paths:?}"
    );
    close(&b).await;
    // The mixed tile: deals and items together.
    let (shown, counted, paths) = drill(&b, ".tile[data-metric=work_created] .value a").await;
    assert!(shown > 0.0);
    assert_eq!(counted, shown, "linked work: the list counts the number");
    if shown <= 100.0 {
        assert!(
            paths.iter().any(|p| p.starts_with("/crm/deal/")),
            "{paths:?}"
        );
        assert!(
            paths.iter().any(|p| p.starts_with("/crm/type/")),
            "{paths:?}"
        );
    }
    close(&b).await;
    // Sales: that many sales, each with its time line.
    let (shown, counted, _) = drill(&b, ".tile[data-metric=sales_with_work] .value a").await;
    assert!(shown > 0.0);
    assert_eq!(counted, shown, "sales: the list counts the number");
    let sale = b
        .js("const x=document.querySelector('#slider [data-list=drill] button[name=sale-view]'); x.click(); return Number(x.dataset.sale);")
        .await
        .unwrap()
        .as_i64()
        .expect("a list of sales opens a sale's time line");
    let paths = time_line(&b).await;
    let (status, api) = b
        .page_api(
            "GET",
            &format!(
                "/api/linked/sales/{sale}?filter={}",
                urlencode(&filter.to_string())
            ),
            None,
        )
        .await
        .unwrap();
    assert_eq!(status, 200, "{api}");
    let api_paths: Vec<String> = api["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(paths, api_paths, "the page shows the API's time line");
    assert!(!paths.is_empty(), "a sale with work has children");
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        children_in_store(&w, sale).await,
        "every child the store links to sale {sale}, and only those"
    );
    let head = b
        .js("return document.querySelector('#slider .sale-head a').getAttribute('href')")
        .await
        .unwrap();
    assert!(
        head.as_str()
            .unwrap()
            .ends_with(&format!("/crm/deal/details/{sale}/")),
        "{head}"
    );
    let text = b
        .js("return document.querySelector('#slider').innerText")
        .await
        .unwrap();
    let text = text.as_str().unwrap();
    for code in ["in_work", "won", "lost", "undefined", "null", "NaN"] {
        assert!(
            !text
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .any(|w| w == code),
            "no code on the time line: {code} in {text}"
        );
    }
    // "←" returns to the list of sales.
    b.js("document.querySelector('#slider button[name=back]').click()")
        .await
        .unwrap();
    b.wait_for(
        "(() => { const l=document.querySelector('#slider [data-list=drill]'); return !!l && !!l.dataset.ready; })()",
        60,
    )
    .await
    .unwrap();
    close(&b).await;

    // From "sales waiting": the oldest waiting sale's time line, at desktop and phone widths.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/screenshots");
    for width in [1440u32, 390] {
        b.set_size(width, 1600).await.unwrap();
        // The oldest waiting sale when one waits, else the first sale with work (from its list).
        let waiting = b
            .js("return !!document.querySelector('table.grid[data-block=sales_waiting] button[name=sale-view]')")
            .await
            .unwrap()
            == json!(true);
        if !waiting {
            drill(&b, ".tile[data-metric=sales_with_work] .value a").await;
        }
        let sale = b
            .js("const x=document.querySelector('table.grid[data-block=sales_waiting] button[name=sale-view], #slider [data-list=drill] button[name=sale-view]'); \
                 x.click(); return Number(x.dataset.sale);")
            .await
            .unwrap()
            .as_i64()
            .expect("a sale opens its time line");
        let paths = time_line(&b).await;
        let mut sorted = paths.clone();
        sorted.sort();
        assert_eq!(sorted, children_in_store(&w, sale).await, "sale {sale}");
        if waiting {
            let open = b
                .js("return document.querySelectorAll('#slider li.tl-item.open').length")
                .await
                .unwrap();
            assert!(open.as_u64() > Some(0), "a waiting sale has open work");
        }
        let over = b
            .js("return [...document.querySelectorAll('#slider *')].filter(e => { const r=e.getBoundingClientRect(); \
                 return r.width > 0 && r.right > window.innerWidth + 1; }).map(e => e.tagName + '.' + e.className).slice(0, 5)")
            .await
            .unwrap();
        assert_eq!(over, json!([]), "{width}px: the time line fits the width");
        std::fs::write(
            dir.join(format!("linked-sale-ru-{width}.png")),
            b.screenshot().await.unwrap(),
        )
        .unwrap();
        close(&b).await;
    }
}

/// Whether a `crm` field value (`D_12`, `12`, or a JSON list of them) names deal `id` (read here on its own, not
/// with the report's parser).
fn names_deal(value: &str, id: i64) -> bool {
    let one = |s: &str| s.trim().trim_start_matches("D_").parse::<i64>().ok() == Some(id);
    match serde_json::from_str::<Vec<Value>>(value.trim()) {
        Ok(list) => list.iter().any(|x| match x {
            Value::String(s) => s.trim().starts_with("D_") && one(s) || one(s) && !s.contains('_'),
            Value::Number(n) => n.as_i64() == Some(id),
            _ => false,
        }),
        Err(_) => {
            let v = value.trim();
            (v.starts_with("D_") || !v.contains('_')) && one(v)
        }
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|c| match c {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (c as char).to_string()
            }
            _ => format!("%{c:02X}"),
        })
        .collect()
}
