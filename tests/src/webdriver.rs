//! A small W3C WebDriver client over reqwest, enough for these tests: sessions on Debian's chromedriver with the
//! flags that work in CI, navigation, frames, scripts, screenshots and window sizes. Never downloads a browser.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{anyhow, Context};
use base64::Engine;
use serde_json::{json, Value};

/// chromedriver on a free port plus one browser session.
pub struct Browser {
    driver: Child,
    http: reqwest::Client,
    url: String,
    _profile: tempdir::Dir,
    /// Where the browser saves downloads (inside the profile, removed with it).
    pub downloads: std::path::PathBuf,
}

mod tempdir {
    /// A fresh profile directory removed on drop.
    pub struct Dir(pub std::path::PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session of `width` × `height`.
    pub async fn start(width: u32, height: u32) -> anyhow::Result<Browser> {
        let port = free_port()?;
        let driver = Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting /usr/bin/chromedriver (apt-get install chromium chromium-driver)")?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()?;
        let base = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if http.get(format!("{base}/status")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = std::env::temp_dir().join(format!("b24a-e2e-{}-{port}", std::process::id()));
        let args = vec![
            "--headless".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-dev-shm-usage".into(),
            "--hide-scrollbars".into(),
            format!("--user-data-dir={}", profile.display()),
            format!("--window-size={width},{height}"),
        ];
        let downloads = profile.join("downloads");
        std::fs::create_dir_all(&downloads)?;
        let prefs = json!({"download.default_directory": downloads.display().to_string(),
            "download.prompt_for_download": false, "download.directory_upgrade": true});
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome",
            "goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": args, "prefs": prefs}}}});
        let resp: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await?
            .json()
            .await?;
        let sid = resp["value"]["sessionId"]
            .as_str()
            .ok_or_else(|| anyhow!("no session: {resp}"))?
            .to_string();
        let b = Browser {
            driver,
            http,
            url: format!("{base}/session/{sid}"),
            _profile: tempdir::Dir(profile),
            downloads,
        };
        // Headless Chromium ignores the download preference unless told over the DevTools protocol.
        b.cmd(reqwest::Method::POST, "/goog/cdp/execute", Some(json!({"cmd": "Browser.setDownloadBehavior",
            "params": {"behavior": "allow", "downloadPath": b.downloads.display().to_string(), "eventsEnabled": false}})))
            .await?;
        Ok(b)
    }

    /// Waits until the browser finished saving `name` into [`Browser::downloads`] and returns its bytes.
    pub async fn downloaded(&self, name: &str, secs: u64) -> anyhow::Result<Vec<u8>> {
        let path = self.downloads.join(name);
        let deadline = std::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let partial = std::fs::read_dir(&self.downloads)?
                .filter_map(|e| e.ok())
                .any(|e| e.file_name().to_string_lossy().ends_with(".crdownload"));
            if !partial {
                if let Ok(bytes) = std::fs::read(&path) {
                    if !bytes.is_empty() {
                        return Ok(bytes);
                    }
                }
            }
            if std::time::Instant::now() > deadline {
                let seen: Vec<String> = std::fs::read_dir(&self.downloads)?
                    .filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect();
                return Err(anyhow!("no download {name} (saw {seen:?})"));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Like [`Browser::downloaded`] for a file whose name starts with `prefix` (names carry the period's dates).
    pub async fn downloaded_prefix(
        &self,
        prefix: &str,
        secs: u64,
    ) -> anyhow::Result<(String, Vec<u8>)> {
        let deadline = std::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let names: Vec<String> = std::fs::read_dir(&self.downloads)?
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            let partial = names.iter().any(|n| n.ends_with(".crdownload"));
            if !partial {
                if let Some(n) = names
                    .iter()
                    .find(|n| n.starts_with(prefix) && n.ends_with(".xlsx"))
                {
                    let bytes = std::fs::read(self.downloads.join(n))?;
                    if !bytes.is_empty() {
                        return Ok((n.clone(), bytes));
                    }
                }
            }
            if std::time::Instant::now() > deadline {
                return Err(anyhow!(
                    "no download starting with {prefix:?} (saw {names:?})"
                ));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    async fn cmd(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        let mut req = self.http.request(method, format!("{}{path}", self.url));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let v: Value = req.send().await?.json().await?;
        if let Some(err) = v["value"]["error"].as_str() {
            return Err(anyhow!(
                "webdriver {path}: {err}: {}",
                v["value"]["message"]
            ));
        }
        Ok(v["value"].clone())
    }

    pub async fn goto(&self, url: &str) -> anyhow::Result<()> {
        self.cmd(reqwest::Method::POST, "/url", Some(json!({"url": url})))
            .await
            .map(|_| ())
    }

    /// Switches into the first iframe (the app inside the portal page), or back to the top with `None`.
    pub async fn frame(&self, index: Option<u32>) -> anyhow::Result<()> {
        self.cmd(reqwest::Method::POST, "/frame", Some(json!({"id": index})))
            .await
            .map(|_| ())
    }

    /// Runs a script (its `return` value comes back).
    pub async fn js(&self, script: &str) -> anyhow::Result<Value> {
        self.cmd(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
        .await
    }

    /// Runs an async script; it must call `arguments[arguments.length-1](result)`.
    pub async fn js_async(&self, script: &str) -> anyhow::Result<Value> {
        self.cmd(
            reqwest::Method::POST,
            "/execute/async",
            Some(json!({"script": script, "args": []})),
        )
        .await
    }

    /// Calls our API from inside the page, as the page's own code does: `fetch(path)` on the page's origin with the
    /// session of the page's embedded config (`x-b24a-session`), `body` sent as JSON when given. Returns the HTTP
    /// status and the JSON answer (`null` when the answer is not JSON). The one page-side fetch of the tests.
    pub async fn page_api(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> anyhow::Result<(u16, Value)> {
        const SCRIPT: &str = "const [method, path, body] = arguments; const done = arguments[arguments.length - 1]; \
            const session = JSON.parse(document.getElementById('b24a-config').textContent).session; \
            const headers = {'x-b24a-session': session}; \
            if (body !== null) headers['content-type'] = 'application/json'; \
            fetch(path, {method, headers, body: body === null ? undefined : JSON.stringify(body)}) \
              .then(r => r.text().then(t => { let j = null; try { j = JSON.parse(t); } catch (e) {} done([r.status, j]); })) \
              .catch(e => done([0, String(e)]));";
        let answer = self
            .cmd(
                reqwest::Method::POST,
                "/execute/async",
                Some(json!({"script": SCRIPT, "args": [method, path, body]})),
            )
            .await?;
        let status = answer[0]
            .as_u64()
            .ok_or_else(|| anyhow!("page_api {method} {path}: no status in {answer}"))?;
        Ok((status as u16, answer[1].clone()))
    }

    /// Waits until `condition` (a JS expression) is truthy.
    pub async fn wait_for(&self, condition: &str, secs: u64) -> anyhow::Result<()> {
        let deadline = std::time::Instant::now() + Duration::from_secs(secs);
        loop {
            if self
                .js(&format!("return !!({condition});"))
                .await
                .unwrap_or(Value::Bool(false))
                == Value::Bool(true)
            {
                return Ok(());
            }
            if std::time::Instant::now() > deadline {
                return Err(anyhow!("timed out waiting for {condition}"));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    pub async fn set_size(&self, width: u32, height: u32) -> anyhow::Result<()> {
        self.cmd(
            reqwest::Method::POST,
            "/window/rect",
            Some(json!({"width": width, "height": height})),
        )
        .await
        .map(|_| ())
    }

    /// A PNG of the viewport.
    pub async fn screenshot(&self) -> anyhow::Result<Vec<u8>> {
        let v = self.cmd(reqwest::Method::GET, "/screenshot", None).await?;
        Ok(base64::engine::general_purpose::STANDARD.decode(v.as_str().unwrap_or(""))?)
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // End the session first: chromedriver then quits Chromium. Killing only the driver would orphan the browser
        // (a dozen processes per test left running until the machine stops).
        end_session(&self.url);
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// `DELETE /session/{id}` with plain blocking I/O (drop cannot await), bounded by short timeouts.
fn end_session(session_url: &str) {
    use std::io::{Read, Write};
    let Some(rest) = session_url.strip_prefix("http://") else {
        return;
    };
    let Some((host, path)) = rest.split_once('/') else {
        return;
    };
    let Ok(addr) = host.parse::<std::net::SocketAddr>() else {
        return;
    };
    let timeout = std::time::Duration::from_secs(5);
    let Ok(mut stream) = std::net::TcpStream::connect_timeout(&addr, timeout) else {
        return;
    };
    let _ = stream.set_read_timeout(Some(timeout));
    let _ = stream.set_write_timeout(Some(timeout));
    let request = format!(
        "DELETE /{path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    if stream.write_all(request.as_bytes()).is_ok() {
        let mut sink = Vec::new();
        let _ = stream.read_to_end(&mut sink);
    }
}
