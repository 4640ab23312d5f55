//! `GET /api/v1/public/dossiers/{code}`: the public status of a dossier by its code, no login
//! (`tuphap_domain::online::public_status`: non-personal fields only; `id4`, the last 4 digits
//! of the applicant's personal ID, adds the masked name, missing items and refusal reasons;
//! rate limited per source address).

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use tuphap_domain::online::public_status::PublicDossier;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiPath, ApiQuery, Meta};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(public_dossier))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PublicDossierQuery {
    /// The last 4 digits of the applicant's personal ID (optional): unlocks the masked name,
    /// the documents to supplement and the reasons of a refusal.
    #[param(example = "2345")]
    pub id4: Option<String>,
}

/// The status of a dossier by its code (public, no login). 400 `dossier_code_bad_format` for a
/// malformed code, 404 `dossier_not_found`, 403 `dossier_lookup_id_mismatch` when `id4` does not
/// match, 429 `dossier_lookup_rate_limited` (with `Retry-After`) beyond 120 lookups a minute from
/// one address.
#[utoipa::path(
    get, path = "/api/v1/public/dossiers/{code}", tag = "dossiers",
    params(("code" = String, Path, example = "000.00.31.H13-270204-0001"), PublicDossierQuery),
    responses(
        (status = 200, body = PublicDossier, example = json!({
            "code": "000.00.31.H13-270204-0001", "procedure_code": "1.001193",
            "procedure_name": "Đăng ký khai sinh", "office": "UBND phường Ba Đình",
            "status": "result_returned", "status_label": "Đã trả kết quả",
            "submitted_on": "04/02/2027", "received_on": "04/02/2027", "due_on": "04/02/2027",
            "reappointed_on": null, "finished_on": "04/02/2027", "returned_on": "04/02/2027",
            "late": false,
            "history": [
                {"at": "04/02/2027 09:40", "kind": "submitted", "status": "submitted", "status_label": "Mới đăng ký", "what": "Nộp hồ sơ trực tuyến"},
                {"at": "04/02/2027 10:00", "kind": "received", "status": "received", "status_label": "Được tiếp nhận", "what": "Tiếp nhận hồ sơ"},
                {"at": "04/02/2027 11:00", "kind": "processed", "status": "processed", "status_label": "Đã xử lý xong", "what": "Giải quyết xong"},
                {"at": "04/02/2027 14:00", "kind": "result_returned", "status": "result_returned", "status_label": "Đã trả kết quả", "what": "Trả kết quả"}
            ],
            "verified": false, "applicant_masked": null, "missing_items": [], "refusal_reasons": []
        })),
        (status = 400, body = ErrorBody, example = json!({
            "code": "dossier_code_bad_format",
            "message": "Mã hồ sơ \u{201c}ABC\u{201d} không đúng dạng V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX (Thông tư 01/2018/TT-VPCP, Điều 19).",
            "field": "code"
        })),
        (status = 403, body = ErrorBody, example = json!({
            "code": "dossier_lookup_id_mismatch",
            "message": "Bốn số cuối của số định danh cá nhân không khớp với người nộp hồ sơ.",
            "field": "id4"
        })),
        (status = 404, body = ErrorBody, example = json!({
            "code": "dossier_not_found",
            "message": "Không tìm thấy hồ sơ có mã \u{201c}000.00.31.H13-270204-0099\u{201d}."
        })),
        (status = 429, body = ErrorBody, example = json!({
            "code": "dossier_lookup_rate_limited",
            "message": "Bạn tra cứu quá nhiều lần trong một phút. Vui lòng thử lại sau 42 giây."
        })),
    )
)]
async fn public_dossier(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiPath(code): ApiPath<String>,
    ApiQuery(q): ApiQuery<PublicDossierQuery>,
) -> Result<Json<PublicDossier>, ApiError> {
    Ok(Json(
        state
            .app
            .public_dossier_status(&meta, &code, q.id4.as_deref())
            .await?,
    ))
}
