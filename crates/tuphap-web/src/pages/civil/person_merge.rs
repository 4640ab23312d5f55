//! Merging two entries of the person register from the person page, and undoing it, without
//! JavaScript: `POST /civil/persons/{id}/merge` (the page's entry stays; the other entry's id
//! and the reason are typed in) and `POST /civil/person-merges/{merge_id}/undo` (from the merged
//! entry's page, with a reason). Success redirects (303) to the page with a notice; a refusal
//! shows the person page again with the message next to its field and the values kept, with the
//! domain's status. The domain (`App::merge_persons`, `App::undo_person_merge`) decides who may
//! and audits; the forms are shown only to those it would let through by role.

use askama::Template;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tuphap_domain::civil::{PersonMerge, PersonView, may_merge_persons};
use tuphap_domain::{Actor, DomainError};

use super::person::{no_such_person, person_page};
use super::{record_id, vn_datetime};
use crate::extract::Meta;
use crate::pages::reference::{domain_error_page, html};
use crate::pages::{CsrfProtected, PageActor, accept_form, error_page};
use crate::state::AppState;

/// One merge as a line of the page, seen from the page's entry.
pub struct MergeLine {
    pub merge_id: i64,
    /// "Hợp nhất vào" (this entry was merged) or "Nhận hợp nhất" (merged into this entry).
    pub what: &'static str,
    pub other_id: i64,
    pub other_name: String,
    pub other_href: String,
    pub reason: String,
    /// hh:mm dd/mm/yyyy (Vietnam time).
    pub at: String,
    pub by: String,
    /// "Đã hủy lúc …, bởi …: lý do" once undone.
    pub undone: Option<String>,
    pub personal_id_moved: Option<String>,
}

/// What the person page shows and offers about merges.
#[derive(Default)]
pub struct MergePanel {
    /// The merge form: the actor may merge and this entry is not itself merged.
    pub may_merge: bool,
    /// The undo form on a merged entry's page.
    pub may_undo: bool,
    /// This entry was merged into another (the merge in force).
    pub merged_into: Option<MergeLine>,
    /// Entries merged into this one (merges in force).
    pub merged_entries: Vec<MergeLine>,
    /// Every merge of this entry, undone ones too, newest first.
    pub history: Vec<MergeLine>,
    /// The merge form opened again after a refusal.
    pub open: bool,
    pub other_value: String,
    pub reason_value: String,
    pub other_error: Option<String>,
    pub reason_error: Option<String>,
    /// A refusal not about one field (already merged, outside jurisdiction…).
    pub error: Option<String>,
    pub undo_open: bool,
    pub undo_reason_value: String,
    pub undo_error: Option<String>,
    pub flash: Option<String>,
}

fn line(person_id: i64, m: &PersonMerge) -> MergeLine {
    let merged_here = m.merged_id == person_id;
    let (what, other_id, other_name) = if merged_here {
        ("Hợp nhất vào", m.survivor_id, m.survivor_name.clone())
    } else {
        ("Nhận hợp nhất", m.merged_id, m.merged_name.clone())
    };
    MergeLine {
        merge_id: m.id,
        what,
        other_id,
        other_name,
        other_href: format!("/civil/persons/{other_id}"),
        reason: m.reason.clone(),
        at: vn_datetime(&m.merged_at),
        by: m.merged_by.clone(),
        undone: m.undone_at.as_deref().map(|at| {
            format!(
                "Đã hủy lúc {}, bởi {}: {}",
                vn_datetime(at),
                m.undone_by.as_deref().unwrap_or("?"),
                m.undo_reason.as_deref().unwrap_or_default()
            )
        }),
        personal_id_moved: m.personal_id_moved.clone(),
    }
}

impl MergePanel {
    pub fn new(actor: &Actor, view: &PersonView) -> MergePanel {
        let allowed = may_merge_persons(actor);
        let history: Vec<MergeLine> = view.merges.iter().map(|m| line(view.id, m)).collect();
        MergePanel {
            may_merge: allowed && view.merged_into.is_none(),
            may_undo: allowed,
            merged_into: view
                .merges
                .iter()
                .find(|m| m.active && m.merged_id == view.id)
                .map(|m| line(view.id, m)),
            merged_entries: view
                .merges
                .iter()
                .filter(|m| m.active && m.survivor_id == view.id)
                .map(|m| line(view.id, m))
                .collect(),
            history,
            ..MergePanel::default()
        }
    }

    /// The notice after a redirect: `?merged=<id>` or `?unmerged=1`.
    pub fn flash_from_query(&mut self, query: &str) {
        for pair in query.split('&') {
            match pair.split_once('=') {
                Some(("merged", v)) if v.parse::<i64>().is_ok() => {
                    self.flash = Some(format!(
                        "Đã hợp nhất người số {v} vào người này: các sự kiện của hai mục hiển thị chung và tình trạng hôn nhân tính theo tất cả. Lý do đã được ghi vào nhật ký kiểm tra."
                    ));
                }
                Some(("unmerged", "1")) => {
                    self.flash = Some(
                        "Đã hủy hợp nhất: mục này đứng riêng trở lại với các sự kiện của mình."
                            .into(),
                    );
                }
                _ => {}
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct MergeForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub merged_person_id: String,
    #[serde(default)]
    pub reason: String,
}

impl CsrfProtected for MergeForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct UndoForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub reason: String,
}

impl CsrfProtected for UndoForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

pub async fn merge_person(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PageActor(actor): PageActor,
    Path(raw): Path<String>,
    form: Result<Form<MergeForm>, FormRejection>,
) -> Response {
    let f = match accept_form(&actor, form) {
        Ok(f) => f,
        Err(refused) => return refused,
    };
    let Some(id) = record_id(&raw) else {
        return no_such_person(&raw);
    };
    let other = f.merged_person_id.trim();
    let e = match other.parse::<i64>().ok().filter(|n| *n > 0) {
        None => DomainError::new(
            tuphap_domain::ErrorKind::Unprocessable,
            "person_merge_other_invalid",
            if other.is_empty() {
                "Ghi mã cá nhân (số) của mục cần hợp nhất vào người này.".to_string()
            } else {
                format!("\u{201c}{other}\u{201d} không phải mã cá nhân: mã cá nhân là một số, ghi ở cuối trang của người đó.")
            },
        )
        .with_field("merged_person_id"),
        Some(merged) => match state
            .app
            .merge_persons(&actor, &meta, id, merged, &f.reason)
            .await
        {
            Ok(_) => {
                return Redirect::to(&format!("/civil/persons/{id}?merged={merged}#hop-nhat"))
                    .into_response();
            }
            Err(e) => e,
        },
    };
    let mut page = match person_page(&state, &actor, &meta, id).await {
        Ok(p) => p,
        Err(_) => return domain_error_page(&e),
    };
    let m = &mut page.merge;
    m.open = true;
    m.other_value = f.merged_person_id.clone();
    m.reason_value = f.reason.clone();
    match e.field.as_deref() {
        Some("merged_person_id") => m.other_error = Some(e.message),
        Some("reason") => m.reason_error = Some(e.message),
        _ => m.error = Some(e.message),
    }
    html(crate::error::status_of(e.kind), page.render())
}

pub async fn undo_person_merge(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PageActor(actor): PageActor,
    Path(raw): Path<String>,
    form: Result<Form<UndoForm>, FormRejection>,
) -> Response {
    let f = match accept_form(&actor, form) {
        Ok(f) => f,
        Err(refused) => return refused,
    };
    let merge = match record_id(&raw) {
        Some(id) => match state.app.store.person_merge_by_id(id).await {
            Ok(m) => m,
            Err(e) => return domain_error_page(&DomainError::from(e)),
        },
        None => None,
    };
    let Some(merge) = merge else {
        return error_page(
            &format!("Không có lần hợp nhất số {raw}."),
            StatusCode::NOT_FOUND,
        );
    };
    let e = match state
        .app
        .undo_person_merge(&actor, &meta, merge.id, &f.reason)
        .await
    {
        Ok(m) => {
            return Redirect::to(&format!("/civil/persons/{}?unmerged=1", m.merged_id))
                .into_response();
        }
        Err(e) => e,
    };
    let mut page = match person_page(&state, &actor, &meta, merge.merged_id).await {
        Ok(p) => p,
        Err(_) => return domain_error_page(&e),
    };
    page.merge.undo_open = true;
    page.merge.undo_reason_value = f.reason.clone();
    page.merge.undo_error = Some(e.message);
    html(crate::error::status_of(e.kind), page.render())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_notice_comes_from_the_query() {
        let mut p = MergePanel::default();
        p.flash_from_query("merged=x");
        assert!(p.flash.is_none());
        p.flash_from_query("a=1&merged=12");
        assert!(p.flash.as_deref().unwrap().contains("người số 12"));
        let mut p = MergePanel::default();
        p.flash_from_query("unmerged=1");
        assert!(p.flash.as_deref().unwrap().starts_with("Đã hủy hợp nhất"));
    }
}
