//! `spawn_app`: the real router served on 127.0.0.1:0 over a fresh store.

use tuphap_domain::App;
use tuphap_domain::identity::NewUserInput;
use tuphap_store::{Engine, Store};
use tuphap_web::{AppState, WebConfig};

pub struct TestApp {
    pub url: String,
    pub store: Store,
    pub app: App,
    pub engine: Engine,
    pub client: reqwest::Client,
    _dir: tempfile::TempDir,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

pub const PASSWORD: &str = "mat-khau-rat-dai-2026";

impl TestApp {
    pub fn at(&self, path: &str) -> String {
        format!("{}{}", self.url, path)
    }

    /// Creates a user from the command-line path (no actor).
    pub async fn add_user(&self, username: &str, role: &str, unit: &str) {
        self.app
            .add_user(
                NewUserInput {
                    username: username.into(),
                    display_name: Some(format!("Cán bộ {username}")),
                    role: role.into(),
                    unit: unit.into(),
                    password: PASSWORD.into(),
                },
                None,
                &Default::default(),
            )
            .await
            .unwrap();
    }

    /// Logs in over the API and returns the bearer token.
    pub async fn token(&self, username: &str) -> String {
        let r = self
            .client
            .post(self.at("/api/v1/auth/login"))
            .json(&serde_json::json!({"username": username, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "login of {username}");
        let v: serde_json::Value = r.json().await.unwrap();
        v["token"].as_str().unwrap().to_string()
    }

    /// One API call: `method path` with an optional bearer token and JSON body; returns the
    /// status and the JSON answer (`Null` when the body is empty).
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let mut rb = self.client.request(method, self.at(path));
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        if let Some(b) = body {
            rb = rb.json(b);
        }
        let r = rb.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(serde_json::Value::Null))
    }

    pub async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let r = self.client.get(self.at(path)).send().await.unwrap();
        let status = r.status().as_u16();
        let body = r.json().await.unwrap_or(serde_json::Value::Null);
        (status, body)
    }
}

/// A fresh store on `engine`: `None` when that engine is not available here.
pub async fn fresh_store(engine: Engine, dir: &std::path::Path) -> Option<Store> {
    match engine {
        Engine::Sqlite => {
            let store = Store::open_sqlite(&dir.join("tuphap.db")).await.unwrap();
            store.migrate().await.unwrap();
            store.load_reference_data().await.unwrap();
            Some(store)
        }
        Engine::Postgres => {
            let server = tuphap_testkit::pg_server_url()?;
            let name = tuphap_testkit::unique_db_name("web");
            let url = tuphap_store::testing::fresh_pg_database(&server, &name)
                .await
                .unwrap();
            let store = Store::open(Some(&url), dir).await.unwrap();
            store.migrate().await.unwrap();
            store.load_reference_data().await.unwrap();
            Some(store)
        }
    }
}

pub async fn spawn_app_on(engine: Engine) -> Option<TestApp> {
    let dir = tuphap_testkit::temp_dir();
    let store = fresh_store(engine, dir.path()).await?;
    // Tests not about the second factor run without it, explicitly; `strong_auth.rs` sets the
    // production policy (`tuphap serve` always requires it).
    let app = App::new(store.clone())
        .with_keys_dir(dir.path().join("keys"))
        .with_auth(tuphap_domain::identity::AuthPolicy::without_second_factor());
    let state = AppState::new(app.clone(), WebConfig::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(tuphap_web::serve(listener, state, async {
        let _ = rx.await;
    }));
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    Some(TestApp {
        url,
        store,
        app,
        engine,
        client,
        _dir: dir,
        _shutdown: tx,
    })
}

/// The app on SQLite.
pub async fn spawn_app() -> TestApp {
    spawn_app_on(Engine::Sqlite).await.unwrap()
}

/// The app on every engine available here (SQLite always; PostgreSQL when a server can be had).
pub async fn spawn_apps() -> Vec<TestApp> {
    let mut v = vec![spawn_app().await];
    if let Some(pg) = spawn_app_on(Engine::Postgres).await {
        v.push(pg);
    }
    v
}

// Page tests: a browser-like client (cookies, no redirect following) and the real login form.

/// A browser-like client: its own cookie jar, redirects not followed.
pub fn new_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The value of the hidden `csrf` input of a page.
pub fn hidden_csrf(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("page has a csrf input") + marker.len();
    let end = html[start..].find('"').unwrap() + start;
    html[start..end].to_string()
}

/// Percent-encodes like the server's `encode_component`.
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

pub fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

/// Logs `username` in through the login form and returns its client (session cookie inside).
pub async fn login_as(app: &TestApp, username: &str, next: &str) -> reqwest::Client {
    let c = new_client();
    let r = c
        .get(app.at(&format!("/login?next={}", encode(next))))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body = r.text().await.unwrap();
    let csrf = hidden_csrf(&body);
    let r = c
        .post(app.at("/login"))
        .form(&[
            ("username", username),
            ("password", PASSWORD),
            ("csrf", csrf.as_str()),
            ("next", next),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "login of {username}");
    assert_eq!(location(&r), next);
    assert!(
        r.headers()
            .get_all("set-cookie")
            .iter()
            .any(|v| v.to_str().unwrap().starts_with("tuphap_session=")),
        "session cookie set"
    );
    c
}

/// Like [`spawn_app_on`], with the state adjusted by `configure(state, url)` before serving
/// (the URL is known: e.g. a citizen-login redirect URI).
pub async fn spawn_app_with(
    engine: Engine,
    configure: impl FnOnce(AppState, &str) -> AppState,
) -> Option<TestApp> {
    let dir = tuphap_testkit::temp_dir();
    let store = fresh_store(engine, dir.path()).await?;
    // Tests not about the second factor run without it, explicitly; `strong_auth.rs` sets the
    // production policy (`tuphap serve` always requires it).
    let app = App::new(store.clone())
        .with_keys_dir(dir.path().join("keys"))
        .with_auth(tuphap_domain::identity::AuthPolicy::without_second_factor());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let state = configure(AppState::new(app.clone(), WebConfig::default()), &url);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(tuphap_web::serve(listener, state, async {
        let _ = rx.await;
    }));
    Some(TestApp {
        url,
        store,
        app,
        engine,
        client: new_client(),
        _dir: dir,
        _shutdown: tx,
    })
}
