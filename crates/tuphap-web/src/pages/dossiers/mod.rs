//! Pages of the online public services around dossiers (issue 7): the citizen's side
//! (`citizen`: submit, my dossiers, the e-certificate; `payment`: fee payment through the
//! gateway), the officer's side (`office`: the queue per office with deadline colours, a
//! dossier's page and its actions), the public side (`public`: status lookup by dossier code,
//! who accessed my records, satisfaction rating) and the Decision 766 indicators
//! (`indicators`).

pub mod citizen;
pub mod indicators;
pub mod office;
pub mod payment;
pub mod public;

use axum::extract::{FromRequestParts, OriginalUri};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use tuphap_domain::citizen::Citizen;

use super::civil::CITIZEN_COOKIE;
use super::{encode_component, error_page};
use crate::extract::{constant_time_eq, cookie};
use crate::state::AppState;

/// The logged-in citizen of a page; anyone else is sent to the citizen login (and, once logged
/// in, to "Trang của tôi").
pub struct CitizenPage(pub Citizen);

impl FromRequestParts<AppState> for CitizenPage {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let to_login = || {
            let next = parts
                .extensions
                .get::<OriginalUri>()
                .map(|u| u.0.to_string())
                .unwrap_or_else(|| parts.uri.to_string());
            Redirect::to(&format!("/citizen?next={}", encode_component(&next))).into_response()
        };
        let Some(token) = cookie(&parts.headers, CITIZEN_COOKIE) else {
            return Err(to_login());
        };
        match state.app.citizen_authenticate(token).await {
            Ok(Some(c)) => Ok(CitizenPage(c)),
            Ok(None) => Err(to_login()),
            Err(e) => Err(error_page(&e.message, crate::error::status_of(e.kind))),
        }
    }
}

/// Checks the CSRF token of a citizen's form: `None` when it matches the session's, else the
/// 403 page to answer.
pub fn citizen_csrf_refused(citizen: &Citizen, submitted: &str) -> Option<Response> {
    if constant_time_eq(submitted, &citizen.csrf_token) {
        None
    } else {
        Some(error_page(
            "Yêu cầu không hợp lệ (thiếu hoặc sai mã chống giả mạo). Hãy tải lại trang và thử lại.",
            StatusCode::FORBIDDEN,
        ))
    }
}
