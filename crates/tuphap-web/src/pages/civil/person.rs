//! The person page `/civil/persons/{id}`: one person of the register with the civil status
//! derived from the registry and a timeline of their life events, each linking to its record.
//!
//! Everything comes from `App::get_person` (the use case of `GET /api/v1/civil/persons/{id}`):
//! the same jurisdiction rule (only events of offices within the reader's jurisdiction are
//! shown; a person with none is a 403 page) and the same audit (`civil.person.read`, a refusal
//! as denied). The other persons of each shown event (the child of a mother, the spouse) are
//! named with links to their own pages; they are read from the event's record, which the reader
//! may read.
//!
//! Two entries found to be the same person are merged and unmerged from here
//! (`person_merge.rs`: the forms, the banner of a merged entry, the merge history).

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use tuphap_domain::{Actor, DomainError, RequestMeta};

use super::person_merge::MergePanel;
use super::{
    can_read_civil, event_date_label, forbidden_page, kind_label, record_id, role_label, sex_label,
};
use super::{status_badge, vn_date};
use crate::extract::Meta;
use crate::pages::reference::{domain_error_page, html};
use crate::pages::{Layout, PageActor, error_page};
use crate::state::AppState;

/// Another person of an event, seen from the page's person.
pub struct Related {
    pub label: &'static str,
    pub full_name: String,
    pub href: String,
}

/// One life event on the timeline.
pub struct EventView {
    pub record_id: i64,
    pub href: String,
    pub kind: String,
    /// "Khai sinh", "Khai sinh của con", "Khai tử", "Kết hôn".
    pub title: String,
    /// "Ngày sinh", "Ngày chết", "Ngày tiếp nhận".
    pub date_label: &'static str,
    pub date: String,
    pub role_label: &'static str,
    pub status_label: &'static str,
    pub status_class: &'static str,
    pub register_text: Option<String>,
    pub office_name: String,
    pub others: Vec<Related>,
    /// The entry the record names when it is an entry merged into this person.
    pub recorded_under: Option<i64>,
}

#[derive(Template)]
#[template(path = "civil_person.html")]
pub struct PersonPage {
    pub l: Layout,
    pub id: i64,
    pub full_name: String,
    pub personal_id: String,
    pub sex: String,
    pub date_of_birth: String,
    pub date_of_death: Option<String>,
    pub status_label: &'static str,
    pub status_class: &'static str,
    pub status_explained: String,
    /// The current guardianship, when the person is a ward.
    pub guardianship: Option<String>,
    /// Numbers partner agencies gave the person (label, value).
    pub partner_numbers: Vec<(String, String)>,
    pub events: Vec<EventView>,
    pub hidden_events: usize,
    pub office_name: String,
    /// Merging with another entry, or the entry this one was merged into.
    pub merge: MergePanel,
}

/// The derived civil status in words, by the person's sex where it matters.
pub(super) fn civil_status_label(status: &str, sex: Option<&str>) -> (&'static str, &'static str) {
    let female = sex == Some("female");
    let male = sex == Some("male");
    match status {
        "single" => ("Chưa kết hôn", "pending"),
        "married" if female => ("Đang có chồng", "success"),
        "married" if male => ("Đang có vợ", "success"),
        "married" => ("Đang có vợ hoặc chồng", "success"),
        "widowed" if female => ("Chồng đã chết", "pending"),
        "widowed" if male => ("Vợ đã chết", "pending"),
        "widowed" => ("Vợ hoặc chồng đã chết", "pending"),
        "deceased" => ("Đã chết", ""),
        _ => ("Chưa xác định", "late"),
    }
}

/// What the event is for this person.
pub(super) fn event_title(kind: &str, role: &str) -> String {
    match (kind, role) {
        ("birth", "mother" | "father") => "Khai sinh của con".to_string(),
        _ => kind_label(kind).to_string(),
    }
}

/// How another person of the same event is related to this one.
fn relation(kind: &str, own_role: &str, other_role: &str) -> &'static str {
    match (kind, own_role, other_role) {
        ("birth", "child", "mother") => "Mẹ",
        ("birth", "child", "father") => "Cha",
        ("birth", _, "child") => "Con",
        ("birth", _, "mother") => "Mẹ của trẻ",
        ("birth", _, "father") => "Cha của trẻ",
        ("marriage", _, "husband") => "Chồng",
        ("marriage", _, "wife") => "Vợ",
        (_, _, other) => role_label(other),
    }
}

pub(super) fn no_such_person(raw: &str) -> Response {
    error_page(
        &format!("Không có người số {raw} trong sổ hộ tịch."),
        StatusCode::NOT_FOUND,
    )
}

pub async fn person(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PageActor(actor): PageActor,
    Path(raw): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    if !can_read_civil(&actor) {
        return forbidden_page(&format!(
            "Tài khoản {} (vai trò {}) không xem được sổ hộ tịch.",
            actor.username,
            actor.role.label_vi()
        ));
    }
    let Some(id) = record_id(&raw) else {
        return no_such_person(&raw);
    };
    match person_page(&state, &actor, &meta, id).await {
        Ok(mut page) => {
            page.merge
                .flash_from_query(query.as_deref().unwrap_or_default());
            html(StatusCode::OK, page.render())
        }
        Err(e) => domain_error_page(&e),
    }
}

/// The page of person `id` as `actor` may see it (the read is audited by `App::get_person`).
pub(super) async fn person_page(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    id: i64,
) -> Result<PersonPage, DomainError> {
    let view = state.app.get_person(actor, meta, id).await?;
    let mut events = Vec::with_capacity(view.events.len());
    for e in &view.events {
        let others = related(state, id, e).await?;
        let (status_label, status_class) = status_badge(&e.status);
        events.push(EventView {
            record_id: e.record_id,
            href: format!("/civil/records/{}", e.record_id),
            kind: e.kind.clone(),
            title: event_title(&e.kind, &e.role),
            date_label: event_date_label(&e.kind),
            date: vn_date(&e.date),
            role_label: role_label(&e.role),
            status_label,
            status_class,
            register_text: e.register_text.clone(),
            office_name: e.office_name.clone(),
            others,
            recorded_under: (e.person_id != id).then_some(e.person_id),
        });
    }
    let (status_label, status_class) = civil_status_label(&view.civil_status, view.sex.as_deref());
    let merge = MergePanel::new(actor, &view);
    Ok(PersonPage {
        l: Layout::for_actor(
            format!("Thông tin cá nhân: {}", view.full_name),
            actor,
            "/civil",
        ),
        id: view.id,
        full_name: view.full_name.clone(),
        personal_id: view
            .personal_id
            .clone()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| "—".to_string()),
        sex: view
            .sex
            .as_deref()
            .map(sex_label)
            .unwrap_or_else(|| "—".to_string()),
        date_of_birth: view
            .date_of_birth
            .as_deref()
            .map(vn_date)
            .unwrap_or_else(|| "—".to_string()),
        date_of_death: view.date_of_death.as_deref().map(vn_date),
        status_label,
        status_class,
        status_explained: view.civil_status_explained.clone(),
        guardianship: view.guardianship.clone(),
        partner_numbers: view
            .partner_numbers
            .iter()
            .map(|n| (n.label.clone(), n.value.clone()))
            .collect(),
        events,
        hidden_events: view.hidden_events,
        office_name: actor.office.name.clone(),
        merge,
    })
}

/// The other persons of an event shown on the page of `person_id`.
async fn related(
    state: &AppState,
    person_id: i64,
    e: &tuphap_domain::civil::LifeEvent,
) -> Result<Vec<Related>, DomainError> {
    let rank = |role: &str| match role {
        "child" | "wife" => 0,
        "mother" | "husband" => 1,
        "father" => 2,
        _ => 3,
    };
    let mut persons = state.app.store.record_persons(e.record_id).await?;
    persons.sort_by_key(|p| rank(&p.role));
    Ok(persons
        .into_iter()
        // Not the person themself (nor the merged entry the record names for them).
        .filter(|p| p.person_id != person_id && p.person_id != e.person_id)
        .map(|p| Related {
            label: relation(&e.kind, &e.role, &p.role),
            href: format!("/civil/persons/{}", p.person_id),
            full_name: p.full_name,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_words_follow_the_sex() {
        assert_eq!(
            civil_status_label("married", Some("female")).0,
            "Đang có chồng"
        );
        assert_eq!(civil_status_label("married", Some("male")).0, "Đang có vợ");
        assert_eq!(civil_status_label("widowed", Some("male")).0, "Vợ đã chết");
        assert_eq!(civil_status_label("something", None).0, "Chưa xác định");
    }

    #[test]
    fn relations_are_seen_from_the_person() {
        assert_eq!(relation("birth", "mother", "child"), "Con");
        assert_eq!(relation("birth", "mother", "father"), "Cha của trẻ");
        assert_eq!(relation("birth", "child", "mother"), "Mẹ");
        assert_eq!(relation("marriage", "wife", "husband"), "Chồng");
        assert_eq!(event_title("birth", "mother"), "Khai sinh của con");
        assert_eq!(event_title("birth", "child"), "Khai sinh");
    }
}
