//! `/verify`: the public page where anyone holding a certificate pastes (or scans into the field)
//! the code printed under its QR code. No login; works without JavaScript (a GET form).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use tuphap_domain::certificates::Verification;

use super::Layout;
use super::reference::{domain_error_page, html};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "verify.html")]
pub struct VerifyPage {
    pub l: Layout,
    pub code: String,
    pub result: Option<Verification>,
    pub kind_label: String,
}

#[derive(Debug, Deserialize)]
pub struct VerifyQuery {
    pub code: Option<String>,
}

fn kind_label(kind: Option<&str>) -> &'static str {
    match kind {
        Some("birth") => "Giấy khai sinh",
        Some("death") => "Trích lục khai tử",
        Some("marriage") => "Giấy chứng nhận kết hôn",
        Some("extract") => "Bản sao trích lục hộ tịch",
        _ => "",
    }
}

pub async fn page(State(state): State<AppState>, Query(q): Query<VerifyQuery>) -> Response {
    let code = q
        .code
        .unwrap_or_default()
        .trim()
        .chars()
        .take(4096)
        .collect::<String>();
    let result = if code.is_empty() {
        None
    } else {
        match state.app.verify_certificate(&code).await {
            Ok(v) => Some(v),
            Err(e) => return domain_error_page(&e),
        }
    };
    let page = VerifyPage {
        l: Layout::public("Kiểm tra giấy tờ hộ tịch", String::new()),
        kind_label: result
            .as_ref()
            .and_then(|r| r.title.clone())
            .unwrap_or_else(|| kind_label(result.as_ref().and_then(|r| r.kind.as_deref())).into()),
        code,
        result,
    };
    html(StatusCode::OK, page.render())
}
