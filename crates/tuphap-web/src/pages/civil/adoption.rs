//! The adoption form (tờ khai đăng ký nuôi con nuôi): `GET /civil/adoptions/new?birth=ID` (from
//! a registered birth's page) and `POST /civil/adoptions`. An adoptive parent whose name is left
//! empty is not part of the request (one adoptive parent is enough).

use std::collections::HashMap;

use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::response::Response;
use tuphap_domain::DomainError;
use tuphap_domain::civil::{
    AdoptionRegistration, AdoptionTermination, CourtOrderInput, ParentInput, RequesterInput,
};

use super::{
    BirthForm, Control, Fact, FieldSpec, FormKind, ID_HINT, PartyView, SectionSpec, UNIT_HINT,
    field, hinted, opt_text, procedure_form, record_number, record_prefill, submit_procedure,
    vn_date,
};
use crate::extract::Meta;
use crate::pages::PageActor;
use crate::state::AppState;

const ADOPTION: FormKind = FormKind {
    title: "Đăng ký nuôi con nuôi",
    action: "/civil/adoptions",
    form_class: "adoption-form",
    relationships: &["cha nuôi", "mẹ nuôi"],
    note: "Con nuôi dưới 16 tuổi; người nhận nuôi hơn con nuôi từ 20 tuổi trở lên (Luật Nuôi con nuôi 2010). Khi người ký của UBND đăng ký, cha nuôi, mẹ nuôi được ghi vào hồ sơ khai sinh của con.",
};

macro_rules! parent_fields {
    ($p:literal, $who:literal) => {
        [
            field(
                concat!($p, ".full_name"),
                concat!($who, ": họ, chữ đệm và tên"),
                Control::Text,
                false,
                true,
            ),
            field(
                concat!($p, ".date_of_birth"),
                concat!($who, ": ngày sinh"),
                Control::Date,
                false,
                false,
            ),
            hinted(
                field(
                    concat!($p, ".personal_id"),
                    concat!($who, ": số định danh"),
                    Control::Digits(12),
                    false,
                    false,
                ),
                ID_HINT,
            ),
            hinted(
                field(
                    concat!($p, ".residence.admin_unit_code"),
                    concat!($who, ": nơi cư trú, mã xã/phường"),
                    Control::Digits(5),
                    false,
                    true,
                ),
                UNIT_HINT,
            ),
        ]
    };
}

const CHILD: [FieldSpec; 1] = [hinted(
    field(
        "birth_record_id",
        "Số hồ sơ khai sinh của con nuôi",
        Control::Digits(12),
        true,
        false,
    ),
    "Nút \u{201c}Nuôi con nuôi\u{201d} trên trang hồ sơ khai sinh điền sẵn số này.",
)];
const FATHER: [FieldSpec; 4] = parent_fields!("adoptive_father", "Cha nuôi");
const MOTHER: [FieldSpec; 4] = parent_fields!("adoptive_mother", "Mẹ nuôi");
const GROUNDS: [FieldSpec; 3] = [
    hinted(
        field(
            "evidence",
            "Văn bản đồng ý và giấy tờ",
            Control::Text,
            true,
            true,
        ),
        "Ví dụ: văn bản đồng ý của cha mẹ đẻ, ý kiến của con nuôi từ đủ 9 tuổi.",
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
        "Quan hệ với con nuôi",
        Control::Text,
        true,
        false,
    ),
];

const SECTIONS: [SectionSpec<'static>; 4] = [
    SectionSpec {
        id: "con-nuoi",
        title: "Con nuôi",
        fields: &CHILD,
    },
    SectionSpec {
        id: "cha-nuoi",
        title: "Cha nuôi",
        fields: &FATHER,
    },
    SectionSpec {
        id: "me-nuoi",
        title: "Mẹ nuôi",
        fields: &MOTHER,
    },
    SectionSpec {
        id: "giay-to",
        title: "Giấy tờ và người yêu cầu",
        fields: &GROUNDS,
    },
];

fn parent_input(f: &BirthForm, p: &str) -> Option<ParentInput> {
    let full_name = f.opt(&format!("{p}.full_name"))?;
    Some(ParentInput {
        full_name,
        date_of_birth: f.opt(&format!("{p}.date_of_birth")),
        personal_id: f.opt(&format!("{p}.personal_id")),
        ethnicity_code: "01".into(),
        nationality_code: "VN".into(),
        residence: f.place(&format!("{p}.residence")),
    })
}

fn request(f: &mut BirthForm) -> Result<AdoptionRegistration, DomainError> {
    f.normalize(&[
        "adoptive_father.date_of_birth",
        "adoptive_mother.date_of_birth",
    ])?;
    let birth_record_id = record_number(f, "birth_record_id", "birth_record_id_invalid")?;
    Ok(AdoptionRegistration {
        birth_record_id,
        adoptive_father: parent_input(f, "adoptive_father"),
        adoptive_mother: parent_input(f, "adoptive_mother"),
        evidence: f.get("evidence").to_string(),
        requester: RequesterInput {
            full_name: f.get("requester.full_name").to_string(),
            relationship: f.get("requester.relationship").to_string(),
        },
    })
}

pub async fn new_adoption(
    PageActor(actor): PageActor,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    let prefill = record_prefill(query, "birth", "birth_record_id");
    procedure_form(&actor, &ADOPTION, &SECTIONS, "nuôi con nuôi", prefill)
}

pub async fn declare_adoption(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PageActor(actor): PageActor,
    form: Result<Form<BirthForm>, FormRejection>,
) -> Response {
    submit_procedure(&actor, form, &ADOPTION, &SECTIONS, request, |r| {
        state.app.declare_adoption(&actor, &meta, r)
    })
    .await
}

// --- Recording a court's decision ending an adoption ------------------------------------------

const TERMINATION: FormKind = FormKind {
    title: "Ghi vào sổ việc chấm dứt nuôi con nuôi",
    action: "/civil/adoption-terminations",
    form_class: "adoption-termination-form",
    relationships: &[],
    note: "Theo quyết định của Tòa án (Luật Nuôi con nuôi 2010, Điều 25–27). Khi người ký của UBND đăng ký, cha nuôi, mẹ nuôi không còn ghi trên hồ sơ khai sinh của con.",
};

const ADOPTION_RECORD: [FieldSpec; 1] = [hinted(
    field(
        "adoption_record_id",
        "Số hồ sơ đăng ký nuôi con nuôi",
        Control::Digits(12),
        true,
        false,
    ),
    "Nút \u{201c}Chấm dứt nuôi con nuôi\u{201d} trên trang hồ sơ nuôi con nuôi điền sẵn số này.",
)];
const ORDER: [FieldSpec; 4] = [
    hinted(
        field("decision.court", "Tòa án", Control::Text, true, true),
        "Ví dụ: Tòa án nhân dân khu vực 1 – Hà Nội.",
    ),
    field(
        "decision.number",
        "Số quyết định",
        Control::Text,
        true,
        false,
    ),
    field(
        "decision.decided_on",
        "Ngày ra quyết định",
        Control::Date,
        true,
        false,
    ),
    field(
        "decision.effective_on",
        "Ngày có hiệu lực pháp luật",
        Control::Date,
        true,
        false,
    ),
];
const TERMINATION_SECTIONS: [SectionSpec<'static>; 2] = [
    SectionSpec {
        id: "viec-nuoi-con-nuoi",
        title: "Việc nuôi con nuôi đã đăng ký",
        fields: &ADOPTION_RECORD,
    },
    SectionSpec {
        id: "quyet-dinh",
        title: "Quyết định của Tòa án",
        fields: &ORDER,
    },
];

fn termination(f: &mut BirthForm) -> Result<AdoptionTermination, DomainError> {
    f.normalize(&["decision.decided_on", "decision.effective_on"])?;
    Ok(AdoptionTermination {
        adoption_record_id: record_number(f, "adoption_record_id", "adoption_record_id_invalid")?,
        decision: CourtOrderInput {
            court: f.get("decision.court").to_string(),
            number: f.get("decision.number").to_string(),
            decided_on: f.get("decision.decided_on").trim().to_string(),
            effective_on: f.get("decision.effective_on").trim().to_string(),
        },
    })
}

pub async fn new_adoption_termination(
    PageActor(actor): PageActor,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    let prefill = record_prefill(query, "adoption", "adoption_record_id");
    procedure_form(
        &actor,
        &TERMINATION,
        &TERMINATION_SECTIONS,
        "việc chấm dứt nuôi con nuôi",
        prefill,
    )
}

pub async fn declare_adoption_termination(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PageActor(actor): PageActor,
    form: Result<Form<BirthForm>, FormRejection>,
) -> Response {
    submit_procedure(
        &actor,
        form,
        &TERMINATION,
        &TERMINATION_SECTIONS,
        termination,
        |t| state.app.declare_adoption_termination(&actor, &meta, t),
    )
    .await
}

/// The contents of an `adoption_termination` record's page.
pub(super) fn termination_parties(t: &AdoptionTermination) -> Vec<PartyView> {
    vec![PartyView {
        title: "Quyết định của Tòa án",
        facts: vec![
            Fact {
                label: "Việc nuôi con nuôi (số hồ sơ)",
                value: t.adoption_record_id.to_string(),
            },
            Fact {
                label: "Tòa án",
                value: t.decision.court.clone(),
            },
            Fact {
                label: "Số quyết định",
                value: t.decision.number.clone(),
            },
            Fact {
                label: "Ngày ra quyết định",
                value: vn_date(&t.decision.decided_on),
            },
            Fact {
                label: "Ngày có hiệu lực",
                value: vn_date(&t.decision.effective_on),
            },
        ],
    }]
}

/// The contents of an `adoption` record's page.
pub(super) fn adoption_parties(r: &AdoptionRegistration) -> Vec<PartyView> {
    let mut out = Vec::new();
    for (title, p) in [
        ("Cha nuôi", &r.adoptive_father),
        ("Mẹ nuôi", &r.adoptive_mother),
    ] {
        if let Some(p) = p {
            out.push(PartyView {
                title,
                facts: vec![
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
                ],
            });
        }
    }
    out.push(PartyView {
        title: "Giấy tờ",
        facts: vec![
            Fact {
                label: "Hồ sơ khai sinh của con nuôi (số)",
                value: r.birth_record_id.to_string(),
            },
            Fact {
                label: "Văn bản đồng ý và giấy tờ",
                value: r.evidence.clone(),
            },
            Fact {
                label: "Người yêu cầu",
                value: format!("{} ({})", r.requester.full_name, r.requester.relationship),
            },
        ],
    });
    out
}
