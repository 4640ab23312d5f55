//! The officer's side of dossiers (`/api/v1/dossiers`, issue 7): the queue of an office with its
//! deadline colours, a dossier with its events, and the actions (accept, supplement request,
//! refuse, stop, apology). Staff bearer session. A malformed dossier code is a 400
//! (`dossier_code_bad_format`), a dossier of an office the caller may not see a 404, an action
//! by someone who may not act a 403, an action its status does not allow a 409
//! (`dossier_transition_invalid`), invalid input a 422.
//!
//! `PUT /api/v1/offices/{code}/dossier-unit-code`: administrators set the unit code that
//! prefixes an office's dossier codes.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use tuphap_core::dates::parse_date;
use tuphap_core::error::Coded;
use tuphap_domain::online::dossier_office::{
    DossierQueue, DossierQueueFilter, DossierSummary, OfficeDossierView, OfficeUnitCode,
    parse_code, summary,
};
use tuphap_domain::{App, DomainError, ErrorKind};
use tuphap_store::dossiers::DossierRow;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, ApiJson, ApiPath, ApiQuery, Meta};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_dossiers))
        .routes(routes!(get_dossier))
        .routes(routes!(accept))
        .routes(routes!(supplement_request))
        .routes(routes!(refuse))
        .routes(routes!(stop))
        .routes(routes!(apology))
        .routes(routes!(set_unit_code))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct QueueQuery {
    /// The office (`offices.code`); default the caller's own. Province and ministry staff may
    /// name an office of their scope.
    #[param(example = "UBND-00004")]
    pub office: Option<String>,
    /// `open` (default), `all`, or one status.
    #[param(example = "open")]
    pub status: Option<String>,
    /// A deadline colour of open dossiers: `waiting`, `overdue`, `due_soon`, `on_track`, `paused`.
    #[param(example = "overdue")]
    pub band: Option<String>,
    /// `next_after` of the previous page.
    #[param(example = "2026-12-02~41")]
    pub after: Option<String>,
    /// 1–200, default 50.
    #[param(example = 50)]
    pub limit: Option<u32>,
}

fn summary_example() -> serde_json::Value {
    serde_json::json!({
        "code": "000.00.31.H13-261127-0001", "procedure_code": "BTP-HT-KS",
        "procedure_name": "Đăng ký khai sinh", "applicant_name": "Nguyễn Văn An",
        "applicant_personal_id": "001090012345", "status": "received",
        "status_label": "Được tiếp nhận", "channel": 2, "submitted_on": "27/11/2026",
        "received_on": "27/11/2026", "due_on": "2026-11-27", "due_on_vn": "27/11/2026",
        "reappointed_on": null, "reappointed_on_vn": null, "deadline": "due_soon",
        "deadline_label": "Đến hạn hôm nay", "late": false, "supplement_count": 0
    })
}

/// The queue of an office, ordered by appointment date (the Form 04 date, else the due date;
/// dossiers not yet received first), with the counts of open dossiers per deadline colour:
/// `overdue` (red), `due_soon` (amber: today or the next working day), `on_track` (green),
/// `paused` (grey: waiting for a supplement), `waiting` (not received). Keyset-paged.
#[utoipa::path(
    get, path = "/api/v1/dossiers", tag = "dossiers",
    security(("bearer" = [])),
    params(QueueQuery),
    responses(
        (status = 200, body = DossierQueue, example = json!({
            "office_code": "UBND-00004", "office_name": "UBND phường Ba Đình",
            "today": "2026-11-27",
            "counts": {"waiting": 1, "overdue": 0, "due_soon": 1, "on_track": 4, "paused": 1},
            "items": [summary_example()],
            "next_after": null
        })),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    )
)]
async fn list_dossiers(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<QueueQuery>,
) -> Result<Json<DossierQueue>, ApiError> {
    let filter = DossierQueueFilter {
        office: q.office,
        status: q.status,
        band: q.band,
        after: q.after,
        limit: q.limit,
    };
    Ok(Json(
        state
            .app
            .office_dossier_queue(&actor, &filter, tuphap_store::now_utc())
            .await?,
    ))
}

/// A dossier with its events (who, when, status and due date before and after), its files and
/// application, and the actions the caller may take now. The read is audited.
#[utoipa::path(
    get, path = "/api/v1/dossiers/{code}", tag = "dossiers",
    security(("bearer" = [])),
    params(("code" = String, Path, example = "000.00.31.H13-261127-0001")),
    responses(
        (status = 200, body = OfficeDossierView, example = json!({
            "summary": summary_example(),
            "office_code": "UBND-00004", "office_name": "UBND phường Ba Đình",
            "processing_days": 0, "paused_days": 0, "paused_since": null,
            "copies": 1, "fee_vnd": 8000,
            "application": {"child": {"full_name": "Nguyễn Minh Khôi", "sex": "male", "date_of_birth": "2026-11-20"}},
            "record_kind": "birth",
            "events": [
                {"kind": "submitted", "kind_label": "Nộp hồ sơ trực tuyến", "at": "2026-11-27T01:00:00Z",
                 "at_vn": "27/11/2026 08:00", "by": "Công dân (người nộp hồ sơ)", "status_before": null,
                 "status_after": "submitted", "status_after_label": "Mới đăng ký",
                 "due_before_vn": null, "due_after_vn": null, "details": {"channel": 2}},
                {"kind": "received", "kind_label": "Tiếp nhận hồ sơ", "at": "2026-11-27T02:15:00Z",
                 "at_vn": "27/11/2026 09:15", "by": "Cán bộ canbo.badinh", "status_before": "submitted",
                 "status_after": "received", "status_after_label": "Được tiếp nhận",
                 "due_before_vn": null, "due_after_vn": "27/11/2026", "details": {"processing_days": 0}}
            ],
            "files": [{"id": 7, "component": "Giấy chứng sinh", "file_name": "giay-chung-sinh.pdf",
                       "content_type": "application/pdf", "size_bytes": 48213, "scan_status": "clean"}],
            "actions": ["supplement_request", "refuse", "stop", "apology"]
        })),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
async fn get_dossier(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<OfficeDossierView>, ApiError> {
    Ok(Json(
        state
            .app
            .office_dossier_view(&actor, &meta, &code, tuphap_store::now_utc())
            .await?,
    ))
}

async fn summary_now(app: &App, d: &DossierRow) -> Result<DossierSummary, ApiError> {
    let cal = app.working_calendar().await?;
    let today = tuphap_core::dossier::vn_date(tuphap_store::now_utc());
    Ok(summary(d, today, cal.add_working_days(today, 1)))
}

/// Receive a submitted dossier (Form 01): the due date is computed from now (working days,
/// 15:00 cut-off).
#[utoipa::path(
    post, path = "/api/v1/dossiers/{code}/accept", tag = "dossiers",
    security(("bearer" = [])),
    params(("code" = String, Path, example = "000.00.31.H13-261127-0001")),
    responses(
        (status = 200, body = DossierSummary, example = json!(summary_example())),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, example = json!({
            "code": "dossier_transition_invalid",
            "message": "Hồ sơ đang ở trạng thái \u{201c}Được tiếp nhận\u{201d}, không thể tiếp nhận."
        })),
    )
)]
async fn accept(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<DossierSummary>, ApiError> {
    let code = parse_code(&code)?;
    let d = state
        .app
        .accept_dossier(&actor, &meta, &code, tuphap_store::now_utc())
        .await?;
    Ok(Json(summary_now(&state.app, &d).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupplementRequestBody {
    /// What the citizen must supplement (Form 02), 1–50 items.
    pub missing: Vec<String>,
}

/// Ask the citizen to supplement the dossier (Form 02): the clock stops until the answer; a
/// second request makes the dossier late.
#[utoipa::path(
    post, path = "/api/v1/dossiers/{code}/supplement-request", tag = "dossiers",
    security(("bearer" = [])),
    params(("code" = String, Path, example = "000.00.31.H13-261127-0001")),
    request_body(content = SupplementRequestBody, example = json!({
        "missing": ["Giấy chứng sinh bản chính", "Văn bản ủy quyền có chứng thực"]
    })),
    responses(
        (status = 200, body = DossierSummary, example = json!(summary_example())),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody, example = json!({
            "code": "dossier_supplement_items_required",
            "message": "Cần nêu các giấy tờ, thông tin cần bổ sung (từ 1 đến 50 mục, mỗi mục không quá 500 ký tự).",
            "field": "missing"
        })),
    )
)]
async fn supplement_request(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<SupplementRequestBody>,
) -> Result<Json<DossierSummary>, ApiError> {
    let code = parse_code(&code)?;
    let d = state
        .app
        .request_dossier_supplement(&actor, &meta, &code, &body.missing, tuphap_store::now_utc())
        .await?;
    Ok(Json(summary_now(&state.app, &d).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefuseBody {
    /// The reasons (Form 03), 1–50.
    pub reasons: Vec<String>,
}

/// Refuse the dossier with its reasons (Form 03).
#[utoipa::path(
    post, path = "/api/v1/dossiers/{code}/refuse", tag = "dossiers",
    security(("bearer" = [])),
    params(("code" = String, Path, example = "000.00.31.H13-261127-0001")),
    request_body(content = RefuseBody, example = json!({
        "reasons": ["Việc khai sinh đã được đăng ký tại UBND xã khác"]
    })),
    responses(
        (status = 200, body = DossierSummary, example = json!(summary_example())),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody),
    )
)]
async fn refuse(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<RefuseBody>,
) -> Result<Json<DossierSummary>, ApiError> {
    let code = parse_code(&code)?;
    let d = state
        .app
        .refuse_dossier(&actor, &meta, &code, &body.reasons, tuphap_store::now_utc())
        .await?;
    Ok(Json(summary_now(&state.app, &d).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StopBody {
    /// Why processing stops (1–1000 characters).
    pub reason: String,
}

/// Stop processing a received dossier (e.g. the citizen did not supplement it).
#[utoipa::path(
    post, path = "/api/v1/dossiers/{code}/stop", tag = "dossiers",
    security(("bearer" = [])),
    params(("code" = String, Path, example = "000.00.31.H13-261127-0001")),
    request_body(content = StopBody, example = json!({
        "reason": "Quá thời hạn bổ sung hồ sơ mà công dân không bổ sung"
    })),
    responses(
        (status = 200, body = DossierSummary, example = json!(summary_example())),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody),
    )
)]
async fn stop(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<StopBody>,
) -> Result<Json<DossierSummary>, ApiError> {
    let code = parse_code(&code)?;
    let d = state
        .app
        .stop_dossier(&actor, &meta, &code, &body.reason, tuphap_store::now_utc())
        .await?;
    Ok(Json(summary_now(&state.app, &d).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApologyBody {
    /// Why the result is late.
    pub reason: String,
    /// The new appointment, YYYY-MM-DD: a working day after the current one.
    pub new_due_on: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApologyOut {
    pub dossier: DossierSummary,
    /// The text of Form 04.
    pub letter: String,
}

/// Apologise for a dossier that is late or will be by the next working day, with a new
/// appointment (Form 04). 422 `dossier_apology_not_due` when the dossier is not at risk.
#[utoipa::path(
    post, path = "/api/v1/dossiers/{code}/apology", tag = "dossiers",
    security(("bearer" = [])),
    params(("code" = String, Path, example = "000.00.31.H13-261127-0001")),
    request_body(content = ApologyBody, example = json!({
        "reason": "Chờ kết quả xác minh của cơ quan công an", "new_due_on": "2026-12-04"
    })),
    responses(
        (status = 200, body = ApologyOut, example = json!({
            "dossier": summary_example(),
            "letter": "UBND phường Ba Đình\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n…\nPHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ\n…"
        })),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody, example = json!({
            "code": "dossier_apology_not_due",
            "message": "Hồ sơ hẹn trả ngày 10/12/2026, chưa có nguy cơ trễ hạn; chưa lập phiếu xin lỗi."
        })),
    )
)]
async fn apology(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<ApologyBody>,
) -> Result<Json<ApologyOut>, ApiError> {
    let code = parse_code(&code)?;
    let day = parse_date(body.new_due_on.trim()).map_err(|e| {
        ApiError(
            DomainError::new(
                ErrorKind::Unprocessable,
                "dossier_apology_date_invalid",
                e.message_vi(),
            )
            .with_field("new_due_on"),
        )
    })?;
    let a = state
        .app
        .apologize_for_dossier(
            &actor,
            &meta,
            &code,
            &body.reason,
            day,
            tuphap_store::now_utc(),
        )
        .await?;
    Ok(Json(ApologyOut {
        dossier: summary_now(&state.app, &a.dossier).await?,
        letter: a.letter,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitCodeBody {
    /// Circular 10/2016/TT-BTTTT, `DDD.DD.DD.LDD`.
    pub unit_code: String,
}

/// Set the unit code (Circular 10/2016/TT-BTTTT) that prefixes an office's dossier codes
/// (administrators). Audited as `dossier.unit_code`.
#[utoipa::path(
    put, path = "/api/v1/offices/{code}/dossier-unit-code", tag = "dossiers",
    security(("bearer" = [])),
    params(("code" = String, Path, example = "UBND-00004")),
    request_body(content = UnitCodeBody, example = json!({"unit_code": "000.00.31.H13"})),
    responses(
        (status = 200, body = OfficeUnitCode, example = json!({
            "office_code": "UBND-00004", "office_name": "UBND phường Ba Đình",
            "unit_code": "000.00.31.H13"
        })),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, example = json!({
            "code": "dossier_unit_code_bad_format",
            "message": "Mã định danh cơ quan \u{201c}H13\u{201d} không đúng dạng DDD.DD.DD.LDD (Thông tư 10/2016/TT-BTTTT).",
            "field": "unit_code"
        })),
    )
)]
async fn set_unit_code(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<UnitCodeBody>,
) -> Result<Json<OfficeUnitCode>, ApiError> {
    state
        .app
        .set_dossier_unit_code(&actor, &meta, &code, &body.unit_code)
        .await?;
    let all = state.app.office_unit_codes(&actor).await?;
    all.into_iter()
        .find(|o| o.office_code == code.trim())
        .map(Json)
        .ok_or_else(|| ApiError(DomainError::internal()))
}
