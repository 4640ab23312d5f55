//! The death declaration form (tờ khai đăng ký khai tử): `GET /civil/deaths/new`,
//! `POST /civil/deaths`. Field names are those of `DeathDeclaration`, dotted, so that a
//! `DomainError.field` names its input; a refusal without a field (a death already registered,
//! competence) is an alert at the top.
//!
//! `?earlier=re_registration` (đăng ký lại khai tử) or `?earlier=abroad` (ghi vào sổ việc khai
//! tử đã đăng ký ở nước ngoài): the earlier registration first; abroad, the place of death in
//! words, without a commune code (`recorded.rs`).

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use tuphap_core::civil::CivilEvent;
use tuphap_core::dates::parse_vn;
use tuphap_core::personal_id::PersonalId;
use tuphap_domain::civil::{
    DeathDeclaration, DeceasedInput, DeclarantInput, earlier_registration_label,
};
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
    title: "Đăng ký khai tử",
    action: "/civil/deaths",
    form_class: "death-form",
    relationships: &RELATIONSHIPS,
    note: "Hồ sơ được tiếp nhận ở trạng thái chờ ký; người ký của UBND đăng ký và cấp số trong sổ đăng ký khai tử.",
};

const RELATIONSHIPS: [&str; 9] = [
    "con",
    "vợ",
    "chồng",
    "cha",
    "mẹ",
    "anh, chị, em",
    "cháu",
    "người thân thích khác",
    "đại diện cơ quan, tổ chức",
];

const DECEASED: [FieldSpec; 8] = [
    field(
        "deceased.full_name",
        "Họ, chữ đệm và tên",
        Control::Text,
        true,
        true,
    ),
    field("deceased.sex", "Giới tính", Control::Sex, true, false),
    hinted(
        field(
            "deceased.date_of_birth",
            "Ngày sinh",
            Control::PartialDate,
            true,
            false,
        ),
        "dd/mm/yyyy, hoặc chỉ năm sinh (ví dụ 1945).",
    ),
    hinted(
        field(
            "deceased.personal_id",
            "Số định danh",
            Control::Digits(12),
            false,
            false,
        ),
        ID_HINT,
    ),
    field(
        "deceased.ethnicity_code",
        "Dân tộc",
        Control::Ethnic,
        false,
        false,
    ),
    field(
        "deceased.nationality_code",
        "Quốc tịch",
        Control::Country,
        false,
        false,
    ),
    hinted(
        field(
            "deceased.residence.admin_unit_code",
            "Nơi cư trú cuối cùng: mã xã/phường",
            Control::Digits(5),
            false,
            true,
        ),
        UNIT_HINT,
    ),
    field(
        "deceased.residence.detail",
        "Nơi cư trú cuối cùng: chi tiết",
        Control::Text,
        false,
        true,
    ),
];

const DEATH: [FieldSpec; 4] = [
    field("date_of_death", "Ngày chết", Control::Date, true, false),
    hinted(
        field(
            "place_of_death.admin_unit_code",
            "Nơi chết: mã xã/phường",
            Control::Digits(5),
            true,
            true,
        ),
        UNIT_HINT,
    ),
    hinted(
        field(
            "place_of_death.detail",
            "Nơi chết: chi tiết",
            Control::Text,
            false,
            true,
        ),
        "Tại nhà, tên cơ sở y tế, hoặc địa chỉ.",
    ),
    field("cause", "Nguyên nhân chết", Control::Text, false, true),
];

/// A death abroad: the place in words, no commune code (Luật Hộ tịch 2014, Điều 48).
const DEATH_ABROAD: [FieldSpec; 4] = [
    field("date_of_death", "Ngày chết", Control::Date, true, false),
    hinted(
        field(
            "place_of_death.admin_unit_code",
            "Nơi chết: mã xã/phường",
            Control::Digits(5),
            false,
            true,
        ),
        "Để trống: người chết ở nước ngoài.",
    ),
    hinted(
        field(
            "place_of_death.detail",
            "Nơi chết: thành phố, nước",
            Control::Text,
            true,
            true,
        ),
        "Ví dụ: Bệnh viện Đại học Osaka, thành phố Osaka, Nhật Bản.",
    ),
    field("cause", "Nguyên nhân chết", Control::Text, false, true),
];

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
            "Quan hệ với người chết",
            Control::Text,
            true,
            false,
        ),
        "Ví dụ: con, vợ, chồng.",
    ),
];

const SECTIONS: [SectionSpec<'static>; 3] = [
    SectionSpec {
        id: "nguoi-chet",
        title: "Người chết",
        fields: &DECEASED,
    },
    SectionSpec {
        id: "khai-tu",
        title: "Thông tin khai tử",
        fields: &DEATH,
    },
    SectionSpec {
        id: "nguoi-khai",
        title: "Người đi khai",
        fields: &DECLARANT,
    },
];

/// A death registered before: the earlier registration first.
const RE_REGISTRATION: [SectionSpec<'static>; 4] = [
    SectionSpec {
        id: "da-dang-ky",
        title: "Việc khai tử đã đăng ký trước đây",
        fields: &recorded::DEATH_REREGISTRATION,
    },
    SECTIONS[0],
    SECTIONS[1],
    SECTIONS[2],
];
const ABROAD: [SectionSpec<'static>; 4] = [
    SectionSpec {
        id: "da-dang-ky",
        title: "Việc khai tử đã đăng ký ở nước ngoài",
        fields: &recorded::DEATH_ABROAD,
    },
    SECTIONS[0],
    SectionSpec {
        id: "khai-tu",
        title: "Thông tin khai tử",
        fields: &DEATH_ABROAD,
    },
    SECTIONS[2],
];

/// The page of the form `f` (its variant in `earlier_registration.kind`).
fn page(actor: &Actor, f: &BirthForm, err: Option<&DomainError>) -> askama::Result<String> {
    let earlier = recorded::kind_of(f);
    let kind = FormKind {
        title: earlier_registration_label(CivilEvent::Death, earlier),
        ..KIND
    };
    let sections: &[SectionSpec<'_>] = match earlier {
        "re_registration" => &RE_REGISTRATION,
        "abroad" => &ABROAD,
        _ => &SECTIONS,
    };
    declaration_form_page(actor, &kind, (&[], sections), f, err).render()
}

fn defaults(actor: &Actor) -> BirthForm {
    let mut m = HashMap::new();
    for (k, v) in [
        ("deceased.ethnicity_code", "01"),
        ("deceased.nationality_code", "VN"),
    ] {
        m.insert(k.to_string(), v.to_string());
    }
    if let Scope::Commune { commune_code } = &actor.office.scope {
        for k in [
            "deceased.residence.admin_unit_code",
            "place_of_death.admin_unit_code",
        ] {
            m.insert(k.to_string(), commune_code.clone());
        }
    }
    BirthForm(m)
}

/// A date of birth typed as `dd/mm/yyyy` or `mm/yyyy` becomes `YYYY-MM-DD` or `YYYY-MM`; a
/// year alone stays as it is (`PartialDate` in the domain decides).
fn normalize_partial(f: &mut BirthForm, name: &str) -> Result<(), DomainError> {
    let v = f.get(name).trim().to_string();
    let parts: Vec<&str> = v.split('/').map(str::trim).collect();
    let iso = match parts.as_slice() {
        [_, _, _] => parse_vn(&v)
            .map_err(|e| DomainError::unprocessable(&e).with_field(name))?
            .to_string(),
        [m, y] if !m.is_empty() && m.len() <= 2 && m.bytes().all(|b| b.is_ascii_digit()) => {
            format!("{y}-{m:0>2}")
        }
        _ => v,
    };
    f.0.insert(name.to_string(), iso);
    Ok(())
}

fn declaration(f: &mut BirthForm) -> Result<DeathDeclaration, DomainError> {
    f.normalize(&["date_of_death", "earlier_registration.registered_on"])?;
    normalize_partial(f, "deceased.date_of_birth")?;
    if let Some(raw) = f.opt("declarant.personal_id") {
        PersonalId::parse(&raw)
            .map_err(|e| DomainError::unprocessable(&e).with_field("declarant.personal_id"))?;
    }
    let residence = f.place("deceased.residence");
    Ok(DeathDeclaration {
        deceased: DeceasedInput {
            personal_id: f.opt("deceased.personal_id"),
            full_name: f.get("deceased.full_name").to_string(),
            sex: f.get("deceased.sex").to_string(),
            date_of_birth: f.get("deceased.date_of_birth").trim().to_string(),
            ethnicity_code: f.opt("deceased.ethnicity_code"),
            nationality_code: f.opt("deceased.nationality_code"),
            residence: (!residence.admin_unit_code.is_empty() || residence.detail.is_some())
                .then_some(residence),
        },
        date_of_death: f.get("date_of_death").trim().to_string(),
        place_of_death: f.place("place_of_death"),
        cause: f.opt("cause"),
        declarant: DeclarantInput {
            full_name: f.get("declarant.full_name").to_string(),
            personal_id: f.opt("declarant.personal_id"),
            relationship: f.get("declarant.relationship").to_string(),
        },
        earlier_registration: recorded::earlier_from_form(f),
    })
}

/// `GET /civil/deaths/new`, or with `?earlier=re_registration|abroad`.
pub async fn new_death(
    PageActor(actor): PageActor,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    if !can_declare(&actor) {
        return cannot_declare_kind(&actor, "khai tử");
    }
    let mut form = defaults(&actor);
    if let Some(kind) = recorded::requested_kind(query) {
        if kind == "abroad" {
            form.0.remove("place_of_death.admin_unit_code");
        }
        recorded::prefill(&mut form, &actor, &kind);
    }
    html(StatusCode::OK, page(&actor, &form, None))
}

pub async fn declare_death(
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
        Ok(d) => state.app.declare_death(&actor, &meta, d).await,
        Err(e) => Err(e),
    };
    declared_or_form_again(result, f, |f, e| page(&actor, f, Some(e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_dates_are_normalized() {
        let mut f = BirthForm::default();
        for (typed, want) in [
            ("19/05/1945", "1945-05-19"),
            ("5/1945", "1945-05"),
            ("1945", "1945"),
            ("1945-05-19", "1945-05-19"),
        ] {
            f.0.insert("d".into(), typed.into());
            normalize_partial(&mut f, "d").unwrap();
            assert_eq!(f.get("d"), want, "{typed}");
        }
        f.0.insert("d".into(), "30/02/1945".into());
        assert_eq!(
            normalize_partial(&mut f, "d").unwrap_err().field.as_deref(),
            Some("d")
        );
    }
}
