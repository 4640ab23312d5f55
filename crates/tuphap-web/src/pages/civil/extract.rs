//! "Cấp bản sao trích lục" on a registered record's page (Luật Hộ tịch 2014, Điều 63–64): the
//! copies already issued with their count, and for officers and signers a form (number of
//! copies, exemption ground, requester) that works without JavaScript: "Tính phí" shows the fee
//! of what is typed without issuing anything, "Cấp bản sao" issues the copies (one transaction:
//! `App::issue_extract`) and comes back to the record page with the fee charged and the link to
//! the PDF (`GET /api/v1/civil/records/{id}/extracts/{extract}/pdf`, which the session cookie
//! authorises).

use askama::Template;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tuphap_core::dates::{format_vn, parse_date};
use tuphap_core::role::Role;
use tuphap_domain::civil::{
    EXTRACT_EXEMPTIONS, ExtractRequest, FeeQuote, MAX_EXTRACT_COPIES, RecordView, RequesterInput,
    format_vnd,
};
use tuphap_domain::{Actor, DomainError, ErrorKind, RequestMeta};

use super::{record_id, record_page};
use crate::api::extracts::pdf_href;
use crate::extract::Meta;
use crate::pages::reference::{Choice, domain_error_page, html};
use crate::pages::{CsrfProtected, PageActor, accept_form, encode_component};
use crate::state::AppState;

/// One issuance in the table.
pub struct ExtractRowView {
    pub serial: i32,
    pub issued_on: String,
    pub copies: i32,
    pub fee: String,
    pub exemption: String,
    pub requester: String,
    pub office_name: String,
    pub pdf_href: String,
    pub verify_href: String,
    pub superseded: bool,
}

/// What was just issued, shown at the top of the panel.
pub struct IssuedView {
    pub text: String,
    pub pdf_href: String,
    pub verify_href: String,
}

/// The panel of the record page.
pub struct ExtractPanel {
    pub can_issue: bool,
    pub action: String,
    pub total_copies: i64,
    pub issuances: i64,
    pub hidden: i64,
    pub rows: Vec<ExtractRowView>,
    /// The fee as it stands for the form's values: "8.000 đồng/bản × 1 bản = 8.000 đồng".
    pub fee_text: String,
    pub fee_basis: String,
    /// The form's values.
    pub copies: String,
    pub exemptions: Vec<Choice>,
    pub requester_name: String,
    pub requester_relationship: String,
    /// Errors at their fields, and one for the whole form.
    pub copies_error: Option<String>,
    pub exemption_error: Option<String>,
    pub name_error: Option<String>,
    pub relationship_error: Option<String>,
    pub error: Option<String>,
    /// The form was sent to compute the fee only.
    pub previewed: bool,
    pub issued: Option<IssuedView>,
    pub max_copies: i64,
}

fn may_issue(actor: &Actor) -> bool {
    matches!(actor.role, Role::Officer | Role::Signer)
}

fn exemption_choices(current: &str) -> Vec<Choice> {
    EXTRACT_EXEMPTIONS
        .iter()
        .map(|(code, label)| Choice::new(*code, *label, current))
        .collect()
}

fn fee_text(q: &FeeQuote) -> String {
    match &q.exemption_label {
        Some(l) => format!(
            "Miễn phí ({l}; Luật Hộ tịch 2014, Điều 11 khoản 1): 0 đồng cho {} bản.",
            q.copies
        ),
        None => format!(
            "{}/bản × {} bản = {}",
            format_vnd(q.fee_per_copy),
            q.copies,
            format_vnd(q.fee_total)
        ),
    }
}

/// The panel of a registered record, for those who may see its issuances; `None` otherwise.
/// The list is read without a second audit entry: the page has just audited the record's read.
pub(super) async fn panel(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    view: &RecordView,
) -> Result<Option<ExtractPanel>, DomainError> {
    if !matches!(view.status.as_str(), "registered" | "certificate_issued") {
        return Ok(None);
    }
    let list = state
        .app
        .record_extracts(actor, meta, view.id, true)
        .await?;
    let can_issue = may_issue(actor);
    let (fee_text, fee_basis) = if can_issue {
        match state.app.extract_fee_quote(actor, 1, None).await {
            Ok(q) => (fee_text(&q), q.fee_basis),
            Err(e) => (e.message, String::new()),
        }
    } else {
        (String::new(), String::new())
    };
    let rows = list
        .extracts
        .into_iter()
        .map(|e| ExtractRowView {
            serial: e.serial,
            issued_on: parse_date(&e.issued_on)
                .map(format_vn)
                .unwrap_or(e.issued_on.clone()),
            copies: e.copies,
            fee: format_vnd(e.fee_total),
            exemption: e.exemption_label.clone().unwrap_or_default(),
            requester: format!("{} ({})", e.requester.full_name, e.requester.relationship),
            office_name: e.office_name.clone(),
            pdf_href: pdf_href(e.record_id, e.id),
            verify_href: verify_href(&e.verification_code),
            superseded: e.superseded,
        })
        .collect();
    Ok(Some(ExtractPanel {
        can_issue,
        action: format!("/civil/records/{}/extracts", view.id),
        total_copies: list.total_copies,
        issuances: list.issuances,
        hidden: list.hidden,
        rows,
        fee_text,
        fee_basis,
        copies: "1".into(),
        exemptions: exemption_choices(""),
        requester_name: String::new(),
        requester_relationship: String::new(),
        copies_error: None,
        exemption_error: None,
        name_error: None,
        relationship_error: None,
        error: None,
        previewed: false,
        issued: None,
        max_copies: MAX_EXTRACT_COPIES,
    }))
}

/// The message shown after the redirect of an issuance (`?ban_sao=<extract id>`).
pub(super) fn issued_view(panel: &mut ExtractPanel, raw: &str, record_id: i64) {
    let Ok(id) = raw.trim().parse::<i64>() else {
        return;
    };
    // Only an issuance listed on the page (so of this record, visible to this user).
    let Some(pos) = panel
        .rows
        .iter()
        .position(|r| r.pdf_href == pdf_href(record_id, id))
    else {
        return;
    };
    let row = &panel.rows[pos];
    panel.issued = Some(IssuedView {
        text: format!(
            "Đã cấp {} bản sao trích lục (lần cấp thứ {}). Phí: {}{}. Tổng số bản sao đã cấp của hồ sơ này: {}.",
            row.copies,
            row.serial,
            row.fee,
            if row.exemption.is_empty() {
                String::new()
            } else {
                format!(" (miễn phí: {})", row.exemption)
            },
            panel.total_copies
        ),
        pdf_href: row.pdf_href.clone(),
        verify_href: row.verify_href.clone(),
    });
}

#[derive(Debug, Default, Deserialize)]
pub struct ExtractForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub copies: String,
    #[serde(default)]
    pub exemption: String,
    #[serde(default)]
    pub requester_name: String,
    #[serde(default)]
    pub requester_relationship: String,
    /// `issue` (the default) or `preview` (compute the fee only).
    #[serde(default)]
    pub action: String,
}

impl CsrfProtected for ExtractForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

fn copies_of(f: &ExtractForm) -> Result<i64, DomainError> {
    f.copies.trim().parse::<i64>().map_err(|_| {
        DomainError::new(
            ErrorKind::Unprocessable,
            "extract_copies_invalid",
            format!("Số bản sao là một số từ 1 đến {MAX_EXTRACT_COPIES}."),
        )
        .with_field("copies")
    })
}

/// `POST /civil/records/{id}/extracts`: compute the fee, or issue the copies.
pub async fn issue(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PageActor(actor): PageActor,
    Path(raw): Path<String>,
    form: Result<Form<ExtractForm>, FormRejection>,
) -> Response {
    let f = match accept_form(&actor, form) {
        Ok(f) => f,
        Err(refused) => return refused,
    };
    let Some(id) = record_id(&raw) else {
        return super::no_such_record(&raw);
    };
    let exemption = Some(f.exemption.as_str()).filter(|e| !e.trim().is_empty());
    let preview = f.action == "preview";
    let result: Result<Option<FeeQuote>, DomainError> = match copies_of(&f) {
        Err(e) => Err(e),
        Ok(copies) if preview => state
            .app
            .extract_fee_quote(&actor, copies, exemption)
            .await
            .map(Some),
        Ok(copies) => {
            let request = ExtractRequest {
                copies,
                exemption: exemption.map(str::to_string),
                requester: RequesterInput {
                    full_name: f.requester_name.clone(),
                    relationship: f.requester_relationship.clone(),
                },
            };
            match state.app.issue_extract(&actor, &meta, id, request).await {
                Ok(issued) => {
                    return Redirect::to(&format!(
                        "/civil/records/{id}?ban_sao={}#ban-sao",
                        issued.extract.id
                    ))
                    .into_response();
                }
                Err(e) => Err(e),
            }
        }
    };
    let (mut page, _) = match record_page(&state, &actor, &meta, id, None).await {
        Ok(p) => p,
        Err(e) => return domain_error_page(result.err().as_ref().unwrap_or(&e)),
    };
    let status = match &result {
        Ok(_) => StatusCode::OK,
        Err(e) => crate::error::status_of(e.kind),
    };
    let Some(panel) = page.extracts.as_mut() else {
        // Not registered (or no longer visible): the page says so.
        page.action_error = result.err().map(|e| e.message);
        return html(status, page.render());
    };
    panel.copies = f.copies.trim().to_string();
    panel.exemptions = exemption_choices(f.exemption.trim());
    panel.requester_name = f.requester_name.clone();
    panel.requester_relationship = f.requester_relationship.clone();
    match result {
        Ok(Some(q)) => {
            panel.fee_text = fee_text(&q);
            panel.fee_basis = q.fee_basis;
            panel.previewed = true;
        }
        Ok(None) => {}
        Err(e) => {
            // The fee of what was typed, when the number of copies is one.
            if let Ok(copies) = copies_of(&f)
                && let Ok(q) = state.app.extract_fee_quote(&actor, copies, exemption).await
            {
                panel.fee_text = fee_text(&q);
                panel.fee_basis = q.fee_basis;
                panel.previewed = true;
            }
            let slot = match e.field.as_deref() {
                Some("copies") => &mut panel.copies_error,
                Some("exemption") => &mut panel.exemption_error,
                Some("requester.full_name") => &mut panel.name_error,
                Some("requester.relationship") => &mut panel.relationship_error,
                _ => &mut panel.error,
            };
            *slot = Some(e.message);
        }
    }
    html(status, page.render())
}

/// The link of the verification page for a code.
pub fn verify_href(code: &str) -> String {
    format!("/verify?code={}", encode_component(code))
}
