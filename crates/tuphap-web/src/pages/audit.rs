//! The audit log for auditors: newest first, keyset pages, a filter by target, and a check of
//! the hash chain.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use time::OffsetDateTime;
use tuphap_core::dates::VN_OFFSET;
use tuphap_store::audit::{AuditEntry, AuditFilter};

use super::reference::{bad_query, domain_error_page, html, is_htmx, non_empty};
use super::{Layout, PageActor, encode_component, error_page};
use crate::extract::Meta;
use crate::state::AppState;

/// Entries per page.
pub const PAGE_SIZE: usize = 50;

/// `dd/mm/yyyy HH:MM:SS` in Vietnam time of a timestamp in µs since the epoch (UTC).
pub fn format_vn_time(at_micros: i64) -> String {
    vn_time(at_micros, true)
}

/// `dd/mm/yyyy HH:MM` in Vietnam time of a timestamp in µs since the epoch (UTC).
pub fn format_vn_minutes(at_micros: i64) -> String {
    vn_time(at_micros, false)
}

fn vn_time(at_micros: i64, seconds: bool) -> String {
    match OffsetDateTime::from_unix_timestamp_nanos(i128::from(at_micros) * 1000) {
        Ok(t) => {
            let t = t.to_offset(VN_OFFSET);
            let mut s = format!(
                "{:02}/{:02}/{:04} {:02}:{:02}",
                t.day(),
                u8::from(t.month()),
                t.year(),
                t.hour(),
                t.minute(),
            );
            if seconds {
                s.push_str(&format!(":{:02}", t.second()));
            }
            s
        }
        Err(_) => "—".to_string(),
    }
}

/// Vietnamese label of an audited action ("" when unknown: callers show the code).
pub(super) fn action_label(action: &str) -> &'static str {
    match action {
        "auth.login" => "Đăng nhập",
        "auth.logout" => "Đăng xuất",
        "auth.lockout" => "Khóa tài khoản tạm thời",
        "user.create" => "Tạo tài khoản",
        "user.list" => "Xem danh sách người dùng",
        "office.create" => "Tạo cơ quan",
        "calendar.set" => "Sửa lịch ngày nghỉ",
        "calendar.delete" => "Xóa điều chỉnh lịch",
        "exchange.requeue" => "Đưa lại thư lỗi vào hàng đợi gửi",
        "exchange.subscription.upsert" => "Lưu đăng ký nhận tin (trao đổi dữ liệu)",
        "exchange.subscription.enable" => "Bật đăng ký nhận tin",
        "exchange.subscription.disable" => "Tắt đăng ký nhận tin",
        "audit.read" => "Xem nhật ký kiểm tra",
        "civil.birth.declare" => "Tiếp nhận tờ khai khai sinh",
        "civil.death.declare" => "Tiếp nhận tờ khai khai tử",
        "civil.marriage.declare" => "Tiếp nhận tờ khai kết hôn",
        "civil.register" => "Ký đăng ký, cấp số",
        "civil.duplicate_override" => "Đăng ký dù có hồ sơ nhiều khả năng trùng",
        "civil.return" => "Trả lại hồ sơ để bổ sung",
        "civil.reject" => "Từ chối đăng ký",
        "civil.certificate.issue" => "Cấp giấy (in lần đầu)",
        "civil.certificate.print" => "In lại giấy đã cấp",
        "civil.extract.issue" => "Cấp bản sao trích lục",
        "civil.extract.print" => "In bản sao trích lục",
        "civil.extract.list" => "Xem các lần cấp bản sao trích lục",
        "civil.record.read" => "Xem hồ sơ",
        "civil.record.audit_read" => "Xem nhật ký hồ sơ",
        "civil.person.read" => "Xem thông tin cá nhân",
        "civil.person.merge" => "Hợp nhất hai mục của cùng một người",
        "civil.person.unmerge" => "Hủy hợp nhất",
        "civil.search" => "Tra cứu hồ sơ hộ tịch",
        _ => "",
    }
}

pub(super) fn outcome_label(outcome: &str) -> (&'static str, &'static str) {
    match outcome {
        "success" => ("Thành công", "success"),
        "failure" => ("Thất bại", "failure"),
        "denied" => ("Bị từ chối", "denied"),
        _ => ("Không rõ", ""),
    }
}

pub struct EntryView {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub actor_office: String,
    pub action: String,
    pub action_label: &'static str,
    pub target: String,
    pub target_href: Option<String>,
    pub outcome_label: &'static str,
    pub outcome_class: &'static str,
    pub reason: String,
}

fn filter_href(target_type: &str, target_id: &str) -> String {
    let mut href = format!("/audit?target_type={}", encode_component(target_type));
    if !target_id.is_empty() {
        href.push_str(&format!("&target_id={}", encode_component(target_id)));
    }
    href
}

fn entry_view(e: AuditEntry) -> EntryView {
    let (outcome_label, outcome_class) = outcome_label(&e.outcome);
    let (target, target_href) = match (&e.target_type, &e.target_id) {
        (Some(t), Some(id)) => (format!("{t}: {id}"), Some(filter_href(t, id))),
        (Some(t), None) => (t.clone(), Some(filter_href(t, ""))),
        (None, Some(id)) => (id.clone(), None),
        (None, None) => ("—".to_string(), None),
    };
    let reason = match (&e.reason, &e.purpose) {
        (Some(r), Some(p)) => format!("{r} (mục đích: {p})"),
        (Some(r), None) => r.clone(),
        (None, Some(p)) => format!("Mục đích: {p}"),
        (None, None) => String::new(),
    };
    EntryView {
        seq: e.seq,
        at: format_vn_time(e.at_micros),
        actor: e.actor_username.unwrap_or_else(|| "—".to_string()),
        actor_office: e.actor_office.unwrap_or_default(),
        action_label: action_label(&e.action),
        action: e.action,
        target,
        target_href,
        outcome_label,
        outcome_class,
        reason,
    }
}

/// Result of the integrity check.
pub struct VerifyView {
    pub intact: bool,
    pub entries: u64,
    pub bad_seq: i64,
    pub detail: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    pub before_seq: Option<String>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub verify: Option<String>,
}

#[derive(Template)]
#[template(path = "audit.html", blocks = ["results"])]
pub struct AuditPage {
    pub l: Layout,
    pub target_type: String,
    pub target_id: String,
    pub before_error: Option<String>,
    pub entries: Vec<EntryView>,
    pub next_href: Option<String>,
    pub first_href: Option<String>,
    pub verify: Option<VerifyView>,
}

pub async fn page(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PageActor(actor): PageActor,
    headers: HeaderMap,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Response {
    if !actor.role.can_read_audit() {
        return error_page(
            &format!(
                "Tài khoản {} (vai trò {}) không có quyền xem nhật ký kiểm tra.",
                actor.username,
                actor.role.label_vi()
            ),
            StatusCode::FORBIDDEN,
        );
    }
    let q = match query {
        Ok(Query(q)) => q,
        Err(rej) => return bad_query(&rej),
    };
    let target_type: String = non_empty(q.target_type.as_deref())
        .unwrap_or_default()
        .chars()
        .take(100)
        .collect();
    let target_id: String = non_empty(q.target_id.as_deref())
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect();
    let mut status = StatusCode::OK;
    let (before_seq, before_error) = match non_empty(q.before_seq.as_deref()) {
        None => (None, None),
        Some(s) => match s.parse::<i64>() {
            Ok(n) if n > 0 => (Some(n), None),
            _ => {
                status = StatusCode::BAD_REQUEST;
                (
                    None,
                    Some("Số thứ tự trang không hợp lệ; đang hiển thị trang đầu.".to_string()),
                )
            }
        },
    };
    let verify = if non_empty(q.verify.as_deref()).is_some() {
        match state.app.verify_audit().await {
            Ok(v) => Some(match v.first_bad {
                None => VerifyView {
                    intact: true,
                    entries: v.entries,
                    bad_seq: 0,
                    detail: String::new(),
                },
                Some((seq, detail)) => VerifyView {
                    intact: false,
                    entries: v.entries,
                    bad_seq: seq,
                    detail,
                },
            }),
            Err(e) => return domain_error_page(&e),
        }
    } else {
        None
    };
    let filter = AuditFilter {
        actor_user_id: None,
        target_type: (!target_type.is_empty()).then(|| target_type.clone()),
        target_id: (!target_id.is_empty()).then(|| target_id.clone()),
        before_seq,
        limit: i64::try_from(PAGE_SIZE + 1).unwrap_or(51),
    };
    let mut rows = match state.app.audit_entries(&actor, &meta, filter).await {
        Ok(r) => r,
        Err(e) => return domain_error_page(&e),
    };
    let has_more = rows.len() > PAGE_SIZE;
    rows.truncate(PAGE_SIZE);
    let mut base = String::from("/audit?");
    if !target_type.is_empty() {
        base.push_str(&format!("target_type={}&", encode_component(&target_type)));
    }
    if !target_id.is_empty() {
        base.push_str(&format!("target_id={}&", encode_component(&target_id)));
    }
    let next_href = has_more
        .then(|| rows.last().map(|e| format!("{base}before_seq={}", e.seq)))
        .flatten();
    let first_href = before_seq.map(|_| base.trim_end_matches(['&', '?']).to_string());
    let page = AuditPage {
        l: Layout::for_actor("Nhật ký kiểm tra", &actor, "/audit"),
        target_type,
        target_id,
        before_error,
        entries: rows.into_iter().map(entry_view).collect(),
        next_href,
        first_href,
        verify,
    };
    if is_htmx(&headers) {
        html(StatusCode::OK, page.as_results().render())
    } else {
        html(status, page.render())
    }
}
