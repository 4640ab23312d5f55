//! A test double of the national identity provider (VNeID-style) speaking OpenID Connect:
//! discovery, `/authorize` (authorization code flow, PKCE S256 required), `/token`, `/jwks`,
//! `/userinfo`. It is NOT VNeID: there is no authentication at all — the "citizen" picks a test
//! identity (or types a personal ID and a name) on a simple page, and the provider vouches for
//! it. Only the protocol is real, so that the relying party (`tuphap serve`, `/citizen/…`)
//! runs its full flow over HTTP in the demo and in the tests.
//!
//! - The signing key (Ed25519, JWS `EdDSA`) is generated once and kept in the simulator's state
//!   file (`oidc.signing_key`), so tokens verify across restarts.
//! - Clients are registered by configuration (`--oidc-client ID:SECRET:REDIRECT_URI`) or at run
//!   time (`POST /sim/oidc/clients`, or [`crate::Sim::register_oidc_client`]); redirect URIs
//!   match exactly.
//! - Codes are single-use and live [`CODE_LIFETIME_SECS`]; they and the access tokens are kept
//!   in memory only (a restart ends logins in progress, like a real provider's restart would).
//! - The issuer is `--oidc-issuer` when given, otherwise `http://<Host header>` of the request.
//! - Fault injection for the relying party's tests: [`OidcFault`] (`POST /sim/oidc/fault`).

use std::collections::BTreeMap;
use std::sync::Mutex;

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use ed25519_dalek::{Signer, SigningKey};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::Sim;

/// How long an authorization code may be redeemed.
pub const CODE_LIFETIME_SECS: i64 = 60;
/// Lifetime of ID and access tokens.
pub const TOKEN_LIFETIME_SECS: i64 = 600;

/// A registered relying party.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OidcClient {
    pub client_id: String,
    pub client_secret: String,
    /// Exact redirect URIs (no wildcards, no prefix match).
    pub redirect_uris: Vec<String>,
}

impl OidcClient {
    /// Parses `ID:SECRET:REDIRECT_URI` (the redirect URI may itself contain `:`).
    pub fn parse(s: &str) -> Option<OidcClient> {
        let mut parts = s.splitn(3, ':');
        let (id, secret, uri) = (parts.next()?, parts.next()?, parts.next()?);
        if id.is_empty() || secret.is_empty() || !uri.starts_with("http") {
            return None;
        }
        Some(OidcClient {
            client_id: id.to_string(),
            client_secret: secret.to_string(),
            redirect_uris: vec![uri.to_string()],
        })
    }
}

/// Settings of the OIDC provider double.
#[derive(Debug, Clone, Default)]
pub struct OidcConfig {
    /// `iss` of the tokens; `http://<Host>` of each request when `None`.
    pub issuer: Option<String>,
    pub clients: Vec<OidcClient>,
    /// Test identities offered on the login page besides the built-in ones.
    pub identities: Vec<Identity>,
}

/// Deliberate misbehaviour, to test that the relying party refuses it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OidcFault {
    #[default]
    None,
    /// ID tokens already expired (`exp` ten minutes in the past).
    ExpiredIdToken,
    /// ID tokens signed by a key that is not in `/jwks`.
    ForeignKey,
    /// ID tokens with another `nonce` than the one asked for.
    WrongNonce,
    /// ID tokens for another audience.
    WrongAudience,
}

/// What the state file keeps of the provider.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct OidcState {
    /// The Ed25519 signing key seed, hex (generated on first start).
    pub signing_key: Option<String>,
    /// Clients registered at run time (`POST /sim/oidc/clients`).
    pub clients: Vec<OidcClient>,
    /// Test identities registered at run time (`POST /sim/oidc/identities`), e.g. persons of
    /// the demo's registry.
    pub identities: Vec<Identity>,
}

/// A test identity offered on the login page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub personal_id: String,
    pub name: String,
    /// YYYY-MM-DD
    pub birthdate: String,
    /// `male` / `female`
    pub gender: String,
}

impl Identity {
    /// Parses `PERSONAL_ID:NAME:YYYY-MM-DD:male|female` (birth date and gender may be empty).
    pub fn parse(s: &str) -> Option<Identity> {
        let mut p = s.splitn(4, ':');
        let (id, name) = (p.next()?.trim(), p.next()?.trim());
        let birthdate = p.next().unwrap_or_default().trim();
        let gender = p.next().unwrap_or_default().trim();
        if tuphap_core::personal_id::PersonalId::parse(id).is_err() || name.is_empty() {
            return None;
        }
        Some(Identity {
            personal_id: id.into(),
            name: name.into(),
            birthdate: birthdate.into(),
            gender: if gender == "female" { "female" } else { "male" }.into(),
        })
    }
}

/// Every identity offered by this provider: configured and registered ones, then the
/// built-in [`test_identities`].
fn identities(sim: &Sim) -> Vec<Identity> {
    let mut out: Vec<Identity> = sim
        .provider()
        .map(|p| p.config.identities.clone())
        .unwrap_or_default();
    out.extend(sim.with_state(|s| s.oidc.identities.clone()));
    out.extend(test_identities());
    let mut seen = std::collections::BTreeSet::new();
    out.retain(|i| seen.insert(i.personal_id.clone()));
    out
}

/// The built-in test identities of the login page.
pub fn test_identities() -> Vec<Identity> {
    [
        ("001090012345", "Nguyễn Văn An", "1990-03-15", "male"),
        ("079195004321", "Trần Thị Bích", "1995-11-02", "female"),
        ("048088007777", "Lê Văn Cường", "1988-07-21", "male"),
    ]
    .into_iter()
    .map(|(id, n, b, g)| Identity {
        personal_id: id.into(),
        name: n.into(),
        birthdate: b.into(),
        gender: g.into(),
    })
    .collect()
}

struct PendingCode {
    client_id: String,
    redirect_uri: String,
    code_challenge: String,
    nonce: Option<String>,
    identity: Identity,
    issuer: String,
    expires_at: i64,
}

/// In-memory part of the provider.
pub(crate) struct Provider {
    pub(crate) config: OidcConfig,
    key: SigningKey,
    codes: Mutex<BTreeMap<String, PendingCode>>,
    access_tokens: Mutex<BTreeMap<String, (Identity, i64)>>,
    fault: Mutex<OidcFault>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn random_b64(n: usize) -> String {
    let bytes: Vec<u8> = (0..n).map(|_| rand::random::<u8>()).collect();
    B64.encode(bytes)
}

impl Provider {
    /// Loads the signing key from `state` (creating it when absent: the caller saves).
    pub(crate) fn open(config: OidcConfig, state: &mut OidcState) -> Provider {
        let seed = state
            .signing_key
            .as_deref()
            .and_then(|h| hex::decode(h).ok())
            .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok());
        let seed = match seed {
            Some(s) => s,
            None => {
                let s: [u8; 32] = rand::random();
                state.signing_key = Some(hex::encode(s));
                s
            }
        };
        Provider {
            config,
            key: SigningKey::from_bytes(&seed),
            codes: Mutex::new(BTreeMap::new()),
            access_tokens: Mutex::new(BTreeMap::new()),
            fault: Mutex::new(OidcFault::None),
        }
    }

    /// Key id: the first 16 hex digits of SHA-256 of the public key.
    pub(crate) fn kid(&self) -> String {
        let d = Sha256::digest(self.key.verifying_key().as_bytes());
        hex::encode(&d[..8])
    }

    /// The public JWK set.
    pub(crate) fn jwks(&self) -> Value {
        json!({ "keys": [{
            "kty": "OKP",
            "crv": "Ed25519",
            "use": "sig",
            "alg": "EdDSA",
            "kid": self.kid(),
            "x": B64.encode(self.key.verifying_key().as_bytes()),
        }]})
    }

    pub(crate) fn set_fault(&self, f: OidcFault) {
        *lock(&self.fault) = f;
    }
}

/// Signs `claims` as a compact JWS (`EdDSA`).
pub fn sign_jwt(key: &SigningKey, kid: &str, claims: &Value) -> String {
    let header = json!({ "alg": "EdDSA", "typ": "JWT", "kid": kid });
    let input = format!(
        "{}.{}",
        B64.encode(header.to_string()),
        B64.encode(claims.to_string())
    );
    let sig = key.sign(input.as_bytes());
    format!("{input}.{}", B64.encode(sig.to_bytes()))
}

/// PKCE S256: `BASE64URL(SHA256(verifier)) == challenge`, verifier 43–128 unreserved chars.
pub fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    let ok_chars = verifier
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    (43..=128).contains(&verifier.len())
        && ok_chars
        && B64.encode(Sha256::digest(verifier.as_bytes())) == challenge
}

/// The ID-token claims for `identity`.
pub fn id_token_claims(
    issuer: &str,
    client_id: &str,
    nonce: Option<&str>,
    identity: &Identity,
    iat: i64,
) -> Value {
    let mut c = json!({
        "iss": issuer,
        "aud": client_id,
        "sub": identity.personal_id,
        "iat": iat,
        "exp": iat + TOKEN_LIFETIME_SECS,
        "auth_time": iat,
        "name": identity.name,
        "birthdate": identity.birthdate,
        "gender": identity.gender,
    });
    if let Some(n) = nonce {
        c["nonce"] = json!(n);
    }
    c
}

fn issuer_of(sim: &Sim, headers: &HeaderMap) -> String {
    if let Some(i) = sim.provider().and_then(|p| p.config.issuer.clone()) {
        return i.trim_end_matches('/').to_string();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
}

fn find_client(sim: &Sim, client_id: &str) -> Option<OidcClient> {
    let p = sim.provider()?;
    if let Some(c) = p.config.clients.iter().find(|c| c.client_id == client_id) {
        return Some(c.clone());
    }
    sim.with_state(|s| {
        s.oidc
            .clients
            .iter()
            .find(|c| c.client_id == client_id)
            .cloned()
    })
}

/// The provider's routes (merged into the simulator's router when OIDC is served).
pub(crate) fn router() -> axum::Router<Sim> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/authorize", get(authorize_page).post(authorize_submit))
        .route("/token", post(token))
        .route("/jwks", get(jwks))
        .route("/userinfo", get(userinfo))
        .route("/sim/oidc/clients", post(register_client))
        .route("/sim/oidc/fault", post(set_fault))
        .route("/sim/oidc/identities", post(register_identity))
}

async fn discovery(State(sim): State<Sim>, headers: HeaderMap) -> Response {
    let iss = issuer_of(&sim, &headers);
    axum::Json(json!({
        "issuer": iss,
        "authorization_endpoint": format!("{iss}/authorize"),
        "token_endpoint": format!("{iss}/token"),
        "jwks_uri": format!("{iss}/jwks"),
        "userinfo_endpoint": format!("{iss}/userinfo"),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["EdDSA"],
        "scopes_supported": ["openid", "profile"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": ["iss", "aud", "sub", "exp", "iat", "nonce", "name", "birthdate", "gender"],
    }))
    .into_response()
}

async fn jwks(State(sim): State<Sim>) -> Response {
    match sim.provider() {
        Some(p) => axum::Json(p.jwks()).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Parameters of an authorization request (query of GET, hidden fields of the POST).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AuthorizeParams {
    #[serde(default)]
    pub client_id: String,
    #[serde(default)]
    pub redirect_uri: String,
    #[serde(default)]
    pub response_type: String,
    #[serde(default)]
    pub scope: String,
    pub state: Option<String>,
    pub nonce: Option<String>,
    #[serde(default)]
    pub code_challenge: String,
    #[serde(default)]
    pub code_challenge_method: String,
}

#[derive(Debug, Deserialize)]
pub struct AuthorizeForm {
    #[serde(flatten)]
    pub params: AuthorizeParams,
    /// A test identity's personal ID, or empty to use the typed one.
    #[serde(default)]
    pub pick: String,
    #[serde(default)]
    pub personal_id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub birthdate: String,
    #[serde(default)]
    pub gender: String,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn page(status: StatusCode, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>VNeID (mô phỏng)</title><style>\
         body{{font-family:system-ui,sans-serif;max-width:32rem;margin:0 auto;padding:1rem;background:#f4f6fb}}\
         h1{{color:#b00;font-size:1.4rem}} .card{{background:#fff;border-radius:.5rem;padding:1rem;margin:.75rem 0}}\
         button{{font:inherit;font-size:1rem;padding:.6rem 1rem;width:100%;margin:.25rem 0;border-radius:.4rem;border:1px solid #b00;background:#fff}}\
         button.primary{{background:#b00;color:#fff}} label{{display:block;margin:.5rem 0 .2rem}}\
         input,select{{font-size:1rem;width:100%;padding:.4rem;box-sizing:border-box}} .note{{color:#555;font-size:.9rem}}\
         </style></head><body><h1>VNeID (mô phỏng)</h1>\
         <p class=\"note\">Hệ thống định danh điện tử <strong>mô phỏng</strong>, chỉ dùng để thử nghiệm. \
         Không nhập thông tin thật.</p>{body}</body></html>"
    );
    (status, Html(html)).into_response()
}

fn error_page(status: StatusCode, code: &str, message: &str) -> Response {
    page(
        status,
        &format!(
            "<div class=\"card\"><h2>Không thể đăng nhập</h2><p>{}</p><p class=\"note\">Mã lỗi: <code>{}</code></p></div>",
            esc(message),
            esc(code)
        ),
    )
}

/// Adds query parameters to a redirect URI.
fn with_query(uri: &str, params: &[(&str, &str)]) -> String {
    let mut out = uri.to_string();
    let mut sep = if uri.contains('?') { '&' } else { '?' };
    for (k, v) in params {
        out.push(sep);
        sep = '&';
        out.push_str(k);
        out.push('=');
        out.push_str(&encode(v));
    }
    out
}

fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Checks an authorization request: an error the user sees (unknown client or redirect URI:
/// never redirect there), or an error sent back to the client's redirect URI.
#[allow(clippy::result_large_err)]
fn check(sim: &Sim, p: &AuthorizeParams) -> Result<OidcClient, Response> {
    let Some(client) = find_client(sim, &p.client_id) else {
        return Err(error_page(
            StatusCode::BAD_REQUEST,
            "unknown_client",
            "Ứng dụng yêu cầu đăng nhập (client_id) chưa được đăng ký với hệ thống định danh.",
        ));
    };
    if !client.redirect_uris.contains(&p.redirect_uri) {
        return Err(error_page(
            StatusCode::BAD_REQUEST,
            "redirect_uri_mismatch",
            "Địa chỉ trả về (redirect_uri) không khớp với địa chỉ đã đăng ký của ứng dụng.",
        ));
    }
    let back = |error: &str, description: &str| {
        let mut q = vec![("error", error), ("error_description", description)];
        if let Some(s) = p.state.as_deref() {
            q.push(("state", s));
        }
        Redirect::to(&with_query(&p.redirect_uri, &q)).into_response()
    };
    if p.response_type != "code" {
        return Err(back(
            "unsupported_response_type",
            "only response_type=code is supported",
        ));
    }
    if !p.scope.split_whitespace().any(|s| s == "openid") {
        return Err(back("invalid_scope", "scope must include openid"));
    }
    if p.code_challenge_method != "S256" || p.code_challenge.len() < 43 {
        return Err(back(
            "invalid_request",
            "PKCE is required: code_challenge with code_challenge_method=S256",
        ));
    }
    Ok(client)
}

fn hidden(p: &AuthorizeParams) -> String {
    let mut fields = vec![
        ("client_id", p.client_id.as_str()),
        ("redirect_uri", p.redirect_uri.as_str()),
        ("response_type", p.response_type.as_str()),
        ("scope", p.scope.as_str()),
        ("code_challenge", p.code_challenge.as_str()),
        ("code_challenge_method", p.code_challenge_method.as_str()),
    ];
    if let Some(s) = p.state.as_deref() {
        fields.push(("state", s));
    }
    if let Some(n) = p.nonce.as_deref() {
        fields.push(("nonce", n));
    }
    fields
        .into_iter()
        .map(|(k, v)| format!("<input type=\"hidden\" name=\"{k}\" value=\"{}\">", esc(v)))
        .collect()
}

async fn authorize_page(State(sim): State<Sim>, Query(p): Query<AuthorizeParams>) -> Response {
    if let Err(r) = check(&sim, &p) {
        return r;
    }
    login_page(&sim, &p, None)
}

fn login_page(sim: &Sim, p: &AuthorizeParams, error: Option<&str>) -> Response {
    let h = hidden(p);
    let mut body = String::new();
    if let Some(e) = error {
        body.push_str(&format!(
            "<div class=\"card\" role=\"alert\"><strong>{}</strong></div>",
            esc(e)
        ));
    }
    body.push_str("<div class=\"card\"><h2>Chọn danh tính thử nghiệm</h2>");
    for i in identities(sim) {
        body.push_str(&format!(
            "<form method=\"post\" action=\"/authorize\">{h}\
             <input type=\"hidden\" name=\"pick\" value=\"{id}\">\
             <button type=\"submit\" class=\"primary\" data-pick=\"{id}\">{name} — {id}</button></form>",
            id = esc(&i.personal_id),
            name = esc(&i.name),
        ));
    }
    body.push_str("</div>");
    body.push_str(&format!(
        "<div class=\"card\"><h2>Hoặc nhập danh tính</h2>\
         <form method=\"post\" action=\"/authorize\">{h}\
         <label for=\"personal_id\">Số định danh cá nhân (12 chữ số)</label>\
         <input id=\"personal_id\" name=\"personal_id\" inputmode=\"numeric\" maxlength=\"12\" required>\
         <label for=\"name\">Họ và tên</label><input id=\"name\" name=\"name\" required>\
         <label for=\"birthdate\">Ngày sinh</label><input id=\"birthdate\" name=\"birthdate\" type=\"date\">\
         <label for=\"gender\">Giới tính</label><select id=\"gender\" name=\"gender\">\
         <option value=\"male\">Nam</option><option value=\"female\">Nữ</option></select>\
         <button type=\"submit\" class=\"primary\">Đăng nhập</button></form></div>"
    ));
    page(StatusCode::OK, &body)
}

async fn authorize_submit(
    State(sim): State<Sim>,
    headers: HeaderMap,
    Form(f): Form<AuthorizeForm>,
) -> Response {
    let client = match check(&sim, &f.params) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(provider) = sim.provider() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let identity = if !f.pick.is_empty() {
        match identities(&sim)
            .into_iter()
            .find(|i| i.personal_id == f.pick)
        {
            Some(i) => i,
            None => {
                return login_page(&sim, &f.params, Some("Danh tính thử nghiệm không tồn tại."));
            }
        }
    } else {
        let id = f.personal_id.trim();
        if tuphap_core::personal_id::PersonalId::parse(id).is_err() {
            return login_page(
                &sim,
                &f.params,
                Some("Số định danh cá nhân không hợp lệ (phải gồm 12 chữ số, đúng mã tỉnh)."),
            );
        }
        let name = f.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return login_page(&sim, &f.params, Some("Hãy nhập họ và tên."));
        }
        Identity {
            personal_id: id.to_string(),
            name: name.to_string(),
            birthdate: f.birthdate.trim().to_string(),
            gender: if f.gender == "female" {
                "female".into()
            } else {
                "male".into()
            },
        }
    };
    let code = random_b64(32);
    lock(&provider.codes).insert(
        code.clone(),
        PendingCode {
            client_id: client.client_id,
            redirect_uri: f.params.redirect_uri.clone(),
            code_challenge: f.params.code_challenge.clone(),
            nonce: f.params.nonce.clone(),
            identity,
            issuer: issuer_of(&sim, &headers),
            expires_at: now() + CODE_LIFETIME_SECS,
        },
    );
    let mut q = vec![("code", code.as_str())];
    if let Some(s) = f.params.state.as_deref() {
        q.push(("state", s));
    }
    // 303: the browser follows with a GET.
    Redirect::to(&with_query(&f.params.redirect_uri, &q)).into_response()
}

#[derive(Debug, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    pub grant_type: String,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub redirect_uri: String,
    #[serde(default)]
    pub code_verifier: String,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

fn token_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut r = (
        status,
        axum::Json(json!({ "error": error, "error_description": description })),
    )
        .into_response();
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    r
}

/// `Authorization: Basic base64(id:secret)`.
fn basic_auth(headers: &HeaderMap) -> Option<(String, String)> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let b = v.strip_prefix("Basic ")?;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b.trim())
        .ok()?;
    let s = String::from_utf8(raw).ok()?;
    let (id, secret) = s.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

fn secret_eq(a: &str, b: &str) -> bool {
    Sha256::digest(a.as_bytes()) == Sha256::digest(b.as_bytes())
}

async fn token(State(sim): State<Sim>, headers: HeaderMap, Form(f): Form<TokenForm>) -> Response {
    let Some(provider) = sim.provider() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let (client_id, secret) = match (basic_auth(&headers), &f.client_id, &f.client_secret) {
        (Some(b), _, _) => b,
        (None, Some(id), Some(s)) => (id.clone(), s.clone()),
        _ => {
            return token_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "client authentication required",
            );
        }
    };
    let client = match find_client(&sim, &client_id) {
        Some(c) if secret_eq(&c.client_secret, &secret) => c,
        _ => {
            return token_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "unknown client or wrong secret",
            );
        }
    };
    if f.grant_type != "authorization_code" {
        return token_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "only authorization_code",
        );
    }
    // Single use: the code is gone whatever happens next.
    let Some(pending) = lock(&provider.codes).remove(&f.code) else {
        return token_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "unknown, used or expired code",
        );
    };
    if pending.expires_at < now() {
        return token_error(StatusCode::BAD_REQUEST, "invalid_grant", "code expired");
    }
    if pending.client_id != client.client_id || pending.redirect_uri != f.redirect_uri {
        return token_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "code issued to another client or redirect_uri",
        );
    }
    if !pkce_matches(&f.code_verifier, &pending.code_challenge) {
        return token_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "PKCE verification failed",
        );
    }
    let fault = *lock(&provider.fault);
    let iat = now();
    let mut claims = id_token_claims(
        &pending.issuer,
        &client.client_id,
        pending.nonce.as_deref(),
        &pending.identity,
        iat,
    );
    let mut key = provider.key.clone();
    match fault {
        OidcFault::None => {}
        OidcFault::ExpiredIdToken => {
            claims["iat"] = json!(iat - 2 * TOKEN_LIFETIME_SECS);
            claims["exp"] = json!(iat - TOKEN_LIFETIME_SECS);
        }
        OidcFault::ForeignKey => key = SigningKey::from_bytes(&rand::random::<[u8; 32]>()),
        OidcFault::WrongNonce => claims["nonce"] = json!("not-the-nonce-you-sent"),
        OidcFault::WrongAudience => claims["aud"] = json!("someone-else"),
    }
    let id_token = sign_jwt(&key, &provider.kid(), &claims);
    let access_token = random_b64(32);
    lock(&provider.access_tokens).insert(
        access_token.clone(),
        (pending.identity, iat + TOKEN_LIFETIME_SECS),
    );
    let mut r = axum::Json(json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": TOKEN_LIFETIME_SECS,
        "id_token": id_token,
        "scope": "openid profile",
    }))
    .into_response();
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    r
}

async fn userinfo(State(sim): State<Sim>, headers: HeaderMap) -> Response {
    let Some(provider) = sim.provider() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    let found = lock(&provider.access_tokens).get(token.trim()).cloned();
    match found {
        Some((i, exp)) if exp >= now() => axum::Json(json!({
            "sub": i.personal_id,
            "name": i.name,
            "birthdate": i.birthdate,
            "gender": i.gender,
        }))
        .into_response(),
        _ => {
            let mut r = token_error(
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                "unknown or expired access token",
            );
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer error=\"invalid_token\""),
            );
            r
        }
    }
}

async fn register_client(
    State(sim): State<Sim>,
    axum::Json(c): axum::Json<OidcClient>,
) -> Response {
    if c.client_id.is_empty() || c.client_secret.is_empty() || c.redirect_uris.is_empty() {
        return token_error(
            StatusCode::BAD_REQUEST,
            "invalid_client_metadata",
            "client_id, client_secret and redirect_uris are required",
        );
    }
    match sim.register_oidc_client(c) {
        Ok(()) => axum::Json(json!({ "registered": true })).into_response(),
        Err(e) => token_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "state_not_saved",
            &e.to_string(),
        ),
    }
}

async fn register_identity(
    State(sim): State<Sim>,
    axum::Json(i): axum::Json<Identity>,
) -> Response {
    let valid = tuphap_core::personal_id::PersonalId::parse(&i.personal_id).is_ok()
        && !i.name.trim().is_empty();
    if !valid {
        return token_error(
            StatusCode::BAD_REQUEST,
            "invalid_identity",
            "personal_id must be a valid personal ID and name non-empty",
        );
    }
    match sim.register_oidc_identity(i) {
        Ok(()) => axum::Json(json!({ "registered": true })).into_response(),
        Err(e) => token_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "state_not_saved",
            &e.to_string(),
        ),
    }
}

#[derive(Debug, Deserialize)]
struct FaultBody {
    fault: OidcFault,
}

async fn set_fault(State(sim): State<Sim>, axum::Json(b): axum::Json<FaultBody>) -> Response {
    match sim.provider() {
        Some(p) => {
            p.set_fault(b.fault);
            axum::Json(json!({ "fault": b.fault })).into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn pkce_s256_matches_the_rfc_7636_example() {
        // RFC 7636 appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(pkce_matches(verifier, challenge));
        assert!(!pkce_matches(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXX",
            challenge
        ));
        assert!(!pkce_matches("short", challenge));
    }

    #[test]
    fn id_token_has_the_claims_and_verifies_with_the_published_key() {
        let mut st = OidcState::default();
        let p = Provider::open(OidcConfig::default(), &mut st);
        assert!(st.signing_key.is_some());
        let i = &test_identities()[0];
        let claims = id_token_claims("http://idp", "rp", Some("n1"), i, 1_000);
        let jwt = sign_jwt(&p.key, &p.kid(), &claims);
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        let body: Value = serde_json::from_slice(&B64.decode(parts[1]).unwrap()).unwrap();
        for k in [
            "iss",
            "aud",
            "sub",
            "exp",
            "iat",
            "nonce",
            "name",
            "birthdate",
            "gender",
        ] {
            assert!(body.get(k).is_some(), "{k} missing");
        }
        assert_eq!(body["sub"], i.personal_id);
        assert_eq!(body["exp"], 1_000 + TOKEN_LIFETIME_SECS);
        let x = B64
            .decode(p.jwks()["keys"][0]["x"].as_str().unwrap())
            .unwrap();
        let vk = ed25519_dalek::VerifyingKey::from_bytes(&x.try_into().unwrap()).unwrap();
        let sig = ed25519_dalek::Signature::from_slice(&B64.decode(parts[2]).unwrap()).unwrap();
        vk.verify_strict(format!("{}.{}", parts[0], parts[1]).as_bytes(), &sig)
            .unwrap();
        // The same state gives the same key (tokens verify across restarts).
        let again = Provider::open(OidcConfig::default(), &mut st);
        assert_eq!(again.kid(), p.kid());
    }

    #[test]
    fn the_signing_key_and_clients_survive_a_restart_through_the_state_file() {
        let dir = tempfile::tempdir().unwrap();
        let config = || crate::SimConfig {
            agencies: vec![],
            state_file: Some(dir.path().join("sim.json")),
            oidc: Some(OidcConfig::default()),
            ..crate::SimConfig::default()
        };
        let first = crate::Sim::open(config()).unwrap();
        first
            .register_oidc_client(OidcClient::parse("rp:s:http://127.0.0.1:1/cb").unwrap())
            .unwrap();
        let jwks = first.oidc_jwks().unwrap();
        drop(first);
        let again = crate::Sim::open(config()).unwrap();
        assert_eq!(again.oidc_jwks().unwrap(), jwks);
        assert!(find_client(&again, "rp").is_some());
        assert!(find_client(&again, "other").is_none());
        let extra = Identity::parse("079199001234:Võ Thị Sáu:1999-01-02:female").unwrap();
        again.register_oidc_identity(extra.clone()).unwrap();
        drop(again);
        let third = crate::Sim::open(config()).unwrap();
        let offered = identities(&third);
        assert_eq!(offered.first(), Some(&extra));
        assert_eq!(offered.len(), test_identities().len() + 1);
    }

    #[test]
    fn client_flag_parses_with_a_redirect_uri_containing_colons() {
        let c = OidcClient::parse("demo:s3cret:http://127.0.0.1:8080/citizen/callback").unwrap();
        assert_eq!(c.client_id, "demo");
        assert_eq!(
            c.redirect_uris,
            vec!["http://127.0.0.1:8080/citizen/callback"]
        );
        assert!(OidcClient::parse("demo:s3cret").is_none());
        let i = Identity::parse("001090012345:Nguyễn Văn An:1990-03-15:male").unwrap();
        assert_eq!(
            (i.name.as_str(), i.birthdate.as_str()),
            ("Nguyễn Văn An", "1990-03-15")
        );
        assert!(Identity::parse("123:Ai đó").is_none());
        assert!(Identity::parse("001090012345:").is_none());
    }
}
