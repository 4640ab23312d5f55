//! `GET /api/v1/indicators`: the Decision 766 indicators of the online public services
//! (`tuphap_domain::online::indicators`). National and per-province figures are public; per-office
//! figures need a login and stay within the caller's office scope.

use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::header;
use axum::http::request::Parts;
use serde::Deserialize;
use tuphap_core::dates::parse_date;
use tuphap_domain::online::indicators::{
    GroupBy, IndicatorFilter, IndicatorReport, default_period,
};
use tuphap_domain::{Actor, DomainError, ErrorKind};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, ApiQuery, SESSION_COOKIE, cookie};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_indicators))
}

/// The caller if credentials were sent (a bearer token or the session cookie), else the public.
/// Credentials that do not authenticate are a 401, not a silent downgrade.
pub struct OptionalApiActor(pub Option<Actor>);

impl FromRequestParts<AppState> for OptionalApiActor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let sent = parts.headers.contains_key(header::AUTHORIZATION)
            || cookie(&parts.headers, SESSION_COOKIE).is_some();
        if !sent {
            return Ok(OptionalApiActor(None));
        }
        let ApiActor(a) = ApiActor::from_request_parts(parts, state).await?;
        Ok(OptionalApiActor(Some(a)))
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct IndicatorsQuery {
    /// First day of the period (`YYYY-MM-DD`, Vietnam time); default 89 days before `to`'s
    /// default, today.
    #[param(example = "2026-09-01")]
    pub from: Option<String>,
    /// Last day of the period, included (`YYYY-MM-DD`); default today.
    #[param(example = "2026-11-30")]
    pub to: Option<String>,
    /// A province (current 2-digit code): its offices only.
    #[param(example = "01")]
    pub province: Option<String>,
    /// One office (its code; needs a login, within your scope).
    #[param(example = "00004")]
    pub office: Option<String>,
    /// `province` (default, public) or `office` (needs a login).
    #[param(example = "province")]
    pub group_by: Option<String>,
}

fn non_empty(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// Builds the filter; a malformed date is a 400 (`date_bad_format`, `date_invalid`) naming the
/// parameter, an unknown grouping a 400 `indicators_group_by_invalid`.
pub fn filter_of(q: IndicatorsQuery) -> Result<IndicatorFilter, ApiError> {
    let date = |v: Option<String>, field: &str| -> Result<Option<time::Date>, ApiError> {
        match non_empty(v) {
            None => Ok(None),
            Some(s) => parse_date(&s)
                .map(Some)
                .map_err(|e| ApiError(DomainError::bad_request(&e).with_field(field))),
        }
    };
    let (default_from, default_to) = default_period(tuphap_store::now_utc());
    let to = date(q.to, "to")?.unwrap_or(default_to);
    let from = date(q.from, "from")?.unwrap_or_else(|| {
        if to == default_to {
            default_from
        } else {
            to - time::Duration::days(89)
        }
    });
    let group_by = match non_empty(q.group_by) {
        None => GroupBy::Province,
        Some(g) => GroupBy::parse(&g).ok_or_else(|| {
            ApiError(
                DomainError::new(
                    ErrorKind::BadRequest,
                    "indicators_group_by_invalid",
                    format!(
                        "Cách nhóm \u{201c}{g}\u{201d} không hợp lệ: dùng province (theo tỉnh) hoặc office (theo cơ quan)."
                    ),
                )
                .with_field("group_by"),
            )
        })?,
    };
    Ok(IndicatorFilter {
        from,
        to,
        province: non_empty(q.province),
        office: non_empty(q.office),
        group_by,
    })
}

/// Decision 766 indicators for a period (Vietnam days, both ends included): on-time rate (2.1),
/// online submission (3.3), full-process online (3.3), electronic results (4.1), digitisation
/// (4.2), online payment (3.6), satisfaction (5.4), each with numerator, denominator and target,
/// per province (public) or per office (login, within your scope), and the total.
#[utoipa::path(
    get, path = "/api/v1/indicators", tag = "procedures",
    params(IndicatorsQuery),
    responses(
        (status = 200, body = IndicatorReport, example = json!({
            "from": "2026-09-01", "to": "2026-11-30", "period_vn": "01/09/2026 – 30/11/2026",
            "group_by": "province",
            "groups": [{
                "code": "01", "name": "Thành phố Hà Nội",
                "counts": {
                    "received": 120, "received_online": 84, "finished": 110,
                    "finished_on_time": 106, "settled": 100, "settled_e_result": 92,
                    "settled_digitised": 90, "settled_fully_online": 70, "fee_bearing": 30,
                    "fee_paid_online": 21, "finished_disliked": 3
                },
                "indicators": [
                    {"key": "on_time", "number": "2.1", "label": "Hồ sơ giải quyết đúng hạn",
                     "numerator": 106, "denominator": 110, "percent": 96.36,
                     "target_percent": 98.0, "meets_target": false},
                    {"key": "online", "number": "3.3", "label": "Hồ sơ nộp trực tuyến",
                     "numerator": 84, "denominator": 120, "percent": 70.0,
                     "target_percent": 50.0, "meets_target": true},
                    {"key": "satisfaction", "number": "5.4", "label": "Mức độ hài lòng",
                     "numerator": 103, "denominator": 110, "percent": 93.64,
                     "target_percent": 90.0, "meets_target": true}
                ]
            }],
            "total": {
                "code": "national", "name": "Toàn quốc",
                "counts": {
                    "received": 120, "received_online": 84, "finished": 110,
                    "finished_on_time": 106, "settled": 100, "settled_e_result": 92,
                    "settled_digitised": 90, "settled_fully_online": 70, "fee_bearing": 30,
                    "fee_paid_online": 21, "finished_disliked": 3
                },
                "indicators": [
                    {"key": "on_time", "number": "2.1", "label": "Hồ sơ giải quyết đúng hạn",
                     "numerator": 106, "denominator": 110, "percent": 96.36,
                     "target_percent": 98.0, "meets_target": false}
                ]
            }
        })),
        (status = 400, body = ErrorBody, example = json!({
            "code": "date_bad_format",
            "message": "Ngày \u{201c}30/11/2026\u{201d} không đúng định dạng YYYY-MM-DD (ví dụ 2026-01-05).",
            "field": "to", "request_id": "01J9Z3K6S8TQ4M2W7X5R1B0C9D"
        })),
        (status = 401, body = ErrorBody, example = json!({
            "code": "auth_required",
            "message": "Số liệu từng cơ quan dành cho cán bộ: hãy đăng nhập. Số liệu toàn quốc và từng tỉnh được công khai.",
            "field": null, "request_id": "01J9Z3K6S8TQ4M2W7X5R1B0C9D"
        })),
        (status = 403, body = ErrorBody, example = json!({
            "code": "indicators_scope_forbidden",
            "message": "Chỉ xem được số liệu từng cơ quan trong phạm vi quản lý của cơ quan mình (Bộ: mọi cơ quan; Sở Tư pháp: các cơ quan trong tỉnh; UBND xã: cơ quan mình).",
            "field": null, "request_id": "01J9Z3K6S8TQ4M2W7X5R1B0C9D"
        })),
        (status = 404, body = ErrorBody, example = json!({
            "code": "province_unknown",
            "message": "Không có tỉnh, thành phố mã \u{201c}99\u{201d} đang có hiệu lực.",
            "field": "province", "request_id": "01J9Z3K6S8TQ4M2W7X5R1B0C9D"
        })),
        (status = 422, body = ErrorBody, example = json!({
            "code": "indicators_period_invalid",
            "message": "Kỳ báo cáo phải có ngày bắt đầu không sau ngày kết thúc và dài không quá 1098 ngày.",
            "field": "from", "request_id": "01J9Z3K6S8TQ4M2W7X5R1B0C9D"
        })),
    )
)]
async fn get_indicators(
    State(state): State<AppState>,
    OptionalApiActor(actor): OptionalApiActor,
    ApiQuery(q): ApiQuery<IndicatorsQuery>,
) -> Result<Json<IndicatorReport>, ApiError> {
    let filter = filter_of(q)?;
    Ok(Json(
        state
            .app
            .dossier_indicators(actor.as_ref(), &filter)
            .await?,
    ))
}
