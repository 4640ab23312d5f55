//! The marriage declaration form (tờ khai đăng ký kết hôn): `GET /civil/marriages/new`,
//! `POST /civil/marriages`. The two parties side by side ("Bên nữ (vợ)" / "Bên nam (chồng)",
//! stacked on a phone); a refusal by the rules of marriage (already married, under age, a
//! prohibited relationship…) is an alert with the domain's message, the values kept.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::StatusCode;
use axum::response::Response;
use tuphap_domain::civil::{MarriageDeclaration, SpouseInput};
use tuphap_domain::identity::Scope;
use tuphap_domain::{Actor, DomainError};

use super::{
    BirthForm, Control, FieldSpec, FormKind, ID_HINT, SectionSpec, UNIT_HINT, can_declare,
    cannot_declare_kind, declaration_form_page, declared_or_form_again, field, hinted,
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
macro_rules! spouse_fields {
    ($p:literal) => {
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
                    true,
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

const WIFE: [FieldSpec; 7] = spouse_fields!("wife");
const HUSBAND: [FieldSpec; 7] = spouse_fields!("husband");

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
    Ok(MarriageDeclaration {
        husband: spouse(f, "husband"),
        wife: spouse(f, "wife"),
    })
}

pub async fn new_marriage(PageActor(actor): PageActor) -> Response {
    if !can_declare(&actor) {
        return cannot_declare_kind(&actor, "kết hôn");
    }
    let form = defaults(&actor);
    let page = declaration_form_page(&actor, &KIND, (&PAIR, &[]), &form, None);
    html(StatusCode::OK, page.render())
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
    declared_or_form_again(result, f, |f, e| {
        declaration_form_page(&actor, &KIND, (&PAIR, &[]), f, Some(e)).render()
    })
}
