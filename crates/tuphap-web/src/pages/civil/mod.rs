//! The civil-status registry back office: the office's work queues, the declaration forms
//! (births here, deaths in `death.rs`, marriages in `marriage.rs`), and the record page with the
//! actions of officers and signers and, once registered, the printed certificate.
//!
//! Everything works without JavaScript: GET pages, POST forms answered with a 303 redirect
//! (or the same page again with the error next to its field and the values kept).
//!
//! Duplicate candidates: the declaration's answer carries them with the domain's scores; the
//! redirect passes them to the record page as `?declared=1&dup=12:95,15:70` (record id and score;
//! only a display hint: each candidate is then read with `App::get_record`, which checks the
//! jurisdiction and audits the read). When registering is refused with
//! `duplicate_override_required` (409), the page recomputes the candidates from the store
//! (`birth_candidates`, the same query the domain uses) because the domain error names them
//! only in its message; the comparison then marks matching fields without a score.

use std::collections::HashMap;
use std::sync::LazyLock;

use askama::Template;
use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use time::Date;
use tuphap_core::civil::CivilEvent;
use tuphap_core::dates::{VN_OFFSET, format_vn, parse_date, parse_vn, vn_today};
use tuphap_core::personal_id::{PersonalId, Sex};
use tuphap_core::reference as refdata;
use tuphap_core::role::Role;
use tuphap_core::text::fold;
use tuphap_domain::civil::{
    BirthDeclaration, ChildInput, DeathDeclaration, DeclarantInput, MarriageDeclaration,
    ParentInput, PlaceInput, RecordView, SpouseInput, earlier_registration_label,
};
use tuphap_domain::identity::{OfficeKind, Scope};
use tuphap_domain::online::dossier::DossierParty;
use tuphap_domain::{Actor, DomainError, ErrorKind, RequestMeta};

use super::reference::{Choice, bad_query, domain_error_page, html, non_empty};
use super::{CsrfProtected, Layout, PageActor, accept_form, encode_component, error_page};
use crate::extract::Meta;
use crate::state::AppState;

mod adoption;
mod amendment;
mod citizen;
mod death;
mod extract;
mod guardianship;
mod marital;
mod marriage;
mod parentage;
mod person;
mod person_merge;
mod recorded;
mod trail;

pub use adoption::{
    declare_adoption, declare_adoption_termination, new_adoption, new_adoption_termination,
};
pub use amendment::{declare_amendment, new_amendment};
pub use citizen::{CITIZEN_COOKIE, citizen_callback, citizen_home, citizen_login, citizen_logout};
pub use death::{declare_death, new_death};
pub use extract::issue as issue_extract;
pub use guardianship::{
    declare_guardianship, declare_guardianship_change, declare_guardianship_end, new_guardianship,
    new_guardianship_change, new_guardianship_end,
};
pub use marital::{declare_divorce, declare_marital_status, new_divorce, new_marital_status};
pub use marriage::{declare_marriage, new_marriage};
pub use parentage::{declare_parentage, new_parentage};
pub use person::person;
pub use person_merge::{merge_person, undo_person_merge};

/// Rows of a work queue per page.
pub const PAGE_SIZE: i64 = 100;
/// Most duplicate candidates shown on a record page.
const MAX_CANDIDATES: usize = 10;

// ---------------------------------------------------------------------------------------------
// Who may do what (the domain decides again on every write)
// ---------------------------------------------------------------------------------------------

/// Commune staff (their office's registry) and the province and ministry (reading).
fn can_read_civil(actor: &Actor) -> bool {
    actor.office.kind == OfficeKind::Commune
        || matches!(actor.role, Role::Province | Role::Ministry)
}

/// Officers and signers of a commune declare births.
fn can_declare(actor: &Actor) -> bool {
    matches!(actor.role, Role::Officer | Role::Signer) && actor.office.kind == OfficeKind::Commune
}

fn forbidden_page(what: &str) -> Response {
    error_page(what, StatusCode::FORBIDDEN)
}

// ---------------------------------------------------------------------------------------------
// Small display helpers
// ---------------------------------------------------------------------------------------------

fn kind_label(kind: &str) -> &'static str {
    match kind {
        "birth" => "Khai sinh",
        "death" => "Khai tử",
        "marriage" => "Kết hôn",
        "divorce" => "Ghi vào sổ việc ly hôn",
        "marital_status" => "Xác nhận tình trạng hôn nhân",
        "amendment" => "Thay đổi, cải chính hộ tịch",
        "parentage" => "Nhận cha, mẹ, con",
        "adoption" => "Nuôi con nuôi",
        "adoption_termination" => "Chấm dứt nuôi con nuôi",
        "guardianship" => "Giám hộ",
        "guardianship_change" => "Thay đổi người giám hộ",
        "guardianship_end" => "Chấm dứt giám hộ",
        _ => "Hộ tịch",
    }
}

/// What a record's event date is, by kind.
fn event_date_label(kind: &str) -> &'static str {
    match kind {
        "birth" => "Ngày sinh",
        "death" => "Ngày chết",
        "divorce" => "Ngày bản án, quyết định có hiệu lực",
        "adoption_termination" => "Ngày quyết định có hiệu lực",
        "guardianship_end" => "Ngày chấm dứt",
        _ => "Ngày tiếp nhận",
    }
}

/// Label and badge class of a record status.
fn status_badge(status: &str) -> (&'static str, &'static str) {
    match status {
        "declared" => ("Chờ ký", "pending"),
        "returned" => ("Đã trả lại", "late"),
        "rejected" => ("Đã từ chối", "failure"),
        "registered" => ("Đã đăng ký", "success"),
        "certificate_issued" => ("Đã cấp giấy", "success"),
        _ => ("Không rõ", ""),
    }
}

fn role_label(role: &str) -> &'static str {
    match role {
        "child" => "Người được khai sinh",
        "mother" => "Mẹ",
        "father" => "Cha",
        "declarant" => "Người đi khai",
        "deceased" => "Người chết",
        "wife" => "Bên nữ (vợ)",
        "husband" => "Bên nam (chồng)",
        "applicant" => "Người yêu cầu",
        "subject" => "Người được thay đổi, cải chính",
        "adoptive_father" => "Cha nuôi",
        "adoptive_mother" => "Mẹ nuôi",
        "ward" => "Người được giám hộ",
        "guardian" => "Người giám hộ",
        _ => "Khác",
    }
}

/// `YYYY-MM-DD` shown as `dd/mm/yyyy` (anything else as it is).
fn vn_date(iso: &str) -> String {
    parse_date(iso)
        .map(format_vn)
        .unwrap_or_else(|_| iso.to_string())
}

fn dash_if_empty(s: &str) -> String {
    if s.trim().is_empty() {
        "—".to_string()
    } else {
        s.trim().to_string()
    }
}

/// "Phường Ba Đình, Thành phố Hà Nội" for a commune code valid on `on`.
fn unit_label(code: &str, on: Date) -> Option<String> {
    let u = refdata::unit_on(code.trim(), on)?;
    let province = refdata::unit_on(&u.province_code, on).filter(|p| p.code != u.code);
    Some(match province {
        Some(p) => format!("{}, {}", u.full_name, p.full_name),
        None => u.full_name.clone(),
    })
}

/// A place as written on a record: the detail, then the unit's name (and its code).
fn place_text(p: &PlaceInput, on: Date) -> String {
    let code = p.admin_unit_code.trim();
    if code.is_empty() {
        // A place abroad: in words only.
        return dash_if_empty(p.detail.as_deref().unwrap_or_default());
    }
    let unit = match unit_label(code, on) {
        Some(name) => format!("{name} (mã {code})"),
        None => format!("mã {code}"),
    };
    match non_empty(p.detail.as_deref()) {
        Some(d) => format!("{d}, {unit}"),
        None => unit,
    }
}

fn ethnic_name(code: &str) -> String {
    refdata::ethnic_group(code.trim())
        .map(|g| g.name.clone())
        .unwrap_or_else(|| code.to_string())
}

fn country_name(code: &str) -> String {
    refdata::country(code.trim())
        .map(|c| c.name_vi.clone())
        .unwrap_or_else(|| code.to_string())
}

fn sex_label(s: &str) -> String {
    Sex::parse(s)
        .map(|s| s.label_vi().to_string())
        .unwrap_or_else(|_| s.to_string())
}

// ---------------------------------------------------------------------------------------------
// Work queues
// ---------------------------------------------------------------------------------------------

/// The queue tabs: (status, label).
const TABS: [(&str, &str); 4] = [
    ("declared", "Chờ ký"),
    ("returned", "Trả lại"),
    ("registered", "Đã đăng ký / chờ in"),
    ("rejected", "Từ chối"),
];

pub struct Tab {
    pub href: String,
    pub label: &'static str,
    pub current: bool,
}

pub struct QueueRow {
    pub id: i64,
    pub href: String,
    pub kind_label: &'static str,
    pub full_name: String,
    pub event_date: String,
    pub late: bool,
    /// Births and deaths have a deadline; marriages none (shown as "—").
    pub has_deadline: bool,
    pub register_text: Option<String>,
    pub reason: Option<String>,
}

#[derive(Template)]
#[template(path = "civil_queue.html")]
pub struct QueuePage {
    pub l: Layout,
    /// The office keeps a registry (a commune): tabs and the declaration button.
    pub has_queues: bool,
    pub office_name: String,
    pub can_declare: bool,
    pub tabs: Vec<Tab>,
    pub tab_label: &'static str,
    pub rows: Vec<QueueRow>,
    pub show_register: bool,
    pub show_reason: bool,
    pub next_href: Option<String>,
    pub first_href: Option<String>,
    pub lookup: String,
    pub lookup_error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct QueueQuery {
    pub status: Option<String>,
    pub after: Option<String>,
    /// A record number to open (the look-up form).
    pub so: Option<String>,
}

pub async fn queue(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    query: Result<Query<QueueQuery>, QueryRejection>,
) -> Response {
    if !can_read_civil(&actor) {
        return forbidden_page(&format!(
            "Tài khoản {} (vai trò {}) không làm việc với sổ hộ tịch.",
            actor.username,
            actor.role.label_vi()
        ));
    }
    let q = match query {
        Ok(Query(q)) => q,
        Err(rej) => return bad_query(&rej),
    };
    let mut status_code = StatusCode::OK;
    let mut lookup_error = None;
    let lookup = non_empty(q.so.as_deref())
        .unwrap_or_default()
        .chars()
        .take(20)
        .collect::<String>();
    if !lookup.is_empty() {
        match lookup.trim_start_matches('#').parse::<i64>() {
            Ok(id) if id > 0 => {
                return Redirect::to(&format!("/civil/records/{id}")).into_response();
            }
            _ => {
                status_code = StatusCode::UNPROCESSABLE_ENTITY;
                lookup_error = Some("Số hồ sơ là một số nguyên dương, ví dụ 15.".to_string());
            }
        }
    }
    let status = non_empty(q.status.as_deref())
        .unwrap_or("declared")
        .to_string();
    let after = match non_empty(q.after.as_deref()).map(str::parse::<i64>) {
        None => None,
        Some(Ok(a)) => Some(a),
        Some(Err(_)) => {
            return error_page(
                "Tham số trang (after) phải là số hồ sơ.",
                StatusCode::BAD_REQUEST,
            );
        }
    };
    let has_queues = actor.office.kind == OfficeKind::Commune;
    let mut rows = Vec::new();
    let mut next_href = None;
    if has_queues {
        let mut records = match state
            .app
            .record_queue(&actor, &status, after, PAGE_SIZE + 1)
            .await
        {
            Ok(r) => r,
            Err(e) => return domain_error_page(&e),
        };
        let page = usize::try_from(PAGE_SIZE).unwrap_or(100);
        if records.len() > page {
            records.truncate(page);
            next_href = records
                .last()
                .map(|r| format!("/civil?status={status}&after={}", r.id));
        }
        for r in records {
            let full_name = match subject_name(&state, &r).await {
                Ok(n) => n,
                Err(e) => return domain_error_page(&e),
            };
            let register_text = match (
                r.register_number,
                r.register_book.as_deref(),
                r.register_year,
            ) {
                (Some(n), Some(b), Some(y)) => Some(tuphap_domain::civil::register_text(n, b, y)),
                _ => None,
            };
            rows.push(QueueRow {
                id: r.id,
                href: format!("/civil/records/{}", r.id),
                kind_label: kind_label(&r.kind),
                full_name,
                event_date: format_vn(r.event_date),
                late: r.late,
                has_deadline: r.kind != "marriage",
                register_text,
                reason: r.status_reason,
            });
        }
    }
    let tab_label = TABS
        .iter()
        .find(|(s, _)| *s == status)
        .map(|(_, l)| *l)
        .unwrap_or("Đã cấp giấy");
    let first_href = format!("/civil?status={status}");
    let page = QueuePage {
        l: Layout::for_actor("Hộ tịch", &actor, "/civil"),
        has_queues,
        office_name: actor.office.name.clone(),
        can_declare: can_declare(&actor),
        tabs: TABS
            .iter()
            .map(|(s, label)| Tab {
                href: format!("/civil?status={s}"),
                label,
                current: *s == status,
            })
            .collect(),
        show_register: matches!(status.as_str(), "registered" | "certificate_issued"),
        show_reason: matches!(status.as_str(), "returned" | "rejected"),
        tab_label,
        rows,
        next_href,
        first_href: after.map(|_| first_href),
        lookup,
        lookup_error,
    };
    html(status_code, page.render())
}

/// The name a queue shows: the child or the deceased; for a marriage "wife – husband".
async fn subject_name(
    state: &AppState,
    r: &tuphap_store::civil::RecordRow,
) -> Result<String, DomainError> {
    if r.kind == "marriage" {
        let persons = state.app.store.record_persons(r.id).await?;
        let of = |role: &str| {
            persons
                .iter()
                .find(|p| p.role == role)
                .map(|p| p.full_name.clone())
                .unwrap_or_else(|| "—".to_string())
        };
        return Ok(format!("{} – {}", of("wife"), of("husband")));
    }
    Ok(
        match state.app.store.person_by_id(r.subject_person_id).await? {
            Some(p) => p.full_name,
            None => "—".to_string(),
        },
    )
}

// ---------------------------------------------------------------------------------------------
// The birth declaration form
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum Control {
    Text,
    /// A text input for digits (personal ID, unit code).
    Digits(u32),
    Date,
    /// A date of birth that may be known only by its year (text: dd/mm/yyyy, mm/yyyy or yyyy).
    PartialDate,
    Sex,
    Ethnic,
    Country,
    /// A fixed list: (value, label).
    Choice(&'static [(&'static str, &'static str)]),
}

pub(crate) struct FieldSpec {
    name: &'static str,
    label: &'static str,
    control: Control,
    required: bool,
    /// Takes a whole row on a phone.
    wide: bool,
    hint: Option<&'static str>,
}

const fn field(
    name: &'static str,
    label: &'static str,
    control: Control,
    required: bool,
    wide: bool,
) -> FieldSpec {
    FieldSpec {
        name,
        label,
        control,
        required,
        wide,
        hint: None,
    }
}

const fn hinted(mut f: FieldSpec, hint: &'static str) -> FieldSpec {
    f.hint = Some(hint);
    f
}

const UNIT_HINT: &str = "Mã 5 chữ số của xã, phường, đặc khu (tra ở mục Đơn vị hành chính).";
const ID_HINT: &str = "12 chữ số, nếu có.";

const CHILD: [FieldSpec; 8] = [
    field(
        "child.full_name",
        "Họ, chữ đệm và tên",
        Control::Text,
        true,
        true,
    ),
    field("child.sex", "Giới tính", Control::Sex, true, false),
    field(
        "child.date_of_birth",
        "Ngày sinh",
        Control::Date,
        true,
        false,
    ),
    hinted(
        field(
            "child.place_of_birth.admin_unit_code",
            "Nơi sinh: mã xã/phường",
            Control::Digits(5),
            true,
            true,
        ),
        UNIT_HINT,
    ),
    hinted(
        field(
            "child.place_of_birth.detail",
            "Nơi sinh: chi tiết",
            Control::Text,
            false,
            true,
        ),
        "Tên cơ sở y tế, hoặc số nhà, thôn, tổ dân phố.",
    ),
    field(
        "child.ethnicity_code",
        "Dân tộc",
        Control::Ethnic,
        true,
        false,
    ),
    field(
        "child.nationality_code",
        "Quốc tịch",
        Control::Country,
        true,
        false,
    ),
    field("child.home_town", "Quê quán", Control::Text, false, true),
];

/// The fields of a parent block (`role` is `mother` or `father`).
fn parent_fields(role: &'static str) -> [FieldSpec; 7] {
    let n = |s: &'static str| -> &'static str {
        match (role, s) {
            ("mother", "full_name") => "mother.full_name",
            ("mother", "date_of_birth") => "mother.date_of_birth",
            ("mother", "personal_id") => "mother.personal_id",
            ("mother", "ethnicity_code") => "mother.ethnicity_code",
            ("mother", "nationality_code") => "mother.nationality_code",
            ("mother", "code") => "mother.residence.admin_unit_code",
            ("mother", "detail") => "mother.residence.detail",
            ("father", "full_name") => "father.full_name",
            ("father", "date_of_birth") => "father.date_of_birth",
            ("father", "personal_id") => "father.personal_id",
            ("father", "ethnicity_code") => "father.ethnicity_code",
            ("father", "nationality_code") => "father.nationality_code",
            ("father", "code") => "father.residence.admin_unit_code",
            _ => "father.residence.detail",
        }
    };
    [
        field(
            n("full_name"),
            "Họ, chữ đệm và tên",
            Control::Text,
            true,
            true,
        ),
        field(n("date_of_birth"), "Ngày sinh", Control::Date, false, false),
        hinted(
            field(
                n("personal_id"),
                "Số định danh",
                Control::Digits(12),
                false,
                false,
            ),
            ID_HINT,
        ),
        field(n("ethnicity_code"), "Dân tộc", Control::Ethnic, true, false),
        field(
            n("nationality_code"),
            "Quốc tịch",
            Control::Country,
            true,
            false,
        ),
        hinted(
            field(
                n("code"),
                "Nơi cư trú: mã xã/phường",
                Control::Digits(5),
                true,
                true,
            ),
            UNIT_HINT,
        ),
        field(
            n("detail"),
            "Nơi cư trú: chi tiết",
            Control::Text,
            false,
            true,
        ),
    ]
}

const DECLARANT: [FieldSpec; 3] = [
    field(
        "declarant.full_name",
        "Họ, chữ đệm và tên",
        Control::Text,
        true,
        true,
    ),
    hinted(
        field(
            "declarant.personal_id",
            "Số định danh",
            Control::Digits(12),
            false,
            false,
        ),
        ID_HINT,
    ),
    hinted(
        field(
            "declarant.relationship",
            "Quan hệ với trẻ",
            Control::Text,
            true,
            false,
        ),
        "Ví dụ: mẹ, cha, ông nội.",
    ),
];

/// What a relationship field suggests (a `<datalist>`).
pub(crate) const RELATIONSHIPS: [&str; 8] = [
    "mẹ",
    "cha",
    "ông nội",
    "bà nội",
    "ông ngoại",
    "bà ngoại",
    "người thân thích khác",
    "người giám hộ",
];

/// Countries for the selects: Việt Nam first, then by Vietnamese name.
static COUNTRY_LIST: LazyLock<Vec<(&'static str, &'static str)>> = LazyLock::new(|| {
    let mut v: Vec<(&str, &str)> = refdata::countries()
        .iter()
        .map(|c| (c.alpha2.as_str(), c.name_vi.as_str()))
        .collect();
    v.sort_by_cached_key(|(code, name)| (*code != "VN", fold(name)));
    v
});

/// The submitted declaration form: field name → value (names as in `BirthDeclaration`, dotted,
/// so that a `DomainError.field` names its input).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(transparent)]
pub struct BirthForm(pub HashMap<String, String>);

impl CsrfProtected for BirthForm {
    fn csrf(&self) -> &str {
        self.get("csrf")
    }
}

impl BirthForm {
    fn get(&self, name: &str) -> &str {
        self.0.get(name).map(String::as_str).unwrap_or_default()
    }

    fn opt(&self, name: &str) -> Option<String> {
        non_empty(Some(self.get(name))).map(str::to_string)
    }

    fn has_father(&self) -> bool {
        !self.get("has_father").is_empty()
    }

    /// The usual defaults of every birth form: Kinh, Việt Nam, a father.
    pub(crate) fn usual() -> BirthForm {
        let m = [
            ("child.ethnicity_code", "01"),
            ("child.nationality_code", "VN"),
            ("mother.ethnicity_code", "01"),
            ("mother.nationality_code", "VN"),
            ("father.ethnicity_code", "01"),
            ("father.nationality_code", "VN"),
            ("has_father", "1"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        BirthForm(m)
    }

    /// The empty form with the usual defaults and the parents living in the office's commune.
    fn defaults(actor: &Actor) -> BirthForm {
        let BirthForm(mut m) = BirthForm::usual();
        if let Scope::Commune { commune_code } = &actor.office.scope {
            for k in [
                "mother.residence.admin_unit_code",
                "father.residence.admin_unit_code",
            ] {
                m.insert(k.to_string(), commune_code.clone());
            }
        }
        BirthForm(m)
    }

    /// The form filled from a declaration (a citizen's online application): the declaration's
    /// JSON flattened into the form's dotted names, which are the same paths.
    pub(crate) fn from_declaration(d: &BirthDeclaration) -> BirthForm {
        fn flatten(prefix: &str, v: &serde_json::Value, m: &mut HashMap<String, String>) {
            let key = |k: &str| {
                if prefix.is_empty() {
                    k.to_string()
                } else {
                    format!("{prefix}.{k}")
                }
            };
            match v {
                serde_json::Value::Object(o) => {
                    for (k, v) in o {
                        flatten(&key(k), v, m);
                    }
                }
                serde_json::Value::String(s) => {
                    m.insert(prefix.to_string(), s.clone());
                }
                serde_json::Value::Number(n) => {
                    m.insert(prefix.to_string(), n.to_string());
                }
                _ => {}
            }
        }
        let mut m = HashMap::new();
        if let Ok(v) = serde_json::to_value(d) {
            flatten("", &v, &mut m);
        }
        if d.father.is_some() {
            m.insert("has_father".into(), "1".into());
        }
        BirthForm(m)
    }

    /// Dates typed as `dd/mm/yyyy` (browsers without a date picker) become `YYYY-MM-DD`.
    fn normalize_dates(&mut self) -> Result<(), DomainError> {
        self.normalize(&[
            "child.date_of_birth",
            "mother.date_of_birth",
            "father.date_of_birth",
            "earlier_registration.registered_on",
        ])
    }

    /// `dd/mm/yyyy` → `YYYY-MM-DD` for the fields `names`.
    fn normalize(&mut self, names: &[&str]) -> Result<(), DomainError> {
        for &name in names {
            let v = self.get(name).trim().to_string();
            if v.contains('/') {
                let d =
                    parse_vn(&v).map_err(|e| DomainError::unprocessable(&e).with_field(name))?;
                self.0.insert(name.to_string(), d.to_string());
            }
        }
        Ok(())
    }

    fn place(&self, prefix: &str) -> PlaceInput {
        PlaceInput {
            admin_unit_code: self
                .get(&format!("{prefix}.admin_unit_code"))
                .trim()
                .to_string(),
            detail: self.opt(&format!("{prefix}.detail")),
        }
    }

    fn parent(&self, role: &str) -> ParentInput {
        let g = |s: &str| self.get(&format!("{role}.{s}")).to_string();
        ParentInput {
            full_name: g("full_name"),
            date_of_birth: self.opt(&format!("{role}.date_of_birth")),
            personal_id: self.opt(&format!("{role}.personal_id")),
            ethnicity_code: g("ethnicity_code"),
            nationality_code: g("nationality_code"),
            residence: self.place(&format!("{role}.residence")),
        }
    }

    /// The declaration, after the checks the page makes itself (the domain does not check the
    /// declarant's personal ID).
    pub(crate) fn declaration(&mut self) -> Result<BirthDeclaration, DomainError> {
        self.normalize_dates()?;
        if let Some(raw) = self.opt("declarant.personal_id") {
            PersonalId::parse(&raw)
                .map_err(|e| DomainError::unprocessable(&e).with_field("declarant.personal_id"))?;
        }
        Ok(BirthDeclaration {
            child: ChildInput {
                full_name: self.get("child.full_name").to_string(),
                sex: self.get("child.sex").to_string(),
                date_of_birth: self.get("child.date_of_birth").trim().to_string(),
                place_of_birth: self.place("child.place_of_birth"),
                ethnicity_code: self.get("child.ethnicity_code").to_string(),
                nationality_code: self.get("child.nationality_code").to_string(),
                home_town: self.opt("child.home_town"),
            },
            mother: self.parent("mother"),
            father: self.has_father().then(|| self.parent("father")),
            declarant: DeclarantInput {
                full_name: self.get("declarant.full_name").to_string(),
                personal_id: self.opt("declarant.personal_id"),
                relationship: self.get("declarant.relationship").to_string(),
            },
            earlier_registration: recorded::earlier_from_form(self),
        })
    }
}

pub struct FieldView {
    pub name: &'static str,
    pub id: String,
    pub label: &'static str,
    /// `text`, `date` or `select`.
    pub control: &'static str,
    pub value: String,
    pub options: Vec<Choice>,
    pub required: bool,
    /// Shown as "(không bắt buộc)".
    pub optional: bool,
    pub wide: bool,
    pub inputmode: &'static str,
    pub maxlength: u32,
    pub max: String,
    pub list: &'static str,
    pub hint: Option<String>,
    pub error: Option<String>,
    pub describedby: String,
}

pub struct SectionView {
    pub id: &'static str,
    pub title: &'static str,
    /// The father's block: a checkbox shows or drops it.
    pub toggle: bool,
    pub toggle_checked: bool,
    pub fields: Vec<FieldView>,
}

/// A link from the error summary to the field.
pub struct ErrorLink {
    pub href: String,
    pub text: String,
}

#[derive(Template)]
#[template(path = "civil_birth_form.html")]
pub struct BirthFormPage {
    pub l: Layout,
    pub heading: &'static str,
    /// `re_registration` or `abroad` (a hidden field), empty for a new registration.
    pub earlier_kind: String,
    pub sections: Vec<SectionView>,
    pub relationships: &'static [&'static str],
    /// An error without a field (competence, permission): an alert at the top.
    pub form_error: Option<String>,
    /// A field error, linked from the top.
    pub error_link: Option<ErrorLink>,
    /// The online dossier the form was opened from (a hidden field), empty otherwise.
    pub dossier: String,
}

fn field_id(name: &str) -> String {
    name.replace('.', "-")
}

fn choices(control: Control, value: &str) -> Vec<Choice> {
    let mut v = Vec::new();
    match control {
        Control::Sex => {
            v.push(Choice::new("", "— Chọn —", value));
            v.push(Choice::new("female", "Nữ", value));
            v.push(Choice::new("male", "Nam", value));
        }
        Control::Ethnic => {
            v.push(Choice::new("", "— Chọn dân tộc —", value));
            v.extend(
                refdata::ethnic_groups()
                    .iter()
                    .map(|g| Choice::new(g.code.clone(), g.name_with_alt.clone(), value)),
            );
        }
        Control::Country => {
            v.push(Choice::new("", "— Chọn quốc tịch —", value));
            v.extend(
                COUNTRY_LIST
                    .iter()
                    .map(|(code, name)| Choice::new(*code, *name, value)),
            );
        }
        Control::Choice(list) => {
            v.extend(list.iter().map(|(k, label)| Choice::new(*k, *label, value)));
        }
        Control::Text | Control::Digits(_) | Control::Date | Control::PartialDate => {}
    }
    v
}

fn field_view(
    spec: &FieldSpec,
    form: &BirthForm,
    html_required: bool,
    err: Option<&DomainError>,
) -> FieldView {
    let id = field_id(spec.name);
    let value = form.get(spec.name).to_string();
    let error = err
        .filter(|e| e.field.as_deref() == Some(spec.name))
        .map(|e| e.message.clone());
    // A unit code is followed by the unit's name, so that a wrong code shows at once.
    let hint = match spec.control {
        Control::Digits(5) if !value.trim().is_empty() => {
            let on = if spec.name.starts_with("child.") {
                parse_date(form.get("child.date_of_birth")).unwrap_or_else(|_| vn_today())
            } else if spec.name.starts_with("place_of_death.") {
                parse_date(form.get("date_of_death")).unwrap_or_else(|_| vn_today())
            } else {
                vn_today()
            };
            match unit_label(&value, on) {
                Some(name) => Some(format!("→ {name}")),
                None => spec.hint.map(str::to_string),
            }
        }
        _ => spec.hint.map(str::to_string),
    };
    let mut describedby = Vec::new();
    if hint.is_some() {
        describedby.push(format!("{id}-hint"));
    }
    if error.is_some() {
        describedby.push(format!("{id}-error"));
    }
    let (control, inputmode, maxlength) = match spec.control {
        // Names: the domain's limit; details and relationships: generous.
        Control::Text if spec.name.ends_with("full_name") => ("text", "", 100),
        Control::Text => ("text", "", 200),
        Control::Digits(n) => ("text", "numeric", n),
        Control::Date => ("date", "", 10),
        Control::PartialDate => ("text", "", 10),
        Control::Sex | Control::Ethnic | Control::Country | Control::Choice(_) => ("select", "", 0),
    };
    FieldView {
        name: spec.name,
        label: spec.label,
        control,
        options: choices(spec.control, &value),
        value,
        required: spec.required && html_required,
        optional: !spec.required,
        wide: spec.wide,
        inputmode,
        maxlength,
        max: if spec.control == Control::Date {
            vn_today().to_string()
        } else {
            String::new()
        },
        list: if spec.name.ends_with("relationship") {
            "quan-he"
        } else {
            ""
        },
        hint,
        error,
        describedby: describedby.join(" "),
        id,
    }
}

/// The blocks of the birth form with the field errors of `err`: the sections, the link to the
/// first field in error, or the error without a field. `declarant` is the declarant's block
/// (the citizen's form has only the relationship: the rest comes from the login).
pub(crate) fn birth_sections(
    form: &BirthForm,
    err: Option<&DomainError>,
    declarant: &[FieldSpec],
) -> (Vec<SectionView>, Option<ErrorLink>, Option<String>) {
    let section = |id, title, specs: &[FieldSpec], html_required: bool| SectionView {
        id,
        title,
        toggle: false,
        toggle_checked: false,
        fields: specs
            .iter()
            .map(|s| field_view(s, form, html_required, err))
            .collect(),
    };
    let mut father = section("cha", "Cha", &parent_fields("father"), false);
    father.toggle = true;
    father.toggle_checked = form.has_father();
    let earlier_kind = form.get("earlier_registration.kind").to_string();
    let abroad = earlier_kind == "abroad";
    let mut sections = Vec::new();
    match earlier_kind.as_str() {
        "re_registration" => sections.push(section(
            "da-dang-ky",
            recorded::section_title(CivilEvent::Birth, "re_registration"),
            &recorded::BIRTH_REREGISTRATION,
            true,
        )),
        "abroad" => sections.push(section(
            "da-dang-ky",
            recorded::section_title(CivilEvent::Birth, "abroad"),
            &recorded::BIRTH_ABROAD,
            true,
        )),
        _ => {}
    }
    // Born abroad: no commune of birth (the place in words), so the browser must not insist.
    sections.extend([
        section("tre", "Người được khai sinh", &CHILD, !abroad),
        section("me", "Mẹ", &parent_fields("mother"), true),
        father,
        section("nguoi-khai", "Người đi khai", declarant, true),
    ]);
    let mut error_link = None;
    let mut form_error = None;
    if let Some(e) = err {
        let target = sections
            .iter()
            .flat_map(|s| s.fields.iter().map(move |f| (s, f)))
            .find(|(s, f)| f.error.is_some() && (!s.toggle || s.toggle_checked));
        match target {
            Some((s, f)) => {
                error_link = Some(ErrorLink {
                    href: format!("#{}", f.id),
                    text: format!("{} ({})", f.label, s.title),
                });
            }
            None => form_error = Some(e.message.clone()),
        }
    }
    (sections, error_link, form_error)
}

/// The blocks of the citizen's birth application (the declarant is the logged-in citizen).
pub(crate) fn citizen_birth_sections(
    form: &BirthForm,
    err: Option<&DomainError>,
) -> (Vec<SectionView>, Option<ErrorLink>, Option<String>) {
    birth_sections(form, err, &DECLARANT[2..])
}

fn birth_form_page(actor: &Actor, form: &BirthForm, err: Option<&DomainError>) -> BirthFormPage {
    let (sections, error_link, form_error) = birth_sections(form, err, &DECLARANT);
    let earlier_kind = form.get("earlier_registration.kind").to_string();
    let heading = earlier_registration_label(CivilEvent::Birth, &earlier_kind);
    BirthFormPage {
        l: Layout::for_actor(heading, actor, "/civil"),
        heading,
        earlier_kind,
        sections,
        relationships: &RELATIONSHIPS,
        form_error,
        error_link,
        dossier: form.get("dossier").to_string(),
    }
}

/// What differs between the declaration forms of deaths and marriages.
struct FormKind {
    title: &'static str,
    action: &'static str,
    form_class: &'static str,
    relationships: &'static [&'static str],
    note: &'static str,
}

/// A block of fields.
#[derive(Clone, Copy)]
struct SectionSpec<'a> {
    id: &'static str,
    title: &'static str,
    fields: &'a [FieldSpec],
}

/// The declaration form of a death or a marriage (`civil_form.html`).
#[derive(Template)]
#[template(path = "civil_form.html")]
pub struct DeclarationFormPage {
    pub l: Layout,
    pub heading: &'static str,
    pub action: &'static str,
    pub form_class: &'static str,
    /// Blocks side by side from 48rem (the two parties of a marriage), stacked on a phone.
    pub pair: Vec<SectionView>,
    pub sections: Vec<SectionView>,
    pub relationships: &'static [&'static str],
    pub note: &'static str,
    pub form_error: Option<String>,
    pub error_link: Option<ErrorLink>,
    /// `re_registration` or `abroad` (a hidden field) for a marriage or a death registered
    /// before (`recorded.rs`), empty otherwise.
    pub earlier_kind: String,
}

fn declaration_form_page(
    actor: &Actor,
    kind: &FormKind,
    (pair, rest): (&[SectionSpec<'_>], &[SectionSpec<'_>]),
    form: &BirthForm,
    err: Option<&DomainError>,
) -> DeclarationFormPage {
    let view = |s: &SectionSpec<'_>| SectionView {
        id: s.id,
        title: s.title,
        toggle: false,
        toggle_checked: false,
        fields: s
            .fields
            .iter()
            .map(|f| field_view(f, form, true, err))
            .collect(),
    };
    let pair: Vec<SectionView> = pair.iter().map(view).collect();
    let sections: Vec<SectionView> = rest.iter().map(view).collect();
    let mut error_link = None;
    let mut form_error = None;
    if let Some(e) = err {
        let target = pair
            .iter()
            .chain(sections.iter())
            .flat_map(|s| s.fields.iter().map(move |f| (s, f)))
            .find(|(_, f)| f.error.is_some());
        match target {
            Some((s, f)) => {
                error_link = Some(ErrorLink {
                    href: format!("#{}", f.id),
                    text: format!("{} ({})", f.label, s.title),
                });
            }
            None => form_error = Some(e.message.clone()),
        }
    }
    DeclarationFormPage {
        l: Layout::for_actor(kind.title, actor, "/civil"),
        heading: kind.title,
        action: kind.action,
        form_class: kind.form_class,
        pair,
        sections,
        relationships: kind.relationships,
        note: kind.note,
        form_error,
        error_link,
        earlier_kind: recorded::kind_of(form).to_string(),
    }
}

fn cannot_declare(actor: &Actor) -> Response {
    cannot_declare_kind(actor, "khai sinh")
}

fn cannot_declare_kind(actor: &Actor, what: &str) -> Response {
    forbidden_page(&format!(
        "Tài khoản {} (vai trò {}, {}) không tiếp nhận đăng ký {what}: việc này do công chức tư pháp – hộ tịch hoặc lãnh đạo UBND cấp xã thực hiện.",
        actor.username,
        actor.role.label_vi(),
        actor.office.name
    ))
}

/// `GET /civil/births/new`, or with `?earlier=re_registration` (đăng ký lại khai sinh) or
/// `?earlier=abroad` (ghi vào sổ việc khai sinh đã đăng ký ở nước ngoài): the same form with the
/// earlier registration first.
pub async fn new_birth(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PageActor(actor): PageActor,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    if !can_declare(&actor) {
        return cannot_declare(&actor);
    }
    // Opened from an online dossier: the form comes pre-filled from the citizen's application.
    let dossier = query
        .as_ref()
        .ok()
        .and_then(|Query(q)| q.get("dossier"))
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty());
    if let Some(code) = dossier {
        let detail = match state
            .app
            .dossier_detail(DossierParty::Officer(&actor), &meta, &code)
            .await
        {
            Ok(d) => d,
            Err(e) => return domain_error_page(&e),
        };
        let Some(d) = detail
            .dossier
            .application
            .as_deref()
            .and_then(|a| serde_json::from_str::<BirthDeclaration>(a).ok())
        else {
            return error_page(
                "Hồ sơ này không kèm tờ khai khai sinh trực tuyến; hãy nhập tờ khai theo giấy tờ người nộp cung cấp.",
                StatusCode::CONFLICT,
            );
        };
        let mut form = BirthForm::from_declaration(&d);
        form.0.insert("dossier".into(), detail.dossier.code);
        return html(
            StatusCode::OK,
            birth_form_page(&actor, &form, None).render(),
        );
    }
    let mut form = BirthForm::defaults(&actor);
    if let Some(kind) = recorded::requested_kind(query) {
        recorded::prefill(&mut form, &actor, &kind);
    }
    html(
        StatusCode::OK,
        birth_form_page(&actor, &form, None).render(),
    )
}

pub async fn declare_birth(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PageActor(actor): PageActor,
    form: Result<Form<BirthForm>, FormRejection>,
) -> Response {
    let mut f = match accept_form(&actor, form) {
        Ok(f) => f,
        Err(refused) => return refused,
    };
    let dossier = f.opt("dossier");
    let result = match (f.declaration(), dossier) {
        (Ok(d), Some(code)) => {
            state
                .app
                .declare_birth_for_dossier(&actor, &meta, d, &code)
                .await
        }
        (Ok(d), None) => state.app.declare_birth(&actor, &meta, d).await,
        (Err(e), _) => Err(e),
    };
    declared_or_form_again(result, f, |f, e| {
        birth_form_page(&actor, f, Some(e)).render()
    })
}

/// A procedure's form, blank but for `prefill` (a record number carried from the page that links
/// to it, defaults); only officers and signers of a commune declare (`what` names the procedure).
fn procedure_form(
    actor: &Actor,
    kind: &FormKind,
    sections: &[SectionSpec<'_>],
    what: &str,
    prefill: Vec<(&str, String)>,
) -> Response {
    if !can_declare(actor) {
        return cannot_declare_kind(actor, what);
    }
    let form = BirthForm(
        prefill
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    );
    html(
        StatusCode::OK,
        declaration_form_page(actor, kind, (&[], sections), &form, None).render(),
    )
}

/// A record number from a query parameter (`?birth=12`), when it is one.
fn record_param(
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
    key: &str,
) -> Option<String> {
    query
        .ok()
        .and_then(|Query(q)| q.get(key).cloned())
        .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
}

/// The prefill of a procedure's form reached from a record's page: `?{param}=ID` into `field`.
fn record_prefill(
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
    param: &str,
    field: &'static str,
) -> Vec<(&'static str, String)> {
    record_param(query, param)
        .map(|id| vec![(field, id)])
        .unwrap_or_default()
}

/// A procedure's form sent: `parse` builds the request from the fields, `declare` runs the use
/// case; then the new record's page, or the form again with the error.
async fn submit_procedure<T, Fut>(
    actor: &Actor,
    form: Result<Form<BirthForm>, FormRejection>,
    kind: &FormKind,
    sections: &[SectionSpec<'_>],
    parse: impl FnOnce(&mut BirthForm) -> Result<T, DomainError>,
    declare: impl FnOnce(T) -> Fut,
) -> Response
where
    Fut: std::future::Future<Output = Result<tuphap_domain::civil::Declared, DomainError>>,
{
    let mut f = match accept_form(actor, form) {
        Ok(f) => f,
        Err(refused) => return refused,
    };
    let result = match parse(&mut f) {
        Ok(r) => declare(r).await,
        Err(e) => Err(e),
    };
    declared_or_form_again(result, f, |f, e| {
        declaration_form_page(actor, kind, (&[], sections), f, Some(e)).render()
    })
}

/// A record number typed in a form field, or the field's error (`code`).
fn record_number(f: &BirthForm, field: &str, code: &'static str) -> Result<i64, DomainError> {
    f.get(field).trim().parse::<i64>().map_err(|_| {
        DomainError::new(
            ErrorKind::Unprocessable,
            code,
            "Số hồ sơ là một số, ví dụ 42.",
        )
        .with_field(field)
    })
}

/// After a declaration sent from a form: to the new record's page (with the probable duplicates
/// to compare), or the form again, filled in, with the error at its field and the right status.
fn declared_or_form_again(
    result: Result<tuphap_domain::civil::Declared, DomainError>,
    mut f: BirthForm,
    form_page: impl FnOnce(&BirthForm, &DomainError) -> askama::Result<String>,
) -> Response {
    match result {
        Ok(declared) => {
            let mut to = format!("/civil/records/{}?declared=1", declared.id);
            if !declared.duplicates.is_empty() {
                let dup: Vec<String> = declared
                    .duplicates
                    .iter()
                    .take(MAX_CANDIDATES)
                    .map(|c| format!("{}:{}", c.record_id, c.score))
                    .collect();
                to.push_str(&format!("&dup={}", dup.join(",")));
            }
            Redirect::to(&to).into_response()
        }
        Err(e) => {
            f.0.remove("csrf");
            html(crate::error::status_of(e.kind), form_page(&f, &e))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The record page
// ---------------------------------------------------------------------------------------------

pub struct Fact {
    pub label: &'static str,
    pub value: String,
}

pub struct PartyView {
    pub title: &'static str,
    pub facts: Vec<Fact>,
}

pub struct PersonView {
    pub role: &'static str,
    pub person_id: i64,
    /// The person's page.
    pub href: String,
    pub full_name: String,
    pub personal_id: String,
}

pub struct VersionView {
    pub version: i32,
    pub created_at: String,
    pub created_by: String,
    pub reason: String,
}

pub struct CompareRow {
    pub label: &'static str,
    pub this: String,
    pub other: String,
    pub matched: bool,
}

pub struct DupView {
    pub record_id: i64,
    pub href: String,
    pub status_label: &'static str,
    pub score: Option<u8>,
    pub probable: bool,
    pub rows: Vec<CompareRow>,
    pub matched_count: usize,
    /// Why the candidate cannot be shown (outside jurisdiction…).
    pub note: Option<String>,
}

/// The link that prints (issues) the certificate, opened in a new tab.
pub struct PrintLink {
    pub href: String,
    pub label: &'static str,
}

pub struct CertificateView {
    pub code: String,
    pub verify_href: String,
    pub issued_on: String,
}

#[derive(Template)]
#[template(path = "civil_record.html")]
pub struct RecordPage {
    pub l: Layout,
    pub id: i64,
    pub base: String,
    pub kind_label: &'static str,
    pub status: String,
    pub status_label: &'static str,
    pub status_class: &'static str,
    pub queue_href: String,
    pub office_name: String,
    pub event_date: String,
    pub late: bool,
    pub register_text: Option<String>,
    pub registered_on: Option<String>,
    pub status_reason: Option<String>,
    pub override_reason: Option<String>,
    pub parties: Vec<PartyView>,
    pub no_father: bool,
    /// "Ngày sinh", "Ngày chết", "Ngày tiếp nhận".
    pub event_label: &'static str,
    /// What "late" means for this kind (none for marriages: no deadline).
    pub late_note: Option<&'static str>,
    /// The certificate to print (registered records of the user's own office).
    pub print: Option<PrintLink>,
    /// The next procedures on this record, or the record it concerns.
    pub follow_ups: Vec<PrintLink>,
    /// The latest certificate issued.
    pub certificate: Option<CertificateView>,
    /// Content that could not be read as a declaration (shown raw).
    pub raw: Option<String>,
    pub persons: Vec<PersonView>,
    /// The steps of the linked procedure with partner agencies (births and deaths).
    pub linked: Vec<tuphap_domain::exchange::linked::LinkedStepView>,
    pub history: Vec<VersionView>,
    pub flash: Option<String>,
    pub action_error: Option<String>,
    pub duplicates: Vec<DupView>,
    pub dup_intro: Option<String>,
    // Actions.
    pub can_register: bool,
    pub can_decide: bool,
    pub ask_override: bool,
    pub override_value: String,
    pub override_error: Option<String>,
    /// Which decision form is open after an error: `return`, `reject` or empty.
    pub decide_open: &'static str,
    pub decide_reason: String,
    pub decide_error: Option<String>,
    /// "Nhật ký": the audit entries about the record.
    pub trail: trail::TrailView,
    /// "Bản sao trích lục" of a registered record: copies issued, and the form to issue more.
    pub extracts: Option<extract::ExtractPanel>,
}

/// The date a record's places are named on: the day version 1 was written (VN time).
fn declared_on(view: &RecordView) -> Date {
    view.history
        .iter()
        .find(|v| v.version == 1)
        .and_then(|v| {
            time::OffsetDateTime::parse(
                &v.created_at,
                &time::format_description::well_known::Rfc3339,
            )
            .ok()
        })
        .map(|t| t.to_offset(VN_OFFSET).date())
        .unwrap_or_else(vn_today)
}

fn vn_datetime(rfc3339: &str) -> String {
    match time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339) {
        Ok(t) => {
            let t = t.to_offset(VN_OFFSET);
            format!("{:02}:{:02} {}", t.hour(), t.minute(), format_vn(t.date()))
        }
        Err(_) => rfc3339.to_string(),
    }
}

fn birth_of(view: &RecordView) -> Option<BirthDeclaration> {
    if view.kind != "birth" {
        return None;
    }
    serde_json::from_value(view.data.clone()).ok()
}

fn parent_facts(p: &ParentInput, on: Date) -> Vec<Fact> {
    let dob = p
        .date_of_birth
        .as_deref()
        .map(vn_date)
        .unwrap_or_else(|| "—".into());
    party_facts(
        &p.full_name,
        dob,
        p.personal_id.as_deref(),
        (&p.ethnicity_code, &p.nationality_code),
        &p.residence,
        on,
    )
}

/// The facts shown for a parent or a spouse.
fn party_facts(
    full_name: &str,
    date_of_birth: String,
    personal_id: Option<&str>,
    (ethnicity, nationality): (&str, &str),
    residence: &PlaceInput,
    on: Date,
) -> Vec<Fact> {
    vec![
        Fact {
            label: "Họ, chữ đệm và tên",
            value: full_name.to_string(),
        },
        Fact {
            label: "Ngày sinh",
            value: date_of_birth,
        },
        Fact {
            label: "Số định danh",
            value: opt_text(personal_id),
        },
        Fact {
            label: "Dân tộc",
            value: ethnic_name(ethnicity),
        },
        Fact {
            label: "Quốc tịch",
            value: country_name(nationality),
        },
        Fact {
            label: "Nơi cư trú",
            value: place_text(residence, on),
        },
    ]
}

fn parties(d: &BirthDeclaration, declared_on: Date) -> Vec<PartyView> {
    let dob = parse_date(&d.child.date_of_birth).unwrap_or(declared_on);
    let c = &d.child;
    let mut v = vec![
        PartyView {
            title: "Người được khai sinh",
            facts: vec![
                Fact {
                    label: "Họ, chữ đệm và tên",
                    value: c.full_name.clone(),
                },
                Fact {
                    label: "Giới tính",
                    value: sex_label(&c.sex),
                },
                Fact {
                    label: "Ngày sinh",
                    value: vn_date(&c.date_of_birth),
                },
                Fact {
                    label: "Nơi sinh",
                    value: place_text(&c.place_of_birth, dob),
                },
                Fact {
                    label: "Dân tộc",
                    value: ethnic_name(&c.ethnicity_code),
                },
                Fact {
                    label: "Quốc tịch",
                    value: country_name(&c.nationality_code),
                },
                Fact {
                    label: "Quê quán",
                    value: dash_if_empty(c.home_town.as_deref().unwrap_or_default()),
                },
            ],
        },
        PartyView {
            title: "Mẹ",
            facts: parent_facts(&d.mother, declared_on),
        },
    ];
    if let Some(f) = &d.father {
        v.push(PartyView {
            title: "Cha",
            facts: parent_facts(f, declared_on),
        });
    }
    v.push(PartyView {
        title: "Người đi khai",
        facts: vec![
            Fact {
                label: "Họ, chữ đệm và tên",
                value: d.declarant.full_name.clone(),
            },
            Fact {
                label: "Số định danh",
                value: dash_if_empty(d.declarant.personal_id.as_deref().unwrap_or_default()),
            },
            Fact {
                label: "Quan hệ với trẻ",
                value: d.declarant.relationship.clone(),
            },
        ],
    });
    if let Some(e) = &d.earlier_registration {
        v.insert(0, recorded::earlier_party(CivilEvent::Birth, e));
    }
    v
}

/// A date of birth that may be partial: `YYYY-MM-DD` → dd/mm/yyyy, `YYYY-MM` → mm/yyyy, a year
/// as it is.
fn vn_partial_date(s: &str) -> String {
    match s.trim().split('-').collect::<Vec<_>>().as_slice() {
        [y, m] => format!("{m}/{y}"),
        _ => vn_date(s.trim()),
    }
}

fn opt_text(s: Option<&str>) -> String {
    dash_if_empty(s.unwrap_or_default())
}

fn death_parties(d: &DeathDeclaration, declared_on: Date) -> Vec<PartyView> {
    let dod = parse_date(&d.date_of_death).unwrap_or(declared_on);
    let p = &d.deceased;
    let earlier = d
        .earlier_registration
        .as_ref()
        .map(|e| recorded::earlier_party(CivilEvent::Death, e));
    let mut v = vec![
        PartyView {
            title: "Người chết",
            facts: vec![
                Fact {
                    label: "Họ, chữ đệm và tên",
                    value: p.full_name.clone(),
                },
                Fact {
                    label: "Giới tính",
                    value: sex_label(&p.sex),
                },
                Fact {
                    label: "Ngày sinh",
                    value: vn_partial_date(&p.date_of_birth),
                },
                Fact {
                    label: "Số định danh",
                    value: opt_text(p.personal_id.as_deref()),
                },
                Fact {
                    label: "Dân tộc",
                    value: p
                        .ethnicity_code
                        .as_deref()
                        .map(ethnic_name)
                        .unwrap_or_else(|| "—".into()),
                },
                Fact {
                    label: "Quốc tịch",
                    value: p
                        .nationality_code
                        .as_deref()
                        .map(country_name)
                        .unwrap_or_else(|| "—".into()),
                },
                Fact {
                    label: "Nơi cư trú cuối cùng",
                    value: p
                        .residence
                        .as_ref()
                        .map(|r| place_text(r, declared_on))
                        .unwrap_or_else(|| "—".into()),
                },
            ],
        },
        PartyView {
            title: "Thông tin khai tử",
            facts: vec![
                Fact {
                    label: "Ngày chết",
                    value: vn_date(&d.date_of_death),
                },
                Fact {
                    label: "Nơi chết",
                    value: place_text(&d.place_of_death, dod),
                },
                Fact {
                    label: "Nguyên nhân",
                    value: opt_text(d.cause.as_deref()),
                },
            ],
        },
        PartyView {
            title: "Người đi khai",
            facts: vec![
                Fact {
                    label: "Họ, chữ đệm và tên",
                    value: d.declarant.full_name.clone(),
                },
                Fact {
                    label: "Số định danh",
                    value: opt_text(d.declarant.personal_id.as_deref()),
                },
                Fact {
                    label: "Quan hệ với người chết",
                    value: d.declarant.relationship.clone(),
                },
            ],
        },
    ];
    v.splice(0..0, earlier);
    v
}

fn spouse_facts(p: &SpouseInput, on: Date) -> Vec<Fact> {
    party_facts(
        &p.full_name,
        vn_date(&p.date_of_birth),
        p.personal_id.as_deref(),
        (&p.ethnicity_code, &p.nationality_code),
        &p.residence,
        on,
    )
}

fn marriage_parties(d: &MarriageDeclaration, declared_on: Date) -> Vec<PartyView> {
    let earlier = d
        .earlier_registration
        .as_ref()
        .map(|e| recorded::earlier_party(CivilEvent::Marriage, e));
    let mut v = vec![
        PartyView {
            title: "Bên nữ (vợ)",
            facts: spouse_facts(&d.wife, declared_on),
        },
        PartyView {
            title: "Bên nam (chồng)",
            facts: spouse_facts(&d.husband, declared_on),
        },
    ];
    v.splice(0..0, earlier);
    v
}

/// The persons of a record: the subject first, then mother, father, the others.
fn persons_in_order(view: &RecordView) -> Vec<&tuphap_domain::civil::RecordPerson> {
    let rank = |role: &str| match role {
        "child" | "deceased" | "wife" => 0,
        "mother" | "husband" => 1,
        "father" => 2,
        _ => 3,
    };
    let mut v: Vec<_> = view.persons.iter().collect();
    v.sort_by_key(|p| rank(&p.role));
    v
}

/// The record page for `id` (an audited read) with the page of its audit trail older than
/// `trail_before` (the newest when `None`); the caller adds messages and errors.
async fn record_page(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    id: i64,
    trail_before: Option<i64>,
) -> Result<(RecordPage, RecordView), DomainError> {
    let view = state.app.get_record(actor, meta, id).await?;
    let trail = trail::trail_view(state, actor, meta, id, trail_before).await?;
    let on = declared_on(&view);
    let birth = birth_of(&view);
    let (status_label, status_class) = status_badge(&view.status);
    let mut history = Vec::new();
    let mut names: HashMap<i64, String> = HashMap::new();
    for v in &view.history {
        let created_by = match names.get(&v.created_by) {
            Some(n) => n.clone(),
            None => {
                let name = match state.app.store.user_by_id(v.created_by).await? {
                    Some(u) => format!("{} ({})", u.display_name, u.username),
                    None => format!("người dùng #{}", v.created_by),
                };
                names.insert(v.created_by, name.clone());
                name
            }
        };
        history.push(VersionView {
            version: v.version,
            created_at: vn_datetime(&v.created_at),
            created_by,
            reason: match v.reason.as_deref() {
                Some(r) => r.to_string(),
                None if v.version == 1 => "Tiếp nhận tờ khai".to_string(),
                None => "—".to_string(),
            },
        });
    }
    let own = view.office_code == actor.office.code;
    let declared = view.status == "declared";
    let contents = match view.kind.as_str() {
        "birth" => birth.as_ref().map(|b| parties(b, on)),
        "death" => serde_json::from_value::<DeathDeclaration>(view.data.clone())
            .ok()
            .map(|d| death_parties(&d, on)),
        "marriage" => serde_json::from_value::<MarriageDeclaration>(view.data.clone())
            .ok()
            .map(|d| marriage_parties(&d, on)),
        "divorce" => {
            serde_json::from_value::<tuphap_domain::civil::DivorceRecording>(view.data.clone())
                .ok()
                .map(|d| marital::divorce_parties(&d))
        }
        "marital_status" => {
            serde_json::from_value::<tuphap_domain::civil::MaritalStatusData>(view.data.clone())
                .ok()
                .map(|d| marital::marital_status_parties(&d, on))
        }
        "amendment" => {
            serde_json::from_value::<tuphap_domain::civil::AmendmentData>(view.data.clone())
                .ok()
                .map(|d| amendment::amendment_parties(&d))
        }
        "parentage" => {
            serde_json::from_value::<tuphap_domain::civil::ParentageRecognition>(view.data.clone())
                .ok()
                .map(|d| parentage::parentage_parties(&d))
        }
        "adoption" => {
            serde_json::from_value::<tuphap_domain::civil::AdoptionRegistration>(view.data.clone())
                .ok()
                .map(|d| adoption::adoption_parties(&d))
        }
        "adoption_termination" => {
            serde_json::from_value::<tuphap_domain::civil::AdoptionTermination>(view.data.clone())
                .ok()
                .map(|d| adoption::termination_parties(&d))
        }
        "guardianship" => serde_json::from_value::<tuphap_domain::civil::GuardianshipRegistration>(
            view.data.clone(),
        )
        .ok()
        .map(|d| guardianship::guardianship_parties(&d)),
        "guardianship_change" => {
            serde_json::from_value::<tuphap_domain::civil::GuardianshipChange>(view.data.clone())
                .ok()
                .map(|d| guardianship::change_parties(&d))
        }
        "guardianship_end" => {
            serde_json::from_value::<tuphap_domain::civil::GuardianshipEnd>(view.data.clone())
                .ok()
                .map(|d| guardianship::end_parties(&d))
        }
        _ => None,
    };
    // The next procedures on this record (amend it; record a divorce of a marriage), or the
    // record it concerns.
    let registered = matches!(view.status.as_str(), "registered" | "certificate_issued");
    let mut follow_ups = Vec::new();
    if registered
        && can_declare(actor)
        && matches!(view.kind.as_str(), "birth" | "death" | "marriage")
    {
        follow_ups.push(PrintLink {
            href: format!("/civil/amendments/new?target={id}"),
            label: "Thay đổi, cải chính, bổ sung",
        });
        if view.kind == "birth" && (view.data["father"].is_null() || view.data["mother"].is_null())
        {
            follow_ups.push(PrintLink {
                href: format!("/civil/parentage/new?birth={id}"),
                label: "Nhận cha, mẹ, con",
            });
        }
        if view.kind == "birth" {
            follow_ups.push(PrintLink {
                href: format!("/civil/adoptions/new?birth={id}"),
                label: "Nuôi con nuôi",
            });
        }
        if view.kind == "marriage" {
            follow_ups.push(PrintLink {
                href: format!("/civil/divorces/new?marriage={id}"),
                label: "Ghi vào sổ việc ly hôn, hủy kết hôn",
            });
        }
    }
    if registered && can_declare(actor) && view.kind == "birth" {
        follow_ups.push(PrintLink {
            href: format!("/civil/guardianships/new?birth={id}"),
            label: "Đăng ký giám hộ",
        });
    }
    if registered && can_declare(actor) && view.kind == "adoption" {
        follow_ups.push(PrintLink {
            href: format!("/civil/adoption-terminations/new?adoption={id}"),
            label: "Ghi vào sổ việc chấm dứt nuôi con nuôi",
        });
    }
    if registered
        && can_declare(actor)
        && matches!(view.kind.as_str(), "guardianship" | "guardianship_change")
        && state.app.guardianship_is_current(id).await?
    {
        follow_ups.push(PrintLink {
            href: format!("/civil/guardianship-changes/new?guardianship={id}"),
            label: "Thay đổi người giám hộ",
        });
        follow_ups.push(PrintLink {
            href: format!("/civil/guardianship-ends/new?guardianship={id}"),
            label: "Chấm dứt giám hộ",
        });
    }
    if let Some(target) = view.target_record_id {
        follow_ups.push(PrintLink {
            href: format!("/civil/records/{target}"),
            label: match view.kind.as_str() {
                "divorce" => "Xem hồ sơ kết hôn",
                "parentage" | "adoption" => "Xem hồ sơ khai sinh của con",
                "adoption_termination" => "Xem hồ sơ nuôi con nuôi",
                "guardianship_change" | "guardianship_end" => "Xem hồ sơ giám hộ trước",
                _ => "Xem hồ sơ được thay đổi, cải chính",
            },
        });
    }
    // The kinds with a paper of their own. An amendment, a recognition or an adoption changes a
    // record whose certificate is printed again; the others are given as an extract.
    // Every registration also has its original trích lục (Luật Hộ tịch 2014, Điều 62): the
    // kinds without a form print one from their content (`civil/record_extract.rs`).
    let printable = own
        && registered
        && (matches!(
            view.kind.as_str(),
            "birth" | "death" | "marriage" | "divorce" | "marital_status"
        ) || tuphap_core::certificate::record_extract_title(&view.kind).is_some());
    let print = printable.then(|| PrintLink {
        href: format!("/api/v1/civil/records/{id}/certificate.pdf"),
        label: match view.kind.as_str() {
            "death" => "In trích lục khai tử",
            "marriage" => "In giấy chứng nhận kết hôn",
            "divorce" => "In trích lục ghi vào sổ việc ly hôn",
            "marital_status" => "In giấy xác nhận tình trạng hôn nhân",
            "amendment" => "In trích lục thay đổi, cải chính, bổ sung hộ tịch",
            "parentage" => "In trích lục đăng ký nhận cha, mẹ, con",
            "adoption" => "In giấy chứng nhận nuôi con nuôi",
            "adoption_termination" => "In trích lục ghi vào sổ việc chấm dứt nuôi con nuôi",
            "guardianship" => "In trích lục đăng ký giám hộ",
            "guardianship_change" => "In trích lục đăng ký thay đổi người giám hộ",
            "guardianship_end" => "In trích lục đăng ký chấm dứt giám hộ",
            _ => "In giấy khai sinh",
        },
    });
    let certificate = if printable {
        state
            .app
            .store
            .certificates_of(id)
            .await?
            .into_iter()
            .find(|c| c.revoked_at.is_none())
            .map(|c| CertificateView {
                verify_href: format!("/verify?code={}", encode_component(&c.code)),
                code: c.code,
                issued_on: format_vn(c.issued_on),
            })
    } else {
        None
    };
    let linked = if registered {
        state.app.linked_steps(&view.kind, id).await?
    } else {
        Vec::new()
    };
    let page = RecordPage {
        linked,
        l: Layout::for_actor(
            format!("Hồ sơ {} số {id}", kind_label(&view.kind).to_lowercase()),
            actor,
            "/civil",
        ),
        id,
        base: format!("/civil/records/{id}"),
        kind_label: kind_label(&view.kind),
        status_label,
        status_class,
        queue_href: format!("/civil?status={}", view.status),
        office_name: view.office_name.clone(),
        event_date: vn_date(&view.event_date),
        late: view.late,
        register_text: view.register_text.clone(),
        registered_on: view.registered_on.as_deref().map(vn_date),
        status_reason: view.status_reason.clone(),
        override_reason: view.duplicate_override_reason.clone(),
        raw: if contents.is_none() {
            Some(serde_json::to_string_pretty(&view.data).unwrap_or_default())
        } else {
            None
        },
        persons: persons_in_order(&view)
            .into_iter()
            .map(|p| PersonView {
                role: role_label(&p.role),
                person_id: p.person_id,
                href: format!("/civil/persons/{}", p.person_id),
                full_name: p.full_name.clone(),
                personal_id: dash_if_empty(p.personal_id.as_deref().unwrap_or_default()),
            })
            .collect(),
        history,
        flash: None,
        action_error: None,
        duplicates: Vec::new(),
        dup_intro: None,
        can_register: own && declared && actor.role == Role::Signer,
        can_decide: own && declared && matches!(actor.role, Role::Officer | Role::Signer),
        ask_override: false,
        override_value: String::new(),
        override_error: None,
        decide_open: "",
        decide_reason: String::new(),
        decide_error: None,
        status: view.status.clone(),
        parties: contents.unwrap_or_default(),
        no_father: birth.as_ref().is_some_and(|b| b.father.is_none()),
        // A marriage registered before dates from that registration (recorded.rs).
        event_label: if view.kind == "marriage" && !view.data["earlier_registration"].is_null() {
            "Ngày đăng ký kết hôn trước đây"
        } else {
            event_date_label(&view.kind)
        },
        // An event registered before (again, or abroad) has no deadline: no "Thời hạn" line.
        late_note: match view.kind.as_str() {
            _ if !view.data["earlier_registration"].is_null() => None,
            "birth" => Some("khai sinh sau 60 ngày kể từ ngày sinh"),
            "death" => Some("khai tử sau 15 ngày kể từ ngày chết"),
            _ => None,
        },
        print,
        follow_ups,
        certificate,
        trail,
        extracts: extract::panel(state, actor, meta, &view).await?,
    };
    Ok((page, view))
}

/// What the comparison shows of a birth: (name, date of birth, sex, mother, father, place code,
/// place text).
struct BirthKey {
    name: String,
    dob: String,
    sex: String,
    mother: String,
    father: Option<String>,
    place_code: String,
    place: String,
}

fn birth_key(d: &BirthDeclaration) -> BirthKey {
    let dob = parse_date(&d.child.date_of_birth).unwrap_or_else(|_| vn_today());
    BirthKey {
        name: d.child.full_name.clone(),
        dob: d.child.date_of_birth.trim().to_string(),
        sex: Sex::parse(&d.child.sex)
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        mother: d.mother.full_name.clone(),
        father: d.father.as_ref().map(|f| f.full_name.clone()),
        place_code: d.child.place_of_birth.admin_unit_code.trim().to_string(),
        place: place_text(&d.child.place_of_birth, dob),
    }
}

fn compare(this: &BirthKey, other: &BirthKey) -> Vec<CompareRow> {
    let same_name = |a: &str, b: &str| fold(a) == fold(b);
    vec![
        CompareRow {
            label: "Họ tên",
            this: this.name.clone(),
            other: other.name.clone(),
            matched: same_name(&this.name, &other.name),
        },
        CompareRow {
            label: "Ngày sinh",
            this: vn_date(&this.dob),
            other: vn_date(&other.dob),
            matched: this.dob == other.dob,
        },
        CompareRow {
            label: "Giới tính",
            this: sex_label(&this.sex),
            other: sex_label(&other.sex),
            matched: !this.sex.is_empty() && this.sex == other.sex,
        },
        CompareRow {
            label: "Mẹ",
            this: this.mother.clone(),
            other: other.mother.clone(),
            matched: same_name(&this.mother, &other.mother),
        },
        CompareRow {
            label: "Cha",
            this: this.father.clone().unwrap_or_else(|| "—".into()),
            other: other.father.clone().unwrap_or_else(|| "—".into()),
            matched: matches!((&this.father, &other.father), (Some(a), Some(b)) if same_name(a, b)),
        },
        CompareRow {
            label: "Nơi sinh",
            this: this.place.clone(),
            other: other.place.clone(),
            matched: this.place_code == other.place_code,
        },
    ]
}

/// The comparison of this record with each candidate `(id, score)`; each candidate is read
/// through `get_record` (jurisdiction checked, read audited).
async fn duplicate_views(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    this: &RecordView,
    candidates: &[(i64, Option<u8>)],
) -> Result<Vec<DupView>, DomainError> {
    let Some(this_birth) = birth_of(this) else {
        return Ok(Vec::new());
    };
    let this_key = birth_key(&this_birth);
    let mut out = Vec::new();
    for &(cid, score) in candidates.iter().take(MAX_CANDIDATES) {
        if cid == this.id {
            continue;
        }
        let mut v = DupView {
            record_id: cid,
            href: format!("/civil/records/{cid}"),
            status_label: "",
            score,
            probable: score.is_some_and(|s| s >= tuphap_core::civil::PROBABLE_DUPLICATE),
            rows: Vec::new(),
            matched_count: 0,
            note: None,
        };
        match state.app.get_record(actor, meta, cid).await {
            Ok(other) => {
                v.status_label = status_badge(&other.status).0;
                match birth_of(&other) {
                    Some(b) => {
                        v.rows = compare(&this_key, &birth_key(&b));
                        v.matched_count = v.rows.iter().filter(|r| r.matched).count();
                    }
                    None => v.note = Some("Không đọc được nội dung hồ sơ này.".into()),
                }
            }
            Err(e) if matches!(e.kind, ErrorKind::Forbidden | ErrorKind::NotFound) => {
                v.note = Some(e.message);
            }
            Err(e) => return Err(e),
        }
        out.push(v);
    }
    Ok(out)
}

/// The candidates of a declared birth, recomputed from the store (same name folded and date of
/// birth, not rejected, other than this one).
async fn recomputed_candidates(
    state: &AppState,
    view: &RecordView,
) -> Result<Vec<(i64, Option<u8>)>, DomainError> {
    let Some(child) = view.persons.iter().find(|p| p.role == "child") else {
        return Ok(Vec::new());
    };
    let Some(person) = state.app.store.person_by_id(child.person_id).await? else {
        return Ok(Vec::new());
    };
    let Some(dob) = person.date_of_birth else {
        return Ok(Vec::new());
    };
    Ok(state
        .app
        .store
        .birth_candidates(&person.name_folded, dob, Some(view.id))
        .await?
        .into_iter()
        .map(|c| (c.record_id, None))
        .collect())
}

/// `12:95,15:70` → [(12, Some(95)), (15, Some(70))]; malformed entries are skipped.
fn parse_dup(s: &str) -> Vec<(i64, Option<u8>)> {
    s.split(',')
        .filter_map(|part| {
            let (id, score) = match part.split_once(':') {
                Some((id, score)) => (id, score.trim().parse::<u8>().ok().filter(|s| *s <= 100)),
                None => (part, None),
            };
            id.trim()
                .parse::<i64>()
                .ok()
                .filter(|i| *i > 0)
                .map(|i| (i, score))
        })
        .take(MAX_CANDIDATES)
        .collect()
}

fn record_id(raw: &str) -> Option<i64> {
    raw.parse::<i64>().ok().filter(|i| *i > 0)
}

fn no_such_record(raw: &str) -> Response {
    error_page(
        &format!("Không có hồ sơ hộ tịch số {raw}."),
        StatusCode::NOT_FOUND,
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct RecordQuery {
    pub declared: Option<String>,
    pub dup: Option<String>,
    pub registered: Option<String>,
    pub returned: Option<String>,
    pub rejected: Option<String>,
    /// The page of the audit trail older than this entry number.
    pub nhat_ky_truoc: Option<String>,
    /// An issuance of certified copies just made (its id).
    pub ban_sao: Option<String>,
}

pub async fn record(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PageActor(actor): PageActor,
    Path(raw): Path<String>,
    query: Result<Query<RecordQuery>, QueryRejection>,
) -> Response {
    if !can_read_civil(&actor) {
        return forbidden_page(&format!(
            "Tài khoản {} (vai trò {}) không xem được sổ hộ tịch.",
            actor.username,
            actor.role.label_vi()
        ));
    }
    let Some(id) = record_id(&raw) else {
        return no_such_record(&raw);
    };
    let q = match query {
        Ok(Query(q)) => q,
        Err(rej) => return bad_query(&rej),
    };
    let trail_before = match non_empty(q.nhat_ky_truoc.as_deref()).map(str::parse::<i64>) {
        None => None,
        Some(Ok(seq)) if seq > 0 => Some(seq),
        Some(_) => {
            return error_page(
                "Tham số trang nhật ký (nhat_ky_truoc) phải là số thứ tự của một mục nhật ký.",
                StatusCode::BAD_REQUEST,
            );
        }
    };
    let (mut page, view) = match record_page(&state, &actor, &meta, id, trail_before).await {
        Ok(p) => p,
        Err(e) => return domain_error_page(&e),
    };
    let flag = |v: &Option<String>| non_empty(v.as_deref()).is_some();
    if let (Some(panel), Some(raw)) = (page.extracts.as_mut(), non_empty(q.ban_sao.as_deref())) {
        extract::issued_view(panel, raw, id);
    }
    if flag(&q.declared) {
        page.flash = Some(if view.late && view.kind == "death" {
            format!(
                "Đã tiếp nhận hồ sơ số {id}. Khai tử sau 15 ngày kể từ ngày chết: đăng ký trễ hạn (Luật Hộ tịch 2014, Điều 33)."
            )
        } else if view.late {
            format!(
                "Đã tiếp nhận hồ sơ số {id}. Khai sinh sau 60 ngày kể từ ngày sinh: đăng ký trễ hạn (Luật Hộ tịch 2014, Điều 15)."
            )
        } else {
            format!("Đã tiếp nhận hồ sơ số {id}.")
        });
        if let Some(dup) = non_empty(q.dup.as_deref()) {
            let candidates = parse_dup(dup);
            match duplicate_views(&state, &actor, &meta, &view, &candidates).await {
                Ok(d) => page.duplicates = d,
                Err(e) => return domain_error_page(&e),
            }
            if !page.duplicates.is_empty() {
                page.dup_intro = Some(
                    "Đã có hồ sơ khai sinh cùng họ tên và ngày sinh. Hãy đối chiếu trước khi trình ký; hồ sơ nhiều khả năng trùng chỉ được đăng ký khi người ký ghi lý do."
                        .into(),
                );
            }
        }
    } else if flag(&q.registered) && view.register_text.is_some() {
        page.flash = Some(format!("Đã ký đăng ký hồ sơ số {id}."));
    } else if flag(&q.returned) && view.status == "returned" {
        page.flash = Some("Đã trả lại hồ sơ để bổ sung, hoàn thiện.".into());
    } else if flag(&q.rejected) && view.status == "rejected" {
        page.flash = Some("Đã từ chối đăng ký hồ sơ.".into());
    }
    html(StatusCode::OK, page.render())
}

#[derive(Debug, Default, Deserialize)]
pub struct RegisterForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub duplicate_override_reason: String,
    /// Set when the form showed the reason field (the reason is then required).
    #[serde(default)]
    pub override_asked: String,
}

impl CsrfProtected for RegisterForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

pub async fn register(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PageActor(actor): PageActor,
    Path(raw): Path<String>,
    form: Result<Form<RegisterForm>, FormRejection>,
) -> Response {
    let f = match accept_form(&actor, form) {
        Ok(f) => f,
        Err(refused) => return refused,
    };
    let Some(id) = record_id(&raw) else {
        return no_such_record(&raw);
    };
    let reason = non_empty(Some(&f.duplicate_override_reason)).map(str::to_string);
    let e = match state
        .app
        .register_record(&actor, &meta, id, reason.clone())
        .await
    {
        Ok(_) => return Redirect::to(&format!("/civil/records/{id}?registered=1")).into_response(),
        Err(e) => e,
    };
    if e.code == "reauth_required" {
        // Re-authenticate, then back to the record to sign (issue 8).
        return Redirect::to(&format!("/account/reauth?next=/civil/records/{id}")).into_response();
    }
    let (mut page, view) = match record_page(&state, &actor, &meta, id, None).await {
        Ok(p) => p,
        Err(_) => return domain_error_page(&e),
    };
    let status = crate::error::status_of(e.kind);
    if e.code == "duplicate_override_required" {
        let candidates = match recomputed_candidates(&state, &view).await {
            Ok(c) => c,
            Err(e) => return domain_error_page(&e),
        };
        match duplicate_views(&state, &actor, &meta, &view, &candidates).await {
            Ok(d) => page.duplicates = d,
            Err(e) => return domain_error_page(&e),
        }
        page.dup_intro = Some(
            "Đối chiếu hồ sơ này với các hồ sơ đã có. Nếu đúng là hai sự kiện khác nhau (ví dụ sinh đôi), ghi lý do rồi ký đăng ký."
                .into(),
        );
        page.ask_override = true;
        page.override_value = f.duplicate_override_reason.clone();
        if !f.override_asked.is_empty() && reason.is_none() {
            page.override_error =
                Some("Cần ghi lý do vẫn đăng ký dù có hồ sơ nhiều khả năng trùng.".into());
        }
        // The domain's first sentence names the records; the rest speaks to API clients.
        let first = e.message.split(". ").next().unwrap_or_default();
        page.action_error = Some(format!(
            "{}. Hãy đối chiếu các hồ sơ bên dưới; nếu vẫn đăng ký, ghi lý do rồi ký.",
            first.trim_end_matches('.')
        ));
    } else {
        page.action_error = Some(e.message);
    }
    html(status, page.render())
}

#[derive(Debug, Default, Deserialize)]
pub struct DecideForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub reason: String,
}

impl CsrfProtected for DecideForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

async fn decide(
    state: AppState,
    meta: RequestMeta,
    actor: Actor,
    raw: String,
    form: Result<Form<DecideForm>, FormRejection>,
    reject: bool,
) -> Response {
    let f = match accept_form(&actor, form) {
        Ok(f) => f,
        Err(refused) => return refused,
    };
    let Some(id) = record_id(&raw) else {
        return no_such_record(&raw);
    };
    let e = match state
        .app
        .decide_record(&actor, &meta, id, reject, &f.reason)
        .await
    {
        Ok(()) => {
            let what = if reject { "rejected" } else { "returned" };
            return Redirect::to(&format!("/civil/records/{id}?{what}=1")).into_response();
        }
        Err(e) => e,
    };
    let (mut page, _) = match record_page(&state, &actor, &meta, id, None).await {
        Ok(p) => p,
        Err(_) => return domain_error_page(&e),
    };
    let status = crate::error::status_of(e.kind);
    if e.field.as_deref() == Some("reason") && page.can_decide {
        page.decide_open = if reject { "reject" } else { "return" };
        page.decide_reason = f.reason.clone();
        page.decide_error = Some(e.message);
    } else {
        page.action_error = Some(e.message);
    }
    html(status, page.render())
}

pub async fn return_record(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PageActor(actor): PageActor,
    Path(raw): Path<String>,
    form: Result<Form<DecideForm>, FormRejection>,
) -> Response {
    decide(state, meta, actor, raw, form, false).await
}

pub async fn reject_record(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PageActor(actor): PageActor,
    Path(raw): Path<String>,
    form: Result<Form<DecideForm>, FormRejection>,
) -> Response {
    decide(state, meta, actor, raw, form, true).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dup_parameter_is_read_leniently() {
        assert_eq!(
            parse_dup("12:95,15:70"),
            vec![(12, Some(95)), (15, Some(70))]
        );
        assert_eq!(parse_dup("12,x:1,-3:5,7:300"), vec![(12, None), (7, None)]);
        assert_eq!(parse_dup(&"1:1,".repeat(50)).len(), MAX_CANDIDATES);
    }

    #[test]
    fn countries_start_with_viet_nam() {
        assert_eq!(COUNTRY_LIST.first().map(|c| c.0), Some("VN"));
        assert!(COUNTRY_LIST.len() > 200);
    }
}
