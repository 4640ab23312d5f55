//! A birth registered before, entered into the register again: **re-registration** of a birth
//! whose book and original papers are lost (đăng ký lại khai sinh, Nghị định 123/2015/NĐ-CP,
//! Điều 24–26) and **recording** of a Vietnamese citizen's birth registered by a foreign
//! authority (ghi vào Sổ hộ tịch việc khai sinh đã đăng ký ở nước ngoài, Luật Hộ tịch 2014,
//! Điều 48–50).
//!
//! Both are a birth declaration with an `earlier_registration`: the record is a `birth` like any
//! other (numbered in the birth book, a person, a certificate, search), and its content keeps the
//! earlier registration. Rules:
//! * re-registration: the earlier registration was made by a Vietnamese authority before
//!   01/01/2016 (NĐ 123/2015 Điều 24.1), not before the birth; at the commune of the requester's
//!   residence or the one that registered it (Điều 25.1); the documents showing its content are
//!   stated (Điều 26.1);
//! * recording: the child is a Vietnamese citizen, the foreign authority and country (not
//!   Việt Nam) are named, the place of birth is abroad (no commune code, the place in words); at
//!   the commune of the requester's residence (LHT Điều 48, a commune since NĐ 120/2025).
//!
//! Neither is a late registration: the 60 days of LHT Điều 15 do not apply.

use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::ToSchema;

use time::macros::date as date_lit;
use tuphap_core::civil::{AuthorityBasis, UnitRef};
use tuphap_core::dates::{format_vn, parse_date};
use tuphap_core::reference as refdata;
use tuphap_core::text::VnText;

use super::{PlaceInput, date, invalid, unit_on};
use crate::error::Result;

/// NĐ 123/2015 Điều 24.1: only registrations made before this day can be registered again.
pub const RE_REGISTRATION_BEFORE: Date = date_lit!(2016 - 01 - 01);

/// The registration a birth declaration enters again.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EarlierRegistrationInput {
    /// `re_registration` (đăng ký lại, the book and papers lost) or `abroad` (registered by a
    /// foreign authority).
    #[schema(example = "re_registration")]
    pub kind: String,
    /// The authority that registered it: "UBND xã Tiên Phong, huyện Mê Linh" or "Mairie du 15e
    /// arrondissement, Paris".
    #[schema(example = "UBND xã Tiên Phong, huyện Mê Linh, tỉnh Vĩnh Phúc")]
    pub authority: String,
    /// Abroad: the country (ISO 3166-1 alpha-2, not VN).
    #[schema(example = "FR")]
    pub country_code: Option<String>,
    /// Re-registration, when known: the commune code of the authority on that date.
    #[schema(example = "09013")]
    pub authority_unit_code: Option<String>,
    /// The day it was registered (YYYY-MM-DD).
    #[schema(example = "1998-05-20")]
    pub registered_on: String,
    /// Its number and book, or the foreign document's number, when known.
    #[schema(example = "Số 45, Quyển số 01/1998")]
    pub reference: Option<String>,
    /// The documents showing its content: a copy of the birth certificate, a school record…; or
    /// the foreign birth certificate (legalised, translated).
    #[schema(example = "Bản sao Giấy khai sinh cấp năm 1998; học bạ tiểu học")]
    pub evidence: String,
    /// The requester's residence (it decides the competent commune).
    pub residence: PlaceInput,
}

impl EarlierRegistrationInput {
    pub fn abroad(&self) -> bool {
        self.kind == "abroad"
    }
}

/// The Vietnamese name of the procedure, for a record's page.
pub fn earlier_registration_label(kind: &str) -> &'static str {
    match kind {
        "abroad" => "Ghi vào sổ việc khai sinh đã đăng ký ở nước ngoài",
        "re_registration" => "Đăng ký lại khai sinh",
        _ => "Đăng ký khai sinh",
    }
}

/// The earlier registration checked against the birth (`dob`) on `today`; returns the places
/// that decide the competent office.
pub(crate) fn check(
    e: &EarlierRegistrationInput,
    dob: Date,
    child_nationality: &str,
    today: Date,
) -> Result<AuthorityBasis> {
    let f = |s: &str| format!("earlier_registration.{s}");
    if !matches!(e.kind.as_str(), "re_registration" | "abroad") {
        return Err(invalid(
            "earlier_registration_kind_invalid",
            &f("kind"),
            "Loại việc phải là đăng ký lại khai sinh (re_registration) hoặc ghi vào sổ việc khai sinh đã đăng ký ở nước ngoài (abroad).",
        ));
    }
    for (field, value, what) in [
        ("authority", &e.authority, "cơ quan đã đăng ký"),
        (
            "evidence",
            &e.evidence,
            "giấy tờ chứng minh nội dung khai sinh",
        ),
    ] {
        if VnText::new(value).as_str().is_empty() {
            return Err(invalid(
                "earlier_registration_field_required",
                &f(field),
                format!("Ghi {what}."),
            ));
        }
    }
    let on = date(&e.registered_on, &f("registered_on"), today)?;
    if on < dob {
        return Err(invalid(
            "earlier_registration_before_birth",
            &f("registered_on"),
            format!(
                "Ngày đăng ký trước đây {} trước ngày sinh {}.",
                format_vn(on),
                format_vn(dob)
            ),
        ));
    }
    let residence = unit_on(
        &e.residence.admin_unit_code,
        today,
        &f("residence.admin_unit_code"),
    )?;
    if e.abroad() {
        let country = e
            .country_code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .and_then(refdata::country);
        match country {
            Some(c) if c.alpha2 != "VN" => {}
            _ => {
                return Err(invalid(
                    "earlier_registration_country_invalid",
                    &f("country_code"),
                    "Chọn nước nơi đã đăng ký khai sinh (không phải Việt Nam).",
                ));
            }
        }
        if child_nationality != "VN" {
            return Err(invalid(
                "recording_not_citizen",
                "child.nationality_code",
                "Chỉ ghi vào Sổ hộ tịch việc khai sinh của công dân Việt Nam (Luật Hộ tịch 2014, Điều 48).",
            ));
        }
        return Ok(AuthorityBasis::BirthRecording {
            residence: Some(UnitRef::new(&residence, today)),
            earlier_registration: None,
            abroad: true,
        });
    }
    if on >= RE_REGISTRATION_BEFORE {
        return Err(invalid(
            "re_registration_too_recent",
            &f("registered_on"),
            format!(
                "Chỉ đăng ký lại việc khai sinh đã đăng ký trước ngày 01/01/2016 (Nghị định 123/2015/NĐ-CP, Điều 24); việc đăng ký ngày {} còn trong Cơ sở dữ liệu hộ tịch điện tử: hãy tìm hồ sơ đó hoặc cấp bản sao trích lục.",
                format_vn(on)
            ),
        ));
    }
    let earlier = match e
        .authority_unit_code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        Some(code) => Some(UnitRef::new(
            &unit_on(code, on, &f("authority_unit_code"))?,
            on,
        )),
        None => None,
    };
    Ok(AuthorityBasis::BirthRecording {
        residence: Some(UnitRef::new(&residence, today)),
        earlier_registration: earlier,
        abroad: false,
    })
}

/// The earlier registration's date as shown (dd/mm/yyyy).
pub fn registered_on_text(e: &EarlierRegistrationInput) -> String {
    parse_date(&e.registered_on)
        .map(format_vn)
        .unwrap_or_else(|_| e.registered_on.clone())
}

/// The line a birth certificate carries for a birth registered before ("Ghi chú").
pub fn earlier_registration_note(e: &EarlierRegistrationInput) -> String {
    let reference = e
        .reference
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(|r| format!(" ({r})"))
        .unwrap_or_default();
    if e.abroad() {
        let country = e
            .country_code
            .as_deref()
            .and_then(|c| refdata::country(c.trim()))
            .map(|c| format!(", {}", c.name_vi))
            .unwrap_or_default();
        format!(
            "Ghi vào Sổ hộ tịch việc khai sinh đã đăng ký ngày {} tại {}{country}{reference} (Luật Hộ tịch 2014, Điều 48).",
            registered_on_text(e),
            e.authority.trim()
        )
    } else {
        format!(
            "Đăng ký lại; đã đăng ký khai sinh ngày {} tại {}{reference} (Nghị định 123/2015/NĐ-CP, Điều 26).",
            registered_on_text(e),
            e.authority.trim()
        )
    }
}

/// A place of birth abroad: no commune code, the place in words.
pub(crate) fn place_abroad(p: &PlaceInput) -> Result<()> {
    if !p.admin_unit_code.trim().is_empty() {
        return Err(invalid(
            "recording_place_in_vietnam",
            "child.place_of_birth.admin_unit_code",
            "Trẻ sinh ở nước ngoài: để trống mã xã, ghi nơi sinh (thành phố, nước) ở ô chi tiết.",
        ));
    }
    if p.detail.as_deref().is_none_or(|d| d.trim().is_empty()) {
        return Err(invalid(
            "recording_place_required",
            "child.place_of_birth.detail",
            "Ghi nơi sinh ở nước ngoài (thành phố, nước).",
        ));
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn input(kind: &str, on: &str) -> EarlierRegistrationInput {
        EarlierRegistrationInput {
            kind: kind.into(),
            authority: "UBND xã Tiên Phong".into(),
            country_code: None,
            authority_unit_code: None,
            registered_on: on.into(),
            reference: None,
            evidence: "Bản sao Giấy khai sinh".into(),
            residence: PlaceInput {
                admin_unit_code: "00004".into(),
                detail: None,
            },
        }
    }

    /// NĐ 123/2015 Điều 24.1: only registrations before 01/01/2016 are registered again.
    #[test]
    fn re_registration_only_before_2016() {
        let today = date_lit!(2026 - 11 - 27);
        let dob = date_lit!(1998 - 05 - 01);
        assert!(check(&input("re_registration", "1998-05-20"), dob, "VN", today).is_ok());
        let e = check(&input("re_registration", "2016-01-01"), dob, "VN", today).unwrap_err();
        assert_eq!(e.code, "re_registration_too_recent");
        let e = check(&input("re_registration", "1998-04-20"), dob, "VN", today).unwrap_err();
        assert_eq!(e.code, "earlier_registration_before_birth");
    }

    /// Luật Hộ tịch 2014, Điều 48: a Vietnamese citizen's birth, registered in another country.
    #[test]
    fn recording_needs_a_foreign_country_and_a_citizen() {
        let today = date_lit!(2026 - 11 - 27);
        let dob = date_lit!(2024 - 05 - 01);
        let mut e = input("abroad", "2024-05-10");
        let err = check(&e, dob, "VN", today).unwrap_err();
        assert_eq!(err.code, "earlier_registration_country_invalid");
        e.country_code = Some("VN".into());
        assert!(check(&e, dob, "VN", today).is_err());
        e.country_code = Some("FR".into());
        assert!(check(&e, dob, "VN", today).is_ok());
        let err = check(&e, dob, "FR", today).unwrap_err();
        assert_eq!(err.code, "recording_not_citizen");
    }
}
