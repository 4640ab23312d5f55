//! Errors at the HTTP edge: [`ApiError`] renders a domain error as JSON with the right status;
//! the fallback answers unknown paths (JSON under `/api`, a page elsewhere).

use axum::Json;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tuphap_domain::{DomainError, ErrorKind};
use utoipa::ToSchema;

/// The error body of every API response that is not 2xx.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable machine code, e.g. `personal_id_century_mismatch`.
    #[schema(example = "personal_id_century_mismatch")]
    pub code: String,
    /// Message in Vietnamese for people.
    #[schema(
        example = "Chữ số thế kỷ/giới tính (2) không khớp với giới tính Nam và năm sinh 1995."
    )]
    pub message: String,
    /// The input field at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Id of the request (also in the `x-request-id` header), to quote to an operator.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

pub fn status_of(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::BadRequest => StatusCode::BAD_REQUEST,
        ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::Unprocessable => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorKind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorKind::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ErrorKind::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
        ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// A domain error answered as JSON.
#[derive(Debug)]
pub struct ApiError(pub DomainError);

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        ApiError(e)
    }
}

impl ApiError {
    pub fn new(kind: ErrorKind, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError(DomainError::new(kind, code, message))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        let status = status_of(e.kind);
        let body = ErrorBody {
            code: e.code.to_string(),
            message: e.message,
            field: e.field,
            request_id: crate::middleware::current_request_id(),
        };
        let mut resp = (status, Json(body)).into_response();
        if let Some(v) = e
            .retry_after
            .and_then(|secs| HeaderValue::from_str(&secs.to_string()).ok())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"tuphap\""),
            );
        }
        resp
    }
}

/// Unknown path: JSON 404 under `/api`, an HTML page elsewhere.
pub async fn fallback(uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        ApiError::new(
            ErrorKind::NotFound,
            "route_not_found",
            format!("Không có địa chỉ API {}.", uri.path()),
        )
        .into_response()
    } else {
        crate::pages::not_found_page(uri.path()).into_response()
    }
}

/// A panic in a handler: logged, answered with a generic 500 (never the panic text).
pub fn panic_response(err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    tracing::error!(panic = detail, "handler panicked");
    ApiError(DomainError::internal()).into_response()
}
