//! `/exchange` "Trao đổi dữ liệu (LGSP)": the outbox for operators — per queue (subscriber,
//! service) the counts and the age of the oldest undelivered message, the subscriptions with
//! enable/disable buttons, the dead letters with a requeue form (a reason required). Read by
//! administrators and the ministry; the forms are for administrators. Plain forms (POST, then a
//! redirect), no JavaScript needed. The message log (`/exchange/log`) and the members
//! (`/exchange/members`) have pages of their own, linked from here.

use askama::Template;
use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tuphap_domain::exchange::outbox::{
    DeadLetterFilter, QueueStats, SubscriptionView, can_operate_exchange, can_read_exchange,
    format_time_vn,
};
use tuphap_domain::{Actor, DomainError};

use super::reference::{bad_query, domain_error_page, html, non_empty};
use super::{CsrfProtected, Layout, PageActor, accept_form, encode_component, error_page};
use crate::extract::Meta;
use crate::state::AppState;

/// Dead letters per page.
pub const PAGE_SIZE: i64 = 50;

pub struct DeadView {
    pub id: i64,
    pub subscriber: String,
    pub service: String,
    pub message_id: String,
    pub ordering_key: String,
    pub attempts: i64,
    pub last_error: String,
    pub failed_at: String,
    pub created_at: String,
    /// Its requeue form failed: shown open with the error and the reason typed.
    pub open: bool,
    pub error: Option<String>,
    pub reason: String,
}

pub struct SubView {
    pub s: SubscriptionView,
    pub dead_href: String,
}

#[derive(Template)]
#[template(path = "exchange.html")]
pub struct ExchangePage {
    pub l: Layout,
    pub can_operate: bool,
    pub flash: Option<String>,
    pub error: Option<String>,
    pub queues: Vec<QueueStats>,
    pub subscriptions: Vec<SubView>,
    pub dead: Vec<DeadView>,
    pub filter_subscriber: String,
    pub filter_service: String,
    pub filtered: bool,
    pub next_href: Option<String>,
    pub first_href: Option<String>,
    /// The "requeue all" form failed: its error and the reason typed.
    pub all_error: Option<String>,
    pub all_reason: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct ExchangeQuery {
    pub subscriber: Option<String>,
    pub service: Option<String>,
    pub before_id: Option<i64>,
    /// What the redirect after a form reports: `requeue`, `requeue_all`, `enable`, `disable`.
    pub done: Option<String>,
    pub n: Option<i64>,
}

fn forbidden(actor: &Actor, what: &str) -> Response {
    error_page(
        &format!(
            "Tài khoản {} (vai trò {}) không có quyền {what}.",
            actor.username,
            actor.role.label_vi()
        ),
        StatusCode::FORBIDDEN,
    )
}

fn page_href(subscriber: &str, service: &str, before_id: Option<i64>) -> String {
    let mut q: Vec<String> = Vec::new();
    if !subscriber.is_empty() {
        q.push(format!("subscriber={}", encode_component(subscriber)));
    }
    if !service.is_empty() {
        q.push(format!("service={}", encode_component(service)));
    }
    if let Some(b) = before_id {
        q.push(format!("before_id={b}"));
    }
    if q.is_empty() {
        "/exchange".to_string()
    } else {
        format!("/exchange?{}", q.join("&"))
    }
}

async fn build(
    state: &AppState,
    actor: &Actor,
    subscriber: &str,
    service: &str,
    before_id: Option<i64>,
) -> Result<ExchangePage, DomainError> {
    let app = &state.app;
    let queues = app.exchange_outbox_stats(Some(actor)).await?;
    let subscriptions = app
        .exchange_subscriptions(Some(actor))
        .await?
        .into_iter()
        .map(|s| SubView {
            dead_href: format!("{}#thu-loi", page_href(&s.subscriber, &s.service, None)),
            s,
        })
        .collect();
    let page = app
        .exchange_dead_letters(
            Some(actor),
            &DeadLetterFilter {
                subscriber: Some(subscriber.to_string()),
                service: Some(service.to_string()),
                before_id,
                limit: Some(PAGE_SIZE),
            },
        )
        .await?;
    let dead = page
        .items
        .into_iter()
        .map(|d| DeadView {
            id: d.id,
            subscriber: d.subscriber,
            service: d.service,
            message_id: d.message_id,
            ordering_key: d.ordering_key,
            attempts: d.attempts,
            last_error: d.last_error.unwrap_or_default(),
            failed_at: format_time_vn(d.failed_at_micros),
            created_at: d.created_at,
            open: false,
            error: None,
            reason: String::new(),
        })
        .collect();
    Ok(ExchangePage {
        l: Layout::for_actor("Trao đổi dữ liệu (LGSP)", actor, "/exchange"),
        can_operate: can_operate_exchange(actor.role),
        flash: None,
        error: None,
        queues,
        subscriptions,
        dead,
        filter_subscriber: subscriber.to_string(),
        filter_service: service.to_string(),
        filtered: !subscriber.is_empty() || !service.is_empty(),
        next_href: page
            .next_before_id
            .map(|b| format!("{}#thu-loi", page_href(subscriber, service, Some(b)))),
        first_href: before_id.map(|_| format!("{}#thu-loi", page_href(subscriber, service, None))),
        all_error: None,
        all_reason: String::new(),
    })
}

pub async fn page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    query: Result<Query<ExchangeQuery>, QueryRejection>,
) -> Response {
    if !can_read_exchange(actor.role) {
        return forbidden(&actor, "xem trang trao đổi dữ liệu");
    }
    let q = match query {
        Ok(Query(q)) => q,
        Err(rej) => return bad_query(&rej),
    };
    let subscriber = non_empty(q.subscriber.as_deref()).unwrap_or_default();
    let service = non_empty(q.service.as_deref()).unwrap_or_default();
    let mut page = match build(&state, &actor, subscriber, service, q.before_id).await {
        Ok(p) => p,
        Err(e) => return domain_error_page(&e),
    };
    let n = q.n.unwrap_or(0);
    page.flash = match q.done.as_deref() {
        Some("requeue") => Some("Đã đưa thư lỗi trở lại hàng đợi gửi; lý do đã được ghi nhật ký.".into()),
        Some("requeue_all") => Some(format!(
            "Đã đưa {n} thư lỗi trở lại hàng đợi gửi; lý do đã được ghi nhật ký cho từng thư."
        )),
        Some("enable") => Some("Đã bật đăng ký nhận tin; bên nhận sẽ nhận tiếp từ chỗ đã dừng.".into()),
        Some("disable") => Some(
            "Đã tắt đăng ký nhận tin: không xếp thêm và không gửi thư cho bên nhận này cho đến khi bật lại.".into(),
        ),
        _ => None,
    };
    html(StatusCode::OK, page.render())
}

/// The enable/disable button's form.
#[derive(Debug, Default, Deserialize)]
pub struct EnabledForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub subscriber: String,
    #[serde(default)]
    pub service: String,
    /// `1` to enable, anything else to disable.
    #[serde(default)]
    pub enabled: String,
}

impl CsrfProtected for EnabledForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

pub async fn set_enabled(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PageActor(actor): PageActor,
    form: Result<Form<EnabledForm>, FormRejection>,
) -> Response {
    let f = match accept_form(&actor, form) {
        Ok(f) => f,
        Err(refused) => return refused,
    };
    if !can_operate_exchange(actor.role) {
        return forbidden(&actor, "bật, tắt đăng ký nhận tin");
    }
    let enabled = f.enabled == "1";
    match state
        .app
        .exchange_set_subscription_enabled(Some(&actor), &meta, &f.subscriber, &f.service, enabled)
        .await
    {
        Ok(_) => Redirect::to(if enabled {
            "/exchange?done=enable"
        } else {
            "/exchange?done=disable"
        })
        .into_response(),
        Err(e) => domain_error_page(&e),
    }
}

/// A requeue form (one dead letter, or all of a subscriber's).
#[derive(Debug, Default, Deserialize)]
pub struct RequeueForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub reason: String,
    /// Requeue all: the subscriber (and service) whose dead letters to requeue.
    #[serde(default)]
    pub subscriber: String,
    #[serde(default)]
    pub service: String,
}

impl CsrfProtected for RequeueForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

async fn refused_form(
    state: &AppState,
    actor: &Actor,
    f: &RequeueForm,
    e: DomainError,
    failed_form: Option<i64>,
) -> Response {
    let status = crate::error::status_of(e.kind);
    let mut page = match build(state, actor, f.subscriber.trim(), f.service.trim(), None).await {
        Ok(p) => p,
        Err(e) => return domain_error_page(&e),
    };
    match failed_form.and_then(|id| page.dead.iter_mut().find(|d| d.id == id)) {
        Some(d) => {
            d.open = true;
            d.error = Some(e.message);
            d.reason = f.reason.clone();
        }
        None if failed_form.is_none() => {
            page.all_error = Some(e.message);
            page.all_reason = f.reason.clone();
        }
        None => page.error = Some(e.message),
    }
    html(status, page.render())
}

pub async fn requeue(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PageActor(actor): PageActor,
    Path(raw): Path<String>,
    form: Result<Form<RequeueForm>, FormRejection>,
) -> Response {
    let f = match accept_form(&actor, form) {
        Ok(f) => f,
        Err(refused) => return refused,
    };
    let Ok(id) = raw.parse::<i64>() else {
        return super::not_found_page(&format!("/exchange/dead-letters/{raw}/requeue"));
    };
    if !can_operate_exchange(actor.role) {
        return forbidden(&actor, "đưa thư lỗi trở lại hàng đợi");
    }
    match state
        .app
        .exchange_requeue(Some(&actor), &meta, id, &f.reason)
        .await
    {
        Ok(_) => Redirect::to("/exchange?done=requeue&n=1").into_response(),
        Err(e) => {
            let f = RequeueForm {
                subscriber: String::new(),
                service: String::new(),
                ..f
            };
            refused_form(&state, &actor, &f, e, Some(id)).await
        }
    }
}

pub async fn requeue_all(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PageActor(actor): PageActor,
    form: Result<Form<RequeueForm>, FormRejection>,
) -> Response {
    let f = match accept_form(&actor, form) {
        Ok(f) => f,
        Err(refused) => return refused,
    };
    if !can_operate_exchange(actor.role) {
        return forbidden(&actor, "đưa thư lỗi trở lại hàng đợi");
    }
    let service = non_empty(Some(&f.service));
    match state
        .app
        .exchange_requeue_all(Some(&actor), &meta, &f.subscriber, service, &f.reason)
        .await
    {
        Ok(done) => {
            Redirect::to(&format!("/exchange?done=requeue_all&n={}", done.len())).into_response()
        }
        Err(e) => refused_form(&state, &actor, &f, e, None).await,
    }
}
