//! The one error type of the use cases: a kind (which the HTTP edge maps to a status), a stable
//! machine code and a Vietnamese message.

use serde::Serialize;
use tuphap_core::error::Coded;
use tuphap_store::StoreError;

/// What sort of failure this is; the HTTP edge maps it to a status code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ErrorKind {
    /// Malformed request (400).
    BadRequest,
    /// Not logged in, bad credentials (401).
    Unauthenticated,
    /// Logged in but not allowed (403).
    Forbidden,
    /// No such thing (404).
    NotFound,
    /// Conflicts with existing data (409).
    Conflict,
    /// Well-formed but fails a rule (422).
    Unprocessable,
    /// Request body too large (413).
    TooLarge,
    /// Wrong content type (415).
    UnsupportedMediaType,
    /// Locked out or rate limited (429).
    TooManyRequests,
    /// Our fault (500); the message never leaks internals.
    Internal,
    /// A dependency (the database) is unavailable (503).
    Unavailable,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{code}: {message}")]
pub struct DomainError {
    pub kind: ErrorKind,
    pub code: &'static str,
    pub message: String,
    /// Seconds after which a retry may succeed (lockouts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// Which input field is wrong, when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl DomainError {
    pub fn new(kind: ErrorKind, code: &'static str, message: impl Into<String>) -> DomainError {
        DomainError {
            kind,
            code,
            message: message.into(),
            retry_after: None,
            field: None,
        }
    }

    /// A rule violation from a coded core error.
    pub fn unprocessable(e: &impl Coded) -> DomainError {
        DomainError::new(ErrorKind::Unprocessable, e.code(), e.message_vi())
    }

    pub fn bad_request(e: &impl Coded) -> DomainError {
        DomainError::new(ErrorKind::BadRequest, e.code(), e.message_vi())
    }

    pub fn with_field(mut self, field: impl Into<String>) -> DomainError {
        self.field = Some(field.into());
        self
    }

    pub fn forbidden(message: impl Into<String>) -> DomainError {
        DomainError::new(ErrorKind::Forbidden, "forbidden", message)
    }

    pub fn not_found(code: &'static str, message: impl Into<String>) -> DomainError {
        DomainError::new(ErrorKind::NotFound, code, message)
    }

    pub fn internal() -> DomainError {
        DomainError::new(
            ErrorKind::Internal,
            "internal_error",
            "Hệ thống gặp lỗi khi xử lý yêu cầu. Vui lòng thử lại sau; nếu lỗi lặp lại, hãy báo cho quản trị hệ thống kèm mã yêu cầu.",
        )
    }
}

impl Coded for DomainError {
    fn code(&self) -> &'static str {
        self.code
    }
    fn message_vi(&self) -> String {
        self.message.clone()
    }
}

impl From<StoreError> for DomainError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(what) => DomainError::new(
                ErrorKind::Conflict,
                "conflict",
                format!("Dữ liệu đã tồn tại (trùng khóa {what})."),
            ),
            StoreError::NotFound => {
                DomainError::not_found("not_found", "Không tìm thấy dữ liệu yêu cầu.")
            }
            StoreError::Database(sqlx_err) if is_unavailable(&sqlx_err) => {
                tracing::error!(error = %sqlx_err, "database unavailable");
                DomainError::new(
                    ErrorKind::Unavailable,
                    "database_unavailable",
                    "Cơ sở dữ liệu tạm thời không truy cập được. Vui lòng thử lại sau ít phút.",
                )
            }
            other => {
                tracing::error!(error = %other, "store error");
                DomainError::internal()
            }
        }
    }
}

fn is_unavailable(e: &tuphap_store::SqlxError) -> bool {
    matches!(
        e,
        tuphap_store::SqlxError::PoolTimedOut
            | tuphap_store::SqlxError::PoolClosed
            | tuphap_store::SqlxError::Io(_)
    )
}

pub type Result<T, E = DomainError> = std::result::Result<T, E>;
