//! Bulk export of civil records (issue 8, item 7): `GET /api/v1/civil/records/export`, CSV,
//! keyset pages, for the roles that may export personal data, with a stated purpose; the rule
//! and the audit are `tuphap_domain::privacy`'s.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tuphap_domain::privacy::{EXPORT_CSV_HEADER, ExportRequest};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, ApiQuery, Meta};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(export_records))
}

/// Query of an export.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// One office's records (its code, e.g. `00004`); every office of the caller's
    /// jurisdiction when absent.
    pub office: Option<String>,
    /// Record kind: birth, death, marriage, …
    pub kind: Option<String>,
    /// Registered on or after (YYYY-MM-DD).
    pub registered_from: Option<String>,
    /// Registered on or before (YYYY-MM-DD).
    pub registered_to: Option<String>,
    /// Records with a larger id than this (the `X-Export-Next-After` of the previous page).
    pub after: Option<i64>,
    /// Rows, 1–10,000 (1,000 when absent).
    pub limit: Option<i64>,
    /// The purpose (or header `X-Purpose`): case_handling, inspection, legal_proceedings,
    /// statistics, subject_request.
    pub purpose: Option<String>,
    /// The purpose's reference (or header `X-Purpose-Ref`).
    pub purpose_ref: Option<String>,
}

fn date_param(v: Option<&str>, field: &'static str) -> Result<Option<time::Date>, ApiError> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => tuphap_core::dates::parse_date(s)
            .map(Some)
            .map_err(|e| ApiError(tuphap_domain::DomainError::bad_request(&e).with_field(field))),
    }
}

/// Export registered civil records with their subject as CSV (provincial Department of Justice
/// and ministry only).
///
/// A purpose is required (`X-Purpose` + `X-Purpose-Ref`, or `purpose=` + `purpose_ref=`;
/// 400 `purpose_required` without one). At most 10,000 rows per request, in record-id order;
/// when the page is full, `X-Export-Next-After` gives the `after` of the next one. Each request
/// is audited (`civil.records.export`, with the filter and the row count, `X-Audit-Seq`) and
/// every exported person sees it on their "who accessed my data" page. UTF-8 with a byte-order
/// mark (spreadsheets then read Vietnamese correctly).
#[utoipa::path(
    get, path = "/api/v1/civil/records/export", tag = "civil",
    security(("bearer" = [])),
    params(ExportQuery),
    responses(
        (status = 200, content_type = "text/csv", description = "CSV: record_id,kind,status,office_code,event_date,registered_on,register_book,register_year,register_number,person_id,full_name,personal_id,sex,date_of_birth",
         example = "record_id,kind,status,office_code,event_date,registered_on,register_book,register_year,register_number,person_id,full_name,personal_id,sex,date_of_birth\n12,birth,registered,00004,2026-11-20,2026-11-27,01,2026,1,101,Nguyễn Thị Hương,,female,2026-11-20\n"),
        (status = 400, description = "Thiếu mục đích (purpose_required), mục đích sai, tham số sai", body = ErrorBody),
        (status = 403, description = "Vai trò không được trích xuất (export_forbidden) hoặc cơ quan ngoài phạm vi; được ghi nhật ký", body = ErrorBody),
    )
)]
async fn export_records(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> Result<Response, ApiError> {
    let req = ExportRequest {
        office: q.office.filter(|s| !s.trim().is_empty()),
        kind: q.kind.filter(|s| !s.trim().is_empty()),
        registered_from: date_param(q.registered_from.as_deref(), "registered_from")?,
        registered_to: date_param(q.registered_to.as_deref(), "registered_to")?,
        after: q.after,
        limit: q.limit,
    };
    let export = state.app.export_records(&actor, &meta, &req).await?;
    let mut body = String::with_capacity(128 + export.lines.len() * 120);
    body.push('\u{feff}');
    body.push_str(EXPORT_CSV_HEADER);
    body.push_str("\r\n");
    for line in &export.lines {
        body.push_str(&line.csv());
        body.push_str("\r\n");
    }
    let mut resp = (StatusCode::OK, Body::from(body)).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"ho-tich-{}.csv\"",
        export.audit_seq
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert("x-export-rows", HeaderValue::from(export.lines.len()));
    h.insert("x-audit-seq", HeaderValue::from(export.audit_seq));
    if let Some(next) = export.next_after {
        h.insert("x-export-next-after", HeaderValue::from(next));
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}
