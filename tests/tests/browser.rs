//! The app in real headless Chromium inside the emulated portal: install, the six reports, filters, a drill-down,
//! an export read back, settings, a forged launch that sees nothing, and screenshots at desktop and phone widths.

use std::io::Read;
use std::time::Duration;

use b24a_e2e::webdriver::Browser;
use b24a_e2e::World;
use base64::Engine;
use serde_json::Value;

const REPORTS: [&str; 6] = ["sales_dynamics", "managers", "plan", "marketing", "tasks", "forget_me_not"];

fn shots_dir() -> std::path::PathBuf {
    let d = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/screenshots");
    std::fs::create_dir_all(&d).unwrap();
    d
}

async fn wait_first_import(w: &World) {
    let id = w.db.store().portal_by_member_id(&w.portal.member_id()).await.unwrap().unwrap().id;
    for _ in 0..600 {
        let s = w.db.store().sync_states(id).await.unwrap();
        if !s.is_empty() && s.iter().all(|x| x.full_finished_at.is_some()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    panic!("first import did not finish");
}

async fn open_report(b: &Browser, report: &str) {
    b.js(&format!("document.body.dataset.loaded=''; location.hash='#{report}';")).await.unwrap();
    b.wait_for(&format!("document.body.dataset.loaded==='{report}'"), 60).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_in_chromium() {
    let w = World::start(b24a_emulator::Size::Small).await.unwrap();
    wait_first_import(&w).await;
    let b = Browser::start(1440, 2200).await.unwrap();
    b.goto(&w.app_url(1, "ru")).await.unwrap();
    b.frame(Some(0)).await.unwrap();
    b.wait_for("document.body && document.body.dataset.loaded==='sales_dynamics'", 60).await.unwrap();
    assert_eq!(b.js("return document.documentElement.lang").await.unwrap(), "ru");
    let tabs = b.js("return [...document.querySelectorAll('#tabs a')].map(a => a.dataset.report)").await.unwrap();
    assert_eq!(tabs.as_array().unwrap().len(), 7, "six reports and settings for the admin: {tabs}");

    // A sales plan for this month for a few employees, through the API as the plan editor sends it.
    let added = b.js_async("const done=arguments[arguments.length-1]; const s=JSON.parse(document.getElementById('b24a-config').textContent).session; \
        const H={'x-b24a-session':s,'content-type':'application/json'}; const d=new Date(); const start=d.getFullYear()+'-'+String(d.getMonth()+1).padStart(2,'0')+'-01'; \
        fetch('/api/dictionaries',{headers:H}).then(r=>r.json()).then(dc=>{ const rows=dc.users.filter(u=>u.active).slice(0,8).map((u,i)=>({user_id:u.id,department_id:null,category_id:null,period_kind:'month',period_start:start,amount_cents:(1500000+i*250000)*100,deal_count:10,bonus_cents:3000000,grade:null,updated_by:null})); \
        return fetch('/api/plans',{method:'POST',headers:H,body:JSON.stringify({rows})}); }).then(r=>done(r.status));").await.unwrap();
    assert_eq!(added, 200);

    // Every report opens with content (tiles or blocks, or an explained empty state) and no error box.
    let dir = shots_dir();
    for r in REPORTS {
        open_report(&b, r).await;
        let ok = b.js("return document.querySelectorAll('.tile, .block, .empty').length").await.unwrap();
        assert!(ok.as_u64().unwrap() > 0, "{r} shows something");
        assert_eq!(b.js("return document.querySelectorAll('.error-box').length").await.unwrap(), 0, "{r} has no error");
        b.js("window.scrollTo(0,0)").await.unwrap();
        std::fs::write(dir.join(format!("{r}-desktop.png")), b.screenshot().await.unwrap()).unwrap();
    }

    // Filters: last year in the bar gives the same "created" number as the API for that filter.
    open_report(&b, "sales_dynamics").await;
    b.js("const s=document.querySelector('select[name=preset]'); s.value='last_year'; s.dispatchEvent(new Event('change')); \
          const c=document.querySelector('select[name=compare]'); c.value='none'; c.dispatchEvent(new Event('change')); \
          document.body.dataset.loaded=''; document.querySelector('button[name=apply]').click();").await.unwrap();
    b.wait_for("document.body.dataset.loaded==='sales_dynamics'", 60).await.unwrap();
    let shown = b.js("return document.querySelector('.tile[data-metric=deal_created] .value').innerText").await.unwrap();
    let api = b.js_async("const done=arguments[arguments.length-1]; const s=JSON.parse(document.getElementById('b24a-config').textContent).session; \
        fetch('/api/reports/sales_dynamics',{method:'POST',headers:{'x-b24a-session':s,'content-type':'application/json'},body:JSON.stringify({filter:{period:{preset:'last_year'},compare:'none',pipelines:[],departments:[],employees:[],sources:[],projects:[],bucket:'week'}})}) \
        .then(r=>r.json()).then(a=>done(a.tiles.find(t=>t.metric==='deal_created').value));").await.unwrap();
    let digits: String = shown.as_str().unwrap().chars().filter(|c| c.is_ascii_digit()).collect();
    assert_eq!(digits.parse::<f64>().unwrap(), api.as_f64().unwrap(), "the tile shows the API's number");

    // Drill-down: the tile's number opens that many records (first page up to 200), linked to the portal's cards.
    let n = api.as_f64().unwrap() as usize;
    b.js("document.querySelector('.tile[data-metric=deal_created] a.count').click()").await.unwrap();
    b.wait_for("document.querySelector('#slider:not([hidden]) table.drill-list')", 60).await.unwrap();
    let rows = b.js("return document.querySelectorAll('#slider table.drill-list tbody tr').length").await.unwrap();
    assert_eq!(rows.as_u64().unwrap() as usize, n.min(200));
    let href = b.js("return document.querySelector('#slider table.drill-list tbody a').href").await.unwrap();
    assert!(href.as_str().unwrap().starts_with(&format!("{}/crm/deal/details/", w.portal.base_url())), "{href}");
    std::fs::write(dir.join("drill-down-desktop.png"), b.screenshot().await.unwrap()).unwrap();
    b.js("document.querySelector('#slider button[name=close]').click()").await.unwrap();

    // Export of the whole report: one sheet per block, numbers as numbers.
    let blocks = b.js("return document.querySelectorAll('section.block').length").await.unwrap().as_u64().unwrap() as usize;
    let b64 = b.js_async("const done=arguments[arguments.length-1]; const s=JSON.parse(document.getElementById('b24a-config').textContent).session; \
        fetch('/api/reports/sales_dynamics/export',{method:'POST',headers:{'x-b24a-session':s,'content-type':'application/json'},body:JSON.stringify({filter:{period:{preset:'last_year'},compare:'none'}})}) \
        .then(r=>r.arrayBuffer()).then(buf=>{let s='';const a=new Uint8Array(buf);for(let i=0;i<a.length;i++)s+=String.fromCharCode(a[i]);done(btoa(s));});").await.unwrap();
    let bytes = base64::engine::general_purpose::STANDARD.decode(b64.as_str().unwrap()).unwrap();
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let sheets = (0..z.len()).filter(|i| z.by_index(*i).unwrap().name().unwrap().starts_with("xl/worksheets/sheet")).count();
    assert_eq!(sheets, blocks);
    let mut xml = String::new();
    z.by_name("xl/worksheets/sheet1.xml").unwrap().read_to_string(&mut xml).unwrap();
    assert!(xml.contains("<v>"), "numeric cells");

    // Settings: forget-me-not days saved through the form land in the store.
    b.js("document.body.dataset.loaded=''; location.hash='#settings'").await.unwrap();
    b.wait_for("document.querySelector('input[name=lead_days]')", 30).await.unwrap();
    b.js("const i=document.querySelector('input[name=lead_days]'); i.value='9'; document.querySelector('button[name=save-fmn]').click();").await.unwrap();
    b.wait_for("document.querySelector('#fmn-settings .ok-msg')", 30).await.unwrap();
    let id = w.db.store().portal_by_member_id(&w.portal.member_id()).await.unwrap().unwrap().id;
    assert_eq!(w.db.store().forget_me_not_settings(id).await.unwrap().lead_days, 9);
    std::fs::write(dir.join("settings-desktop.png"), b.screenshot().await.unwrap()).unwrap();

    // Narrow (phone) width.
    b.set_size(390, 2400).await.unwrap();
    for r in REPORTS {
        open_report(&b, r).await;
        b.js("window.scrollTo(0,0)").await.unwrap();
        std::fs::write(dir.join(format!("{r}-narrow.png")), b.screenshot().await.unwrap()).unwrap();
    }

    // A forged launch (a made-up AUTH_ID with the real member_id and DOMAIN) sees nothing.
    b.frame(None).await.unwrap();
    b.goto("about:blank").await.unwrap();
    let forged = format!(
        "const f=document.createElement('form'); f.method='POST'; f.action='{}/app/{}/?DOMAIN={}&LANG=ru'; \
         for (const [k,v] of [['AUTH_ID','forged0123456789'],['member_id','{}'],['PLACEMENT','DEFAULT']]) {{ const i=document.createElement('input'); i.name=k; i.value=v; f.appendChild(i); }} \
         document.body.appendChild(f); f.submit();",
        w.base, b24a_e2e::CLIENT_ID, w.portal.domain(), w.portal.member_id()
    );
    b.js(&forged).await.unwrap();
    b.wait_for("document.title && document.title.length > 0", 30).await.unwrap();
    let text = b.js("return document.body.innerText").await.unwrap();
    assert!(text.as_str().unwrap().contains("Доступ запрещён"), "{text}");
    let has_config = b.js("return !!document.getElementById('b24a-config')").await.unwrap();
    assert_eq!(has_config, Value::Bool(false), "no session, no data");
}
