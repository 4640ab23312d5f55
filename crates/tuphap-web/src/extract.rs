//! Extractors that turn bad input into coded 4xx errors (never axum's plain-text rejections),
//! and that identify the caller.

use std::net::SocketAddr;

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};
use serde::de::DeserializeOwned;
use tuphap_domain::{Actor, ErrorKind, RequestMeta};

use crate::error::ApiError;
use crate::state::AppState;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "tuphap_session";
/// Name of the pre-login CSRF cookie (double-submit for the login form).
pub const CSRF_COOKIE: &str = "tuphap_csrf";
/// Header carrying the CSRF token on cookie-authenticated API writes.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Translates serde's English detail for the common cases.
fn serde_detail_vi(detail: &str) -> String {
    let quoted = |s: &str| -> Option<String> {
        let start = s.find('`')?;
        let rest = &s[start + 1..];
        let end = rest.find('`')?;
        Some(rest[..end].to_string())
    };
    if detail.contains("unknown field")
        && let Some(f) = quoted(detail)
    {
        return format!("trường \u{201c}{f}\u{201d} không được hỗ trợ");
    }
    if detail.contains("missing field")
        && let Some(f) = quoted(detail)
    {
        return format!("thiếu trường bắt buộc \u{201c}{f}\u{201d}");
    }
    if detail.contains("invalid type") {
        return format!("sai kiểu dữ liệu ({detail})");
    }
    if detail.contains("unknown variant") {
        return format!("giá trị không nằm trong danh sách cho phép ({detail})");
    }
    detail.to_string()
}

/// JSON body: 400 for malformed JSON, 422 for wrong fields/types, 413 when too large, 415 for
/// a missing `Content-Type: application/json`.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rej) => Err(json_rejection(rej)),
        }
    }
}

/// An optional JSON body: an empty body is `None`; anything else must be valid JSON of `T`
/// (same errors as [`ApiJson`]; the content type is not required for an empty body).
pub struct ApiJsonOpt<T>(pub Option<T>);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJsonOpt<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = match axum::body::Bytes::from_request(req, state).await {
            Ok(b) => b,
            Err(rej) if rej.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(body_too_large());
            }
            Err(rej) => {
                return Err(ApiError::new(
                    ErrorKind::BadRequest,
                    "body_unreadable",
                    format!("Không đọc được nội dung yêu cầu: {}.", rej.body_text()),
                ));
            }
        };
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(ApiJsonOpt(None));
        }
        axum::Json::<T>::from_bytes(&bytes)
            .map(|j| ApiJsonOpt(Some(j.0)))
            .map_err(json_rejection)
    }
}

fn json_rejection(rej: JsonRejection) -> ApiError {
    let status = rej.status();
    match rej {
        JsonRejection::JsonDataError(e) => ApiError::new(
            ErrorKind::Unprocessable,
            "json_invalid_data",
            format!(
                "Dữ liệu JSON không đúng khuôn dạng yêu cầu: {}.",
                serde_detail_vi(&e.body_text())
            ),
        ),
        JsonRejection::JsonSyntaxError(e) => ApiError::new(
            ErrorKind::BadRequest,
            "json_syntax_error",
            format!(
                "Nội dung gửi lên không phải JSON hợp lệ: {}.",
                e.body_text()
            ),
        ),
        JsonRejection::MissingJsonContentType(_) => {
            let mut e = ApiError::new(
                ErrorKind::UnsupportedMediaType,
                "json_content_type_required",
                "Yêu cầu phải có tiêu đề Content-Type: application/json.",
            );
            e.0.field = Some("content-type".into());
            e
        }
        _ if status == StatusCode::PAYLOAD_TOO_LARGE => body_too_large(),
        other => ApiError::new(
            ErrorKind::BadRequest,
            "body_unreadable",
            format!("Không đọc được nội dung yêu cầu: {}.", other.body_text()),
        ),
    }
}

pub fn body_too_large() -> ApiError {
    ApiError::new(
        ErrorKind::TooLarge,
        "body_too_large",
        format!(
            "Nội dung yêu cầu quá lớn (tối đa {} KB).",
            crate::BODY_LIMIT / 1024
        ),
    )
}

/// Query string: 400 with the problem named.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(q) => Ok(ApiQuery(q.0)),
            Err(rej) => Err(query_rejection(rej)),
        }
    }
}

fn query_rejection(rej: QueryRejection) -> ApiError {
    let detail = match &rej {
        QueryRejection::FailedToDeserializeQueryString(e) => e.body_text(),
        other => other.body_text(),
    };
    let detail = detail
        .strip_prefix("Failed to deserialize query string: ")
        .unwrap_or(&detail)
        .to_string();
    ApiError::new(
        ErrorKind::BadRequest,
        "query_invalid",
        format!(
            "Tham số truy vấn không hợp lệ: {}.",
            serde_detail_vi(&detail)
        ),
    )
}

/// Path parameters: 400 with the problem named.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(p) => Ok(ApiPath(p.0)),
            Err(rej) => Err(path_rejection(rej)),
        }
    }
}

fn path_rejection(rej: PathRejection) -> ApiError {
    ApiError::new(
        ErrorKind::BadRequest,
        "path_invalid",
        format!("Đường dẫn không hợp lệ: {}.", rej.body_text()),
    )
}

/// The request's origin, for the audit log.
pub struct Meta(pub RequestMeta);

impl<S: Send + Sync> FromRequestParts<S> for Meta {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Meta(request_meta(parts)))
    }
}

pub fn request_meta(parts: &Parts) -> RequestMeta {
    let source_ip = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string());
    RequestMeta {
        source_ip,
        request_id: crate::middleware::current_request_id(),
        user_agent: parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        purpose: crate::privacy::purpose_claim(parts),
    }
}

/// Value of cookie `name` in the request.
pub fn cookie<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
}

/// The authenticated caller of an API endpoint: a bearer token, or the browser session cookie
/// (then writes must carry the session's CSRF token in `x-csrf-token`). 401 otherwise.
pub struct ApiActor(pub Actor);

impl FromRequestParts<AppState> for ApiActor {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let unauthenticated = || {
            ApiError::new(
                ErrorKind::Unauthenticated,
                "auth_required",
                "Cần đăng nhập: gửi tiêu đề Authorization: Bearer <mã phiên> lấy từ POST /api/v1/auth/login.",
            )
        };
        if let Some(token) = bearer(parts) {
            let actor = state.app.authenticate(token).await?;
            return actor.map(ApiActor).ok_or_else(unauthenticated);
        }
        if let Some(token) = cookie(&parts.headers, SESSION_COOKIE) {
            let Some(actor) = state.app.authenticate(token).await? else {
                return Err(unauthenticated());
            };
            let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
            let csrf_ok = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| constant_time_eq(v, &actor.csrf_token));
            if !safe && !csrf_ok {
                return Err(ApiError::new(
                    ErrorKind::Forbidden,
                    "csrf_token_invalid",
                    "Thiếu hoặc sai mã chống giả mạo yêu cầu (x-csrf-token).",
                ));
            }
            return Ok(ApiActor(actor));
        }
        Err(unauthenticated())
    }
}

/// Compares two secrets without an early exit.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
