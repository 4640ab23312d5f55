//! The citizen's dossiers (issue 7): apply online with uploads (`/citizen/dossiers/new`), "my
//! dossiers" (`/citizen/dossiers`), a dossier's page with its history, the fee to pay, the
//! supplement to send, withdrawal, and the electronic certificate once registered
//! (`/citizen/dossiers/{code}/certificate.pdf`).
//!
//! The application form is the officer's birth form (`civil::citizen_birth_sections`) without
//! the declarant's name and ID, which come from the login (once-only); it is sent as
//! `multipart/form-data` with the documents, under [`UPLOAD_BODY_LIMIT`].

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tuphap_core::dates::format_vn;
use tuphap_core::dossier::{DossierStatus, event_label_vi};
use tuphap_domain::citizen::Citizen;
use tuphap_domain::online::application::{
    COPY_PROCEDURE, MAX_COPIES, MAX_FILE_BYTES, MAX_FILES, OnlineApplication, OnlineOffice, Upload,
};
use tuphap_domain::online::dossier::DossierParty;
use tuphap_domain::{DomainError, ErrorKind};
use tuphap_store::dossiers::{DossierFileInfo, DossierRow};

use super::{CitizenPage, citizen_csrf_refused};
use crate::extract::Meta;
use crate::pages::civil::{
    BirthForm, ErrorLink, RELATIONSHIPS, SectionView, citizen_birth_sections,
};
use crate::pages::reference::{domain_error_page, html};
use crate::pages::{Layout, error_page};
use crate::state::AppState;

/// Largest application (form and files): the files' limit and room for the form.
pub const UPLOAD_BODY_LIMIT: usize = MAX_FILES * MAX_FILE_BYTES + 512 * 1024;

/// The procedure offered with an online form (birth registration).
const BIRTH_PROCEDURE: &str = "BTP-HT-KS";

fn no_store(mut r: Response) -> Response {
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn vn_micros(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(t) * 1000)
        .map(|t| {
            let t = t.to_offset(tuphap_core::dates::VN_OFFSET);
            format!("{:02}:{:02} {}", t.hour(), t.minute(), format_vn(t.date()))
        })
        .unwrap_or_default()
}

fn status_label(s: &str) -> &'static str {
    DossierStatus::parse(s).map_or("Không rõ", DossierStatus::label_vi)
}

/// A CSS class for a status badge.
fn status_class(s: &str) -> &'static str {
    match s {
        "processed" | "result_returned" => "success",
        "refused" | "stopped" | "withdrawn" => "failure",
        "supplement_requested" => "late",
        _ => "pending",
    }
}

// ---------------------------------------------------------------------------------------------
// My dossiers

pub struct DossierLine {
    pub code: String,
    pub procedure_name: String,
    pub status_label: &'static str,
    pub status_class: &'static str,
    pub submitted: String,
    pub due: String,
    pub to_pay: bool,
}

#[derive(Template)]
#[template(path = "citizen_dossiers.html")]
pub struct MyDossiersPage {
    pub l: Layout,
    pub full_name: String,
    pub dossiers: Vec<DossierLine>,
}

pub async fn my_dossiers(
    State(state): State<AppState>,
    CitizenPage(citizen): CitizenPage,
) -> Response {
    let rows = match state.app.citizen_dossiers(&citizen).await {
        Ok(r) => r,
        Err(e) => return domain_error_page(&e),
    };
    let page = MyDossiersPage {
        l: Layout::public("Hồ sơ của tôi", citizen.csrf_token.clone()),
        full_name: citizen.full_name.clone(),
        dossiers: rows
            .iter()
            .map(|d| DossierLine {
                code: d.code.clone(),
                procedure_name: d.procedure_name.clone(),
                status_label: status_label(&d.status),
                status_class: status_class(&d.status),
                submitted: vn_micros(d.submitted_at),
                due: d.due_on.map(format_vn).unwrap_or_default(),
                to_pay: tuphap_domain::online::payment::payment_due(d),
            })
            .collect(),
    };
    no_store(html(StatusCode::OK, page.render()))
}

// ---------------------------------------------------------------------------------------------
// The application form

/// A file input of the form: one per document the procedure asks for.
pub struct DocumentInput {
    pub name: String,
    pub label: String,
    pub required: bool,
}

#[derive(Template)]
#[template(path = "citizen_dossier_new.html")]
pub struct ApplicationPage {
    pub l: Layout,
    pub procedure_name: String,
    pub procedure_code: String,
    pub full_name: String,
    pub personal_id: String,
    pub offices: Vec<OnlineOffice>,
    pub office: String,
    pub sections: Vec<SectionView>,
    pub relationships: &'static [&'static str],
    pub documents: Vec<DocumentInput>,
    pub copies: String,
    pub max_copies: u32,
    pub copy_fee: Option<String>,
    pub max_files: usize,
    pub max_mb: usize,
    pub form_error: Option<String>,
    pub error_link: Option<ErrorLink>,
}

/// The documents the citizen uploads: the procedure's, except the form itself (filled on the
/// page) and the identity papers (the login stands for them), and one "other" slot.
fn documents(required: &[String]) -> Vec<String> {
    let mut out: Vec<String> = required
        .iter()
        .filter(|d| !d.starts_with("Tờ khai") && !d.starts_with("Giấy tờ tùy thân"))
        .cloned()
        .collect();
    out.push("Giấy tờ khác".into());
    out.truncate(MAX_FILES);
    out
}

/// The form pre-filled once-only: the citizen is the declarant, and the mother or the father by
/// the sex the identity provider gave.
fn prefilled(citizen: &Citizen) -> BirthForm {
    let BirthForm(mut m) = BirthForm::usual();
    let parent = match citizen.gender.as_deref() {
        Some("male") => "father",
        _ => "mother",
    };
    m.insert(format!("{parent}.full_name"), citizen.full_name.clone());
    m.insert(format!("{parent}.personal_id"), citizen.personal_id.clone());
    if let Some(b) = &citizen.birthdate {
        m.insert(format!("{parent}.date_of_birth"), b.clone());
    }
    m.insert(
        "declarant.relationship".into(),
        if parent == "father" { "cha" } else { "mẹ" }.into(),
    );
    BirthForm(m)
}

async fn application_page(
    state: &AppState,
    citizen: &Citizen,
    form: &BirthForm,
    office: &str,
    copies: &str,
    err: Option<&DomainError>,
) -> Response {
    let procedure = match state.app.get_procedure(BIRTH_PROCEDURE).await {
        Ok(p) => p,
        Err(e) => return domain_error_page(&e),
    };
    let offices = match state.app.online_offices().await {
        Ok(o) => o,
        Err(e) => return domain_error_page(&e),
    };
    let copy_fee = match state.app.get_procedure(COPY_PROCEDURE).await {
        Ok(p) => p.fee_vnd.map(tuphap_core::text::vnd),
        Err(_) => None,
    };
    let (sections, mut error_link, mut form_error) = citizen_birth_sections(form, err);
    if let Some(e) = err
        && matches!(e.field.as_deref(), Some("files" | "copies" | "office_code"))
    {
        error_link = None;
        form_error = Some(e.message.clone());
    }
    let docs = documents(&procedure.required_documents);
    let last = docs.len().saturating_sub(1);
    let page = ApplicationPage {
        l: Layout::public("Nộp hồ sơ đăng ký khai sinh", citizen.csrf_token.clone()),
        procedure_name: procedure.name.clone(),
        procedure_code: procedure.code.clone(),
        full_name: citizen.full_name.clone(),
        personal_id: citizen.personal_id.clone(),
        offices,
        office: office.to_string(),
        sections,
        relationships: &RELATIONSHIPS,
        documents: docs
            .into_iter()
            .enumerate()
            .map(|(i, label)| DocumentInput {
                name: format!("file_{i}"),
                required: i == 0 && i != last,
                label,
            })
            .collect(),
        copies: copies.to_string(),
        max_copies: MAX_COPIES,
        copy_fee,
        max_files: MAX_FILES,
        max_mb: MAX_FILE_BYTES / (1024 * 1024),
        form_error,
        error_link,
    };
    let status = err.map_or(StatusCode::OK, |e| crate::error::status_of(e.kind));
    no_store(html(status, page.render()))
}

pub async fn new_application(
    State(state): State<AppState>,
    CitizenPage(citizen): CitizenPage,
) -> Response {
    application_page(&state, &citizen, &prefilled(&citizen), "", "0", None).await
}

/// The text fields and the files of a multipart form; `None` when the body is not readable
/// (too large, cut off, not multipart).
async fn read_multipart(
    mut mp: Multipart,
) -> Result<(HashMap<String, String>, Vec<(String, String, Vec<u8>)>), DomainError> {
    let unreadable = |too_large: bool| {
        DomainError::new(
            if too_large {
                ErrorKind::TooLarge
            } else {
                ErrorKind::BadRequest
            },
            if too_large {
                "upload_too_large"
            } else {
                "form_unreadable"
            },
            if too_large {
                format!(
                    "Hồ sơ gửi lên quá lớn: tối đa {MAX_FILES} tệp, mỗi tệp không quá {} MB.",
                    MAX_FILE_BYTES / (1024 * 1024)
                )
            } else {
                "Không đọc được dữ liệu biểu mẫu. Hãy tải lại trang và thử lại.".to_string()
            },
        )
        .with_field("files")
    };
    let mut text = HashMap::new();
    let mut files = Vec::new();
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                return Err(unreadable(e.status() == StatusCode::PAYLOAD_TOO_LARGE));
            }
        };
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(str::to_string);
        let bytes = match field.bytes().await {
            Ok(b) => b,
            Err(e) => {
                return Err(unreadable(e.status() == StatusCode::PAYLOAD_TOO_LARGE));
            }
        };
        match file_name {
            Some(f) => {
                if !bytes.is_empty() {
                    files.push((name, f, bytes.to_vec()));
                }
            }
            None => {
                if text.len() > 200 {
                    return Err(unreadable(false));
                }
                text.insert(name, String::from_utf8_lossy(&bytes).into_owned());
            }
        }
    }
    Ok((text, files))
}

/// A citizen's multipart form: its text fields and files, after the CSRF check; else the page
/// to answer (400 unreadable, 413 too large, 403 wrong token).
// The error is the response the handler returns as is; boxing it would buy nothing.
#[allow(clippy::result_large_err)]
async fn citizen_multipart(
    citizen: &Citizen,
    mp: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<(HashMap<String, String>, Vec<(String, String, Vec<u8>)>), Response> {
    let Ok(mp) = mp else {
        return Err(error_page(
            "Không đọc được dữ liệu biểu mẫu. Hãy tải lại trang và thử lại.",
            StatusCode::BAD_REQUEST,
        ));
    };
    let (text, files) = read_multipart(mp)
        .await
        .map_err(|e| domain_error_page(&e))?;
    if let Some(refused) =
        citizen_csrf_refused(citizen, text.get("csrf").map_or("", String::as_str))
    {
        return Err(refused);
    }
    Ok((text, files))
}

pub async fn submit_application(
    State(state): State<AppState>,
    Meta(meta): Meta,
    CitizenPage(citizen): CitizenPage,
    mp: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let (text, raw_files) = match citizen_multipart(&citizen, mp).await {
        Ok(x) => x,
        Err(refused) => return refused,
    };
    let office = text.get("office_code").cloned().unwrap_or_default();
    let copies_raw = text.get("copies").cloned().unwrap_or_default();
    let mut form = BirthForm(text);
    form.0.remove("csrf");
    let procedure = match state.app.get_procedure(BIRTH_PROCEDURE).await {
        Ok(p) => p,
        Err(e) => return domain_error_page(&e),
    };
    let docs = documents(&procedure.required_documents);
    let files: Vec<Upload> = raw_files
        .into_iter()
        .filter_map(|(name, file_name, content)| {
            let i: usize = name.strip_prefix("file_")?.parse().ok()?;
            Some(Upload {
                component: docs.get(i)?.clone(),
                file_name,
                content,
            })
        })
        .collect();
    let copies = match copies_raw.trim() {
        "" => Ok(0),
        c => c.parse::<u32>().map_err(|_| {
            DomainError::new(
                ErrorKind::Unprocessable,
                "dossier_copies_invalid",
                format!("Số bản sao trích lục là một số từ 0 đến {MAX_COPIES}."),
            )
            .with_field("copies")
        }),
    };
    let office_missing = office.trim().is_empty();
    let result = match (form.declaration(), copies) {
        _ if office_missing => Err(DomainError::new(
            ErrorKind::Unprocessable,
            "dossier_office_missing",
            "Hãy chọn cơ quan giải quyết (Ủy ban nhân dân cấp xã nơi cha hoặc mẹ cư trú).",
        )
        .with_field("office_code")),
        (Ok(d), Ok(copies)) => match serde_json::to_value(&d) {
            Ok(application) => {
                state
                    .app
                    .apply_online(
                        &citizen,
                        &meta,
                        OnlineApplication {
                            procedure_code: procedure.code.clone(),
                            office_code: office.clone(),
                            application,
                            copies,
                            files,
                        },
                        tuphap_store::now_utc(),
                    )
                    .await
            }
            Err(_) => Err(DomainError::internal()),
        },
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    match result {
        Ok(d) => Redirect::to(&format!("/citizen/dossiers/{}?submitted=1", d.code)).into_response(),
        Err(e) => application_page(&state, &citizen, &form, &office, &copies_raw, Some(&e)).await,
    }
}

// ---------------------------------------------------------------------------------------------
// A dossier

pub struct EventLine {
    pub at: String,
    pub label: &'static str,
    pub detail: String,
}

pub struct FileLine {
    pub id: i64,
    pub component: String,
    pub file_name: String,
    pub size: String,
}

#[derive(Template)]
#[template(path = "citizen_dossier.html")]
pub struct DossierPage {
    pub l: Layout,
    pub code: String,
    pub procedure_name: String,
    pub office_name: String,
    pub status_label: &'static str,
    pub status_class: &'static str,
    pub submitted_now: bool,
    pub submitted: String,
    pub due: String,
    pub late: bool,
    pub fee: Option<String>,
    pub to_pay: bool,
    pub paid: bool,
    pub copies: i32,
    pub supplement: Option<String>,
    pub can_withdraw: bool,
    pub certificate: bool,
    pub can_rate: bool,
    /// The rating part (`public::rating_form_html`), trusted HTML.
    pub rating_html: String,
    pub events: Vec<EventLine>,
    pub files: Vec<FileLine>,
}

#[derive(Debug, Deserialize)]
pub struct DossierQuery {
    #[serde(default)]
    pub submitted: Option<String>,
}

fn size_text(n: i64) -> String {
    if n >= 1024 * 1024 {
        format!("{:.1} MB", n as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", (n + 1023) / 1024)
    }
}

/// What an event says beyond its kind: the missing documents, the reasons, the note.
fn event_detail(details: &serde_json::Value) -> String {
    let list = |k: &str| {
        details[k].as_array().map(|a| {
            a.iter()
                .filter_map(|v| v.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        })
    };
    if let Some(items) = list("items") {
        let reason = details["reason"].as_str().unwrap_or_default();
        return format!("Cần bổ sung: {items}. {reason}").trim().to_string();
    }
    if let Some(r) = list("reasons") {
        return format!("Lý do: {r}");
    }
    if let Some(n) = details["note"].as_str().filter(|n| !n.is_empty()) {
        return n.to_string();
    }
    if let Some(r) = details["reason"].as_str() {
        return format!("Lý do: {r}");
    }
    if let Some(d) = details["new_date"].as_str() {
        return format!("Hẹn lại: {d}");
    }
    String::new()
}

async fn dossier_page(
    state: &AppState,
    meta: &tuphap_domain::RequestMeta,
    citizen: &Citizen,
    code: &str,
    submitted_now: bool,
) -> Response {
    let detail = match state
        .app
        .dossier_detail(
            DossierParty::Citizen {
                personal_id: &citizen.personal_id,
            },
            meta,
            code,
        )
        .await
    {
        Ok(d) => d,
        Err(e) => return domain_error_page(&e),
    };
    let d: &DossierRow = &detail.dossier;
    let office_name = match state.app.store.office_by_id(d.office_id).await {
        Ok(o) => o.map(|o| o.name).unwrap_or_default(),
        Err(_) => String::new(),
    };
    let files: Vec<DossierFileInfo> = state
        .app
        .store
        .dossier_files(d.id)
        .await
        .unwrap_or_default();
    let status = DossierStatus::parse(&d.status).ok();
    let supplement = (status == Some(DossierStatus::SupplementRequested)).then(|| {
        detail
            .events
            .iter()
            .rev()
            .find(|e| e.kind == "supplement_requested")
            .map(|e| event_detail(&e.details_json()))
            .unwrap_or_default()
    });
    let finished = status
        .is_some_and(|s| matches!(s, DossierStatus::Processed | DossierStatus::ResultReturned));
    let rating_html = if finished {
        match state.app.dossier_rating_state(citizen, &d.code).await {
            Ok(r) => super::public::rating_form_html(&r, &citizen.csrf_token, None),
            Err(_) => String::new(),
        }
    } else {
        String::new()
    };
    let page = DossierPage {
        l: Layout::public(format!("Hồ sơ {}", d.code), citizen.csrf_token.clone()),
        code: d.code.clone(),
        procedure_name: d.procedure_name.clone(),
        office_name,
        status_label: status_label(&d.status),
        status_class: status_class(&d.status),
        submitted_now,
        submitted: vn_micros(d.submitted_at),
        due: d
            .reappointed_on
            .or(d.due_on)
            .map(format_vn)
            .unwrap_or_else(|| "Tính từ khi cơ quan tiếp nhận".into()),
        late: d.late,
        fee: (d.fee_vnd > 0).then(|| tuphap_core::text::vnd(d.fee_vnd)),
        to_pay: tuphap_domain::online::payment::payment_due(d),
        paid: d.fee_vnd > 0 && d.paid_online > 0,
        copies: d.copies,
        supplement,
        can_withdraw: status.is_some_and(|s| {
            matches!(
                s,
                DossierStatus::Submitted
                    | DossierStatus::Received
                    | DossierStatus::Processing
                    | DossierStatus::SupplementRequested
            )
        }),
        certificate: d.has_result && d.record_id.is_some(),
        can_rate: finished,
        rating_html,
        events: detail
            .events
            .iter()
            .map(|e| EventLine {
                at: vn_micros(e.at),
                label: event_label_vi(&e.kind),
                detail: event_detail(&e.details_json()),
            })
            .collect(),
        files: files
            .iter()
            .map(|f| FileLine {
                id: f.id,
                component: f.component.clone(),
                file_name: f.file_name.clone(),
                size: size_text(f.size_bytes),
            })
            .collect(),
    };
    let to_pay = page.to_pay;
    let mut resp = no_store(html(StatusCode::OK, page.render()));
    // The payment form posts to us and we redirect to the gateway: the page's CSP must let a
    // form submission end there (`form-action` covers redirects).
    if to_pay
        && let Some(origin) = state
            .app
            .payment_gateway
            .as_ref()
            .and_then(|g| origin_of(&g.url))
        && let Ok(v) = HeaderValue::from_str(&format!(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self' {origin}; base-uri 'none'"
        ))
    {
        resp.headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, v);
    }
    resp
}

/// `scheme://host[:port]` of a URL, if it is http(s) and has no characters a CSP source
/// cannot hold.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if !matches!(scheme, "http" | "https") {
        return None;
    }
    let host = rest.split(['/', '?', '#']).next()?;
    let ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    ok.then(|| format!("{scheme}://{host}"))
}

pub async fn dossier(
    State(state): State<AppState>,
    Meta(meta): Meta,
    CitizenPage(citizen): CitizenPage,
    Path(code): Path<String>,
    query: Result<Query<DossierQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let submitted = query.is_ok_and(|Query(q)| q.submitted.is_some());
    dossier_page(&state, &meta, &citizen, &code, submitted).await
}

#[derive(Debug, Deserialize)]
pub struct WithdrawForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub reason: String,
}

pub async fn withdraw(
    State(state): State<AppState>,
    Meta(meta): Meta,
    CitizenPage(citizen): CitizenPage,
    Path(code): Path<String>,
    form: Result<axum::Form<WithdrawForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(axum::Form(f)) = form else {
        return error_page(
            "Không đọc được dữ liệu biểu mẫu. Hãy tải lại trang và thử lại.",
            StatusCode::BAD_REQUEST,
        );
    };
    if let Some(refused) = citizen_csrf_refused(&citizen, &f.csrf) {
        return refused;
    }
    let reason = if f.reason.trim().is_empty() {
        "Công dân rút hồ sơ".to_string()
    } else {
        f.reason
    };
    match state
        .app
        .withdraw_dossier(
            DossierParty::Citizen {
                personal_id: &citizen.personal_id,
            },
            &meta,
            &code,
            &reason,
            tuphap_store::now_utc(),
        )
        .await
    {
        Ok(d) => Redirect::to(&format!("/citizen/dossiers/{}", d.code)).into_response(),
        Err(e) => domain_error_page(&e),
    }
}

pub async fn supplement(
    State(state): State<AppState>,
    Meta(meta): Meta,
    CitizenPage(citizen): CitizenPage,
    Path(code): Path<String>,
    mp: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let (text, raw_files) = match citizen_multipart(&citizen, mp).await {
        Ok(x) => x,
        Err(refused) => return refused,
    };
    let files = raw_files
        .into_iter()
        .map(|(_, file_name, content)| Upload {
            component: "Giấy tờ bổ sung".into(),
            file_name,
            content,
        })
        .collect();
    match state
        .app
        .answer_supplement_online(
            &citizen,
            &meta,
            &code,
            text.get("note").map_or("", String::as_str),
            files,
            tuphap_store::now_utc(),
        )
        .await
    {
        Ok(d) => Redirect::to(&format!("/citizen/dossiers/{}", d.code)).into_response(),
        Err(e) => domain_error_page(&e),
    }
}

/// One of the citizen's own uploaded files.
pub async fn file(
    State(state): State<AppState>,
    Meta(meta): Meta,
    CitizenPage(citizen): CitizenPage,
    Path((code, id)): Path<(String, String)>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return error_page("Số tệp không hợp lệ.", StatusCode::BAD_REQUEST);
    };
    match state
        .app
        .dossier_file(
            DossierParty::Citizen {
                personal_id: &citizen.personal_id,
            },
            &meta,
            &code,
            id,
        )
        .await
    {
        Ok(f) => super::office::file_response(f),
        Err(e) => domain_error_page(&e),
    }
}

/// The electronic certificate (the dossier's result), as PDF with its signed QR code.
pub async fn certificate_pdf(
    State(state): State<AppState>,
    Meta(meta): Meta,
    CitizenPage(citizen): CitizenPage,
    Path(code): Path<String>,
) -> Response {
    let c = match state.app.dossier_certificate(&citizen, &meta, &code).await {
        Ok(c) => c,
        Err(e) => return domain_error_page(&e),
    };
    let kind = c.kind.as_str();
    let file = format!("{kind}-{}.pdf", code.trim().to_ascii_uppercase());
    match crate::api::civil::render_pdf(&state, c).await {
        Ok(pdf) => no_store(
            (
                [
                    (header::CONTENT_TYPE, "application/pdf".to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{file}\""),
                    ),
                ],
                pdf,
            )
                .into_response(),
        ),
        Err(e) => domain_error_page(&e.0),
    }
}
