//! The amendment form (tờ khai thay đổi, cải chính, bổ sung hộ tịch, xác định lại dân tộc):
//! `GET /civil/amendments/new?target=ID` (reached from a registered record's page) and
//! `POST /civil/amendments`. One change per request on this form (the API takes several); the
//! field is chosen from the amendable items of births, deaths and marriages, and the domain
//! checks that the target has it and that the amended record still passes its kind's rules.

use std::collections::HashMap;

use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::response::Response;
use tuphap_domain::DomainError;
use tuphap_domain::civil::{AmendmentData, AmendmentRequest, FieldChange, RequesterInput};

use super::{
    BirthForm, Control, Fact, FieldSpec, FormKind, PartyView, SectionSpec, field, hinted,
    procedure_form, record_number, record_param, submit_procedure, vn_date,
};
use crate::extract::Meta;
use crate::pages::PageActor;
use crate::state::AppState;

const AMENDMENT: FormKind = FormKind {
    title: "Thay đổi, cải chính, bổ sung hộ tịch",
    action: "/civil/amendments",
    form_class: "amendment-form",
    relationships: &[
        "bản thân",
        "mẹ",
        "cha",
        "vợ",
        "chồng",
        "con",
        "người giám hộ",
    ],
    note: "Hồ sơ được tiếp nhận ở trạng thái chờ ký; khi người ký của UBND đăng ký, hồ sơ gốc có phiên bản mới, giấy đã cấp theo nội dung cũ hết giá trị và được cấp lại theo nội dung mới.",
};

const KINDS: [(&str, &str); 5] = [
    ("", "— Chọn —"),
    ("correction", "Cải chính (sửa sai sót)"),
    ("supplement", "Bổ sung (điền mục còn trống)"),
    ("change", "Thay đổi họ, chữ đệm, tên"),
    ("ethnicity", "Xác định lại dân tộc"),
];

/// The amendable items, by kind of record.
const FIELDS: [(&str, &str); 24] = [
    ("", "— Chọn mục —"),
    (
        "child.full_name",
        "Khai sinh: họ, chữ đệm, tên người được khai sinh",
    ),
    ("child.date_of_birth", "Khai sinh: ngày sinh (YYYY-MM-DD)"),
    ("child.sex", "Khai sinh: giới tính (male/female)"),
    ("child.ethnicity_code", "Khai sinh: dân tộc (mã)"),
    (
        "child.place_of_birth.detail",
        "Khai sinh: nơi sinh (chi tiết)",
    ),
    ("child.home_town", "Khai sinh: quê quán"),
    ("mother.full_name", "Khai sinh: họ, chữ đệm, tên người mẹ"),
    ("mother.date_of_birth", "Khai sinh: ngày sinh người mẹ"),
    ("mother.ethnicity_code", "Khai sinh: dân tộc người mẹ (mã)"),
    ("father.full_name", "Khai sinh: họ, chữ đệm, tên người cha"),
    ("father.date_of_birth", "Khai sinh: ngày sinh người cha"),
    ("father.ethnicity_code", "Khai sinh: dân tộc người cha (mã)"),
    ("deceased.full_name", "Khai tử: họ, chữ đệm, tên người chết"),
    ("deceased.date_of_birth", "Khai tử: ngày sinh người chết"),
    ("date_of_death", "Khai tử: ngày chết (YYYY-MM-DD)"),
    ("place_of_death.detail", "Khai tử: nơi chết (chi tiết)"),
    ("cause", "Khai tử: nguyên nhân chết"),
    ("husband.full_name", "Kết hôn: họ, chữ đệm, tên bên nam"),
    ("husband.date_of_birth", "Kết hôn: ngày sinh bên nam"),
    ("wife.full_name", "Kết hôn: họ, chữ đệm, tên bên nữ"),
    ("wife.date_of_birth", "Kết hôn: ngày sinh bên nữ"),
    ("husband.ethnicity_code", "Kết hôn: dân tộc bên nam (mã)"),
    ("wife.ethnicity_code", "Kết hôn: dân tộc bên nữ (mã)"),
];

const TARGET: [FieldSpec; 4] = [
    hinted(
        field(
            "target_record_id",
            "Số hồ sơ cần thay đổi",
            Control::Digits(12),
            true,
            false,
        ),
        "Nút \u{201c}Thay đổi, cải chính\u{201d} trên trang hồ sơ điền sẵn số này.",
    ),
    field("kind", "Loại yêu cầu", Control::Choice(&KINDS), true, false),
    field(
        "changes.0.field",
        "Mục cần thay đổi",
        Control::Choice(&FIELDS),
        true,
        true,
    ),
    hinted(
        field("changes.0.to", "Nội dung mới", Control::Text, true, true),
        "Ngày ghi theo dạng YYYY-MM-DD hoặc dd/mm/yyyy; dân tộc ghi mã (ví dụ 01).",
    ),
];

const GROUNDS: [FieldSpec; 5] = [
    field("reason", "Lý do", Control::Text, true, true),
    hinted(
        field("legal_basis", "Căn cứ pháp lý", Control::Text, true, true),
        "Ví dụ: Luật Hộ tịch 2014, Điều 26; Nghị định 123/2015/NĐ-CP, Điều 7.",
    ),
    hinted(
        field("evidence", "Giấy tờ chứng minh", Control::Text, true, true),
        "Ví dụ: Giấy chứng sinh số 123/GCS ngày 05/10/2026.",
    ),
    field(
        "requester.full_name",
        "Người yêu cầu: họ, chữ đệm, tên",
        Control::Text,
        true,
        true,
    ),
    hinted(
        field(
            "requester.relationship",
            "Quan hệ với người được thay đổi",
            Control::Text,
            true,
            false,
        ),
        "Ví dụ: bản thân, mẹ, cha.",
    ),
];

const SECTIONS: [SectionSpec<'static>; 2] = [
    SectionSpec {
        id: "noi-dung",
        title: "Hồ sơ và nội dung thay đổi",
        fields: &TARGET,
    },
    SectionSpec {
        id: "can-cu",
        title: "Lý do và căn cứ",
        fields: &GROUNDS,
    },
];

/// A date typed as dd/mm/yyyy in "Nội dung mới" of a date field becomes YYYY-MM-DD.
fn request(f: &mut BirthForm) -> Result<AmendmentRequest, DomainError> {
    let target_record_id = record_number(f, "target_record_id", "target_record_id_invalid")?;
    if f.get("changes.0.field").ends_with("date_of_birth")
        || f.get("changes.0.field") == "date_of_death"
    {
        f.normalize(&["changes.0.to"])?;
    }
    Ok(AmendmentRequest {
        target_record_id,
        kind: f.get("kind").to_string(),
        changes: vec![FieldChange {
            field: f.get("changes.0.field").to_string(),
            from: None,
            to: f.get("changes.0.to").to_string(),
        }],
        reason: f.get("reason").to_string(),
        legal_basis: f.get("legal_basis").to_string(),
        evidence: f.get("evidence").to_string(),
        requester: RequesterInput {
            full_name: f.get("requester.full_name").to_string(),
            relationship: f.get("requester.relationship").to_string(),
        },
    })
}

pub async fn new_amendment(
    PageActor(actor): PageActor,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    let mut prefill = vec![(
        "legal_basis",
        "Luật Hộ tịch 2014, Điều 26–29; Nghị định 123/2015/NĐ-CP, Điều 7".to_string(),
    )];
    if let Some(id) = record_param(query, "target") {
        prefill.push(("target_record_id", id));
    }
    procedure_form(
        &actor,
        &AMENDMENT,
        &SECTIONS,
        "thay đổi, cải chính hộ tịch",
        prefill,
    )
}

pub async fn declare_amendment(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PageActor(actor): PageActor,
    form: Result<Form<BirthForm>, FormRejection>,
) -> Response {
    submit_procedure(&actor, form, &AMENDMENT, &SECTIONS, request, |r| {
        state.app.declare_amendment(&actor, &meta, r)
    })
    .await
}

/// The contents of an `amendment` record's page.
pub(super) fn amendment_parties(d: &AmendmentData) -> Vec<PartyView> {
    let r = &d.request;
    let label = |path: &str| {
        FIELDS
            .iter()
            .find(|(k, _)| *k == path)
            .map(|(_, l)| l.to_string())
            .unwrap_or_else(|| path.to_string())
    };
    let shown = |path: &str, v: &str| {
        if path.ends_with("date_of_birth") || path == "date_of_death" {
            vn_date(v)
        } else {
            v.to_string()
        }
    };
    let mut facts = vec![Fact {
        label: "Hồ sơ được thay đổi (số)",
        value: r.target_record_id.to_string(),
    }];
    for c in &r.changes {
        facts.push(Fact {
            label: "Mục",
            value: label(&c.field),
        });
        facts.push(Fact {
            label: "Từ",
            value: c
                .from
                .as_deref()
                .map(|v| shown(&c.field, v))
                .unwrap_or_else(|| "(trống)".into()),
        });
        facts.push(Fact {
            label: "Thành",
            value: shown(&c.field, &c.to),
        });
    }
    vec![
        PartyView {
            title: "Nội dung thay đổi",
            facts,
        },
        PartyView {
            title: "Lý do và căn cứ",
            facts: vec![
                Fact {
                    label: "Lý do",
                    value: r.reason.clone(),
                },
                Fact {
                    label: "Căn cứ pháp lý",
                    value: r.legal_basis.clone(),
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
        },
    ]
}
