//! The pieces the birth, marriage and death forms share for an event registered before
//! (`recorded.rs` in the domain): `?earlier=re_registration|abroad` on `…/new`, the block of the
//! earlier registration first in the form (a hidden `earlier_registration.kind` keeps the
//! variant across a refused submission), the declaration's `earlier_registration`, and the
//! block on the record page.

use std::collections::HashMap;

use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use tuphap_core::civil::CivilEvent;
use tuphap_domain::Actor;
use tuphap_domain::civil::{
    EarlierRegistrationInput, earlier_registration_label, registered_on_text,
};
use tuphap_domain::identity::Scope;

use super::{
    BirthForm, Control, Fact, FieldSpec, PartyView, UNIT_HINT, country_name, field, hinted,
    opt_text,
};

/// The variant asked for by `?earlier=`: `re_registration` or `abroad`.
pub(super) fn requested_kind(
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Option<String> {
    let Ok(Query(q)) = query else {
        return None;
    };
    q.get("earlier")
        .filter(|k| matches!(k.as_str(), "re_registration" | "abroad"))
        .cloned()
}

/// Sets the variant `kind` on a blank form, with the requester living in the office's commune.
pub(super) fn prefill(form: &mut BirthForm, actor: &Actor, kind: &str) {
    form.0
        .insert("earlier_registration.kind".into(), kind.to_string());
    if let Scope::Commune { commune_code } = &actor.office.scope {
        form.0.insert(
            "earlier_registration.residence.admin_unit_code".into(),
            commune_code.clone(),
        );
    }
}

/// The variant of a submitted form: `re_registration`, `abroad`, or empty.
pub(super) fn kind_of(form: &BirthForm) -> &str {
    form.get("earlier_registration.kind")
}

/// The declaration's `earlier_registration`, when the form is one of the variants.
pub(super) fn earlier_from_form(form: &BirthForm) -> Option<EarlierRegistrationInput> {
    form.opt("earlier_registration.kind")
        .map(|kind| EarlierRegistrationInput {
            kind,
            authority: form.get("earlier_registration.authority").to_string(),
            country_code: form.opt("earlier_registration.country_code"),
            authority_unit_code: form.opt("earlier_registration.authority_unit_code"),
            registered_on: form
                .get("earlier_registration.registered_on")
                .trim()
                .to_string(),
            reference: form.opt("earlier_registration.reference"),
            evidence: form.get("earlier_registration.evidence").to_string(),
            residence: form.place("earlier_registration.residence"),
        })
}

/// The fields of a re-registration (Nghị định 123/2015/NĐ-CP, Điều 24–28) with the evidence
/// named for its event.
const fn re_registration_fields(
    evidence: &'static str,
    evidence_hint: &'static str,
) -> [FieldSpec; 6] {
    [
        hinted(
            field(
                "earlier_registration.authority",
                "Cơ quan đã đăng ký",
                Control::Text,
                true,
                true,
            ),
            "Ví dụ: UBND xã Tiên Phong, huyện Mê Linh, tỉnh Vĩnh Phúc.",
        ),
        hinted(
            field(
                "earlier_registration.authority_unit_code",
                "Mã xã của cơ quan đó (nếu biết)",
                Control::Digits(5),
                false,
                false,
            ),
            "Mã có hiệu lực vào ngày đăng ký trước đây.",
        ),
        field(
            "earlier_registration.registered_on",
            "Ngày đăng ký trước đây",
            Control::Date,
            true,
            false,
        ),
        hinted(
            field(
                "earlier_registration.reference",
                "Số, quyển số (nếu biết)",
                Control::Text,
                false,
                false,
            ),
            "Ví dụ: Số 12, Quyển số 01/1995.",
        ),
        hinted(
            field(
                "earlier_registration.evidence",
                evidence,
                Control::Text,
                true,
                true,
            ),
            evidence_hint,
        ),
        hinted(
            field(
                "earlier_registration.residence.admin_unit_code",
                "Nơi cư trú của người yêu cầu: mã xã/phường",
                Control::Digits(5),
                true,
                true,
            ),
            UNIT_HINT,
        ),
    ]
}

/// The fields of a recording of an event registered abroad (Luật Hộ tịch 2014, Điều 48–50).
const fn abroad_fields(reference: &'static str, evidence: &'static str) -> [FieldSpec; 6] {
    [
        hinted(
            field(
                "earlier_registration.authority",
                "Cơ quan nước ngoài đã đăng ký",
                Control::Text,
                true,
                true,
            ),
            "Ví dụ: Mairie du 15e arrondissement, Paris.",
        ),
        field(
            "earlier_registration.country_code",
            "Nước",
            Control::Country,
            true,
            false,
        ),
        field(
            "earlier_registration.registered_on",
            "Ngày đăng ký ở nước ngoài",
            Control::Date,
            true,
            false,
        ),
        field(
            "earlier_registration.reference",
            reference,
            Control::Text,
            false,
            false,
        ),
        hinted(
            field(
                "earlier_registration.evidence",
                evidence,
                Control::Text,
                true,
                true,
            ),
            "Đã hợp pháp hóa lãnh sự và dịch sang tiếng Việt (Luật Hộ tịch 2014, Điều 49).",
        ),
        hinted(
            field(
                "earlier_registration.residence.admin_unit_code",
                "Nơi cư trú của người yêu cầu: mã xã/phường",
                Control::Digits(5),
                true,
                true,
            ),
            "Của công dân Việt Nam có yêu cầu (mã 5 chữ số của xã, phường, đặc khu).",
        ),
    ]
}

pub(super) const BIRTH_REREGISTRATION: [FieldSpec; 6] = re_registration_fields(
    "Giấy tờ chứng minh nội dung khai sinh",
    "Bản sao Giấy khai sinh, hoặc giấy tờ có thông tin khai sinh (Nghị định 123/2015/NĐ-CP, Điều 26).",
);
pub(super) const BIRTH_ABROAD: [FieldSpec; 6] = abroad_fields(
    "Số giấy tờ khai sinh nước ngoài",
    "Giấy tờ khai sinh do nước ngoài cấp",
);
pub(super) const MARRIAGE_REREGISTRATION: [FieldSpec; 6] = re_registration_fields(
    "Giấy tờ chứng minh nội dung kết hôn",
    "Bản sao Giấy chứng nhận kết hôn, hoặc giấy tờ có thông tin kết hôn (Nghị định 123/2015/NĐ-CP, Điều 27).",
);
pub(super) const MARRIAGE_ABROAD: [FieldSpec; 6] = abroad_fields(
    "Số giấy tờ kết hôn nước ngoài",
    "Giấy tờ kết hôn do nước ngoài cấp",
);
pub(super) const DEATH_REREGISTRATION: [FieldSpec; 6] = re_registration_fields(
    "Giấy tờ chứng minh nội dung khai tử",
    "Bản sao Giấy chứng tử hoặc trích lục khai tử, hoặc giấy tờ có thông tin khai tử (Nghị định 123/2015/NĐ-CP, Điều 28).",
);
pub(super) const DEATH_ABROAD: [FieldSpec; 6] = abroad_fields(
    "Số giấy tờ khai tử nước ngoài",
    "Giấy tờ khai tử do nước ngoài cấp",
);

/// The title of the earlier registration's block for `event`.
pub(super) fn section_title(event: CivilEvent, kind: &str) -> &'static str {
    match (event, kind) {
        (CivilEvent::Marriage, "abroad") => "Việc kết hôn đã đăng ký ở nước ngoài",
        (CivilEvent::Marriage, _) => "Việc kết hôn đã đăng ký trước đây",
        (CivilEvent::Death, "abroad") => "Việc khai tử đã đăng ký ở nước ngoài",
        (CivilEvent::Death, _) => "Việc khai tử đã đăng ký trước đây",
        (_, "abroad") => "Việc khai sinh đã đăng ký ở nước ngoài",
        _ => "Việc khai sinh đã đăng ký trước đây",
    }
}

/// The record page's block of the earlier registration (first on the page).
pub(super) fn earlier_party(event: CivilEvent, e: &EarlierRegistrationInput) -> PartyView {
    let mut facts = vec![
        Fact {
            label: "Loại việc",
            value: earlier_registration_label(event, &e.kind).into(),
        },
        Fact {
            label: "Cơ quan đã đăng ký",
            value: e.authority.clone(),
        },
    ];
    if let Some(c) = &e.country_code {
        facts.push(Fact {
            label: "Nước",
            value: country_name(c),
        });
    }
    facts.extend([
        Fact {
            label: "Ngày đăng ký",
            value: registered_on_text(e),
        },
        Fact {
            label: "Số, quyển số / số giấy tờ",
            value: opt_text(e.reference.as_deref()),
        },
        Fact {
            label: "Giấy tờ chứng minh",
            value: e.evidence.clone(),
        },
    ]);
    PartyView {
        title: section_title(event, &e.kind),
        facts,
    }
}
