//! An event registered before, entered into the register again — a birth, a marriage or a
//! death: **re-registration** of an event whose book and original papers are lost (đăng ký lại
//! khai sinh, kết hôn, khai tử: Nghị định 123/2015/NĐ-CP, Điều 24–28) and **recording** of an
//! event of a Vietnamese citizen registered by a foreign authority (ghi vào Sổ hộ tịch việc khai
//! sinh, kết hôn, khai tử đã đăng ký ở nước ngoài: Luật Hộ tịch 2014, Điều 48–50; Nghị định
//! 123/2015 Điều 34–35 for a marriage).
//!
//! Each is a declaration of its kind (birth, marriage, death) with an `earlier_registration`:
//! the record is numbered in the book of its kind like any other (a person, a certificate,
//! search), and its content keeps the earlier registration. Rules ([`check`], one for the
//! three events):
//! * re-registration: the earlier registration was made by a Vietnamese authority before
//!   01/01/2016 (NĐ 123/2015 Điều 24.1), not before the birth or the death; at the commune of
//!   the requester's residence or the one that registered it (Điều 25.1); the documents showing
//!   its content are stated (Điều 26–28). A marriage registered again takes effect from the
//!   earlier registration date (Điều 27.3): that date is the record's, and the marriage
//!   conditions are checked on it;
//! * recording: the person concerned is a Vietnamese citizen (for a marriage, at least one
//!   party), the foreign authority and country (not Việt Nam) are named; at the commune of the
//!   requester's residence (LHT Điều 48, a commune since NĐ 120/2025). A birth or a death abroad
//!   has its place in words, no commune code; a marriage abroad is refused when it breached the
//!   conditions of Luật Hôn nhân và gia đình 2014, Điều 5.2 and 8 on the day it was made
//!   (LHT Điều 50).
//!
//! None is a late registration: the time limits of LHT Điều 15 and 33 do not apply.

use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::ToSchema;

use time::macros::date as date_lit;
use tuphap_core::civil::{AuthorityBasis, CivilEvent, UnitRef};
use tuphap_core::dates::{format_vn, parse_date};
use tuphap_core::reference as refdata;
use tuphap_core::text::VnText;

use super::{PlaceInput, date, invalid, unit_on};
use crate::error::Result;

/// NĐ 123/2015 Điều 24.1: only registrations made before this day can be registered again.
pub const RE_REGISTRATION_BEFORE: Date = date_lit!(2016 - 01 - 01);

/// The registration a birth, marriage or death declaration enters again.
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
    /// The documents showing its content: a copy of the certificate, a school record…; or the
    /// foreign certificate (legalised, translated).
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

/// The Vietnamese name of the event in a procedure's name: "khai sinh", "kết hôn", "khai tử".
pub fn event_word(event: CivilEvent) -> &'static str {
    match event {
        CivilEvent::Marriage => "kết hôn",
        CivilEvent::Death => "khai tử",
        _ => "khai sinh",
    }
}

/// The Vietnamese name of the procedure, for a form's heading and a record's page.
pub fn earlier_registration_label(event: CivilEvent, kind: &str) -> &'static str {
    match (event, kind) {
        (CivilEvent::Marriage, "abroad") => "Ghi vào sổ việc kết hôn đã đăng ký ở nước ngoài",
        (CivilEvent::Marriage, "re_registration") => "Đăng ký lại kết hôn",
        (CivilEvent::Marriage, _) => "Đăng ký kết hôn",
        (CivilEvent::Death, "abroad") => "Ghi vào sổ việc khai tử đã đăng ký ở nước ngoài",
        (CivilEvent::Death, "re_registration") => "Đăng ký lại khai tử",
        (CivilEvent::Death, _) => "Đăng ký khai tử",
        (_, "abroad") => "Ghi vào sổ việc khai sinh đã đăng ký ở nước ngoài",
        (_, "re_registration") => "Đăng ký lại khai sinh",
        _ => "Đăng ký khai sinh",
    }
}

/// What an earlier registration is checked against, besides itself.
pub(crate) struct Recorded<'a> {
    pub event: CivilEvent,
    /// It cannot have been registered before this day: the birth, the death (a marriage's
    /// dates are the marriage rules' business).
    pub not_before: Option<Date>,
    /// Abroad: the person concerned is a Vietnamese citizen (for a marriage, a party is), and
    /// the field that says so.
    pub citizen: bool,
    pub citizen_field: &'a str,
}

/// The earlier registration checked for its event `r` on `today` (the one check of the three
/// events); returns the places that decide the competent office.
pub(crate) fn check(
    e: &EarlierRegistrationInput,
    r: &Recorded<'_>,
    today: Date,
) -> Result<AuthorityBasis> {
    let f = |s: &str| format!("earlier_registration.{s}");
    let what = event_word(r.event);
    if !matches!(e.kind.as_str(), "re_registration" | "abroad") {
        return Err(invalid(
            "earlier_registration_kind_invalid",
            &f("kind"),
            format!(
                "Loại việc phải là đăng ký lại {what} (re_registration) hoặc ghi vào sổ việc {what} đã đăng ký ở nước ngoài (abroad)."
            ),
        ));
    }
    let evidence = format!("giấy tờ chứng minh nội dung {what}");
    for (field, value, label) in [
        ("authority", &e.authority, "cơ quan đã đăng ký"),
        ("evidence", &e.evidence, evidence.as_str()),
    ] {
        if VnText::new(value).as_str().is_empty() {
            return Err(invalid(
                "earlier_registration_field_required",
                &f(field),
                format!("Ghi {label}."),
            ));
        }
    }
    let on = date(&e.registered_on, &f("registered_on"), today)?;
    if let Some(floor) = r.not_before
        && on < floor
    {
        let (code, day) = match r.event {
            CivilEvent::Death => ("earlier_registration_before_death", "ngày chết"),
            _ => ("earlier_registration_before_birth", "ngày sinh"),
        };
        return Err(invalid(
            code,
            &f("registered_on"),
            format!(
                "Ngày đăng ký trước đây {} trước {day} {}.",
                format_vn(on),
                format_vn(floor)
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
                    format!("Chọn nước nơi đã đăng ký {what} (không phải Việt Nam)."),
                ));
            }
        }
        if !r.citizen {
            return Err(invalid(
                "recording_not_citizen",
                r.citizen_field,
                format!(
                    "Chỉ ghi vào Sổ hộ tịch việc {what} của công dân Việt Nam (Luật Hộ tịch 2014, Điều 48)."
                ),
            ));
        }
        return Ok(AuthorityBasis::Recording {
            event: r.event,
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
                "Chỉ đăng ký lại việc {what} đã đăng ký trước ngày 01/01/2016 (Nghị định 123/2015/NĐ-CP, Điều 24); việc đăng ký ngày {} còn trong Cơ sở dữ liệu hộ tịch điện tử: hãy tìm hồ sơ đó hoặc cấp bản sao trích lục.",
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
    Ok(AuthorityBasis::Recording {
        event: r.event,
        residence: Some(UnitRef::new(&residence, today)),
        earlier_registration: earlier,
        abroad: false,
    })
}

/// The earlier registration's date, when it parses (the record's date for a marriage
/// registered again or abroad: NĐ 123/2015 Điều 27.3).
pub fn registered_on(e: &EarlierRegistrationInput) -> Option<Date> {
    parse_date(&e.registered_on).ok()
}

/// The earlier registration's date as shown (dd/mm/yyyy).
pub fn registered_on_text(e: &EarlierRegistrationInput) -> String {
    parse_date(&e.registered_on)
        .map(format_vn)
        .unwrap_or_else(|_| e.registered_on.clone())
}

/// The line a certificate or an extract carries for an event registered before ("Ghi chú").
pub fn earlier_registration_note(event: CivilEvent, e: &EarlierRegistrationInput) -> String {
    let what = event_word(event);
    let reference = e
        .reference
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(|r| format!(" ({r})"))
        .unwrap_or_default();
    let on = registered_on_text(e);
    let authority = e.authority.trim();
    if e.abroad() {
        let country = e
            .country_code
            .as_deref()
            .and_then(|c| refdata::country(c.trim()))
            .map(|c| format!(", {}", c.name_vi))
            .unwrap_or_default();
        format!(
            "Ghi vào Sổ hộ tịch việc {what} đã đăng ký ngày {on} tại {authority}{country}{reference} (Luật Hộ tịch 2014, Điều 48)."
        )
    } else {
        match event {
            CivilEvent::Marriage => format!(
                "Đăng ký lại; đã đăng ký kết hôn ngày {on} tại {authority}{reference}; quan hệ hôn nhân được công nhận kể từ ngày đó (Nghị định 123/2015/NĐ-CP, Điều 27)."
            ),
            CivilEvent::Death => format!(
                "Đăng ký lại; đã đăng ký khai tử ngày {on} tại {authority}{reference} (Nghị định 123/2015/NĐ-CP, Điều 28)."
            ),
            _ => format!(
                "Đăng ký lại; đã đăng ký khai sinh ngày {on} tại {authority}{reference} (Nghị định 123/2015/NĐ-CP, Điều 26)."
            ),
        }
    }
}

/// A place of birth or death abroad: no commune code, the place in words (`field` is the
/// place's field: `child.place_of_birth`, `place_of_death`).
pub(crate) fn place_abroad(p: &PlaceInput, field: &str) -> Result<()> {
    let (what, code) = if field == "place_of_death" {
        (
            "nơi chết",
            "Người chết ở nước ngoài: để trống mã xã, ghi nơi chết (thành phố, nước) ở ô chi tiết.",
        )
    } else {
        (
            "nơi sinh",
            "Trẻ sinh ở nước ngoài: để trống mã xã, ghi nơi sinh (thành phố, nước) ở ô chi tiết.",
        )
    };
    if !p.admin_unit_code.trim().is_empty() {
        return Err(invalid(
            "recording_place_in_vietnam",
            &format!("{field}.admin_unit_code"),
            code,
        ));
    }
    if p.detail.as_deref().is_none_or(|d| d.trim().is_empty()) {
        return Err(invalid(
            "recording_place_required",
            &format!("{field}.detail"),
            format!("Ghi {what} ở nước ngoài (thành phố, nước)."),
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

    fn birth(dob: Date, nationality: &str) -> Recorded<'static> {
        Recorded {
            event: CivilEvent::Birth,
            not_before: Some(dob),
            citizen: nationality == "VN",
            citizen_field: "child.nationality_code",
        }
    }

    /// NĐ 123/2015 Điều 24.1: only registrations before 01/01/2016 are registered again.
    #[test]
    fn re_registration_only_before_2016() {
        let today = date_lit!(2026 - 11 - 27);
        let dob = date_lit!(1998 - 05 - 01);
        let b = birth(dob, "VN");
        assert!(check(&input("re_registration", "1998-05-20"), &b, today).is_ok());
        let e = check(&input("re_registration", "2016-01-01"), &b, today).unwrap_err();
        assert_eq!(e.code, "re_registration_too_recent");
        let e = check(&input("re_registration", "1998-04-20"), &b, today).unwrap_err();
        assert_eq!(e.code, "earlier_registration_before_birth");
    }

    /// Luật Hộ tịch 2014, Điều 48: a Vietnamese citizen's birth, registered in another country.
    #[test]
    fn recording_needs_a_foreign_country_and_a_citizen() {
        let today = date_lit!(2026 - 11 - 27);
        let dob = date_lit!(2024 - 05 - 01);
        let mut e = input("abroad", "2024-05-10");
        let err = check(&e, &birth(dob, "VN"), today).unwrap_err();
        assert_eq!(err.code, "earlier_registration_country_invalid");
        e.country_code = Some("VN".into());
        assert!(check(&e, &birth(dob, "VN"), today).is_err());
        e.country_code = Some("FR".into());
        assert!(check(&e, &birth(dob, "VN"), today).is_ok());
        let err = check(&e, &birth(dob, "FR"), today).unwrap_err();
        assert_eq!(err.code, "recording_not_citizen");
    }

    /// Nghị định 123/2015/NĐ-CP, Điều 24 and 27: a marriage registered before 01/01/2016 is
    /// registered again at the requester's residence or the commune that registered it
    /// (Điều 25); the note says it counts from the earlier date (Điều 27.3).
    #[test]
    fn marriage_re_registration() {
        let today = date_lit!(2026 - 11 - 27);
        let m = Recorded {
            event: CivilEvent::Marriage,
            not_before: None,
            citizen: true,
            citizen_field: "wife.nationality_code",
        };
        let basis = check(&input("re_registration", "1995-06-10"), &m, today).unwrap();
        assert_eq!(basis.event(), CivilEvent::Marriage);
        let err = check(&input("re_registration", "2017-06-10"), &m, today).unwrap_err();
        assert_eq!(err.code, "re_registration_too_recent");
        assert!(err.message.contains("việc kết hôn"));
        let note = earlier_registration_note(
            CivilEvent::Marriage,
            &input("re_registration", "1995-06-10"),
        );
        assert!(note.contains("đăng ký kết hôn ngày 10/06/1995"), "{note}");
        assert!(note.contains("Điều 27"), "{note}");
    }

    /// Luật Hộ tịch 2014, Điều 48: a Vietnamese citizen's death registered abroad — not before
    /// the death, in a foreign country, of a citizen; Nghị định 123/2015, Điều 28 for one
    /// registered again.
    #[test]
    fn death_recorded() {
        let today = date_lit!(2026 - 11 - 27);
        let d = |citizen| Recorded {
            event: CivilEvent::Death,
            not_before: Some(date_lit!(2025 - 03 - 01)),
            citizen,
            citizen_field: "deceased.nationality_code",
        };
        let mut e = input("abroad", "2025-03-05");
        e.country_code = Some("JP".into());
        assert_eq!(
            check(&e, &d(true), today).unwrap().event(),
            CivilEvent::Death
        );
        assert_eq!(
            check(&e, &d(false), today).unwrap_err().code,
            "recording_not_citizen"
        );
        e.registered_on = "2025-02-20".into();
        assert_eq!(
            check(&e, &d(true), today).unwrap_err().code,
            "earlier_registration_before_death"
        );
        let note =
            earlier_registration_note(CivilEvent::Death, &input("re_registration", "1990-01-02"));
        assert!(note.contains("khai tử ngày 02/01/1990"), "{note}");
    }

    /// A place of death abroad is in words, without a commune code (LHT Điều 48).
    #[test]
    fn place_of_death_abroad() {
        let p = |code: &str, detail: Option<&str>| PlaceInput {
            admin_unit_code: code.into(),
            detail: detail.map(Into::into),
        };
        assert!(place_abroad(&p("", Some("Osaka, Nhật Bản")), "place_of_death").is_ok());
        let e = place_abroad(&p("00004", Some("Osaka")), "place_of_death").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("place_of_death.admin_unit_code"));
        let e = place_abroad(&p("", None), "place_of_death").unwrap_err();
        assert_eq!(e.code, "recording_place_required");
    }
}
