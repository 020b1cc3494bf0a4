//! Record lists in real headless Chromium: a deal list of more than 12,000 deals paged to its end with the count
//! equal to the tile, filtered by status and sorted by amount on the server, exported whole to Excel; and the report
//! workbook's cover sheet (period as Excel dates, filters, export date) with no duplicate headers on any sheet.

use std::collections::HashSet;
use std::time::Duration;

use b24a_testkit::webdriver::Browser;
use b24a_testkit::xlsx::Val;
use serde_json::json;

fn digits(s: &str) -> u64 {
    s.chars()
        .filter(|c| c.is_ascii_digit())
        .collect::<String>()
        .parse()
        .unwrap_or(0)
}

/// Days since 1899-12-30 (Excel's serial date) of a `YYYY-MM-DD` day.
fn excel_serial(day: &str) -> f64 {
    let d = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
    (d - chrono::NaiveDate::from_ymd_opt(1899, 12, 30).unwrap()).num_days() as f64
}

fn assert_no_duplicate_headers(bytes: &[u8], sheet: usize) {
    let rows = b24a_testkit::xlsx::rows(bytes, sheet).unwrap();
    let header: Vec<String> = rows
        .get(1)
        .map(|r| {
            r.iter()
                .filter_map(|c| match c {
                    Some(Val::Str(s)) if !s.is_empty() => Some(s.clone()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let unique: HashSet<&String> = header.iter().collect();
    assert_eq!(
        unique.len(),
        header.len(),
        "sheet {sheet} repeats a header: {header:?}"
    );
}

/// Waits until the list in `sel` has drawn a page after `since` (its `data-ready` stamp changes).
async fn wait_list(b: &Browser, sel: &str, since: &str) -> String {
    let cond = format!("(() => {{ const l = document.querySelector('{sel}'); return !!l && !!l.dataset.ready && l.dataset.ready !== '{since}'; }})()");
    b.wait_for(&cond, 120).await.unwrap();
    b.js(&format!(
        "return document.querySelector('{sel}').dataset.ready"
    ))
    .await
    .unwrap()
    .as_str()
    .unwrap()
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_of_twelve_thousand_deals_pages_filters_sorts_and_exports() {
    // Three months of history with 15,000 deals: over 12,000 of them are created inside the last 80 days.
    let now = chrono::Utc::now().timestamp();
    let company: b24a_emulator::CompanyConfig = serde_json::from_value(json!({
        "seed": 7, "size": "small", "now": now, "months": 3,
        "volumes": {"managers": 12, "deals": 15000, "leads": 200, "activities": 1500, "tasks": 40, "projects": 2}
    }))
    .unwrap();
    let w = b24a_testkit::Kit::e2e(b24a_emulator::Size::Small)
        .company_config(company)
        .start()
        .await
        .unwrap();
    w.wait_first_import(Duration::from_secs(600)).await;
    // The period: the last 80 days, saved as the user's preset before the page opens (the page starts from it).
    let today = chrono::Utc::now().date_naive();
    let from = (today - chrono::Duration::days(79))
        .format("%Y-%m-%d")
        .to_string();
    let to = today.format("%Y-%m-%d").to_string();
    // The whole filter as the page keeps it (the filter bar reads every list).
    let filter = json!({
        "period": {"preset": "custom", "from": from, "to": to}, "compare": "previous", "bucket": "week",
        "pipelines": [], "departments": [], "employees": [], "sources": [], "projects": [], "custom_fields": []
    });
    let cfg = w.launch_config(1, "ru").await.unwrap();
    let saved = reqwest::Client::new()
        .put(format!("{}/api/presets/sales_dynamics", w.base))
        .header("x-b24a-session", cfg["session"].as_str().unwrap())
        .json(&json!({ "filter": filter }))
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), 200);
    // The report over HTTP first: how long it takes on this machine (printed), and a clear failure if it fails.
    let started = std::time::Instant::now();
    let answer = reqwest::Client::new()
        .post(format!("{}/api/reports/sales_dynamics", w.base))
        .header("x-b24a-session", cfg["session"].as_str().unwrap())
        .json(&json!({ "filter": filter }))
        .send()
        .await
        .unwrap();
    let status = answer.status();
    let text = answer.text().await.unwrap();
    assert_eq!(status, 200, "{}", &text[..text.len().min(500)]);
    println!("report over HTTP: {:?}", started.elapsed());
    let b = Browser::start(1440, 2200).await.unwrap();
    b.goto(&w.app_url(1, "ru")).await.unwrap();
    b.frame(Some(0)).await.unwrap();
    if let Err(e) = b
        .wait_for(
            "document.body && document.body.dataset.loaded==='sales_dynamics'",
            180,
        )
        .await
    {
        let shown = b
            .js("return document.body ? document.body.innerText.slice(0, 800) : 'no body'")
            .await;
        panic!("the report page did not load: {e}; it shows {shown:?}");
    }

    // The deal list counts what the "deals created" tile counts (cohort: created in the period).
    let tile = b
        .js("return document.querySelector('.tile[data-metric=deal_created] .value').innerText")
        .await
        .unwrap();
    let tile = digits(tile.as_str().unwrap());
    assert!(
        tile >= 12_000,
        "a list of at least 12,000 deals: the tile shows {tile}"
    );
    let sel = "[data-list=deals]";
    let mut stamp = wait_list(&b, sel, "").await;
    let counted = b
        .js(&format!(
            "return document.querySelector('{sel}').dataset.counted"
        ))
        .await
        .unwrap();
    assert_eq!(
        counted.as_str().unwrap().parse::<u64>().unwrap(),
        tile,
        "the list counts what the tile counts"
    );

    // 500 rows a page, paged to the end with "next": every deal once, no page overlapping another.
    b.js(&format!("const s=document.querySelector('{sel} select[name=page-size]'); s.value='500'; s.dispatchEvent(new Event('change'));")).await.unwrap();
    stamp = wait_list(&b, sel, &stamp).await;
    let mut ids: HashSet<i64> = HashSet::new();
    let mut pages = 0;
    loop {
        let page = b.js(&format!("return [...document.querySelectorAll('{sel} table.drill-list tbody tr')].map(r => Number(r.dataset.id))")).await.unwrap();
        for id in page.as_array().unwrap() {
            assert!(ids.insert(id.as_i64().unwrap()), "deal {id} shown twice");
        }
        pages += 1;
        let last = b
            .js(&format!(
                "return document.querySelector('{sel} button[name=next]').disabled"
            ))
            .await
            .unwrap();
        if last.as_bool().unwrap() {
            break;
        }
        b.js(&format!(
            "document.querySelector('{sel} button[name=next]').click()"
        ))
        .await
        .unwrap();
        stamp = wait_list(&b, sel, &stamp).await;
    }
    assert_eq!(ids.len() as u64, tile, "paging reaches every counted deal");
    assert_eq!(pages as u64, tile.div_ceil(500));

    // Filter by status "won": the count is the choice's count and every row says so in words.
    let won = b.js(&format!("const o=[...document.querySelectorAll('{sel} select[name=status] option')].find(o => o.value==='won'); return o ? o.innerText : ''")).await.unwrap();
    let won_count = digits(won.as_str().unwrap().rsplit('(').next().unwrap());
    assert!(won.as_str().unwrap().starts_with("Успешные"), "{won}");
    b.js(&format!("const s=document.querySelector('{sel} select[name=status]'); s.value='won'; s.dispatchEvent(new Event('change'));")).await.unwrap();
    stamp = wait_list(&b, sel, &stamp).await;
    let total = b
        .js(&format!(
            "return Number(document.querySelector('{sel}').dataset.total)"
        ))
        .await
        .unwrap();
    assert_eq!(total.as_u64().unwrap(), won_count);
    let col = b.js(&format!("return [...document.querySelectorAll('{sel} thead th')].findIndex(th => th.dataset.sort==='status')")).await.unwrap();
    let statuses = b.js(&format!("return [...document.querySelectorAll('{sel} tbody tr')].map(r => r.children[{col}].innerText)")).await.unwrap();
    assert!(
        statuses.as_array().unwrap().iter().all(|s| s == "Успешная"),
        "{statuses}"
    );

    // Sort by amount, largest first, on the server: the first page holds the largest amounts of all won deals.
    b.js(&format!(
        "document.querySelector('{sel} thead th[data-sort=amount]').click()"
    ))
    .await
    .unwrap();
    wait_list(&b, sel, &stamp).await;
    let amounts = b.js(&format!("const i=[...document.querySelectorAll('{sel} thead th')].findIndex(th => th.dataset.sort==='amount'); \
        return [...document.querySelectorAll('{sel} tbody tr')].map(r => Number(r.children[i].innerText.replace(/[^0-9]/g,'')))")).await.unwrap();
    let amounts: Vec<u64> = amounts
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert!(
        amounts.windows(2).all(|w| w[0] >= w[1]),
        "amounts descend: {amounts:?}"
    );
    // Column headers are words, never keys.
    let headers = b
        .js(&format!(
            "return [...document.querySelectorAll('{sel} thead th')].map(th => th.innerText)"
        ))
        .await
        .unwrap();
    for h in headers.as_array().unwrap() {
        let h = h.as_str().unwrap();
        assert!(
            h == "ID" || !h.chars().any(|c| c.is_ascii_alphabetic()),
            "a Russian header: {h}"
        );
    }

    // The whole filtered list to Excel: a cover with the period as dates, then every won deal, sorted.
    b.js(&format!(
        "document.querySelector('{sel} button[name=export-list]').click()"
    ))
    .await
    .unwrap();
    let (name, book) = b
        .downloaded_prefix("Динамика продаж — Список сделок", 120)
        .await
        .unwrap();
    assert_eq!(
        name,
        format!("Динамика продаж — Список сделок {from} — {to}.xlsx")
    );
    let cover = b24a_testkit::xlsx::rows(&book, 1).unwrap();
    let period = cover
        .iter()
        .find(|r| matches!(r.first(), Some(Some(Val::Str(s))) if s == "Период"))
        .expect("a period line");
    assert_eq!(
        period.get(1).cloned().flatten(),
        Some(Val::Num(excel_serial(&from))),
        "the period's start is an Excel date"
    );
    assert_eq!(
        period.get(2).cloned().flatten(),
        Some(Val::Num(excel_serial(&to)))
    );
    assert!(cover
        .iter()
        .any(|r| matches!(r.first(), Some(Some(Val::Str(s))) if s == "Выгружено")));
    let sheet = b24a_testkit::xlsx::rows(&book, 2).unwrap();
    assert_eq!(
        sheet.len() as u64 - 2,
        won_count,
        "title, header and every won deal"
    );
    assert_no_duplicate_headers(&book, 2);

    // The report's workbook: the cover's period, then blocks with no header twice.
    b.js("document.querySelector('button[name=export-all]').click()")
        .await
        .unwrap();
    let (name, whole) = b
        .downloaded_prefix("Динамика продаж 20", 120)
        .await
        .unwrap();
    assert_eq!(name, format!("Динамика продаж {from} — {to}.xlsx"));
    let cover = b24a_testkit::xlsx::rows(&whole, 1).unwrap();
    let period = cover
        .iter()
        .find(|r| matches!(r.first(), Some(Some(Val::Str(s))) if s == "Период"))
        .expect("a period line");
    assert_eq!(
        period.get(1).cloned().flatten(),
        Some(Val::Num(excel_serial(&from)))
    );
    let tiles = cover
        .iter()
        .find(|r| matches!(r.first(), Some(Some(Val::Str(s))) if s == "Создано сделок"))
        .expect("the created-deals tile");
    assert_eq!(tiles.get(1).cloned().flatten(), Some(Val::Num(tile as f64)));
    for sheet in 2..=b24a_testkit::xlsx::sheet_count(&whole).unwrap() {
        assert_no_duplicate_headers(&whole, sheet);
    }
}
