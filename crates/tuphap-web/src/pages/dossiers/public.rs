//! The public and citizen-facing online services around dossiers (issue 7, items 3 and 5):
//!
//! - `GET /tra-cuu-ho-so?code=…[&id4=…]`: status lookup by dossier code, no login
//!   (`App::public_dossier_status`: only non-personal fields; with the last 4 digits of the
//!   applicant's personal ID also the masked name, missing items and refusal reasons; rate
//!   limited per source address). Errors are shown on the page with their code and status
//!   (400 `dossier_code_bad_format`, 404 `dossier_not_found`, 403 `dossier_lookup_id_mismatch`,
//!   429 `dossier_lookup_rate_limited`).
//! - `GET /citizen/access`: "Ai đã truy cập dữ liệu của tôi" for the logged-in citizen
//!   (`App::citizen_access_log`).
//! - `POST /citizen/dossiers/{code}/rating` (CSRF of the citizen session): the satisfaction
//!   rating of a finished dossier (`App::rate_dossier`); done → 303 to
//!   `/citizen/dossiers/{code}#danh-gia`, refused → a page with the form (or the rating given)
//!   and the reason, with the domain's status (409, 422, 404).
//!
//! The rating form is a partial the citizen's dossier page includes: [`rating_form_html`]
//! renders `dossier_rating.html` from an `App::dossier_rating_state` (variables: `code`,
//! `csrf`, `can_rate`, `rating` (`Option<(score, label, comment, rated_at dd/mm/yyyy HH:MM)>`),
//! `error`, `scores`).

use askama::Template;
use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tuphap_domain::DomainError;
use tuphap_domain::online::access_log::{AccessEntry, vn_time};
use tuphap_domain::online::public_status::PublicDossier;
use tuphap_domain::online::rating::{RatingState, score_label_vi};

use super::{CitizenPage, citizen_csrf_refused};
use crate::error::status_of;
use crate::extract::Meta;
use crate::pages::Layout;
use crate::pages::reference::html;
use crate::state::AppState;

/// The path of the public lookup page.
pub const LOOKUP_PATH: &str = "/tra-cuu-ho-so";

/// An error shown on a page: message and stable code.
pub struct PageError {
    pub message: String,
    pub code: String,
}

impl From<&DomainError> for PageError {
    fn from(e: &DomainError) -> Self {
        PageError {
            message: e.message.clone(),
            code: e.code.to_string(),
        }
    }
}

#[derive(Template)]
#[template(path = "dossier_lookup.html")]
pub struct LookupPage {
    pub l: Layout,
    pub code: String,
    pub error: Option<PageError>,
    pub dossier: Option<PublicDossier>,
}

#[derive(Debug, Default, Deserialize)]
pub struct LookupQuery {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub id4: Option<String>,
}

fn no_store(mut r: Response) -> Response {
    r.headers_mut()
        .insert("cache-control", HeaderValue::from_static("no-store"));
    r
}

/// `GET /tra-cuu-ho-so`: the form, and the dossier when a code is given.
pub async fn lookup(
    State(state): State<AppState>,
    Meta(meta): Meta,
    q: Result<Query<LookupQuery>, QueryRejection>,
) -> Response {
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let code = q.code.unwrap_or_default().trim().to_string();
    let mut page = LookupPage {
        l: Layout::public("Tra cứu hồ sơ", String::new()),
        code: code.clone(),
        error: None,
        dossier: None,
    };
    if code.is_empty() {
        return html(StatusCode::OK, page.render());
    }
    match state
        .app
        .public_dossier_status(&meta, &code, q.id4.as_deref())
        .await
    {
        Ok(d) => {
            page.dossier = Some(d);
            no_store(html(StatusCode::OK, page.render()))
        }
        Err(e) => {
            let status = status_of(e.kind);
            page.error = Some(PageError::from(&e));
            let mut r = html(status, page.render());
            if let Ok(v) = HeaderValue::from_str(e.code) {
                r.headers_mut().insert("x-error-code", v);
            }
            if let Some(v) = e
                .retry_after
                .and_then(|s| HeaderValue::from_str(&s.to_string()).ok())
            {
                r.headers_mut().insert("retry-after", v);
            }
            r
        }
    }
}

#[derive(Template)]
#[template(path = "citizen_access.html")]
pub struct AccessPage {
    pub l: Layout,
    pub full_name: String,
    pub entries: Vec<AccessEntry>,
}

/// `GET /citizen/access`: who accessed the citizen's data.
pub async fn access(
    State(state): State<AppState>,
    Meta(meta): Meta,
    CitizenPage(citizen): CitizenPage,
) -> Response {
    match state.app.citizen_access_log(&citizen, &meta).await {
        Ok(entries) => {
            let page = AccessPage {
                l: Layout::public("Ai đã truy cập dữ liệu của tôi", citizen.csrf_token.clone()),
                full_name: citizen.full_name.clone(),
                entries,
            };
            no_store(html(StatusCode::OK, page.render()))
        }
        Err(e) => super::super::error_page(&e.message, status_of(e.kind)),
    }
}

/// The rating partial (`dossier_rating.html`).
#[derive(Template)]
#[template(path = "dossier_rating.html")]
pub struct RatingPartial {
    pub code: String,
    pub csrf: String,
    pub can_rate: bool,
    /// (score, its words, comment, when).
    pub rating: Option<(i32, String, String, String)>,
    pub error: Option<String>,
    /// (value, words) of each score, 5 first.
    pub scores: Vec<(i32, &'static str)>,
}

/// The rating part of a citizen's dossier page, as HTML (include it unescaped): the form when
/// the dossier is finished and not rated, the rating once given, else a note. `csrf` is the
/// citizen session's token; `error` a message to show above it.
pub fn rating_form_html(state: &RatingState, csrf: &str, error: Option<&str>) -> String {
    let partial = RatingPartial {
        code: state.code.clone(),
        csrf: csrf.to_string(),
        can_rate: state.can_rate,
        rating: state.rating.as_ref().map(|r| {
            (
                r.score,
                score_label_vi(r.score).to_string(),
                r.comment.clone(),
                vn_time(r.rated_at),
            )
        }),
        error: error.map(str::to_string),
        scores: (1..=5)
            .rev()
            .map(|s| (s, score_label_vi(s)))
            .collect::<Vec<_>>(),
    };
    partial.render().unwrap_or_default()
}

#[derive(Template)]
#[template(path = "citizen_dossier_rating.html")]
pub struct RatingPage {
    pub l: Layout,
    pub code: String,
    pub rating_html: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct RatingForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub score: String,
    #[serde(default)]
    pub comment: String,
}

/// `POST /citizen/dossiers/{code}/rating`.
pub async fn rate(
    State(state): State<AppState>,
    Meta(meta): Meta,
    CitizenPage(citizen): CitizenPage,
    Path(code): Path<String>,
    form: Result<Form<RatingForm>, FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return super::super::error_page(
            "Không đọc được dữ liệu biểu mẫu. Hãy tải lại trang và thử lại.",
            StatusCode::BAD_REQUEST,
        );
    };
    if let Some(r) = citizen_csrf_refused(&citizen, &form.csrf) {
        return r;
    }
    // A missing or non-numeric score is the domain's "score invalid" (0 is out of range).
    let score = form.score.trim().parse::<i32>().unwrap_or(0);
    let result = state
        .app
        .rate_dossier(
            &citizen,
            &meta,
            &code,
            score,
            &form.comment,
            tuphap_store::now_utc(),
        )
        .await;
    let e = match result {
        Ok(_) => {
            return Redirect::to(&format!(
                "/citizen/dossiers/{}#danh-gia",
                crate::pages::encode_component(&canonical(&code))
            ))
            .into_response();
        }
        Err(e) => e,
    };
    let status = status_of(e.kind);
    let rating_html = match state.app.dossier_rating_state(&citizen, &code).await {
        Ok(s) => rating_form_html(&s, &citizen.csrf_token, Some(&e.message)),
        // Not the citizen's dossier, or a malformed code: only the message.
        Err(_) => return super::super::error_page(&e.message, status),
    };
    let page = RatingPage {
        l: Layout::public("Đánh giá hồ sơ", citizen.csrf_token.clone()),
        code: code.trim().to_ascii_uppercase(),
        rating_html,
    };
    let mut r = html(status, page.render());
    if let Ok(v) = HeaderValue::from_str(e.code) {
        r.headers_mut().insert("x-error-code", v);
    }
    r
}

/// The canonical form of a (valid) code, for the redirect.
fn canonical(code: &str) -> String {
    tuphap_core::dossier::DossierCode::parse(code)
        .map(|c| c.to_string())
        .unwrap_or_else(|_| code.trim().to_string())
}
