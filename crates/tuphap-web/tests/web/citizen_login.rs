//! Citizen login (online public services): the full OpenID Connect authorization code + PKCE
//! flow over real HTTP, between the real app and the simulated identity provider of
//! `tuphap-sim` (in-process on 127.0.0.1:0), then "Trang của tôi" with what the registry holds.
//! Negative cases: wrong state, replayed code, bad PKCE verifier, expired / forged / wrong-nonce
//! / wrong-audience ID tokens, provider down, unregistered redirect URI, and a citizen session
//! refused on staff pages and APIs.

use reqwest::Method;
use serde_json::json;
use tuphap_sim::oidc::{OidcClient, OidcConfig, OidcFault};
use tuphap_sim::{Sim, SimConfig};
use tuphap_store::Engine;
use tuphap_web::citizen::OidcSettings;

use crate::api_civil::{actors, declare_and_register, spouse};
use crate::support::{TestApp, location, new_client, spawn_app_with};

pub(crate) const CLIENT_ID: &str = "tuphap-test";
pub(crate) const CLIENT_SECRET: &str = "bi-mat-cua-ung-dung";
/// The first test identity of the simulated provider.
pub(crate) const AN: &str = "001090012345";

pub(crate) struct Idp {
    pub url: String,
    pub sim: Sim,
    _stop: tokio::sync::oneshot::Sender<()>,
}

pub(crate) async fn start_idp() -> Idp {
    let sim = Sim::open(SimConfig {
        agencies: vec![],
        oidc: Some(OidcConfig::default()),
        ..SimConfig::default()
    })
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(tuphap_sim::serve(listener, sim.clone(), async {
        let _ = rx.await;
    }));
    Idp {
        url,
        sim,
        _stop: tx,
    }
}

/// The app on `engine` with citizen login against `issuer`, and that client registered there.
pub(crate) async fn citizen_app(engine: Engine, idp: &Idp, issuer: &str) -> Option<TestApp> {
    let issuer = issuer.to_string();
    let app = spawn_app_with(engine, move |state, url| {
        state.with_citizen_login(OidcSettings {
            issuer,
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            redirect_uri: format!("{url}/citizen/callback"),
        })
    })
    .await?;
    idp.sim
        .register_oidc_client(OidcClient {
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            redirect_uris: vec![format!("{}/citizen/callback", app.url)],
        })
        .unwrap();
    Some(app)
}

/// Query parameters of a URL (percent-decoded).
pub(crate) fn query_of(url: &str) -> Vec<(String, String)> {
    let q = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
    url::form_urlencoded_parse(q)
}

mod url {
    pub fn form_urlencoded_parse(q: &str) -> Vec<(String, String)> {
        q.split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (decode(k), decode(v))
            })
            .collect()
    }
    fn decode(s: &str) -> String {
        let b = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'%' if i + 2 < b.len() => {
                    let h = std::str::from_utf8(&b[i + 1..i + 3]).unwrap();
                    out.push(u8::from_str_radix(h, 16).unwrap());
                    i += 3;
                }
                b'+' => {
                    out.push(b' ');
                    i += 1;
                }
                c => {
                    out.push(c);
                    i += 1;
                }
            }
        }
        String::from_utf8(out).unwrap()
    }
}

pub(crate) fn param<'a>(q: &'a [(String, String)], k: &str) -> Option<&'a str> {
    q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
}

/// Steps 1–3 of a login in `c`: `/citizen/login` → the provider's page → the identity picked.
/// Returns the callback URL the provider sends the browser to.
pub(crate) async fn authorize(app: &TestApp, c: &reqwest::Client, pick: &str) -> String {
    let r = c.get(app.at("/citizen/login")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let to_idp = location(&r);
    assert!(to_idp.contains("/authorize?"), "{to_idp}");
    let q = query_of(&to_idp);
    assert_eq!(param(&q, "code_challenge_method"), Some("S256"));
    assert_eq!(param(&q, "response_type"), Some("code"));
    assert!(param(&q, "state").is_some() && param(&q, "nonce").is_some());
    // The simulated VNeID page.
    let r = c.get(&to_idp).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("VNeID (mô phỏng)"), "{page}");
    let base = to_idp.split_once('?').unwrap().0.to_string();
    let mut form = q.clone();
    form.push(("pick".into(), pick.into()));
    let r = c.post(&base).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let back = location(&r);
    assert!(back.starts_with(&app.at("/citizen/callback?")), "{back}");
    back
}

fn with_query(base: &str, params: &[(&str, &str)]) -> String {
    let q: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", crate::support::encode(v)))
        .collect();
    format!("{base}?{}", q.join("&"))
}

fn set_cookie(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap_or_default().to_string())
}

fn error_code(r: &reqwest::Response) -> String {
    r.headers()
        .get("x-error-code")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn citizen_logs_in_with_code_and_pkce_and_sees_their_registry_entry_on_every_engine() {
    let idp = start_idp().await;
    for engine in [Engine::Sqlite, Engine::Postgres] {
        let Some(app) = citizen_app(engine, &idp, &idp.url).await else {
            continue;
        };
        let e = engine.as_str();
        // The registry holds An: married at the Ba Đình office.
        let a = actors(&app).await;
        let (s, v) = declare_and_register(
            &app,
            &a,
            "/api/v1/civil/marriages",
            &json!({"husband": spouse("Nguyễn Văn An", "1990-03-15", AN),
                    "wife": spouse("Phạm Thị Hoa", "1992-05-05", "001192003003")}),
        )
        .await;
        assert_eq!(s, 200, "{e}: {v}");

        let c = new_client();
        // Not logged in: the invitation to log in with VNeID.
        let r = c.get(app.at("/citizen")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.text().await.unwrap().contains("Đăng nhập bằng VNeID"));
        let back = authorize(&app, &c, AN).await;
        let r = c.get(&back).send().await.unwrap();
        assert_eq!(r.status(), 303, "{e}: {}", r.text().await.unwrap());
        assert_eq!(location(&r), "/citizen");
        let token = set_cookie(&r, "tuphap_citizen").expect("citizen session cookie");
        assert!(!token.is_empty());
        assert!(
            set_cookie(&r, "tuphap_session").is_none(),
            "no staff session"
        );

        let r = c.get(app.at("/citizen")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let page = r.text().await.unwrap();
        assert!(page.contains("Trang của tôi"), "{e}: {page}");
        assert!(page.contains("Nguyễn Văn An"), "{e}");
        assert!(page.contains(AN), "{e}");
        assert!(page.contains("Kết hôn"), "{e}: the marriage event");
        assert!(page.contains("Đang có vợ"), "{e}: civil status");
        assert!(page.contains("Thông tin điền sẵn vào biểu mẫu"), "{e}");
        assert!(
            page.contains("15/03/1990"),
            "{e}: date of birth from the registry"
        );

        // The read is audited as the data subject's.
        let entries = app
            .store
            .audit_entries(&tuphap_store::audit::AuditFilter {
                target_type: Some("person".into()),
                limit: 100,
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(
            entries.iter().any(|x| x.action == "citizen.person.read"
                && x.actor_username.as_deref() == Some(&format!("citizen:{AN}"))
                && x.actor_user_id.is_none()),
            "{e}: {entries:?}"
        );

        // A citizen is not staff: not on staff pages, not on the API, not with their token
        // put in the staff cookie.
        let r = c.get(app.at("/")).send().await.unwrap();
        assert_eq!(r.status(), 303, "{e}");
        assert!(location(&r).starts_with("/login"), "{e}");
        let r = c.get(app.at("/civil")).send().await.unwrap();
        assert!(location(&r).starts_with("/login"), "{e}");
        let (s, _) = app
            .call(Method::GET, "/api/v1/civil/persons/1", Some(&token), None)
            .await;
        assert_eq!(s, 401, "{e}: citizen token on the staff API");
        let r = new_client()
            .get(app.at("/civil"))
            .header("cookie", format!("tuphap_session={token}"))
            .send()
            .await
            .unwrap();
        assert!(
            location(&r).starts_with("/login"),
            "{e}: citizen token as staff cookie"
        );

        // Log out (CSRF of the citizen session), then the invitation again.
        let r = c
            .post(app.at("/citizen/logout"))
            .form(&[("csrf", "wrong")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{e}");
        let csrf = crate::support::hidden_csrf(&page);
        let r = c
            .post(app.at("/citizen/logout"))
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{e}");
        let r = new_client()
            .get(app.at("/citizen"))
            .header("cookie", format!("tuphap_citizen={token}"))
            .send()
            .await
            .unwrap();
        let page = r.text().await.unwrap();
        assert!(!page.contains("Trang của tôi"), "{e}: session ended");
    }
}

#[tokio::test]
async fn a_citizen_the_registry_does_not_know_is_told_so_and_typed_identities_work() {
    let idp = start_idp().await;
    let app = citizen_app(Engine::Sqlite, &idp, &idp.url).await.unwrap();
    let c = new_client();
    let r = c.get(app.at("/citizen/login")).send().await.unwrap();
    let to_idp = location(&r);
    let q = query_of(&to_idp);
    let base = to_idp.split_once('?').unwrap().0.to_string();
    // A typed personal ID that is not valid: the provider's page says so.
    let mut form = q.clone();
    form.extend([
        ("personal_id".to_string(), "123".to_string()),
        ("name".to_string(), "Võ Thị Sáu".to_string()),
    ]);
    let r = c.post(&base).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("không hợp lệ"));
    let mut form = q.clone();
    form.extend([
        ("personal_id".to_string(), "079199001234".to_string()),
        ("name".to_string(), "Võ Thị Sáu".to_string()),
        ("birthdate".to_string(), "1999-01-02".to_string()),
        ("gender".to_string(), "female".to_string()),
    ]);
    let r = c.post(&base).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let r = c.get(location(&r)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let page = c
        .get(app.at("/citizen"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Võ Thị Sáu"), "{page}");
    assert!(page.contains("chưa có thông tin về số định danh 079199001234"));
    // Pre-filled from VNeID when the registry holds nothing.
    assert!(page.contains("02/01/1999"), "{page}");
}

#[tokio::test]
async fn wrong_state_replayed_code_and_bad_verifier_are_refused() {
    let idp = start_idp().await;
    let app = citizen_app(Engine::Sqlite, &idp, &idp.url).await.unwrap();

    // Wrong state: refused, and the login in progress is spent.
    let c = new_client();
    let back = authorize(&app, &c, AN).await;
    let q = query_of(&back);
    let forged = format!(
        "{}?code={}&state=not-the-state",
        app.at("/citizen/callback"),
        param(&q, "code").unwrap()
    );
    let r = c.get(&forged).send().await.unwrap();
    assert_eq!(
        (r.status().as_u16(), error_code(&r)),
        (400, "state_mismatch".into())
    );
    let body = r.text().await.unwrap();
    assert!(body.contains("state_mismatch") && body.contains("Không đăng nhập được"));
    let r = c.get(&back).send().await.unwrap();
    assert_eq!(
        (r.status().as_u16(), error_code(&r)),
        (400, "login_expired".into())
    );

    // Replayed code: a good login, then its code again in a new login (right state).
    let c = new_client();
    let back = authorize(&app, &c, AN).await;
    let used_code = param(&query_of(&back), "code").unwrap().to_string();
    let r = c.get(&back).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let r = c.get(app.at("/citizen/login")).send().await.unwrap();
    let state = param(&query_of(&location(&r)), "state")
        .unwrap()
        .to_string();
    let replay = format!(
        "{}?code={used_code}&state={state}",
        app.at("/citizen/callback")
    );
    let r = c.get(&replay).send().await.unwrap();
    assert_eq!(
        (r.status().as_u16(), error_code(&r)),
        (400, "code_exchange_refused".into())
    );
    assert!(r.text().await.unwrap().contains("invalid_grant"));

    // A bad PKCE verifier at the token endpoint (as a thief of the code would send), then the
    // right one: the code is spent by the first attempt.
    let c = new_client();
    let back = authorize(&app, &c, AN).await;
    let code = param(&query_of(&back), "code").unwrap().to_string();
    let token_url = format!("{}/token", idp.url);
    let redirect_uri = app.at("/citizen/callback");
    let try_token = |verifier: &'static str| {
        let (code, token_url, redirect_uri) =
            (code.clone(), token_url.clone(), redirect_uri.clone());
        async move {
            let r = reqwest::Client::new()
                .post(&token_url)
                .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
                .form(&[
                    ("grant_type", "authorization_code"),
                    ("code", code.as_str()),
                    ("redirect_uri", redirect_uri.as_str()),
                    ("code_verifier", verifier),
                ])
                .send()
                .await
                .unwrap();
            let s = r.status().as_u16();
            (s, r.json::<serde_json::Value>().await.unwrap())
        }
    };
    let (s, v) = try_token("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").await;
    assert_eq!(
        (s, v["error"].as_str()),
        (400, Some("invalid_grant")),
        "{v}"
    );
    let r = c.get(&back).send().await.unwrap();
    assert_eq!(
        (r.status().as_u16(), error_code(&r)),
        (400, "code_exchange_refused".into())
    );

    // Wrong client secret (client_secret_post).
    let r = reqwest::Client::new()
        .post(&token_url)
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", "x"),
            ("client_id", CLIENT_ID),
            ("client_secret", "sai"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn expired_forged_wrong_nonce_and_wrong_audience_tokens_are_refused() {
    let idp = start_idp().await;
    let app = citizen_app(Engine::Sqlite, &idp, &idp.url).await.unwrap();
    for (fault, code) in [
        (OidcFault::ExpiredIdToken, "id_token_invalid"),
        (OidcFault::ForeignKey, "id_token_invalid"),
        (OidcFault::WrongAudience, "id_token_invalid"),
        (OidcFault::WrongNonce, "nonce_mismatch"),
    ] {
        idp.sim.set_oidc_fault(fault);
        let c = new_client();
        let back = authorize(&app, &c, AN).await;
        let r = c.get(&back).send().await.unwrap();
        assert_eq!(
            (r.status().as_u16(), error_code(&r)),
            (400, code.to_string()),
            "{fault:?}"
        );
        assert!(set_cookie(&r, "tuphap_citizen").is_none(), "{fault:?}");
        let page = c
            .get(app.at("/citizen"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!page.contains("Trang của tôi"), "{fault:?}");
    }
    idp.sim.set_oidc_fault(OidcFault::None);
    let c = new_client();
    let back = authorize(&app, &c, AN).await;
    assert_eq!(c.get(&back).send().await.unwrap().status(), 303);
}

#[tokio::test]
async fn provider_down_and_unregistered_redirects_give_clear_pages() {
    // A provider nobody listens on.
    let idp = start_idp().await;
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let app = citizen_app(Engine::Sqlite, &idp, &closed).await.unwrap();
    let r = new_client()
        .get(app.at("/citizen/login"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (r.status().as_u16(), error_code(&r)),
        (502, "provider_unavailable".into())
    );
    assert!(r.text().await.unwrap().contains("Không kết nối được"));

    // The provider refuses an unregistered redirect URI on its own page (no redirect) and
    // sends a request without PKCE back with an error.
    let base = format!("{}/authorize", idp.url);
    let r = new_client()
        .get(with_query(
            &base,
            &[
                ("client_id", CLIENT_ID),
                ("redirect_uri", "http://evil.example/cb"),
                ("response_type", "code"),
                ("scope", "openid"),
                (
                    "code_challenge",
                    "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                ),
                ("code_challenge_method", "S256"),
            ],
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("redirect_uri_mismatch"));
    let cb = app.at("/citizen/callback");
    let r = new_client()
        .get(with_query(
            &base,
            &[
                ("client_id", CLIENT_ID),
                ("redirect_uri", cb.as_str()),
                ("response_type", "code"),
                ("scope", "openid"),
                ("state", "s1"),
                (
                    "code_challenge",
                    "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                ),
                ("code_challenge_method", "plain"),
            ],
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let q = query_of(&location(&r));
    assert_eq!(param(&q, "error"), Some("invalid_request"));
    assert_eq!(param(&q, "state"), Some("s1"));

    // Without citizen login configured: a clear 503 page.
    let plain = crate::support::spawn_app().await;
    let r = new_client()
        .get(plain.at("/citizen/login"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (r.status().as_u16(), error_code(&r)),
        (503, "citizen_login_not_configured".into())
    );
}
