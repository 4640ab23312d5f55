//! Two forms of the marital history: recording a court's divorce or annulment into the register
//! (`GET /civil/divorces/new?marriage=ID`, `POST /civil/divorces`, reached from a registered
//! marriage's page) and the request for a marital-status certificate (`GET
//! /civil/marital-status/new`, `POST /civil/marital-status`). Same machinery as the other
//! declaration forms: field names are those of the domain's request, dotted, so a
//! `DomainError.field` names its input; refusals without a field are an alert at the top.

use std::collections::HashMap;

use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::response::Response;
use time::Date;
use tuphap_domain::civil::{
    ApplicantInput, CourtDecisionInput, DivorceRecording, IntendedSpouseInput, MaritalStatusData,
    MaritalStatusRequest, PurposeInput, purpose_text,
};
use tuphap_domain::identity::Scope;
use tuphap_domain::{Actor, DomainError};

use super::{
    BirthForm, Control, Fact, FieldSpec, FormKind, PartyView, SectionSpec, UNIT_HINT, country_name,
    ethnic_name, field, hinted, opt_text, procedure_form, record_number, record_prefill, sex_label,
    submit_procedure, unit_label, vn_date,
};
use crate::extract::Meta;
use crate::pages::PageActor;
use crate::state::AppState;

// --- Recording a divorce or annulment ---------------------------------------------------------

const DIVORCE: FormKind = FormKind {
    title: "Ghi vào sổ việc ly hôn, hủy việc kết hôn",
    action: "/civil/divorces",
    form_class: "divorce-form",
    relationships: &[],
    note: "Hồ sơ được tiếp nhận ở trạng thái chờ ký; khi người ký của UBND đăng ký, việc kết hôn chấm dứt trong sổ hộ tịch kể từ ngày bản án, quyết định có hiệu lực.",
};

const DECISION_KINDS: [(&str, &str); 3] = [
    ("", "— Chọn —"),
    ("divorce", "Ly hôn"),
    ("annulment", "Hủy việc kết hôn trái pháp luật"),
];

const MARRIAGE_FIELDS: [FieldSpec; 1] = [hinted(
    field(
        "marriage_record_id",
        "Số hồ sơ đăng ký kết hôn",
        Control::Digits(12),
        true,
        false,
    ),
    "Số hồ sơ trong Cơ sở dữ liệu hộ tịch (trên trang hồ sơ kết hôn, nút \u{201c}Ghi vào sổ việc ly hôn\u{201d} điền sẵn).",
)];

const DECISION_FIELDS: [FieldSpec; 5] = [
    field(
        "decision.kind",
        "Loại việc",
        Control::Choice(&DECISION_KINDS),
        true,
        false,
    ),
    hinted(
        field("decision.court", "Tòa án", Control::Text, true, true),
        "Ví dụ: Tòa án nhân dân khu vực 1 – Hà Nội.",
    ),
    hinted(
        field(
            "decision.number",
            "Số bản án, quyết định",
            Control::Text,
            true,
            false,
        ),
        "Ví dụ: 125/2026/HNGĐ-ST.",
    ),
    field(
        "decision.decided_on",
        "Ngày ra bản án, quyết định",
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

const DIVORCE_SECTIONS: [SectionSpec<'static>; 2] = [
    SectionSpec {
        id: "viec-ket-hon",
        title: "Việc kết hôn đã đăng ký",
        fields: &MARRIAGE_FIELDS,
    },
    SectionSpec {
        id: "ban-an",
        title: "Bản án, quyết định của Tòa án",
        fields: &DECISION_FIELDS,
    },
];

fn divorce_request(f: &mut BirthForm) -> Result<DivorceRecording, DomainError> {
    f.normalize(&["decision.decided_on", "decision.effective_on"])?;
    let marriage_record_id = record_number(f, "marriage_record_id", "marriage_record_id_invalid")?;
    Ok(DivorceRecording {
        marriage_record_id,
        decision: CourtDecisionInput {
            kind: f.get("decision.kind").to_string(),
            court: f.get("decision.court").to_string(),
            number: f.get("decision.number").to_string(),
            decided_on: f.get("decision.decided_on").trim().to_string(),
            effective_on: f.get("decision.effective_on").trim().to_string(),
        },
    })
}

pub async fn new_divorce(
    PageActor(actor): PageActor,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    let prefill = record_prefill(query, "marriage", "marriage_record_id");
    procedure_form(
        &actor,
        &DIVORCE,
        &DIVORCE_SECTIONS,
        "việc ly hôn, hủy việc kết hôn",
        prefill,
    )
}

pub async fn declare_divorce(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PageActor(actor): PageActor,
    form: Result<Form<BirthForm>, FormRejection>,
) -> Response {
    submit_procedure(
        &actor,
        form,
        &DIVORCE,
        &DIVORCE_SECTIONS,
        divorce_request,
        |d| state.app.declare_divorce(&actor, &meta, d),
    )
    .await
}

/// The contents of a `divorce` record's page.
pub(super) fn divorce_parties(d: &DivorceRecording) -> Vec<PartyView> {
    let kind = if d.decision.kind == "annulment" {
        "Hủy việc kết hôn trái pháp luật"
    } else {
        "Ly hôn"
    };
    vec![PartyView {
        title: "Bản án, quyết định của Tòa án",
        facts: vec![
            Fact {
                label: "Việc kết hôn (số hồ sơ)",
                value: d.marriage_record_id.to_string(),
            },
            Fact {
                label: "Loại việc",
                value: kind.into(),
            },
            Fact {
                label: "Tòa án",
                value: d.decision.court.clone(),
            },
            Fact {
                label: "Số",
                value: d.decision.number.clone(),
            },
            Fact {
                label: "Ngày ra bản án, quyết định",
                value: vn_date(&d.decision.decided_on),
            },
            Fact {
                label: "Ngày có hiệu lực",
                value: vn_date(&d.decision.effective_on),
            },
        ],
    }]
}

// --- Marital-status certificate ----------------------------------------------------------------

const MARITAL: FormKind = FormKind {
    title: "Cấp Giấy xác nhận tình trạng hôn nhân",
    action: "/civil/marital-status",
    form_class: "marital-status-form",
    relationships: &[],
    note: "Tình trạng hôn nhân được xác định từ sổ hộ tịch (kết hôn, ly hôn đã ghi vào sổ, khai tử của vợ/chồng) và xác định lại khi ký. Giấy có giá trị 6 tháng kể từ ngày cấp, chỉ dùng cho mục đích đã ghi.",
};

const PURPOSES: [(&str, &str); 3] = [
    ("", "— Chọn —"),
    ("marriage", "Để đăng ký kết hôn"),
    ("other", "Mục đích khác"),
];

const RETURNED: [(&str, &str); 2] = [
    ("", "Không có giấy cũ còn hạn"),
    ("true", "Đã nộp lại giấy cũ còn hạn"),
];

const APPLICANT: [FieldSpec; 9] = [
    field(
        "applicant.full_name",
        "Họ, chữ đệm và tên",
        Control::Text,
        true,
        true,
    ),
    field("applicant.sex", "Giới tính", Control::Sex, true, false),
    field(
        "applicant.date_of_birth",
        "Ngày sinh",
        Control::Date,
        true,
        false,
    ),
    hinted(
        field(
            "applicant.personal_id",
            "Số định danh",
            Control::Digits(12),
            true,
            false,
        ),
        "12 chữ số; sổ hộ tịch tìm các việc kết hôn, ly hôn của người yêu cầu theo số này.",
    ),
    field(
        "applicant.ethnicity_code",
        "Dân tộc",
        Control::Ethnic,
        true,
        false,
    ),
    field(
        "applicant.nationality_code",
        "Quốc tịch",
        Control::Country,
        true,
        false,
    ),
    hinted(
        field(
            "applicant.residence.admin_unit_code",
            "Nơi cư trú: mã xã/phường",
            Control::Digits(5),
            true,
            true,
        ),
        UNIT_HINT,
    ),
    field(
        "applicant.residence.detail",
        "Nơi cư trú: chi tiết",
        Control::Text,
        false,
        true,
    ),
    hinted(
        field(
            "residence_from",
            "Cư trú tại đây từ ngày",
            Control::Date,
            false,
            false,
        ),
        "Khi người yêu cầu cần xác nhận cho một thời gian cư trú.",
    ),
];

const PURPOSE: [FieldSpec; 7] = [
    field(
        "purpose.kind",
        "Mục đích sử dụng",
        Control::Choice(&PURPOSES),
        true,
        false,
    ),
    hinted(
        field(
            "purpose.intended_spouse.full_name",
            "Kết hôn với: họ, chữ đệm và tên",
            Control::Text,
            false,
            true,
        ),
        "Bắt buộc khi mục đích là kết hôn.",
    ),
    field(
        "purpose.intended_spouse.date_of_birth",
        "Kết hôn với: ngày sinh",
        Control::Date,
        false,
        false,
    ),
    field(
        "purpose.intended_spouse.nationality_code",
        "Kết hôn với: quốc tịch",
        Control::Country,
        false,
        false,
    ),
    hinted(
        field(
            "purpose.marriage_place",
            "Nơi đăng ký kết hôn",
            Control::Text,
            false,
            true,
        ),
        "Ví dụ: UBND phường Ba Đình, Thành phố Hà Nội.",
    ),
    hinted(
        field(
            "purpose.description",
            "Mục đích khác",
            Control::Text,
            false,
            true,
        ),
        "Khi không dùng để kết hôn, ví dụ: bổ túc hồ sơ vay vốn.",
    ),
    hinted(
        field(
            "previous_certificate_returned",
            "Giấy xác nhận cũ",
            Control::Choice(&RETURNED),
            false,
            false,
        ),
        "Giấy cũ còn hạn phải được nộp lại trước khi cấp giấy mới (Nghị định 123/2015/NĐ-CP, Điều 22).",
    ),
];

const MARITAL_SECTIONS: [SectionSpec<'static>; 2] = [
    SectionSpec {
        id: "nguoi-yeu-cau",
        title: "Người yêu cầu xác nhận",
        fields: &APPLICANT,
    },
    SectionSpec {
        id: "muc-dich",
        title: "Mục đích sử dụng",
        fields: &PURPOSE,
    },
];

fn marital_defaults(actor: &Actor) -> Vec<(&'static str, String)> {
    let mut m = vec![
        ("applicant.ethnicity_code", "01".to_string()),
        ("applicant.nationality_code", "VN".to_string()),
        ("purpose.intended_spouse.nationality_code", "VN".to_string()),
    ];
    if let Scope::Commune { commune_code } = &actor.office.scope {
        m.push(("applicant.residence.admin_unit_code", commune_code.clone()));
    }
    m
}

fn marital_request(f: &mut BirthForm) -> Result<MaritalStatusRequest, DomainError> {
    f.normalize(&[
        "applicant.date_of_birth",
        "residence_from",
        "purpose.intended_spouse.date_of_birth",
    ])?;
    let spouse_name = f.opt("purpose.intended_spouse.full_name");
    Ok(MaritalStatusRequest {
        applicant: ApplicantInput {
            full_name: f.get("applicant.full_name").to_string(),
            sex: f.get("applicant.sex").to_string(),
            date_of_birth: f.get("applicant.date_of_birth").trim().to_string(),
            personal_id: f.get("applicant.personal_id").trim().to_string(),
            ethnicity_code: f.get("applicant.ethnicity_code").to_string(),
            nationality_code: f.get("applicant.nationality_code").to_string(),
            residence: f.place("applicant.residence"),
        },
        purpose: PurposeInput {
            kind: f.get("purpose.kind").to_string(),
            intended_spouse: spouse_name.map(|full_name| IntendedSpouseInput {
                full_name,
                date_of_birth: f.opt("purpose.intended_spouse.date_of_birth"),
                nationality_code: f
                    .opt("purpose.intended_spouse.nationality_code")
                    .unwrap_or_else(|| "VN".into()),
            }),
            marriage_place: f.opt("purpose.marriage_place"),
            description: f.opt("purpose.description"),
        },
        residence_from: f.opt("residence_from"),
        previous_certificate_returned: f.get("previous_certificate_returned") == "true",
    })
}

pub async fn new_marital_status(PageActor(actor): PageActor) -> Response {
    let prefill = marital_defaults(&actor);
    procedure_form(
        &actor,
        &MARITAL,
        &MARITAL_SECTIONS,
        "xác nhận tình trạng hôn nhân",
        prefill,
    )
}

pub async fn declare_marital_status(
    State(state): State<AppState>,
    Meta(meta): Meta,
    PageActor(actor): PageActor,
    form: Result<Form<BirthForm>, FormRejection>,
) -> Response {
    submit_procedure(
        &actor,
        form,
        &MARITAL,
        &MARITAL_SECTIONS,
        marital_request,
        |r| state.app.declare_marital_status(&actor, &meta, r),
    )
    .await
}

/// The contents of a `marital_status` record's page.
pub(super) fn marital_status_parties(d: &MaritalStatusData, on: Date) -> Vec<PartyView> {
    let a = &d.request.applicant;
    vec![
        PartyView {
            title: "Người yêu cầu xác nhận",
            facts: vec![
                Fact {
                    label: "Họ, chữ đệm và tên",
                    value: a.full_name.clone(),
                },
                Fact {
                    label: "Giới tính",
                    value: sex_label(&a.sex),
                },
                Fact {
                    label: "Ngày sinh",
                    value: vn_date(&a.date_of_birth),
                },
                Fact {
                    label: "Số định danh",
                    value: a.personal_id.clone(),
                },
                Fact {
                    label: "Dân tộc",
                    value: ethnic_name(&a.ethnicity_code),
                },
                Fact {
                    label: "Quốc tịch",
                    value: country_name(&a.nationality_code),
                },
                Fact {
                    label: "Nơi cư trú",
                    value: {
                        let unit = unit_label(&a.residence.admin_unit_code, on)
                            .unwrap_or_else(|| a.residence.admin_unit_code.clone());
                        match a
                            .residence
                            .detail
                            .as_deref()
                            .filter(|s| !s.trim().is_empty())
                        {
                            Some(d) => format!("{}, {unit}", d.trim()),
                            None => unit,
                        }
                    },
                },
            ],
        },
        PartyView {
            title: "Xác nhận",
            facts: vec![
                Fact {
                    label: "Tình trạng hôn nhân",
                    value: d.sentence.clone(),
                },
                Fact {
                    label: "Căn cứ (số hồ sơ)",
                    value: if d.based_on.is_empty() {
                        "Không có việc kết hôn nào trong sổ".into()
                    } else {
                        d.based_on
                            .iter()
                            .map(i64::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    },
                },
                Fact {
                    label: "Mục đích sử dụng",
                    value: purpose_text(&d.request.purpose, &a.sex),
                },
                Fact {
                    label: "Cư trú từ ngày",
                    value: opt_text(d.request.residence_from.as_deref().map(vn_date).as_deref()),
                },
            ],
        },
    ]
}
