//! Pages in a real headless Chromium at phone size, driven through chromedriver over the W3C
//! WebDriver HTTP protocol (plain `reqwest`, no WebDriver crate): log in through the form, use
//! the admin-unit filter (htmx swaps the list in place), check that no page overflows the phone
//! width, and save screenshots to `target/screenshots/` for people to look at.
//!
//! Skipped (with a note) when Chromium or chromedriver is not installed, unless
//! `TUPHAP_REQUIRE_BROWSER=1` (CI), in which case that is a failure.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{PASSWORD, spawn_app};

pub(crate) const CHROMIUM: &str = "/usr/bin/chromium";
pub(crate) const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// The W3C name of an element reference in JSON.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Runs a browser scenario (bounded to 4 minutes), or skips it with a note when Chromium or
/// chromedriver is not installed (a failure instead when `TUPHAP_REQUIRE_BROWSER=1`).
pub(crate) async fn run_in_browser(scenario: impl std::future::Future<Output = ()>) {
    let have = Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists();
    if !have {
        assert!(
            !browser_required(),
            "TUPHAP_REQUIRE_BROWSER=1 but {CHROMIUM} or {CHROMEDRIVER} is missing"
        );
        eprintln!("note: {CHROMIUM} or {CHROMEDRIVER} not installed; browser test skipped");
        return;
    }
    let outcome = tokio::time::timeout(Duration::from_secs(240), scenario).await;
    assert!(outcome.is_ok(), "browser test timed out");
}

pub(crate) fn browser_required() -> bool {
    std::env::var("TUPHAP_REQUIRE_BROWSER").is_ok_and(|v| v == "1" || v == "true")
}

/// Where screenshots go: `$CARGO_TARGET_DIR/screenshots`, else `<workspace>/target/screenshots`.
fn screenshot_dir() -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) if Path::new(&d).is_absolute() => PathBuf::from(d),
        Some(d) => workspace.join(d),
        None => workspace.join("target"),
    };
    target.join("screenshots")
}

/// Standard base64 (what WebDriver screenshots are) to bytes.
fn base64_decode(s: &str) -> Vec<u8> {
    fn val(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for v in s.bytes().filter_map(val) {
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((acc >> bits) & 0xff).unwrap());
        }
    }
    out
}

/// chromedriver and its browser session; both are ended when this is dropped, also when a
/// test assertion fails half-way.
pub(crate) struct Driver {
    child: Child,
    port: u16,
    session: Option<String>,
    http: reqwest::Client,
    profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Close the browser first (a blocking DELETE on a raw socket: no runtime needed here),
        // then stop chromedriver.
        if let Some(id) = self.session.take()
            && let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", self.port))
        {
            let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
            let _ = write!(
                s,
                "DELETE /session/{id} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                self.port
            );
            let mut sink = Vec::new();
            let _ = s.read_to_end(&mut sink);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    pub(crate) async fn start() -> Driver {
        let port = tuphap_testkit::free_port();
        // Vietnamese locale for the browser (date inputs show dd/mm/yyyy when Chromium's
        // Vietnamese locale files are installed; Debian's `chromium` has only en-US).
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .env("LANG", "vi_VN.UTF-8")
            .env("LANGUAGE", "vi")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let mut d = Driver {
            child,
            port,
            session: None,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap(),
            profile: tuphap_testkit::temp_dir(),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(r) = d.http.get(d.url("/status")).send().await
                && let Ok(v) = r.json::<Value>().await
                && v["value"]["ready"] == true
            {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not become ready"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = d.profile.path().to_string_lossy().to_string();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    format!("--user-data-dir={profile}"), "--window-size=390,844",
                    "--lang=vi-VN", "--accept-lang=vi-VN,vi"
                ],
                // Desktop Chrome keeps windows at least 500px wide: emulate the phone's
                // viewport (390×844 CSS px) so that layout and overflow are a phone's.
                "mobileEmulation": {"deviceMetrics": {
                    "width": 390, "height": 844, "pixelRatio": 2.0, "mobile": true, "touch": true
                }}
            },
            "goog:loggingPrefs": {"browser": "ALL"}
        }}});
        let v = d.call("POST", "/session", Some(caps)).await;
        let id = v["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {v}"))
            .to_string();
        d.session = Some(id);
        d.cmd(
            "POST",
            "/timeouts",
            Some(json!({"implicit": 5000, "pageLoad": 30000})),
        )
        .await;
        d
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// One WebDriver call; returns its `value`, panicking with the driver's message on error.
    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let req = match method {
            "GET" => self.http.get(self.url(path)),
            "DELETE" => self.http.delete(self.url(path)),
            _ => self
                .http
                .post(self.url(path))
                .json(&body.unwrap_or_else(|| json!({}))),
        };
        let r = req.send().await.unwrap();
        let status = r.status();
        let v: Value = r.json().await.unwrap();
        assert!(
            status.is_success(),
            "{method} {path}: {status}: {}",
            v["value"]
        );
        v["value"].clone()
    }

    /// A call on the session.
    async fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let id = self.session.clone().unwrap();
        self.call(method, &format!("/session/{id}{path}"), body)
            .await
    }

    pub(crate) async fn goto(&self, url: &str) {
        self.cmd("POST", "/url", Some(json!({"url": url}))).await;
    }

    async fn find(&self, css: &str) -> String {
        let v = self
            .cmd(
                "POST",
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        v[ELEMENT_KEY]
            .as_str()
            .unwrap_or_else(|| panic!("element {css}: {v}"))
            .to_string()
    }

    pub(crate) async fn type_into(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        self.cmd("POST", &format!("/element/{el}/clear"), None)
            .await;
        self.cmd(
            "POST",
            &format!("/element/{el}/value"),
            Some(json!({"text": text})),
        )
        .await;
    }

    pub(crate) async fn click(&self, css: &str) {
        let el = self.find(css).await;
        self.cmd("POST", &format!("/element/{el}/click"), None)
            .await;
    }

    pub(crate) async fn text(&self, css: &str) -> String {
        let el = self.find(css).await;
        self.cmd("GET", &format!("/element/{el}/text"), None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    async fn title(&self) -> String {
        self.cmd("GET", "/title", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    async fn current_url(&self) -> String {
        self.cmd("GET", "/url", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The value of a cookie of the current page's site (HttpOnly ones included).
    pub(crate) async fn cookie(&self, name: &str) -> Option<String> {
        let all = self.cmd("GET", "/cookie", None).await;
        all.as_array()?
            .iter()
            .find(|c| c["name"] == name)
            .and_then(|c| c["value"].as_str().map(str::to_string))
    }

    pub(crate) async fn js(&self, script: &str) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
        .await
    }

    /// Polls `script` until it returns true.
    pub(crate) async fn wait_for(&self, what: &str, script: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if self.js(script).await == true {
                return;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits for the page to be loaded and htmx to be idle.
    pub(crate) async fn settle(&self) {
        self.wait_for(
            "page load",
            "return document.readyState === 'complete' && !document.querySelector('.htmx-request');",
        )
        .await;
    }

    /// Saves a screenshot of the viewport to `target/screenshots/<name>.png`.
    pub(crate) async fn screenshot(&self, name: &str) -> PathBuf {
        let b64 = self.cmd("GET", "/screenshot", None).await;
        let png = base64_decode(b64.as_str().unwrap());
        assert!(png.starts_with(b"\x89PNG"), "a PNG");
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        eprintln!("screenshot: {}", path.display());
        path
    }

    /// Scrolls `css` to the top of the viewport, then saves a screenshot.
    pub(crate) async fn screenshot_at(&self, name: &str, css: &str) -> PathBuf {
        self.js(&format!(
            "document.querySelector({css:?}).scrollIntoView({{block: 'start'}}); return true;"
        ))
        .await;
        self.screenshot(name).await
    }

    /// Asserts the page is no wider than the phone's viewport.
    pub(crate) async fn assert_no_horizontal_overflow(&self, page: &str) {
        let v = self
            .js("return [document.documentElement.scrollWidth, window.innerWidth];")
            .await;
        let (scroll, inner) = (v[0].as_i64().unwrap(), v[1].as_i64().unwrap());
        assert!(
            scroll <= inner,
            "{page}: page is {scroll}px wide in a {inner}px window"
        );
    }

    /// Browser console messages since the last call (chromedriver's legacy log endpoint).
    pub(crate) async fn console(&self) -> Vec<String> {
        let id = self.session.clone().unwrap_or_default();
        let r = self
            .http
            .post(self.url(&format!("/session/{id}/se/log")))
            .json(&json!({"type": "browser"}))
            .send()
            .await;
        match r {
            Ok(r) if r.status().is_success() => r
                .json::<Value>()
                .await
                .ok()
                .and_then(|v| v["value"].as_array().cloned())
                .unwrap_or_default()
                .iter()
                .map(|e| format!("{} {}", e["level"], e["message"]))
                .collect(),
            _ => Vec::new(),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phone_sized_browser_session() {
    run_in_browser(run_browser()).await;
}

async fn run_browser() {
    let app = spawn_app().await;
    app.add_user("admin", "admin", "BTP").await;
    let d = Driver::start().await;

    // An anonymous visit lands on the login form, which brings us back afterwards.
    d.goto(&app.at("/reference/admin-units")).await;
    d.settle().await;
    assert!(d.current_url().await.contains("/login?next="));
    assert!(d.title().await.starts_with("Đăng nhập"));
    d.screenshot("login").await;
    d.assert_no_horizontal_overflow("login").await;
    // Back to a plain login so that we land on the home page.
    d.goto(&app.at("/login")).await;
    d.type_into("#username", "admin").await;
    d.type_into("#password", PASSWORD).await;
    d.click("form[action='/login'] button[type=submit]").await;
    d.wait_for(
        "the home page",
        "return document.title.startsWith('Trang chủ');",
    )
    .await;
    d.settle().await;
    let h1 = d.text("h1").await;
    assert!(h1.starts_with("Xin chào"), "{h1}");
    assert!(h1.contains("Cán bộ admin"));
    d.screenshot("home").await;
    d.assert_no_horizontal_overflow("home").await;

    // Admin units: the list, then the filter form (htmx swaps the results in place).
    d.goto(&app.at("/reference/admin-units")).await;
    d.settle().await;
    assert!(d.title().await.starts_with("Đơn vị hành chính"));
    let rows = d
        .js("return document.querySelectorAll('#ket-qua tbody tr').length;")
        .await;
    assert_eq!(rows, 34, "34 provinces today");
    d.screenshot("admin-units").await;
    d.assert_no_horizontal_overflow("admin-units").await;
    // htmx is loaded and the CSRF meta is there for it.
    assert_eq!(d.js("return typeof window.htmx;").await, "object");

    // Mark the document: a full page load would lose the mark, an htmx swap keeps it.
    d.js("window.__khongTaiLai = true; return true;").await;
    d.js("const i = document.getElementById('as_of'); i.value = '2024-01-01'; i.dispatchEvent(new Event('change', {bubbles: true})); return true;")
        .await;
    d.settle().await;
    d.wait_for(
        "63 provinces on 01/01/2024",
        "return document.querySelectorAll('#ket-qua tbody tr').length === 63;",
    )
    .await;
    // The province select was refreshed for the date (63 provinces + "Tất cả").
    d.wait_for(
        "the province select of 2024",
        "return document.querySelectorAll('#parent option').length === 64;",
    )
    .await;
    d.click("#level option[value=commune]").await;
    d.settle().await;
    d.type_into("#q", "truc bach").await;
    d.click("form[role=search] button[type=submit]").await;
    d.wait_for(
        "the search result",
        "const t = document.getElementById('ket-qua').innerText; return t.includes('Phường Trúc Bạch') && document.querySelectorAll('#ket-qua tbody tr').length === 1;",
    )
    .await;
    d.settle().await;
    assert_eq!(
        d.js("return window.__khongTaiLai === true;").await,
        true,
        "updated in place, no page load"
    );
    assert_eq!(
        d.js("return document.querySelectorAll('header.top').length;")
            .await,
        1,
        "a fragment, not a page inside the page"
    );
    let url = d.current_url().await;
    assert!(
        url.contains("q=truc+bach") || url.contains("q=truc%20bach"),
        "{url}"
    );
    assert!(
        url.contains("level=commune") && url.contains("as_of=2024-01-01"),
        "{url}"
    );
    d.screenshot("admin-units-filtered").await;
    d.screenshot_at("admin-units-filtered-results", "#ket-qua")
        .await;
    d.assert_no_horizontal_overflow("admin-units-filtered")
        .await;

    // The pushed URL is a real page (works on reload, without htmx).
    d.goto(&url).await;
    d.settle().await;
    assert!(d.text("#ket-qua").await.contains("Phường Trúc Bạch"));

    // The detail page, across the reform.
    d.click("#ket-qua a.code").await;
    d.settle().await;
    assert!(d.text("h1").await.contains("Phường Trúc Bạch"));
    let body = d.text("main").await;
    assert!(body.contains("Phường Ba Đình"), "{body}");
    d.screenshot("admin-unit-00004").await;
    d.screenshot_at("admin-unit-00004-versions", "table").await;
    d.assert_no_horizontal_overflow("admin-unit-00004").await;

    // The other pages, for the eye and the width check.
    for (name, path, at) in [
        (
            "personal-id",
            "/tools/personal-id?number=001095012345&sex=male&date_of_birth=1995-01-01",
            "section.card",
        ),
        (
            "personal-id-error",
            "/tools/personal-id?number=001295012345&sex=male&date_of_birth=1995-01-01",
            "",
        ),
        (
            "calendar",
            "/calendar?year=2026&from=2026-02-13&days=5",
            "#thoi-han",
        ),
        ("audit", "/audit?verify=1", "#nhat-ky"),
        ("users", "/users", "#them-nguoi-dung"),
    ] {
        d.goto(&app.at(path)).await;
        d.settle().await;
        d.screenshot(name).await;
        d.assert_no_horizontal_overflow(name).await;
        if !at.is_empty() {
            d.screenshot_at(&format!("{name}-2"), at).await;
        }
    }
    // The calendar's add form posts and redirects back with a message (no JS involved).
    d.goto(&app.at("/calendar?year=2026")).await;
    d.settle().await;
    d.js("const i = document.getElementById('adj-date'); i.value = '2026-03-16'; return true;")
        .await;
    d.type_into("#adj-name", "Nghỉ thử trên trình duyệt").await;
    d.click("form[action='/calendar/adjustments'] button[type=submit]")
        .await;
    d.wait_for(
        "the saved message",
        "return document.body.innerText.includes('Đã lưu điều chỉnh lịch ngày 16/03/2026.');",
    )
    .await;
    d.screenshot_at("calendar-saved", "#dieu-chinh").await;
    d.assert_no_horizontal_overflow("calendar-saved").await;

    let console = d.console().await;
    for line in &console {
        eprintln!("browser console: {line}");
    }
}
