//! Every page as a sales director sees it, in real headless Chromium, at 1440 and 390 px, in Russian and English:
//! the page body never runs wider than a phone, every tab can be reached, charts fit the column, the Russian UI
//! shows no code or English word of the app's own (checked over the rendered text against the codes the app knows),
//! and a chart of eight series draws each in its own colour.

use std::collections::BTreeSet;
use std::time::Duration;

use b24a_testkit::webdriver::Browser;
use b24a_testkit::Kit;
use serde_json::Value;

const PAGES: [&str; 9] = [
    "sales_dynamics",
    "managers",
    "plan",
    "marketing",
    "tasks",
    "forget_me_not",
    "linked",
    "tidy",
    "settings",
];

async fn open(b: &Browser, page: &str) {
    b.js(&format!(
        "document.body.dataset.loaded=''; location.hash='#{page}';"
    ))
    .await
    .unwrap();
    b.wait_for(&format!("document.body.dataset.loaded==='{page}'"), 60)
        .await
        .unwrap();
}

/// Codes the app itself knows and must never show to a Russian reader: metric keys (from the app's own
/// definitions), status groups, activity and client type codes, the field ids of the API.
async fn known_codes(b: &Browser) -> Vec<String> {
    let keys = b
        .js_async(
            "const done=arguments[arguments.length-1]; const s=JSON.parse(document.getElementById('b24a-config').textContent).session; \
             fetch('/api/definitions',{headers:{'x-b24a-session':s}}).then(r=>r.json()).then(d=>done(d.map(x=>x.key))).catch(e=>done([]));",
        )
        .await
        .unwrap();
    let mut codes: Vec<String> = keys
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    assert!(codes.len() > 40, "the app's metric keys: {codes:?}");
    for c in [
        "in_work",
        "won",
        "lost",
        "todo",
        "CUSTOMER",
        "CLIENT",
        "status_code",
        "period_start",
        "lead_days",
        "deal_days",
        "pipeline_id",
        "stage_id",
        "owner_path",
        "days_since",
        "undefined",
        "NaN",
        "null",
    ] {
        codes.push(c.to_string());
    }
    codes
}

/// English words of the app's own vocabulary that a Russian page must not show.
const ENGLISH: &[&str] = &[
    "Total",
    "Deals",
    "Leads",
    "Apply",
    "Reset",
    "Settings",
    "Loading",
    "Other",
    "Title",
    "records",
    "Period",
    "Compare",
    "Filters",
    "Save",
    "Delete",
    "Remove",
    "Error",
    "Stages",
    "Dynamics",
    "Employees",
    "Share",
];

/// Words of the rendered page that are a known code or an English word (whole words only).
async fn foreign_words(b: &Browser, codes: &[String]) -> Vec<String> {
    // Every text node of the page, chart text included, except portal data written as codes by the portal's users
    // themselves (UTM tags such as "spring_sale") and hover titles.
    let text = b
        .js("const w=document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT); const out=[]; let n; \
             while ((n = w.nextNode())) { const p = n.parentElement; \
               if (!p || p.closest('script, style, title, table.grid[data-block=by_utm] td:first-child')) continue; out.push(n.textContent); } \
             return out.join(' ');")
        .await
        .unwrap();
    let text = text.as_str().unwrap_or("");
    let words: BTreeSet<&str> = text
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .collect();
    let mut bad: Vec<String> = words
        .iter()
        .filter(|w| {
            codes.iter().any(|c| c == *w)
                || ENGLISH.contains(w)
                // A word with an underscore is always a code here (snake_case keys, stage ids such as
                // DT1032_1, field codes UF_CRM_…): no portal name is written so.
                || w.contains('_')
        })
        .map(|w| w.to_string())
        .collect();
    bad.sort();
    bad
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_at_desktop_and_phone_widths_in_both_languages() {
    let w = Kit::e2e(b24a_emulator::Size::Small)
        .at(b24a_testkit::SCREENSHOT_NOW)
        .start()
        .await
        .unwrap();
    w.wait_first_import(Duration::from_secs(300)).await;
    let b = Browser::start(1440, 1600).await.unwrap();
    let mut eight_series_seen = false;
    for lang in ["ru", "en"] {
        for width in [1440u32, 390] {
            b.set_size(width, 1600).await.unwrap();
            b.goto(&w.app_url(1, lang)).await.unwrap();
            b.frame(Some(0)).await.unwrap();
            b.wait_for(
                "document.body && document.body.dataset.loaded==='sales_dynamics'",
                60,
            )
            .await
            .unwrap();
            let codes = known_codes(&b).await;
            // Every tab in sight: inside the viewport, not clipped by a scrolling bar.
            let tabs = b
                .js("return [...document.querySelectorAll('#tabs a')].map(a => { const r=a.getBoundingClientRect(); \
                     return [a.dataset.report, r.width > 0 && r.left >= 0 && r.right <= window.innerWidth + 0.5]; })")
                .await
                .unwrap();
            let tabs = tabs.as_array().unwrap();
            assert_eq!(
                tabs.len(),
                9,
                "{lang} {width}: seven reports, the tidy-up page and settings"
            );
            for t in tabs {
                assert_eq!(
                    t[1],
                    Value::Bool(true),
                    "{lang} {width}: tab {} out of sight",
                    t[0]
                );
            }
            for page in PAGES {
                open(&b, page).await;
                let ctx = format!("{page} {lang} {width}px");
                // The pages added last get their pictures here in both languages (the six reports' are taken by
                // the browser test).
                if ["linked", "tidy"].contains(&page) {
                    b.js("window.scrollTo(0,0)").await.unwrap();
                    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                        .join("../docs/screenshots");
                    std::fs::write(
                        dir.join(format!("{page}-{lang}-{width}.png")),
                        b.screenshot().await.unwrap(),
                    )
                    .unwrap();
                }
                assert_eq!(
                    b.js("return document.querySelectorAll('.error-box').length")
                        .await
                        .unwrap(),
                    0,
                    "{ctx}: no error"
                );
                if width == 390 {
                    let over = b
                        .js("return [document.documentElement.scrollWidth, window.innerWidth, \
                             [...document.querySelectorAll('body *')].filter(e => { const r=e.getBoundingClientRect(); \
                               return r.width > 0 && r.right > window.innerWidth + 1 && !e.closest('.grid-wrap, .chart, .multi .menu, .tip, #slider'); }) \
                               .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))]")
                        .await
                        .unwrap();
                    assert!(
                        over[0].as_f64().unwrap() <= over[1].as_f64().unwrap(),
                        "{ctx}: the page runs wider than the phone: {over}"
                    );
                    let charts = b
                        .js("return [...document.querySelectorAll('.chart svg')].filter(s => s.getBoundingClientRect().right > window.innerWidth + 1).length")
                        .await
                        .unwrap();
                    assert_eq!(charts, 0, "{ctx}: every chart fits the width");
                }
                if lang == "ru" {
                    let bad = foreign_words(&b, &codes).await;
                    assert!(
                        bad.is_empty(),
                        "{ctx}: codes or English words on the Russian page: {bad:?}"
                    );
                }
                // No two series of one chart share a colour (legend swatches are the series' colours).
                let legends = b
                    .js("return [...document.querySelectorAll('.chart')].map(c => [c.dataset.chart, \
                         [...c.querySelectorAll('g.legend rect')].map(r => (r.getAttribute('fill') || '').toLowerCase())])")
                    .await
                    .unwrap();
                for l in legends.as_array().unwrap() {
                    let fills: Vec<&str> = l[1]
                        .as_array()
                        .unwrap()
                        .iter()
                        .filter_map(|v| v.as_str())
                        .collect();
                    let distinct: BTreeSet<&&str> = fills.iter().collect();
                    assert_eq!(
                        distinct.len(),
                        fills.len(),
                        "{ctx}: chart {} repeats a colour: {fills:?}",
                        l[0]
                    );
                    eight_series_seen |= fills.len() >= 8;
                }
            }
        }
    }
    assert!(
        eight_series_seen,
        "a chart with eight series (source dynamics: top seven and 'other')"
    );
}
