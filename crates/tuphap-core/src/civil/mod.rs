//! The pure rules of the civil-status registry (hộ tịch): names, deadlines, marriage conditions,
//! deaths, duplicate scoring, competent authority and register references. No I/O: the domain
//! layer loads what the rules need (a person's registry links, the working calendar, today's
//! date) and calls them.
//!
//! | module | rule | legal source |
//! | --- | --- | --- |
//! | [`name`] | [`PersonName`]: letters of Vietnamese and the ethnic languages, no digits, no word without a letter, surname and given name | BLDS 2015 Đ.26 |
//! | [`timing`] | birth within 60 days, death within 15 days (late is flagged, not refused), date sanity, ages in full years, partial dates | LHT 2014 Đ.15.1, Đ.33.1; BLDS 2015 Đ.147–148 |
//! | [`marriage`] | ages 20/18, already married, deceased, lost capacity, prohibited relationships, same sex | HN&GĐ 2014 Đ.8, Đ.5.2c–d, Đ.3.17–18 |
//! | [`death`] | no second death registration, death not before birth | LHT 2014 Đ.33, Đ.34.2 |
//! | [`duplicate`] | explainable 0–100 duplicate score | — (design) |
//! | [`authority`] | which office (commune / district, unit codes) may register | LHT 2014 Đ.13, 17, 32, 35, 37, 51; NĐ 120/2025 Đ.4 |
//! | [`register`] | `Số: 15, Quyển số: 01/2026`, book kinds | LHT 2014 Đ.58 |
//!
//! Every refusal implements [`Coded`](crate::error::Coded) (stable snake_case code, Vietnamese
//! message); allowed-but-irregular situations (late registration) are [`CivilWarning`]s.
//!
//! # Choices where the sources are silent
//!
//! The spec (`civil-status-forms.md`) marks these points `[?]` or does not settle them; the
//! rules below are choices, to confirm with the Ministry.
//!
//! **Names** ([`name`])
//! * Maximum length: **100** characters after NFC ([`name::NAME_MAX_CHARS`]); no source gives
//!   one.
//! * "Tiếng dân tộc khác của Việt Nam" (BLDS Đ.26.3) is taken as the **Latin-script**
//!   orthographies in use in civil status: any Latin letter (Latin-1, Extended-A/B, Extended
//!   Additional, e.g. Ê Đê `Ƀ`, `Č`, `Ŏ`) and uncomposable combining diacritics after a letter are
//!   accepted; other scripts (Han, Khmer, Cham, Tai scripts…) are refused.
//! * Allowed punctuation: space, hyphen between two letters, apostrophe after a letter
//!   (`H' Hen Niê`, `H'Hen Niê`). Typographic apostrophes and hyphens are normalised to ASCII.
//! * A citizen's name has **at least two words** (họ + tên, BLDS Đ.26.1–2); single-letter words are
//!   fine (`Y Moan Ênuôl`). Foreigners ([`name::NamePolicy::Foreigner`]) may have one word.
//! * Case is stored as entered; there is no rule requiring capitals ([?] in §0.6), the printed
//!   forms use [`PersonName::upper`].
//! * The surname/middle/given split is a Kinh-order heuristic (first word, or a known compound
//!   surname such as `Tôn Thất`; last word) for display and search only; the full name is the
//!   record.
//!
//! **Deadlines** ([`timing`], [`death`])
//! * The periods are counted by BLDS 2015 Đ.147–148 (the Luật Hộ tịch has no counting rule): the
//!   event day is not counted, and a last day that is a weekend or holiday moves to the next
//!   working day ([`crate::calendar::WorkingCalendar`]).
//! * Late registration is never refused: it is flagged (`birth_registration_late`,
//!   `death_registration_late`), because the law imposes no penalty (NĐ 82/2020 Đ.37) and only
//!   loses the fee exemption (LHT Đ.11).
//! * A person declared dead by a court: the 15 days run from the day the decision took effect,
//!   not from the date of death it fixes ([`death::DeathFacts::court_decision_effective`]).
//! * Only the **year** of birth of a deceased person may be known ([`PartialDate`]); "death before
//!   birth" compares with the first day the partial date can denote.
//!
//! **Ages** ([`timing::full_years`])
//! * "Đủ N tuổi" is reached on the N-th birthday itself.
//! * A birthday on **29 February** falls on **28 February** in common years, by analogy with
//!   BLDS 2015 Đ.148.3 (a period whose last month lacks the corresponding day ends on that month's
//!   last day). So a woman born 29/02/2008 may marry from 28/02/2026.
//!
//! **Marriage** ([`marriage`])
//! * The registry checks only what it records: ages, current marriages, death registrations,
//!   court decisions on legal capacity, and the parent and marriage links of [`KinshipView`].
//!   Voluntariness and fake or forced marriage (Đ.8.1b, Đ.5.2a–b) are for the officer's interview.
//! * Age thresholds follow each party's own sex; same sex is refused (`marriage_same_sex`,
//!   Đ.8.2) in addition.
//! * "Có họ trong phạm vi ba đời" (Đ.3.18): a common birth ancestor at most two generations above
//!   each party — siblings (own code `marriage_siblings`, full or half), first cousins, and uncle
//!   or aunt with nephew or niece (`marriage_within_three_generations`). Direct line at any depth
//!   the data show (`marriage_direct_line`).
//! * Blood relations follow birth links only (including recognised parents and surrogacy's
//!   intended parents, BLDS Đ.26.2); adoption forbids only adoptive parent and child, also after
//!   the adoption ended ("người đã từng là cha, mẹ nuôi").
//! * In-law and step relations (cha chồng–con dâu, mẹ vợ–con rể, cha dượng–con riêng của vợ, mẹ
//!   kế–con riêng của chồng) persist after the marriage that created them ended by divorce or
//!   death: "người đã từng là" in Đ.5.2d is read as governing the whole list.
//! * Being already married to each other has its own code
//!   (`marriage_already_married_to_each_other`); a divorced couple may marry again (Đ.9.2).
//!
//! **Duplicates** ([`duplicate`]): weights full name 35, date of birth 25, mother 15, father 10,
//! place of birth 10, sex 5; thresholds probable ≥ 85, possible ≥ 60; fields missing on either
//! side are left out of the score. Details in the module docs.
//!
//! **Competent authority** ([`authority`])
//! * Before 2025-07-01 a unit code must still exist on the registration date (no succession data
//!   exist for the earlier rearrangements); from 2025-07-01 old codes are mapped through the 2025
//!   successions, and a partial succession yields several candidate communes.
//! * Island districts without communes registered domestic events themselves before the reform.
//! * With a foreign element before the reform, the district is the parent of the residence's
//!   commune on the registration date; for a marriage the caller gives only the residences in
//!   Vietnam (LHT Đ.37: the Vietnamese citizen's).
//! * When no place in Vietnam is known, the answer is an error (`civil_authority_no_place`) whose
//!   message points to the Sở Tư pháp routing of NĐ 120/2025 after the reform; missions abroad and
//!   border-area events are not modelled.
//!
//! **Register numbering** ([`register`])
//! * Book numbers are 1–6 digits, normalised to at least two (`1` → `01`); years have four
//!   digits; numbers start at 1. Whether numbering restarts each year per book ([?] §0.5) is the
//!   store's counter's business (key `(office, book kind, year)` as the spec suggests), not checked
//!   here.
//! * The book kinds are the spec's likely list ([?] §0.5): khai sinh, kết hôn, khai tử, giám hộ,
//!   nhận cha mẹ con, thay đổi/cải chính/bổ sung/xác định lại dân tộc, xác nhận tình trạng hôn
//!   nhân, ghi vào sổ việc hộ tịch khác.

pub mod authority;
pub mod death;
pub mod duplicate;
pub mod marital;
pub mod marriage;
pub mod name;
pub mod register;
pub mod timing;

use serde::{Deserialize, Serialize};

pub use authority::{
    AuthorityBasis, AuthorityCandidate, AuthorityError, AuthorityQuery, CompetentAuthority,
    PlaceRole, UnitRef, competent_authority,
};
pub use death::{DeathError, DeathFacts, PriorDeath, check_death};
pub use duplicate::{
    DuplicateField, DuplicateKey, DuplicateLevel, DuplicateScore, FieldComparison, FieldOutcome,
    POSSIBLE_DUPLICATE, PROBABLE_DUPLICATE, duplicate_score, edit_distance,
};
pub use marital::{
    DerivedStatus, MaritalStatus, MarriageEnd, MarriageFact, certificate_valid_until,
    derive_marital_status,
};
pub use marriage::{
    CurrentMarriage, KinshipView, MarriageApplication, MarriageParty, MarriageRefusal, ParentKind,
    ParentLink, Party, PersonKey, ProhibitedRelation, SpouseLink, check_marriage,
};
pub use name::{NameError, NameParts, NamePolicy, PersonName};
pub use register::{RegisterBookKind, RegisterRef, RegisterRefError, UnknownBookKind};
pub use timing::{
    BIRTH_REGISTRATION_DAYS, CivilDateError, CivilWarning, DEATH_REGISTRATION_DAYS, PartialDate,
    PartialDateError, Timeliness, check_birth_registration, check_event_dates, full_years,
};

/// A civil-status event with its own registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CivilEvent {
    /// Khai sinh.
    Birth,
    /// Khai tử.
    Death,
    /// Kết hôn.
    Marriage,
    /// Xác nhận tình trạng hôn nhân.
    MaritalStatus,
    /// Giám hộ (its registration, change and end).
    Guardianship,
}

impl CivilEvent {
    pub const ALL: [CivilEvent; 5] = [
        CivilEvent::Birth,
        CivilEvent::Death,
        CivilEvent::Marriage,
        CivilEvent::MaritalStatus,
        CivilEvent::Guardianship,
    ];

    /// Stable machine code: `birth`, `death`, `marriage`.
    pub fn as_str(self) -> &'static str {
        match self {
            CivilEvent::Birth => "birth",
            CivilEvent::Death => "death",
            CivilEvent::Marriage => "marriage",
            CivilEvent::MaritalStatus => "marital_status",
            CivilEvent::Guardianship => "guardianship",
        }
    }

    /// Vietnamese name: `khai sinh`, `khai tử`, `kết hôn`.
    pub fn name_vi(self) -> &'static str {
        match self {
            CivilEvent::Birth => "khai sinh",
            CivilEvent::Death => "khai tử",
            CivilEvent::Marriage => "kết hôn",
            CivilEvent::MaritalStatus => "xác nhận tình trạng hôn nhân",
            CivilEvent::Guardianship => "giám hộ",
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn events() {
        for e in CivilEvent::ALL {
            assert_eq!(
                serde_json::to_string(&e).unwrap(),
                format!("\"{}\"", e.as_str())
            );
            // Each event has its own book, named after it ("Sổ cấp Giấy xác nhận tình trạng hôn
            // nhân" for the marital-status certificate).
            assert!(
                RegisterBookKind::for_event(e)
                    .code()
                    .starts_with(e.as_str()),
                "{e:?}"
            );
        }
        assert_eq!(CivilEvent::Death.name_vi(), "khai tử");
    }
}
