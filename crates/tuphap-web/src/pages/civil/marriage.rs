//! The marriage declaration form (tờ khai đăng ký kết hôn): `GET /civil/marriages/new`,
//! `POST /civil/marriages`. The two parties side by side ("Bên nữ (vợ)" / "Bên nam (chồng)",
//! stacked on a phone); a refusal by the rules of marriage (already married, under age, a
//! prohibited relationship…) is an alert with the domain's message, the values kept.
//!
//! `?earlier=re_registration` (đăng ký lại kết hôn) or `?earlier=abroad` (ghi vào sổ việc kết
//! hôn đã đăng ký ở nước ngoài): the earlier registration first, then the parties stacked; abroad,
//! a foreign party's commune of residence may stay empty (`recorded.rs`).

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use tuphap_core::civil::CivilEvent;
use tuphap_domain::civil::{MarriageDeclaration, SpouseInput, earlier_registration_label};
use tuphap_domain::identity::Scope;
use tuphap_domain::{Actor, DomainError};

use super::{
    BirthForm, Control, FieldSpec, FormKind, ID_HINT, SectionSpec, UNIT_HINT, can_declare,
    cannot_declare_kind, declaration_form_page, declared_or_form_again, field, hinted, recorded,
};
use crate::extract::Meta;
use crate::pages::reference::html;
use crate::pages::{PageActor, accept_form};
use crate::state::AppState;

const KIND: FormKind = FormKind {
    title: "Đăng ký kết hôn",
    action: "/civil/marriages",
    form_class: "marriage-form",
    relationships: &[],
    note: "Hồ sơ được tiếp nhận ở trạng thái chờ ký; người ký của UBND đăng ký và cấp số trong sổ đăng ký kết hôn. Điều kiện kết hôn (tuổi, đang có vợ hoặc chồng, quan hệ cấm kết hôn) được kiểm tra theo sổ hộ tịch.",
};

/// The fields of one party; `$p` is `wife` or `husband`.
/// `$req`: whether the commune of residence is required (not for a foreign party of a marriage
/// registered abroad).
macro_rules! spouse_fields {
    ($p:literal, $req:literal) => {
        [
            field(
                concat!($p, ".full_name"),
                "Họ, chữ đệm và tên",
                Control::Text,
                true,
                true,
            ),
            field(
                concat!($p, ".date_of_birth"),
                "Ngày sinh",
                Control::Date,
                true,
                false,
            ),
            hinted(
                field(
                    concat!($p, ".personal_id"),
                    "Số định danh",
                    Control::Digits(12),
                    false,
                    false,
                ),
                ID_HINT,
            ),
            field(
                concat!($p, ".ethnicity_code"),
                "Dân tộc",
                Control::Ethnic,
                true,
                false,
            ),
            field(
                concat!($p, ".nationality_code"),
                "Quốc tịch",
                Control::Country,
                true,
                false,
            ),
            hinted(
                field(
                    concat!($p, ".residence.admin_unit_code"),
                    "Nơi cư trú: mã xã/phường",
                    Control::Digits(5),
                    $req,
                    true,
                ),
                UNIT_HINT,
            ),
            field(
                concat!($p, ".residence.detail"),
                "Nơi cư trú: chi tiết",
                Control::Text,
                false,
                true,
            ),
        ]
    };
}

const WIFE: [FieldSpec; 7] = spouse_fields!("wife", true);
const HUSBAND: [FieldSpec; 7] = spouse_fields!("husband", true);
const WIFE_ABROAD: [FieldSpec; 7] = spouse_fields!("wife", false);
const HUSBAND_ABROAD: [FieldSpec; 7] = spouse_fields!("husband", false);

const PAIR: [SectionSpec<'static>; 2] = [
    SectionSpec {
        id: "ben-nu",
        title: "Bên nữ (vợ)",
        fields: &WIFE,
    },
    SectionSpec {
        id: "ben-nam",
        title: "Bên nam (chồng)",
        fields: &HUSBAND,
    },
];

/// A marriage registered before: the earlier registration first, then the parties.
const RE_REGISTRATION: [SectionSpec<'static>; 3] = [
    SectionSpec {
        id: "da-dang-ky",
        title: "Việc kết hôn đã đăng ký trước đây",
        fields: &recorded::MARRIAGE_REREGISTRATION,
    },
    PAIR[0],
    PAIR[1],
];
const ABROAD: [SectionSpec<'static>; 3] = [
    SectionSpec {
        id: "da-dang-ky",
        title: "Việc kết hôn đã đăng ký ở nước ngoài",
        fields: &recorded::MARRIAGE_ABROAD,
    },
    SectionSpec {
        id: "ben-nu",
        title: "Bên nữ (vợ)",
        fields: &WIFE_ABROAD,
    },
    SectionSpec {
        id: "ben-nam",
        title: "Bên nam (chồng)",
        fields: &HUSBAND_ABROAD,
    },
];

/// The page of the form `f` (its variant in `earlier_registration.kind`).
fn page(actor: &Actor, f: &BirthForm, err: Option<&DomainError>) -> askama::Result<String> {
    let earlier = recorded::kind_of(f);
    let kind = FormKind {
        title: earlier_registration_label(CivilEvent::Marriage, earlier),
        ..KIND
    };
    let sections: (&[SectionSpec<'_>], &[SectionSpec<'_>]) = match earlier {
        "re_registration" => (&[], &RE_REGISTRATION),
        "abroad" => (&[], &ABROAD),
        _ => (&PAIR, &[]),
    };
    declaration_form_page(actor, &kind, sections, f, err).render()
}

fn defaults(actor: &Actor) -> BirthForm {
    let mut m = HashMap::new();
    for p in ["wife", "husband"] {
        m.insert(format!("{p}.ethnicity_code"), "01".to_string());
        m.insert(format!("{p}.nationality_code"), "VN".to_string());
        if let Scope::Commune { commune_code } = &actor.office.scope {
            m.insert(
                format!("{p}.residence.admin_unit_code"),
                commune_code.clone(),
            );
        }
    }
    BirthForm(m)
}

fn spouse(f: &BirthForm, p: &str) -> SpouseInput {
    let g = |s: &str| f.get(&format!("{p}.{s}")).to_string();
    SpouseInput {
        full_name: g("full_name"),
        date_of_birth: g("date_of_birth").trim().to_string(),
        personal_id: f.opt(&format!("{p}.personal_id")),
        ethnicity_code: g("ethnicity_code"),
        nationality_code: g("nationality_code"),
        residence: f.place(&format!("{p}.residence")),
    }
}

fn declaration(f: &mut BirthForm) -> Result<MarriageDeclaration, DomainError> {
    f.normalize(&["wife.date_of_birth", "husband.date_of_birth"])?;
    f.normalize(&["earlier_registration.registered_on"])?;
    Ok(MarriageDeclaration {
        husband: spouse(f, "husband"),
        wife: spouse(f, "wife"),
        earlier_registration: recorded::earlier_from_form(f),
    })
}

/// `GET /civil/marriages/new`, or with `?earlier=re_registration|abroad`.
pub async fn new_marriage(
    PageActor(actor): PageActor,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    if !can_declare(&actor) {
        return cannot_declare_kind(&actor, "kết hôn");
    }
    let mut form = defaults(&actor);
    if let Some(kind) = recorded::requested_kind(query) {
        recorded::prefill(&mut form, &actor, &kind);
    }
    html(StatusCode::OK, page(&actor, &form, None))
}

pub async fn declare_marriage(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PageActor(actor): PageActor,
    form: Result<Form<BirthForm>, FormRejection>,
) -> Response {
    let mut f = match accept_form(&actor, form) {
        Ok(f) => f,
        Err(refused) => return refused,
    };
    let result = match declaration(&mut f) {
        Ok(d) => state.app.declare_marriage(&actor, &meta, d).await,
        Err(e) => Err(e),
    };
    declared_or_form_again(result, f, |f, e| page(&actor, f, Some(e)))
}
