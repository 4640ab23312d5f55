//! Browsing administrative units as they were on a date (before and after the 2025 reform),
//! plus small helpers shared by the other back-office pages of this work (htmx fragments,
//! date display).

use std::collections::HashMap;

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use time::Date;
use tuphap_core::dates::{format_vn, parse_date, vn_today};
use tuphap_core::error::Coded;
use tuphap_core::reference::{AdminLevel, DATE_REFORM};
use tuphap_core::text::fold;
use tuphap_domain::DomainError;
use tuphap_store::reference::AdminUnitRow;

use super::{Layout, PageActor, encode_component, error_page};
use crate::state::AppState;

// ---------------------------------------------------------------------------------------------
// Shared helpers (used by tools, calendar, audit and users pages too)
// ---------------------------------------------------------------------------------------------

/// True for an htmx request that wants a fragment (not a history restore, which needs the
/// whole page).
pub(super) fn is_htmx(headers: &HeaderMap) -> bool {
    let has = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    };
    has("hx-request") && !has("hx-history-restore-request")
}

/// An HTML response from a rendered template (a whole page or an htmx fragment). The answer
/// depends on `HX-Request`, so caches are told so.
pub(super) fn html(status: StatusCode, rendered: askama::Result<String>) -> Response {
    match rendered {
        Ok(body) => {
            let mut resp = (status, Html(body)).into_response();
            resp.headers_mut()
                .insert(header::VARY, HeaderValue::from_static("HX-Request"));
            resp
        }
        Err(e) => {
            tracing::error!(error = %e, "template rendering failed");
            error_page(
                "Không hiển thị được trang do lỗi hệ thống. Vui lòng thử lại sau.",
                StatusCode::INTERNAL_SERVER_ERROR,
            )
        }
    }
}

/// The error page for a query string that cannot be read at all.
pub(super) fn bad_query(rej: &QueryRejection) -> Response {
    tracing::debug!(error = %rej, "bad page query");
    error_page(
        "Địa chỉ trang có tham số không hợp lệ. Hãy dùng biểu mẫu trên trang để tra cứu.",
        StatusCode::BAD_REQUEST,
    )
}

/// The error page for a domain error without a field to attach it to.
pub(super) fn domain_error_page(e: &DomainError) -> Response {
    if crate::privacy::is_purpose_error(e) {
        return crate::privacy::purpose_form_page(e);
    }
    error_page(&e.message, crate::error::status_of(e.kind))
}

/// A non-empty, trimmed query value.
pub(super) fn non_empty(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|s| !s.is_empty())
}

/// Parses an optional `YYYY-MM-DD` value (what `<input type="date">` sends). `Err` holds the
/// Vietnamese message for the field.
pub(super) fn parse_date_field(v: Option<&str>) -> Result<Option<Date>, String> {
    match non_empty(v) {
        None => Ok(None),
        Some(s) => parse_date(s).map(Some).map_err(|e| e.message_vi()),
    }
}

/// `dd/mm/yyyy`, or "—" for an open end.
pub(super) fn vn_or_dash(d: Option<Date>) -> String {
    d.map(format_vn).unwrap_or_else(|| "—".to_string())
}

/// Vietnamese name of the day of the week.
pub(super) fn weekday_vi(d: Date) -> &'static str {
    match d.weekday() {
        time::Weekday::Monday => "Thứ Hai",
        time::Weekday::Tuesday => "Thứ Ba",
        time::Weekday::Wednesday => "Thứ Tư",
        time::Weekday::Thursday => "Thứ Năm",
        time::Weekday::Friday => "Thứ Sáu",
        time::Weekday::Saturday => "Thứ Bảy",
        time::Weekday::Sunday => "Chủ nhật",
    }
}

// ---------------------------------------------------------------------------------------------
// Administrative units
// ---------------------------------------------------------------------------------------------

/// Most rows shown at once; the commune list before the reform has about 10,000 entries.
pub const MAX_ROWS: usize = 200;

fn level_label(level: &str) -> &'static str {
    match level {
        "province" => "Tỉnh/thành phố",
        "district" => "Cấp huyện",
        "commune" => "Xã/phường",
        _ => "Khác",
    }
}

/// The level choices of the filter: (value, label).
const LEVELS: [(&str, &str); 4] = [
    ("province", "Tỉnh/thành phố"),
    ("commune", "Xã/phường"),
    ("district", "Huyện (trước 01/07/2025)"),
    ("all", "Tất cả các cấp"),
];

/// The last day of validity of a version whose `valid_to` is exclusive.
fn last_day(valid_to: Option<Date>) -> Option<Date> {
    valid_to.map(|t| t.previous_day().unwrap_or(t))
}

fn unit_href(code: &str, as_of: Date) -> String {
    format!(
        "/reference/admin-units/{}?as_of={as_of}",
        encode_component(code)
    )
}

/// An option of a `<select>`.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Choice {
    pub fn new(value: impl Into<String>, label: impl Into<String>, current: &str) -> Choice {
        let value = value.into();
        Choice {
            selected: value == current,
            value,
            label: label.into(),
        }
    }
}

/// A link to a unit.
pub struct UnitLink {
    pub code: String,
    pub name: String,
    pub href: String,
}

pub struct UnitRowView {
    pub code: String,
    pub href: String,
    pub full_name: String,
    pub unit_type: String,
    pub parent: Option<UnitLink>,
    pub from: String,
    pub to: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct AdminUnitsQuery {
    pub as_of: Option<String>,
    pub level: Option<String>,
    pub parent: Option<String>,
    pub q: Option<String>,
}

#[derive(Template)]
#[template(path = "admin_units.html", blocks = ["parent_select", "results"])]
pub struct AdminUnitsPage {
    pub l: Layout,
    /// `YYYY-MM-DD` for the date input.
    pub as_of: String,
    pub as_of_vn: String,
    pub as_of_error: Option<String>,
    pub level_error: Option<String>,
    pub levels: Vec<Choice>,
    /// Provinces valid on the date, plus the requested parent if it is not one.
    pub parent_options: Vec<Choice>,
    /// Marks the parent select for an out-of-band htmx swap (its options depend on the date).
    pub oob: bool,
    pub q: String,
    pub rows: Vec<UnitRowView>,
    pub total: usize,
    pub capped: bool,
    /// Why the list is empty, when there is a better explanation than "nothing matched".
    pub empty_hint: Option<String>,
}

async fn names_on(
    state: &AppState,
    as_of: Date,
    levels: &[&str],
) -> Result<HashMap<String, String>, DomainError> {
    let mut map = HashMap::new();
    for level in levels {
        for r in state
            .app
            .store
            .admin_units_on(Some(level), None, as_of)
            .await?
        {
            map.insert(r.code, r.full_name);
        }
    }
    Ok(map)
}

pub async fn admin_units(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    headers: HeaderMap,
    query: Result<Query<AdminUnitsQuery>, QueryRejection>,
) -> Response {
    let q = match query {
        Ok(Query(q)) => q,
        Err(rej) => return bad_query(&rej),
    };
    let htmx = is_htmx(&headers);
    let mut status = StatusCode::OK;
    let (as_of, as_of_error) = match parse_date_field(q.as_of.as_deref()) {
        Ok(d) => (d.unwrap_or_else(vn_today), None),
        Err(msg) => {
            status = StatusCode::UNPROCESSABLE_ENTITY;
            (vn_today(), Some(msg))
        }
    };
    let level = non_empty(q.level.as_deref())
        .unwrap_or("province")
        .to_string();
    let level_error = if LEVELS.iter().any(|(v, _)| *v == level) {
        None
    } else {
        status = StatusCode::UNPROCESSABLE_ENTITY;
        Some("Cấp hành chính không hợp lệ; hãy chọn trong danh sách.".to_string())
    };
    let parent = non_empty(q.parent.as_deref())
        .unwrap_or_default()
        .to_string();
    let search = non_empty(q.q.as_deref()).unwrap_or_default().to_string();

    let store = &state.app.store;
    let provinces = match store.admin_units_on(Some("province"), None, as_of).await {
        Ok(p) => p,
        Err(e) => return domain_error_page(&DomainError::from(e)),
    };
    let mut parent_options: Vec<Choice> = provinces
        .iter()
        .map(|p| Choice::new(p.code.clone(), p.full_name.clone(), &parent))
        .collect();
    if !parent.is_empty() && !parent_options.iter().any(|c| c.selected) {
        let name = match store.admin_unit_on(&parent, as_of).await {
            Ok(Some(u)) => format!("{} (mã {})", u.full_name, u.code),
            Ok(None) => format!("Mã {parent} (không có hiệu lực ngày {})", format_vn(as_of)),
            Err(e) => return domain_error_page(&DomainError::from(e)),
        };
        parent_options.push(Choice::new(parent.clone(), name, &parent));
    }

    let mut rows: Vec<AdminUnitRow> = Vec::new();
    let mut empty_hint = None;
    if as_of_error.is_none() && level_error.is_none() {
        let level_filter = (level != "all").then_some(level.as_str());
        // A province code filters on the province (communes before the reform hang under a
        // district); any other code on the direct parent.
        let by_province = parent.len() == AdminLevel::Province.code_len();
        let db_parent = (!parent.is_empty() && !by_province).then_some(parent.as_str());
        rows = match store.admin_units_on(level_filter, db_parent, as_of).await {
            Ok(r) => r,
            Err(e) => return domain_error_page(&DomainError::from(e)),
        };
        if by_province {
            rows.retain(|r| r.province_code == parent && r.code != parent);
        }
        if !search.is_empty() {
            let needle = fold(&search);
            rows.retain(|r| r.code == search || fold(&r.full_name).contains(&needle));
        }
        if rows.is_empty() {
            empty_hint = if level == "district" && as_of >= DATE_REFORM {
                Some("Từ 01/07/2025 chính quyền địa phương chỉ còn hai cấp (tỉnh và xã); không còn đơn vị cấp huyện.".to_string())
            } else if level == "province" && !parent.is_empty() {
                Some("Đơn vị cấp tỉnh không có đơn vị cấp trên; hãy chọn cấp xã/phường để xem các đơn vị trực thuộc.".to_string())
            } else {
                None
            };
        }
    }
    let total = rows.len();
    let capped = total > MAX_ROWS;
    rows.truncate(MAX_ROWS);

    // Names of the parents shown (provinces and, before the reform, districts).
    let parent_names = if rows.iter().any(|r| r.parent_code.is_some()) {
        match names_on(&state, as_of, &["province", "district"]).await {
            Ok(m) => m,
            Err(e) => return domain_error_page(&e),
        }
    } else {
        HashMap::new()
    };
    let rows = rows
        .into_iter()
        .map(|r| UnitRowView {
            href: unit_href(&r.code, as_of),
            parent: r.parent_code.as_ref().map(|p| UnitLink {
                code: p.clone(),
                name: parent_names
                    .get(p)
                    .cloned()
                    .unwrap_or_else(|| format!("Mã {p}")),
                href: unit_href(p, as_of),
            }),
            from: vn_or_dash(r.valid_from),
            to: vn_or_dash(last_day(r.valid_to)),
            code: r.code,
            full_name: r.full_name,
            unit_type: r.unit_type,
        })
        .collect();

    let levels = LEVELS
        .iter()
        .map(|(v, label)| Choice::new(*v, *label, &level))
        .collect();
    let mut page = AdminUnitsPage {
        l: Layout::for_actor("Đơn vị hành chính", &actor, "/reference/admin-units"),
        as_of: as_of.to_string(),
        as_of_vn: format_vn(as_of),
        as_of_error,
        level_error,
        levels,
        parent_options,
        oob: false,
        q: search,
        rows,
        total,
        capped,
        empty_hint,
    };
    if htmx {
        // htmx swaps only 2xx answers: the fragment carries any error message itself.
        page.oob = true;
        let body = page.as_results().render().and_then(|results| {
            page.as_parent_select()
                .render()
                .map(|select| format!("{results}\n{select}"))
        });
        html(StatusCode::OK, body)
    } else {
        html(status, page.render())
    }
}

pub struct VersionView {
    pub full_name: String,
    pub unit_type: String,
    pub level_label: &'static str,
    pub parent: Option<UnitLink>,
    pub from: String,
    pub to: String,
    pub href: String,
    pub current: bool,
}

pub struct SuccessionView {
    pub code: String,
    pub name: String,
    pub relation_label: &'static str,
    pub href: String,
}

pub struct UnitView {
    pub code: String,
    pub full_name: String,
    pub name: String,
    pub unit_type: String,
    pub level_label: &'static str,
    pub parent: Option<UnitLink>,
    pub province: Option<UnitLink>,
    pub from: String,
    pub to: String,
    /// The list of units under this one on that date.
    pub children_href: Option<String>,
}

#[derive(Template)]
#[template(path = "admin_unit.html")]
pub struct AdminUnitPage {
    pub l: Layout,
    pub code: String,
    pub as_of: String,
    pub as_of_vn: String,
    pub as_of_error: Option<String>,
    pub unit: Option<UnitView>,
    pub not_found: Option<String>,
    pub versions: Vec<VersionView>,
    pub successors: Vec<SuccessionView>,
    pub predecessors: Vec<SuccessionView>,
    pub reform_vn: String,
    pub back_href: String,
    /// This page's path (the date form submits to it).
    pub self_path: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct AsOfQuery {
    pub as_of: Option<String>,
}

fn relation_label(relation: &str) -> &'static str {
    match relation {
        "full" => "toàn bộ",
        "partial" => "một phần",
        _ => "không rõ",
    }
}

async fn link_on(state: &AppState, code: &str, on: Date) -> Result<UnitLink, DomainError> {
    let name = state
        .app
        .store
        .admin_unit_on(code, on)
        .await?
        .map(|u| u.full_name)
        .unwrap_or_else(|| format!("Mã {code}"));
    Ok(UnitLink {
        code: code.to_string(),
        name,
        href: unit_href(code, on),
    })
}

/// A date on which `v` is valid, to link to it.
fn a_day_of(v: &AdminUnitRow) -> Date {
    v.valid_from
        .or_else(|| last_day(v.valid_to))
        .unwrap_or_else(vn_today)
}

async fn unit_detail(
    state: &AppState,
    code: &str,
    as_of: Date,
    page: &mut AdminUnitPage,
) -> Result<(), DomainError> {
    let store = &state.app.store;
    let versions = store.admin_unit_versions(code).await?;
    let unit = store.admin_unit_on(code, as_of).await?;
    let mut views = Vec::with_capacity(versions.len());
    for v in &versions {
        let on = a_day_of(v);
        let parent = match &v.parent_code {
            Some(p) => Some(link_on(state, p, on).await?),
            None => None,
        };
        views.push(VersionView {
            full_name: v.full_name.clone(),
            unit_type: v.unit_type.clone(),
            level_label: level_label(&v.level),
            parent,
            from: vn_or_dash(v.valid_from),
            to: vn_or_dash(last_day(v.valid_to)),
            href: unit_href(&v.code, on),
            current: unit.as_ref() == Some(v),
        });
    }
    page.versions = views;
    let Some(u) = unit else {
        page.not_found = Some(if versions.is_empty() {
            format!("Không có đơn vị hành chính nào mang mã \u{201c}{code}\u{201d}.")
        } else {
            format!(
                "Mã \u{201c}{code}\u{201d} không gắn với đơn vị hành chính nào có hiệu lực ngày {}. Xem các phiên bản của mã này bên dưới.",
                format_vn(as_of)
            )
        });
        return Ok(());
    };
    if u.valid_to == Some(DATE_REFORM) {
        for s in store.admin_unit_successors(&u.code, &u.level).await? {
            let link = link_on(state, &s.new_code, s.effective).await?;
            page.successors.push(SuccessionView {
                code: link.code,
                name: link.name,
                relation_label: relation_label(&s.relation),
                href: link.href,
            });
        }
    }
    if u.valid_from.is_some_and(|f| f >= DATE_REFORM) {
        for s in store.admin_unit_predecessors(&u.code, &u.level).await? {
            let on = s.effective.previous_day().unwrap_or(s.effective);
            let link = link_on(state, &s.old_code, on).await?;
            page.predecessors.push(SuccessionView {
                code: link.code,
                name: link.name,
                relation_label: relation_label(&s.relation),
                href: link.href,
            });
        }
    }
    let parent = match &u.parent_code {
        Some(p) => Some(link_on(state, p, as_of).await?),
        None => None,
    };
    let province = if u.level != "province" && u.parent_code.as_deref() != Some(&u.province_code) {
        Some(link_on(state, &u.province_code, as_of).await?)
    } else {
        None
    };
    let children_level = match u.level.as_str() {
        "province" => Some("commune"),
        "district" => Some("commune"),
        _ => None,
    };
    page.unit = Some(UnitView {
        children_href: children_level.map(|l| {
            format!(
                "/reference/admin-units?as_of={as_of}&level={l}&parent={}",
                encode_component(&u.code)
            )
        }),
        code: u.code,
        full_name: u.full_name,
        name: u.name,
        unit_type: u.unit_type,
        level_label: level_label(&u.level),
        parent,
        province,
        from: vn_or_dash(u.valid_from),
        to: vn_or_dash(last_day(u.valid_to)),
    });
    Ok(())
}

pub async fn admin_unit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(code): Path<String>,
    query: Result<Query<AsOfQuery>, QueryRejection>,
) -> Response {
    let q = match query {
        Ok(Query(q)) => q,
        Err(rej) => return bad_query(&rej),
    };
    let code = code.trim().to_string();
    let (as_of, as_of_error) = match parse_date_field(q.as_of.as_deref()) {
        Ok(d) => (d.unwrap_or_else(vn_today), None),
        Err(msg) => (vn_today(), Some(msg)),
    };
    let mut page = AdminUnitPage {
        l: Layout::for_actor(
            format!("Đơn vị hành chính mã {code}"),
            &actor,
            "/reference/admin-units",
        ),
        code: code.clone(),
        as_of: as_of.to_string(),
        as_of_vn: format_vn(as_of),
        as_of_error,
        unit: None,
        not_found: None,
        versions: Vec::new(),
        successors: Vec::new(),
        predecessors: Vec::new(),
        reform_vn: format_vn(DATE_REFORM),
        back_href: format!("/reference/admin-units?as_of={as_of}"),
        self_path: format!("/reference/admin-units/{}", encode_component(&code)),
    };
    if page.as_of_error.is_some() {
        return html(StatusCode::UNPROCESSABLE_ENTITY, page.render());
    }
    if let Err(e) = unit_detail(&state, &code, as_of, &mut page).await {
        return domain_error_page(&e);
    }
    let status = if page.unit.is_some() {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    html(status, page.render())
}
