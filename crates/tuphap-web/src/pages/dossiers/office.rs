//! The officer's side of dossiers (issue 7, item 4): `GET /dossiers`, the queue of the office
//! ordered by appointment date with its deadline colours (red overdue, amber due today or by the
//! next working day, green on track, grey "chờ bổ sung"), filtered by status or colour and paged
//! by keyset; province and ministry staff choose an office of their scope; administrators set
//! the offices' dossier unit codes there (`POST /dossiers/unit-codes`).
//!
//! `GET /dossiers/{code}`: the dossier with its history, files (`GET /dossiers/{code}/files/{id}`
//! downloads one as an attachment) and application, and the actions its status allows as POST
//! forms (`accept`, `supplement-request`, `refuse`, `stop`, `apology`). A refused action shows
//! the page again with the domain's message next to its form, the input kept, and the 4xx.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tuphap_core::dates::{format_vn, parse_date};
use tuphap_domain::online::dossier::DossierParty;
use tuphap_domain::online::dossier_office::{
    DossierFileDownload, DossierQueueFilter, OfficeDossierView, OfficeUnitCode, reads_dossiers,
};
use tuphap_domain::{Actor, DomainError, RequestMeta};

use crate::extract::Meta;
use crate::pages::reference::{Choice, bad_query, domain_error_page, html, non_empty};
use crate::pages::{CsrfProtected, Layout, PageActor, accept_form, encode_component, error_page};
use crate::state::AppState;

const NAV: &str = "/dossiers";

// ---------------------------------------------------------------------------------------------
// The queue
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
pub struct QueueParams {
    pub office: Option<String>,
    pub status: Option<String>,
    pub band: Option<String>,
    pub after: Option<String>,
    /// After an administrator set a unit code: the office's code.
    pub unit_set: Option<String>,
}

pub struct QueueRow {
    pub code: String,
    pub href: String,
    pub procedure_name: String,
    pub applicant_name: String,
    pub status_label: String,
    pub submitted_on: String,
    pub due_text: String,
    pub reappointed: Option<String>,
    pub deadline: String,
    pub deadline_label: String,
    pub late: bool,
}

pub struct BandLink {
    pub href: String,
    pub label: &'static str,
    pub class: &'static str,
    pub count: i64,
    pub current: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "dossier_queue.html")]
pub struct QueuePage {
    pub l: Layout,
    pub reads: bool,
    pub office_code: String,
    pub office_name: String,
    pub today: String,
    pub offices: Vec<Choice>,
    pub statuses: Vec<Choice>,
    pub band: String,
    pub bands: Vec<BandLink>,
    pub rows: Vec<QueueRow>,
    pub next_href: Option<String>,
    pub first_href: Option<String>,
    pub admin: bool,
    pub unit_codes: Vec<OfficeUnitCode>,
    pub unit_offices: Vec<Choice>,
    pub unit_code: String,
    pub unit_error: Option<String>,
    pub unit_done: Option<String>,
}

fn queue_href(office: Option<&str>, status: &str, band: &str, after: Option<&str>) -> String {
    let mut q = Vec::new();
    if let Some(o) = office {
        q.push(format!("office={}", encode_component(o)));
    }
    if status != "open" {
        q.push(format!("status={}", encode_component(status)));
    }
    if !band.is_empty() {
        q.push(format!("band={}", encode_component(band)));
    }
    if let Some(a) = after {
        q.push(format!("after={}", encode_component(a)));
    }
    if q.is_empty() {
        "/dossiers".to_string()
    } else {
        format!("/dossiers?{}", q.join("&"))
    }
}

pub async fn queue(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    query: Result<Query<QueueParams>, QueryRejection>,
) -> Response {
    let p = match query {
        Ok(Query(p)) => p,
        Err(rej) => return bad_query(&rej),
    };
    render_queue(&state, &actor, &p, StatusCode::OK, None, String::new()).await
}

async fn render_queue(
    state: &AppState,
    actor: &Actor,
    p: &QueueParams,
    status_code: StatusCode,
    unit_error: Option<String>,
    unit_code: String,
) -> Response {
    let reads = reads_dossiers(actor.role);
    let admin = actor.role.can_administer();
    if !reads && !admin {
        return error_page(
            &format!(
                "Tài khoản {} (vai trò {}) không làm việc với hồ sơ dịch vụ công.",
                actor.username,
                actor.role.label_vi()
            ),
            StatusCode::FORBIDDEN,
        );
    }
    let mut page = QueuePage {
        l: Layout::for_actor("Hồ sơ trực tuyến", actor, NAV),
        reads,
        office_code: String::new(),
        office_name: String::new(),
        today: String::new(),
        offices: Vec::new(),
        statuses: Vec::new(),
        band: String::new(),
        bands: Vec::new(),
        rows: Vec::new(),
        next_href: None,
        first_href: None,
        admin,
        unit_codes: Vec::new(),
        unit_offices: Vec::new(),
        unit_code,
        unit_error,
        unit_done: None,
    };
    if reads {
        let office_param = non_empty(p.office.as_deref()).map(str::to_string);
        let status = non_empty(p.status.as_deref()).unwrap_or("open").to_string();
        let band = non_empty(p.band.as_deref()).unwrap_or("").to_string();
        let filter = DossierQueueFilter {
            office: office_param.clone(),
            status: Some(status.clone()),
            band: (!band.is_empty()).then(|| band.clone()),
            after: non_empty(p.after.as_deref()).map(str::to_string),
            limit: None,
        };
        let q = match state
            .app
            .office_dossier_queue(actor, &filter, tuphap_store::now_utc())
            .await
        {
            Ok(q) => q,
            Err(e) => return domain_error_page(&e),
        };
        let offices = match state.app.dossier_offices_for(actor).await {
            Ok(o) => o,
            Err(e) => return domain_error_page(&e),
        };
        if offices.len() > 1 {
            page.offices = offices
                .iter()
                .map(|o| Choice::new(o.code.clone(), o.name.clone(), &q.office_code))
                .collect();
        }
        let office_link = office_param.as_deref().map(|_| q.office_code.as_str());
        let mut statuses = vec![
            Choice::new("open", "Đang giải quyết", &status),
            Choice::new("all", "Tất cả", &status),
        ];
        for s in tuphap_core::dossier::DossierStatus::ALL {
            statuses.push(Choice::new(s.as_str(), s.label_vi(), &status));
        }
        page.statuses = statuses;
        let c = q.counts;
        page.bands = [
            ("overdue", "Quá hạn", c.overdue),
            ("due_soon", "Đến hạn hôm nay, ngày mai", c.due_soon),
            ("on_track", "Trong hạn", c.on_track),
            ("paused", "Chờ bổ sung", c.paused),
            ("waiting", "Chờ tiếp nhận", c.waiting),
        ]
        .into_iter()
        .map(|(class, label, count)| BandLink {
            href: queue_href(office_link, "open", class, None),
            label,
            class,
            count,
            current: band == class,
        })
        .collect();
        page.rows = q
            .items
            .iter()
            .map(|d| QueueRow {
                code: d.code.clone(),
                href: format!("/dossiers/{}", encode_component(&d.code)),
                procedure_name: d.procedure_name.clone(),
                applicant_name: d.applicant_name.clone(),
                status_label: d.status_label.clone(),
                submitted_on: d.submitted_on.clone(),
                due_text: d.due_on_vn.clone().unwrap_or_else(|| "—".into()),
                reappointed: d.reappointed_on_vn.clone(),
                deadline: d.deadline.clone(),
                deadline_label: d.deadline_label.clone(),
                late: d.late,
            })
            .collect();
        page.next_href = q
            .next_after
            .as_deref()
            .map(|a| queue_href(office_link, &status, &band, Some(a)));
        if p.after.is_some() {
            page.first_href = Some(queue_href(office_link, &status, &band, None));
        }
        page.today = parse_date(&q.today).map(format_vn).unwrap_or_default();
        page.office_code = q.office_code;
        page.office_name = q.office_name;
        page.band = band;
    }
    if admin {
        match state.app.office_unit_codes(actor).await {
            Ok(u) => {
                page.unit_offices = u
                    .iter()
                    .map(|o| Choice::new(o.office_code.clone(), o.office_name.clone(), ""))
                    .collect();
                page.unit_done = p
                    .unit_set
                    .as_deref()
                    .and_then(|c| u.iter().find(|o| o.office_code == c))
                    .map(|o| {
                        format!(
                            "Đã khai báo mã định danh {} cho {}.",
                            o.unit_code.clone().unwrap_or_default(),
                            o.office_name
                        )
                    });
                page.unit_codes = u;
            }
            Err(e) => return domain_error_page(&e),
        }
    }
    html(status_code, page.render())
}

#[derive(Debug, Default, Deserialize)]
pub struct UnitCodeForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub office: String,
    #[serde(default)]
    pub unit_code: String,
}

impl CsrfProtected for UnitCodeForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /dossiers/unit-codes`: an administrator sets an office's dossier unit code.
pub async fn set_unit_code(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PageActor(actor): PageActor,
    form: Result<Form<UnitCodeForm>, FormRejection>,
) -> Response {
    let f = match accept_form(&actor, form) {
        Ok(f) => f,
        Err(resp) => return resp,
    };
    match state
        .app
        .set_dossier_unit_code(&actor, &meta, &f.office, &f.unit_code)
        .await
    {
        Ok(()) => Redirect::to(&format!(
            "/dossiers?unit_set={}",
            encode_component(f.office.trim())
        ))
        .into_response(),
        Err(e) if e.kind == tuphap_domain::ErrorKind::Forbidden => domain_error_page(&e),
        Err(e) => {
            let status = crate::error::status_of(e.kind);
            render_queue(
                &state,
                &actor,
                &QueueParams::default(),
                status,
                Some(e.message),
                f.unit_code,
            )
            .await
        }
    }
}

// ---------------------------------------------------------------------------------------------
// A dossier
// ---------------------------------------------------------------------------------------------

pub struct EventRow {
    pub at_vn: String,
    pub by: String,
    pub kind_label: String,
    pub status_label: String,
    pub due_change: Option<String>,
    pub lines: Vec<String>,
    pub letter: Option<String>,
}

pub struct FileRow {
    pub href: String,
    pub file_name: String,
    pub component: String,
    pub size_text: String,
    pub content_type: String,
    pub blocked: bool,
    /// Waiting for the anti-malware scan (clamd was down): not downloadable yet.
    pub pending_scan: bool,
    /// Officers and signers of the office download; province and ministry staff see the list.
    pub downloadable: bool,
}

pub struct Field {
    pub label: String,
    pub value: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "dossier_office.html")]
pub struct DetailPage {
    pub l: Layout,
    pub v: OfficeDossierView,
    pub code_path: String,
    pub events: Vec<EventRow>,
    pub files: Vec<FileRow>,
    pub fields: Vec<Field>,
    pub can_accept: bool,
    pub can_supplement: bool,
    pub can_refuse: bool,
    pub can_stop: bool,
    pub can_apology: bool,
    pub birth_href: Option<String>,
    pub letter: Option<String>,
    pub done: Option<&'static str>,
    /// The action whose form shows `error`.
    pub error_action: String,
    pub error: Option<String>,
    pub missing: String,
    pub reasons: String,
    pub stop_reason: String,
    pub apology_reason: String,
    pub apology_date: String,
    pub fee_text: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct DetailParams {
    pub done: Option<String>,
}

/// Values of the action forms, kept when an action is refused.
#[derive(Debug, Default, Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub missing: String,
    #[serde(default)]
    pub reasons: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub new_due_on: String,
}

impl CsrfProtected for ActionForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

fn size_text(n: i64) -> String {
    if n >= 1024 * 1024 {
        format!("{:.1} MB", n as f64 / (1024.0 * 1024.0))
    } else if n >= 1024 {
        format!("{} KB", n / 1024)
    } else {
        format!("{n} byte")
    }
}

fn string_list(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn event_row(e: &tuphap_domain::online::dossier_office::DossierEventView) -> EventRow {
    let d = &e.details;
    let mut lines = Vec::new();
    for m in string_list(&d["missing"]) {
        lines.push(format!("Cần bổ sung: {m}"));
    }
    for r in string_list(&d["reasons"]) {
        lines.push(format!("Lý do: {r}"));
    }
    if let Some(r) = d["reason"].as_str() {
        lines.push(format!("Lý do: {r}"));
    }
    if let Some(n) = d["paused_working_days"].as_u64() {
        lines.push(format!("Không tính {n} ngày làm việc chờ bổ sung."));
    }
    let due_change = match (&e.due_before_vn, &e.due_after_vn) {
        (Some(a), Some(b)) if a != b => Some(format!("Hẹn trả: {a} → {b}")),
        (None, Some(b)) => Some(format!("Hẹn trả: {b}")),
        _ => None,
    };
    EventRow {
        at_vn: e.at_vn.clone(),
        by: e.by.clone(),
        kind_label: e.kind_label.clone(),
        status_label: e.status_after_label.clone(),
        due_change,
        lines,
        letter: d["letter"].as_str().map(str::to_string),
    }
}

/// The label of a key of the application's JSON.
fn key_label(k: &str) -> String {
    match k {
        "child" => "Người được khai sinh",
        "mother" => "Mẹ",
        "father" => "Cha",
        "declarant" => "Người đi khai",
        "full_name" => "Họ, chữ đệm và tên",
        "sex" => "Giới tính",
        "date_of_birth" => "Ngày sinh",
        "place_of_birth" => "Nơi sinh",
        "residence" => "Nơi cư trú",
        "admin_unit_code" => "Mã đơn vị hành chính",
        "detail" => "Địa chỉ",
        "ethnicity_code" => "Dân tộc (mã)",
        "nationality_code" => "Quốc tịch (mã)",
        "personal_id" => "Số định danh cá nhân",
        "relationship" => "Quan hệ với người được khai sinh",
        "earlier_registration" => "Đăng ký trước đây",
        other => other,
    }
    .to_string()
}

fn value_text(k: &str, v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => {
            if k == "sex" {
                match s.as_str() {
                    "male" => return "Nam".into(),
                    "female" => return "Nữ".into(),
                    _ => {}
                }
            }
            if (k.contains("date") || k.ends_with("_on"))
                && let Ok(d) = parse_date(s)
            {
                return format_vn(d);
            }
            s.clone()
        }
        serde_json::Value::Bool(b) => if *b { "Có" } else { "Không" }.into(),
        other => other.to_string(),
    }
}

/// The application's JSON flattened to labelled lines (at most 80).
fn flatten(prefix: &str, key: &str, v: &serde_json::Value, out: &mut Vec<Field>) {
    if out.len() >= 80 {
        return;
    }
    match v {
        serde_json::Value::Null => {}
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                let p = if prefix.is_empty() {
                    key_label(k)
                } else {
                    format!("{prefix} – {}", key_label(k))
                };
                flatten(&p, k, x, out);
            }
        }
        serde_json::Value::Array(a) => {
            let text: Vec<String> = a.iter().map(|x| value_text(key, x)).collect();
            if !text.is_empty() {
                out.push(Field {
                    label: prefix.to_string(),
                    value: text.join("; "),
                });
            }
        }
        other => {
            let t = value_text(key, other);
            if !t.is_empty() {
                out.push(Field {
                    label: prefix.to_string(),
                    value: t,
                });
            }
        }
    }
}

async fn detail_page(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    code: &str,
) -> Result<DetailPage, DomainError> {
    let v = state
        .app
        .office_dossier_view(actor, meta, code, tuphap_store::now_utc())
        .await?;
    let code_path = encode_component(&v.summary.code);
    let events: Vec<EventRow> = v.events.iter().map(event_row).collect();
    let letter = events.iter().rev().find_map(|e| e.letter.clone());
    let can_act = v.office_code == actor.office.code
        && matches!(
            actor.role,
            tuphap_core::role::Role::Officer | tuphap_core::role::Role::Signer
        );
    let files = v
        .files
        .iter()
        .map(|f| FileRow {
            href: format!("/dossiers/{code_path}/files/{}", f.id),
            file_name: f.file_name.clone(),
            component: f.component.clone(),
            size_text: size_text(f.size_bytes),
            content_type: f.content_type.clone(),
            blocked: f.scan_status == "infected",
            pending_scan: f.scan_status == "pending",
            downloadable: can_act,
        })
        .collect();
    let mut fields = Vec::new();
    if let Some(a) = &v.application {
        flatten("", "", a, &mut fields);
    }
    let has = |a: &str| v.actions.iter().any(|x| x == a);
    let birth_href = (can_act
        && v.record_kind.as_deref() == Some("birth")
        && matches!(v.summary.status.as_str(), "received" | "processing"))
    .then(|| format!("/civil/births/new?dossier={code_path}"));
    let fee_text = (v.fee_vnd > 0).then(|| tuphap_core::text::vnd(v.fee_vnd));
    Ok(DetailPage {
        l: Layout::for_actor(format!("Hồ sơ {}", v.summary.code), actor, NAV),
        code_path,
        can_accept: has("accept"),
        can_supplement: has("supplement_request"),
        can_refuse: has("refuse"),
        can_stop: has("stop"),
        can_apology: has("apology"),
        birth_href,
        letter,
        events,
        files,
        fields,
        done: None,
        error_action: String::new(),
        error: None,
        missing: String::new(),
        reasons: String::new(),
        stop_reason: String::new(),
        apology_reason: String::new(),
        apology_date: String::new(),
        fee_text,
        v,
    })
}

pub async fn detail(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PageActor(actor): PageActor,
    Path(code): Path<String>,
    query: Result<Query<DetailParams>, QueryRejection>,
) -> Response {
    let p = match query {
        Ok(Query(p)) => p,
        Err(rej) => return bad_query(&rej),
    };
    let mut page = match detail_page(&state, &actor, &meta, &code).await {
        Ok(p) => p,
        Err(e) => return domain_error_page(&e),
    };
    page.done = match p.done.as_deref() {
        Some("accept") => Some("Đã tiếp nhận hồ sơ; ngày hẹn trả đã được tính."),
        Some("supplement_request") => {
            Some("Đã gửi yêu cầu bổ sung hồ sơ; thời hạn giải quyết tạm dừng.")
        }
        Some("refuse") => Some("Đã từ chối giải quyết hồ sơ."),
        Some("stop") => Some("Đã dừng xử lý hồ sơ."),
        Some("apology") => Some("Đã lập phiếu xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04)."),
        _ => None,
    };
    html(StatusCode::OK, page.render())
}

/// `GET /dossiers/{code}/files/{id}`: a file, for the officers of the dossier's office.
pub async fn file(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PageActor(actor): PageActor,
    Path((code, id)): Path<(String, String)>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return error_page("Số tệp không hợp lệ.", StatusCode::BAD_REQUEST);
    };
    match state
        .app
        .dossier_file(DossierParty::Officer(&actor), &meta, &code, id)
        .await
    {
        Ok(f) => file_response(f),
        Err(e) => domain_error_page(&e),
    }
}

/// A file of a dossier as an attachment: its stored content type (when it is a valid header
/// value), `Content-Disposition: attachment` with the file name (ASCII fallback and RFC 5987
/// UTF-8 form), `X-Content-Type-Options: nosniff`, not cached. Also for the citizen's own
/// download.
pub fn file_response(f: DossierFileDownload) -> Response {
    let ascii: String = f
        .file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        encode_component(&f.file_name).replace('/', "%2F")
    );
    let mut resp = f.content.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&f.content_type)
            .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition)
            .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    resp
}

/// One action on a dossier: run it, then back to the page (303) or the page again with the
/// error next to the form and the input kept.
async fn act(
    state: AppState,
    meta: RequestMeta,
    actor: Actor,
    code: String,
    form: Result<Form<ActionForm>, FormRejection>,
    action: &'static str,
) -> Response {
    let f = match accept_form(&actor, form) {
        Ok(f) => f,
        Err(resp) => return resp,
    };
    let now = tuphap_store::now_utc();
    let lines = |s: &str| -> Vec<String> {
        s.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    };
    let app = &state.app;
    let result: Result<(), DomainError> = match action {
        "accept" => app
            .accept_dossier(&actor, &meta, &code, now)
            .await
            .map(|_| ()),
        "supplement_request" => app
            .request_dossier_supplement(&actor, &meta, &code, &lines(&f.missing), now)
            .await
            .map(|_| ()),
        "refuse" => app
            .refuse_dossier(&actor, &meta, &code, &lines(&f.reasons), now)
            .await
            .map(|_| ()),
        "stop" => app
            .stop_dossier(&actor, &meta, &code, &f.reason, now)
            .await
            .map(|_| ()),
        _ => match parse_date(f.new_due_on.trim()) {
            Ok(day) => app
                .apologize_for_dossier(&actor, &meta, &code, &f.reason, day, now)
                .await
                .map(|_| ()),
            Err(_) => Err(DomainError::new(
                tuphap_domain::ErrorKind::Unprocessable,
                "dossier_apology_date_invalid",
                "Hãy chọn ngày hẹn trả kết quả mới.",
            )
            .with_field("new_due_on")),
        },
    };
    let e = match result {
        Ok(()) => {
            let code = tuphap_domain::online::dossier_office::parse_code(&code).unwrap_or(code);
            return Redirect::to(&format!(
                "/dossiers/{}?done={action}",
                encode_component(&code)
            ))
            .into_response();
        }
        Err(e) => e,
    };
    let mut page = match detail_page(&state, &actor, &meta, &code).await {
        Ok(p) => p,
        Err(_) => return domain_error_page(&e),
    };
    page.error_action = action.to_string();
    page.error = Some(e.message);
    page.missing = f.missing;
    page.reasons = f.reasons;
    if action == "stop" {
        page.stop_reason = f.reason;
    } else if action == "apology" {
        page.apology_reason = f.reason;
        page.apology_date = f.new_due_on;
    }
    html(crate::error::status_of(e.kind), page.render())
}

macro_rules! action_handler {
    ($name:ident, $action:literal) => {
        pub async fn $name(
            State(state): State<AppState>,
            Meta(meta): Meta,
            PageActor(actor): PageActor,
            Path(code): Path<String>,
            form: Result<Form<ActionForm>, FormRejection>,
        ) -> Response {
            act(state, meta, actor, code, form, $action).await
        }
    };
}

action_handler!(accept, "accept");
action_handler!(supplement_request, "supplement_request");
action_handler!(refuse, "refuse");
action_handler!(stop, "stop");
action_handler!(apology, "apology");
