//! The exchange platform's outbox for operators: subscriptions of partner subsystems, dead
//! letters and their requeue, queue counts; and the outbox gauges of `/metrics`.
//!
//! A subscriber's X-Road id contains slashes (`VN/GOV/BCA/CSDLQGDC`), so a subscription is
//! always named by the query parameters `subscriber` and `service`, never by path segments.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use tuphap_domain::exchange::outbox::{
    DeadLetterFilter, DeadLetterPage, QueueStats, RequeuedView, SubscriptionInput,
    SubscriptionSaved, SubscriptionView,
};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, ApiJson, ApiPath, ApiQuery, Meta};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_subscriptions, put_subscription))
        .routes(routes!(set_enabled))
        .routes(routes!(dead_letters))
        .routes(routes!(requeue))
        .routes(routes!(requeue_all))
        .routes(routes!(stats))
}

/// Names one subscription.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionKey {
    /// X-Road id of the subscriber, `INSTANCE/CLASS/MEMBER/SUBSYSTEM`.
    #[param(example = "VN/GOV/BCA/CSDLQGDC")]
    pub subscriber: String,
    #[param(example = "civil-events")]
    pub service: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnabledRequest {
    pub enabled: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequeueRequest {
    /// Why the message may now be delivered (required, audited).
    #[schema(example = "Đối tác đã sửa lỗi tiếp nhận, xác nhận qua công văn 12/BCA-C06")]
    pub reason: String,
}

/// Subscriptions, in order of subscriber and service (administrators, ministry).
#[utoipa::path(
    get, path = "/api/v1/exchange/subscriptions", tag = "exchange",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<SubscriptionView>, example = json!([{
            "subscriber": "VN/GOV/BCA/CSDLQGDC", "service": "civil-events",
            "takes": "birth:registered,death:registered",
            "endpoint_url": "http://ss.btp.gov.vn/r1/VN/GOV/BCA/CSDLQGDC/civilEvents",
            "enabled": true, "fed_up_to": 1840, "created_at": "2026-11-27T02:00:00Z"
        }])),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    )
)]
async fn list_subscriptions(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<SubscriptionView>>, ApiError> {
    Ok(Json(state.app.exchange_subscriptions(Some(&actor)).await?))
}

/// Registers a subscription, or updates its `takes`, endpoint and `enabled` (administrators).
///
/// A new subscription receives the changes recorded from now on (`from_beginning: true`: the
/// whole change log); an existing one keeps its place. Audited as
/// `exchange.subscription.upsert`. 201 when created, 200 when updated.
#[utoipa::path(
    put, path = "/api/v1/exchange/subscriptions", tag = "exchange",
    security(("bearer" = [])),
    request_body(content = SubscriptionInput, example = json!({
        "subscriber": "VN/GOV/BCA/CSDLQGDC", "service": "civil-events",
        "takes": "birth:registered,death:registered",
        "endpoint_url": "http://ss.btp.gov.vn/r1/VN/GOV/BCA/CSDLQGDC/civilEvents",
        "enabled": true
    })),
    responses(
        (status = 200, description = "Đã cập nhật", body = SubscriptionSaved, example = json!({
            "created": false, "subscription": {
                "subscriber": "VN/GOV/BCA/CSDLQGDC", "service": "civil-events",
                "takes": "birth:registered,death:registered",
                "endpoint_url": "http://ss.btp.gov.vn/r1/VN/GOV/BCA/CSDLQGDC/civilEvents",
                "enabled": true, "fed_up_to": 18240, "created_at": "2026-11-27T08:00:00Z"
            }
        })),
        (status = 201, description = "Đã tạo", body = SubscriptionSaved, example = json!({
            "created": true, "subscription": {
                "subscriber": "VN/GOV/BCA/CSDLQGDC", "service": "civil-events",
                "takes": "birth:registered,death:registered",
                "endpoint_url": "http://ss.btp.gov.vn/r1/VN/GOV/BCA/CSDLQGDC/civilEvents",
                "enabled": true, "fed_up_to": 18240, "created_at": "2026-11-27T08:00:00Z"
            }
        })),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Không phải quản trị hệ thống", body = ErrorBody),
        (status = 422, description = "Mã bên nhận (`exchange_subscriber_invalid`), tên dịch vụ (`exchange_service_invalid`), mẫu thay đổi (`exchange_takes_invalid`) hoặc địa chỉ nhận (`exchange_endpoint_invalid`) không hợp lệ; trường lạ hoặc thiếu (`json_invalid_data`)", body = ErrorBody),
    )
)]
async fn put_subscription(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<SubscriptionInput>,
) -> Result<(StatusCode, Json<SubscriptionSaved>), ApiError> {
    let saved = state
        .app
        .exchange_upsert_subscription(Some(&actor), &meta, input)
        .await?;
    let status = if saved.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(saved)))
}

/// Enables or disables a subscription (administrators). Disabled, it is neither fed nor
/// delivered to; enabled again, it catches up from where it stopped. Audited as
/// `exchange.subscription.enable` / `exchange.subscription.disable`.
#[utoipa::path(
    put, path = "/api/v1/exchange/subscriptions/enabled", tag = "exchange",
    security(("bearer" = [])),
    params(SubscriptionKey),
    request_body(content = EnabledRequest, example = json!({"enabled": false})),
    responses(
        (status = 200, body = SubscriptionView, example = json!({
            "subscriber": "VN/GOV/BCA/CSDLQGDC", "service": "civil-events",
            "takes": "birth:registered,death:registered",
            "endpoint_url": "http://ss.btp.gov.vn/r1/VN/GOV/BCA/CSDLQGDC/civilEvents",
            "enabled": false, "fed_up_to": 18240, "created_at": "2026-11-27T08:00:00Z"
        })),
        (status = 400, description = "Thiếu `subscriber` hoặc `service` (`query_invalid`)", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "Không có đăng ký này (`exchange_subscription_not_found`)", body = ErrorBody),
    )
)]
async fn set_enabled(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiQuery(key): ApiQuery<SubscriptionKey>,
    ApiJson(req): ApiJson<EnabledRequest>,
) -> Result<Json<SubscriptionView>, ApiError> {
    Ok(Json(
        state
            .app
            .exchange_set_subscription_enabled(
                Some(&actor),
                &meta,
                &key.subscriber,
                &key.service,
                req.enabled,
            )
            .await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DeadLetterQuery {
    /// Only this subscriber's.
    #[param(example = "VN/GOV/BCA/CSDLQGDC")]
    pub subscriber: Option<String>,
    /// Only this service's.
    pub service: Option<String>,
    /// Only ids below this (`next_before_id` of the previous page).
    pub before_id: Option<i64>,
    /// 1–500, default 100.
    pub limit: Option<i64>,
}

/// Dead letters, newest first: messages out of attempts or refused for good by the receiver,
/// held until an operator requeues them (administrators, ministry). A dead letter also holds
/// back the later messages of its record (`ordering_key`).
#[utoipa::path(
    get, path = "/api/v1/exchange/dead-letters", tag = "exchange",
    security(("bearer" = [])),
    params(DeadLetterQuery),
    responses(
        (status = 200, body = DeadLetterPage, example = json!({
            "items": [{
                "id": 412, "subscriber": "VN/GOV/BCA/CSDLQGDC", "service": "civil-events",
                "message_id": "tuphap-1840-civil-events", "ordering_key": "civil_record/291",
                "change_seq": 1840, "attempts": 10,
                "last_error": "HTTP 400: Client.InvalidBody: thiếu trường birth_province",
                "created_at": "2026-11-27T02:00:00Z", "failed_at": "2026-11-27T03:10:00Z"
            }],
            "next_before_id": null
        })),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, description = "`limit` ngoài 1–500 (`limit_out_of_range`)", body = ErrorBody),
    )
)]
async fn dead_letters(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<DeadLetterQuery>,
) -> Result<Json<DeadLetterPage>, ApiError> {
    let filter = DeadLetterFilter {
        subscriber: q.subscriber,
        service: q.service,
        before_id: q.before_id,
        limit: q.limit,
    };
    Ok(Json(
        state
            .app
            .exchange_dead_letters(Some(&actor), &filter)
            .await?,
    ))
}

/// Puts a dead letter back in the queue (attempts reset, due now) with a reason, in one
/// transaction with the audit entry `exchange.requeue` (reason, previous error and attempts).
/// Administrators.
#[utoipa::path(
    post, path = "/api/v1/exchange/dead-letters/{id}/requeue", tag = "exchange",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Outbox id of the dead letter")),
    request_body(content = RequeueRequest, example = json!({
        "reason": "Đối tác đã sửa lỗi tiếp nhận, xác nhận qua công văn 12/BCA-C06"
    })),
    responses(
        (status = 200, body = RequeuedView, example = json!({
            "id": 412, "subscriber": "VN/GOV/BCA/CSDLQGDC", "service": "civil-events",
            "message_id": "tuphap-1840-civil-events",
            "previous_error": "HTTP 400: Client.InvalidBody: thiếu trường birth_province",
            "previous_attempts": 10,
            "reason": "Đối tác đã sửa lỗi tiếp nhận, xác nhận qua công văn 12/BCA-C06",
            "audit_seq": 5810
        })),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "Không có thư này (`exchange_message_not_found`)", body = ErrorBody),
        (status = 409, description = "Thư không ở hàng lỗi (`exchange_message_not_dead`)", body = ErrorBody),
        (status = 422, description = "Thiếu lý do (`exchange_reason_required`)", body = ErrorBody),
    )
)]
async fn requeue(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<RequeueRequest>,
) -> Result<Json<RequeuedView>, ApiError> {
    Ok(Json(
        state
            .app
            .exchange_requeue(Some(&actor), &meta, id, &req.reason)
            .await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RequeueAllQuery {
    #[param(example = "VN/GOV/BCA/CSDLQGDC")]
    pub subscriber: String,
    /// Only this service's dead letters.
    pub service: Option<String>,
}

/// Puts every dead letter of a subscriber (and service) back in the queue, each audited with
/// the reason; at most 10,000 per call. Administrators.
#[utoipa::path(
    post, path = "/api/v1/exchange/dead-letters/requeue", tag = "exchange",
    security(("bearer" = [])),
    params(RequeueAllQuery),
    request_body(content = RequeueRequest, example = json!({
        "reason": "Đối tác đã sửa lỗi tiếp nhận, xác nhận qua công văn 12/BCA-C06"
    })),
    responses(
        (status = 200, body = Vec<RequeuedView>, example = json!([{
            "id": 412, "subscriber": "VN/GOV/BCA/CSDLQGDC", "service": "civil-events",
            "message_id": "tuphap-1840-civil-events",
            "previous_error": "HTTP 503: Server.ServerProxy.ServiceUnavailable",
            "previous_attempts": 10,
            "reason": "Đối tác đã sửa lỗi tiếp nhận, xác nhận qua công văn 12/BCA-C06",
            "audit_seq": 5810
        }])),
        (status = 400, description = "Thiếu `subscriber` (`query_invalid`)", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, description = "Thiếu lý do (`exchange_reason_required`), mã bên nhận sai (`exchange_subscriber_invalid`)", body = ErrorBody),
    )
)]
async fn requeue_all(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<RequeueAllQuery>,
    ApiJson(req): ApiJson<RequeueRequest>,
) -> Result<Json<Vec<RequeuedView>>, ApiError> {
    Ok(Json(
        state
            .app
            .exchange_requeue_all(
                Some(&actor),
                &meta,
                &q.subscriber,
                q.service.as_deref(),
                &req.reason,
            )
            .await?,
    ))
}

/// Per queue (subscriber, service): pending, in flight, delivered, dead, retrying, attempts,
/// age of the oldest undelivered message and the latest error (administrators, ministry).
#[utoipa::path(
    get, path = "/api/v1/exchange/outbox/stats", tag = "exchange",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<QueueStats>, example = json!([{
            "subscriber": "VN/GOV/BCA/CSDLQGDC", "service": "civil-events", "enabled": true,
            "pending": 12, "delivering": 2, "delivered": 1830, "dead": 1, "retrying": 3,
            "undelivered_attempts": 17, "oldest_undelivered_seconds": 185,
            "oldest_undelivered_age": "3 phút",
            "last_error": "HTTP 503: Server.ServerProxy.ServiceUnavailable"
        }])),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    )
)]
async fn stats(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<QueueStats>>, ApiError> {
    Ok(Json(state.app.exchange_outbox_stats(Some(&actor)).await?))
}

/// Longest time `/metrics` waits for the outbox counts before leaving them out.
const METRICS_BUDGET: std::time::Duration = std::time::Duration::from_secs(2);

fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The outbox gauges, read from the store at scrape time (one grouped query, within
/// [`METRICS_BUDGET`]; nothing when the store does not answer in time):
/// `tuphap_exchange_outbox_messages{subscriber,service,status}` and
/// `tuphap_exchange_oldest_pending_seconds{subscriber,service}` (0 when nothing waits).
pub async fn metrics_text(state: &AppState) -> String {
    let read = async {
        let subs = state.app.store.subscriptions().await?;
        let stats = state.app.store.outbox_service_stats().await?;
        Ok::<_, tuphap_store::StoreError>(tuphap_domain::exchange::outbox::queue_stats(
            &subs,
            stats,
            tuphap_store::now_utc(),
        ))
    };
    let rows = match tokio::time::timeout(METRICS_BUDGET, read).await {
        Ok(Ok(rows)) => rows,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "outbox metrics unavailable");
            return String::new();
        }
        Err(_) => {
            tracing::warn!("outbox metrics took too long; left out of this scrape");
            return String::new();
        }
    };
    let mut out = String::from(
        "# HELP tuphap_exchange_outbox_messages Outbox messages per subscriber, service and status.\n# TYPE tuphap_exchange_outbox_messages gauge\n",
    );
    for r in &rows {
        let (sub, svc) = (label(&r.subscriber), label(&r.service));
        for (status, n) in [
            ("pending", r.pending),
            ("delivering", r.delivering),
            ("delivered", r.delivered),
            ("dead", r.dead),
        ] {
            out.push_str(&format!(
                "tuphap_exchange_outbox_messages{{subscriber=\"{sub}\",service=\"{svc}\",status=\"{status}\"}} {n}\n"
            ));
        }
    }
    out.push_str("# HELP tuphap_exchange_oldest_pending_seconds Age of the oldest undelivered (pending or in-flight) message, 0 when none.\n# TYPE tuphap_exchange_oldest_pending_seconds gauge\n");
    for r in &rows {
        out.push_str(&format!(
            "tuphap_exchange_oldest_pending_seconds{{subscriber=\"{}\",service=\"{}\"}} {}\n",
            label(&r.subscriber),
            label(&r.service),
            r.oldest_undelivered_seconds.unwrap_or(0)
        ));
    }
    out
}
