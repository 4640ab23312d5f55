//! Partner members, client credentials, access rights and the inbound services of the exchange
//! platform (issue 6, items 1–2).
//!
//! - A **member** is a partner subsystem, named by its X-Road client id
//!   `INSTANCE/CLASS/MEMBER/SUBSYSTEM`, with a rate limit per minute.
//! - **Client keys** (API keys): `<key id>.<secret>`, the secret 32 random bytes (base64url),
//!   shown once at issue; only its SHA-256 is stored and compared in constant time. Rotation
//!   issues a new key and gives the older ones an expiry `grace_hours` ahead. Mutual TLS is not
//!   implemented (the edge would map a client certificate to the member the same way).
//! - **Access rights**: deny by default; a right names a service, an endpoint (`*` or
//!   `METHOD /path`, a trailing `*` matching any rest) and, for the lookup services, the fields
//!   the member may see.
//! - Administrators manage all of it (audited `exchange.member.register`, `exchange.member.update`,
//!   `exchange.key.issue`, `exchange.key.revoke`, `exchange.access.grant`,
//!   `exchange.access.revoke`); a refused inbound call is audited `exchange.access_denied`, a
//!   failed authentication `exchange.authentication_failed`.
//! - Dossiers from provincial one-stop systems are declared by a **system user of the commune
//!   office** (`lgsp.<office code>`, role officer, inactive, no password: it cannot log in), so
//!   that the declaration runs the very use case of `POST /api/v1/civil/births`; the partner
//!   client and the dossier code are in the `exchange.dossier.receive` audit entry.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tuphap_core::role::Role;
use tuphap_store::exchange::{is_xroad_subsystem_id, micros};
use tuphap_store::identity::NewUser;
use tuphap_store::xroad::{AccessRightRow, ClientKeyRow, InboundRow, MemberRow};
use tuphap_store::{NewAuditEntry, Outcome, StoreError};
use utoipa::ToSchema;

use crate::civil::{BirthDeclaration, DeathDeclaration, MarriageDeclaration, register_text};
use crate::error::{DomainError, ErrorKind, Result};
use crate::identity::{OfficeInfo, OfficeKind, Scope, office_for_unit};
use crate::{Actor, App, RequestMeta};

/// Our own subsystem: inbound services are `/r1/VN/GOV/BTP/TUPHAP/{service}`.
pub const PROVIDER_ID: &str = "VN/GOV/BTP/TUPHAP";

/// Default rate limit of a new member (requests per minute).
pub const DEFAULT_RATE_LIMIT: i64 = 600;

/// Default grace period of the older keys when a new key is issued (hours).
pub const DEFAULT_GRACE_HOURS: i64 = 24;

/// One inbound service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ServiceDef {
    pub code: &'static str,
    pub method: &'static str,
    pub title_vi: &'static str,
    /// Fields an access right may allow (empty: the service has no field selection).
    pub fields: &'static [&'static str],
}

/// The inbound services (access rights are granted on these).
pub const SERVICES: &[ServiceDef] = &[
    ServiceDef {
        code: "getCivilStatus",
        method: "GET",
        title_vi: "Tra cứu tình trạng hộ tịch của một người theo số định danh cá nhân",
        fields: &[
            "full_name",
            "sex",
            "date_of_birth",
            "marital_status",
            "deceased",
            "records",
        ],
    },
    ServiceDef {
        code: "getCivilRecord",
        method: "GET",
        title_vi: "Tra cứu một bản ghi hộ tịch đã đăng ký",
        fields: &["kind", "event_date", "register", "office", "content"],
    },
    ServiceDef {
        code: "personalIdAssigned",
        method: "POST",
        title_vi: "Nhận số định danh cá nhân cấp cho trẻ đã đăng ký khai sinh",
        fields: &[],
    },
    ServiceDef {
        code: "receiveDossier",
        method: "POST",
        title_vi: "Nhận hồ sơ từ hệ thống một cửa cấp tỉnh",
        fields: &[],
    },
];

/// X-Road's metaservices (no access right needed, only an authenticated member).
pub const METASERVICES: &[&str] = &["listClients", "listMethods", "allowedMethods", "getOpenAPI"];

/// The service of a code.
pub fn service(code: &str) -> Option<&'static ServiceDef> {
    SERVICES.iter().find(|s| s.code == code)
}

/// A member with its keys and rights (what administrators see).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MemberView {
    #[schema(example = "VN/GOV/000.00.00.H26/MOTCUA")]
    pub client_id: String,
    #[schema(example = "Hệ thống một cửa tỉnh Hưng Yên")]
    pub name: String,
    pub enabled: bool,
    pub rate_limit_per_minute: i64,
    /// RFC 3339.
    pub created_at: String,
    pub keys: Vec<KeyView>,
    pub rights: Vec<RightView>,
}

/// A key without its secret.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KeyView {
    pub key_id: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
    /// Usable now.
    pub valid: bool,
}

/// An access right.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RightView {
    #[schema(example = "getCivilStatus")]
    pub service_code: String,
    #[schema(example = "*")]
    pub endpoint: String,
    pub fields: Vec<String>,
    pub granted_by: String,
    pub granted_at: String,
}

/// A newly issued key: `key` is shown this once and never stored.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IssuedKey {
    pub client_id: String,
    pub key_id: String,
    /// `Authorization: Bearer <key>`.
    pub key: String,
    pub expires_at: Option<String>,
    /// The older keys given an expiry by this rotation.
    pub rotated_keys: Vec<String>,
    /// When they stop working.
    pub rotated_keys_expire_at: Option<String>,
}

/// A member to register.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMemberInput {
    #[schema(example = "VN/GOV/000.00.00.H26/MOTCUA")]
    pub client_id: String,
    #[schema(example = "Hệ thống một cửa tỉnh Hưng Yên")]
    pub name: String,
    /// Requests per minute (default 600).
    pub rate_limit_per_minute: Option<i64>,
}

/// Changes to a member.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberUpdate {
    pub name: Option<String>,
    pub enabled: Option<bool>,
    pub rate_limit_per_minute: Option<i64>,
}

/// A right to grant.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantInput {
    #[schema(example = "getCivilStatus")]
    pub service_code: String,
    /// `*` (default) or `METHOD /path` (a trailing `*` matches any rest).
    pub endpoint: Option<String>,
    /// For lookup services: the fields the member may see.
    #[serde(default)]
    pub fields: Vec<String>,
}

/// A member as authenticated for an inbound call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub client_id: String,
    pub name: String,
    pub rate_limit_per_minute: i64,
    pub key_id: String,
    /// The end user at the partner (`X-Road-UserId`), when sent: kept in the audit entries.
    pub user_id: Option<String>,
}

/// A dossier from a provincial one-stop system.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Dossier {
    #[schema(example = "H26.22-261127-0001")]
    pub dossier_code: String,
    /// `birth`, `death` or `marriage`.
    #[schema(example = "birth")]
    pub procedure: String,
    /// The commune whose People's Committee receives it (today's code).
    #[schema(example = "00004")]
    pub office_code: String,
    /// When the citizen submitted it (RFC 3339), as the one-stop system says.
    pub submitted_at: Option<String>,
    /// Who submitted it (kept in the audit entry's details).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub applicant: Value,
    /// The same JSON as the API's declaration for that procedure.
    #[schema(value_type = Object)]
    pub declaration: Value,
}

/// The answer to a dossier.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DossierReceived {
    pub dossier_code: String,
    pub record_id: i64,
    pub status: String,
    pub late: bool,
}

/// RFC 3339 of unix microseconds.
pub fn rfc3339(us: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// Equality that takes the same time whatever the first difference.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Whether an endpoint pattern of a right covers `method path` (path relative to the service).
pub fn endpoint_matches(pattern: &str, method: &str, path: &str) -> bool {
    let pattern = pattern.trim();
    if pattern == "*" {
        return true;
    }
    let Some((m, p)) = pattern.split_once(' ') else {
        return false;
    };
    if !m.eq_ignore_ascii_case(method) && m != "*" {
        return false;
    }
    match p.strip_suffix('*') {
        Some(prefix) => path.starts_with(prefix),
        None => p == path,
    }
}

fn valid_endpoint(e: &str) -> bool {
    if e == "*" {
        return true;
    }
    match e.split_once(' ') {
        Some((m, p)) => {
            matches!(m, "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "*")
                && p.starts_with('/')
                && p.len() <= 200
                && !p.contains("..")
                && p.chars().all(|c| c.is_ascii_graphic())
        }
        None => false,
    }
}

/// An audit entry written on behalf of a partner client.
pub fn partner_audit(client_id: &str, meta: &RequestMeta, action: &str) -> NewAuditEntry {
    NewAuditEntry {
        actor_username: Some(client_id.to_string()),
        source_ip: meta.source_ip.clone(),
        request_id: meta.request_id.clone(),
        action: action.to_string(),
        outcome: Some(Outcome::Success),
        ..NewAuditEntry::default()
    }
}

fn member_not_found(client_id: &str) -> DomainError {
    DomainError::not_found(
        "exchange_member_not_found",
        format!("Không có hệ thống đối tác {client_id}."),
    )
}

fn unauthenticated(code: &'static str, message: impl Into<String>) -> DomainError {
    DomainError::new(ErrorKind::Unauthenticated, code, message)
}

impl App {
    fn require_admin(&self, actor: &Actor) -> Result<()> {
        actor.require(
            actor.role.can_administer(),
            "quản lý các hệ thống đối tác của nền tảng liên thông",
        )
    }

    async fn member_view(&self, m: MemberRow) -> Result<MemberView> {
        let now = micros(tuphap_store::now_utc());
        let keys = self
            .store
            .xroad_keys_of(&m.client_id)
            .await?
            .into_iter()
            .map(|k| KeyView {
                valid: k.valid_at(now),
                key_id: k.key_id,
                created_at: rfc3339(k.created_at),
                expires_at: k.expires_at.map(rfc3339),
                revoked_at: k.revoked_at.map(rfc3339),
            })
            .collect();
        let rights = self
            .store
            .xroad_rights_of(&m.client_id)
            .await?
            .into_iter()
            .map(right_view)
            .collect();
        Ok(MemberView {
            client_id: m.client_id,
            name: m.name,
            enabled: m.enabled,
            rate_limit_per_minute: m.rate_limit_per_minute,
            created_at: rfc3339(m.created_at),
            keys,
            rights,
        })
    }

    /// Every member with its keys and rights (administrators).
    pub async fn exchange_members(&self, actor: &Actor) -> Result<Vec<MemberView>> {
        self.require_admin(actor)?;
        let mut out = Vec::new();
        for m in self.store.xroad_members().await? {
            out.push(self.member_view(m).await?);
        }
        Ok(out)
    }

    /// One member (administrators).
    pub async fn exchange_member(&self, actor: &Actor, client_id: &str) -> Result<MemberView> {
        self.require_admin(actor)?;
        let m = self
            .store
            .xroad_member(client_id)
            .await?
            .ok_or_else(|| member_not_found(client_id))?;
        self.member_view(m).await
    }

    /// Registers a partner subsystem (administrators; audited `exchange.member.register`).
    pub async fn register_member(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        input: NewMemberInput,
    ) -> Result<MemberView> {
        self.require_admin(actor)?;
        let client_id = input.client_id.trim().to_string();
        if !is_xroad_subsystem_id(&client_id) || client_id.len() > 255 {
            return Err(DomainError::new(
                ErrorKind::Unprocessable,
                "exchange_client_id_invalid",
                "Định danh hệ thống phải có dạng INSTANCE/CLASS/MEMBER/SUBSYSTEM (ví dụ VN/GOV/000.00.00.H26/MOTCUA), mỗi phần chỉ gồm chữ không dấu, chữ số và các ký tự ' ( ) + , - . = ?.",
            )
            .with_field("client_id"));
        }
        if client_id == PROVIDER_ID {
            return Err(DomainError::new(
                ErrorKind::Unprocessable,
                "exchange_client_id_is_provider",
                format!(
                    "{PROVIDER_ID} là định danh của chính nền tảng, không đăng ký làm đối tác."
                ),
            )
            .with_field("client_id"));
        }
        let name = check_name(&input.name)?;
        let rate = check_rate(input.rate_limit_per_minute.unwrap_or(DEFAULT_RATE_LIMIT))?;
        let row = MemberRow {
            client_id: client_id.clone(),
            name,
            enabled: true,
            rate_limit_per_minute: rate,
            created_at: micros(tuphap_store::now_utc()),
        };
        let mut tx = self.store.begin().await?;
        tx.xroad_member_insert(&row).await.map_err(|e| match e {
            StoreError::Conflict(_) => DomainError::new(
                ErrorKind::Conflict,
                "exchange_member_exists",
                format!("Hệ thống {client_id} đã được đăng ký."),
            )
            .with_field("client_id"),
            other => other.into(),
        })?;
        let mut audit = actor.audit(meta, "exchange.member.register");
        audit.target_type = Some("exchange_member".into());
        audit.target_id = Some(client_id.clone());
        audit.details = Some(json!({"name": row.name, "rate_limit_per_minute": rate}));
        tx.commit_with(&[audit], &[]).await?;
        self.member_view(row).await
    }

    /// Renames, enables or disables a member, or changes its rate limit (administrators;
    /// audited `exchange.member.update`).
    pub async fn update_member(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        client_id: &str,
        change: MemberUpdate,
    ) -> Result<MemberView> {
        self.require_admin(actor)?;
        let mut m = self
            .store
            .xroad_member(client_id)
            .await?
            .ok_or_else(|| member_not_found(client_id))?;
        if let Some(n) = &change.name {
            m.name = check_name(n)?;
        }
        if let Some(e) = change.enabled {
            m.enabled = e;
        }
        if let Some(r) = change.rate_limit_per_minute {
            m.rate_limit_per_minute = check_rate(r)?;
        }
        let mut tx = self.store.begin().await?;
        if !tx.xroad_member_update(&m).await? {
            return Err(member_not_found(client_id));
        }
        let mut audit = actor.audit(meta, "exchange.member.update");
        audit.target_type = Some("exchange_member".into());
        audit.target_id = Some(client_id.to_string());
        audit.details = Some(json!({
            "name": m.name, "enabled": m.enabled, "rate_limit_per_minute": m.rate_limit_per_minute
        }));
        tx.commit_with(&[audit], &[]).await?;
        self.member_view(m).await
    }

    /// Issues a new key to a member; its older usable keys then expire `grace_hours` from now
    /// (default 24; 0 ends them now) — rotation (administrators; audited `exchange.key.issue`,
    /// never with the secret).
    pub async fn issue_client_key(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        client_id: &str,
        grace_hours: Option<i64>,
        valid_days: Option<i64>,
    ) -> Result<IssuedKey> {
        self.require_admin(actor)?;
        let grace = grace_hours.unwrap_or(DEFAULT_GRACE_HOURS);
        if !(0..=24 * 90).contains(&grace) {
            return Err(DomainError::new(
                ErrorKind::Unprocessable,
                "exchange_grace_invalid",
                "Thời gian gia hạn khóa cũ phải từ 0 đến 2160 giờ (90 ngày).",
            )
            .with_field("grace_hours"));
        }
        if let Some(d) = valid_days
            && !(1..=3650).contains(&d)
        {
            return Err(DomainError::new(
                ErrorKind::Unprocessable,
                "exchange_key_validity_invalid",
                "Thời hạn của khóa phải từ 1 đến 3650 ngày.",
            )
            .with_field("valid_days"));
        }
        if self.store.xroad_member(client_id).await?.is_none() {
            return Err(member_not_found(client_id));
        }
        let now = micros(tuphap_store::now_utc());
        let key_id = format!("k{}", hex::encode(rand::random::<[u8; 8]>()));
        let secret = base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            rand::random::<[u8; 32]>(),
        );
        let expires_at = valid_days.map(|d| now + d * 86_400_000_000);
        let until = now + grace * 3_600_000_000;
        let mut tx = self.store.begin().await?;
        let rotated = tx.xroad_keys_expire(client_id, until).await?;
        tx.xroad_key_insert(&ClientKeyRow {
            key_id: key_id.clone(),
            client_id: client_id.to_string(),
            secret_sha256: sha256_hex(&secret),
            created_at: now,
            expires_at,
            revoked_at: None,
        })
        .await?;
        let mut audit = actor.audit(meta, "exchange.key.issue");
        audit.target_type = Some("exchange_member".into());
        audit.target_id = Some(client_id.to_string());
        audit.details = Some(json!({
            "key_id": key_id, "expires_at": expires_at,
            "rotated_keys": rotated, "rotated_keys_expire_at": until,
        }));
        tx.commit_with(&[audit], &[]).await?;
        Ok(IssuedKey {
            client_id: client_id.to_string(),
            key: format!("{key_id}.{secret}"),
            key_id,
            expires_at: expires_at.map(rfc3339),
            rotated_keys_expire_at: (!rotated.is_empty()).then(|| rfc3339(until)),
            rotated_keys: rotated,
        })
    }

    /// Revokes a key at once (administrators; audited `exchange.key.revoke`).
    pub async fn revoke_client_key(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        client_id: &str,
        key_id: &str,
    ) -> Result<()> {
        self.require_admin(actor)?;
        let now = micros(tuphap_store::now_utc());
        let mut tx = self.store.begin().await?;
        if !tx.xroad_key_revoke(client_id, key_id, now).await? {
            return Err(DomainError::not_found(
                "exchange_key_not_found",
                format!("Hệ thống {client_id} không có khóa {key_id} đang dùng."),
            ));
        }
        let mut audit = actor.audit(meta, "exchange.key.revoke");
        audit.target_type = Some("exchange_member".into());
        audit.target_id = Some(client_id.to_string());
        audit.details = Some(json!({"key_id": key_id}));
        tx.commit_with(&[audit], &[]).await?;
        Ok(())
    }

    /// Grants (or replaces) a member's right to a service endpoint with the fields it may see
    /// (administrators; audited `exchange.access.grant`).
    pub async fn grant_access(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        client_id: &str,
        input: GrantInput,
    ) -> Result<RightView> {
        self.require_admin(actor)?;
        let code = input.service_code.trim();
        let Some(svc) = service(code) else {
            return Err(DomainError::new(
                ErrorKind::Unprocessable,
                "exchange_service_unknown",
                format!(
                    "Không có dịch vụ \u{201c}{code}\u{201d}. Các dịch vụ: {}.",
                    SERVICES
                        .iter()
                        .map(|s| s.code)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .with_field("service_code"));
        };
        let endpoint = input
            .endpoint
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .unwrap_or("*")
            .to_string();
        if !valid_endpoint(&endpoint) {
            return Err(DomainError::new(
                ErrorKind::Unprocessable,
                "exchange_endpoint_invalid",
                "Điểm cuối phải là * hoặc dạng PHƯƠNG_THỨC /đường/dẫn (ví dụ GET /, dấu * ở cuối khớp mọi phần còn lại).",
            )
            .with_field("endpoint"));
        }
        let mut fields: Vec<String> = Vec::new();
        for f in input
            .fields
            .iter()
            .map(|f| f.trim())
            .filter(|f| !f.is_empty())
        {
            if !svc.fields.contains(&f) {
                return Err(DomainError::new(
                    ErrorKind::Unprocessable,
                    "exchange_field_unknown",
                    if svc.fields.is_empty() {
                        format!("Dịch vụ {} không có trường để chọn.", svc.code)
                    } else {
                        format!(
                            "Dịch vụ {} không có trường \u{201c}{f}\u{201d}. Các trường: {}.",
                            svc.code,
                            svc.fields.join(", ")
                        )
                    },
                )
                .with_field("fields"));
            }
            if !fields.iter().any(|x| x == f) {
                fields.push(f.to_string());
            }
        }
        if !svc.fields.is_empty() && fields.is_empty() {
            return Err(DomainError::new(
                ErrorKind::Unprocessable,
                "exchange_fields_required",
                format!(
                    "Hãy chọn các trường hệ thống đối tác được xem qua dịch vụ {}: {}.",
                    svc.code,
                    svc.fields.join(", ")
                ),
            )
            .with_field("fields"));
        }
        if self.store.xroad_member(client_id).await?.is_none() {
            return Err(member_not_found(client_id));
        }
        let row = AccessRightRow {
            client_id: client_id.to_string(),
            service_code: svc.code.to_string(),
            endpoint,
            fields: fields.join(","),
            granted_by: actor.username.clone(),
            granted_at: micros(tuphap_store::now_utc()),
        };
        let mut tx = self.store.begin().await?;
        tx.xroad_right_upsert(&row).await?;
        let mut audit = actor.audit(meta, "exchange.access.grant");
        audit.target_type = Some("exchange_member".into());
        audit.target_id = Some(client_id.to_string());
        audit.details = Some(json!({
            "service": row.service_code, "endpoint": row.endpoint, "fields": fields
        }));
        tx.commit_with(&[audit], &[]).await?;
        Ok(right_view(row))
    }

    /// Withdraws a right (administrators; audited `exchange.access.revoke`).
    pub async fn revoke_access(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        client_id: &str,
        service_code: &str,
        endpoint: Option<&str>,
    ) -> Result<()> {
        self.require_admin(actor)?;
        let endpoint = endpoint
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .unwrap_or("*");
        let mut tx = self.store.begin().await?;
        if !tx
            .xroad_right_delete(client_id, service_code, endpoint)
            .await?
        {
            return Err(DomainError::not_found(
                "exchange_right_not_found",
                format!("Hệ thống {client_id} không có quyền {service_code} ({endpoint})."),
            ));
        }
        let mut audit = actor.audit(meta, "exchange.access.revoke");
        audit.target_type = Some("exchange_member".into());
        audit.target_id = Some(client_id.to_string());
        audit.details = Some(json!({"service": service_code, "endpoint": endpoint}));
        tx.commit_with(&[audit], &[]).await?;
        Ok(())
    }

    /// Checks a member's key (`<key id>.<secret>`): the member must exist and be enabled, the
    /// key be its own, unexpired and unrevoked. A failure is audited
    /// `exchange.authentication_failed` and answered with one message whatever the cause.
    pub async fn authenticate_client(
        &self,
        client_id: &str,
        key: &str,
        meta: &RequestMeta,
    ) -> Result<Member> {
        let now = micros(tuphap_store::now_utc());
        let (key_id, secret) = key.trim().split_once('.').unwrap_or(("", ""));
        let member = self.store.xroad_member(client_id).await?;
        let stored = if key_id.is_empty() || key_id.len() > 64 {
            None
        } else {
            self.store.xroad_key(key_id).await?
        };
        // Hash whatever was sent, so that a wrong key id costs the same as a wrong secret.
        let sent = sha256_hex(secret);
        let reason = match (&member, &stored) {
            (None, _) => Some("member_unknown"),
            (Some(_), None) => Some("key_unknown"),
            (Some(m), Some(k)) => {
                let same = constant_time_eq(sent.as_bytes(), k.secret_sha256.as_bytes());
                if !same || k.client_id != m.client_id {
                    Some("key_mismatch")
                } else if k.revoked_at.is_some() {
                    Some("key_revoked")
                } else if !k.valid_at(now) {
                    Some("key_expired")
                } else if !m.enabled {
                    Some("member_disabled")
                } else {
                    None
                }
            }
        };
        match (reason, member) {
            (None, Some(m)) => Ok(Member {
                client_id: m.client_id,
                name: m.name,
                rate_limit_per_minute: m.rate_limit_per_minute,
                key_id: key_id.to_string(),
                user_id: None,
            }),
            (reason, _) => {
                let reason = reason.unwrap_or("member_unknown");
                let mut audit = partner_audit(client_id, meta, "exchange.authentication_failed");
                audit.outcome = Some(Outcome::Denied);
                audit.target_type = Some("exchange_member".into());
                audit.target_id = Some(client_id.to_string());
                audit.reason = Some(reason.to_string());
                audit.details = Some(json!({"key_id": key_id}));
                self.store.audit(&[audit]).await?;
                if reason == "member_disabled" {
                    return Err(DomainError::new(
                        ErrorKind::Forbidden,
                        "exchange_member_disabled",
                        format!("Hệ thống {client_id} đang bị tạm ngừng kết nối với nền tảng."),
                    ));
                }
                Err(unauthenticated(
                    "exchange_key_invalid",
                    format!(
                        "Khóa truy cập không hợp lệ, đã hết hạn hoặc đã bị thu hồi đối với hệ thống {client_id}."
                    ),
                ))
            }
        }
    }

    /// The member's right to call `service` at `method path` (path relative to the service,
    /// `/` for the service itself). Deny by default: without a right the call is refused with
    /// `exchange_access_denied` and audited `exchange.access_denied`.
    pub async fn authorize(
        &self,
        member: &Member,
        service_code: &str,
        method: &str,
        path: &str,
        meta: &RequestMeta,
    ) -> Result<AccessRightRow> {
        let rights = self.store.xroad_rights_of(&member.client_id).await?;
        if let Some(r) = rights
            .into_iter()
            .find(|r| r.service_code == service_code && endpoint_matches(&r.endpoint, method, path))
        {
            return Ok(r);
        }
        let mut audit = partner_audit(&member.client_id, meta, "exchange.access_denied");
        audit.outcome = Some(Outcome::Denied);
        audit.target_type = Some("exchange_service".into());
        audit.target_id = Some(service_code.to_string());
        audit.reason = Some("no_access_right".into());
        audit.details = Some(json!({
            "method": method, "path": path, "key_id": member.key_id, "user_id": member.user_id
        }));
        self.store.audit(&[audit]).await?;
        Err(DomainError::new(
            ErrorKind::Forbidden,
            "exchange_access_denied",
            format!(
                "Hệ thống {} không được cấp quyền sử dụng dịch vụ {service_code}.",
                member.client_id
            ),
        ))
    }

    /// The services a member may call (`allowedMethods`).
    pub async fn allowed_services(&self, member: &Member) -> Result<Vec<&'static ServiceDef>> {
        let rights = self.store.xroad_rights_of(&member.client_id).await?;
        Ok(SERVICES
            .iter()
            .filter(|s| rights.iter().any(|r| r.service_code == s.code))
            .collect())
    }

    /// The enabled members (`listClients`).
    pub async fn exchange_clients(&self) -> Result<Vec<(String, String)>> {
        Ok(self
            .store
            .xroad_members()
            .await?
            .into_iter()
            .filter(|m| m.enabled)
            .map(|m| (m.client_id, m.name))
            .collect())
    }

    /// `getCivilStatus`: a person's civil status by personal ID, with only the fields the right
    /// allows (the read is audited `exchange.civil_status.read`, target the person).
    pub async fn partner_civil_status(
        &self,
        member: &Member,
        right: &AccessRightRow,
        personal_id: &str,
        meta: &RequestMeta,
    ) -> Result<Value> {
        let personal_id = personal_id.trim();
        if let Err(e) = tuphap_core::personal_id::PersonalId::parse(personal_id) {
            return Err(DomainError::bad_request(&e).with_field("personalId"));
        }
        let fields = right.field_list();
        let has = |f: &str| fields.iter().any(|x| x == f);
        let Some(p) = self.store.person_by_personal_id(personal_id).await? else {
            let mut audit = partner_audit(&member.client_id, meta, "exchange.civil_status.read");
            audit.outcome = Some(Outcome::Failure);
            audit.reason = Some("person_not_found".into());
            audit.target_type = Some("personal_id".into());
            audit.target_id = Some(personal_id.to_string());
            self.store.audit(&[audit]).await?;
            return Err(DomainError::not_found(
                "person_not_found",
                format!("Không có người mang số định danh {personal_id} trong sổ hộ tịch."),
            ));
        };
        let id = p.merged_into.unwrap_or(p.id);
        let mut out = serde_json::Map::new();
        out.insert("personal_id".into(), json!(personal_id));
        if has("full_name") {
            out.insert("full_name".into(), json!(p.full_name));
        }
        if has("sex") {
            out.insert("sex".into(), json!(p.sex));
        }
        if has("date_of_birth") {
            out.insert(
                "date_of_birth".into(),
                json!(p.date_of_birth.map(|d| d.to_string())),
            );
        }
        if has("marital_status") {
            let derived = self.derived_status(id).await?;
            out.insert("marital_status".into(), json!(derived.status.code()));
        }
        if has("deceased") {
            out.insert("deceased".into(), json!(p.date_of_death.is_some()));
            out.insert(
                "date_of_death".into(),
                json!(p.date_of_death.map(|d| d.to_string())),
            );
        }
        if has("records") {
            let mut records = Vec::new();
            for e in self.store.person_events(id).await? {
                if !matches!(e.status.as_str(), "registered" | "certificate_issued") {
                    continue;
                }
                records.push(json!({
                    "record_id": e.record_id,
                    "kind": e.kind,
                    "role": e.role,
                    "date": e.event_date.to_string(),
                    "register": match (e.register_number, e.register_book.as_deref(), e.register_year) {
                        (Some(n), Some(b), Some(y)) => Some(register_text(n, b, y)),
                        _ => None,
                    },
                    "registered_on": e.registered_on.map(|d| d.to_string()),
                }));
            }
            out.insert("records".into(), Value::Array(records));
        }
        let mut audit = partner_audit(&member.client_id, meta, "exchange.civil_status.read");
        audit.target_type = Some("person".into());
        audit.target_id = Some(p.id.to_string());
        audit.details = Some(json!({"fields": fields, "user_id": member.user_id}));
        self.store.audit(&[audit]).await?;
        Ok(Value::Object(out))
    }

    /// `getCivilRecord`: a registered record by id, with only the fields the right allows
    /// (audited `exchange.civil_record.read`, target the record).
    pub async fn partner_civil_record(
        &self,
        member: &Member,
        right: &AccessRightRow,
        record_id: i64,
        meta: &RequestMeta,
    ) -> Result<Value> {
        let fields = right.field_list();
        let has = |f: &str| fields.iter().any(|x| x == f);
        let not_found = || {
            DomainError::not_found(
                "record_not_found",
                format!("Không có bản ghi hộ tịch đã đăng ký số {record_id}."),
            )
        };
        let r = self
            .store
            .record_by_id(record_id)
            .await?
            .filter(|r| matches!(r.status.as_str(), "registered" | "certificate_issued"))
            .ok_or_else(not_found)?;
        let mut out = serde_json::Map::new();
        out.insert("record_id".into(), json!(r.id));
        if has("kind") {
            out.insert("kind".into(), json!(r.kind));
        }
        if has("event_date") {
            out.insert("event_date".into(), json!(r.event_date.to_string()));
        }
        if has("register") {
            out.insert(
                "register".into(),
                json!(match (
                    r.register_number,
                    r.register_book.as_deref(),
                    r.register_year
                ) {
                    (Some(n), Some(b), Some(y)) => Some(register_text(n, b, y)),
                    _ => None,
                }),
            );
            out.insert(
                "registered_on".into(),
                json!(r.registered_on.map(|d| d.to_string())),
            );
        }
        if has("office") {
            let office = self.store.office_by_id(r.office_id).await?;
            out.insert(
                "office".into(),
                json!(office.map(|o| json!({"code": o.code, "name": o.name}))),
            );
        }
        if has("content") {
            let data: Value = self.current_data(r.id).await?;
            out.insert("content".into(), data);
        }
        let mut audit = partner_audit(&member.client_id, meta, "exchange.civil_record.read");
        audit.target_type = Some("civil_record".into());
        audit.target_id = Some(r.id.to_string());
        audit.details = Some(json!({"fields": fields, "user_id": member.user_id}));
        self.store.audit(&[audit]).await?;
        Ok(Value::Object(out))
    }

    /// The system user through which partner dossiers are declared at a commune office: created
    /// on first use (`lgsp.<office code>`, officer, inactive, no usable password).
    async fn dossier_actor(&self, office_code: &str) -> Result<Actor> {
        let bad = || {
            DomainError::new(
                ErrorKind::Unprocessable,
                "dossier_office_invalid",
                format!(
                    "Mã cơ quan tiếp nhận \u{201c}{office_code}\u{201d} phải là mã xã/phường đang có hiệu lực (5 chữ số)."
                ),
            )
            .with_field("office_code")
        };
        let new_office = office_for_unit(office_code).map_err(|_| bad())?;
        if new_office.kind != OfficeKind::Commune.as_str() {
            return Err(bad());
        }
        let username = format!("lgsp.{}", new_office.code);
        let display_name = format!("Hệ thống liên thông (LGSP) – {}", new_office.name);
        // Two first dossiers of an office at once: the loser of the unique username retries
        // and finds the winner's user.
        let mut attempt = 0;
        let (office, user_id) = loop {
            attempt += 1;
            let mut tx = self.store.begin().await?;
            let (office, _) = tx.office_get_or_create(&new_office).await?;
            if let Some(u) = tx.user_for_update(&username).await? {
                tx.commit().await?;
                if u.office_id != office.id || u.role != Role::Officer.as_str() {
                    tracing::error!(%username, "system user name taken by another account");
                    return Err(DomainError::internal());
                }
                break (office, u.id);
            }
            let inserted = tx
                .user_insert(&NewUser {
                    username: username.clone(),
                    display_name: display_name.clone(),
                    role: Role::Officer.as_str().to_string(),
                    office_id: office.id,
                    // Not a hash: no password can ever match it.
                    password_hash: "!lgsp-system-user".into(),
                })
                .await;
            let id = match inserted {
                Ok(id) => id,
                Err(StoreError::Conflict(_)) if attempt < 3 => continue,
                Err(e) => return Err(e.into()),
            };
            tx.xroad_user_deactivate(id).await?;
            let mut audit = crate::identity::system_audit("user.create", "user", &id.to_string());
            audit.details = Some(json!({
                "username": username, "role": "officer", "office": office.code,
                "system_user": "exchange_dossiers"
            }));
            tx.commit_with(&[audit], &[]).await?;
            break (office, id);
        };
        let unit = office.unit_code.clone().unwrap_or_default();
        Ok(Actor {
            user_id,
            username,
            display_name,
            role: Role::Officer,
            office: OfficeInfo {
                id: office.id,
                code: office.code.clone(),
                kind: OfficeKind::Commune,
                name: office.name.clone(),
                scope: Scope::Commune { commune_code: unit },
            },
            session_id: 0,
            csrf_token: String::new(),
        })
    }

    /// `receiveDossier`: a dossier from a provincial one-stop system becomes a declared record in
    /// the commune's queue through the same use case as the API's declaration (so the same
    /// checks and codes); audited `exchange.dossier.receive` naming the partner client.
    pub async fn receive_dossier(
        &self,
        member: &Member,
        meta: &RequestMeta,
        dossier: Dossier,
    ) -> Result<DossierReceived> {
        let code = dossier.dossier_code.trim().to_string();
        if code.is_empty() || code.chars().count() > 100 {
            return Err(DomainError::new(
                ErrorKind::Unprocessable,
                "dossier_code_invalid",
                "Mã hồ sơ phải có từ 1 đến 100 ký tự.",
            )
            .with_field("dossier_code"));
        }
        let decl_error = |e: serde_json::Error| {
            DomainError::new(
                ErrorKind::Unprocessable,
                "dossier_declaration_invalid",
                format!("Tờ khai trong hồ sơ không đúng cấu trúc của thủ tục: {e}."),
            )
            .with_field("declaration")
        };
        let procedure = dossier.procedure.trim().to_string();
        if !matches!(procedure.as_str(), "birth" | "death" | "marriage") {
            return Err(DomainError::new(
                ErrorKind::Unprocessable,
                "dossier_procedure_unknown",
                "Thủ tục phải là birth (khai sinh), death (khai tử) hoặc marriage (kết hôn).",
            )
            .with_field("procedure"));
        }
        let actor = self.dossier_actor(&dossier.office_code).await?;
        let declared = match procedure.as_str() {
            "birth" => {
                let d: BirthDeclaration =
                    serde_json::from_value(dossier.declaration.clone()).map_err(decl_error)?;
                self.declare_birth(&actor, meta, d).await?
            }
            "death" => {
                let d: DeathDeclaration =
                    serde_json::from_value(dossier.declaration.clone()).map_err(decl_error)?;
                self.declare_death(&actor, meta, d).await?
            }
            _ => {
                let d: MarriageDeclaration =
                    serde_json::from_value(dossier.declaration.clone()).map_err(decl_error)?;
                self.declare_marriage(&actor, meta, d).await?
            }
        };
        let mut audit = partner_audit(&member.client_id, meta, "exchange.dossier.receive");
        audit.actor_user_id = Some(actor.user_id);
        audit.actor_office = Some(actor.office.code.clone());
        audit.target_type = Some("civil_record".into());
        audit.target_id = Some(declared.id.to_string());
        audit.details = Some(json!({
            "dossier_code": code, "procedure": procedure, "submitted_at": dossier.submitted_at,
            "applicant": dossier.applicant, "system_user": actor.username,
            "user_id": member.user_id,
        }));
        self.store.audit(&[audit]).await?;
        Ok(DossierReceived {
            dossier_code: code,
            record_id: declared.id,
            status: declared.status,
            late: declared.late,
        })
    }

    /// `personalIdAssigned`: the population database's personal ID for the child of a registered
    /// birth, applied by the civil use case `apply_assigned_personal_id` in one transaction with
    /// the idempotency row `inbound` (its status and body are filled here): the answer is applied
    /// exactly once. Returns the answer and `true`, or `false` when the same (client, X-Road-Id)
    /// was recorded concurrently: nothing was applied and the caller replays the recorded answer.
    pub async fn partner_personal_id_assigned(
        &self,
        member: &Member,
        inbound: &InboundRow,
        birth_record_id: i64,
        personal_id: &str,
    ) -> Result<(Value, bool)> {
        let mut tx = self.store.begin().await?;
        let effect = self
            .apply_assigned_personal_id(
                &mut tx,
                birth_record_id,
                personal_id,
                &member.client_id,
                &inbound.message_id,
            )
            .await?;
        let body = json!({
            "birth_record_id": birth_record_id,
            "person_id": effect.person_id,
            "personal_id": personal_id.trim(),
            "already": effect.already,
        });
        let row = InboundRow {
            status: 200,
            body: body.to_string(),
            ..inbound.clone()
        };
        if !tx.xroad_inbound_insert(&row).await? {
            return Ok((body, false));
        }
        tx.commit_with(&effect.audit, &effect.changes).await?;
        Ok((body, true))
    }

    /// The first answer to (client, X-Road-Id), if any (status 0: still being processed).
    pub async fn inbound_first_answer(
        &self,
        client_id: &str,
        message_id: &str,
    ) -> Result<Option<InboundRow>> {
        Ok(self.store.xroad_inbound(client_id, message_id).await?)
    }

    /// Records the answer to a request (a lookup); false when one was recorded meanwhile.
    pub async fn inbound_record(&self, row: &InboundRow) -> Result<bool> {
        let mut tx = self.store.begin().await?;
        let fresh = tx.xroad_inbound_insert(row).await?;
        tx.commit().await?;
        Ok(fresh)
    }

    /// Claims (client, X-Road-Id) before a write service runs; false when already taken.
    pub async fn inbound_claim(&self, row: &InboundRow) -> Result<bool> {
        let claim = InboundRow {
            status: 0,
            body: String::new(),
            ..row.clone()
        };
        self.inbound_record(&claim).await
    }

    /// Completes a claim with its answer.
    pub async fn inbound_complete(
        &self,
        client_id: &str,
        message_id: &str,
        status: i64,
        body: &str,
    ) -> Result<()> {
        let mut tx = self.store.begin().await?;
        tx.xroad_inbound_complete(client_id, message_id, status, body)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Drops a claim whose request ended without an answer worth replaying.
    pub async fn inbound_release(&self, client_id: &str, message_id: &str) -> Result<()> {
        let mut tx = self.store.begin().await?;
        tx.xroad_inbound_release(client_id, message_id).await?;
        tx.commit().await?;
        Ok(())
    }
}

fn right_view(r: AccessRightRow) -> RightView {
    RightView {
        fields: r.field_list(),
        service_code: r.service_code,
        endpoint: r.endpoint,
        granted_by: r.granted_by,
        granted_at: rfc3339(r.granted_at),
    }
}

fn check_name(name: &str) -> Result<String> {
    let n = tuphap_core::text::VnText::new(name).as_str().to_string();
    if n.is_empty() || n.chars().count() > 200 {
        return Err(DomainError::new(
            ErrorKind::Unprocessable,
            "exchange_member_name_invalid",
            "Tên hệ thống đối tác phải có từ 1 đến 200 ký tự.",
        )
        .with_field("name"));
    }
    Ok(n)
}

fn check_rate(rate: i64) -> Result<i64> {
    if !(1..=100_000).contains(&rate) {
        return Err(DomainError::new(
            ErrorKind::Unprocessable,
            "exchange_rate_limit_invalid",
            "Giới hạn số yêu cầu mỗi phút phải từ 1 đến 100000.",
        )
        .with_field("rate_limit_per_minute"));
    }
    Ok(rate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_match_method_and_path() {
        assert!(endpoint_matches("*", "GET", "/"));
        assert!(endpoint_matches("GET /", "GET", "/"));
        assert!(!endpoint_matches("GET /", "POST", "/"));
        assert!(endpoint_matches("GET /a/*", "GET", "/a/b/c"));
        assert!(!endpoint_matches("GET /a/*", "GET", "/b"));
        assert!(valid_endpoint("POST /x"));
        assert!(!valid_endpoint("FOO /x"));
        assert!(!valid_endpoint("GET /../x"));
    }

    #[test]
    fn constant_time_eq_compares() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
