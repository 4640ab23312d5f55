//! Certified copies of register extracts (bản sao trích lục hộ tịch, Luật Hộ tịch 2014, Điều
//! 63–64): issue copies of any registered record with their fee, list the issuances of a record
//! with the count of copies, print an issuance as PDF, quote the fee.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use tuphap_domain::civil::{ExtractIssued, ExtractList, ExtractRequest, ExtractView, FeeQuote};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::civil::render_pdf;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, ApiJson, ApiPath, ApiQuery, Meta};
use crate::pages::encode_component;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(issue_extract, list_extracts))
        .routes(routes!(extract_pdf))
        .routes(routes!(fee_quote))
}

/// Where to download an issuance's PDF.
pub fn pdf_href(record_id: i64, extract_id: i64) -> String {
    format!("/api/v1/civil/records/{record_id}/extracts/{extract_id}/pdf")
}

/// An issuance with where to get its PDF and check its code.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExtractIssuedResponse {
    #[serde(flatten)]
    pub issued: ExtractIssued,
    pub pdf_url: String,
    /// The public verification page for the copies' code.
    pub verify_url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExtractItem {
    #[serde(flatten)]
    pub extract: ExtractView,
    pub pdf_url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExtractListResponse {
    pub record_id: i64,
    /// Copies issued in all, by every office.
    pub total_copies: i64,
    /// Issuances in all, by every office.
    pub issuances: i64,
    pub extracts: Vec<ExtractItem>,
    /// Issuances by other offices not listed (outside the caller's jurisdiction).
    pub hidden: i64,
}

fn list_response(l: ExtractList) -> ExtractListResponse {
    ExtractListResponse {
        record_id: l.record_id,
        total_copies: l.total_copies,
        issuances: l.issuances,
        extracts: l
            .extracts
            .into_iter()
            .map(|e| ExtractItem {
                pdf_url: pdf_href(e.record_id, e.id),
                extract: e,
            })
            .collect(),
        hidden: l.hidden,
    }
}

/// Issue certified copies of the extract of a registered record (bản sao trích lục hộ tịch).
///
/// Officers and signers of any office that manages the civil-status database, whatever the
/// person's residence (Luật Hộ tịch 2014, Điều 63–64). The fee per copy is the amount in force
/// for the caller's office's province (national default: 8,000 đồng, Thông tư 281/2016/TT-BTC);
/// `exemption` (Điều 11 khoản 1) charges nothing. The copies show the record's current version
/// and carry a signed verification code; an amendment registered later makes it verify as
/// `superseded`. Send `Idempotency-Key` to retry safely.
#[utoipa::path(
    post, path = "/api/v1/civil/records/{id}/extracts", tag = "civil",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The registered record")),
    request_body(content = ExtractRequest, examples(
        ("paid" = (value = json!({"copies": 3, "requester": {"full_name": "Trần Thị Mai", "relationship": "mẹ"}}))),
        ("exempt" = (value = json!({"copies": 1, "exemption": "poor_household",
                                     "requester": {"full_name": "Trần Thị Mai", "relationship": "bản thân"}}))),
    )),
    responses(
        (status = 201, description = "Đã cấp bản sao", body = ExtractIssuedResponse, example = json!({
            "id": 7, "record_id": 42, "record_version": 1, "serial": 2, "copies": 3,
            "fee_per_copy": 8000, "fee_total": 24000, "exemption": null, "exemption_label": null,
            "requester": {"full_name": "Trần Thị Mai", "relationship": "mẹ"},
            "office_code": "00097", "office_name": "UBND Phường Hồng Hà",
            "issued_by": 5, "issued_by_name": "Nguyễn Thu Trang", "issued_on": "2026-11-27",
            "verification_code": "VNHT1.MXxFfDQyLUJTMnwxfDAxfDIwMjZ8MDAwMDR8Tmd1eeG7hW4gVGjhu4sgSMawxqFuZ3x8MjAyNjExMjB8MjAyNjExMjd8MDAwOTctMjAyNjExMjctYTFiMmMz.c2lnbmF0dXJl",
            "superseded": false, "total_copies_issued": 5,
            "fee_basis": "Thông tư 281/2016/TT-BTC, Biểu phí: 8.000 đồng/bản sao trích lục hộ tịch",
            "pdf_url": "/api/v1/civil/records/42/extracts/7/pdf",
            "verify_url": "/verify?code=VNHT1.MXxFfDQyLUJTMnwx…"
        })),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Vai trò không được cấp bản sao", body = ErrorBody),
        (status = 404, description = "Không có hồ sơ (`civil_record_not_found`)", body = ErrorBody),
        (status = 409, description = "Hồ sơ chưa đăng ký (`extract_record_not_registered`)", body = ErrorBody),
        (status = 422, description = "Số bản sao ngoài 1–50 (`extract_copies_invalid`), trường hợp miễn phí không có (`extract_exemption_unknown`), thiếu người yêu cầu (`extract_requester_missing`)", body = ErrorBody),
    )
)]
async fn issue_extract(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<ExtractRequest>,
) -> Result<(StatusCode, Json<ExtractIssuedResponse>), ApiError> {
    let issued = state.app.issue_extract(&actor, &meta, id, req).await?;
    Ok((
        StatusCode::CREATED,
        Json(ExtractIssuedResponse {
            pdf_url: pdf_href(id, issued.extract.id),
            verify_url: format!(
                "/verify?code={}",
                encode_component(&issued.extract.verification_code)
            ),
            issued,
        }),
    ))
}

/// The issuances of certified copies of a record's extract, with the count of copies issued.
/// Offices whose jurisdiction covers the record see every issuance; officers and signers of other
/// offices see their own office's and the totals (`hidden` counts the others). Audited.
#[utoipa::path(
    get, path = "/api/v1/civil/records/{id}/extracts", tag = "civil",
    security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses(
        (status = 200, body = ExtractListResponse, example = json!({
            "record_id": 42, "total_copies": 5, "issuances": 2, "hidden": 0,
            "extracts": [{
                "id": 6, "record_id": 42, "record_version": 1, "serial": 1, "copies": 2,
                "fee_per_copy": 0, "fee_total": 0, "exemption": "poor_household",
                "exemption_label": "Người thuộc hộ nghèo",
                "requester": {"full_name": "Trần Thị Mai", "relationship": "bản thân"},
                "office_code": "00004", "office_name": "UBND Phường Ba Đình",
                "issued_by": 3, "issued_by_name": "Lê Văn Hùng", "issued_on": "2026-11-26",
                "verification_code": "VNHT1.MXxFfDQyLUJTMXwx….c2lnbmF0dXJl", "superseded": false,
                "pdf_url": "/api/v1/civil/records/42/extracts/6/pdf"
            }]
        })),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    )
)]
async fn list_extracts(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ExtractListResponse>, ApiError> {
    let l = state.app.record_extracts(&actor, &meta, id, false).await?;
    Ok(Json(list_response(l)))
}

/// The certified copies of an issuance as PDF ("Bản sao trích lục …", A4, with the QR code of
/// the signed verification code), showing the record's version they were issued from.
#[utoipa::path(
    get, path = "/api/v1/civil/records/{id}/extracts/{extract_id}/pdf", tag = "civil",
    security(("bearer" = [])),
    params(("id" = i64, Path), ("extract_id" = i64, Path)),
    responses(
        (status = 200, content_type = "application/pdf", description = "PDF A4"),
        (status = 403, body = ErrorBody),
        (status = 404, description = "Không có lần cấp này (`extract_not_found`)", body = ErrorBody),
    )
)]
async fn extract_pdf(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiPath((id, extract_id)): ApiPath<(i64, i64)>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let c = state
        .app
        .extract_certificate(&actor, &meta, id, extract_id)
        .await?;
    let pdf = render_pdf(&state, c).await?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/pdf".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("inline; filename=\"ban-sao-trich-luc-{id}-{extract_id}.pdf\""),
            ),
        ],
        pdf,
    )
        .into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FeeQuery {
    /// 1–50.
    #[param(example = 3)]
    pub copies: i64,
    /// `revolutionary_merit`, `poor_household`, `disability`, or absent.
    pub exemption: Option<String>,
}

/// The fee of certified copies at the caller's office today, before issuing them.
#[utoipa::path(
    get, path = "/api/v1/civil/extracts/fee", tag = "civil",
    security(("bearer" = [])),
    params(FeeQuery),
    responses(
        (status = 200, body = FeeQuote, example = json!({
            "copies": 3, "tariff_per_copy": 8000, "fee_per_copy": 8000, "fee_total": 24000,
            "exemption": null, "exemption_label": null,
            "fee_basis": "Thông tư 281/2016/TT-BTC, Biểu phí: 8.000 đồng/bản sao trích lục hộ tịch",
            "fee_province": null
        })),
        (status = 422, body = ErrorBody),
    )
)]
async fn fee_quote(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<FeeQuery>,
) -> Result<Json<FeeQuote>, ApiError> {
    Ok(Json(
        state
            .app
            .extract_fee_quote(&actor, q.copies, q.exemption.as_deref())
            .await?,
    ))
}
