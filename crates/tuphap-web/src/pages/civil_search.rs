//! `/civil/search`: the back-office search of civil-status records (names without or with
//! accents, personal ID, register number "N/YYYY"), within the user's jurisdiction. A GET form:
//! works without JavaScript; each search is audited like the API's.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::reference::{html, non_empty};
use super::{Layout, PageActor, encode_component, error_page};
use crate::api::search::{SearchItem, SearchParams, run_search};
use crate::extract::Meta;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "civil_search.html")]
pub struct SearchPage {
    pub l: Layout,
    pub q: String,
    pub kind: String,
    pub searched: bool,
    pub total: usize,
    pub rows: Vec<Row>,
    pub error: Option<String>,
    pub next_href: Option<String>,
}

pub struct Row {
    pub href: String,
    pub full_name: String,
    pub kind_label: &'static str,
    pub status_label: &'static str,
    pub date: String,
    pub register_text: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct SearchForm {
    pub q: Option<String>,
    pub kind: Option<String>,
    pub offset: Option<usize>,
}

const PAGE: usize = 20;

fn kind_label(kind: &str) -> &'static str {
    match kind {
        "birth" => "Khai sinh",
        "death" => "Khai tử",
        "marriage" => "Kết hôn",
        _ => "Khác",
    }
}

pub async fn page(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PageActor(actor): PageActor,
    form: Result<Query<SearchForm>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(f)) = form else {
        return error_page(
            "Địa chỉ tra cứu có tham số không hợp lệ. Hãy dùng biểu mẫu tra cứu.",
            StatusCode::BAD_REQUEST,
        );
    };
    let q = non_empty(f.q.as_deref()).unwrap_or_default().to_string();
    let kind = non_empty(f.kind.as_deref())
        .filter(|k| matches!(*k, "birth" | "death" | "marriage"))
        .unwrap_or_default()
        .to_string();
    let offset = f.offset.unwrap_or(0);
    let mut page = SearchPage {
        l: Layout::for_actor("Tra cứu hồ sơ hộ tịch", &actor, "/civil"),
        q: q.clone(),
        kind: kind.clone(),
        searched: false,
        total: 0,
        rows: Vec::new(),
        error: None,
        next_href: None,
    };
    if !q.is_empty() {
        let params = SearchParams {
            q: Some(q.clone()),
            kind: (!kind.is_empty()).then(|| kind.clone()),
            limit: Some(PAGE),
            offset: Some(offset),
            ..SearchParams::default()
        };
        match run_search(&state, &actor, &meta, params).await {
            Ok(r) => {
                page.searched = true;
                page.total = r.total;
                page.rows = r.items.into_iter().map(row).collect();
                if offset + PAGE < r.total {
                    page.next_href = Some(format!(
                        "/civil/search?q={}&kind={}&offset={}",
                        encode_component(&q),
                        encode_component(&kind),
                        offset + PAGE
                    ));
                }
            }
            Err(e) => page.error = Some(e.0.message),
        }
    }
    html(StatusCode::OK, page.render())
}

fn row(h: SearchItem) -> Row {
    Row {
        href: format!("/civil/records/{}", h.id),
        full_name: h.full_name,
        kind_label: kind_label(&h.kind),
        status_label: tuphap_domain::civil::status_label(&h.status),
        date: tuphap_core::dates::parse_date(&h.date)
            .map(tuphap_core::dates::format_vn)
            .unwrap_or(h.date),
        register_text: h.register_text.unwrap_or_else(|| "—".into()),
    }
}
