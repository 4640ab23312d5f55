//! The competent registering office (cơ quan đăng ký hộ tịch) for births, deaths, marriages and
//! marital-status certificates,
//! before and after the two-tier reform of 1 July 2025 (`civil-status-forms.md` §0.1).
//!
//! | event | residence rule | before 2025-07-01 | from 2025-07-01 |
//! | --- | --- | --- | --- |
//! | birth | residence of the father or the mother | UBND cấp xã (LHT Đ.13); with a foreign element UBND cấp huyện (LHT Đ.35) | UBND cấp xã for both (NĐ 120/2025 Đ.4) |
//! | death | last residence of the deceased; if unknown, the place of death or where the body was found | xã (LHT Đ.32); huyện (LHT Đ.51) | xã |
//! | marriage | residence of either party | xã (LHT Đ.17.1); huyện, residence of the Vietnamese citizen (LHT Đ.37) | xã |
//! | marital-status certificate | residence of the applicant | xã (NĐ 123/2015 Đ.21; callers pass no foreign element) | xã |
//!
//! Units are given as a code plus the date the code refers to (a record keeps the codes valid on
//! its own date). Before the reform the code must still denote a unit on the registration date.
//! From the reform the result is always a commune of the 2-tier structure: an old (3-tier) code
//! is mapped to the new commune(s) it went into ([`successors_of`]); a partial succession gives
//! several candidates, among which the street address decides.

use serde::{Deserialize, Serialize};
use time::Date;

use super::CivilEvent;
use crate::dates::{VnDate, iso_date};
use crate::error::Coded;
use crate::reference::{
    AdminLevel, AdminUnitVersion, DATE_REFORM, Relation, successors_of, unit_on, units_valid_on,
};

/// An administrative-unit code and the date it refers to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UnitRef {
    pub code: String,
    #[serde(with = "iso_date")]
    pub as_of: Date,
}

impl UnitRef {
    pub fn new(code: impl Into<String>, as_of: Date) -> UnitRef {
        UnitRef {
            code: code.into(),
            as_of,
        }
    }
}

/// The places that decide competence, per event (residences in Vietnam; `None` when unknown or
/// abroad).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum AuthorityBasis {
    /// Luật Hộ tịch 2014, Điều 13 and 35: residence of the father or the mother.
    Birth {
        #[serde(default)]
        mother_residence: Option<UnitRef>,
        #[serde(default)]
        father_residence: Option<UnitRef>,
    },
    /// Luật Hộ tịch 2014, Điều 32 and 51: last residence; if it cannot be determined, the place
    /// of death (or where the body was found).
    Death {
        #[serde(default)]
        last_residence: Option<UnitRef>,
        #[serde(default)]
        place_of_death: Option<UnitRef>,
    },
    /// Luật Hộ tịch 2014, Điều 17.1 and 37: residence of either party (with a foreign element,
    /// of the Vietnamese citizen: give only the residences in Vietnam).
    Marriage {
        #[serde(default)]
        first_residence: Option<UnitRef>,
        #[serde(default)]
        second_residence: Option<UnitRef>,
    },
    /// Nghị định 123/2015/NĐ-CP, Điều 21: the commune of the applicant's residence (permanent,
    /// else temporary).
    MaritalStatus {
        #[serde(default)]
        residence: Option<UnitRef>,
    },
    /// A birth, marriage or death registered before and recorded again: re-registration of a
    /// lost record (Nghị định 123/2015/NĐ-CP, Điều 25: the requester's residence or the commune
    /// that registered it) or an event registered abroad (Luật Hộ tịch 2014, Điều 48: the
    /// requester's residence; for a marriage, the Vietnamese citizen's).
    Recording {
        /// The event recorded (`recorded_event`: the enum's tag is `event`).
        #[serde(rename = "recorded_event")]
        event: CivilEvent,
        #[serde(default)]
        residence: Option<UnitRef>,
        /// Re-registration only: the commune that registered it (code valid on that date).
        #[serde(default)]
        earlier_registration: Option<UnitRef>,
        /// Registered by a foreign authority.
        #[serde(default)]
        abroad: bool,
    },
    /// Luật Hộ tịch 2014, Điều 19: the residence of the ward or of the guardian.
    Guardianship {
        #[serde(default)]
        ward_residence: Option<UnitRef>,
        #[serde(default)]
        guardian_residence: Option<UnitRef>,
    },
}

impl AuthorityBasis {
    pub fn event(&self) -> CivilEvent {
        match self {
            AuthorityBasis::Birth { .. } => CivilEvent::Birth,
            AuthorityBasis::Death { .. } => CivilEvent::Death,
            AuthorityBasis::Marriage { .. } => CivilEvent::Marriage,
            AuthorityBasis::MaritalStatus { .. } => CivilEvent::MaritalStatus,
            AuthorityBasis::Guardianship { .. } => CivilEvent::Guardianship,
            AuthorityBasis::Recording { event, .. } => *event,
        }
    }

    /// The places that count, with their role, in order of preference.
    fn places(&self) -> Vec<(PlaceRole, &UnitRef)> {
        let mut out = Vec::new();
        match self {
            AuthorityBasis::Birth {
                mother_residence,
                father_residence,
            } => {
                out.extend(
                    mother_residence
                        .iter()
                        .map(|u| (PlaceRole::MotherResidence, u)),
                );
                out.extend(
                    father_residence
                        .iter()
                        .map(|u| (PlaceRole::FatherResidence, u)),
                );
            }
            AuthorityBasis::Death {
                last_residence,
                place_of_death,
            } => match (last_residence, place_of_death) {
                (Some(u), _) => out.push((PlaceRole::LastResidence, u)),
                (None, Some(u)) => out.push((PlaceRole::PlaceOfDeath, u)),
                (None, None) => {}
            },
            AuthorityBasis::Marriage {
                first_residence,
                second_residence,
            } => {
                out.extend(
                    first_residence
                        .iter()
                        .map(|u| (PlaceRole::FirstPartyResidence, u)),
                );
                out.extend(
                    second_residence
                        .iter()
                        .map(|u| (PlaceRole::SecondPartyResidence, u)),
                );
            }
            AuthorityBasis::MaritalStatus { residence } => {
                out.extend(
                    residence
                        .iter()
                        .map(|u| (PlaceRole::FirstPartyResidence, u)),
                );
            }
            AuthorityBasis::Recording {
                residence,
                earlier_registration,
                ..
            } => {
                out.extend(residence.iter().map(|u| (PlaceRole::RequesterResidence, u)));
                out.extend(
                    earlier_registration
                        .iter()
                        .map(|u| (PlaceRole::EarlierRegistration, u)),
                );
            }
            AuthorityBasis::Guardianship {
                ward_residence,
                guardian_residence,
            } => {
                out.extend(ward_residence.iter().map(|u| (PlaceRole::WardResidence, u)));
                out.extend(
                    guardian_residence
                        .iter()
                        .map(|u| (PlaceRole::GuardianResidence, u)),
                );
            }
        }
        out
    }
}

/// What a candidate office is based on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceRole {
    MotherResidence,
    FatherResidence,
    LastResidence,
    PlaceOfDeath,
    FirstPartyResidence,
    SecondPartyResidence,
    WardResidence,
    GuardianResidence,
    RequesterResidence,
    EarlierRegistration,
}

/// The question: which office may register this event?
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorityQuery {
    #[serde(with = "iso_date")]
    pub registration_date: Date,
    /// Yếu tố nước ngoài (Luật Hộ tịch 2014, Điều 7 khoản 2; Chương III).
    #[serde(default)]
    pub foreign_element: bool,
    pub basis: AuthorityBasis,
}

/// An office that may register: the People's Committee (UBND) of this unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthorityCandidate {
    /// Unit code valid on the registration date.
    pub code: String,
    /// Its full name on the registration date, e.g. `Phường Ba Đình`.
    pub full_name: String,
    pub level: AdminLevel,
    /// The places that lead to it (e.g. both parents live there).
    pub based_on: Vec<PlaceRole>,
    /// Reached through the 2025 succession of an older code.
    pub via_succession: bool,
    /// Only part of the old unit went into this one: check the street address.
    pub partial: bool,
}

/// The answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CompetentAuthority {
    pub event: CivilEvent,
    /// The registration date falls in the 2-tier structure (from 2025-07-01).
    pub two_tier: bool,
    /// The level the rule designates (commune, or district for a foreign element before the
    /// reform). A candidate may differ: island districts without communes registered themselves.
    pub level: AdminLevel,
    /// Any of them may register, in the order of the places given.
    pub candidates: Vec<AuthorityCandidate>,
    /// The legal basis, e.g. `Luật Hộ tịch 2014, Điều 13`.
    pub legal_basis: &'static str,
}

/// Competence that cannot be decided from the data given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AuthorityError {
    /// No residence (or place of death) in Vietnam was given.
    #[error("no place in Vietnam determines the competent office")]
    NoPlace {
        event: CivilEvent,
        #[serde(with = "iso_date")]
        registration_date: Date,
    },
    /// The code denotes no unit on the date it refers to.
    #[error("no administrative unit {code} on {as_of}")]
    UnknownUnit {
        code: String,
        #[serde(with = "iso_date")]
        as_of: Date,
    },
    /// A province code where a commune is needed.
    #[error("{code} is a province; a commune is needed")]
    UnitTooCoarse { code: String },
    /// The unit no longer (or not yet) exists on the registration date.
    #[error("unit {code} (as of {as_of}) does not exist on {registration_date}")]
    UnitNotCurrent {
        code: String,
        #[serde(with = "iso_date")]
        as_of: Date,
        #[serde(with = "iso_date")]
        registration_date: Date,
    },
    /// An old unit with no recorded successor in the 2-tier structure.
    #[error("unit {code} has no successor in the 2025 structure")]
    NoSuccessor { code: String },
}

impl Coded for AuthorityError {
    fn code(&self) -> &'static str {
        match self {
            AuthorityError::NoPlace { .. } => "civil_authority_no_place",
            AuthorityError::UnknownUnit { .. } => "civil_authority_unit_unknown",
            AuthorityError::UnitTooCoarse { .. } => "civil_authority_unit_too_coarse",
            AuthorityError::UnitNotCurrent { .. } => "civil_authority_unit_not_current",
            AuthorityError::NoSuccessor { .. } => "civil_authority_no_successor",
        }
    }

    fn message_vi(&self) -> String {
        match self {
            AuthorityError::NoPlace {
                event,
                registration_date,
            } => {
                let place = match event {
                    CivilEvent::Birth => "nơi cư trú của cha hoặc mẹ",
                    CivilEvent::Death => "nơi cư trú cuối cùng hoặc nơi chết của người chết",
                    CivilEvent::Marriage => "nơi cư trú của một trong hai bên",
                    CivilEvent::MaritalStatus => "nơi cư trú của người yêu cầu",
                    CivilEvent::Guardianship => {
                        "nơi cư trú của người được giám hộ hoặc người giám hộ"
                    }
                };
                let mut m = format!(
                    "Không xác định được cơ quan đăng ký {}: chưa có {place} tại Việt Nam.",
                    event.name_vi()
                );
                if *registration_date >= DATE_REFORM {
                    m.push_str(
                        " Trường hợp không xác định được Ủy ban nhân dân cấp xã có thẩm quyền, Sở \
                         Tư pháp tiếp nhận hồ sơ và báo cáo Chủ tịch Ủy ban nhân dân cấp tỉnh giao \
                         một xã giải quyết (Nghị định 120/2025/NĐ-CP).",
                    );
                }
                m
            }
            AuthorityError::UnknownUnit { code, as_of } => format!(
                "Không có đơn vị hành chính mã {code} vào ngày {}.",
                VnDate(*as_of)
            ),
            AuthorityError::UnitTooCoarse { code } => format!(
                "Mã {code} là đơn vị cấp tỉnh; cần mã xã, phường, thị trấn hoặc đặc khu nơi cư trú."
            ),
            AuthorityError::UnitNotCurrent {
                code,
                as_of,
                registration_date,
            } => format!(
                "Đơn vị hành chính mã {code} (theo ngày {}) không còn tồn tại vào ngày đăng ký {}; \
                 nhập nơi cư trú theo đơn vị hành chính hiện hành.",
                VnDate(*as_of),
                VnDate(*registration_date)
            ),
            AuthorityError::NoSuccessor { code } => format!(
                "Không tìm thấy đơn vị hành chính kế thừa đơn vị mã {code} sau ngày 01/07/2025; \
                 nhập nơi cư trú theo đơn vị hành chính hiện hành."
            ),
        }
    }
}

fn legal_basis(event: CivilEvent, foreign: bool, two_tier: bool) -> &'static str {
    match (event, foreign, two_tier) {
        (CivilEvent::Birth, false, false) => "Luật Hộ tịch 2014, Điều 13",
        (CivilEvent::Birth, true, false) => "Luật Hộ tịch 2014, Điều 35",
        (CivilEvent::Birth, false, true) => "Luật Hộ tịch 2014, Điều 13",
        (CivilEvent::Birth, true, true) => {
            "Luật Hộ tịch 2014, Điều 35; Nghị định 120/2025/NĐ-CP, Điều 4"
        }
        (CivilEvent::Death, false, false) => "Luật Hộ tịch 2014, Điều 32",
        (CivilEvent::Death, true, false) => "Luật Hộ tịch 2014, Điều 51",
        (CivilEvent::Death, false, true) => "Luật Hộ tịch 2014, Điều 32",
        (CivilEvent::Death, true, true) => {
            "Luật Hộ tịch 2014, Điều 51; Nghị định 120/2025/NĐ-CP, Điều 4"
        }
        (CivilEvent::Marriage, false, false) => "Luật Hộ tịch 2014, Điều 17 khoản 1",
        (CivilEvent::Marriage, true, false) => "Luật Hộ tịch 2014, Điều 37",
        (CivilEvent::Marriage, false, true) => "Luật Hộ tịch 2014, Điều 17 khoản 1",
        (CivilEvent::Marriage, true, true) => {
            "Luật Hộ tịch 2014, Điều 37; Nghị định 120/2025/NĐ-CP, Điều 4"
        }
        (CivilEvent::MaritalStatus, _, _) => "Nghị định 123/2015/NĐ-CP, Điều 21",
        (CivilEvent::Guardianship, false, _) => "Luật Hộ tịch 2014, Điều 19",
        (CivilEvent::Guardianship, true, false) => "Luật Hộ tịch 2014, Điều 39",
        (CivilEvent::Guardianship, true, true) => {
            "Luật Hộ tịch 2014, Điều 39; Nghị định 120/2025/NĐ-CP, Điều 4"
        }
    }
}

/// A resolved office before merging duplicates.
struct Resolved {
    version: &'static AdminUnitVersion,
    via_succession: bool,
    partial: bool,
}

/// Whether a district has communes on `date` (the 5 island districts had none).
fn district_has_communes(code: &str, date: Date) -> bool {
    units_valid_on(date)
        .any(|u| u.level == AdminLevel::Commune && u.parent_code.as_deref() == Some(code))
}

/// The offices a place leads to.
fn resolve(place: &UnitRef, reg: Date, foreign: bool) -> Result<Vec<Resolved>, AuthorityError> {
    let unknown = || AuthorityError::UnknownUnit {
        code: place.code.clone(),
        as_of: place.as_of,
    };
    let not_current = || AuthorityError::UnitNotCurrent {
        code: place.code.clone(),
        as_of: place.as_of,
        registration_date: reg,
    };
    let v = unit_on(place.code.trim(), place.as_of).ok_or_else(unknown)?;
    if v.level == AdminLevel::Province {
        return Err(AuthorityError::UnitTooCoarse {
            code: v.code.clone(),
        });
    }
    let three_tier_unit = v.valid_to.is_some_and(|t| t <= DATE_REFORM);

    if reg < DATE_REFORM {
        // Codes were reused by the reform (`00097` was Phường Tứ Liên, is Phường Hồng Hà): a code
        // of the 2-tier structure never denotes a unit before it.
        if !three_tier_unit {
            return Err(not_current());
        }
        let current = unit_on(&v.code, reg)
            .filter(|c| c.level == v.level)
            .ok_or_else(not_current)?;
        let version = match (current.level, foreign) {
            (AdminLevel::Commune, false) => current,
            (AdminLevel::Commune, true) => current
                .parent_code
                .as_deref()
                .and_then(|p| unit_on(p, reg))
                .filter(|p| p.level == AdminLevel::District)
                .ok_or_else(not_current)?,
            (AdminLevel::District, true) => current,
            (AdminLevel::District, false) => {
                // Only districts without communes (islands) register domestic events themselves.
                if district_has_communes(&current.code, reg) {
                    return Err(AuthorityError::UnitTooCoarse {
                        code: current.code.clone(),
                    });
                }
                current
            }
            (AdminLevel::Province, _) => {
                return Err(AuthorityError::UnitTooCoarse {
                    code: current.code.clone(),
                });
            }
        };
        return Ok(vec![Resolved {
            version,
            via_succession: false,
            partial: false,
        }]);
    }

    if !three_tier_unit {
        // A unit of the 2-tier structure: it must still exist on the registration date.
        let current = unit_on(&v.code, reg)
            .filter(|c| c.level == AdminLevel::Commune)
            .ok_or_else(not_current)?;
        return Ok(vec![Resolved {
            version: current,
            via_succession: false,
            partial: false,
        }]);
    }

    let successors: Vec<_> = successors_of(&v.code, v.level)
        .into_iter()
        .filter(|s| s.new_level == AdminLevel::Commune)
        .collect();
    if successors.is_empty() {
        return Err(AuthorityError::NoSuccessor {
            code: v.code.clone(),
        });
    }
    successors
        .into_iter()
        .map(|s| {
            let version = unit_on(&s.new_code, reg)
                .filter(|c| c.level == AdminLevel::Commune)
                .ok_or_else(|| AuthorityError::UnitNotCurrent {
                    code: s.new_code.clone(),
                    as_of: s.effective,
                    registration_date: reg,
                })?;
            Ok(Resolved {
                version,
                via_succession: true,
                partial: s.relation == Relation::Partial,
            })
        })
        .collect()
}

/// Decides which offices may register the event (see the module docs for the rules and the
/// legal basis). Every place given must resolve; the candidates are the union, in the order of
/// the places (mother before father, first party before second), without duplicates.
///
/// Not modelled: citizens living abroad (the diplomatic missions, Luật Hộ tịch 2014, Điều 53),
/// border-area events with nationals of a neighbouring country (commune level, Điều 7 khoản 1
/// điểm d: pass `foreign_element = false`), and the Sở Tư pháp's routing when no commune can be
/// determined after the reform (reported as `civil_authority_no_place`, whose message says so).
pub fn competent_authority(q: &AuthorityQuery) -> Result<CompetentAuthority, AuthorityError> {
    let event = q.basis.event();
    let reg = q.registration_date;
    let two_tier = reg >= DATE_REFORM;
    let places = q.basis.places();
    if places.is_empty() {
        return Err(AuthorityError::NoPlace {
            event,
            registration_date: reg,
        });
    }
    let mut candidates: Vec<AuthorityCandidate> = Vec::new();
    for (role, place) in places {
        for r in resolve(place, reg, q.foreign_element)? {
            match candidates.iter_mut().find(|c| c.code == r.version.code) {
                Some(c) => {
                    if !c.based_on.contains(&role) {
                        c.based_on.push(role);
                    }
                    c.partial &= r.partial;
                    c.via_succession &= r.via_succession;
                }
                None => candidates.push(AuthorityCandidate {
                    code: r.version.code.clone(),
                    full_name: r.version.full_name.clone(),
                    level: r.version.level,
                    based_on: vec![role],
                    via_succession: r.via_succession,
                    partial: r.partial,
                }),
            }
        }
    }
    let level = if q.foreign_element && !two_tier {
        AdminLevel::District
    } else {
        AdminLevel::Commune
    };
    Ok(CompetentAuthority {
        event,
        two_tier,
        level,
        candidates,
        legal_basis: match q.basis {
            AuthorityBasis::Recording { abroad: false, .. } => "Nghị định 123/2015/NĐ-CP, Điều 25",
            AuthorityBasis::Recording { abroad: true, .. } if two_tier => {
                "Luật Hộ tịch 2014, Điều 48; Nghị định 120/2025/NĐ-CP, Điều 4"
            }
            AuthorityBasis::Recording { abroad: true, .. } => "Luật Hộ tịch 2014, Điều 48",
            _ => legal_basis(event, q.foreign_element, two_tier),
        },
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::text::nfc;
    use time::macros::date;

    const PRE: Date = date!(2025 - 03 - 10);
    const POST: Date = date!(2026 - 03 - 10);

    fn birth(mother: Option<UnitRef>, father: Option<UnitRef>) -> AuthorityBasis {
        AuthorityBasis::Birth {
            mother_residence: mother,
            father_residence: father,
        }
    }

    fn query(reg: Date, foreign: bool, basis: AuthorityBasis) -> AuthorityQuery {
        AuthorityQuery {
            registration_date: reg,
            foreign_element: foreign,
            basis,
        }
    }

    fn codes(a: &CompetentAuthority) -> Vec<&str> {
        a.candidates.iter().map(|c| c.code.as_str()).collect()
    }

    /// Luật Hộ tịch 2014, Điều 13 (before 2025-07-01): UBND cấp xã of the mother's or father's
    /// residence.
    #[test]
    fn lht_13_birth_commune_before_reform() {
        let a = competent_authority(&query(
            PRE,
            false,
            birth(
                Some(UnitRef::new("00004", date!(2024 - 05 - 01))),
                Some(UnitRef::new("00001", PRE)),
            ),
        ))
        .unwrap();
        assert!(!a.two_tier);
        assert_eq!(a.level, AdminLevel::Commune);
        assert_eq!(codes(&a), ["00004", "00001"]);
        assert_eq!(a.candidates[0].full_name, "Phường Trúc Bạch");
        assert_eq!(a.candidates[0].based_on, [PlaceRole::MotherResidence]);
        assert_eq!(a.legal_basis, "Luật Hộ tịch 2014, Điều 13");
    }

    /// Luật Hộ tịch 2014, Điều 35 (before 2025-07-01): with a foreign element, UBND cấp huyện.
    #[test]
    fn lht_35_birth_foreign_element_district_before_reform() {
        let a = competent_authority(&query(
            PRE,
            true,
            birth(
                Some(UnitRef::new("00004", PRE)),
                Some(UnitRef::new("00001", PRE)),
            ),
        ))
        .unwrap();
        assert_eq!(a.level, AdminLevel::District);
        // Both parents live in Quận Ba Đình: one candidate, based on both.
        assert_eq!(codes(&a), ["001"]);
        assert_eq!(a.candidates[0].full_name, "Quận Ba Đình");
        assert_eq!(
            a.candidates[0].based_on,
            [PlaceRole::MotherResidence, PlaceRole::FatherResidence]
        );
        assert_eq!(a.legal_basis, "Luật Hộ tịch 2014, Điều 35");
    }

    /// NĐ 120/2025 Đ.4 (from 2025-07-01): the commune registers everything, foreign element
    /// included; old codes lead to their successors.
    #[test]
    fn nd_120_commune_for_everything_after_reform() {
        for foreign in [false, true] {
            let a = competent_authority(&query(
                POST,
                foreign,
                birth(
                    Some(UnitRef::new("00001", date!(2024 - 05 - 01))),
                    Some(UnitRef::new("00004", POST)),
                ),
            ))
            .unwrap();
            assert!(a.two_tier);
            assert_eq!(a.level, AdminLevel::Commune);
            assert_eq!(codes(&a), ["00097", "00004"]);
            assert_eq!(a.candidates[0].full_name, "Phường Hồng Hà");
            assert!(a.candidates[0].via_succession);
            assert!(!a.candidates[0].partial);
            assert_eq!(a.candidates[1].full_name, "Phường Ba Đình");
            assert!(!a.candidates[1].via_succession);
        }
    }

    /// A partial succession gives every new commune the old one went into.
    #[test]
    fn partial_succession_gives_several_candidates() {
        let a = competent_authority(&query(
            POST,
            false,
            AuthorityBasis::Marriage {
                first_residence: Some(UnitRef::new("00007", date!(2023 - 01 - 01))),
                second_residence: None,
            },
        ))
        .unwrap();
        assert_eq!(codes(&a), ["00008", "00025"]);
        assert!(a.candidates.iter().all(|c| c.partial && c.via_succession));
        assert_eq!(a.legal_basis, "Luật Hộ tịch 2014, Điều 17 khoản 1");
    }

    /// Luật Hộ tịch 2014, Điều 32: last residence; the place of death only if it is unknown.
    #[test]
    fn lht_32_death_last_residence_then_place_of_death() {
        let a = competent_authority(&query(
            POST,
            false,
            AuthorityBasis::Death {
                last_residence: Some(UnitRef::new("00004", POST)),
                place_of_death: Some(UnitRef::new("00097", POST)),
            },
        ))
        .unwrap();
        assert_eq!(codes(&a), ["00004"]);
        assert_eq!(a.candidates[0].based_on, [PlaceRole::LastResidence]);
        let a = competent_authority(&query(
            PRE,
            true,
            AuthorityBasis::Death {
                last_residence: None,
                place_of_death: Some(UnitRef::new("00004", PRE)),
            },
        ))
        .unwrap();
        assert_eq!(codes(&a), ["001"]);
        assert_eq!(a.candidates[0].based_on, [PlaceRole::PlaceOfDeath]);
        assert_eq!(a.legal_basis, "Luật Hộ tịch 2014, Điều 51");
    }

    /// Island districts without communes (Côn Đảo) registered domestic events themselves; from
    /// 2025-07-01 their successor is the special zone (đặc khu).
    #[test]
    fn island_district_without_communes() {
        let a = competent_authority(&query(
            PRE,
            false,
            birth(Some(UnitRef::new("755", PRE)), None),
        ))
        .unwrap();
        assert_eq!(codes(&a), ["755"]);
        assert_eq!(a.candidates[0].level, AdminLevel::District);
        let a = competent_authority(&query(
            POST,
            false,
            birth(Some(UnitRef::new("755", PRE)), None),
        ))
        .unwrap();
        assert_eq!(codes(&a), ["26732"]);
        assert_eq!(a.candidates[0].full_name, "Đặc khu Côn Đảo");
        // A district with communes is too coarse for a domestic event.
        let e = competent_authority(&query(
            PRE,
            false,
            birth(Some(UnitRef::new("001", PRE)), None),
        ))
        .unwrap_err();
        assert_eq!(e.code(), "civil_authority_unit_too_coarse");
    }

    #[test]
    fn errors() {
        let e = competent_authority(&query(POST, false, birth(None, None))).unwrap_err();
        assert_eq!(e.code(), "civil_authority_no_place");
        assert!(e.message_vi().contains("Sở Tư pháp"));
        let e = competent_authority(&query(PRE, false, birth(None, None))).unwrap_err();
        assert!(!e.message_vi().contains("Sở Tư pháp"));
        let e = competent_authority(&query(
            POST,
            false,
            birth(Some(UnitRef::new("99999", POST)), None),
        ))
        .unwrap_err();
        assert_eq!(e.code(), "civil_authority_unit_unknown");
        let e = competent_authority(&query(
            POST,
            false,
            birth(Some(UnitRef::new("01", POST)), None),
        ))
        .unwrap_err();
        assert_eq!(e.code(), "civil_authority_unit_too_coarse");
        // Phường Nguyễn Trung Trực was dissolved on 2025-01-01.
        let old = UnitRef::new("00010", date!(2024 - 06 - 01));
        let ok = competent_authority(&query(
            date!(2024 - 12 - 15),
            false,
            birth(Some(old.clone()), None),
        ))
        .unwrap();
        assert_eq!(ok.candidates[0].full_name, "Phường Nguyễn Trung Trực");
        let e =
            competent_authority(&query(PRE, false, birth(Some(old.clone()), None))).unwrap_err();
        assert_eq!(e.code(), "civil_authority_unit_not_current");
        // A 2-tier code for a registration before the reform.
        let e = competent_authority(&query(
            PRE,
            false,
            birth(Some(UnitRef::new("00097", POST)), None),
        ))
        .unwrap_err();
        assert_eq!(e.code(), "civil_authority_unit_not_current");
        for e in [
            AuthorityError::NoPlace {
                event: CivilEvent::Death,
                registration_date: POST,
            },
            AuthorityError::UnknownUnit {
                code: "1".into(),
                as_of: POST,
            },
            AuthorityError::UnitTooCoarse { code: "01".into() },
            AuthorityError::UnitNotCurrent {
                code: "00010".into(),
                as_of: PRE,
                registration_date: POST,
            },
            AuthorityError::NoSuccessor {
                code: "00010".into(),
            },
        ] {
            let m = e.message_vi();
            assert_eq!(m, nfc(&m));
            serde_json::to_value(&e).unwrap();
        }
    }

    #[test]
    fn query_deserialises() {
        let q: AuthorityQuery = serde_json::from_str(
            r#"{"registration_date":"2026-03-10","foreign_element":true,
                "basis":{"event":"marriage","first_residence":{"code":"00004","as_of":"2026-01-01"}}}"#,
        )
        .unwrap();
        let a = competent_authority(&q).unwrap();
        assert_eq!(codes(&a), ["00004"]);
        assert_eq!(a.event, CivilEvent::Marriage);
        assert_eq!(
            a.legal_basis,
            "Luật Hộ tịch 2014, Điều 37; Nghị định 120/2025/NĐ-CP, Điều 4"
        );
        let json = serde_json::to_value(&a).unwrap();
        assert_eq!(
            json["candidates"][0]["based_on"][0],
            "first_party_residence"
        );
    }

    /// Nghị định 123/2015/NĐ-CP, Điều 25 (re-registration: the requester's residence or the
    /// commune that registered it) and Luật Hộ tịch 2014, Điều 48 (an event registered abroad:
    /// the requester's residence), for marriages and deaths as for births.
    #[test]
    fn recording_of_any_event() {
        let basis = |event, abroad: bool| AuthorityBasis::Recording {
            event,
            residence: Some(UnitRef::new("00004", POST)),
            earlier_registration: (!abroad).then(|| UnitRef::new("00001", PRE)),
            abroad,
        };
        let a =
            competent_authority(&query(POST, false, basis(CivilEvent::Marriage, false))).unwrap();
        assert_eq!(a.event, CivilEvent::Marriage);
        assert_eq!(a.legal_basis, "Nghị định 123/2015/NĐ-CP, Điều 25");
        assert_eq!(a.candidates[0].based_on, [PlaceRole::RequesterResidence]);
        let a = competent_authority(&query(POST, false, basis(CivilEvent::Death, true))).unwrap();
        assert_eq!(a.event, CivilEvent::Death);
        assert_eq!(
            a.legal_basis,
            "Luật Hộ tịch 2014, Điều 48; Nghị định 120/2025/NĐ-CP, Điều 4"
        );
        // The enum's tag is `event`: the recorded event is `recorded_event`.
        let json = serde_json::to_value(basis(CivilEvent::Marriage, true)).unwrap();
        assert_eq!(json["event"], "recording");
        assert_eq!(json["recorded_event"], "marriage");
        let back: AuthorityBasis = serde_json::from_value(json).unwrap();
        assert_eq!(back.event(), CivilEvent::Marriage);
    }
}
