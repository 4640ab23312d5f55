//! The procedure catalogue (`/api/v1/procedures`): public reads; administrators and ministry
//! staff create (POST) and replace (PUT) entries, audited as `procedure.upsert`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use tuphap_core::procedures::{AUTHORITY_LEVELS, LEVELS, ProcedureError, RECORD_KINDS};
use tuphap_domain::DomainError;
use tuphap_domain::online::catalogue::{ProcedureInput, ProcedureView, SaveMode};
use tuphap_store::procedures::ProcedureFilter;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, ApiJson, ApiPath, ApiQuery, Meta};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_procedures, create_procedure))
        .routes(routes!(get_procedure, put_procedure))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ProceduresQuery {
    /// Lĩnh vực, exactly as listed (e.g. "Hộ tịch").
    #[param(example = "Hộ tịch")]
    pub field: Option<String>,
    /// `full` (toàn trình) or `partial` (một phần).
    #[param(example = "full")]
    pub level: Option<String>,
    /// `commune`, `province` or `ministry`.
    #[param(example = "commune")]
    pub authority_level: Option<String>,
    /// The civil record kind the procedure leads to (`birth`, `death`, …).
    #[param(example = "birth")]
    pub record_kind: Option<String>,
    /// Also list entries taken out of the catalogue (default false).
    pub include_inactive: Option<bool>,
}

fn non_empty(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// Builds the store filter; an unknown level, authority level or record kind is a 400 that names
/// the parameter.
pub fn filter_of(q: ProceduresQuery) -> Result<ProcedureFilter, ApiError> {
    let bad = |e: ProcedureError| {
        let field = e.field();
        ApiError(DomainError::bad_request(&e).with_field(field))
    };
    let level = non_empty(q.level);
    if let Some(l) = &level
        && !LEVELS.contains(&l.as_str())
    {
        return Err(bad(ProcedureError::Level(l.clone())));
    }
    let authority_level = non_empty(q.authority_level);
    if let Some(a) = &authority_level
        && !AUTHORITY_LEVELS.contains(&a.as_str())
    {
        return Err(bad(ProcedureError::Authority(a.clone())));
    }
    let record_kind = non_empty(q.record_kind);
    if let Some(k) = &record_kind
        && !RECORD_KINDS.contains(&k.as_str())
    {
        return Err(bad(ProcedureError::RecordKind(k.clone())));
    }
    Ok(ProcedureFilter {
        field: non_empty(q.field),
        level,
        authority_level,
        record_kind,
        include_inactive: q.include_inactive.unwrap_or(false),
    })
}

/// The procedure catalogue (public, no login): every active entry, filtered by field, level,
/// authority level or record kind, ordered by field then code.
#[utoipa::path(
    get, path = "/api/v1/procedures", tag = "procedures",
    params(ProceduresQuery),
    responses(
        (status = 200, body = Vec<ProcedureView>, example = json!([{
            "code": "BTP-HT-KS", "name": "Đăng ký khai sinh", "field": "Hộ tịch",
            "level": "full", "level_label": "Toàn trình",
            "authority_level": "commune", "authority_label": "Cấp xã",
            "processing_days": 0,
            "processing_note": "Giải quyết ngay trong ngày; nhận sau 15 giờ thì trả kết quả trong ngày làm việc tiếp theo (Luật Hộ tịch Đ.5.3)",
            "fee_vnd": 0, "fee_note": "Miễn lệ phí khi đăng ký đúng hạn (Luật Hộ tịch Đ.11.1)",
            "required_documents": ["Tờ khai đăng ký khai sinh", "Giấy chứng sinh"],
            "form": "Tờ khai đăng ký khai sinh (Thông tư 04/2024/TT-BTP)",
            "legal_basis": "Luật Hộ tịch 2014 Đ.13–16",
            "record_kind": "birth", "record_kind_label": "Khai sinh",
            "online": true, "active": true,
            "updated_at": "2026-11-27T10:00:00Z", "updated_at_vn": "27/11/2026", "updated_by": null
        }])),
        (status = 400, body = ErrorBody),
    )
)]
async fn list_procedures(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ProceduresQuery>,
) -> Result<Json<Vec<ProcedureView>>, ApiError> {
    let filter = filter_of(q)?;
    Ok(Json(state.app.list_procedures(&filter).await?))
}

/// One entry of the catalogue (public, no login), active or not.
#[utoipa::path(
    get, path = "/api/v1/procedures/{code}", tag = "procedures",
    params(("code" = String, Path, example = "BTP-HT-KT")),
    responses(
        (status = 200, body = ProcedureView, example = json!({
            "code": "BTP-HT-KT", "name": "Đăng ký khai tử", "field": "Hộ tịch",
            "level": "full", "level_label": "Toàn trình",
            "authority_level": "commune", "authority_label": "Cấp xã",
            "processing_days": 0, "processing_note": "Giải quyết ngay trong ngày (Luật Hộ tịch Đ.34)",
            "fee_vnd": 0, "fee_note": "Miễn lệ phí khi đăng ký đúng hạn (Luật Hộ tịch Đ.11.1)",
            "required_documents": ["Tờ khai đăng ký khai tử", "Giấy báo tử hoặc giấy tờ thay thế giấy báo tử"],
            "form": "Tờ khai đăng ký khai tử (Thông tư 04/2024/TT-BTP)",
            "legal_basis": "Luật Hộ tịch 2014 Đ.32–34",
            "record_kind": "death", "record_kind_label": "Khai tử",
            "online": true, "active": true,
            "updated_at": "2026-11-27T10:00:00Z", "updated_at_vn": "27/11/2026", "updated_by": null
        })),
        (status = 404, body = ErrorBody),
    )
)]
async fn get_procedure(
    State(state): State<AppState>,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<ProcedureView>, ApiError> {
    Ok(Json(state.app.get_procedure(&code).await?))
}

/// Add a procedure to the catalogue (administrators and ministry staff). 409
/// `procedure_exists` when the code is taken.
#[utoipa::path(
    post, path = "/api/v1/procedures", tag = "procedures",
    security(("bearer" = [])),
    request_body(content = ProcedureInput, example = json!({
        "code": "BTP-TGPL-TV", "name": "Tư vấn pháp luật theo yêu cầu trợ giúp pháp lý",
        "field": "Trợ giúp pháp lý", "level": "partial", "authority_level": "province",
        "processing_days": 5, "processing_note": "", "fee_vnd": 0,
        "fee_note": "Miễn phí (Luật Trợ giúp pháp lý 2017)",
        "required_documents": ["Đơn yêu cầu trợ giúp pháp lý"],
        "form": "Đơn yêu cầu trợ giúp pháp lý", "legal_basis": "Luật Trợ giúp pháp lý 2017",
        "record_kind": null, "online": true, "active": true
    })),
    responses(
        (status = 201, body = ProcedureView, example = json!({
            "code": "BTP-TGPL-TV", "name": "Tư vấn pháp luật theo yêu cầu trợ giúp pháp lý",
            "field": "Trợ giúp pháp lý", "level": "partial", "level_label": "Một phần",
            "authority_level": "province", "authority_label": "Cấp tỉnh",
            "processing_days": 5, "processing_note": "", "fee_vnd": 0,
            "fee_note": "Miễn phí (Luật Trợ giúp pháp lý 2017)",
            "required_documents": ["Đơn yêu cầu trợ giúp pháp lý"],
            "form": "Đơn yêu cầu trợ giúp pháp lý", "legal_basis": "Luật Trợ giúp pháp lý 2017",
            "record_kind": null, "record_kind_label": null, "online": true, "active": true,
            "updated_at": "2026-11-27T10:05:00Z", "updated_at_vn": "27/11/2026", "updated_by": "bo.quantri"
        })),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody),
    )
)]
async fn create_procedure(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<ProcedureInput>,
) -> Result<(StatusCode, Json<ProcedureView>), ApiError> {
    let (view, _) = state
        .app
        .save_procedure(&actor, &meta, None, &input, SaveMode::Create)
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Create or replace the entry of `code` (administrators and ministry staff): 201 when created,
/// 200 when replaced. Edited entries are never overwritten by the shipped seed.
#[utoipa::path(
    put, path = "/api/v1/procedures/{code}", tag = "procedures",
    security(("bearer" = [])),
    params(("code" = String, Path, example = "BTP-HT-TTHN")),
    request_body(content = ProcedureInput, example = json!({
        "name": "Cấp Giấy xác nhận tình trạng hôn nhân", "field": "Hộ tịch",
        "level": "full", "authority_level": "commune", "processing_days": 3,
        "processing_note": "Giấy có giá trị 6 tháng", "fee_vnd": 15000,
        "fee_note": "Theo Nghị quyết của HĐND tỉnh",
        "required_documents": ["Tờ khai cấp Giấy xác nhận tình trạng hôn nhân"],
        "form": "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân (Thông tư 04/2024/TT-BTP)",
        "legal_basis": "Nghị định 123/2015/NĐ-CP Đ.21–23",
        "record_kind": "marital_status", "online": true, "active": true
    })),
    responses(
        (status = 200, body = ProcedureView, example = json!({
            "code": "BTP-HT-TTHN", "name": "Cấp Giấy xác nhận tình trạng hôn nhân",
            "field": "Hộ tịch", "level": "full", "level_label": "Toàn trình",
            "authority_level": "commune", "authority_label": "Cấp xã",
            "processing_days": 3, "processing_note": "Giấy có giá trị 6 tháng", "fee_vnd": 15000,
            "fee_note": "Theo Nghị quyết của HĐND tỉnh",
            "required_documents": ["Tờ khai cấp Giấy xác nhận tình trạng hôn nhân"],
            "form": "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân (Thông tư 04/2024/TT-BTP)",
            "legal_basis": "Nghị định 123/2015/NĐ-CP Đ.21–23",
            "record_kind": "marital_status", "record_kind_label": "Xác nhận tình trạng hôn nhân",
            "online": true, "active": true,
            "updated_at": "2026-11-27T10:05:00Z", "updated_at_vn": "27/11/2026", "updated_by": "bo.quantri"
        })),
        (status = 201, body = ProcedureView, example = json!({
            "code": "BTP-HT-TTHN", "name": "Cấp Giấy xác nhận tình trạng hôn nhân",
            "field": "Hộ tịch", "level": "full", "level_label": "Toàn trình",
            "authority_level": "commune", "authority_label": "Cấp xã",
            "processing_days": 3, "processing_note": "", "fee_vnd": null, "fee_note": "",
            "required_documents": [], "form": "", "legal_basis": "",
            "record_kind": "marital_status", "record_kind_label": "Xác nhận tình trạng hôn nhân",
            "online": true, "active": true,
            "updated_at": "2026-11-27T10:05:00Z", "updated_at_vn": "27/11/2026", "updated_by": "bo.quantri"
        })),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
async fn put_procedure(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiPath(code): ApiPath<String>,
    ApiJson(input): ApiJson<ProcedureInput>,
) -> Result<(StatusCode, Json<ProcedureView>), ApiError> {
    let (view, created) = state
        .app
        .save_procedure(&actor, &meta, Some(&code), &input, SaveMode::Upsert)
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(view)))
}
