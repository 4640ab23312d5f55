//! The guardianship forms (Luật Hộ tịch 2014, Điều 19–23): registration (`GET
//! /civil/guardianships/new?birth=ID`, `POST /civil/guardianships`), change of guardian and end
//! (`…/guardianship-changes/new?guardianship=ID`, `…/guardianship-ends/new?guardianship=ID`,
//! reached from a registered guardianship's page). Same machinery as the other procedure forms.

use std::collections::HashMap;

use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::response::Response;
use tuphap_domain::DomainError;
use tuphap_domain::civil::{
    GuardianshipChange, GuardianshipEnd, GuardianshipPersonInput, GuardianshipRegistration,
    RequesterInput, end_grounds_text, ward_situation_text,
};

use super::{
    BirthForm, Control, Fact, FieldSpec, FormKind, ID_HINT, PartyView, SectionSpec, UNIT_HINT,
    field, hinted, opt_text, procedure_form, record_number, record_prefill, submit_procedure,
    vn_date,
};
use crate::extract::Meta;
use crate::pages::PageActor;
use crate::state::AppState;

const REGISTRATION: FormKind = FormKind {
    title: "Đăng ký giám hộ",
    action: "/civil/guardianships",
    form_class: "guardianship-form",
    relationships: &[
        "ông nội",
        "bà nội",
        "ông ngoại",
        "bà ngoại",
        "anh ruột",
        "chị ruột",
    ],
    note: "Người giám hộ phải đủ 18 tuổi và không đang được giám hộ; mỗi người chỉ có một người giám hộ (Bộ luật Dân sự 2015, Điều 47, 49). Khi người ký của UBND đăng ký, việc giám hộ được ghi vào Sổ đăng ký giám hộ.",
};

const CHANGE: FormKind = FormKind {
    title: "Đăng ký thay đổi người giám hộ",
    action: "/civil/guardianship-changes",
    form_class: "guardianship-change-form",
    relationships: &[],
    note: "Khi người ký đăng ký, việc giám hộ cũ chấm dứt và người giám hộ mới bắt đầu từ cùng ngày (Luật Hộ tịch 2014, Điều 23).",
};

const END: FormKind = FormKind {
    title: "Đăng ký chấm dứt giám hộ",
    action: "/civil/guardianship-ends",
    form_class: "guardianship-end-form",
    relationships: &[],
    note: "Do cơ quan đã đăng ký giám hộ thực hiện (Luật Hộ tịch 2014, Điều 22).",
};

const KINDS: [(&str, &str); 3] = [
    ("", "— Chọn —"),
    ("statutory", "Giám hộ đương nhiên"),
    ("appointed", "Giám hộ cử"),
];

const SITUATIONS: [(&str, &str); 3] = [
    ("minor", "Người chưa thành niên"),
    ("incapacitated", "Người mất năng lực hành vi dân sự"),
    (
        "cognitive_difficulty",
        "Người có khó khăn trong nhận thức, làm chủ hành vi",
    ),
];

const GROUNDS: [(&str, &str); 5] = [
    ("", "— Chọn —"),
    (
        "ward_full_capacity",
        "Người được giám hộ đã có năng lực hành vi dân sự đầy đủ",
    ),
    ("ward_deceased", "Người được giám hộ chết"),
    (
        "parents_able",
        "Cha, mẹ đã có đủ điều kiện thực hiện quyền, nghĩa vụ",
    ),
    ("ward_adopted", "Người được giám hộ được nhận làm con nuôi"),
];

macro_rules! person_fields {
    ($p:literal, $required:literal) => {
        [
            field(
                concat!($p, ".full_name"),
                "Họ, chữ đệm và tên",
                Control::Text,
                $required,
                true,
            ),
            field(
                concat!($p, ".sex"),
                "Giới tính",
                Control::Sex,
                $required,
                false,
            ),
            field(
                concat!($p, ".date_of_birth"),
                "Ngày sinh",
                Control::Date,
                $required,
                false,
            ),
            hinted(
                field(
                    concat!($p, ".personal_id"),
                    "Số định danh cá nhân",
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
                $required,
                false,
            ),
            field(
                concat!($p, ".nationality_code"),
                "Quốc tịch",
                Control::Country,
                $required,
                false,
            ),
            hinted(
                field(
                    concat!($p, ".residence.admin_unit_code"),
                    "Nơi cư trú: mã xã/phường",
                    Control::Digits(5),
                    $required,
                    true,
                ),
                UNIT_HINT,
            ),
        ]
    };
}

const KIND_FIELDS: [FieldSpec; 3] = [
    field("kind", "Loại giám hộ", Control::Choice(&KINDS), true, false),
    field(
        "ward_situation",
        "Người được giám hộ là",
        Control::Choice(&SITUATIONS),
        true,
        false,
    ),
    hinted(
        field(
            "court_decision",
            "Quyết định của Tòa án",
            Control::Text,
            false,
            true,
        ),
        "Chỉ với người thành niên: quyết định tuyên bố mất năng lực hành vi dân sự hoặc có khó khăn trong nhận thức, làm chủ hành vi.",
    ),
];
const WARD_RECORD: [FieldSpec; 1] = [hinted(
    field(
        "ward_birth_record_id",
        "Số hồ sơ khai sinh của người được giám hộ",
        Control::Digits(12),
        false,
        false,
    ),
    "Nút \u{201c}Đăng ký giám hộ\u{201d} trên trang hồ sơ khai sinh điền sẵn số này; nếu không có, ghi thông tin bên dưới.",
)];
const WARD: [FieldSpec; 7] = person_fields!("ward", false);
const GUARDIAN: [FieldSpec; 7] = person_fields!("guardian", true);
const NEW_GUARDIAN: [FieldSpec; 7] = person_fields!("new_guardian", true);
const BASIS: [FieldSpec; 3] = [
    hinted(
        field("basis", "Căn cứ giám hộ", Control::Text, true, true),
        "Giám hộ cử: số, ngày văn bản cử và người cử. Giám hộ đương nhiên: quan hệ (Bộ luật Dân sự 2015, Điều 52, 53) và văn bản thỏa thuận nếu có nhiều người.",
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
        "Quan hệ với người được giám hộ",
        Control::Text,
        true,
        false,
    ),
];

const REGISTRATION_SECTIONS: [SectionSpec<'static>; 5] = [
    SectionSpec {
        id: "loai-giam-ho",
        title: "Loại giám hộ",
        fields: &KIND_FIELDS,
    },
    SectionSpec {
        id: "ho-so-khai-sinh",
        title: "Người được giám hộ: hồ sơ khai sinh",
        fields: &WARD_RECORD,
    },
    SectionSpec {
        id: "nguoi-duoc-giam-ho",
        title: "Người được giám hộ",
        fields: &WARD,
    },
    SectionSpec {
        id: "nguoi-giam-ho",
        title: "Người giám hộ",
        fields: &GUARDIAN,
    },
    SectionSpec {
        id: "can-cu",
        title: "Căn cứ và người yêu cầu",
        fields: &BASIS,
    },
];

const TARGET: [FieldSpec; 1] = [hinted(
    field(
        "guardianship_record_id",
        "Số hồ sơ giám hộ",
        Control::Digits(12),
        true,
        false,
    ),
    "Số hồ sơ giám hộ hiện tại (trên trang hồ sơ, nút điền sẵn).",
)];
const CHANGE_FIELDS: [FieldSpec; 4] = [
    field(
        "reason",
        "Lý do thay đổi người giám hộ",
        Control::Text,
        true,
        true,
    ),
    field(
        "basis",
        "Căn cứ của người giám hộ mới",
        Control::Text,
        true,
        true,
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
        "Quan hệ với người được giám hộ",
        Control::Text,
        true,
        false,
    ),
];
const CHANGE_SECTIONS: [SectionSpec<'static>; 3] = [
    SectionSpec {
        id: "viec-giam-ho",
        title: "Việc giám hộ đã đăng ký",
        fields: &TARGET,
    },
    SectionSpec {
        id: "nguoi-giam-ho-moi",
        title: "Người giám hộ mới",
        fields: &NEW_GUARDIAN,
    },
    SectionSpec {
        id: "ly-do",
        title: "Lý do và người yêu cầu",
        fields: &CHANGE_FIELDS,
    },
];
const END_FIELDS: [FieldSpec; 5] = [
    field(
        "grounds",
        "Căn cứ chấm dứt (Bộ luật Dân sự 2015, Điều 62)",
        Control::Choice(&GROUNDS),
        true,
        true,
    ),
    field("ended_on", "Ngày chấm dứt", Control::Date, true, false),
    field("evidence", "Giấy tờ chứng minh", Control::Text, true, true),
    field(
        "requester.full_name",
        "Người yêu cầu: họ, chữ đệm, tên",
        Control::Text,
        true,
        true,
    ),
    field(
        "requester.relationship",
        "Quan hệ với người được giám hộ",
        Control::Text,
        true,
        false,
    ),
];
const END_SECTIONS: [SectionSpec<'static>; 2] = [
    SectionSpec {
        id: "viec-giam-ho",
        title: "Việc giám hộ đã đăng ký",
        fields: &TARGET,
    },
    SectionSpec {
        id: "cham-dut",
        title: "Căn cứ chấm dứt và người yêu cầu",
        fields: &END_FIELDS,
    },
];

fn person_input(f: &BirthForm, p: &str) -> GuardianshipPersonInput {
    GuardianshipPersonInput {
        full_name: f.get(&format!("{p}.full_name")).to_string(),
        sex: f.get(&format!("{p}.sex")).to_string(),
        date_of_birth: f.get(&format!("{p}.date_of_birth")).trim().to_string(),
        personal_id: f.opt(&format!("{p}.personal_id")),
        ethnicity_code: f.get(&format!("{p}.ethnicity_code")).to_string(),
        nationality_code: f.get(&format!("{p}.nationality_code")).to_string(),
        residence: f.place(&format!("{p}.residence")),
    }
}

fn requester(f: &BirthForm) -> RequesterInput {
    RequesterInput {
        full_name: f.get("requester.full_name").to_string(),
        relationship: f.get("requester.relationship").to_string(),
    }
}

fn registration(f: &mut BirthForm) -> Result<GuardianshipRegistration, DomainError> {
    f.normalize(&["ward.date_of_birth", "guardian.date_of_birth"])?;
    let ward_birth_record_id = match f.opt("ward_birth_record_id") {
        Some(_) => Some(record_number(
            f,
            "ward_birth_record_id",
            "ward_birth_record_id_invalid",
        )?),
        None => None,
    };
    // The ward's details count when a name is given (a ward born in the registry needs none).
    let ward = f
        .opt("ward.full_name")
        .is_some()
        .then(|| person_input(f, "ward"));
    Ok(GuardianshipRegistration {
        kind: f.get("kind").to_string(),
        ward_situation: f.get("ward_situation").to_string(),
        ward_birth_record_id,
        ward,
        guardian: person_input(f, "guardian"),
        basis: f.get("basis").to_string(),
        court_decision: f.opt("court_decision"),
        requester: requester(f),
    })
}

fn change(f: &mut BirthForm) -> Result<GuardianshipChange, DomainError> {
    f.normalize(&["new_guardian.date_of_birth"])?;
    Ok(GuardianshipChange {
        guardianship_record_id: record_number(
            f,
            "guardianship_record_id",
            "guardianship_record_id_invalid",
        )?,
        new_guardian: person_input(f, "new_guardian"),
        reason: f.get("reason").to_string(),
        basis: f.get("basis").to_string(),
        requester: requester(f),
    })
}

fn end(f: &mut BirthForm) -> Result<GuardianshipEnd, DomainError> {
    f.normalize(&["ended_on"])?;
    Ok(GuardianshipEnd {
        guardianship_record_id: record_number(
            f,
            "guardianship_record_id",
            "guardianship_record_id_invalid",
        )?,
        grounds: f.get("grounds").to_string(),
        ended_on: f.get("ended_on").trim().to_string(),
        evidence: f.get("evidence").to_string(),
        requester: requester(f),
    })
}

pub async fn new_guardianship(
    PageActor(actor): PageActor,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    procedure_form(
        &actor,
        &REGISTRATION,
        &REGISTRATION_SECTIONS,
        "giám hộ",
        record_prefill(query, "birth", "ward_birth_record_id"),
    )
}

pub async fn declare_guardianship(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PageActor(actor): PageActor,
    form: Result<Form<BirthForm>, FormRejection>,
) -> Response {
    submit_procedure(
        &actor,
        form,
        &REGISTRATION,
        &REGISTRATION_SECTIONS,
        registration,
        |r| state.app.declare_guardianship(&actor, &meta, r),
    )
    .await
}

pub async fn new_guardianship_change(
    PageActor(actor): PageActor,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    procedure_form(
        &actor,
        &CHANGE,
        &CHANGE_SECTIONS,
        "thay đổi người giám hộ",
        record_prefill(query, "guardianship", "guardianship_record_id"),
    )
}

pub async fn declare_guardianship_change(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PageActor(actor): PageActor,
    form: Result<Form<BirthForm>, FormRejection>,
) -> Response {
    submit_procedure(&actor, form, &CHANGE, &CHANGE_SECTIONS, change, |r| {
        state.app.declare_guardianship_change(&actor, &meta, r)
    })
    .await
}

pub async fn new_guardianship_end(
    PageActor(actor): PageActor,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    procedure_form(
        &actor,
        &END,
        &END_SECTIONS,
        "chấm dứt giám hộ",
        record_prefill(query, "guardianship", "guardianship_record_id"),
    )
}

pub async fn declare_guardianship_end(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PageActor(actor): PageActor,
    form: Result<Form<BirthForm>, FormRejection>,
) -> Response {
    submit_procedure(&actor, form, &END, &END_SECTIONS, end, |r| {
        state.app.declare_guardianship_end(&actor, &meta, r)
    })
    .await
}

fn person_facts(p: &GuardianshipPersonInput) -> Vec<Fact> {
    vec![
        Fact {
            label: "Họ, chữ đệm và tên",
            value: p.full_name.clone(),
        },
        Fact {
            label: "Ngày sinh",
            value: vn_date(&p.date_of_birth),
        },
        Fact {
            label: "Số định danh",
            value: opt_text(p.personal_id.as_deref()),
        },
    ]
}

fn requester_fact(r: &RequesterInput) -> Fact {
    Fact {
        label: "Người yêu cầu",
        value: format!("{} ({})", r.full_name, r.relationship),
    }
}

/// The contents of a `guardianship` record's page.
pub(super) fn guardianship_parties(r: &GuardianshipRegistration) -> Vec<PartyView> {
    let mut out = Vec::new();
    if let Some(w) = &r.ward {
        out.push(PartyView {
            title: "Người được giám hộ",
            facts: person_facts(w),
        });
    }
    out.push(PartyView {
        title: "Người giám hộ",
        facts: person_facts(&r.guardian),
    });
    let mut facts = vec![
        Fact {
            label: "Loại giám hộ",
            value: if r.kind == "appointed" {
                "Giám hộ cử".into()
            } else {
                "Giám hộ đương nhiên".into()
            },
        },
        Fact {
            label: "Người được giám hộ là",
            value: ward_situation_text(&r.ward_situation)
                .unwrap_or_default()
                .into(),
        },
        Fact {
            label: "Căn cứ giám hộ",
            value: r.basis.clone(),
        },
    ];
    if let Some(id) = r.ward_birth_record_id {
        facts.push(Fact {
            label: "Hồ sơ khai sinh của người được giám hộ (số)",
            value: id.to_string(),
        });
    }
    if let Some(d) = &r.court_decision {
        facts.push(Fact {
            label: "Quyết định của Tòa án",
            value: d.clone(),
        });
    }
    facts.push(requester_fact(&r.requester));
    out.push(PartyView {
        title: "Giấy tờ",
        facts,
    });
    out
}

/// The contents of a `guardianship_change` record's page.
pub(super) fn change_parties(r: &GuardianshipChange) -> Vec<PartyView> {
    vec![
        PartyView {
            title: "Người giám hộ mới",
            facts: person_facts(&r.new_guardian),
        },
        PartyView {
            title: "Giấy tờ",
            facts: vec![
                Fact {
                    label: "Việc giám hộ được thay đổi (số hồ sơ)",
                    value: r.guardianship_record_id.to_string(),
                },
                Fact {
                    label: "Lý do",
                    value: r.reason.clone(),
                },
                Fact {
                    label: "Căn cứ của người giám hộ mới",
                    value: r.basis.clone(),
                },
                requester_fact(&r.requester),
            ],
        },
    ]
}

/// The contents of a `guardianship_end` record's page.
pub(super) fn end_parties(r: &GuardianshipEnd) -> Vec<PartyView> {
    vec![PartyView {
        title: "Chấm dứt giám hộ",
        facts: vec![
            Fact {
                label: "Việc giám hộ chấm dứt (số hồ sơ)",
                value: r.guardianship_record_id.to_string(),
            },
            Fact {
                label: "Căn cứ",
                value: end_grounds_text(&r.grounds).unwrap_or_default().into(),
            },
            Fact {
                label: "Ngày chấm dứt",
                value: vn_date(&r.ended_on),
            },
            Fact {
                label: "Giấy tờ chứng minh",
                value: r.evidence.clone(),
            },
            requester_fact(&r.requester),
        ],
    }]
}
