//! The working calendar: days off of a year, a deadline calculator (working days), and for
//! administrators the government-decided adjustments (POST + redirect).

use askama::Template;
use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use time::Date;
use tuphap_core::calendar::{AdjustmentKind, DayAdjustment, SUPPORTED_YEARS};
use tuphap_core::dates::{format_vn, parse_date, vn_today};
use tuphap_core::error::Coded;
use tuphap_domain::{Actor, DomainError, ErrorKind};

use super::reference::{
    Choice, bad_query, domain_error_page, html, non_empty, parse_date_field, weekday_vi,
};
use super::{CsrfOnly, CsrfProtected, Layout, PageActor, accept_form, error_page};
use crate::extract::Meta;
use crate::state::AppState;

/// Largest number of working days the calculator accepts.
const MAX_DAYS: u32 = 365;

pub struct DayOffView {
    pub date_vn: String,
    pub weekday: &'static str,
    pub name: String,
}

pub struct DeadlineView {
    pub from_vn: String,
    pub days: u32,
    pub date_vn: String,
    pub weekday: &'static str,
}

pub struct AdjustmentView {
    pub date_vn: String,
    pub weekday: &'static str,
    pub kind_label: &'static str,
    pub kind_class: &'static str,
    pub name: String,
    pub legal_basis: String,
    pub delete_action: String,
    pub confirm: String,
    /// The day just saved.
    pub highlight: bool,
}

/// The add/replace form as submitted (kept on errors).
#[derive(Debug, Default, Deserialize)]
pub struct AdjustmentForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name_vi: String,
    #[serde(default)]
    pub legal_basis: String,
}

impl CsrfProtected for AdjustmentForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

#[derive(Template)]
#[template(path = "calendar.html")]
pub struct CalendarPage {
    pub l: Layout,
    pub year: i32,
    pub year_error: Option<String>,
    pub years: Vec<Choice>,
    pub prev_year: Option<i32>,
    pub next_year: Option<i32>,
    pub days_off: Vec<DayOffView>,
    pub flash: Option<String>,
    // Deadline calculator.
    pub from: String,
    pub from_error: Option<String>,
    pub days: String,
    pub days_error: Option<String>,
    pub deadline: Option<DeadlineView>,
    // Administrators.
    pub is_admin: bool,
    pub adjustments: Vec<AdjustmentView>,
    pub form: AdjustmentForm,
    pub kinds: Vec<Choice>,
    pub form_error: Option<String>,
    pub date_error: Option<String>,
    pub kind_error: Option<String>,
    pub name_error: Option<String>,
    pub basis_error: Option<String>,
}

fn kind_label(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "day_off" => ("Ngày nghỉ", "day-off"),
        "working_day" => ("Ngày làm việc", "working-day"),
        _ => ("Khác", ""),
    }
}

fn kind_choices(current: &str) -> Vec<Choice> {
    vec![
        Choice::new("day_off", "Ngày nghỉ", current),
        Choice::new("working_day", "Ngày làm việc", current),
    ]
}

/// The page for `year` with everything read from the store; the caller fills in the rest.
async fn base_page(
    state: &AppState,
    actor: &Actor,
    year: i32,
) -> Result<CalendarPage, DomainError> {
    let cal = state.app.working_calendar().await?;
    let days_off = cal
        .days_off(year)
        .into_iter()
        .map(|(d, name)| DayOffView {
            date_vn: format_vn(d),
            weekday: weekday_vi(d),
            name,
        })
        .collect();
    let is_admin = actor.role.can_administer();
    let adjustments = if is_admin {
        state
            .app
            .store
            .calendar_adjustments()
            .await?
            .into_iter()
            .filter(|a| a.day.year() == year)
            .map(|a| {
                let (kind_label, kind_class) = kind_label(&a.kind);
                AdjustmentView {
                    date_vn: format_vn(a.day),
                    weekday: weekday_vi(a.day),
                    kind_label,
                    kind_class,
                    delete_action: format!("/calendar/adjustments/{}/delete", a.day),
                    confirm: format!(
                        "Xóa điều chỉnh lịch ngày {} ({})?",
                        format_vn(a.day),
                        a.name_vi
                    ),
                    name: a.name_vi,
                    legal_basis: a.legal_basis.unwrap_or_default(),
                    highlight: false,
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    let current = year.to_string();
    Ok(CalendarPage {
        l: Layout::for_actor("Lịch làm việc", actor, "/calendar"),
        year,
        year_error: None,
        years: SUPPORTED_YEARS
            .map(|y| Choice::new(y.to_string(), y.to_string(), &current))
            .collect(),
        prev_year: Some(year - 1).filter(|y| SUPPORTED_YEARS.contains(y)),
        next_year: Some(year + 1).filter(|y| SUPPORTED_YEARS.contains(y)),
        days_off,
        flash: None,
        from: vn_today().to_string(),
        from_error: None,
        days: String::new(),
        days_error: None,
        deadline: None,
        is_admin,
        adjustments,
        form: AdjustmentForm {
            kind: "day_off".into(),
            ..AdjustmentForm::default()
        },
        kinds: kind_choices("day_off"),
        form_error: None,
        date_error: None,
        kind_error: None,
        name_error: None,
        basis_error: None,
    })
}

/// The default year: this year, kept inside the supported range.
fn this_year() -> i32 {
    vn_today()
        .year()
        .clamp(*SUPPORTED_YEARS.start(), *SUPPORTED_YEARS.end())
}

#[derive(Debug, Default, Deserialize)]
pub struct CalendarQuery {
    pub year: Option<String>,
    pub from: Option<String>,
    pub days: Option<String>,
    pub saved: Option<String>,
    pub deleted: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    query: Result<Query<CalendarQuery>, QueryRejection>,
) -> Response {
    let q = match query {
        Ok(Query(q)) => q,
        Err(rej) => return bad_query(&rej),
    };
    let mut status = StatusCode::OK;
    let (year, year_error) = match non_empty(q.year.as_deref()) {
        None => (this_year(), None),
        Some(y) => match y.parse::<i32>() {
            Ok(y) if SUPPORTED_YEARS.contains(&y) => (y, None),
            _ => {
                status = StatusCode::UNPROCESSABLE_ENTITY;
                (
                    this_year(),
                    Some(format!(
                        "Lịch ngày nghỉ có cho các năm {}–{}.",
                        SUPPORTED_YEARS.start(),
                        SUPPORTED_YEARS.end()
                    )),
                )
            }
        },
    };
    let mut page = match base_page(&state, &actor, year).await {
        Ok(p) => p,
        Err(e) => return domain_error_page(&e),
    };
    page.year_error = year_error;
    let flash_date = |v: Option<&str>| non_empty(v).and_then(|s| parse_date(s).ok());
    page.flash = if let Some(d) = flash_date(q.saved.as_deref()) {
        let shown = format_vn(d);
        for a in page.adjustments.iter_mut().filter(|a| a.date_vn == shown) {
            a.highlight = true;
        }
        Some(format!("Đã lưu điều chỉnh lịch ngày {shown}."))
    } else {
        flash_date(q.deleted.as_deref())
            .map(|d| format!("Đã xóa điều chỉnh lịch ngày {}.", format_vn(d)))
    };

    // Deadline calculator: runs when the form was submitted.
    if q.from.is_some() || q.days.is_some() {
        page.from = non_empty(q.from.as_deref())
            .unwrap_or_default()
            .chars()
            .take(20)
            .collect();
        page.days = non_empty(q.days.as_deref())
            .unwrap_or_default()
            .chars()
            .take(10)
            .collect();
        let from = match parse_date_field(q.from.as_deref()) {
            Ok(Some(d)) => Some(d),
            Ok(None) => {
                page.from_error = Some("Hãy chọn ngày bắt đầu.".into());
                None
            }
            Err(msg) => {
                page.from_error = Some(msg);
                None
            }
        };
        let days = match page.days.parse::<u32>() {
            Ok(n) if n <= MAX_DAYS => Some(n),
            _ => {
                page.days_error = Some(format!(
                    "Số ngày làm việc phải là số nguyên từ 0 đến {MAX_DAYS}."
                ));
                None
            }
        };
        if let (Some(from), Some(days)) = (from, days) {
            match state.app.working_calendar().await {
                Ok(cal) => {
                    let date = cal.add_working_days(from, days);
                    page.deadline = Some(DeadlineView {
                        from_vn: format_vn(from),
                        days,
                        date_vn: format_vn(date),
                        weekday: weekday_vi(date),
                    });
                }
                Err(e) => return domain_error_page(&e),
            }
        } else {
            status = StatusCode::UNPROCESSABLE_ENTITY;
        }
    }
    html(status, page.render())
}

/// Re-shows the page with the submitted form and its error.
async fn form_error(
    state: &AppState,
    actor: &Actor,
    form: AdjustmentForm,
    date: Option<Date>,
    e: DomainError,
) -> Response {
    let year = date
        .map(|d| d.year())
        .filter(|y| SUPPORTED_YEARS.contains(y))
        .unwrap_or_else(this_year);
    let mut page = match base_page(state, actor, year).await {
        Ok(p) => p,
        Err(e) => return domain_error_page(&e),
    };
    let status = crate::error::status_of(e.kind);
    match e.field.as_deref() {
        Some("date") => page.date_error = Some(e.message),
        Some("kind") => page.kind_error = Some(e.message),
        Some("name_vi") => page.name_error = Some(e.message),
        Some("legal_basis") => page.basis_error = Some(e.message),
        _ => page.form_error = Some(e.message),
    }
    page.kinds = kind_choices(&form.kind);
    page.form = AdjustmentForm {
        csrf: String::new(),
        ..form
    };
    html(status, page.render())
}

pub async fn set_adjustment(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PageActor(actor): PageActor,
    form: Result<Form<AdjustmentForm>, FormRejection>,
) -> Response {
    let f = match accept_form(&actor, form) {
        Ok(f) => f,
        Err(refused) => return refused,
    };
    if !actor.role.can_administer() {
        return error_page(
            "Chỉ quản trị hệ thống được sửa lịch ngày nghỉ.",
            StatusCode::FORBIDDEN,
        );
    }
    let date = match non_empty(Some(&f.date)) {
        None => {
            let e = DomainError::new(
                ErrorKind::BadRequest,
                "parameter_required",
                "Hãy chọn ngày cần điều chỉnh.",
            )
            .with_field("date");
            return form_error(&state, &actor, f, None, e).await;
        }
        Some(s) => match parse_date(s) {
            Ok(d) => d,
            Err(err) => {
                let e = DomainError::unprocessable(&err).with_field("date");
                return form_error(&state, &actor, f, None, e).await;
            }
        },
    };
    if !SUPPORTED_YEARS.contains(&date.year()) {
        let e = DomainError::new(
            ErrorKind::Unprocessable,
            "calendar_year_unsupported",
            format!(
                "Lịch làm việc có cho các năm {}–{}.",
                SUPPORTED_YEARS.start(),
                SUPPORTED_YEARS.end()
            ),
        )
        .with_field("date");
        return form_error(&state, &actor, f, Some(date), e).await;
    }
    let Some(kind) = AdjustmentKind::parse(&f.kind) else {
        let e = DomainError::new(
            ErrorKind::Unprocessable,
            "calendar_kind_invalid",
            "Hãy chọn loại điều chỉnh: ngày nghỉ hoặc ngày làm việc.",
        )
        .with_field("kind");
        return form_error(&state, &actor, f, Some(date), e).await;
    };
    if f.legal_basis.chars().count() > 300 {
        let e = DomainError::new(
            ErrorKind::Unprocessable,
            "calendar_legal_basis_too_long",
            "Căn cứ pháp lý dài quá 300 ký tự.",
        )
        .with_field("legal_basis");
        return form_error(&state, &actor, f, Some(date), e).await;
    }
    let adj = DayAdjustment {
        date,
        kind,
        name_vi: f.name_vi.clone(),
        legal_basis: non_empty(Some(&f.legal_basis)).map(str::to_string),
    };
    match state.app.set_calendar_adjustment(&actor, &meta, adj).await {
        Ok(()) => Redirect::to(&format!(
            "/calendar?year={}&saved={date}#dieu-chinh",
            date.year()
        ))
        .into_response(),
        Err(e) => form_error(&state, &actor, f, Some(date), e).await,
    }
}

pub async fn delete_adjustment(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PageActor(actor): PageActor,
    Path(date): Path<String>,
    form: Result<Form<CsrfOnly>, FormRejection>,
) -> Response {
    if let Err(refused) = accept_form(&actor, form) {
        return refused;
    }
    let date = match parse_date(&date) {
        Ok(d) => d,
        Err(e) => return error_page(&e.message_vi(), StatusCode::BAD_REQUEST),
    };
    match state
        .app
        .delete_calendar_adjustment(&actor, &meta, date)
        .await
    {
        Ok(()) => Redirect::to(&format!(
            "/calendar?year={}&deleted={date}#dieu-chinh",
            date.year()
        ))
        .into_response(),
        Err(e) => domain_error_page(&e),
    }
}
