//! Operator use cases on the exchange outbox (issue 6): subscriptions of partner subsystems,
//! dead letters and their requeue, and the queue counts behind the `/exchange` page, its API,
//! `tuphap exchange …` and `/metrics`.
//!
//! Who: administrators write (subscriptions, enable/disable, requeue); administrators and the
//! ministry read. `by = None` is the command line (an operator on the server, as `tuphap user
//! add`), audited as `(dòng lệnh)`. Every write is audited: `exchange.subscription.upsert`,
//! `exchange.subscription.enable`, `exchange.subscription.disable` here, `exchange.requeue` by
//! the store in the requeue's own transaction (with the reason and the previous error).

use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tuphap_core::role::Role;
use tuphap_store::exchange::{
    DEAD, NewSubscription, OutboxMessage, ServiceQueueStats, Subscription, is_xroad_subsystem_id,
    micros,
};
use tuphap_store::{NewAuditEntry, Outcome};
use utoipa::ToSchema;

use crate::error::{DomainError, ErrorKind, Result};
use crate::{Actor, App, RequestMeta};

/// Dead letters per page, at most.
pub const DEAD_LETTERS_MAX_PAGE: i64 = 500;
/// Dead letters requeued by one "requeue all", at most (run it again for more).
pub const REQUEUE_ALL_MAX: usize = 10_000;

/// May read the exchange's queues, subscriptions and dead letters.
pub fn can_read_exchange(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Ministry)
}

/// May change subscriptions and requeue dead letters.
pub fn can_operate_exchange(role: Role) -> bool {
    matches!(role, Role::Admin)
}

/// A subscription to register or update.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionInput {
    /// X-Road id of the receiving subsystem, `INSTANCE/CLASS/MEMBER/SUBSYSTEM`.
    #[schema(example = "VN/GOV/BCA/CSDLQGDC")]
    pub subscriber: String,
    /// The service that receives the messages (`A-Z a-z 0-9 _ . -`).
    #[schema(example = "civil-events")]
    pub service: String,
    /// Comma-separated `entity:action` patterns, `*` for any part (`birth:registered`,
    /// `death:*`, `*`).
    #[schema(example = "birth:registered,death:registered")]
    pub takes: String,
    /// `http://` or `https://` URL of the receiver (normally the local X-Road security server).
    #[schema(example = "http://ss.bca.gov.vn/r1/VN/GOV/BCA/CSDLQGDC/civilEvents")]
    pub endpoint_url: String,
    /// Default true.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// For a new subscription: also send every earlier change (default false: only changes
    /// from now on). Ignored when the subscription exists (it keeps its place).
    #[serde(default)]
    pub from_beginning: bool,
}

fn yes() -> bool {
    true
}

/// A subscription as shown to operators.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SubscriptionView {
    pub subscriber: String,
    pub service: String,
    pub takes: String,
    pub endpoint_url: String,
    pub enabled: bool,
    /// The change-log sequence number fed into the outbox so far.
    pub fed_up_to: i64,
    /// RFC 3339, UTC.
    pub created_at: String,
}

impl From<Subscription> for SubscriptionView {
    fn from(s: Subscription) -> Self {
        SubscriptionView {
            subscriber: s.subscriber,
            service: s.service,
            takes: s.takes,
            endpoint_url: s.endpoint_url,
            enabled: s.enabled,
            fed_up_to: s.fed_up_to,
            created_at: rfc3339(s.created_at),
        }
    }
}

/// What an upsert did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SubscriptionSaved {
    pub created: bool,
    pub subscription: SubscriptionView,
}

/// One queue (subscriber, service): counts by status and its health.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QueueStats {
    pub subscriber: String,
    pub service: String,
    /// Whether a subscription exists and is enabled (`false` also for messages left by a
    /// subscription that no longer exists).
    pub enabled: bool,
    pub pending: i64,
    /// In flight (claimed by a worker).
    pub delivering: i64,
    pub delivered: i64,
    pub dead: i64,
    /// Pending messages that failed at least once and wait for their next attempt.
    pub retrying: i64,
    /// Attempts spent on messages not yet delivered.
    pub undelivered_attempts: i64,
    /// Age in seconds of the oldest pending or in-flight message.
    pub oldest_undelivered_seconds: Option<u64>,
    /// The same in Vietnamese words ("3 phút").
    #[schema(example = "3 phút")]
    pub oldest_undelivered_age: Option<String>,
    /// Error of the latest failure among retrying and dead messages.
    pub last_error: Option<String>,
}

/// A message that will not be delivered until an operator requeues it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeadLetter {
    /// Outbox id (what requeue takes).
    pub id: i64,
    pub subscriber: String,
    pub service: String,
    /// The idempotency key sent as `X-Road-Id`.
    pub message_id: String,
    /// `entity/entity_id`: later messages of this record wait behind this one.
    pub ordering_key: String,
    pub change_seq: Option<i64>,
    pub attempts: i64,
    pub last_error: Option<String>,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// When it became dead, RFC 3339, UTC.
    pub failed_at: String,
    /// Unix µs of `failed_at` (for display).
    #[serde(skip)]
    pub failed_at_micros: i64,
}

impl From<OutboxMessage> for DeadLetter {
    fn from(m: OutboxMessage) -> Self {
        DeadLetter {
            id: m.id,
            subscriber: m.subscriber,
            service: m.service,
            message_id: m.message_id,
            ordering_key: m.ordering_key,
            change_seq: m.change_seq,
            attempts: m.attempts,
            last_error: m.last_error,
            created_at: rfc3339(m.created_at),
            failed_at: rfc3339(m.next_attempt_at),
            failed_at_micros: m.next_attempt_at,
        }
    }
}

/// Which dead letters to list.
#[derive(Debug, Clone, Default)]
pub struct DeadLetterFilter {
    pub subscriber: Option<String>,
    pub service: Option<String>,
    /// Only ids below this (the next page).
    pub before_id: Option<i64>,
    /// 1–500, default 100.
    pub limit: Option<i64>,
}

/// A page of dead letters, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeadLetterPage {
    pub items: Vec<DeadLetter>,
    /// Pass as `before_id` for the next page; absent on the last page.
    pub next_before_id: Option<i64>,
}

/// A dead letter put back in the queue.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RequeuedView {
    pub id: i64,
    pub subscriber: String,
    pub service: String,
    pub message_id: String,
    pub previous_error: Option<String>,
    pub previous_attempts: i64,
    pub reason: String,
    /// Sequence number of the `exchange.requeue` audit entry.
    pub audit_seq: i64,
}

/// RFC 3339 of unix microseconds.
pub fn rfc3339(us: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// `dd/mm/yyyy HH:MM` in Vietnam time of unix microseconds.
pub fn format_time_vn(us: i64) -> String {
    match OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000) {
        Ok(t) => {
            let t = t.to_offset(tuphap_core::dates::VN_OFFSET);
            format!(
                "{} {:02}:{:02}",
                tuphap_core::dates::format_vn(t.date()),
                t.hour(),
                t.minute()
            )
        }
        Err(_) => String::new(),
    }
}

/// A duration in Vietnamese words, to the two largest units: "45 giây", "3 phút",
/// "2 giờ 5 phút", "3 ngày 4 giờ".
pub fn age_vi(d: Duration) -> String {
    let s = d.as_secs();
    let (days, hours, minutes) = (s / 86_400, (s % 86_400) / 3600, (s % 3600) / 60);
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{s} giây"),
        (0, 0, m) => format!("{m} phút"),
        (0, h, 0) => format!("{h} giờ"),
        (0, h, m) => format!("{h} giờ {m} phút"),
        (d, 0, _) => format!("{d} ngày"),
        (d, h, _) => format!("{d} ngày {h} giờ"),
    }
}

fn invalid(code: &'static str, field: &str, message: impl Into<String>) -> DomainError {
    DomainError::new(ErrorKind::Unprocessable, code, message).with_field(field)
}

/// Checks a subscriber id (X-Road subsystem id).
pub fn check_subscriber(subscriber: &str) -> Result<String> {
    let s = subscriber.trim();
    if s.len() > 255 || !is_xroad_subsystem_id(s) {
        return Err(invalid(
            "exchange_subscriber_invalid",
            "subscriber",
            format!(
                "Mã bên nhận \u{201c}{s}\u{201d} không hợp lệ: phải là mã phân hệ X-Road dạng INSTANCE/CLASS/MEMBER/SUBSYSTEM (ví dụ VN/GOV/BCA/CSDLQGDC), mỗi phần gồm chữ cái không dấu, chữ số hoặc các dấu ' ( ) + , - . = ?"
            ),
        ));
    }
    Ok(s.to_string())
}

/// Checks a service name.
pub fn check_service(service: &str) -> Result<String> {
    let s = service.trim();
    if s.is_empty()
        || s.len() > 100
        || !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
    {
        return Err(invalid(
            "exchange_service_invalid",
            "service",
            format!(
                "Tên dịch vụ \u{201c}{s}\u{201d} không hợp lệ: cần từ 1 đến 100 ký tự gồm chữ cái không dấu, chữ số, dấu _ . - (ví dụ civil-events)."
            ),
        ));
    }
    Ok(s.to_string())
}

/// Checks and normalises a `takes` list: comma-separated `entity:action` (each part a name of
/// `a-z A-Z 0-9 _ -` or `*`) or `*`; spaces removed, duplicates kept out.
pub fn check_takes(takes: &str) -> Result<String> {
    let bad = |p: &str| {
        invalid(
            "exchange_takes_invalid",
            "takes",
            format!(
                "Mẫu \u{201c}{p}\u{201d} không hợp lệ. Danh sách loại thay đổi nhận là các mẫu entity:action cách nhau bằng dấu phẩy, mỗi phần là tên (chữ cái không dấu, chữ số, _ -) hoặc *, ví dụ birth:registered,death:* hoặc * (mọi thay đổi)."
            ),
        )
    };
    let name_ok = |n: &str| {
        n == "*"
            || (!n.is_empty()
                && n.len() <= 64
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-')))
    };
    let mut out: Vec<String> = Vec::new();
    for p in takes.split(',').map(str::trim) {
        let ok = p == "*"
            || p.split_once(':')
                .is_some_and(|(e, a)| name_ok(e) && name_ok(a));
        if !ok {
            return Err(bad(p));
        }
        let p = if p == "*" { "*:*" } else { p };
        if !out.iter().any(|q| q == p) {
            out.push(p.to_string());
        }
    }
    if out.is_empty() {
        return Err(bad(""));
    }
    if out.iter().any(|p| p == "*:*") {
        return Ok("*".to_string());
    }
    Ok(out.join(","))
}

/// Checks an endpoint URL: `http://` or `https://`, a host name, IPv4 or `[IPv6]` address, an
/// optional port 1–65535, no user information, no spaces or control characters.
pub fn check_endpoint(url: &str) -> Result<String> {
    let u = url.trim();
    let bad = || {
        invalid(
            "exchange_endpoint_invalid",
            "endpoint_url",
            format!(
                "Địa chỉ nhận \u{201c}{u}\u{201d} không hợp lệ: cần một URL http:// hoặc https:// có tên máy (ví dụ http://ss.bca.gov.vn/r1/VN/GOV/BCA/CSDLQGDC/civilEvents), không chứa dấu cách hay tên đăng nhập."
            ),
        )
    };
    if u.len() > 2000 || u.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    let lower = u.to_ascii_lowercase();
    let rest = if lower.starts_with("http://") {
        &u[7..]
    } else if lower.starts_with("https://") {
        &u[8..]
    } else {
        return Err(bad());
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    if authority.contains('@') {
        return Err(bad());
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let Some((addr, after)) = v6.split_once(']') else {
            return Err(bad());
        };
        if addr.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(bad());
        }
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or_else(bad)?),
        };
        (None, port)
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (Some(h), Some(p)),
            None => (Some(authority), None),
        }
    };
    if let Some(h) = host {
        let label_ok = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        };
        if h.is_empty() || h.len() > 253 || !h.split('.').all(label_ok) {
            return Err(bad());
        }
    }
    if let Some(p) = port
        && !(p.len() <= 5
            && p.chars().all(|c| c.is_ascii_digit())
            && p.parse::<u32>().is_ok_and(|n| (1..=65_535).contains(&n)))
    {
        return Err(bad());
    }
    Ok(u.to_string())
}

/// A non-blank reason, NFC and single spaces, at most 1,000 characters.
fn check_reason(reason: &str) -> Result<String> {
    let r = tuphap_core::text::VnText::new(reason).as_str().to_string();
    if r.is_empty() {
        return Err(invalid(
            "exchange_reason_required",
            "reason",
            "Cần ghi lý do đưa lại thư vào hàng đợi (ví dụ: đối tác đã sửa lỗi tiếp nhận).",
        ));
    }
    if r.chars().count() > 1000 {
        return Err(invalid(
            "exchange_reason_too_long",
            "reason",
            "Lý do dài quá 1.000 ký tự.",
        ));
    }
    Ok(r)
}

fn require_read(by: Option<&Actor>) -> Result<()> {
    match by {
        Some(a) => a.require(
            can_read_exchange(a.role),
            "xem hàng đợi trao đổi dữ liệu (chỉ quản trị hệ thống và Bộ Tư pháp)",
        ),
        None => Ok(()),
    }
}

fn require_write(by: Option<&Actor>) -> Result<()> {
    match by {
        Some(a) => a.require(
            can_operate_exchange(a.role),
            "quản lý đăng ký nhận tin và thư lỗi của nền tảng trao đổi dữ liệu (chỉ quản trị hệ thống)",
        ),
        None => Ok(()),
    }
}

/// The audit entry of an action by `by` (the command line when `None`).
fn audit_base(by: Option<&Actor>, meta: &RequestMeta, action: &str) -> NewAuditEntry {
    match by {
        Some(a) => a.audit(meta, action),
        None => NewAuditEntry {
            actor_username: Some("(dòng lệnh)".to_string()),
            source_ip: meta.source_ip.clone(),
            request_id: meta.request_id.clone(),
            action: action.to_string(),
            outcome: Some(Outcome::Success),
            ..NewAuditEntry::default()
        },
    }
}

fn subscription_not_found(subscriber: &str, service: &str) -> DomainError {
    DomainError::not_found(
        "exchange_subscription_not_found",
        format!("Không có đăng ký nhận tin của {subscriber} cho dịch vụ {service}."),
    )
}

impl App {
    /// All subscriptions (administrators, ministry, command line).
    pub async fn exchange_subscriptions(
        &self,
        by: Option<&Actor>,
    ) -> Result<Vec<SubscriptionView>> {
        require_read(by)?;
        Ok(self
            .store
            .subscriptions()
            .await?
            .into_iter()
            .map(SubscriptionView::from)
            .collect())
    }

    /// Registers a subscription or updates its `takes`, endpoint and `enabled` (administrators,
    /// command line); audited as `exchange.subscription.upsert` with the values before and
    /// after.
    pub async fn exchange_upsert_subscription(
        &self,
        by: Option<&Actor>,
        meta: &RequestMeta,
        input: SubscriptionInput,
    ) -> Result<SubscriptionSaved> {
        require_write(by)?;
        let subscriber = check_subscriber(&input.subscriber)?;
        let service = check_service(&input.service)?;
        let takes = check_takes(&input.takes)?;
        let endpoint_url = check_endpoint(&input.endpoint_url)?;
        let start_after = if input.from_beginning {
            0
        } else {
            self.store.last_change_seq().await?
        };
        let new = NewSubscription {
            subscriber: subscriber.clone(),
            service: service.clone(),
            takes,
            endpoint_url,
            enabled: input.enabled,
            start_after,
        };
        let mut tx = self.store.begin().await?;
        let before = tx
            .subscription_upsert(&new, tuphap_store::now_utc())
            .await?;
        let mut e = audit_base(by, meta, "exchange.subscription.upsert");
        e.target_type = Some("exchange_subscription".into());
        e.target_id = Some(format!("{subscriber}/{service}"));
        e.details = Some(serde_json::json!({
            "created": before.is_none(),
            "takes": new.takes,
            "endpoint_url": new.endpoint_url,
            "enabled": new.enabled,
            "before": before.as_ref().map(|b| serde_json::json!({
                "takes": b.takes, "endpoint_url": b.endpoint_url, "enabled": b.enabled,
            })),
            "start_after": before.is_none().then_some(start_after),
        }));
        tx.commit_with(&[e], &[]).await?;
        let saved = self
            .store
            .subscription(&subscriber, &service)
            .await?
            .ok_or_else(DomainError::internal)?;
        Ok(SubscriptionSaved {
            created: before.is_none(),
            subscription: saved.into(),
        })
    }

    /// Enables or disables a subscription (administrators, command line); audited as
    /// `exchange.subscription.enable` / `.disable`. A disabled subscription is neither fed nor
    /// delivered to; enabled again, it catches up from where it stopped.
    pub async fn exchange_set_subscription_enabled(
        &self,
        by: Option<&Actor>,
        meta: &RequestMeta,
        subscriber: &str,
        service: &str,
        enabled: bool,
    ) -> Result<SubscriptionView> {
        require_write(by)?;
        let (subscriber, service) = (subscriber.trim(), service.trim());
        let mut tx = self.store.begin().await?;
        let Some(was) = tx
            .subscription_set_enabled(subscriber, service, enabled)
            .await?
        else {
            return Err(subscription_not_found(subscriber, service));
        };
        let action = if enabled {
            "exchange.subscription.enable"
        } else {
            "exchange.subscription.disable"
        };
        let mut e = audit_base(by, meta, action);
        e.target_type = Some("exchange_subscription".into());
        e.target_id = Some(format!("{subscriber}/{service}"));
        e.details = Some(serde_json::json!({"was_enabled": was}));
        tx.commit_with(&[e], &[]).await?;
        self.store
            .subscription(subscriber, service)
            .await?
            .map(SubscriptionView::from)
            .ok_or_else(DomainError::internal)
    }

    /// Dead letters, newest first, a page at a time (administrators, ministry, command line).
    pub async fn exchange_dead_letters(
        &self,
        by: Option<&Actor>,
        filter: &DeadLetterFilter,
    ) -> Result<DeadLetterPage> {
        require_read(by)?;
        let limit = filter.limit.unwrap_or(100);
        if !(1..=DEAD_LETTERS_MAX_PAGE).contains(&limit) {
            return Err(invalid(
                "limit_out_of_range",
                "limit",
                format!("Số dòng mỗi trang phải từ 1 đến {DEAD_LETTERS_MAX_PAGE}."),
            ));
        }
        let non_blank = |s: &Option<String>| {
            s.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let mut items = self
            .store
            .dead_letters_page(
                non_blank(&filter.subscriber).as_deref(),
                non_blank(&filter.service).as_deref(),
                filter.before_id,
                limit + 1,
            )
            .await?;
        let more = items.len() > usize::try_from(limit).unwrap_or(usize::MAX);
        items.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        let items: Vec<DeadLetter> = items.into_iter().map(DeadLetter::from).collect();
        Ok(DeadLetterPage {
            next_before_id: if more {
                items.last().map(|d| d.id)
            } else {
                None
            },
            items,
        })
    }

    /// Puts one dead letter back in the queue with a non-blank reason (administrators,
    /// command line). 404 when there is no such message, 409 when it is not dead.
    pub async fn exchange_requeue(
        &self,
        by: Option<&Actor>,
        meta: &RequestMeta,
        id: i64,
        reason: &str,
    ) -> Result<RequeuedView> {
        require_write(by)?;
        let reason = check_reason(reason)?;
        self.requeue_one(by, meta, id, &reason).await
    }

    async fn requeue_one(
        &self,
        by: Option<&Actor>,
        meta: &RequestMeta,
        id: i64,
        reason: &str,
    ) -> Result<RequeuedView> {
        let base = audit_base(by, meta, "exchange.requeue");
        match self
            .store
            .requeue_dead(id, reason, &base, tuphap_store::now_utc())
            .await
        {
            Ok(r) => Ok(RequeuedView {
                id: r.id,
                subscriber: r.subscriber,
                service: r.service,
                message_id: r.message_id,
                previous_error: r.previous_error,
                previous_attempts: r.previous_attempts,
                reason: r.reason,
                audit_seq: r.audit_seq,
            }),
            Err(tuphap_store::StoreError::NotFound) => match self.store.outbox_message(id).await? {
                None => Err(DomainError::not_found(
                    "exchange_message_not_found",
                    format!("Không có thư số {id} trong hàng đợi trao đổi dữ liệu."),
                )),
                Some(m) => Err(DomainError::new(
                    ErrorKind::Conflict,
                    "exchange_message_not_dead",
                    format!(
                        "Thư số {id} ({}) không nằm trong hàng lỗi (trạng thái hiện tại: {}); chỉ đưa lại được thư lỗi.",
                        m.message_id,
                        status_vi(&m.status)
                    ),
                )),
            },
            Err(e) => Err(e.into()),
        }
    }

    /// Puts every dead letter of a subscriber (and service, if given) back in the queue, each
    /// with its own audit entry carrying the reason; at most [`REQUEUE_ALL_MAX`] per call.
    pub async fn exchange_requeue_all(
        &self,
        by: Option<&Actor>,
        meta: &RequestMeta,
        subscriber: &str,
        service: Option<&str>,
        reason: &str,
    ) -> Result<Vec<RequeuedView>> {
        require_write(by)?;
        let subscriber = check_subscriber(subscriber)?;
        let service = service.map(str::trim).filter(|s| !s.is_empty());
        let reason = check_reason(reason)?;
        let mut done = Vec::new();
        let mut before: Option<i64> = None;
        while done.len() < REQUEUE_ALL_MAX {
            let page = self
                .store
                .dead_letters_page(Some(&subscriber), service, before, 500)
                .await?;
            let Some(last) = page.last() else { break };
            before = Some(last.id);
            for m in page {
                if done.len() >= REQUEUE_ALL_MAX {
                    break;
                }
                match self.requeue_one(by, meta, m.id, &reason).await {
                    Ok(r) => done.push(r),
                    // Requeued meanwhile by someone else.
                    Err(e) if e.code == "exchange_message_not_dead" => {}
                    Err(e) if e.code == "exchange_message_not_found" => {}
                    Err(e) => return Err(e),
                }
            }
        }
        // Requeued in newest-first pages; report in queue order.
        done.sort_by_key(|r| r.id);
        Ok(done)
    }

    /// Counts per queue (subscriber, service), every subscription listed even without messages
    /// (administrators, ministry, command line).
    pub async fn exchange_outbox_stats(&self, by: Option<&Actor>) -> Result<Vec<QueueStats>> {
        require_read(by)?;
        let subs = self.store.subscriptions().await?;
        let stats = self.store.outbox_service_stats().await?;
        Ok(queue_stats(&subs, stats, tuphap_store::now_utc()))
    }
}

/// Joins the subscriptions with the counts of their queues (`now` for the ages).
pub fn queue_stats(
    subs: &[Subscription],
    stats: Vec<ServiceQueueStats>,
    now: OffsetDateTime,
) -> Vec<QueueStats> {
    let now = micros(now);
    let mut out: Vec<QueueStats> = stats
        .into_iter()
        .map(|s| {
            let age = s
                .oldest_undelivered_at
                .map(|t| Duration::from_micros(u64::try_from(now.saturating_sub(t)).unwrap_or(0)));
            QueueStats {
                enabled: subs
                    .iter()
                    .any(|x| x.subscriber == s.subscriber && x.service == s.service && x.enabled),
                subscriber: s.subscriber,
                service: s.service,
                pending: s.pending,
                delivering: s.delivering,
                delivered: s.delivered,
                dead: s.dead,
                retrying: s.retrying,
                undelivered_attempts: s.undelivered_attempts,
                oldest_undelivered_seconds: age.map(|a| a.as_secs()),
                oldest_undelivered_age: age.map(age_vi),
                last_error: s.last_error,
            }
        })
        .collect();
    for x in subs {
        if !out
            .iter()
            .any(|s| s.subscriber == x.subscriber && s.service == x.service)
        {
            out.push(QueueStats {
                subscriber: x.subscriber.clone(),
                service: x.service.clone(),
                enabled: x.enabled,
                pending: 0,
                delivering: 0,
                delivered: 0,
                dead: 0,
                retrying: 0,
                undelivered_attempts: 0,
                oldest_undelivered_seconds: None,
                oldest_undelivered_age: None,
                last_error: None,
            });
        }
    }
    out.sort_by(|a, b| (&a.subscriber, &a.service).cmp(&(&b.subscriber, &b.service)));
    out
}

/// Vietnamese label of an outbox status.
pub fn status_vi(status: &str) -> &'static str {
    match status {
        "pending" => "chờ gửi",
        "delivering" => "đang gửi",
        "delivered" => "đã giao",
        s if s == DEAD => "lỗi, chờ xử lý",
        _ => "không rõ",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_in_words() {
        assert_eq!(age_vi(Duration::from_secs(45)), "45 giây");
        assert_eq!(age_vi(Duration::from_secs(180)), "3 phút");
        assert_eq!(age_vi(Duration::from_secs(7200)), "2 giờ");
        assert_eq!(age_vi(Duration::from_secs(7500)), "2 giờ 5 phút");
        assert_eq!(age_vi(Duration::from_secs(3 * 86_400)), "3 ngày");
        assert_eq!(
            age_vi(Duration::from_secs(3 * 86_400 + 4 * 3600)),
            "3 ngày 4 giờ"
        );
    }

    #[test]
    fn fields_are_checked() {
        assert!(check_subscriber(" VN/GOV/BCA/CSDLQGDC ").is_ok());
        assert_eq!(
            check_subscriber("VN/GOV/BCA").unwrap_err().code,
            "exchange_subscriber_invalid"
        );
        assert!(check_service("civil-events").is_ok());
        assert!(check_service("").is_err());
        assert!(check_service("sự kiện").is_err());
        assert_eq!(
            check_takes(" birth:registered , death:* ,birth:registered").unwrap(),
            "birth:registered,death:*"
        );
        assert_eq!(check_takes("birth:*, *").unwrap(), "*");
        for bad in [
            "",
            "birth",
            "birth:",
            ":x",
            "a:b:c",
            "birth:registered,,",
            "khai sinh:*",
        ] {
            assert_eq!(
                check_takes(bad).unwrap_err().code,
                "exchange_takes_invalid",
                "{bad:?}"
            );
        }
        for ok in [
            "http://127.0.0.1:9/",
            "https://ss.bca.gov.vn/r1/VN/GOV/BCA/CSDLQGDC/civilEvents",
            "http://[::1]:8080/x?y=1",
            "HTTP://localhost",
        ] {
            assert!(check_endpoint(ok).is_ok(), "{ok}");
        }
        for bad in [
            "ftp://x/",
            "http://",
            "http:///x",
            "http://a b/",
            "http://user:pw@host/",
            "http://host:0/",
            "http://host:99999/",
            "http://-host/",
            "http://[zz]/",
            "localhost:8080",
        ] {
            assert_eq!(
                check_endpoint(bad).unwrap_err().code,
                "exchange_endpoint_invalid",
                "{bad}"
            );
        }
        assert_eq!(
            check_reason("  ").unwrap_err().code,
            "exchange_reason_required"
        );
    }
}
