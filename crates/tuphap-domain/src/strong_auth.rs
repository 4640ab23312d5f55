//! Strong authentication of officials (issue 8): a TOTP second factor (RFC 6238: HMAC-SHA-1,
//! 6 digits, 30-second steps, one step of clock drift either way), ten one-time recovery codes,
//! the second factor required of signers, province and ministry staff and administrators,
//! re-authentication before signing, and the sessions a user or an administrator can end.
//!
//! The TOTP secret is stored in the database as base32 text (never logged, never shown again
//! after enrolment); recovery codes are stored as SHA-256 hashes. A code is accepted once: the
//! last accepted step is kept and a code of that step or an earlier one is refused.

use serde::Serialize;
use sha1::{Digest as _, Sha1};
use sha2::Sha256;
use time::OffsetDateTime;

use tuphap_core::role::Role;
use tuphap_store::identity::UserRow;
use tuphap_store::strong_auth::SessionInfo;
use tuphap_store::{NewAuditEntry, Outcome, Tx};

use crate::App;
use crate::error::{DomainError, ErrorKind, Result};
use crate::identity::{
    Actor, AuthPolicy, DUMMY_HASH, RequestMeta, SessionKind, bad_credentials, hash_password,
    lock_duration, locked, to_time, validate_password, verify_password,
};

/// A time as RFC 3339 (for audit details).
pub fn rfc3339(t: Option<OffsetDateTime>) -> Option<String> {
    t.and_then(|t| {
        t.format(&time::format_description::well_known::Rfc3339)
            .ok()
    })
}

/// Seconds per TOTP step.
pub const TOTP_STEP_SECONDS: i64 = 30;
/// Digits of a TOTP code.
pub const TOTP_DIGITS: u32 = 6;
/// Issuer shown by authenticator apps.
pub const TOTP_ISSUER: &str = "Tư pháp – Hộ tịch";
/// Recovery codes given at enrolment.
pub const RECOVERY_CODES: usize = 10;

/// Whether `role` must have a second factor (when the policy requires it).
pub fn role_requires_second_factor(role: Role) -> bool {
    matches!(
        role,
        Role::Signer | Role::Province | Role::Ministry | Role::Admin
    )
}

fn hmac_sha1(key: &[u8], msg: &[u8]) -> [u8; 20] {
    const BLOCK: usize = 64;
    let mut k = [0u8; BLOCK];
    if key.len() > BLOCK {
        k[..20].copy_from_slice(&Sha1::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha1::new();
    inner.update(k.map(|b| b ^ 0x36));
    inner.update(msg);
    let inner = inner.finalize();
    let mut outer = Sha1::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner);
    let mut out = [0u8; 20];
    out.copy_from_slice(&outer.finalize());
    out
}

/// The code of `step` for the raw secret `key` (RFC 4226 dynamic truncation).
pub fn hotp(key: &[u8], step: i64, digits: u32) -> String {
    let mac = hmac_sha1(key, &step.to_be_bytes());
    let offset = usize::from(mac[19] & 0x0f);
    let bin = (u32::from(mac[offset] & 0x7f) << 24)
        | (u32::from(mac[offset + 1]) << 16)
        | (u32::from(mac[offset + 2]) << 8)
        | u32::from(mac[offset + 3]);
    let value = bin % 10u32.pow(digits);
    format!("{value:0width$}", width = digits as usize)
}

const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    let (mut buf, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buf = (buf << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            out.push(char::from(B32[((buf >> (bits - 5)) & 31) as usize]));
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(char::from(B32[((buf << (5 - bits)) & 31) as usize]));
    }
    out
}

/// Decodes base32 (case, spaces and padding ignored); `None` on a foreign character.
pub fn base32_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buf, mut bits) = (0u32, 0u32);
    for c in s.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let v = B32
            .iter()
            .position(|&b| char::from(b) == c.to_ascii_uppercase())?;
        buf = (buf << 5) | v as u32;
        bits += 5;
        if bits >= 8 {
            out.push(((buf >> (bits - 8)) & 0xff) as u8);
            bits -= 8;
        }
    }
    Some(out)
}

fn step_at(unix: i64) -> i64 {
    unix.div_euclid(TOTP_STEP_SECONDS)
}

/// The current code of a base32 secret (what the authenticator app shows): for test
/// harnesses and the operator's demo.
pub fn totp_code_now(secret_b32: &str) -> Option<String> {
    let key = base32_decode(secret_b32)?;
    Some(hotp(
        &key,
        step_at(OffsetDateTime::now_utc().unix_timestamp()),
        TOTP_DIGITS,
    ))
}

/// The step (now, one before or one after) whose code is `code`, compared in constant time.
pub fn totp_match(secret_b32: &str, code: &str, at: OffsetDateTime) -> Option<i64> {
    let key = base32_decode(secret_b32)?;
    let code = code.trim().replace(' ', "");
    if code.len() != TOTP_DIGITS as usize || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let now = step_at(at.unix_timestamp());
    let mut found = None;
    for step in [now - 1, now, now + 1] {
        if crate::strong_auth::ct_eq(&hotp(&key, step, TOTP_DIGITS), &code) {
            found = Some(step);
        }
    }
    found
}

fn ct_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The `otpauth://` URI an authenticator app reads from the QR code.
pub fn otpauth_uri(username: &str, secret_b32: &str) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                    char::from(b).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    };
    format!(
        "otpauth://totp/{}:{}?secret={secret_b32}&issuer={}&algorithm=SHA1&digits={TOTP_DIGITS}&period={TOTP_STEP_SECONDS}",
        enc(TOTP_ISSUER),
        enc(username),
        enc(TOTP_ISSUER)
    )
}

fn new_secret() -> String {
    let bytes: [u8; 20] = rand::random();
    base32_encode(&bytes)
}

/// A recovery code: 10 base32 characters (50 bits) shown as `xxxxx-xxxxx`.
fn new_recovery_code() -> String {
    let bytes: [u8; 7] = rand::random();
    let s = base32_encode(&bytes).to_lowercase();
    format!("{}-{}", &s[..5], &s[5..10])
}

fn recovery_hash(code: &str) -> String {
    let norm: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    hex::encode(<Sha256 as sha2::Digest>::digest(norm.as_bytes()))
}

fn looks_like_recovery(code: &str) -> bool {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).count() == 10
}

pub(crate) fn bad_second_factor() -> DomainError {
    DomainError::new(
        ErrorKind::Unauthenticated,
        "second_factor_invalid",
        "Mã xác thực không đúng, đã hết hạn hoặc đã được dùng. Hãy nhập mã 6 số mới trên ứng dụng xác thực (hoặc một mã khôi phục).",
    )
    .with_field("otp")
}

fn second_factor_required() -> DomainError {
    DomainError::new(
        ErrorKind::Unauthenticated,
        "second_factor_required",
        "Tài khoản này dùng xác thực hai bước: nhập thêm mã 6 số trên ứng dụng xác thực.",
    )
    .with_field("otp")
}

fn enrolment_required() -> DomainError {
    DomainError::new(
        ErrorKind::Forbidden,
        "second_factor_enrolment_required",
        "Vai trò của tài khoản này bắt buộc xác thực hai bước nhưng chưa đăng ký. Hãy đăng nhập trên trình duyệt để đăng ký ứng dụng xác thực tại trang /account/2fa.",
    )
}

fn reauth_required() -> DomainError {
    DomainError::new(
        ErrorKind::Forbidden,
        "reauth_required",
        "Thao tác ký cần xác thực lại trong vòng 5 phút gần nhất: nhập lại mật khẩu và mã xác thực (POST /api/v1/auth/reauth hoặc trang /account/reauth).",
    )
}

/// The second factor of a login attempt whose password was right.
#[derive(Debug, Clone)]
pub(crate) enum LoginFactor {
    /// No second factor: the account has none and is not required to.
    NotNeeded,
    /// No second factor yet but required: an enrolment-only browser session.
    EnrolmentOnly,
    /// A TOTP code matching this step (accepted if the step was not used yet).
    Totp(i64),
    /// A recovery code with this hash (accepted if unused).
    Recovery(String),
    /// Wrong password, or a code that matches nothing.
    Wrong,
}

impl LoginFactor {
    pub(crate) async fn accept(&self, tx: &mut Tx, user_id: i64) -> Result<bool> {
        Ok(match self {
            LoginFactor::NotNeeded | LoginFactor::EnrolmentOnly => true,
            LoginFactor::Totp(step) => tx.totp_accept_step(user_id, *step).await?,
            LoginFactor::Recovery(h) => tx.recovery_code_use(user_id, h).await?,
            LoginFactor::Wrong => false,
        })
    }
    pub(crate) fn enrolment_only(&self) -> bool {
        matches!(self, LoginFactor::EnrolmentOnly)
    }
    pub(crate) fn verified(&self) -> bool {
        matches!(self, LoginFactor::Totp(_) | LoginFactor::Recovery(_))
    }
    pub(crate) fn label(&self) -> &'static str {
        match self {
            LoginFactor::NotNeeded => "none",
            LoginFactor::EnrolmentOnly => "enrolment_pending",
            LoginFactor::Totp(_) => "totp",
            LoginFactor::Recovery(_) => "recovery_code",
            LoginFactor::Wrong => "wrong",
        }
    }
}

/// Decides the second factor of a login whose password was right: `Err((audit reason,
/// error))` refuses it without counting a failure (factor missing, enrolment needed on the
/// API).
pub(crate) async fn login_factor(
    app: &App,
    user: &UserRow,
    otp: Option<&str>,
    kind: SessionKind,
    now: OffsetDateTime,
) -> Result<std::result::Result<LoginFactor, (&'static str, DomainError)>> {
    let state = app.store.totp_state(user.id).await?;
    let secret = state.and_then(|s| s.totp_secret);
    let otp = otp.map(str::trim).filter(|s| !s.is_empty());
    let role = Role::parse(&user.role).map_err(|_| DomainError::internal())?;
    Ok(match (secret, otp) {
        (Some(_), None) => Err(("second_factor_missing", second_factor_required())),
        (Some(secret), Some(code)) => Ok(match totp_match(&secret, code, now) {
            Some(step) => LoginFactor::Totp(step),
            None if looks_like_recovery(code) => LoginFactor::Recovery(recovery_hash(code)),
            None => LoginFactor::Wrong,
        }),
        (None, _) if app.auth.second_factor_required && role_requires_second_factor(role) => {
            match kind {
                SessionKind::Api => Err(("second_factor_enrolment_required", enrolment_required())),
                SessionKind::Browser => Ok(LoginFactor::EnrolmentOnly),
            }
        }
        (None, _) => Ok(LoginFactor::NotNeeded),
    })
}

/// The second-factor state of the current user.
#[derive(Debug, Clone, Serialize)]
pub struct SecondFactorStatus {
    pub enrolled: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    pub enrolled_at: Option<OffsetDateTime>,
    /// Whether the role must have one (under the running policy).
    pub required: bool,
    pub recovery_codes_left: i64,
}

/// A secret waiting for its first code.
#[derive(Debug, Clone, Serialize)]
pub struct TotpEnrolment {
    /// Base32, for typing into the app by hand.
    pub secret: String,
    /// `otpauth://totp/…`, the content of the QR code.
    pub uri: String,
}

/// When the signing official last proved who they are (recorded with what they sign).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct SigningProof {
    #[serde(with = "time::serde::rfc3339::option")]
    pub reauth_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub second_factor_at: Option<OffsetDateTime>,
}

impl App {
    /// Sets the login policy.
    pub fn with_auth(mut self, policy: AuthPolicy) -> App {
        self.auth = policy;
        self
    }

    fn sa_audit(&self, actor: &Actor, meta: &RequestMeta, action: &str) -> NewAuditEntry {
        let mut e = actor.audit(meta, action);
        e.target_type = Some("user".into());
        e.target_id = Some(actor.username.clone());
        e
    }

    pub async fn second_factor_status(&self, actor: &Actor) -> Result<SecondFactorStatus> {
        let state = self.store.totp_state(actor.user_id).await?;
        let enrolled_at = state
            .as_ref()
            .filter(|s| s.totp_secret.is_some())
            .and_then(|s| s.totp_enabled_at);
        Ok(SecondFactorStatus {
            enrolled: state.is_some_and(|s| s.totp_secret.is_some()),
            enrolled_at,
            required: self.auth.second_factor_required && role_requires_second_factor(actor.role),
            recovery_codes_left: self.store.recovery_codes_left(actor.user_id).await?,
        })
    }

    /// Starts (or resumes) enrolment: a new secret, kept pending until a code confirms it.
    pub async fn totp_begin(&self, actor: &Actor) -> Result<TotpEnrolment> {
        let state = self
            .store
            .totp_state(actor.user_id)
            .await?
            .ok_or_else(DomainError::internal)?;
        if state.totp_secret.is_some() {
            return Err(DomainError::new(
                ErrorKind::Conflict,
                "second_factor_already_enrolled",
                "Tài khoản đã đăng ký xác thực hai bước. Muốn đổi ứng dụng, hãy tắt rồi đăng ký lại.",
            ));
        }
        let secret = match state.totp_pending_secret {
            Some(s) => s,
            None => {
                let s = new_secret();
                let mut tx = self.store.begin().await?;
                tx.totp_set_pending(actor.user_id, Some(&s)).await?;
                tx.commit().await?;
                s
            }
        };
        Ok(TotpEnrolment {
            uri: otpauth_uri(&actor.username, &secret),
            secret,
        })
    }

    /// Confirms enrolment with a first code; returns the recovery codes (shown once). The
    /// session becomes a full one, freshly authenticated with the second factor.
    pub async fn totp_confirm(
        &self,
        actor: &Actor,
        code: &str,
        meta: &RequestMeta,
    ) -> Result<Vec<String>> {
        let state = self
            .store
            .totp_state(actor.user_id)
            .await?
            .ok_or_else(DomainError::internal)?;
        let Some(secret) = state
            .totp_pending_secret
            .filter(|_| state.totp_secret.is_none())
        else {
            return Err(DomainError::new(
                ErrorKind::Conflict,
                "second_factor_not_pending",
                "Không có đăng ký xác thực hai bước nào đang chờ xác nhận. Hãy mở lại trang đăng ký.",
            ));
        };
        let now = tuphap_store::now_utc();
        let Some(step) = totp_match(&secret, code, now) else {
            let mut e = self.sa_audit(actor, meta, "auth.second_factor.enrol");
            e.outcome = Some(Outcome::Failure);
            e.reason = Some("bad_code".into());
            self.store.audit(&[e]).await?;
            return Err(bad_second_factor());
        };
        let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| new_recovery_code()).collect();
        let hashes: Vec<String> = codes.iter().map(|c| recovery_hash(c)).collect();
        let mut tx = self.store.begin().await?;
        tx.totp_enable(actor.user_id, &secret, step).await?;
        tx.recovery_codes_replace(actor.user_id, &hashes).await?;
        if actor.session_id != 0 {
            tx.session_reauth(actor.session_id, now, true).await?;
        }
        let e = self.sa_audit(actor, meta, "auth.second_factor.enrol");
        tx.commit_with(&[e], &[]).await?;
        Ok(codes)
    }

    /// Checks the password (and the second factor when the account has one) of `actor`;
    /// counts failures towards the lockout like a login. Returns whether a second factor
    /// was verified.
    async fn check_again(
        &self,
        actor: &Actor,
        password: &str,
        otp: Option<&str>,
        action: &str,
        meta: &RequestMeta,
    ) -> Result<bool> {
        let now = tuphap_store::now_utc();
        let Some(user) = self.store.user_by_id(actor.user_id).await? else {
            verify_password(password.to_string(), DUMMY_HASH.clone()).await;
            return Err(bad_credentials());
        };
        if let Some(until) = user.locked_until.filter(|u| *u > now) {
            return Err(locked(until, now));
        }
        let password_ok = verify_password(password.to_string(), user.password_hash.clone()).await;
        let factor = if password_ok {
            match login_factor(self, &user, otp, SessionKind::Api, now).await? {
                Ok(f) => f,
                Err((reason, err)) => {
                    let mut e = self.sa_audit(actor, meta, action);
                    e.outcome = Some(Outcome::Denied);
                    e.reason = Some(reason.into());
                    self.store.audit(&[e]).await?;
                    return Err(err);
                }
            }
        } else {
            LoginFactor::Wrong
        };
        let mut tx = self.store.begin().await?;
        let Some(fresh) = tx.user_for_update(&user.username).await? else {
            return Err(bad_credentials());
        };
        let ok = password_ok && factor.accept(&mut tx, fresh.id).await?;
        if !ok {
            let failures = fresh.failed_attempts.saturating_add(1);
            let lock_until = (failures >= self.auth.max_failures)
                .then(|| now + to_time(lock_duration(&self.auth, failures)));
            tx.user_set_login_state(fresh.id, failures, lock_until)
                .await?;
            let mut e = self.sa_audit(actor, meta, action);
            e.outcome = Some(Outcome::Failure);
            e.reason = Some(
                if password_ok {
                    "bad_second_factor"
                } else {
                    "bad_password"
                }
                .into(),
            );
            tx.commit_with(&[e], &[]).await?;
            return Err(match lock_until {
                Some(until) => locked(until, now),
                None if password_ok => bad_second_factor(),
                None => bad_credentials(),
            });
        }
        tx.user_set_login_state(fresh.id, 0, None).await?;
        tx.commit().await?;
        Ok(factor.verified())
    }

    /// Re-authenticates the session of `actor` (password, and the TOTP code when enrolled):
    /// signing is allowed for the next [`AuthPolicy::reauth_window`].
    pub async fn reauth(
        &self,
        actor: &Actor,
        password: &str,
        otp: Option<&str>,
        meta: &RequestMeta,
    ) -> Result<OffsetDateTime> {
        let verified = self
            .check_again(actor, password, otp, "auth.reauth", meta)
            .await?;
        let now = tuphap_store::now_utc();
        let mut tx = self.store.begin().await?;
        tx.session_reauth(actor.session_id, now, verified).await?;
        let mut e = self.sa_audit(actor, meta, "auth.reauth");
        e.details = Some(serde_json::json!({"second_factor": verified}));
        tx.commit_with(&[e], &[]).await?;
        Ok(now)
    }

    /// Turns the second factor off after checking the password and a current code; every
    /// session of the user ends (an official who must have one enrols again at next login).
    pub async fn totp_disable(
        &self,
        actor: &Actor,
        password: &str,
        otp: &str,
        meta: &RequestMeta,
    ) -> Result<()> {
        let status = self.second_factor_status(actor).await?;
        if !status.enrolled {
            return Err(DomainError::new(
                ErrorKind::Conflict,
                "second_factor_not_enrolled",
                "Tài khoản chưa đăng ký xác thực hai bước.",
            ));
        }
        self.check_again(
            actor,
            password,
            Some(otp),
            "auth.second_factor.disable",
            meta,
        )
        .await?;
        let mut tx = self.store.begin().await?;
        tx.totp_disable(actor.user_id).await?;
        tx.sessions_revoke_all(actor.user_id).await?;
        let e = self.sa_audit(actor, meta, "auth.second_factor.disable");
        tx.commit_with(&[e], &[]).await?;
        Ok(())
    }

    /// Refuses a signing action unless the session re-authenticated within the policy's
    /// window (403 `reauth_required`); returns when it last did, for the audit entry.
    /// In-process actors (no session: seeding, system actions) are not asked.
    pub async fn require_recent_auth(&self, actor: &Actor) -> Result<SigningProof> {
        if actor.session_id == 0 {
            return Ok(SigningProof {
                reauth_at: None,
                second_factor_at: None,
            });
        }
        let proof = self
            .store
            .session_proof(actor.session_id)
            .await?
            .ok_or_else(reauth_required)?;
        if let Some(window) = self.auth.reauth_window {
            let now = tuphap_store::now_utc();
            let fresh = proof.reauth_at.is_some_and(|at| at + to_time(window) > now);
            if !fresh {
                return Err(reauth_required());
            }
        }
        Ok(SigningProof {
            reauth_at: proof.reauth_at,
            second_factor_at: proof.second_factor_at,
        })
    }

    /// The live sessions of the current user.
    pub async fn my_sessions(&self, actor: &Actor) -> Result<Vec<SessionInfo>> {
        Ok(self.store.sessions_of_user(actor.user_id).await?)
    }

    /// Ends one of the current user's sessions.
    pub async fn end_my_session(
        &self,
        actor: &Actor,
        session_id: i64,
        meta: &RequestMeta,
    ) -> Result<()> {
        let mut tx = self.store.begin().await?;
        if !tx.session_revoke_of_user(actor.user_id, session_id).await? {
            return Err(DomainError::not_found(
                "session_not_found",
                "Không có phiên đăng nhập đang hoạt động này của bạn.",
            ));
        }
        let mut e = self.sa_audit(actor, meta, "auth.session.end");
        e.details = Some(serde_json::json!({"session": session_id}));
        tx.commit_with(&[e], &[]).await?;
        Ok(())
    }

    /// An administrator ends every session of `username`; returns how many.
    pub async fn revoke_user_sessions(
        &self,
        actor: &Actor,
        username: &str,
        meta: &RequestMeta,
    ) -> Result<u64> {
        actor.require(
            actor.role.can_administer(),
            "thu hồi phiên đăng nhập của người dùng",
        )?;
        let username = username.trim().to_lowercase();
        let Some(user) = self.store.user_by_username(&username).await? else {
            return Err(DomainError::not_found(
                "user_not_found",
                format!("Không có người dùng \u{201c}{username}\u{201d}."),
            ));
        };
        let mut tx = self.store.begin().await?;
        let n = tx.sessions_revoke_all(user.id).await?;
        let mut e = actor.audit(meta, "auth.sessions.revoke");
        e.target_type = Some("user".into());
        e.target_id = Some(username);
        e.details = Some(serde_json::json!({"sessions": n}));
        tx.commit_with(&[e], &[]).await?;
        Ok(n)
    }

    /// Changes the current user's password (the current one, and the code when enrolled,
    /// checked first); every other session of the user ends.
    pub async fn change_password(
        &self,
        actor: &Actor,
        current: &str,
        new_password: &str,
        otp: Option<&str>,
        meta: &RequestMeta,
    ) -> Result<u64> {
        validate_password(new_password, &actor.username)?;
        let verified = self
            .check_again(actor, current, otp, "auth.password.change", meta)
            .await?;
        let hash = hash_password(new_password.to_string()).await?;
        let now = tuphap_store::now_utc();
        let mut tx = self.store.begin().await?;
        tx.user_set_password(actor.user_id, &hash).await?;
        let n = tx
            .sessions_revoke_others(actor.user_id, actor.session_id)
            .await?;
        if actor.session_id != 0 {
            tx.session_reauth(actor.session_id, now, verified).await?;
        }
        let mut e = self.sa_audit(actor, meta, "auth.password.change");
        e.details = Some(serde_json::json!({"other_sessions_ended": n}));
        tx.commit_with(&[e], &[]).await?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_sha1_vectors() {
        // RFC 6238 appendix B, SHA-1 secret "12345678901234567890", 8 digits.
        let key = b"12345678901234567890";
        for (t, code) in [
            (59i64, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(hotp(key, step_at(t), 8), code, "t={t}");
        }
    }

    #[test]
    fn base32_round_trip_and_drift() {
        let secret = base32_encode(b"12345678901234567890");
        assert_eq!(secret, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(base32_decode(&secret).unwrap(), b"12345678901234567890");
        let at = OffsetDateTime::from_unix_timestamp(59).unwrap();
        assert_eq!(totp_match(&secret, "287082", at), Some(1));
        // One step of drift either way is accepted, two are not.
        let later = OffsetDateTime::from_unix_timestamp(59 + 30).unwrap();
        assert_eq!(totp_match(&secret, "287082", later), Some(1));
        let much_later = OffsetDateTime::from_unix_timestamp(59 + 60).unwrap();
        assert_eq!(totp_match(&secret, "287082", much_later), None);
        assert_eq!(totp_match(&secret, "28708", at), None);
        assert!(otpauth_uri("lanhdao.badinh", &secret).starts_with("otpauth://totp/"));
        assert!(looks_like_recovery(&new_recovery_code()));
    }
}
