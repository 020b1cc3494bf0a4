//! The app in real headless Chromium inside the emulated portal: install, the seven reports, filters, a drill-down,
//! exports clicked and read back from the download folder, a folded filter bar on a phone, settings, a forged launch that sees nothing, and screenshots at desktop and phone widths.

use std::time::Duration;

use b24a_testkit::answer::{column_values, tile_value};
use b24a_testkit::webdriver::Browser;
use b24a_testkit::xlsx::Val;
use b24a_testkit::Kit;
use serde_json::{json, Value};

const REPORTS: [&str; 7] = [
    "sales_dynamics",
    "managers",
    "plan",
    "marketing",
    "tasks",
    "forget_me_not",
    "linked",
];

fn shots_dir() -> std::path::PathBuf {
    let d = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/screenshots");
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn digits_of(v: &Value) -> f64 {
    v.as_str()
        .unwrap_or("")
        .chars()
        .filter(|c| c.is_ascii_digit())
        .collect::<String>()
        .parse()
        .unwrap_or(-1.0)
}

async fn open_report(b: &Browser, report: &str) {
    b.js(&format!(
        "document.body.dataset.loaded=''; location.hash='#{report}';"
    ))
    .await
    .unwrap();
    b.wait_for(&format!("document.body.dataset.loaded==='{report}'"), 60)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_in_chromium() {
    // A fixed "today" in the middle of a month: the screenshots always show a populated month.
    let w = Kit::e2e(b24a_emulator::Size::Small)
        .at(b24a_testkit::SCREENSHOT_NOW)
        .start()
        .await
        .unwrap();
    w.wait_first_import(Duration::from_secs(300)).await;
    let b = Browser::start(1440, 2200).await.unwrap();
    b.goto(&w.app_url(1, "ru")).await.unwrap();
    b.frame(Some(0)).await.unwrap();
    b.wait_for(
        "document.body && document.body.dataset.loaded==='sales_dynamics'",
        60,
    )
    .await
    .unwrap();
    assert_eq!(
        b.js("return document.documentElement.lang").await.unwrap(),
        "ru"
    );
    let tabs = b
        .js("return [...document.querySelectorAll('#tabs a')].map(a => a.dataset.report)")
        .await
        .unwrap();
    assert_eq!(
        tabs.as_array().unwrap().len(),
        9,
        "seven reports, the tidy-up page and settings for the admin: {tabs}"
    );

    // A change is coloured as news: more created deals is good, more lost deals is bad (and fewer is good).
    let deltas = b.js("return [...document.querySelectorAll('.tile')].filter(t => t.querySelector('.delta')).map(t => [t.dataset.metric, t.querySelector('.delta').className, t.querySelector('.delta').innerText])").await.unwrap();
    let mut seen_lost = false;
    for d in deltas.as_array().unwrap() {
        let (metric, class, text) = (
            d[0].as_str().unwrap(),
            d[1].as_str().unwrap(),
            d[2].as_str().unwrap(),
        );
        let sign = if text.starts_with('+') {
            1
        } else if text.starts_with('-') || text.starts_with('−') {
            -1
        } else {
            0
        };
        let want = match (metric, sign) {
            (_, 0) => "flat",
            ("deal_lost" | "lead_junk" | "deal_cycle" | "lead_conv_days", s) => {
                if s < 0 {
                    "better"
                } else {
                    "worse"
                }
            }
            ("deal_created" | "deal_won" | "lead_created" | "lead_converted", s) => {
                if s > 0 {
                    "better"
                } else {
                    "worse"
                }
            }
            _ => continue,
        };
        seen_lost |= metric == "deal_lost";
        assert!(
            class.split(' ').any(|c| c == want),
            "{metric} {text:?}: {class}"
        );
    }
    assert!(seen_lost, "the lost-deals tile shows its change: {deltas}");

    // A sales plan for this month for a few employees, through the API as the plan editor sends it.
    let start = "2026-11-01";
    let (_, dc) = b.page_api("GET", "/api/dictionaries", None).await.unwrap();
    let rows: Vec<Value> = dc["users"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["active"].as_bool() == Some(true))
        .take(8)
        .enumerate()
        .map(|(i, u)| {
            json!({"user_id": u["id"], "department_id": null, "category_id": null, "period_kind": "month",
                "period_start": start, "amount_cents": (1_500_000 + i as i64 * 250_000) * 100, "deal_count": 10,
                "bonus_cents": 3_000_000, "grade": null, "updated_by": null})
        })
        .collect();
    let (added, _) = b
        .page_api("POST", "/api/plans", Some(&json!({ "rows": rows })))
        .await
        .unwrap();
    assert_eq!(added, 200);

    // Every report opens with content (tiles or blocks, or an explained empty state) and no error box.
    let dir = shots_dir();
    for r in REPORTS {
        open_report(&b, r).await;
        let ok = b
            .js("return document.querySelectorAll('.tile, .block, .empty').length")
            .await
            .unwrap();
        assert!(ok.as_u64().unwrap() > 0, "{r} shows something");
        assert_eq!(
            b.js("return document.querySelectorAll('.error-box').length")
                .await
                .unwrap(),
            0,
            "{r} has no error"
        );
        b.js("window.scrollTo(0,0)").await.unwrap();
        std::fs::write(
            dir.join(format!("{r}-desktop.png")),
            b.screenshot().await.unwrap(),
        )
        .unwrap();
    }

    // Filters: last year in the bar gives the same "created" number as the API for that filter.
    open_report(&b, "sales_dynamics").await;
    b.js("const s=document.querySelector('select[name=preset]'); s.value='last_year'; s.dispatchEvent(new Event('change')); \
          const c=document.querySelector('select[name=compare]'); c.value='none'; c.dispatchEvent(new Event('change')); \
          document.body.dataset.loaded=''; document.querySelector('button[name=apply]').click();").await.unwrap();
    b.wait_for("document.body.dataset.loaded==='sales_dynamics'", 60)
        .await
        .unwrap();
    let shown = b
        .js("return document.querySelector('.tile[data-metric=deal_created] .value').innerText")
        .await
        .unwrap();
    let (_, answer) = b
        .page_api("POST", "/api/reports/sales_dynamics", Some(&json!({"filter": {"period": {"preset": "last_year"},
            "compare": "none", "pipelines": [], "departments": [], "employees": [], "sources": [], "projects": [],
            "bucket": "week"}})))
        .await
        .unwrap();
    let api = tile_value(&answer, "deal_created");
    let digits: String = shown
        .as_str()
        .unwrap()
        .chars()
        .filter(|c| c.is_ascii_digit())
        .collect();
    assert_eq!(
        digits.parse::<f64>().unwrap(),
        api.as_f64().unwrap(),
        "the tile shows the API's number"
    );

    // Drill-down: the tile's number opens that many records (first page up to 100), linked to the portal's cards.
    let n = api.as_f64().unwrap() as usize;
    b.js("document.querySelector('.tile[data-metric=deal_created] a.count').click()")
        .await
        .unwrap();
    b.wait_for(
        "document.querySelector('#slider:not([hidden]) table.drill-list')",
        60,
    )
    .await
    .unwrap();
    let rows = b
        .js("return document.querySelectorAll('#slider table.drill-list tbody tr').length")
        .await
        .unwrap();
    assert_eq!(rows.as_u64().unwrap() as usize, n.min(100));
    let counted = b
        .js("return Number(document.querySelector('#slider [data-list=drill]').dataset.counted)")
        .await
        .unwrap();
    assert_eq!(
        counted.as_u64().unwrap() as usize,
        n,
        "the list counts the number clicked"
    );
    let href = b
        .js("return document.querySelector('#slider table.drill-list tbody a').href")
        .await
        .unwrap();
    assert!(
        href.as_str()
            .unwrap()
            .starts_with(&format!("{}/crm/deal/details/", w.portal.base_url())),
        "{href}"
    );
    std::fs::write(
        dir.join("drill-down-desktop.png"),
        b.screenshot().await.unwrap(),
    )
    .unwrap();
    b.js("document.querySelector('#slider button[name=close]').click()")
        .await
        .unwrap();

    // Export by clicking, as a user does: Chromium saves the file, we read the workbook back and the number the
    // page shows in a block's totals row is the number in the sheet's totals row (same column).
    let blocks = b
        .js("return document.querySelectorAll('section.block').length")
        .await
        .unwrap()
        .as_u64()
        .unwrap() as usize;
    let page_totals = |block: &str| {
        format!("const t=document.querySelector('section.block[data-block={block}] table.grid tfoot tr'); \
                 return t ? [...t.children].map(td => td.innerText) : null;")
    };
    let check_totals = |bytes: &[u8], sheet: usize, shown: &Value| {
        let shown: Vec<String> = shown
            .as_array()
            .expect("a totals row on the page")
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        let rows = b24a_testkit::xlsx::rows(bytes, sheet).unwrap();
        let total = rows
            .iter()
            .find(|r| matches!(r.first(), Some(Some(Val::Str(s))) if *s == shown[0]))
            .expect("a totals row in the sheet");
        // The first column shown as a plain count (digits and spaces only) is compared exactly.
        let (i, text) = shown
            .iter()
            .enumerate()
            .skip(1)
            .find(|(_, t)| {
                !t.is_empty()
                    && t.chars().all(|c| {
                        c.is_ascii_digit() || c.is_whitespace() || c == '\u{a0}' || c == '\u{202f}'
                    })
            })
            .expect("a count column");
        let number: f64 = text
            .chars()
            .filter(|c| c.is_ascii_digit())
            .collect::<String>()
            .parse()
            .unwrap();
        assert_eq!(
            total.get(i).cloned().flatten(),
            Some(Val::Num(number)),
            "sheet {sheet} column {i}: page shows {text}"
        );
        number
    };
    let first = b.js("const s=[...document.querySelectorAll('section.block')]; const i=s.findIndex(x => x.querySelector('table.grid tfoot')); return [i, s[i].dataset.block]").await.unwrap();
    let (first_sheet, first_block) = (
        // The cover sheet comes first: block i is sheet i + 2 (1-based).
        first[0].as_u64().unwrap() as usize + 2,
        first[1].as_str().unwrap().to_string(),
    );
    let shown_first = b.js(&page_totals(&first_block)).await.unwrap();
    b.js("document.querySelector('button[name=export-all]').click()")
        .await
        .unwrap();
    let (_, whole) = b.downloaded_prefix("Динамика продаж 20", 60).await.unwrap();
    assert_eq!(
        b24a_testkit::xlsx::sheet_count(&whole).unwrap(),
        blocks + 1,
        "the cover and a sheet per block"
    );
    let exported = check_totals(&whole, first_sheet, &shown_first);
    assert!(exported > 0.0, "a real number was compared");
    // One block's button: a one-sheet workbook of that block.
    let last_block = b.js("const s=[...document.querySelectorAll('section.block')].filter(s => s.querySelector('table.grid tfoot')); return s[s.length-1].dataset.block").await.unwrap();
    let last_block = last_block.as_str().unwrap().to_string();
    let shown_last = b.js(&page_totals(&last_block)).await.unwrap();
    b.js(&format!("document.querySelector('section.block[data-block={last_block}] button[name=export-block]').click()")).await.unwrap();
    let (_, one) = b.downloaded_prefix("Динамика продаж — ", 60).await.unwrap();
    assert_eq!(
        b24a_testkit::xlsx::sheet_count(&one).unwrap(),
        2,
        "the cover and the block"
    );
    check_totals(&one, 2, &shown_last);

    // Custom-field filter: pick the portal's first UF field and its most frequent value; the tile then equals the
    // API's number for the same filter, and is no more than without it.
    let before = digits_of(
        &b.js("return document.querySelector('.tile[data-metric=deal_created] .value').innerText")
            .await
            .unwrap(),
    );
    // The list field (the generated region), shown by its portal label; its items by their texts.
    let picked = b.js("const s=document.querySelector('select[name=custom-field]'); const o=[...s.options].find(o => o.value==='UF_CRM_REGION') || s.options[1]; \
        const text=o.text; s.value=o.value; s.dispatchEvent(new Event('change')); return [o.value, text]").await.unwrap();
    let field = picked[0].as_str().unwrap().to_string();
    assert!(field.starts_with("UF_CRM_"), "{field}");
    let (_, dictionaries) = b.page_api("GET", "/api/dictionaries", None).await.unwrap();
    let dicts = dictionaries["custom_fields"].clone();
    let def = dicts
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == field.as_str())
        .unwrap()
        .clone();
    assert_eq!(def["label"], "Регион", "the portal's label, not the code");
    assert_eq!(picked[1], def["label"], "the picker offers the label");
    let shown_label = b.js(&format!("return document.querySelector('.cf[data-field={field}] .cf-label').firstChild.textContent")).await.unwrap();
    assert_eq!(
        shown_label, def["label"],
        "the condition is named by the label"
    );
    // A value deals hold (the tile counts deals); its checkbox reads the item's text, the filter sends its id.
    let deal_value = def["values"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| {
            v["entities"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e == "DEAL")
        })
        .unwrap()
        .clone();
    let value_id = deal_value["value"].as_str().unwrap().to_string();
    b.js(&format!(
        "document.querySelector('button[name=cf-{field}]').click()"
    ))
    .await
    .unwrap();
    let value = b.js(&format!("const c=document.querySelector('.multi[data-name=cf-{field}] .menu input[type=checkbox][value=\"{value_id}\"]'); c.click(); return c.value")).await.unwrap();
    let item_text = b.js(&format!("return document.querySelector('.multi[data-name=cf-{field}] .menu input[type=checkbox][value=\"{value_id}\"]').parentElement.textContent")).await.unwrap();
    assert!(
        item_text
            .as_str()
            .unwrap()
            .starts_with(deal_value["text"].as_str().unwrap()),
        "{item_text} names {deal_value}"
    );
    b.js("document.body.dataset.loaded=''; document.querySelector('button[name=apply]').click();")
        .await
        .unwrap();
    b.wait_for("document.body.dataset.loaded==='sales_dynamics'", 60)
        .await
        .unwrap();
    let shown = digits_of(
        &b.js("return document.querySelector('.tile[data-metric=deal_created] .value').innerText")
            .await
            .unwrap(),
    );
    let (_, answer) = b
        .page_api(
            "POST",
            "/api/reports/sales_dynamics",
            Some(&json!({"filter": {"period": {"preset": "last_year"},
            "compare": "none", "custom_fields": [{"field": field, "values": [value]}]}})),
        )
        .await
        .unwrap();
    let api = tile_value(&answer, "deal_created");
    assert_eq!(
        shown,
        api.as_f64().unwrap(),
        "{field}={value}: the tile shows the API's number"
    );
    assert!(
        shown <= before && shown > 0.0,
        "{field}={value}: {shown} of {before}"
    );
    // The lead list of the same field holds the same text under its own id: picking the text filtered leads by it
    // too (the ids are gathered here from the dictionaries, not from the page).
    let same_text: Vec<String> = def["values"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["text"] == deal_value["text"])
        .map(|v| v["value"].as_str().unwrap().to_string())
        .collect();
    let leads_shown = digits_of(
        &b.js("return document.querySelector('.tile[data-metric=lead_created] .value').innerText")
            .await
            .unwrap(),
    );
    let (_, answer) = b
        .page_api(
            "POST",
            "/api/reports/sales_dynamics",
            Some(&json!({"filter": {"period": {"preset": "last_year"},
            "compare": "none", "custom_fields": [{"field": field, "values": same_text}]}})),
        )
        .await
        .unwrap();
    let leads_api = tile_value(&answer, "lead_created");
    assert_eq!(
        leads_shown,
        leads_api.as_f64().unwrap(),
        "leads filtered by the same text's ids {same_text:?}"
    );
    assert!(leads_shown > 0.0, "some lead has {same_text:?}");
    // A note about fields only one kind of record has names them by their label, never by their code.
    let notes = b
        .js("return [...document.querySelectorAll('.meta-line.notes')].map(e => e.innerText).join(' | ')")
        .await
        .unwrap();
    assert!(
        !notes.as_str().unwrap_or("").contains("UF_CRM"),
        "notes name custom fields by label: {notes}"
    );

    // R3 bonus ladder: from 10 % done 20 % of the bonus, from 30 % done 60 %. Every plan row above carries a bonus of
    // 30 000 ₽ (bonus_cents 3 000 000), so the bonus tile must be the sum over employees of 30 000 × the share reached.
    open_report(&b, "plan").await;
    b.js("document.body.dataset.loaded=''; document.querySelector('input[name=bonus-mode][value=ladder]').click()").await.unwrap();
    b.wait_for("document.body.dataset.loaded==='plan' && document.querySelector('input[name=step-done-0]')", 60).await.unwrap();
    b.js("const set=(n,v)=>{const i=document.querySelector(`input[name=${n}]`); i.value=v; i.dispatchEvent(new Event('change'));}; \
          set('step-done-0',10); set('step-share-0',20); set('step-done-1',30); set('step-share-1',60); set('step-done-2',400); set('step-share-2',100); \
          document.body.dataset.loaded=''; document.querySelector('button[name=apply-ladder]').click();").await.unwrap();
    b.wait_for("document.body.dataset.loaded==='plan'", 60)
        .await
        .unwrap();
    let (_, answer) = b
        .page_api(
            "POST",
            "/api/reports/plan",
            Some(&json!({"filter": {"period": {"preset": "this_month"}}})),
        )
        .await
        .unwrap();
    let done = Value::Array(column_values(&answer, "by_employee", "plan_done_pct"));
    let expected: f64 = done
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let d = d.as_f64().unwrap_or(0.0);
            30_000.0
                * if d >= 30.0 {
                    0.6
                } else if d >= 10.0 {
                    0.2
                } else {
                    0.0
                }
        })
        .sum();
    let tile = digits_of(
        &b.js("return document.querySelector('.tile[data-metric=plan_bonus] .value').innerText")
            .await
            .unwrap(),
    );
    assert_eq!(tile, expected, "ladder bonus for done % {done}");
    b.js("window.scrollTo(0,0)").await.unwrap();
    std::fs::write(
        dir.join("plan-ladder-desktop.png"),
        b.screenshot().await.unwrap(),
    )
    .unwrap();

    // A page left open past its session: the page's own API module gets 401 for the expired session, renews it
    // with the launch's renewal token and the call succeeds; the fresh session is a different, valid token.
    let cfg_session = b
        .js("return JSON.parse(document.getElementById('b24a-config').textContent).session")
        .await
        .unwrap();
    let key = b24a_server::session::Signer::new(b24a_testkit::SESSION_SECRET);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let claims = key.verify(cfg_session.as_str().unwrap(), now).unwrap();
    let expired = key.sign(&b24a_server::session::Session {
        expires_at: now - 1,
        ..claims
    });
    let renewed = b.js_async(&format!("const done=arguments[arguments.length-1]; import('/assets/api.js').then(async (m) => {{ \
        m.setSession('{expired}'); const d = await m.get('/api/dictionaries'); \
        const again = await fetch('/api/dictionaries', {{headers: {{'x-b24a-session': '{expired}'}}}}); \
        done([d.users.length > 0, again.status]); }}).catch(e => done(String(e && (e.status || e.message) || e)));")).await.unwrap();
    assert_eq!(
        renewed,
        serde_json::json!([true, 401]),
        "the page renewed its expired session; the old one stays refused"
    );
    // The Excel download goes the same way: an expired session is renewed and the named workbook arrives.
    let downloaded = b.js_async(&format!("const done=arguments[arguments.length-1]; import('/assets/api.js').then(async (m) => {{ \
        m.setSession('{expired}'); \
        const f = await m.downloadNamed('/api/reports/sales_dynamics/export', {{filter: {{period: {{preset: 'last_year'}}, compare: 'none'}}}}); \
        done([f.name.endsWith('.xlsx'), f.size > 1000]); }}).catch(e => done(String(e && (e.status || e.message) || e)));")).await.unwrap();
    assert_eq!(
        downloaded,
        serde_json::json!([true, true]),
        "an Excel download with an expired session renews it and gets the workbook"
    );

    // Settings: forget-me-not days saved through the form land in the store.
    b.js("document.body.dataset.loaded=''; location.hash='#settings'")
        .await
        .unwrap();
    b.wait_for("document.querySelector('input[name=lead_days]')", 30)
        .await
        .unwrap();
    b.js("const i=document.querySelector('input[name=lead_days]'); i.value='9'; document.querySelector('button[name=save-fmn]').click();").await.unwrap();
    b.wait_for("document.querySelector('#fmn-settings .ok-msg')", 30)
        .await
        .unwrap();
    let id =
        w.db.store()
            .portal_by_member_id(&w.portal.member_id())
            .await
            .unwrap()
            .unwrap()
            .id;
    assert_eq!(
        w.db.store()
            .forget_me_not_settings(id)
            .await
            .unwrap()
            .lead_days,
        9
    );
    // R7's links: the card lists what the portal offers with the default ticked; keeping only the first one
    // stores exactly that choice (read back through the API, no longer the default).
    b.wait_for(
        "document.querySelectorAll('#linked-settings input[name=linked_link]').length > 1",
        30,
    )
    .await
    .unwrap();
    let first = b
        .js("const bs=[...document.querySelectorAll('#linked-settings input[name=linked_link]')]; \
             bs.forEach((x, i) => { x.checked = i === 0; }); document.querySelector('button[name=save-linked]').click(); \
             return bs[0].value")
        .await
        .unwrap();
    b.wait_for("document.querySelector('#linked-settings .ok-msg')", 30)
        .await
        .unwrap();
    let (st, linked) = b
        .page_api("GET", "/api/settings/linked", None)
        .await
        .unwrap();
    assert_eq!(st, 200);
    let chosen: Vec<&Value> = linked["links"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["chosen"] == Value::Bool(true))
        .map(|l| &l["key"])
        .collect();
    assert_eq!(
        (chosen, &linked["is_default"]),
        (vec![&first], &Value::Bool(false))
    );
    std::fs::write(
        dir.join("settings-desktop.png"),
        b.screenshot().await.unwrap(),
    )
    .unwrap();

    // Narrow (phone) width.
    b.set_size(390, 2400).await.unwrap();
    for r in REPORTS {
        open_report(&b, r).await;
        b.js("window.scrollTo(0,0)").await.unwrap();
        std::fs::write(
            dir.join(format!("{r}-narrow.png")),
            b.screenshot().await.unwrap(),
        )
        .unwrap();
    }

    // On a phone the filter bar folds behind a toggle that counts the active filters (still last year and the
    // custom field from above: two filters off their defaults).
    open_report(&b, "sales_dynamics").await;
    let folded =
        "getComputedStyle(document.querySelector('#filter-bar .filters')).display === 'none'";
    assert_eq!(
        b.js(&format!("return {folded}")).await.unwrap(),
        Value::Bool(true),
        "folded on a phone"
    );
    assert_eq!(
        b.js("return document.querySelector('button[name=filters-toggle] .ft-count').innerText")
            .await
            .unwrap(),
        "2"
    );
    b.js("document.querySelector('button[name=filters-toggle]').click()")
        .await
        .unwrap();
    assert_eq!(
        b.js(&format!("return {folded}")).await.unwrap(),
        Value::Bool(false),
        "opens on tap"
    );
    let bar_w = b
        .js("return document.querySelector('#filter-bar').scrollWidth <= window.innerWidth")
        .await
        .unwrap();
    assert_eq!(
        bar_w,
        Value::Bool(true),
        "the open bar fits the phone's width"
    );
    b.js("window.scrollTo(0,0)").await.unwrap();
    std::fs::write(
        dir.join("filters-open-narrow.png"),
        b.screenshot().await.unwrap(),
    )
    .unwrap();

    // English when the portal's LANG says so: no Russian word left on the page.
    b.set_size(1440, 2200).await.unwrap();
    b.goto(&w.app_url(1, "en")).await.unwrap();
    b.frame(Some(0)).await.unwrap();
    b.wait_for(
        "document.body && document.body.dataset.loaded==='sales_dynamics'",
        60,
    )
    .await
    .unwrap();
    assert_eq!(
        b.js("return document.documentElement.lang").await.unwrap(),
        "en"
    );
    // The app's own words only (names of employees, pipelines and stages are the portal's data, in Russian here).
    let cyrillic = b.js("const sel='#tabs a, #filter-bar label, #filter-bar .btn, #filter-bar .ft-label, .tile .name, .tile .delta, table.grid th, table.grid tfoot td:first-child, .meta-line, .empty, section.block h2'; \
        const t=[...document.querySelectorAll(sel)].map(e => e.matches('section.block h2') ? e.innerText.replace(/^Stages: .*$/m, '') : e.matches('#filter-bar label') ? (e.firstChild && e.firstChild.nodeType===3 ? e.firstChild.textContent : '') : e.innerText).join(' | '); \
        return (t.match(/[А-Яа-яЁё][А-Яа-яЁё ]+/g)||[]).slice(0,10)").await.unwrap();
    std::fs::write(
        dir.join("sales_dynamics-en-desktop.png"),
        b.screenshot().await.unwrap(),
    )
    .unwrap();
    assert_eq!(
        cyrillic,
        serde_json::json!([]),
        "untranslated words on the English page"
    );
    // A failed source is named on the page, in the page's language.
    let id =
        w.db.store()
            .portal_by_member_id(&w.portal.member_id())
            .await
            .unwrap()
            .unwrap()
            .id;
    w.db.store()
        .record_sync_error(id, "deals", "HTTP 503")
        .await
        .unwrap();
    open_report(&b, "managers").await;
    // Dates of another year say which (an overdue deadline of December 2024 read on a December day of 2026 must not
    // look like next week); this year's dates stay short. The page's own formatter, in the portal's zone (Moscow).
    let dates = b
        .js_async(
            "const done=arguments[arguments.length-1]; import('/assets/i18n.js').then(m=>done([m.dateTime(1734328980),              m.dateTime(Math.floor(Date.now()/1000)), String(new Date().getFullYear())]));",
        )
        .await
        .unwrap();
    let old_date = dates[0].as_str().unwrap_or_default();
    assert!(
        old_date.contains("2024") && old_date.contains("09:03"),
        "16 Dec 2024 06:03 UTC on the page: {old_date}"
    );
    let this_year = dates[1].as_str().unwrap_or_default();
    assert!(
        !this_year.contains(dates[2].as_str().unwrap_or("?")),
        "this year's date without its year: {this_year}"
    );
    let warn = b
        .js("const w=document.querySelector('.freshness .warn'); return w ? w.innerText : ''")
        .await
        .unwrap();
    assert!(
        warn.as_str().unwrap().contains("Failed to sync: Deals"),
        "{warn}"
    );
    b.frame(None).await.unwrap();

    // A forged launch (a made-up AUTH_ID with the real member_id and DOMAIN) sees nothing.
    b.frame(None).await.unwrap();
    b.goto("about:blank").await.unwrap();
    let forged = format!(
        "const f=document.createElement('form'); f.method='POST'; f.action='{}/app/{}/?DOMAIN={}&LANG=ru'; \
         for (const [k,v] of [['AUTH_ID','forged0123456789'],['member_id','{}'],['PLACEMENT','DEFAULT']]) {{ const i=document.createElement('input'); i.name=k; i.value=v; f.appendChild(i); }} \
         document.body.appendChild(f); f.submit();",
        w.base, b24a_testkit::CLIENT_ID, w.portal.domain(), w.portal.member_id()
    );
    b.js(&forged).await.unwrap();
    b.wait_for("document.title && document.title.length > 0", 30)
        .await
        .unwrap();
    let text = b.js("return document.body.innerText").await.unwrap();
    assert!(text.as_str().unwrap().contains("Доступ запрещён"), "{text}");
    let has_config = b
        .js("return !!document.getElementById('b24a-config')")
        .await
        .unwrap();
    assert_eq!(has_config, Value::Bool(false), "no session, no data");
}
