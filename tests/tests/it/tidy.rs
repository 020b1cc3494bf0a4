//! The tidy-up page in real headless Chromium (docs/ACTIONS.md): a deal group (without an amount, past close, of
//! dismissed employees) gets to-dos and
//! is reassigned through the page's confirmation; the emulator holds exactly those changes, the next sync shows the
//! new owner in the groups and in R2 (the new owner's deals in work grow by the reassigned deals he did not own, as
//! counted from the emulator), the action log lists both runs, and undo from the log restores the owners.

use std::collections::HashMap;
use std::time::Duration;

use b24a_testkit::webdriver::Browser;
use serde_json::{json, Value};

fn owners(w: &b24a_testkit::World) -> HashMap<i64, i64> {
    w.portal
        .with_data(|d| d.deals.iter().map(|x| (x.id, x.assigned_by_id)).collect())
        .unwrap()
}

/// Open deals of `user` in the emulator created on or after `from` (a portal-local day): the hand count R2's "in
/// work" must equal over a period starting that day and ending today.
fn open_deals_of(w: &b24a_testkit::World, user: i64, from: chrono::NaiveDate) -> usize {
    w.portal
        .with_data(|d| {
            d.deals
                .iter()
                .filter(|x| !x.closed && x.assigned_by_id == user)
                .filter(|x| {
                    let local = x.date_create + d.zone.offset_at(x.date_create) as i64;
                    chrono::DateTime::from_timestamp(local, 0).map(|t| t.date_naive()) >= Some(from)
                })
                .count()
        })
        .unwrap()
}

/// R2's "deals in work" of `user` over the last 800 days, asked through the page's own API, and the first day the
/// answer covers (the subscription may clamp the history).
async fn r2_in_work(b: &Browser, user: i64) -> Option<(f64, chrono::NaiveDate)> {
    let body =
        json!({"filter": {"period": {"preset": "last_days", "days": 800}, "compare": "none"}});
    let (st, a) = b
        .page_api("POST", "/api/reports/managers", Some(&body))
        .await
        .ok()?;
    assert_eq!(st, 200, "{a}");
    let from = a["meta"]["clamp"]["applied_from"]
        .as_str()
        .or_else(|| a["meta"]["period"]["from"].as_str())
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .unwrap_or_else(|| panic!("no first day in {}", a["meta"]));
    for t in a["tables"].as_array()? {
        let Some(col) = t["columns"]
            .as_array()?
            .iter()
            .position(|c| c["metric"] == "deal_in_work")
        else {
            continue;
        };
        let row = t["rows"]
            .as_array()?
            .iter()
            .find(|r| r["group"]["by"] == "user" && r["group"]["key"] == json!(user));
        let n = row.map_or(0.0, |r| r["cells"][col]["value"].as_f64().unwrap_or(0.0));
        return Some((n, from));
    }
    None
}

/// Saves the page (scrolled to `sel`) as docs/screenshots/`name`-ru-{1440,390}.png and checks, at both widths, that
/// nothing but the record tables runs wider than the phone and that the Russian page shows no Latin-letter word of
/// its own (portal data — card titles, employees' names in the pickers — excluded).
async fn shoot(b: &Browser, name: &str, sel: &str) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/screenshots");
    for width in [1440u32, 390] {
        b.set_size(width, 1600).await.unwrap();
        b.js(&format!(
            "const e = document.querySelector('{sel}'); if (e) e.scrollIntoView({{block: 'start'}}); return true"
        ))
        .await
        .unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        std::fs::write(
            dir.join(format!("{name}-ru-{width}.png")),
            b.screenshot().await.unwrap(),
        )
        .unwrap();
        let over = b
            .js("return [document.documentElement.scrollWidth, window.innerWidth, \
                 [...document.querySelectorAll('#content *')].filter(e => { const r = e.getBoundingClientRect(); \
                   return r.width > 0 && r.right > window.innerWidth + 1 && !e.closest('.grid-wrap'); }) \
                   .slice(0, 5).map(e => e.tagName + '.' + e.className)]")
            .await
            .unwrap();
        assert!(
            over[0].as_f64().unwrap() <= over[1].as_f64().unwrap() && over[2] == json!([]),
            "{name} {width}px: the page runs wider than the window: {over}"
        );
        let latin = b
            .js("const w = document.createTreeWalker(document.getElementById('content'), NodeFilter.SHOW_TEXT); const out = []; let n; \
                 while ((n = w.nextNode())) { const p = n.parentElement; \
                   if (!p || p.closest('a[data-path], option, script, style') || !p.checkVisibility()) continue; \
                   out.push(...(n.textContent.match(/[A-Za-z][A-Za-z0-9_]*/g) || [])); } \
                 return out;")
            .await
            .unwrap();
        assert_eq!(
            latin,
            json!([]),
            "{name} {width}px: Latin-letter words on the Russian page"
        );
    }
    b.set_size(1280, 1800).await.unwrap();
}

async fn click(b: &Browser, sel: &str) {
    b.js(&format!(
        "document.querySelector('{sel}').click(); return true"
    ))
    .await
    .unwrap();
}

/// Runs the open group's action through the confirmation and waits for the run to finish.
async fn run_action(b: &Browser, setup: &str) {
    b.js(&format!("{setup}; return true")).await.unwrap();
    click(b, "#tidy-preview").await;
    b.wait_for("!!document.querySelector('#tidy-go')", 30)
        .await
        .unwrap();
    click(b, "#tidy-go").await;
    b.wait_for("!!(document.querySelector('#tidy-result') && document.querySelector('#tidy-result').dataset.finished)", 120)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_gets_todos_is_reassigned_logged_and_undone() {
    let w = b24a_testkit::Kit::e2e(b24a_emulator::Size::Tiny)
        .start()
        .await
        .unwrap();
    w.wait_first_import(Duration::from_secs(300)).await;
    let before = owners(&w);
    let acts_before = w.portal.with_data(|d| d.activities.len()).unwrap();
    let to = w.employee();

    let b = Browser::start(1280, 1800).await.unwrap();
    b.goto(&w.app_url(1, "ru")).await.unwrap();
    b.frame(Some(0)).await.unwrap();
    b.wait_for("document.body && document.body.dataset.loaded", 120)
        .await
        .unwrap();
    b.js("location.hash = '#tidy'; return true").await.unwrap();
    b.wait_for("document.body.dataset.loaded === 'tidy' && document.getElementById('content').dataset.ready", 120)
        .await
        .unwrap();
    let (st, groups) = b.page_api("GET", "/api/tidy/groups", None).await.unwrap();
    assert_eq!(st, 200);
    // No runs yet: the log says so in words instead of showing an empty header.
    let empty_log = b
        .js("return [document.querySelectorAll('#tidy-log').length, (document.getElementById('tidy-log-empty') || {}).innerText]")
        .await
        .unwrap();
    assert_eq!(empty_log, json!([0, "Действий пока не было"]));
    // A deal group the actions themselves do not empty (a to-do makes a forgotten deal cared for).
    let group = ["no_amount", "past_close", "dismissed_deals"]
        .iter()
        .find_map(|k| {
            groups["groups"]
                .as_array()
                .unwrap()
                .iter()
                .find(|g| g["key"] == *k && g["count"].as_u64().unwrap_or(0) > 0)
        })
        .expect("a stable deal group with deals")
        .clone();
    let key = group["key"].as_str().unwrap().to_string();
    let ids: Vec<i64> = group["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    // R2 before the actions: the new owner's deals in work, equal to the emulator's count.
    let (r2_before, from) = r2_in_work(&b, to).await.expect("R2 has a managers table");
    let in_work_before = open_deals_of(&w, to, from);
    assert_eq!(r2_before, in_work_before as f64, "R2 counts his open deals");
    // The reassigned deals he did not own and R2's period covers.
    let moved = w
        .portal
        .with_data(|d| {
            ids.iter()
                .filter(|id| before[*id] != to)
                .filter(|id| {
                    let c = d.deal(**id).unwrap().date_create;
                    let local = c + d.zone.offset_at(c) as i64;
                    chrono::DateTime::from_timestamp(local, 0).map(|t| t.date_naive()) >= Some(from)
                })
                .count()
        })
        .unwrap();
    assert!(
        moved > 0,
        "some reassigned deal was not his and lies in R2's period"
    );

    // To-dos for the whole group (tomorrow), then reassign it.
    click(&b, &format!("[data-group={key}] .tidy-open")).await;
    b.wait_for(
        &format!("!!document.querySelector('[data-open={key}]')"),
        30,
    )
    .await
    .unwrap();
    // The opened group as a director sees it: the groups, the records with the action bar.
    shoot(&b, "tidy-group", "#tidy-panel").await;
    let tomorrow = chrono::DateTime::from_timestamp(w.portal.clock() + 86_400, 0)
        .unwrap()
        .format("%Y-%m-%d")
        .to_string();
    run_action(&b, &format!(
        "const a = document.getElementById('tidy-action'); a.value = 'todo'; a.dispatchEvent(new Event('change')); \
         document.getElementById('tidy-deadline').value = '{tomorrow}'"
    ))
    .await;
    let todos: Vec<(i64, i64)> = w
        .portal
        .with_data(|d| {
            d.activities[acts_before..]
                .iter()
                .map(|a| (a.owner_id, a.responsible_id))
                .collect()
        })
        .unwrap();
    let mut want: Vec<(i64, i64)> = ids.iter().map(|id| (*id, before[id])).collect();
    let mut got = todos.clone();
    want.sort();
    got.sort();
    assert_eq!(
        got, want,
        "one to-do per deal of the group, for its responsible"
    );

    click(&b, &format!("[data-group={key}] .tidy-open")).await;
    run_action(&b, &format!(
        "const a = document.getElementById('tidy-action'); a.value = 'reassign'; a.dispatchEvent(new Event('change')); \
         document.getElementById('tidy-to').value = '{to}'"
    ))
    .await;
    // A finished run: its progress with the outcome counts in words.
    shoot(&b, "tidy-run", "[data-open]").await;
    let confirm = b
        .js("return document.getElementById('tidy-result').innerText")
        .await
        .unwrap();
    assert!(
        confirm.as_str().unwrap().contains(&ids.len().to_string()),
        "{confirm}"
    );
    let after = owners(&w);
    for (id, owner) in &before {
        let expected = if ids.contains(id) { to } else { *owner };
        assert_eq!(
            after[id], expected,
            "deal {id}: exactly the group's deals changed"
        );
    }

    // The next sync (the portal's events) shows the new owner in the stored data the groups read.
    let synced = b24a_testkit::wait_for(
        "the sync to see the new owners",
        Duration::from_secs(120),
        || {
            let b = &b;
            let ids = ids.clone();
            let key = key.clone();
            async move {
                let (_, g) = b.page_api("GET", "/api/tidy/groups", None).await.ok()?;
                let items: Vec<Value> = g["groups"]
                    .as_array()?
                    .iter()
                    .find(|x| x["key"] == key.as_str())?["items"]
                    .as_array()?
                    .clone();
                let mine = items
                    .iter()
                    .filter(|i| {
                        ids.contains(&i["id"].as_i64().unwrap_or(0))
                            && i["responsible"] == json!(to)
                    })
                    .count();
                (mine == ids.len()).then_some(())
            }
        },
    )
    .await;
    let _ = synced;
    // ... and in the reports: R2 attributes the reassigned deals to the new owner.
    assert_eq!(open_deals_of(&w, to, from), in_work_before + moved);
    let r2 = b24a_testkit::wait_for(
        "R2 to show the new owner's deals",
        Duration::from_secs(120),
        || {
            let b = &b;
            async move {
                let (n, _) = r2_in_work(b, to).await?;
                (n == (in_work_before + moved) as f64).then_some(n)
            }
        },
    )
    .await;
    let _ = r2;

    // The log lists both runs; undo the reassignment from it.
    b.js("location.hash = '#sales_dynamics'; return true")
        .await
        .unwrap();
    b.wait_for("document.body.dataset.loaded === 'sales_dynamics'", 120)
        .await
        .unwrap();
    b.js("location.hash = '#tidy'; return true").await.unwrap();
    b.wait_for("document.body.dataset.loaded === 'tidy' && document.getElementById('content').dataset.ready", 120)
        .await
        .unwrap();
    let actions = b
        .js("return [...document.querySelectorAll('#tidy-log tr[data-action]')].map(r => r.dataset.action)")
        .await
        .unwrap();
    assert_eq!(actions, json!(["reassign", "todo"]));
    // The log's instants on the portal's clock, as the reports show theirs (not the browser's zone).
    let (_, runs) = b.page_api("GET", "/api/tidy/runs", None).await.unwrap();
    let (_, groups_now) = b.page_api("GET", "/api/tidy/groups", None).await.unwrap();
    let zone = groups_now["time_zone"].as_str().unwrap_or("").to_string();
    let first = runs["runs"][0]["created_at"].as_i64().unwrap();
    let shown = b
        .js("return document.querySelector('#tidy-log tbody tr td').innerText")
        .await
        .unwrap();
    let offset = w.portal.with_data(|d| d.zone.offset_at(first)).unwrap();
    let local = chrono::DateTime::from_timestamp(first + offset as i64, 0).unwrap();
    assert!(
        shown
            .as_str()
            .unwrap_or("")
            .contains(&local.format("%H:%M").to_string()),
        "the log shows {shown} for {first} in the portal's zone {zone}"
    );
    // The log with its finished runs and one run's records.
    click(&b, "#tidy-log tr[data-action=reassign] .tidy-details").await;
    b.wait_for("!!document.querySelector('#tidy-run-detail table')", 30)
        .await
        .unwrap();
    shoot(&b, "tidy-log", "#tidy-audit").await;
    click(&b, "#tidy-log tr[data-action=reassign] .tidy-undo").await;
    if let Err(e) = b
        .wait_for(
            "!!document.getElementById('tidy-audit').dataset.undone",
            120,
        )
        .await
    {
        let shown = b
            .js("return document.getElementById('tidy-audit').innerText")
            .await;
        panic!("the undo did not finish: {e}; the log shows {shown:?}");
    }
    let undone = owners(&w);
    for id in &ids {
        assert_eq!(undone[id], before[id], "deal {id} has its owner back");
    }
}
