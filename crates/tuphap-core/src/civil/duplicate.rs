//! Duplicate scoring of declarations: how likely a new declaration describes the same person as
//! a registered one, as an explainable score from 0 to 100.
//!
//! # Weights
//!
//! | field | weight | credit for a near match |
//! | --- | ---: | --- |
//! | full name | 35 | spelling variant (spacing, hyphen, apostrophe) 95 %, one typo 80 %, two typos 65 %, same words in another order 70 %, same surname and given name with another middle name 60 % |
//! | date of birth | 25 | one day apart 70 %, day and month swapped 70 % |
//! | sex | 5 | — |
//! | mother's name | 15 | as the full name |
//! | father's name | 10 | as the full name |
//! | place of birth (unit code) | 10 | old and new code linked by the 2025 reform 90 % |
//!
//! `score = round(100 × Σ weight × credit / Σ weight of the fields known on both sides)`: a field
//! missing on either side (unknown father, no place code) is left out of both sums rather than
//! counted as a mismatch. Name, date of birth and sex are always present, so at least 65 points
//! of weight are compared. Thresholds: [`PROBABLE_DUPLICATE`] (85) and [`POSSIBLE_DUPLICATE`]
//! (60). With these weights, twins (same date, parents and place, different given names) score
//! 65 — "possible", never "probable"; the same child declared twice with one typo in the name
//! scores 93.
//!
//! # Matching
//!
//! Names are compared on their [`fold`] key only, so diacritics, `đ`/`d`, case, NFC/NFD and
//! tone-mark placement (`Thủy`/`Thuỷ`) never change the score; whether the spellings are also
//! identical with accents ([`tone_canonical`], case-insensitive) is reported separately
//! ([`FieldComparison::same_accents`]) so that exact-accent matches can rank first. A typo is an
//! edit (insertion, deletion, substitution or swap of adjacent letters: the optimal string
//! alignment distance, [`edit_distance`]) inside a word of 4 letters or more, at most one per word
//! and two words in all: short given names that differ by a letter (`An`/`Anh`, `Vy`/`Vi`) are
//! different names, not typos.
//!
//! The score is symmetric (`score(a, b) == score(b, a)`) and invariant under folding of any name.

use serde::{Deserialize, Serialize};
use time::{Date, Duration};

use crate::dates::iso_date;
use crate::personal_id::Sex;
use crate::reference::{AdminLevel, successors_of};
use crate::text::{fold, nfc, tone_canonical};

/// From this score on, a candidate is a probable duplicate.
pub const PROBABLE_DUPLICATE: u8 = 85;
/// From this score on, a candidate is a possible duplicate.
pub const POSSIBLE_DUPLICATE: u8 = 60;

/// Weight of the full name.
pub const WEIGHT_FULL_NAME: u8 = 35;
/// Weight of the date of birth.
pub const WEIGHT_DATE_OF_BIRTH: u8 = 25;
/// Weight of the sex.
pub const WEIGHT_SEX: u8 = 5;
/// Weight of the mother's name.
pub const WEIGHT_MOTHER_NAME: u8 = 15;
/// Weight of the father's name.
pub const WEIGHT_FATHER_NAME: u8 = 10;
/// Weight of the place of birth.
pub const WEIGHT_PLACE_OF_BIRTH: u8 = 10;

/// The identifying fields of a declaration (or of a registered record) that duplicates are
/// scored on. Names may be given as entered or already folded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicateKey {
    pub full_name: String,
    #[serde(with = "iso_date")]
    pub date_of_birth: Date,
    pub sex: Sex,
    #[serde(default)]
    pub mother_name: Option<String>,
    #[serde(default)]
    pub father_name: Option<String>,
    /// Administrative-unit code of the place of birth (any structure: 2025 successions are
    /// followed).
    #[serde(default)]
    pub place_of_birth_code: Option<String>,
}

/// A compared field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateField {
    FullName,
    DateOfBirth,
    Sex,
    MotherName,
    FatherName,
    PlaceOfBirth,
}

impl DuplicateField {
    /// The field's weight.
    pub fn weight(self) -> u8 {
        match self {
            DuplicateField::FullName => WEIGHT_FULL_NAME,
            DuplicateField::DateOfBirth => WEIGHT_DATE_OF_BIRTH,
            DuplicateField::Sex => WEIGHT_SEX,
            DuplicateField::MotherName => WEIGHT_MOTHER_NAME,
            DuplicateField::FatherName => WEIGHT_FATHER_NAME,
            DuplicateField::PlaceOfBirth => WEIGHT_PLACE_OF_BIRTH,
        }
    }

    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            DuplicateField::FullName => "Họ, chữ đệm, tên",
            DuplicateField::DateOfBirth => "Ngày sinh",
            DuplicateField::Sex => "Giới tính",
            DuplicateField::MotherName => "Họ tên mẹ",
            DuplicateField::FatherName => "Họ tên cha",
            DuplicateField::PlaceOfBirth => "Nơi sinh",
        }
    }
}

/// How a field compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum FieldOutcome {
    /// Equal (names: equal once folded).
    Exact,
    /// Names equal but for spaces, hyphens and apostrophes (`H'Hen`/`H' Hen`, `Thu-Hà`/`Thu Hà`).
    SpellingVariant,
    /// Names within `edits` typing errors.
    Typo { edits: u8 },
    /// The same words of the name in another order.
    WordOrder,
    /// Same surname and given name, different or missing middle name.
    MiddleNameDiffers,
    /// Dates of birth one day apart.
    OneDayApart,
    /// Dates of birth with day and month swapped (03/04 vs 04/03).
    DayMonthSwapped,
    /// Place codes linked by the 2025 reform (old unit → new commune).
    SuccessorUnit,
    /// Different.
    Different,
    /// Missing on at least one side: not counted.
    Unknown,
}

impl FieldOutcome {
    /// Share of the field's weight credited, in percent.
    pub fn credit_percent(self) -> u8 {
        match self {
            FieldOutcome::Exact => 100,
            FieldOutcome::SpellingVariant => 95,
            FieldOutcome::SuccessorUnit => 90,
            FieldOutcome::Typo { edits } => {
                if edits <= 1 {
                    80
                } else {
                    65
                }
            }
            FieldOutcome::WordOrder | FieldOutcome::OneDayApart | FieldOutcome::DayMonthSwapped => {
                70
            }
            FieldOutcome::MiddleNameDiffers => 60,
            FieldOutcome::Different | FieldOutcome::Unknown => 0,
        }
    }
}

/// One field's contribution.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldComparison {
    pub field: DuplicateField,
    pub weight: u8,
    /// Flattened: `"outcome": "typo", "edits": 1`.
    #[serde(flatten)]
    pub outcome: FieldOutcome,
    pub credit_percent: u8,
    /// `weight × credit / 100` (0 for unknown fields).
    pub points: f64,
    /// For names: identical also with accents (tone-mark placement and case aside). `None` for
    /// other fields and for unknown names.
    pub same_accents: Option<bool>,
}

impl FieldComparison {
    /// Whether the field counted (known on both sides).
    pub fn known(&self) -> bool {
        self.outcome != FieldOutcome::Unknown
    }

    /// Whether the field (partly) matched.
    pub fn matched(&self) -> bool {
        self.credit_percent > 0
    }
}

/// How likely two declarations describe the same person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateLevel {
    Unlikely,
    Possible,
    Probable,
}

impl DuplicateLevel {
    /// The level of a score.
    pub fn of(score: u8) -> DuplicateLevel {
        if score >= PROBABLE_DUPLICATE {
            DuplicateLevel::Probable
        } else if score >= POSSIBLE_DUPLICATE {
            DuplicateLevel::Possible
        } else {
            DuplicateLevel::Unlikely
        }
    }

    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            DuplicateLevel::Probable => "Rất có thể trùng",
            DuplicateLevel::Possible => "Có thể trùng",
            DuplicateLevel::Unlikely => "Ít khả năng trùng",
        }
    }
}

/// The explained score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DuplicateScore {
    /// 0–100.
    pub score: u8,
    pub level: DuplicateLevel,
    /// Every field, in a fixed order (full name, date of birth, sex, mother, father, place).
    pub fields: Vec<FieldComparison>,
}

impl DuplicateScore {
    /// The fields that (partly) matched.
    pub fn matched_fields(&self) -> Vec<DuplicateField> {
        self.fields
            .iter()
            .filter(|f| f.matched())
            .map(|f| f.field)
            .collect()
    }

    /// The fields known on both sides that did not match.
    pub fn mismatched_fields(&self) -> Vec<DuplicateField> {
        self.fields
            .iter()
            .filter(|f| f.known() && !f.matched())
            .map(|f| f.field)
            .collect()
    }
}

/// Optimal string alignment distance between `a` and `b`, by Unicode scalar values: the fewest
/// insertions, deletions, substitutions and swaps of two adjacent characters (each character
/// edited at most once). Symmetric; 0 only for equal strings.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.is_empty() {
        return b.len();
    }
    if b.is_empty() {
        return a.len();
    }
    // Three rows: i-2, i-1, i.
    let mut prev2: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur: Vec<usize> = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(prev2[j - 2] + 1);
            }
            cur[j] = best;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Words of a folded name: split on spaces and hyphens, apostrophes removed.
fn name_words(folded: &str) -> Vec<String> {
    folded
        .split([' ', '-'])
        .map(|w| w.chars().filter(|&c| c != '\'').collect::<String>())
        .filter(|w| !w.is_empty())
        .collect()
}

/// Compares two names on their folded keys.
fn compare_names(a: &str, b: &str) -> FieldOutcome {
    let (fa, fb) = (fold(a), fold(b));
    let (wa, wb) = (name_words(&fa), name_words(&fb));
    if wa.is_empty() || wb.is_empty() {
        return FieldOutcome::Unknown;
    }
    if fa == fb {
        return FieldOutcome::Exact;
    }
    if wa.concat() == wb.concat() {
        return FieldOutcome::SpellingVariant;
    }
    if wa.len() == wb.len() {
        let mut edits = 0usize;
        let mut differing = 0usize;
        let mut typo = true;
        for (x, y) in wa.iter().zip(&wb) {
            if x == y {
                continue;
            }
            differing += 1;
            let d = edit_distance(x, y);
            let shorter = x.chars().count().min(y.chars().count());
            if d > 1 || shorter < 4 {
                typo = false;
                break;
            }
            edits += d;
        }
        if typo && differing <= 2 {
            return FieldOutcome::Typo {
                edits: u8::try_from(edits).unwrap_or(u8::MAX),
            };
        }
        let (mut sa, mut sb) = (wa.clone(), wb.clone());
        sa.sort_unstable();
        sb.sort_unstable();
        if sa == sb {
            return FieldOutcome::WordOrder;
        }
    }
    if wa.len() >= 2 && wb.len() >= 2 && wa.first() == wb.first() && wa.last() == wb.last() {
        return FieldOutcome::MiddleNameDiffers;
    }
    FieldOutcome::Different
}

fn compare_optional_names(a: Option<&str>, b: Option<&str>) -> FieldOutcome {
    match (a, b) {
        (Some(a), Some(b)) => compare_names(a, b),
        _ => FieldOutcome::Unknown,
    }
}

/// Whether two names are spelled the same with accents (case and tone-mark placement aside).
fn same_accents(a: &str, b: &str) -> bool {
    let key = |s: &str| {
        nfc(&tone_canonical(s).to_lowercase())
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    key(a) == key(b)
}

fn compare_dates(a: Date, b: Date) -> FieldOutcome {
    if a == b {
        FieldOutcome::Exact
    } else if (a - b).abs() == Duration::DAY {
        FieldOutcome::OneDayApart
    } else if a.year() == b.year()
        && a.day() == u8::from(b.month())
        && u8::from(a.month()) == b.day()
    {
        FieldOutcome::DayMonthSwapped
    } else {
        FieldOutcome::Different
    }
}

fn level_of_code(code: &str) -> Option<AdminLevel> {
    AdminLevel::ALL
        .into_iter()
        .find(|l| l.code_len() == code.len())
}

/// `new` is a 2025 successor of `old`.
fn succeeds(old: &str, new: &str) -> bool {
    level_of_code(old)
        .is_some_and(|level| successors_of(old, level).iter().any(|s| s.new_code == new))
}

fn compare_places(a: Option<&str>, b: Option<&str>) -> FieldOutcome {
    let (Some(a), Some(b)) = (a.map(str::trim), b.map(str::trim)) else {
        return FieldOutcome::Unknown;
    };
    if a.is_empty() || b.is_empty() {
        FieldOutcome::Unknown
    } else if a == b {
        FieldOutcome::Exact
    } else if succeeds(a, b) || succeeds(b, a) {
        FieldOutcome::SuccessorUnit
    } else {
        FieldOutcome::Different
    }
}

fn comparison(
    field: DuplicateField,
    outcome: FieldOutcome,
    names: Option<(&str, &str)>,
) -> FieldComparison {
    let known = outcome != FieldOutcome::Unknown;
    let weight = field.weight();
    let credit_percent = outcome.credit_percent();
    FieldComparison {
        field,
        weight,
        outcome,
        credit_percent,
        points: if known {
            f64::from(weight) * f64::from(credit_percent) / 100.0
        } else {
            0.0
        },
        same_accents: names.filter(|_| known).map(|(a, b)| same_accents(a, b)),
    }
}

/// Scores how likely `new` and `candidate` describe the same person (see the module docs for the
/// weights and the matching rules).
pub fn duplicate_score(new: &DuplicateKey, candidate: &DuplicateKey) -> DuplicateScore {
    let pair = |a: &Option<String>, b: &Option<String>| -> Option<(String, String)> {
        Some((a.clone()?, b.clone()?))
    };
    let mother = pair(&new.mother_name, &candidate.mother_name);
    let father = pair(&new.father_name, &candidate.father_name);
    let fields = vec![
        comparison(
            DuplicateField::FullName,
            compare_names(&new.full_name, &candidate.full_name),
            Some((&new.full_name, &candidate.full_name)),
        ),
        comparison(
            DuplicateField::DateOfBirth,
            compare_dates(new.date_of_birth, candidate.date_of_birth),
            None,
        ),
        comparison(
            DuplicateField::Sex,
            if new.sex == candidate.sex {
                FieldOutcome::Exact
            } else {
                FieldOutcome::Different
            },
            None,
        ),
        comparison(
            DuplicateField::MotherName,
            compare_optional_names(new.mother_name.as_deref(), candidate.mother_name.as_deref()),
            mother.as_ref().map(|(a, b)| (a.as_str(), b.as_str())),
        ),
        comparison(
            DuplicateField::FatherName,
            compare_optional_names(new.father_name.as_deref(), candidate.father_name.as_deref()),
            father.as_ref().map(|(a, b)| (a.as_str(), b.as_str())),
        ),
        comparison(
            DuplicateField::PlaceOfBirth,
            compare_places(
                new.place_of_birth_code.as_deref(),
                candidate.place_of_birth_code.as_deref(),
            ),
            None,
        ),
    ];
    let (mut num, mut den) = (0u32, 0u32);
    for f in fields.iter().filter(|f| f.known()) {
        num += u32::from(f.weight) * u32::from(f.credit_percent);
        den += u32::from(f.weight) * 100;
    }
    // Rounded half up; 0 when nothing is comparable (cannot happen: sex is always known).
    let score = (100 * num + den / 2)
        .checked_div(den)
        .map_or(0, |s| u8::try_from(s).unwrap_or(100));
    DuplicateScore {
        score,
        level: DuplicateLevel::of(score),
        fields,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;
    use unicode_normalization::UnicodeNormalization;

    fn key() -> DuplicateKey {
        DuplicateKey {
            full_name: "Nguyễn Thị Thủy Tiên".into(),
            date_of_birth: date!(2026 - 03 - 04),
            sex: Sex::Female,
            mother_name: Some("Trần Thị Hương".into()),
            father_name: Some("Nguyễn Văn Đức".into()),
            place_of_birth_code: Some("00004".into()),
        }
    }

    fn outcome(s: &DuplicateScore, f: DuplicateField) -> FieldOutcome {
        s.fields.iter().find(|c| c.field == f).unwrap().outcome
    }

    #[test]
    fn identical_is_100() {
        let s = duplicate_score(&key(), &key());
        assert_eq!(s.score, 100);
        assert_eq!(s.level, DuplicateLevel::Probable);
        assert!(s.mismatched_fields().is_empty());
        assert_eq!(s.matched_fields().len(), 6);
        assert!(s.fields.iter().all(|f| f.same_accents != Some(false)));
    }

    /// Diacritics, đ/d, case and old/new tone-mark placement do not change the score.
    #[test]
    fn robust_to_diacritics_and_tone_placement() {
        let mut c = key();
        c.full_name = "NGUYEN THI THUY TIEN".into();
        c.mother_name = Some("tran thi huong".into());
        c.father_name = Some("Nguyen Van Duc".into());
        let s = duplicate_score(&key(), &c);
        assert_eq!(s.score, 100);
        let name = &s.fields[0];
        assert_eq!(name.same_accents, Some(false));
        let mut c = key();
        c.full_name = "Nguyễn Thị Thuỷ Tiên".into(); // new-style tone placement
        let s = duplicate_score(&key(), &c);
        assert_eq!(s.score, 100);
        assert_eq!(s.fields[0].same_accents, Some(true));
    }

    /// A typo in a name costs a little; the same child declared twice still scores "probable".
    #[test]
    fn small_typos() {
        let mut c = key();
        c.full_name = "Nguyễn Thị Thủy Tiến".into(); // accent only: folded equal
        assert_eq!(duplicate_score(&key(), &c).score, 100);
        c.full_name = "Nguyễn Thị Thủy Tein".into(); // swapped letters
        let s = duplicate_score(&key(), &c);
        assert_eq!(
            outcome(&s, DuplicateField::FullName),
            FieldOutcome::Typo { edits: 1 }
        );
        assert_eq!(s.score, 93);
        assert_eq!(s.level, DuplicateLevel::Probable);
        c.full_name = "Nguyn Thị Thủy Tein".into(); // two words with one edit each
        assert_eq!(
            outcome(&duplicate_score(&key(), &c), DuplicateField::FullName),
            FieldOutcome::Typo { edits: 2 }
        );
        c.mother_name = Some("Trần Thị Huơng".into());
        assert_eq!(
            outcome(&duplicate_score(&key(), &c), DuplicateField::MotherName),
            FieldOutcome::Exact
        );
        c.mother_name = Some("Trần Thị Houng".into());
        assert_eq!(
            outcome(&duplicate_score(&key(), &c), DuplicateField::MotherName),
            FieldOutcome::Typo { edits: 1 }
        );
    }

    /// Twins: same date, parents and place, different given names — at most "possible".
    #[test]
    fn twins_are_not_probable_duplicates() {
        let a = DuplicateKey {
            full_name: "Lê Văn An".into(),
            sex: Sex::Male,
            ..key()
        };
        let b = DuplicateKey {
            full_name: "Lê Văn Anh".into(),
            ..a.clone()
        };
        let s = duplicate_score(&a, &b);
        assert_eq!(
            outcome(&s, DuplicateField::FullName),
            FieldOutcome::Different
        );
        assert_eq!(s.score, 65);
        assert_eq!(s.level, DuplicateLevel::Possible);
        assert_eq!(s.mismatched_fields(), vec![DuplicateField::FullName]);
    }

    #[test]
    fn date_near_misses() {
        let mut c = key();
        c.date_of_birth = date!(2026 - 03 - 05);
        let s = duplicate_score(&key(), &c);
        assert_eq!(
            outcome(&s, DuplicateField::DateOfBirth),
            FieldOutcome::OneDayApart
        );
        assert_eq!(s.score, 93);
        c.date_of_birth = date!(2026 - 04 - 03);
        assert_eq!(
            outcome(&duplicate_score(&key(), &c), DuplicateField::DateOfBirth),
            FieldOutcome::DayMonthSwapped
        );
        c.date_of_birth = date!(2025 - 04 - 03);
        assert_eq!(
            outcome(&duplicate_score(&key(), &c), DuplicateField::DateOfBirth),
            FieldOutcome::Different
        );
        // Across a year boundary.
        assert_eq!(
            compare_dates(date!(2025 - 12 - 31), date!(2026 - 01 - 01)),
            FieldOutcome::OneDayApart
        );
    }

    #[test]
    fn name_variants() {
        assert_eq!(
            compare_names("H' Hen Niê", "H'Hen Niê"),
            FieldOutcome::SpellingVariant
        );
        assert_eq!(
            compare_names("Lê Thu-Hà", "Le Thu Ha"),
            FieldOutcome::SpellingVariant
        );
        assert_eq!(
            compare_names("H'Hen Niê", "Niê H'Hen"),
            FieldOutcome::WordOrder
        );
        assert_eq!(
            compare_names("Nguyễn Văn Hùng", "Nguyễn Hùng"),
            FieldOutcome::MiddleNameDiffers
        );
        assert_eq!(
            compare_names("Nguyễn Văn Hùng", "Nguyễn Đức Hùng"),
            FieldOutcome::MiddleNameDiffers
        );
        assert_eq!(
            compare_names("Phạm Thị Vy", "Phạm Thị Vi"),
            FieldOutcome::Different
        );
        assert_eq!(
            compare_names("Trần Văn Bình", "Lê Thị Hoa"),
            FieldOutcome::Different
        );
        assert_eq!(compare_names("", "Lê Thị Hoa"), FieldOutcome::Unknown);
    }

    /// Unknown fields are left out; a reformed place code matches its successor (Phường Trúc Bạch
    /// `00004` → Phường Ba Đình `00004`; Phường Phúc Xá `00001` → Phường Hồng Hà `00097`).
    #[test]
    fn unknown_fields_and_successor_places() {
        let mut c = key();
        c.father_name = None;
        c.place_of_birth_code = None;
        let s = duplicate_score(&key(), &c);
        assert_eq!(s.score, 100);
        assert_eq!(
            outcome(&s, DuplicateField::FatherName),
            FieldOutcome::Unknown
        );
        assert_eq!(s.fields[4].points, 0.0);
        let mut a = key();
        a.place_of_birth_code = Some("00001".into());
        let mut b = key();
        b.place_of_birth_code = Some("00097".into());
        let s = duplicate_score(&a, &b);
        assert_eq!(
            outcome(&s, DuplicateField::PlaceOfBirth),
            FieldOutcome::SuccessorUnit
        );
        assert_eq!(s.score, 99);
        b.place_of_birth_code = Some("00007".into());
        assert_eq!(
            outcome(&duplicate_score(&a, &b), DuplicateField::PlaceOfBirth),
            FieldOutcome::Different
        );
    }

    #[test]
    fn different_people_are_unlikely() {
        let b = DuplicateKey {
            full_name: "Phạm Minh Khoa".into(),
            date_of_birth: date!(2019 - 07 - 21),
            sex: Sex::Male,
            mother_name: Some("Đỗ Thị Lan".into()),
            father_name: Some("Phạm Văn Tài".into()),
            place_of_birth_code: Some("26732".into()),
        };
        let s = duplicate_score(&key(), &b);
        assert_eq!(s.score, 0);
        assert_eq!(s.level, DuplicateLevel::Unlikely);
        assert_eq!(s.mismatched_fields().len(), 6);
    }

    #[test]
    fn edit_distance_basics() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("huong", ""), 5);
        assert_eq!(edit_distance("huong", "houng"), 1);
        assert_eq!(edit_distance("huong", "hung"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("ca", "abc"), 3); // OSA, not full Damerau
        assert_eq!(edit_distance("hương", "huơng"), 1);
    }

    #[test]
    fn levels_and_serialisation() {
        assert_eq!(DuplicateLevel::of(85), DuplicateLevel::Probable);
        assert_eq!(DuplicateLevel::of(84), DuplicateLevel::Possible);
        assert_eq!(DuplicateLevel::of(60), DuplicateLevel::Possible);
        assert_eq!(DuplicateLevel::of(59), DuplicateLevel::Unlikely);
        let total: u32 = [
            WEIGHT_FULL_NAME,
            WEIGHT_DATE_OF_BIRTH,
            WEIGHT_SEX,
            WEIGHT_MOTHER_NAME,
            WEIGHT_FATHER_NAME,
            WEIGHT_PLACE_OF_BIRTH,
        ]
        .iter()
        .map(|&w| u32::from(w))
        .sum();
        assert_eq!(total, 100);
        let json = serde_json::to_value(duplicate_score(&key(), &key())).unwrap();
        assert_eq!(json["level"], "probable");
        assert_eq!(json["fields"][0]["field"], "full_name");
        assert_eq!(json["fields"][0]["outcome"], "exact");
    }

    fn arb_name() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just("Nguyễn"),
                Just("Nguyen"),
                Just("Thị"),
                Just("Thủy"),
                Just("Thuỷ"),
                Just("Hương"),
                Just("Huong"),
                Just("Houng"),
                Just("An"),
                Just("Anh"),
                Just("H'Hen"),
                Just("Niê"),
                Just("Văn"),
                Just("Đức"),
                Just("Hoà"),
                Just("Hòa"),
            ],
            0..5,
        )
        .prop_map(|w| w.join(" "))
    }

    fn arb_key() -> impl Strategy<Value = DuplicateKey> {
        (
            arb_name(),
            0i64..20,
            any::<bool>(),
            proptest::option::of(arb_name()),
            proptest::option::of(arb_name()),
            proptest::option::of(prop_oneof![
                Just("00001"),
                Just("00097"),
                Just("00004"),
                Just("318"),
                Just("11948")
            ]),
        )
            .prop_map(|(name, d, male, mother, father, place)| DuplicateKey {
                full_name: name,
                date_of_birth: date!(2026 - 03 - 01) + Duration::days(d),
                sex: if male { Sex::Male } else { Sex::Female },
                mother_name: mother,
                father_name: father,
                place_of_birth_code: place.map(str::to_string),
            })
    }

    fn folded(k: &DuplicateKey) -> DuplicateKey {
        DuplicateKey {
            full_name: fold(&k.full_name),
            mother_name: k.mother_name.as_deref().map(fold),
            father_name: k.father_name.as_deref().map(fold),
            ..k.clone()
        }
    }

    proptest! {
        #[test]
        fn score_symmetric(a in arb_key(), b in arb_key()) {
            let ab = duplicate_score(&a, &b);
            let ba = duplicate_score(&b, &a);
            prop_assert_eq!(ab.score, ba.score);
            prop_assert_eq!(ab.level, ba.level);
            prop_assert!(ab.score <= 100);
        }

        #[test]
        fn score_fold_invariant(a in arb_key(), b in arb_key()) {
            let s = duplicate_score(&a, &b).score;
            prop_assert_eq!(duplicate_score(&folded(&a), &b).score, s);
            prop_assert_eq!(duplicate_score(&folded(&a), &folded(&b)).score, s);
            let nfd = DuplicateKey { full_name: a.full_name.nfd().collect(), ..a.clone() };
            prop_assert_eq!(duplicate_score(&nfd, &b).score, s);
            let canon = DuplicateKey { full_name: tone_canonical(&a.full_name), ..a.clone() };
            prop_assert_eq!(duplicate_score(&canon, &b).score, s);
        }

        #[test]
        fn self_score_is_100_when_name_known(a in arb_key()) {
            let s = duplicate_score(&a, &a);
            if !name_words(&fold(&a.full_name)).is_empty() {
                prop_assert_eq!(s.score, 100);
            }
        }

        #[test]
        fn edit_distance_symmetric(a in "[a-eđ]{0,8}", b in "[a-eđ]{0,8}") {
            let d = edit_distance(&a, &b);
            prop_assert_eq!(d, edit_distance(&b, &a));
            prop_assert_eq!(d == 0, a == b);
            prop_assert!(d <= a.chars().count().max(b.chars().count()));
        }
    }
}
