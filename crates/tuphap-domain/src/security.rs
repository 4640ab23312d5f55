//! Attack detection (issue 8): security events, alerts and temporary blocks of sources.
//!
//! Anything that notices an attack calls [`App::record_security_event`]: the web edge
//! (`tuphap-web::security`: injection and traversal payloads, malformed requests, refusals of
//! records outside jurisdiction, bulk reading of personal data), the login use case (bad
//! passwords and lockouts, [`App::note_login_failure`]) and the upload scanner (malware). Each
//! event is one row of `security_events`; an event at or above [`SecurityPolicy::alert_at`]
//! also writes a change-log row (entity `security_event`, action = its category) in the same
//! transaction, so an exchange subscription `takes = "security_event:*"` delivers it to a SOC
//! webhook, and logs a `WARN` line.
//!
//! [`SecurityMonitor`] keeps the sliding windows of this process in memory: exploitation events
//! and failed logins per source address, personal-data reads per session. A source over a
//! threshold is blocked for [`SecurityPolicy::block_for`] (the block is itself an event). The
//! windows and blocks are per process and forgotten on restart: a deliberate trade (no write per
//! request, nothing to clean up); the events themselves are durable.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Serialize;
use time::OffsetDateTime;
use tuphap_store::NewChange;
use tuphap_store::security::{NewSecurityEventRow, SecurityEventFilter, SecurityEventRow};

use crate::identity::Actor;
use crate::{App, DomainError, RequestMeta};

type Result<T> = std::result::Result<T, DomainError>;

/// The four categories of security events (the seed's), with their Vietnamese labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SecurityCategory {
    /// Tấn công khai thác lỗ hổng: injection, traversal, malformed requests.
    ExploitationAttempt,
    /// Truy cập trái phép: bad passwords, lockouts, records outside jurisdiction.
    UnauthorizedAccess,
    /// Mã độc: uploads the anti-malware scanner refused.
    Malware,
    /// Khác: bulk reading of personal data and the rest.
    Other,
}

impl SecurityCategory {
    pub const ALL: [SecurityCategory; 4] = [
        SecurityCategory::ExploitationAttempt,
        SecurityCategory::UnauthorizedAccess,
        SecurityCategory::Malware,
        SecurityCategory::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SecurityCategory::ExploitationAttempt => "exploitation_attempt",
            SecurityCategory::UnauthorizedAccess => "unauthorized_access",
            SecurityCategory::Malware => "malware",
            SecurityCategory::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<SecurityCategory> {
        SecurityCategory::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Vietnamese label.
    pub fn label(self) -> &'static str {
        match self {
            SecurityCategory::ExploitationAttempt => "Tấn công khai thác lỗ hổng",
            SecurityCategory::UnauthorizedAccess => "Truy cập trái phép",
            SecurityCategory::Malware => "Mã độc",
            SecurityCategory::Other => "Khác",
        }
    }
}

/// How serious an event is. Ordered: `Low < Medium < High < Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        [
            Severity::Low,
            Severity::Medium,
            Severity::High,
            Severity::Critical,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }

    /// Vietnamese label.
    pub fn label(self) -> &'static str {
        match self {
            Severity::Low => "Thấp",
            Severity::Medium => "Trung bình",
            Severity::High => "Cao",
            Severity::Critical => "Nghiêm trọng",
        }
    }
}

/// A security event to record. Build it with [`NewSecurityEvent::new`] and the `with_*`
/// methods; texts are sanitized (control characters dropped) and truncated when recorded, but
/// never put a payload or personal data in `detail`: say what was seen and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSecurityEvent {
    pub category: SecurityCategory,
    /// Machine code of what happened, snake_case: `sql_injection`, `path_traversal`,
    /// `malformed_protocol`, `bad_credentials`, `lockout`, `forbidden_record`,
    /// `malware_upload`, `bulk_personal_data_read`, `source_blocked`…
    pub kind: String,
    pub severity: Severity,
    pub source_ip: Option<String>,
    pub user_id: Option<i64>,
    /// The username (staff) or other name of who did it, when known.
    pub actor: Option<String>,
    pub request_id: Option<String>,
    pub method: Option<String>,
    /// The path (no query string).
    pub path: Option<String>,
    /// Short description in Vietnamese (at most 500 characters kept).
    pub detail: String,
}

impl NewSecurityEvent {
    pub fn new(
        category: SecurityCategory,
        kind: &str,
        severity: Severity,
        detail: impl Into<String>,
    ) -> NewSecurityEvent {
        NewSecurityEvent {
            category,
            kind: kind.to_string(),
            severity,
            source_ip: None,
            user_id: None,
            actor: None,
            request_id: None,
            method: None,
            path: None,
            detail: detail.into(),
        }
    }

    /// Source address and request id of `meta`.
    pub fn with_meta(mut self, meta: &RequestMeta) -> NewSecurityEvent {
        self.source_ip = meta.source_ip.clone();
        self.request_id = meta.request_id.clone();
        self
    }

    /// The staff user behind the request.
    pub fn with_actor(mut self, actor: &Actor) -> NewSecurityEvent {
        self.user_id = Some(actor.user_id);
        self.actor = Some(actor.username.clone());
        self
    }

    /// Method and path of the request (the query string is cut off).
    pub fn with_request(mut self, method: &str, path: &str) -> NewSecurityEvent {
        self.method = Some(method.to_string());
        self.path = Some(path.split('?').next().unwrap_or_default().to_string());
        self
    }
}

/// Keeps printable characters (no control characters, no NUL) and at most `max` of them.
pub fn sanitize(s: &str, max: usize) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(max)
        .collect()
}

/// A stored event, as pages and the API show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SecurityEvent {
    #[schema(example = 42)]
    pub id: i64,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, example = "2026-11-27T20:01:02.5Z")]
    pub at: OffsetDateTime,
    pub category: SecurityCategory,
    #[schema(example = "Tấn công khai thác lỗ hổng")]
    pub category_label: String,
    #[schema(example = "sql_injection")]
    pub kind: String,
    pub severity: Severity,
    #[schema(example = "203.0.113.7")]
    pub source_ip: Option<String>,
    pub user_id: Option<i64>,
    pub actor: Option<String>,
    pub request_id: Option<String>,
    #[schema(example = "GET")]
    pub method: Option<String>,
    #[schema(example = "/civil/search")]
    pub path: Option<String>,
    #[schema(example = "Mẫu tấn công SQL (OR 1=1) trong chuỗi truy vấn.")]
    pub detail: String,
}

fn event_of(r: SecurityEventRow) -> SecurityEvent {
    let category = SecurityCategory::parse(&r.category).unwrap_or(SecurityCategory::Other);
    SecurityEvent {
        id: r.id,
        at: OffsetDateTime::from_unix_timestamp_nanos(i128::from(r.at) * 1000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH),
        category,
        category_label: category.label().to_string(),
        kind: r.kind,
        severity: Severity::parse(&r.severity).unwrap_or(Severity::Low),
        source_ip: r.source_ip,
        user_id: r.user_id,
        actor: r.actor,
        request_id: r.request_id,
        method: r.method,
        path: r.path,
        detail: r.detail,
    }
}

/// Thresholds of the detection (per process).
#[derive(Debug, Clone)]
pub struct SecurityPolicy {
    /// Exploitation events from one source within `exploit_window` that block it.
    pub exploit_threshold: usize,
    pub exploit_window: Duration,
    /// Failed logins (any accounts) from one source within `auth_window` that block it.
    pub auth_failure_threshold: usize,
    pub auth_window: Duration,
    /// How long a source stays blocked.
    pub block_for: Duration,
    /// Reads of personal data (persons, records) by one session within `bulk_read_window`
    /// that count as bulk reading (one event per window).
    pub bulk_read_threshold: usize,
    pub bulk_read_window: Duration,
    /// Events at or above this severity alert (change-log row + WARN log line).
    pub alert_at: Severity,
}

impl Default for SecurityPolicy {
    fn default() -> Self {
        SecurityPolicy {
            exploit_threshold: 10,
            exploit_window: Duration::from_secs(5 * 60),
            auth_failure_threshold: 20,
            auth_window: Duration::from_secs(10 * 60),
            block_for: Duration::from_secs(15 * 60),
            bulk_read_threshold: 200,
            bulk_read_window: Duration::from_secs(10 * 60),
            alert_at: Severity::Medium,
        }
    }
}

/// A source that is blocked now.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BlockedSource {
    #[schema(example = "203.0.113.7")]
    pub source_ip: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, example = "2026-11-27T20:16:02Z")]
    pub until: OffsetDateTime,
    /// Why: `exploitation_attempt` or `unauthorized_access`.
    pub category: SecurityCategory,
    #[schema(example = "Bị chặn tạm thời: 20 lần đăng nhập sai trong 10 phút.")]
    pub reason: String,
}

#[derive(Debug, Default)]
struct MonitorState {
    exploits: HashMap<String, VecDeque<Instant>>,
    auth_failures: HashMap<String, VecDeque<Instant>>,
    reads: HashMap<String, VecDeque<Instant>>,
    /// Sessions already reported for bulk reading, until when.
    bulk_reported: HashMap<String, Instant>,
    blocked: HashMap<String, (Instant, BlockedSource)>,
}

/// Entries kept per map before stale ones are dropped.
const MAX_TRACKED: usize = 10_000;

/// In-memory sliding windows and blocks of this process (see the module documentation).
#[derive(Debug, Default)]
pub struct SecurityMonitor {
    pub policy: SecurityPolicy,
    state: Mutex<MonitorState>,
}

/// Pushes `now` into `key`'s window, drops what is older than `window`, returns the count.
fn bump(
    map: &mut HashMap<String, VecDeque<Instant>>,
    key: &str,
    now: Instant,
    window: Duration,
) -> usize {
    if map.len() >= MAX_TRACKED && !map.contains_key(key) {
        map.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < window));
        if map.len() >= MAX_TRACKED {
            map.clear();
        }
    }
    let q = map.entry(key.to_string()).or_default();
    q.push_back(now);
    while q.front().is_some_and(|t| now.duration_since(*t) >= window) {
        q.pop_front();
    }
    // Never more than needed to decide.
    while q.len() > 10_000 {
        q.pop_front();
    }
    q.len()
}

impl SecurityMonitor {
    pub fn new(policy: SecurityPolicy) -> SecurityMonitor {
        SecurityMonitor {
            policy,
            state: Mutex::new(MonitorState::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MonitorState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// When `source` is blocked now: how long it stays blocked, and why.
    pub fn blocked(&self, source: &str) -> Option<(Duration, BlockedSource)> {
        let now = Instant::now();
        let mut st = self.lock();
        match st.blocked.get(source) {
            Some((until, b)) if *until > now => Some((*until - now, b.clone())),
            Some(_) => {
                st.blocked.remove(source);
                None
            }
            None => None,
        }
    }

    /// Every source blocked now.
    pub fn blocked_sources(&self) -> Vec<BlockedSource> {
        let now = Instant::now();
        let mut st = self.lock();
        st.blocked.retain(|_, (until, _)| *until > now);
        let mut v: Vec<BlockedSource> = st.blocked.values().map(|(_, b)| b.clone()).collect();
        v.sort_by(|a, b| a.source_ip.cmp(&b.source_ip));
        v
    }

    /// Counts one event of `category` from `source`; `Some(block)` when this one crosses the
    /// threshold (the source is blocked from now on).
    fn count(&self, category: SecurityCategory, source: &str) -> Option<BlockedSource> {
        let (threshold, window, what) = match category {
            SecurityCategory::ExploitationAttempt => (
                self.policy.exploit_threshold,
                self.policy.exploit_window,
                "yêu cầu tấn công khai thác",
            ),
            SecurityCategory::UnauthorizedAccess => (
                self.policy.auth_failure_threshold,
                self.policy.auth_window,
                "lần đăng nhập sai",
            ),
            _ => return None,
        };
        let now = Instant::now();
        let mut st = self.lock();
        if st.blocked.get(source).is_some_and(|(u, _)| *u > now) {
            return None;
        }
        let map = match category {
            SecurityCategory::ExploitationAttempt => &mut st.exploits,
            _ => &mut st.auth_failures,
        };
        let n = bump(map, source, now, window);
        if n < threshold {
            return None;
        }
        map.remove(source);
        let until_wall = tuphap_store::now_utc()
            + time::Duration::try_from(self.policy.block_for).unwrap_or(time::Duration::HOUR);
        let b = BlockedSource {
            source_ip: source.to_string(),
            until: until_wall,
            category,
            reason: format!(
                "Bị chặn tạm thời: {n} {what} trong {} phút.",
                window.as_secs().div_ceil(60)
            ),
        };
        if st.blocked.len() >= MAX_TRACKED {
            st.blocked.retain(|_, (u, _)| *u > now);
        }
        st.blocked
            .insert(source.to_string(), (now + self.policy.block_for, b.clone()));
        Some(b)
    }

    /// Counts one read of personal data by `session` (any stable key of the reader); `true`
    /// once per window when the count crosses the bulk threshold.
    pub fn note_personal_read(&self, session: &str) -> bool {
        let now = Instant::now();
        let mut st = self.lock();
        let n = bump(&mut st.reads, session, now, self.policy.bulk_read_window);
        if n < self.policy.bulk_read_threshold {
            return false;
        }
        if st.bulk_reported.get(session).is_some_and(|u| *u > now) {
            return false;
        }
        if st.bulk_reported.len() >= MAX_TRACKED {
            st.bulk_reported.retain(|_, u| *u > now);
        }
        st.bulk_reported
            .insert(session.to_string(), now + self.policy.bulk_read_window);
        true
    }
}

/// Counts per category and per source over a period, the latest events and the blocked
/// sources: the security page and `GET /api/v1/security/summary`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SecuritySummary {
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, example = "2026-11-26T20:00:00Z")]
    pub since: OffsetDateTime,
    /// One entry per category (all four, zero included).
    pub by_category: Vec<CategoryCount>,
    /// The busiest sources (source, category, count).
    pub by_source: Vec<SourceCount>,
    pub latest: Vec<SecurityEvent>,
    pub blocked: Vec<BlockedSource>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CategoryCount {
    pub category: SecurityCategory,
    #[schema(example = "Truy cập trái phép")]
    pub label: String,
    #[schema(example = 21)]
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SourceCount {
    #[schema(example = "203.0.113.7")]
    pub source_ip: String,
    pub category: SecurityCategory,
    #[schema(example = 20)]
    pub count: i64,
}

fn micros(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1000).unwrap_or(i64::MAX)
}

/// Whether `actor` may see the security events: administrators and the ministry.
pub fn may_view(actor: &Actor) -> bool {
    use tuphap_core::role::Role;
    actor.role == Role::Admin || actor.office.kind == crate::identity::OfficeKind::Ministry
}

fn require_view(actor: &Actor) -> Result<()> {
    actor.require(
        may_view(actor),
        "xem sự kiện an ninh (chỉ quản trị viên và Bộ Tư pháp)",
    )
}

impl App {
    /// Records a security event: one row, and when its severity is at or above the alert
    /// level, a change-log row (entity `security_event`, action = category) in the same
    /// transaction and a WARN log line. Exploitation and unauthorised-access events with a
    /// source address count towards blocking that source; crossing the threshold blocks it and
    /// records a `source_blocked` event.
    pub async fn record_security_event(&self, e: NewSecurityEvent) -> Result<()> {
        let source = e.source_ip.clone();
        let category = e.category;
        // What counts towards blocking a source: exploitation attempts, and failed logins.
        let counts = e.kind != "source_blocked"
            && (category == SecurityCategory::ExploitationAttempt || e.kind == "bad_credentials");
        self.insert_security_event(&e).await?;
        if counts
            && let Some(src) = source
            && let Some(block) = self.security.count(category, &src)
        {
            let mut b = NewSecurityEvent::new(category, "source_blocked", Severity::High, {
                format!(
                    "{} Chặn đến {}.",
                    block.reason,
                    block
                        .until
                        .format(&time::format_description::well_known::Rfc3339)
                        .unwrap_or_default()
                )
            });
            b.source_ip = Some(src);
            b.request_id = e.request_id.clone();
            self.insert_security_event(&b).await?;
        }
        Ok(())
    }

    async fn insert_security_event(&self, e: &NewSecurityEvent) -> Result<i64> {
        let at = tuphap_store::now_utc();
        let row = NewSecurityEventRow {
            at: micros(at),
            category: e.category.as_str().to_string(),
            kind: sanitize(&e.kind, 64),
            severity: e.severity.as_str().to_string(),
            source_ip: e.source_ip.as_deref().map(|s| sanitize(s, 64)),
            user_id: e.user_id,
            actor: e.actor.as_deref().map(|s| sanitize(s, 64)),
            request_id: e.request_id.as_deref().map(|s| sanitize(s, 64)),
            method: e.method.as_deref().map(|s| sanitize(s, 16)),
            path: e.path.as_deref().map(|s| sanitize(s, 300)),
            detail: sanitize(&e.detail, 500),
        };
        let mut tx = self.store.begin().await?;
        let id = tx.security_event_insert(&row).await?;
        let alert = e.severity >= self.security.policy.alert_at;
        let changes = if alert {
            vec![NewChange {
                entity: "security_event".into(),
                entity_id: id.to_string(),
                action: row.category.clone(),
                actor_user_id: None,
                payload: serde_json::json!({
                    "id": id,
                    "at": at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
                    "category": row.category,
                    "category_label": e.category.label(),
                    "kind": row.kind,
                    "severity": row.severity,
                    "source_ip": row.source_ip,
                    "user_id": row.user_id,
                    "actor": row.actor,
                    "request_id": row.request_id,
                    "method": row.method,
                    "path": row.path,
                    "detail": row.detail,
                }),
            }]
        } else {
            Vec::new()
        };
        tx.commit_with(&[], &changes).await?;
        if alert {
            tracing::warn!(
                security_event = id,
                category = %row.category,
                kind = %row.kind,
                severity = %row.severity,
                source_ip = row.source_ip.as_deref().unwrap_or("-"),
                path = row.path.as_deref().unwrap_or("-"),
                "security event"
            );
        }
        Ok(id)
    }

    /// Called by the login use case on each refused attempt (`reason`: `unknown_user`,
    /// `bad_password`, `locked`, `inactive`; `lockout` when this attempt locked the account).
    /// Records an `unauthorized_access` event `bad_credentials` (which counts towards blocking
    /// the source address: many accounts tried from one address), and a `lockout` event when
    /// the account was locked. Errors are logged, never returned: a failure to record must not
    /// change the answer to the login.
    pub async fn note_login_failure(
        &self,
        meta: &RequestMeta,
        username: &str,
        user_id: Option<i64>,
        reason: &str,
        lockout: bool,
    ) {
        let why = match reason {
            "unknown_user" => "tên đăng nhập không tồn tại",
            "locked" => "tài khoản đang bị tạm khóa",
            "inactive" => "tài khoản đã bị vô hiệu hóa",
            _ => "sai mật khẩu",
        };
        let mut events = vec![(
            "bad_credentials",
            Severity::Low,
            format!("Đăng nhập thất bại: {why}."),
        )];
        if lockout {
            events.push((
                "lockout",
                Severity::Medium,
                "Tài khoản bị tạm khóa do đăng nhập sai nhiều lần.".to_string(),
            ));
        }
        for (kind, severity, detail) in events {
            let mut e =
                NewSecurityEvent::new(SecurityCategory::UnauthorizedAccess, kind, severity, detail)
                    .with_meta(meta);
            e.user_id = user_id;
            e.actor = Some(username.to_string());
            if let Err(err) = self.record_security_event(e).await {
                tracing::error!(error = %err.message, "cannot record a security event");
            }
        }
    }

    /// The latest events (newest first), optionally of one category and/or one source.
    pub async fn security_events(
        &self,
        actor: &Actor,
        category: Option<SecurityCategory>,
        source_ip: Option<&str>,
        before_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<SecurityEvent>> {
        require_view(actor)?;
        let rows = self
            .store
            .security_events(&SecurityEventFilter {
                category: category.map(|c| c.as_str().to_string()),
                source_ip: source_ip.map(str::to_string),
                since: None,
                before_id,
                limit: limit.clamp(1, 500),
            })
            .await?;
        Ok(rows.into_iter().map(event_of).collect())
    }

    /// Counts over the last `hours` hours, the 20 latest events, the blocked sources.
    pub async fn security_summary(&self, actor: &Actor, hours: i64) -> Result<SecuritySummary> {
        require_view(actor)?;
        let since = tuphap_store::now_utc() - time::Duration::hours(hours.clamp(1, 24 * 366));
        let since_us = micros(since);
        let counts = self.store.security_counts_by_category(since_us).await?;
        let by_category = SecurityCategory::ALL
            .into_iter()
            .map(|c| CategoryCount {
                category: c,
                label: c.label().to_string(),
                count: counts
                    .iter()
                    .find(|(k, _)| k == c.as_str())
                    .map_or(0, |(_, n)| *n),
            })
            .collect();
        let by_source = self
            .store
            .security_counts_by_source(since_us, 20)
            .await?
            .into_iter()
            .map(|(source_ip, category, count)| SourceCount {
                source_ip,
                category: SecurityCategory::parse(&category).unwrap_or(SecurityCategory::Other),
                count,
            })
            .collect();
        let latest = self
            .store
            .security_events(&SecurityEventFilter {
                limit: 20,
                ..SecurityEventFilter::default()
            })
            .await?
            .into_iter()
            .map(event_of)
            .collect();
        Ok(SecuritySummary {
            since,
            by_category,
            by_source,
            latest,
            blocked: self.security.blocked_sources(),
        })
    }
}
