//! Identity and access: offices tied to administrative units, users with roles, password login
//! with lockout and back-off, server-side sessions (browser cookies and API bearer tokens are
//! the same mechanism), and the jurisdiction scope of an office.

use std::time::Duration as StdDuration;

use argon2::password_hash::phc::PasswordHash;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use base64::Engine as _;
use serde::Serialize;
use sha2::{Digest, Sha256};
use time::{Date, OffsetDateTime};

use tuphap_core::dates::vn_today;
use tuphap_core::reference::{self as refdata, AdminLevel};
use tuphap_core::role::Role;
use tuphap_store::identity::{NewOffice, NewSession, NewUser, OfficeRow, SessionRow};
use tuphap_store::{NewAuditEntry, NewChange, Outcome};

use crate::App;
use crate::error::{DomainError, ErrorKind, Result};

/// Code of the ministry's office.
pub const MINISTRY_OFFICE_CODE: &str = "BTP";

/// Login and session rules.
#[derive(Debug, Clone)]
pub struct AuthPolicy {
    /// Failed attempts allowed before the account is locked.
    pub max_failures: i32,
    /// First lock duration; doubles with each further failure.
    pub base_lock: StdDuration,
    /// Longest lock.
    pub max_lock: StdDuration,
    /// Idle lifetime of a browser session (slides with use).
    pub browser_idle: StdDuration,
    /// Lifetime of an API bearer token (slides with use).
    pub api_idle: StdDuration,
    /// Longest life of a browser session however much it is used (issue 8).
    pub browser_absolute: StdDuration,
    /// Longest life of an API token however much it is used.
    pub api_absolute: StdDuration,
    /// Whether signers, province and ministry staff and administrators must have a second
    /// factor (TOTP) to log in (`strong_auth`). `tuphap serve` always runs with `true`; only
    /// test harnesses and in-process seeding turn it off, explicitly.
    pub second_factor_required: bool,
    /// How recent the last password/TOTP check of a session must be to sign (register a
    /// record); `None` = no such check (in-process seeding only).
    pub reauth_window: Option<StdDuration>,
}

impl AuthPolicy {
    /// The default policy without the second-factor requirement: for test harnesses whose
    /// tests are not about it and for in-process seeding. Never used by `tuphap serve`.
    pub fn without_second_factor() -> AuthPolicy {
        AuthPolicy {
            second_factor_required: false,
            ..AuthPolicy::default()
        }
    }
}

impl Default for AuthPolicy {
    fn default() -> Self {
        AuthPolicy {
            max_failures: 5,
            base_lock: StdDuration::from_secs(60),
            max_lock: StdDuration::from_secs(3600),
            browser_idle: StdDuration::from_secs(8 * 3600),
            api_idle: StdDuration::from_secs(12 * 3600),
            browser_absolute: StdDuration::from_secs(12 * 3600),
            api_absolute: StdDuration::from_secs(24 * 3600),
            second_factor_required: true,
            reauth_window: Some(StdDuration::from_secs(5 * 60)),
        }
    }
}

/// Who is making a request and from where (for the audit log).
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub source_ip: Option<String>,
    pub request_id: Option<String>,
    pub user_agent: Option<String>,
    /// The purpose the caller stated for reading personal data (`X-Purpose` and
    /// `X-Purpose-Ref`, `purpose=` and `purpose_ref=`, or the page's remembered choice), as
    /// sent: `crate::privacy` checks it where the law asks for one.
    pub purpose: Option<crate::privacy::PurposeClaim>,
}

/// Kind of office.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OfficeKind {
    Commune,
    Province,
    Ministry,
}

impl OfficeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OfficeKind::Commune => "commune",
            OfficeKind::Province => "province",
            OfficeKind::Ministry => "ministry",
        }
    }
    fn parse(s: &str) -> Option<OfficeKind> {
        match s {
            "commune" => Some(OfficeKind::Commune),
            "province" => Some(OfficeKind::Province),
            "ministry" => Some(OfficeKind::Ministry),
            _ => None,
        }
    }
}

/// The area an office works on: its unit and everything under it, in the structure valid now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Scope {
    /// The whole country.
    National,
    /// One province (current 2-tier code).
    Province { province_code: String },
    /// One commune (current code).
    Commune { commune_code: String },
}

impl Scope {
    /// Whether the unit `code`, as it was on `as_of` (a record keeps the codes valid on its
    /// registration date), lies in this scope today. Old units are followed to their successors
    /// across the 2025 reform; a unit split over several new communes is in scope if any part is.
    pub fn covers(&self, code: &str, as_of: Date) -> bool {
        let today = vn_today();
        match self {
            Scope::National => refdata::unit_on(code, as_of).is_some(),
            Scope::Province { province_code } => current_units(code, as_of, today)
                .iter()
                .any(|(_, p)| p == province_code),
            Scope::Commune { commune_code } => current_units(code, as_of, today)
                .iter()
                .any(|(c, _)| c == commune_code),
        }
    }
}

/// The current (code, province code) pairs of the unit `code` valid on `as_of`.
fn current_units(code: &str, as_of: Date, today: Date) -> Vec<(String, String)> {
    let Some(unit) = refdata::unit_on(code, as_of) else {
        return Vec::new();
    };
    if refdata::unit_on(code, today).is_some_and(|u| u == unit) {
        return vec![(unit.code.clone(), unit.province_code.clone())];
    }
    match unit.level {
        AdminLevel::Province => refdata::successors_of(&unit.code, AdminLevel::Province)
            .into_iter()
            .map(|s| (s.new_code.clone(), s.new_code.clone()))
            .collect(),
        level => refdata::successors_of(&unit.code, level)
            .into_iter()
            .filter_map(|s| refdata::unit_on(&s.new_code, today))
            .map(|u| (u.code.clone(), u.province_code.clone()))
            .collect(),
    }
}

/// The authenticated user behind a request.
#[derive(Debug, Clone, Serialize)]
pub struct Actor {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub office: OfficeInfo,
    #[serde(skip)]
    pub session_id: i64,
    #[serde(skip)]
    pub csrf_token: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct OfficeInfo {
    pub id: i64,
    pub code: String,
    pub kind: OfficeKind,
    pub name: String,
    pub scope: Scope,
}

impl Actor {
    /// An audit entry with this actor filled in.
    pub fn audit(&self, meta: &RequestMeta, action: &str) -> NewAuditEntry {
        NewAuditEntry {
            actor_user_id: Some(self.user_id),
            actor_username: Some(self.username.clone()),
            actor_office: Some(self.office.code.clone()),
            source_ip: meta.source_ip.clone(),
            request_id: meta.request_id.clone(),
            action: action.to_string(),
            outcome: Some(Outcome::Success),
            ..NewAuditEntry::default()
        }
    }

    pub fn require(&self, allowed: bool, what: &str) -> Result<()> {
        if allowed {
            Ok(())
        } else {
            Err(DomainError::forbidden(format!(
                "Tài khoản {} (vai trò {}) không có quyền {what}.",
                self.username,
                self.role.label_vi()
            )))
        }
    }
}

/// An audit entry for an action of the system itself (no user).
pub fn system_audit(action: &str, target_type: &str, target_id: &str) -> NewAuditEntry {
    NewAuditEntry {
        actor_username: Some("(hệ thống)".into()),
        action: action.to_string(),
        target_type: Some(target_type.to_string()),
        target_id: Some(target_id.to_string()),
        outcome: Some(Outcome::Success),
        ..NewAuditEntry::default()
    }
}

fn scope_of(kind: OfficeKind, unit_code: Option<&str>, province_code: Option<&str>) -> Scope {
    match kind {
        OfficeKind::Ministry => Scope::National,
        OfficeKind::Province => Scope::Province {
            province_code: province_code.or(unit_code).unwrap_or_default().to_string(),
        },
        OfficeKind::Commune => Scope::Commune {
            commune_code: unit_code.unwrap_or_default().to_string(),
        },
    }
}

fn office_info(o: &OfficeRow) -> OfficeInfo {
    let kind = OfficeKind::parse(&o.kind).unwrap_or(OfficeKind::Commune);
    OfficeInfo {
        id: o.id,
        code: o.code.clone(),
        kind,
        name: o.name.clone(),
        scope: scope_of(kind, o.unit_code.as_deref(), o.province_code.as_deref()),
    }
}

/// The office for `unit`: an admin-unit code in today's structure (a commune → its People's
/// Committee, a province → its Department of Justice) or `BTP` for the ministry.
pub fn office_for_unit(unit: &str) -> Result<NewOffice> {
    let unit = unit.trim();
    if unit.eq_ignore_ascii_case(MINISTRY_OFFICE_CODE) {
        return Ok(NewOffice {
            code: MINISTRY_OFFICE_CODE.to_string(),
            kind: OfficeKind::Ministry.as_str().to_string(),
            name: "Bộ Tư pháp".to_string(),
            unit_code: None,
            unit_level: None,
            unit_valid_from: None,
            province_code: None,
        });
    }
    let today = vn_today();
    let Some(u) = refdata::unit_on(unit, today) else {
        let hint = match refdata::admin_unit_versions()
            .iter()
            .find(|v| v.code == unit)
        {
            Some(old) => format!(
                " Mã này là của {} (hết hiệu lực từ {}); hãy dùng mã theo cơ cấu hành chính hiện hành.",
                old.full_name,
                old.valid_to
                    .map(tuphap_core::dates::format_vn)
                    .unwrap_or_default()
            ),
            None => String::new(),
        };
        return Err(DomainError::new(
            ErrorKind::Unprocessable,
            "unit_unknown",
            format!(
                "Không có đơn vị hành chính mã \u{201c}{unit}\u{201d} đang có hiệu lực.{hint} Dùng mã xã/phường (5 chữ số), mã tỉnh/thành phố (2 chữ số) hoặc BTP cho Bộ Tư pháp."
            ),
        )
        .with_field("unit"));
    };
    let (kind, name) = match u.level {
        AdminLevel::Commune => (OfficeKind::Commune, format!("UBND {}", u.full_name)),
        AdminLevel::Province => (OfficeKind::Province, format!("Sở Tư pháp {}", u.full_name)),
        AdminLevel::District => {
            return Err(DomainError::new(
                ErrorKind::Unprocessable,
                "unit_not_an_office_level",
                "Từ 01/07/2025 không còn cấp huyện; hãy dùng mã xã/phường hoặc mã tỉnh/thành phố.",
            )
            .with_field("unit"));
        }
    };
    Ok(NewOffice {
        code: u.code.clone(),
        kind: kind.as_str().to_string(),
        name,
        unit_code: Some(u.code.clone()),
        unit_level: Some(u.level.as_str().to_string()),
        unit_valid_from: u.valid_from,
        province_code: Some(u.province_code.clone()),
    })
}

/// Input of [`App::add_user`].
#[derive(Debug, Clone)]
pub struct NewUserInput {
    pub username: String,
    pub display_name: Option<String>,
    pub role: String,
    pub unit: String,
    pub password: String,
}

/// A user as shown to administrators.
#[derive(Debug, Clone, Serialize)]
pub struct UserSummary {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub office_code: String,
    pub office_name: String,
    pub active: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    pub locked_until: Option<OffsetDateTime>,
}

/// Result of a successful login.
#[derive(Debug, Clone)]
pub struct LoginOk {
    /// The secret token (cookie value or bearer token). Only its hash is stored.
    pub token: String,
    pub csrf_token: String,
    pub expires_at: OffsetDateTime,
    pub actor: Actor,
    /// The password was right but the account must enrol a second factor first: the session
    /// only opens the enrolment page (browser logins only; API logins are refused instead).
    pub enrolment_only: bool,
}

/// Browser session (cookie) or API token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    Browser,
    Api,
}

impl SessionKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            SessionKind::Browser => "browser",
            SessionKind::Api => "api",
        }
    }
}

fn validate_username(u: &str) -> Result<String> {
    let u = u.trim().to_lowercase();
    let ok = (3..=64).contains(&u.len())
        && u.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
        && u.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    if ok {
        Ok(u)
    } else {
        Err(DomainError::new(
            ErrorKind::Unprocessable,
            "username_invalid",
            "Tên đăng nhập phải dài 3–64 ký tự, chỉ gồm chữ thường không dấu, chữ số và các dấu . _ -, bắt đầu bằng chữ hoặc số.",
        )
        .with_field("username"))
    }
}

pub(crate) fn validate_password(p: &str, username: &str) -> Result<()> {
    let chars = p.chars().count();
    if chars < 10 {
        return Err(DomainError::new(
            ErrorKind::Unprocessable,
            "password_too_short",
            format!("Mật khẩu phải có ít nhất 10 ký tự (đang có {chars})."),
        )
        .with_field("password"));
    }
    if chars > 256 {
        return Err(DomainError::new(
            ErrorKind::Unprocessable,
            "password_too_long",
            "Mật khẩu dài quá 256 ký tự.",
        )
        .with_field("password"));
    }
    if p.to_lowercase().contains(username) {
        return Err(DomainError::new(
            ErrorKind::Unprocessable,
            "password_contains_username",
            "Mật khẩu không được chứa tên đăng nhập.",
        )
        .with_field("password"));
    }
    Ok(())
}

pub(crate) async fn hash_password(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
    })
    .await
    .map_err(|_| DomainError::internal())?
    .map_err(|e| {
        tracing::error!(error = %e, "password hashing failed");
        DomainError::internal()
    })
}

/// Verifies `password` against `hash`; an unparsable hash never verifies.
pub(crate) async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || match PasswordHash::new(&hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    })
    .await
    .unwrap_or(false)
}

/// A hash of a random password, verified against when the username does not exist, so that a
/// wrong username and a wrong password take the same time.
pub(crate) static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    Argon2::default()
        .hash_password(random_token().as_bytes())
        .map(|h| h.to_string())
        .unwrap_or_default()
});

/// 256 random bits, base64url.
pub fn random_token() -> String {
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// How a token is stored: its SHA-256 (a stolen database does not yield live tokens).
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub(crate) fn lock_duration(policy: &AuthPolicy, failures: i32) -> StdDuration {
    let over = u32::try_from(failures - policy.max_failures)
        .unwrap_or(0)
        .min(16);
    policy
        .base_lock
        .saturating_mul(2u32.saturating_pow(over))
        .min(policy.max_lock)
}

pub(crate) fn to_time(d: StdDuration) -> time::Duration {
    time::Duration::try_from(d).unwrap_or(time::Duration::HOUR)
}

pub(crate) fn bad_credentials() -> DomainError {
    DomainError::new(
        ErrorKind::Unauthenticated,
        "auth_invalid_credentials",
        "Tên đăng nhập hoặc mật khẩu không đúng.",
    )
}

pub(crate) fn locked(until: OffsetDateTime, now: OffsetDateTime) -> DomainError {
    let secs = u64::try_from((until - now).whole_seconds().max(1)).unwrap_or(1);
    let minutes = secs.div_ceil(60);
    let mut e = DomainError::new(
        ErrorKind::TooManyRequests,
        "auth_locked",
        format!(
            "Tài khoản tạm khóa do đăng nhập sai nhiều lần. Vui lòng thử lại sau khoảng {minutes} phút."
        ),
    );
    e.retry_after = Some(secs);
    e
}

impl App {
    /// Creates a user in the office of `input.unit` (the office is created on first use).
    /// `by` is the administrator doing it, or `None` from the operator's command line.
    pub async fn add_user(
        &self,
        input: NewUserInput,
        by: Option<&Actor>,
        meta: &RequestMeta,
    ) -> Result<UserSummary> {
        if let Some(a) = by {
            a.require(a.role.can_administer(), "tạo tài khoản người dùng")?;
        }
        let username = validate_username(&input.username)?;
        let role = Role::parse(&input.role)
            .map_err(|e| DomainError::unprocessable(&e).with_field("role"))?;
        validate_password(&input.password, &username)?;
        let new_office = office_for_unit(&input.unit)?;
        let display_name = input
            .display_name
            .map(|d| tuphap_core::text::VnText::new(&d).as_str().to_string())
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| username.clone());
        if display_name.chars().count() > 120 {
            return Err(DomainError::new(
                ErrorKind::Unprocessable,
                "display_name_too_long",
                "Họ tên hiển thị dài quá 120 ký tự.",
            )
            .with_field("display_name"));
        }
        if self.store.user_by_username(&username).await?.is_some() {
            return Err(DomainError::new(
                ErrorKind::Conflict,
                "username_taken",
                format!("Tên đăng nhập \u{201c}{username}\u{201d} đã được dùng."),
            )
            .with_field("username"));
        }
        let hash = hash_password(input.password).await?;
        let mut tx = self.store.begin().await?;
        let (office, office_created) = tx.office_get_or_create(&new_office).await?;
        let user_id = tx
            .user_insert(&NewUser {
                username: username.clone(),
                display_name: display_name.clone(),
                role: role.as_str().to_string(),
                office_id: office.id,
                password_hash: hash,
            })
            .await
            .map_err(|e| match e {
                tuphap_store::StoreError::Conflict(_) => DomainError::new(
                    ErrorKind::Conflict,
                    "username_taken",
                    format!("Tên đăng nhập \u{201c}{username}\u{201d} đã được dùng."),
                ),
                other => other.into(),
            })?;
        let mut audit = Vec::new();
        let mut changes = Vec::new();
        let base = match by {
            Some(a) => a.audit(meta, ""),
            None => NewAuditEntry {
                actor_username: Some("(dòng lệnh)".to_string()),
                source_ip: meta.source_ip.clone(),
                request_id: meta.request_id.clone(),
                outcome: Some(Outcome::Success),
                ..NewAuditEntry::default()
            },
        };
        if office_created {
            audit.push(NewAuditEntry {
                action: "office.create".into(),
                target_type: Some("office".into()),
                target_id: Some(office.code.clone()),
                ..base.clone()
            });
            changes.push(NewChange {
                entity: "office".into(),
                entity_id: office.code.clone(),
                action: "created".into(),
                actor_user_id: by.map(|a| a.user_id),
                payload: serde_json::json!({"code": office.code, "kind": office.kind, "name": office.name}),
            });
        }
        audit.push(NewAuditEntry {
            action: "user.create".into(),
            target_type: Some("user".into()),
            target_id: Some(username.clone()),
            details: Some(serde_json::json!({"role": role.as_str(), "office": office.code})),
            ..base
        });
        changes.push(NewChange {
            entity: "user".into(),
            entity_id: user_id.to_string(),
            action: "created".into(),
            actor_user_id: by.map(|a| a.user_id),
            payload: serde_json::json!({"username": username, "role": role.as_str(), "office": office.code}),
        });
        tx.commit_with(&audit, &changes).await?;
        Ok(UserSummary {
            id: user_id,
            username,
            display_name,
            role,
            office_code: office.code,
            office_name: office.name,
            active: true,
            locked_until: None,
        })
    }

    /// Checks a username and password. Every attempt is audited. After
    /// `policy.max_failures` consecutive failures the account is locked, for
    /// `base_lock · 2^(failures − max_failures)` up to `max_lock`; a locked account is refused
    /// without looking at the password.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        kind: SessionKind,
        meta: &RequestMeta,
    ) -> Result<LoginOk> {
        self.login_with_otp(username, password, None, kind, meta)
            .await
    }

    /// [`App::login`] with the second factor: `otp` is the 6-digit TOTP code or a recovery
    /// code. An account with a second factor is refused without it (401
    /// `second_factor_required`, nothing counted); a wrong or replayed code counts as a failed
    /// attempt. An official who must have one and has none gets an enrolment-only browser
    /// session, or 403 `second_factor_enrolment_required` for the API.
    pub async fn login_with_otp(
        &self,
        username: &str,
        password: &str,
        otp: Option<&str>,
        kind: SessionKind,
        meta: &RequestMeta,
    ) -> Result<LoginOk> {
        let username_norm: String = username.trim().to_lowercase().chars().take(64).collect();
        let attempt = |outcome: Outcome, reason: &str, user_id: Option<i64>| NewAuditEntry {
            actor_user_id: user_id,
            actor_username: Some(username_norm.clone()),
            source_ip: meta.source_ip.clone(),
            request_id: meta.request_id.clone(),
            action: "auth.login".into(),
            target_type: Some("user".into()),
            target_id: Some(username_norm.clone()),
            outcome: Some(outcome),
            reason: Some(reason.to_string()),
            details: Some(serde_json::json!({"kind": kind.as_str()})),
            ..NewAuditEntry::default()
        };
        let Some(user) = self.store.user_by_username(&username_norm).await? else {
            verify_password(password.to_string(), DUMMY_HASH.clone()).await;
            self.store
                .audit(&[attempt(Outcome::Failure, "unknown_user", None)])
                .await?;
            self.note_login_failure(meta, &username_norm, None, "unknown_user", false)
                .await;
            return Err(bad_credentials());
        };
        let now = tuphap_store::now_utc();
        if let Some(until) = user.locked_until.filter(|u| *u > now) {
            self.store
                .audit(&[attempt(Outcome::Denied, "locked", Some(user.id))])
                .await?;
            self.note_login_failure(meta, &username_norm, Some(user.id), "locked", false)
                .await;
            return Err(locked(until, now));
        }
        if !user.active {
            verify_password(password.to_string(), DUMMY_HASH.clone()).await;
            self.store
                .audit(&[attempt(Outcome::Denied, "inactive", Some(user.id))])
                .await?;
            self.note_login_failure(meta, &username_norm, Some(user.id), "inactive", false)
                .await;
            return Err(bad_credentials());
        }
        let password_ok = verify_password(password.to_string(), user.password_hash.clone()).await;
        let factor = if password_ok {
            match crate::strong_auth::login_factor(self, &user, otp, kind, now).await? {
                Ok(f) => f,
                Err((reason, err)) => {
                    self.store
                        .audit(&[attempt(Outcome::Denied, reason, Some(user.id))])
                        .await?;
                    return Err(err);
                }
            }
        } else {
            crate::strong_auth::LoginFactor::Wrong
        };
        let mut tx = self.store.begin().await?;
        // Re-read under the transaction so concurrent attempts count exactly.
        let Some(fresh) = tx.user_for_update(&username_norm).await? else {
            return Err(bad_credentials());
        };
        let factor_ok = password_ok && factor.accept(&mut tx, fresh.id).await?;
        let ok = password_ok && factor_ok;
        if !ok {
            let failures = fresh.failed_attempts.saturating_add(1);
            let lock_until = (failures >= self.auth.max_failures)
                .then(|| now + to_time(lock_duration(&self.auth, failures)));
            tx.user_set_login_state(fresh.id, failures, lock_until)
                .await?;
            let reason = if password_ok {
                "bad_second_factor"
            } else {
                "bad_password"
            };
            let mut entries = vec![attempt(Outcome::Failure, reason, Some(fresh.id))];
            if lock_until.is_some() {
                entries.push(NewAuditEntry {
                    action: "auth.lockout".into(),
                    reason: Some(format!("{failures} failed attempts")),
                    outcome: Some(Outcome::Success),
                    ..attempt(Outcome::Success, "", Some(fresh.id))
                });
            }
            tx.commit_with(&entries, &[]).await?;
            self.note_login_failure(
                meta,
                &username_norm,
                Some(fresh.id),
                "bad_password",
                lock_until.is_some(),
            )
            .await;
            return Err(match lock_until {
                Some(until) => locked(until, now),
                None if password_ok => crate::strong_auth::bad_second_factor(),
                None => bad_credentials(),
            });
        }
        tx.user_set_login_state(fresh.id, 0, None).await?;
        let token = random_token();
        let csrf = random_token();
        let idle = match kind {
            SessionKind::Browser => self.auth.browser_idle,
            SessionKind::Api => self.auth.api_idle,
        };
        let enrolment_only = factor.enrolment_only();
        let expires_at = if enrolment_only {
            now + time::Duration::minutes(15)
        } else {
            now + to_time(idle)
        };
        let session_id = tx
            .session_insert(&NewSession {
                token_hash: token_hash(&token),
                user_id: fresh.id,
                kind: kind.as_str().to_string(),
                csrf_token: csrf.clone(),
                expires_at,
                source_ip: meta.source_ip.clone(),
                user_agent: meta
                    .user_agent
                    .clone()
                    .map(|u| u.chars().take(300).collect()),
            })
            .await?;
        tx.session_set_proof(
            session_id,
            if enrolment_only { "enrol" } else { "full" },
            Some(now),
            factor.verified().then_some(now),
        )
        .await?;
        let mut ok_entry = attempt(Outcome::Success, "ok", Some(fresh.id));
        ok_entry.details = Some(serde_json::json!({
            "kind": kind.as_str(),
            "second_factor": factor.label(),
        }));
        tx.commit_with(&[ok_entry], &[]).await?;
        let office = self
            .store
            .office_by_id(fresh.office_id)
            .await?
            .ok_or_else(DomainError::internal)?;
        let role = Role::parse(&fresh.role).map_err(|_| DomainError::internal())?;
        Ok(LoginOk {
            token,
            csrf_token: csrf.clone(),
            expires_at,
            actor: Actor {
                user_id: fresh.id,
                username: fresh.username,
                display_name: fresh.display_name,
                role,
                office: office_info(&office),
                session_id,
                csrf_token: csrf,
            },
            enrolment_only,
        })
    }

    /// The actor behind a session token, or `None` when the token is unknown, expired, revoked
    /// or its user deactivated. Slides the expiry forward (at most once a minute).
    pub async fn authenticate(&self, token: &str) -> Result<Option<Actor>> {
        Ok(self
            .authenticate_any(token)
            .await?
            .filter(|(_, enrol)| !enrol)
            .map(|(a, _)| a))
    }

    /// Like [`App::authenticate`], also accepting an enrolment-only session (the second
    /// factor's enrolment page); the flag says which it is.
    pub async fn authenticate_any(&self, token: &str) -> Result<Option<(Actor, bool)>> {
        if token.is_empty() || token.len() > 200 {
            return Ok(None);
        }
        let Some(s) = self.store.session_by_token_hash(&token_hash(token)).await? else {
            return Ok(None);
        };
        let now = tuphap_store::now_utc();
        if s.revoked_at.is_some() || s.expires_at <= now || !s.active {
            return Ok(None);
        }
        let absolute = if s.kind == "api" {
            self.auth.api_absolute
        } else {
            self.auth.browser_absolute
        };
        if s.created_at + to_time(absolute) <= now {
            return Ok(None);
        }
        let enrol = s.purpose != "full";
        if now - s.last_seen_at > time::Duration::MINUTE {
            let idle = if s.kind == "api" {
                self.auth.api_idle
            } else {
                self.auth.browser_idle
            };
            let mut tx = self.store.begin().await?;
            if !enrol {
                tx.session_touch(s.session_id, now + to_time(idle)).await?;
            }
            tx.commit().await?;
        }
        Ok(actor_from_session(&s).map(|a| (a, enrol)))
    }

    /// Ends the session of `actor`.
    pub async fn logout(&self, actor: &Actor, meta: &RequestMeta) -> Result<()> {
        let mut tx = self.store.begin().await?;
        tx.session_revoke(actor.session_id).await?;
        let mut e = actor.audit(meta, "auth.logout");
        e.target_type = Some("user".into());
        e.target_id = Some(actor.username.clone());
        tx.commit_with(&[e], &[]).await?;
        Ok(())
    }

    /// Users, for administrators.
    pub async fn list_users(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        after: Option<&str>,
        limit: i64,
    ) -> Result<Vec<UserSummary>> {
        actor.require(actor.role.can_administer(), "xem danh sách người dùng")?;
        let rows = self.store.users(after, limit).await?;
        let offices = self.store.offices().await?;
        // Names of officials are personal data: the read is audited.
        let mut e = actor.audit(meta, "user.list");
        e.target_type = Some("user".into());
        e.details = Some(serde_json::json!({"rows": rows.len(), "after": after}));
        self.store.audit(&[e]).await?;
        Ok(rows
            .into_iter()
            .filter_map(|u| {
                let office = offices.iter().find(|o| o.id == u.office_id)?;
                Some(UserSummary {
                    id: u.id,
                    username: u.username,
                    display_name: u.display_name,
                    role: Role::parse(&u.role).ok()?,
                    office_code: office.code.clone(),
                    office_name: office.name.clone(),
                    active: u.active,
                    locked_until: u.locked_until,
                })
            })
            .collect())
    }
}

fn actor_from_session(s: &SessionRow) -> Option<Actor> {
    let kind = OfficeKind::parse(&s.office_kind)?;
    Some(Actor {
        user_id: s.user_id,
        username: s.username.clone(),
        display_name: s.display_name.clone(),
        role: Role::parse(&s.role).ok()?,
        office: OfficeInfo {
            id: s.office_id,
            code: s.office_code.clone(),
            kind,
            name: s.office_name.clone(),
            scope: scope_of(
                kind,
                s.office_unit_code.as_deref(),
                s.office_province_code.as_deref(),
            ),
        },
        session_id: s.session_id,
        csrf_token: s.csrf_token.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_duration_doubles_and_caps() {
        let p = AuthPolicy::default();
        assert_eq!(lock_duration(&p, 5), StdDuration::from_secs(60));
        assert_eq!(lock_duration(&p, 6), StdDuration::from_secs(120));
        assert_eq!(lock_duration(&p, 8), StdDuration::from_secs(480));
        assert_eq!(lock_duration(&p, 40), StdDuration::from_secs(3600));
    }

    #[test]
    fn usernames_and_passwords_are_validated() {
        assert!(validate_username("can.bo-01").is_ok());
        assert_eq!(
            validate_username("Ab").unwrap_err().code,
            "username_invalid"
        );
        assert_eq!(
            validate_username("nguyễn").unwrap_err().code,
            "username_invalid"
        );
        assert_eq!(
            validate_password("short", "x").unwrap_err().code,
            "password_too_short"
        );
        assert_eq!(
            validate_password("canbo01-secret", "canbo01")
                .unwrap_err()
                .code,
            "password_contains_username"
        );
    }

    #[test]
    fn offices_resolve_from_current_units() {
        let o = office_for_unit("00004").unwrap();
        assert_eq!(o.kind, "commune");
        assert_eq!(o.name, "UBND Phường Ba Đình");
        let p = office_for_unit("01").unwrap();
        assert_eq!(p.kind, "province");
        assert_eq!(p.name, "Sở Tư pháp Thành phố Hà Nội");
        assert_eq!(office_for_unit("btp").unwrap().kind, "ministry");
        assert_eq!(office_for_unit("001").unwrap_err().code, "unit_unknown");
        assert_eq!(office_for_unit("99999").unwrap_err().code, "unit_unknown");
    }

    #[test]
    fn scope_follows_units_across_the_reform() {
        let hanoi = Scope::Province {
            province_code: "01".into(),
        };
        let d = |y, m, day| {
            Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), day).unwrap()
        };
        // 00004 was Phường Trúc Bạch (Hà Nội) in 2024 and is Phường Ba Đình now.
        assert!(hanoi.covers("00004", d(2024, 1, 1)));
        let ba_dinh = Scope::Commune {
            commune_code: "00004".into(),
        };
        assert!(ba_dinh.covers("00004", d(2024, 1, 1)));
        // 00001 Phường Phúc Xá went into 00097 Phường Hồng Hà, not Ba Đình.
        assert!(!ba_dinh.covers("00001", d(2024, 1, 1)));
        assert!(hanoi.covers("00001", d(2024, 1, 1)));
        // A Hồ Chí Minh City commune is outside Hà Nội.
        assert!(!hanoi.covers("26734", d(2024, 1, 1)));
        assert!(Scope::National.covers("26734", d(2024, 1, 1)));
    }
}
