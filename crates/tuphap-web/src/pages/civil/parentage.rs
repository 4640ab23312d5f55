//! The parentage form (tờ khai đăng ký nhận cha, mẹ, con): `GET /civil/parentage/new?birth=ID`
//! (from a registered birth's page whose father or mother is not recorded) and
//! `POST /civil/parentage`. Field names are those of `ParentageRecognition`, dotted.

use std::collections::HashMap;

use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::response::Response;
use tuphap_domain::DomainError;
use tuphap_domain::civil::{ParentInput, ParentageRecognition, RequesterInput};
use tuphap_domain::identity::Scope;

use super::{
    BirthForm, Control, Fact, FieldSpec, FormKind, ID_HINT, PartyView, SectionSpec, UNIT_HINT,
    country_name, ethnic_name, field, hinted, opt_text, procedure_form, record_number,
    record_param, submit_procedure, vn_date,
};
use crate::extract::Meta;
use crate::pages::PageActor;
use crate::state::AppState;

const PARENTAGE: FormKind = FormKind {
    title: "Đăng ký nhận cha, mẹ, con",
    action: "/civil/parentage",
    form_class: "parentage-form",
    relationships: &["cha", "mẹ", "con", "người giám hộ"],
    note: "Hồ sơ được tiếp nhận ở trạng thái chờ ký; khi người ký của UBND đăng ký, hồ sơ khai sinh của con có phiên bản mới ghi người được nhận, và Giấy khai sinh được cấp lại.",
};

const ROLES: [(&str, &str); 3] = [
    ("", "— Chọn —"),
    ("father", "Nhận cha"),
    ("mother", "Nhận mẹ"),
];

const WHO: [FieldSpec; 2] = [
    hinted(
        field(
            "birth_record_id",
            "Số hồ sơ khai sinh của con",
            Control::Digits(12),
            true,
            false,
        ),
        "Nút \u{201c}Nhận cha, mẹ, con\u{201d} trên trang hồ sơ khai sinh điền sẵn số này.",
    ),
    field(
        "role",
        "Người được nhận là",
        Control::Choice(&ROLES),
        true,
        false,
    ),
];

const PARENT: [FieldSpec; 7] = [
    field(
        "parent.full_name",
        "Họ, chữ đệm và tên",
        Control::Text,
        true,
        true,
    ),
    field(
        "parent.date_of_birth",
        "Ngày sinh",
        Control::Date,
        false,
        false,
    ),
    hinted(
        field(
            "parent.personal_id",
            "Số định danh",
            Control::Digits(12),
            false,
            false,
        ),
        ID_HINT,
    ),
    field(
        "parent.ethnicity_code",
        "Dân tộc",
        Control::Ethnic,
        true,
        false,
    ),
    field(
        "parent.nationality_code",
        "Quốc tịch",
        Control::Country,
        true,
        false,
    ),
    hinted(
        field(
            "parent.residence.admin_unit_code",
            "Nơi cư trú: mã xã/phường",
            Control::Digits(5),
            true,
            true,
        ),
        UNIT_HINT,
    ),
    field(
        "parent.residence.detail",
        "Nơi cư trú: chi tiết",
        Control::Text,
        false,
        true,
    ),
];

const GROUNDS: [FieldSpec; 3] = [
    hinted(
        field(
            "evidence",
            "Giấy tờ chứng minh quan hệ",
            Control::Text,
            true,
            true,
        ),
        "Ví dụ: Kết quả giám định ADN số 45/GĐ của Viện Pháp y Quốc gia.",
    ),
    field(
        "requester.full_name",
        "Người yêu cầu: họ, chữ đệm, tên",
        Control::Text,
        true,
        true,
    ),
    field(
        "requester.relationship",
        "Quan hệ với người con",
        Control::Text,
        true,
        false,
    ),
];

const SECTIONS: [SectionSpec<'static>; 3] = [
    SectionSpec {
        id: "con",
        title: "Người con và việc nhận",
        fields: &WHO,
    },
    SectionSpec {
        id: "nguoi-duoc-nhan",
        title: "Người được nhận là cha, mẹ",
        fields: &PARENT,
    },
    SectionSpec {
        id: "chung-cu",
        title: "Chứng cứ và người yêu cầu",
        fields: &GROUNDS,
    },
];

fn request(f: &mut BirthForm) -> Result<ParentageRecognition, DomainError> {
    f.normalize(&["parent.date_of_birth"])?;
    let birth_record_id = record_number(f, "birth_record_id", "birth_record_id_invalid")?;
    Ok(ParentageRecognition {
        birth_record_id,
        role: f.get("role").to_string(),
        parent: ParentInput {
            full_name: f.get("parent.full_name").to_string(),
            date_of_birth: f.opt("parent.date_of_birth"),
            personal_id: f.opt("parent.personal_id"),
            ethnicity_code: f.get("parent.ethnicity_code").to_string(),
            nationality_code: f.get("parent.nationality_code").to_string(),
            residence: f.place("parent.residence"),
        },
        evidence: f.get("evidence").to_string(),
        requester: RequesterInput {
            full_name: f.get("requester.full_name").to_string(),
            relationship: f.get("requester.relationship").to_string(),
        },
    })
}

pub async fn new_parentage(
    PageActor(actor): PageActor,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    let mut prefill = vec![
        ("parent.ethnicity_code", "01".to_string()),
        ("parent.nationality_code", "VN".to_string()),
    ];
    if let Some(id) = record_param(query, "birth") {
        prefill.push(("birth_record_id", id));
    }
    if let Scope::Commune { commune_code } = &actor.office.scope {
        prefill.push(("parent.residence.admin_unit_code", commune_code.clone()));
    }
    procedure_form(&actor, &PARENTAGE, &SECTIONS, "nhận cha, mẹ, con", prefill)
}

pub async fn declare_parentage(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PageActor(actor): PageActor,
    form: Result<Form<BirthForm>, FormRejection>,
) -> Response {
    submit_procedure(&actor, form, &PARENTAGE, &SECTIONS, request, |r| {
        state.app.declare_parentage(&actor, &meta, r)
    })
    .await
}

/// The contents of a `parentage` record's page.
pub(super) fn parentage_parties(r: &ParentageRecognition) -> Vec<PartyView> {
    let p = &r.parent;
    vec![PartyView {
        title: if r.role == "mother" {
            "Người được nhận là mẹ"
        } else {
            "Người được nhận là cha"
        },
        facts: vec![
            Fact {
                label: "Hồ sơ khai sinh của con (số)",
                value: r.birth_record_id.to_string(),
            },
            Fact {
                label: "Họ, chữ đệm và tên",
                value: p.full_name.clone(),
            },
            Fact {
                label: "Ngày sinh",
                value: opt_text(p.date_of_birth.as_deref().map(vn_date).as_deref()),
            },
            Fact {
                label: "Số định danh",
                value: opt_text(p.personal_id.as_deref()),
            },
            Fact {
                label: "Dân tộc",
                value: ethnic_name(&p.ethnicity_code),
            },
            Fact {
                label: "Quốc tịch",
                value: country_name(&p.nationality_code),
            },
            Fact {
                label: "Giấy tờ chứng minh",
                value: r.evidence.clone(),
            },
            Fact {
                label: "Người yêu cầu",
                value: format!("{} ({})", r.requester.full_name, r.requester.relationship),
            },
        ],
    }]
}
