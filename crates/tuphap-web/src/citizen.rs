//! The OpenID Connect relying party of the citizen login (online public services, issue 7):
//! authorization code flow with PKCE (S256) against a configurable provider (VNeID-style; in
//! the demo and the tests, the double served by `tuphap sim`).
//!
//! - Discovery: `<issuer>/.well-known/openid-configuration`, whose `issuer` must equal the
//!   configured one.
//! - Code exchange: `POST token_endpoint` (client_secret_post) over real HTTP (reqwest).
//! - ID token: signature by the provider's JWKS (`kid`, algorithms EdDSA, RS256, ES256 only),
//!   `iss`, `aud` (our client id), `exp` (30 s leeway), `nonce` (the one this login sent) and a
//!   `sub` that is a valid personal ID.
//!
//! The pages and the citizen session are in `pages::civil::citizen`; errors here carry a stable
//! code and a Vietnamese message, shown on a page, never a 500.

use std::time::Duration;

use base64::Engine as _;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tuphap_domain::citizen::VerifiedIdentity;

/// How the server reaches its identity provider (`tuphap serve --oidc-*`).
#[derive(Debug, Clone)]
pub struct OidcSettings {
    /// The provider's issuer URL (no trailing slash), e.g. `https://vneid.gov.vn`.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// Our callback: `<public URL>/citizen/callback`, registered with the provider.
    pub redirect_uri: String,
}

/// The relying party: settings and an HTTP client.
#[derive(Debug, Clone)]
pub struct RelyingParty {
    pub settings: OidcSettings,
    http: reqwest::Client,
}

/// A refused step of the login: a stable code and a Vietnamese message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginError {
    pub code: &'static str,
    pub message: String,
    /// 502 for a provider that cannot be reached or answers wrongly, 400 otherwise.
    pub status: u16,
}

impl LoginError {
    fn provider(code: &'static str, message: impl Into<String>) -> LoginError {
        LoginError {
            code,
            message: message.into(),
            status: 502,
        }
    }
    pub fn refused(code: &'static str, message: impl Into<String>) -> LoginError {
        LoginError {
            code,
            message: message.into(),
            status: 400,
        }
    }
}

/// The parts of the provider's discovery document used here.
#[derive(Debug, Clone, Deserialize)]
pub struct Discovery {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
}

#[derive(Debug, Deserialize)]
struct TokenResponse {
    id_token: String,
}

#[derive(Debug, Deserialize)]
struct IdClaims {
    sub: String,
    nonce: Option<String>,
    name: Option<String>,
    birthdate: Option<String>,
    gender: Option<String>,
}

/// PKCE S256 challenge of a verifier.
pub fn pkce_challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Percent-encodes a query value.
fn enc(s: &str) -> String {
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

const UNREACHABLE: &str =
    "Không kết nối được hệ thống định danh điện tử (VNeID). Vui lòng thử lại sau ít phút.";

impl RelyingParty {
    pub fn new(mut settings: OidcSettings) -> RelyingParty {
        settings.issuer = settings.issuer.trim_end_matches('/').to_string();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        RelyingParty { settings, http }
    }

    /// Fetches the provider's discovery document.
    pub async fn discover(&self) -> Result<Discovery, LoginError> {
        let url = format!("{}/.well-known/openid-configuration", self.settings.issuer);
        let resp = self.http.get(&url).send().await.map_err(|e| {
            tracing::warn!(error = %e, "oidc discovery unreachable");
            LoginError::provider("provider_unavailable", UNREACHABLE)
        })?;
        if !resp.status().is_success() {
            return Err(LoginError::provider("provider_unavailable", UNREACHABLE));
        }
        let d: Discovery = resp.json().await.map_err(|_| {
            LoginError::provider(
                "provider_misconfigured",
                "Hệ thống định danh điện tử trả lời không đúng chuẩn OpenID Connect.",
            )
        })?;
        if d.issuer.trim_end_matches('/') != self.settings.issuer {
            return Err(LoginError::provider(
                "provider_misconfigured",
                "Hệ thống định danh điện tử tự xưng một định danh (issuer) khác với cấu hình.",
            ));
        }
        Ok(d)
    }

    /// Where to send the browser: the authorization endpoint with our parameters.
    pub fn authorization_url(
        &self,
        d: &Discovery,
        state: &str,
        nonce: &str,
        code_verifier: &str,
    ) -> String {
        let sep = if d.authorization_endpoint.contains('?') {
            '&'
        } else {
            '?'
        };
        format!(
            "{}{sep}response_type=code&client_id={}&redirect_uri={}&scope={}&state={}&nonce={}&code_challenge={}&code_challenge_method=S256",
            d.authorization_endpoint,
            enc(&self.settings.client_id),
            enc(&self.settings.redirect_uri),
            enc("openid profile"),
            enc(state),
            enc(nonce),
            enc(&pkce_challenge(code_verifier)),
        )
    }

    /// Exchanges the code and verifies the ID token: the identity it establishes.
    pub async fn finish(
        &self,
        code: &str,
        code_verifier: &str,
        nonce: &str,
    ) -> Result<VerifiedIdentity, LoginError> {
        let d = self.discover().await?;
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", self.settings.redirect_uri.as_str()),
            ("code_verifier", code_verifier),
            ("client_id", self.settings.client_id.as_str()),
            ("client_secret", self.settings.client_secret.as_str()),
        ];
        let resp = self
            .http
            .post(&d.token_endpoint)
            .form(&form)
            .send()
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, "oidc token endpoint unreachable");
                LoginError::provider("provider_unavailable", UNREACHABLE)
            })?;
        let status = resp.status();
        if !status.is_success() {
            let body: serde_json::Value = resp.json().await.unwrap_or_default();
            let error = body["error"].as_str().unwrap_or("unknown").to_string();
            tracing::info!(%status, error, "oidc code exchange refused");
            return Err(LoginError::refused(
                "code_exchange_refused",
                format!(
                    "Hệ thống định danh điện tử từ chối xác nhận lần đăng nhập này ({error}). Vui lòng đăng nhập lại."
                ),
            ));
        }
        let tokens: TokenResponse = resp.json().await.map_err(|_| {
            LoginError::provider(
                "provider_misconfigured",
                "Hệ thống định danh điện tử trả lời không đúng chuẩn (thiếu id_token).",
            )
        })?;
        let jwks: JwkSet = match self.http.get(&d.jwks_uri).send().await {
            Ok(r) if r.status().is_success() => r.json().await.map_err(|_| {
                LoginError::provider(
                    "provider_misconfigured",
                    "Khóa công khai của hệ thống định danh điện tử không đọc được.",
                )
            })?,
            _ => return Err(LoginError::provider("provider_unavailable", UNREACHABLE)),
        };
        self.verify_id_token(&tokens.id_token, &jwks, nonce)
    }

    /// Verifies an ID token against the provider's keys: signature, `iss`, `aud`, `exp`,
    /// `nonce`, and a `sub` that is a personal ID.
    pub fn verify_id_token(
        &self,
        token: &str,
        jwks: &JwkSet,
        nonce: &str,
    ) -> Result<VerifiedIdentity, LoginError> {
        let bad = |why: &str| {
            tracing::info!(why, "id token refused");
            LoginError::refused(
                "id_token_invalid",
                "Thông tin xác thực nhận từ hệ thống định danh điện tử không hợp lệ (chữ ký, thời hạn hoặc đơn vị nhận không đúng). Vui lòng đăng nhập lại.",
            )
        };
        let header = jsonwebtoken::decode_header(token).map_err(|_| bad("header"))?;
        if !matches!(
            header.alg,
            Algorithm::EdDSA | Algorithm::RS256 | Algorithm::ES256
        ) {
            return Err(bad("algorithm"));
        }
        let jwk = match header.kid.as_deref() {
            Some(kid) => jwks.find(kid),
            None if jwks.keys.len() == 1 => jwks.keys.first(),
            None => None,
        }
        .ok_or_else(|| bad("unknown key"))?;
        let key = DecodingKey::from_jwk(jwk).map_err(|_| bad("key"))?;
        let mut v = Validation::new(header.alg);
        v.set_issuer(&[self.settings.issuer.as_str()]);
        v.set_audience(&[self.settings.client_id.as_str()]);
        v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        v.leeway = 30;
        let data = jsonwebtoken::decode::<IdClaims>(token, &key, &v).map_err(|e| {
            tracing::info!(error = %e, "id token validation");
            bad("validation")
        })?;
        let c = data.claims;
        if c.nonce.as_deref() != Some(nonce) {
            return Err(LoginError::refused(
                "nonce_mismatch",
                "Thông tin xác thực không thuộc về lần đăng nhập này (nonce không khớp). Vui lòng đăng nhập lại.",
            ));
        }
        if tuphap_core::personal_id::PersonalId::parse(&c.sub).is_err() {
            return Err(bad("sub is not a personal id"));
        }
        let full_name = c
            .name
            .map(|n| tuphap_core::text::nfc(n.trim()))
            .filter(|n| !n.is_empty())
            .ok_or_else(|| bad("name missing"))?;
        Ok(VerifiedIdentity {
            issuer: self.settings.issuer.clone(),
            personal_id: c.sub,
            full_name,
            birthdate: c.birthdate.filter(|b| !b.is_empty()),
            gender: c.gender.filter(|g| !g.is_empty()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_challenge_is_the_rfc_7636_example() {
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
