//! Citizens of the online public services (issue 7): a citizen logs in through the national
//! identity provider (OpenID Connect; the protocol is in `tuphap-web`'s `citizen` module) and
//! gets a citizen session. A citizen is NOT a staff user: citizen sessions are their own table
//! (migration 0017), carry no role, no office, and authenticate nothing but `/citizen/…` pages.
//!
//! Once-only: the personal ID the identity provider vouches for is the key to what the registry
//! already holds about the citizen ([`App::citizen_own_person`] in `civil`), so forms never ask
//! for it again.

use serde::Serialize;
use tuphap_store::Outcome;
use tuphap_store::audit::NewAuditEntry;
use tuphap_store::citizens::{CitizenLogin, CitizenSession};

use crate::error::Result;
use crate::identity::{random_token, token_hash};
use crate::{App, RequestMeta};

/// How long a login in progress may take (provider page included).
pub const LOGIN_LIFETIME: time::Duration = time::Duration::minutes(10);
/// How long a citizen session lasts (fixed, not sliding: citizens come for one errand).
pub const SESSION_LIFETIME: time::Duration = time::Duration::minutes(30);

/// The logged-in citizen behind a request.
#[derive(Debug, Clone, Serialize)]
pub struct Citizen {
    #[serde(skip)]
    pub session_id: i64,
    /// Vouched for by the identity provider (`sub`).
    pub personal_id: String,
    pub full_name: String,
    pub birthdate: Option<String>,
    pub gender: Option<String>,
    #[serde(skip)]
    pub csrf_token: String,
}

impl Citizen {
    /// An audit entry with the citizen as the actor (`citizen:<personal ID>`, no user id).
    pub fn audit(&self, meta: &RequestMeta, action: &str) -> NewAuditEntry {
        citizen_audit(&self.personal_id, meta, action)
    }
}

fn citizen_audit(personal_id: &str, meta: &RequestMeta, action: &str) -> NewAuditEntry {
    NewAuditEntry {
        actor_username: Some(format!("citizen:{personal_id}")),
        source_ip: meta.source_ip.clone(),
        request_id: meta.request_id.clone(),
        action: action.to_string(),
        outcome: Some(Outcome::Success),
        ..NewAuditEntry::default()
    }
}

/// What an ID token established (after its verification).
#[derive(Debug, Clone)]
pub struct VerifiedIdentity {
    pub issuer: String,
    pub personal_id: String,
    pub full_name: String,
    pub birthdate: Option<String>,
    pub gender: Option<String>,
}

/// A login just started: the browser keeps `login_token` (a cookie); the rest goes to the
/// provider (state, nonce, PKCE challenge of `code_verifier`).
#[derive(Debug, Clone)]
pub struct LoginStart {
    pub login_token: String,
    pub state: String,
    pub nonce: String,
    pub code_verifier: String,
}

/// The values a callback must match (taken out of the store: single use).
#[derive(Debug, Clone)]
pub struct PendingLogin {
    pub state: String,
    pub nonce: String,
    pub code_verifier: String,
}

fn micros(t: time::OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1000).unwrap_or(i64::MAX)
}

impl App {
    /// Starts a citizen login: fresh state, nonce and PKCE verifier, kept server-side.
    pub async fn citizen_login_begin(&self) -> Result<LoginStart> {
        let start = LoginStart {
            login_token: random_token(),
            state: random_token(),
            nonce: random_token(),
            // 43 characters of base64url: a valid PKCE verifier (RFC 7636 §4.1).
            code_verifier: random_token(),
        };
        let now = tuphap_store::now_utc();
        let mut tx = self.store.begin().await?;
        tx.citizen_login_insert(
            &CitizenLogin {
                login_hash: token_hash(&start.login_token),
                state: start.state.clone(),
                nonce: start.nonce.clone(),
                code_verifier: start.code_verifier.clone(),
                created_at: micros(now),
                expires_at: micros(now + LOGIN_LIFETIME),
            },
            micros(now),
        )
        .await?;
        tx.commit().await?;
        Ok(start)
    }

    /// Takes the login in progress of this browser out (single use); `None` when unknown or
    /// expired.
    pub async fn citizen_login_take(&self, login_token: &str) -> Result<Option<PendingLogin>> {
        if login_token.is_empty() || login_token.len() > 200 {
            return Ok(None);
        }
        let mut tx = self.store.begin().await?;
        let row = tx.citizen_login_take(&token_hash(login_token)).await?;
        tx.commit().await?;
        let now = micros(tuphap_store::now_utc());
        Ok(row.filter(|r| r.expires_at >= now).map(|r| PendingLogin {
            state: r.state,
            nonce: r.nonce,
            code_verifier: r.code_verifier,
        }))
    }

    /// Opens a citizen session for a verified identity: the token (for the cookie) and its
    /// expiry in seconds. Audited as `citizen.login`.
    pub async fn citizen_session_start(
        &self,
        id: &VerifiedIdentity,
        meta: &RequestMeta,
    ) -> Result<(String, i64)> {
        let token = random_token();
        let now = tuphap_store::now_utc();
        let mut tx = self.store.begin().await?;
        let session_id = tx
            .citizen_session_insert(&CitizenSession {
                id: 0,
                token_hash: token_hash(&token),
                personal_id: id.personal_id.clone(),
                full_name: id.full_name.clone(),
                birthdate: id.birthdate.clone(),
                gender: id.gender.clone(),
                issuer: id.issuer.clone(),
                csrf_token: random_token(),
                created_at: micros(now),
                expires_at: micros(now + SESSION_LIFETIME),
                revoked_at: None,
            })
            .await?;
        let mut e = citizen_audit(&id.personal_id, meta, "citizen.login");
        e.target_type = Some("citizen_session".into());
        e.target_id = Some(session_id.to_string());
        e.details = Some(serde_json::json!({ "issuer": id.issuer }));
        tx.commit_with(&[e], &[]).await?;
        Ok((token, SESSION_LIFETIME.whole_seconds()))
    }

    /// Records a refused citizen login (bad state, bad token, provider error) in the audit log.
    pub async fn citizen_login_refused(&self, code: &str, meta: &RequestMeta) -> Result<()> {
        let mut e = citizen_audit("?", meta, "citizen.login");
        e.actor_username = None;
        e.outcome = Some(Outcome::Denied);
        e.reason = Some(code.to_string());
        self.store.audit(&[e]).await?;
        Ok(())
    }

    /// The citizen behind a session token, or `None` (unknown, expired or ended).
    pub async fn citizen_authenticate(&self, token: &str) -> Result<Option<Citizen>> {
        if token.is_empty() || token.len() > 200 {
            return Ok(None);
        }
        let Some(s) = self
            .store
            .citizen_session_by_token_hash(&token_hash(token))
            .await?
        else {
            return Ok(None);
        };
        if s.revoked_at.is_some() || s.expires_at <= micros(tuphap_store::now_utc()) {
            return Ok(None);
        }
        Ok(Some(Citizen {
            session_id: s.id,
            personal_id: s.personal_id,
            full_name: s.full_name,
            birthdate: s.birthdate,
            gender: s.gender,
            csrf_token: s.csrf_token,
        }))
    }

    /// Ends the citizen's session.
    pub async fn citizen_logout(&self, citizen: &Citizen, meta: &RequestMeta) -> Result<()> {
        let mut tx = self.store.begin().await?;
        tx.citizen_session_revoke(citizen.session_id, micros(tuphap_store::now_utc()))
            .await?;
        let mut e = citizen.audit(meta, "citizen.logout");
        e.target_type = Some("citizen_session".into());
        e.target_id = Some(citizen.session_id.to_string());
        tx.commit_with(&[e], &[]).await?;
        Ok(())
    }
}
