//! `/procedures`: the public catalogue of administrative procedures ("Thủ tục hành chính") with
//! filters by field and level, a detail page per procedure, and for administrators and ministry
//! staff the add/edit form (POST + redirect, CSRF). No login is needed to read.

use askama::Template;
use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tuphap_core::procedures::{AUTHORITY_LEVELS, LEVELS, RECORD_KINDS, record_kind_label};
use tuphap_core::procedures::{authority_label, level_label};
use tuphap_domain::Actor;
use tuphap_domain::online::catalogue::{
    ProcedureInput, ProcedureView, SaveMode, can_edit_procedures, input_errors,
};
use tuphap_store::procedures::ProcedureFilter;

use super::reference::{Choice, bad_query, domain_error_page, html, non_empty};
use super::{CsrfProtected, Layout, PageActor, accept_form, encode_component, error_page};
use crate::extract::{Meta, SESSION_COOKIE, cookie};
use crate::state::AppState;

/// The logged-in user, if any (the catalogue is public; editors see edit links).
async fn optional_actor(state: &AppState, headers: &HeaderMap) -> Option<Actor> {
    let token = cookie(headers, SESSION_COOKIE)?;
    state.app.authenticate(token).await.ok().flatten()
}

fn layout(title: &str, actor: Option<&Actor>) -> Layout {
    match actor {
        Some(a) => Layout::for_actor(title, a, "/procedures"),
        None => Layout::public(title, String::new()),
    }
}

/// How a fee reads: "Miễn phí", "15.000 đồng", or "Theo quy định" when set elsewhere.
pub fn fee_text(fee: Option<i64>) -> String {
    match fee {
        Some(0) => "Miễn phí".into(),
        Some(n) => tuphap_core::text::vnd(n),
        None => "Theo quy định".into(),
    }
}

/// How a processing time reads.
pub fn days_text(days: i64) -> String {
    if days == 0 {
        "Trong ngày".into()
    } else {
        format!("{days} ngày làm việc")
    }
}

pub struct ProcedureItem {
    pub code: String,
    pub href: String,
    pub name: String,
    pub field: String,
    pub level: String,
    pub level_label: String,
    pub authority_label: String,
    pub days: String,
    pub fee: String,
    pub active: bool,
}

impl ProcedureItem {
    fn of(v: &ProcedureView) -> ProcedureItem {
        ProcedureItem {
            code: v.code.clone(),
            href: format!("/procedures/{}", encode_component(&v.code)),
            name: v.name.clone(),
            field: v.field.clone(),
            level: v.level.clone(),
            level_label: v.level_label.clone(),
            authority_label: v.authority_label.clone(),
            days: days_text(v.processing_days),
            fee: fee_text(v.fee_vnd),
            active: v.active,
        }
    }
}

#[derive(Template)]
#[template(path = "procedures.html")]
pub struct ListPage {
    pub l: Layout,
    pub fields: Vec<Choice>,
    pub levels: Vec<Choice>,
    pub items: Vec<ProcedureItem>,
    pub can_edit: bool,
    pub flash: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub field: Option<String>,
    pub level: Option<String>,
    pub saved: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    q: Result<Query<ListQuery>, QueryRejection>,
) -> Response {
    let q = match q {
        Ok(Query(q)) => q,
        Err(rej) => return bad_query(&rej),
    };
    let actor = optional_actor(&state, &headers).await;
    let can_edit = actor.as_ref().is_some_and(|a| can_edit_procedures(a.role));
    let field = non_empty(q.field.as_deref()).map(str::to_string);
    // An unknown level shows everything rather than an error: the select only offers valid ones.
    let level = non_empty(q.level.as_deref())
        .filter(|l| LEVELS.contains(l))
        .map(str::to_string);
    let filter = ProcedureFilter {
        field: field.clone(),
        level: level.clone(),
        include_inactive: can_edit,
        ..ProcedureFilter::default()
    };
    let views = match state.app.list_procedures(&filter).await {
        Ok(v) => v,
        Err(e) => return domain_error_page(&e),
    };
    let all_fields = match state.app.store.procedure_fields().await {
        Ok(f) => f,
        Err(e) => return domain_error_page(&e.into()),
    };
    let current_field = field.unwrap_or_default();
    let mut fields = vec![Choice::new("", "Tất cả lĩnh vực", &current_field)];
    fields.extend(
        all_fields
            .into_iter()
            .map(|f| Choice::new(f.clone(), f, &current_field)),
    );
    let current_level = level.unwrap_or_default();
    let mut levels = vec![Choice::new("", "Tất cả mức độ", &current_level)];
    levels.extend(
        LEVELS
            .iter()
            .map(|l| Choice::new(*l, level_label(l), &current_level)),
    );
    let page = ListPage {
        l: layout("Thủ tục hành chính", actor.as_ref()),
        fields,
        levels,
        items: views.iter().map(ProcedureItem::of).collect(),
        can_edit,
        flash: non_empty(q.saved.as_deref()).map(|c| format!("Đã lưu thủ tục {c}.")),
    };
    html(StatusCode::OK, page.render())
}

#[derive(Template)]
#[template(path = "procedure.html")]
pub struct DetailPage {
    pub l: Layout,
    pub p: ProcedureView,
    pub days: String,
    pub fee: String,
    pub edit_href: Option<String>,
    pub flash: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct DetailQuery {
    pub saved: Option<String>,
}

pub async fn detail(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
    q: Result<Query<DetailQuery>, QueryRejection>,
) -> Response {
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let actor = optional_actor(&state, &headers).await;
    let p = match state.app.get_procedure(&code).await {
        Ok(p) => p,
        Err(e) => return domain_error_page(&e),
    };
    let can_edit = actor.as_ref().is_some_and(|a| can_edit_procedures(a.role));
    let page = DetailPage {
        l: layout(&p.name, actor.as_ref()),
        days: days_text(p.processing_days),
        fee: fee_text(p.fee_vnd),
        edit_href: can_edit.then(|| format!("/procedures/{}/edit", encode_component(&p.code))),
        flash: q.saved.is_some().then(|| "Đã lưu thay đổi.".to_string()),
        p,
    };
    html(StatusCode::OK, page.render())
}

/// The add/edit form as submitted (kept on errors).
#[derive(Debug, Default, Deserialize)]
pub struct ProcedureForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub field: String,
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub authority_level: String,
    #[serde(default)]
    pub processing_days: String,
    #[serde(default)]
    pub processing_note: String,
    #[serde(default)]
    pub fee_vnd: String,
    #[serde(default)]
    pub fee_note: String,
    /// One document per line.
    #[serde(default)]
    pub required_documents: String,
    #[serde(default)]
    pub form: String,
    #[serde(default)]
    pub legal_basis: String,
    #[serde(default)]
    pub record_kind: String,
    #[serde(default)]
    pub online: Option<String>,
    #[serde(default)]
    pub active: Option<String>,
}

impl CsrfProtected for ProcedureForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

impl ProcedureForm {
    fn of(v: &ProcedureView) -> ProcedureForm {
        ProcedureForm {
            csrf: String::new(),
            code: v.code.clone(),
            name: v.name.clone(),
            field: v.field.clone(),
            level: v.level.clone(),
            authority_level: v.authority_level.clone(),
            processing_days: v.processing_days.to_string(),
            processing_note: v.processing_note.clone(),
            fee_vnd: v.fee_vnd.map(|f| f.to_string()).unwrap_or_default(),
            fee_note: v.fee_note.clone(),
            required_documents: v.required_documents.join("\n"),
            form: v.form.clone(),
            legal_basis: v.legal_basis.clone(),
            record_kind: v.record_kind.clone().unwrap_or_default(),
            online: v.online.then(|| "1".into()),
            active: v.active.then(|| "1".into()),
        }
    }

    /// The input, or the errors of the number fields that did not parse.
    fn to_input(&self) -> (ProcedureInput, Vec<(&'static str, String)>) {
        let mut errors = Vec::new();
        let digits = |s: &str| s.trim().replace(['.', ' '], "");
        let processing_days = match digits(&self.processing_days).parse::<i64>() {
            Ok(d) => d,
            Err(_) => {
                errors.push((
                    "processing_days",
                    "Thời hạn giải quyết phải là số ngày làm việc, từ 0 (trong ngày) đến 365."
                        .to_string(),
                ));
                0
            }
        };
        let fee_vnd = match digits(&self.fee_vnd) {
            f if f.is_empty() => None,
            f => match f.parse::<i64>() {
                Ok(v) => Some(v),
                Err(_) => {
                    errors.push((
                        "fee_vnd",
                        "Lệ phí phải là số đồng (ví dụ 15000), hoặc để trống nếu do HĐND cấp tỉnh quy định."
                            .to_string(),
                    ));
                    None
                }
            },
        };
        let input = ProcedureInput {
            code: Some(self.code.trim().to_string()),
            name: self.name.clone(),
            field: self.field.clone(),
            level: self.level.clone(),
            authority_level: self.authority_level.clone(),
            processing_days,
            processing_note: self.processing_note.clone(),
            fee_vnd,
            fee_note: self.fee_note.clone(),
            required_documents: self
                .required_documents
                .lines()
                .map(str::to_string)
                .collect(),
            form: self.form.clone(),
            legal_basis: self.legal_basis.clone(),
            record_kind: Some(self.record_kind.trim().to_string()).filter(|k| !k.is_empty()),
            online: self.online.is_some(),
            active: self.active.is_some(),
        };
        (input, errors)
    }
}

#[derive(Template)]
#[template(path = "procedure_form.html")]
pub struct FormPage {
    pub l: Layout,
    pub is_new: bool,
    pub action: String,
    pub cancel_href: String,
    pub form: ProcedureForm,
    pub levels: Vec<Choice>,
    pub authorities: Vec<Choice>,
    pub kinds: Vec<Choice>,
    pub errors: Vec<(&'static str, String)>,
    pub form_error: Option<String>,
}

impl FormPage {
    /// The message for `field`, if it has one.
    pub fn err(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

fn form_page(actor: &Actor, is_new: bool, form: ProcedureForm) -> FormPage {
    let title = if is_new {
        "Thêm thủ tục hành chính".to_string()
    } else {
        format!("Sửa thủ tục {}", form.code)
    };
    let mut kinds = vec![Choice::new("", "Không (thủ tục khác)", &form.record_kind)];
    kinds.extend(
        RECORD_KINDS
            .iter()
            .map(|k| Choice::new(*k, record_kind_label(k), &form.record_kind)),
    );
    FormPage {
        l: Layout::for_actor(title, actor, "/procedures"),
        is_new,
        action: if is_new {
            "/procedures".into()
        } else {
            format!("/procedures/{}", encode_component(&form.code))
        },
        cancel_href: if is_new {
            "/procedures".into()
        } else {
            format!("/procedures/{}", encode_component(&form.code))
        },
        levels: LEVELS
            .iter()
            .map(|l| Choice::new(*l, level_label(l), &form.level))
            .collect(),
        authorities: AUTHORITY_LEVELS
            .iter()
            .map(|a| Choice::new(*a, authority_label(a), &form.authority_level))
            .collect(),
        kinds,
        form,
        errors: Vec::new(),
        form_error: None,
    }
}

fn forbidden() -> Response {
    error_page(
        "Chỉ quản trị hệ thống và cán bộ Bộ Tư pháp được sửa danh mục thủ tục hành chính.",
        StatusCode::FORBIDDEN,
    )
}

pub async fn new_form(PageActor(actor): PageActor) -> Response {
    if !can_edit_procedures(actor.role) {
        return forbidden();
    }
    let form = ProcedureForm {
        field: "Hộ tịch".into(),
        level: "full".into(),
        authority_level: "commune".into(),
        processing_days: "0".into(),
        online: Some("1".into()),
        active: Some("1".into()),
        ..ProcedureForm::default()
    };
    html(StatusCode::OK, form_page(&actor, true, form).render())
}

pub async fn edit_form(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(code): Path<String>,
) -> Response {
    if !can_edit_procedures(actor.role) {
        return forbidden();
    }
    match state.app.get_procedure(&code).await {
        Ok(p) => html(
            StatusCode::OK,
            form_page(&actor, false, ProcedureForm::of(&p)).render(),
        ),
        Err(e) => domain_error_page(&e),
    }
}

async fn save(
    state: AppState,
    meta: tuphap_domain::RequestMeta,
    actor: Actor,
    path_code: Option<String>,
    form: Result<Form<ProcedureForm>, FormRejection>,
) -> Response {
    if !can_edit_procedures(actor.role) {
        return forbidden();
    }
    let mut f = match accept_form(&actor, form) {
        Ok(f) => f,
        Err(resp) => return resp,
    };
    let is_new = path_code.is_none();
    if let Some(c) = &path_code {
        f.code = c.clone();
    }
    let (input, mut errors) = f.to_input();
    for (field, msg) in input_errors(f.code.trim(), &input) {
        if !errors.iter().any(|(e, _)| *e == field) {
            errors.push((field, msg));
        }
    }
    let mode = if is_new {
        SaveMode::Create
    } else {
        SaveMode::Upsert
    };
    let result = if errors.is_empty() {
        state
            .app
            .save_procedure(&actor, &meta, path_code.as_deref(), &input, mode)
            .await
            .map_err(Some)
    } else {
        Err(None)
    };
    match result {
        Ok((view, _)) => {
            let target = format!("/procedures/{}?saved=1", encode_component(&view.code));
            Redirect::to(&target).into_response()
        }
        Err(e) => {
            let mut page = form_page(&actor, is_new, f);
            page.errors = errors;
            let status = match &e {
                Some(d) => {
                    match &d.field {
                        Some(field) => {
                            let field: &'static str = match field.as_str() {
                                "code" => "code",
                                "name" => "name",
                                "field" => "field",
                                "level" => "level",
                                "authority_level" => "authority_level",
                                "processing_days" => "processing_days",
                                "fee_vnd" => "fee_vnd",
                                "required_documents" => "required_documents",
                                "record_kind" => "record_kind",
                                _ => "",
                            };
                            if field.is_empty() {
                                page.form_error = Some(d.message.clone());
                            } else {
                                page.errors.push((field, d.message.clone()));
                            }
                        }
                        None => page.form_error = Some(d.message.clone()),
                    }
                    crate::error::status_of(d.kind)
                }
                None => StatusCode::UNPROCESSABLE_ENTITY,
            };
            if page.form_error.is_none() {
                page.form_error =
                    Some("Chưa lưu được: hãy sửa các ô được đánh dấu bên dưới.".to_string());
            }
            html(status, page.render())
        }
    }
}

pub async fn create(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PageActor(actor): PageActor,
    form: Result<Form<ProcedureForm>, FormRejection>,
) -> Response {
    save(state, meta, actor, None, form).await
}

pub async fn update(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PageActor(actor): PageActor,
    Path(code): Path<String>,
    form: Result<Form<ProcedureForm>, FormRejection>,
) -> Response {
    save(state, meta, actor, Some(code), form).await
}
