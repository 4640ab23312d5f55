//! The Vietnamese 12-digit personal identification number (số định danh cá nhân), which is also
//! the number of the citizen identity card (thẻ căn cước).
//!
//! Layout `PPP G YY RRRRRR`:
//!
//! * `PPP` — code of the province where the birth was registered (embedded table
//!   `data/reference/id_province_codes.csv`);
//! * `G` — century and sex: `0`/`1` male/female born 1900–1999, `2`/`3` 2000–2099, `4`/`5`
//!   2100–2199, `6`/`7` 2200–2299, `8`/`9` 2300–2399 (`data/reference/id_century_gender_codes.csv`);
//! * `YY` — last two digits of the year of birth;
//! * `RRRRRR` — random serial.
//!
//! There is no check digit, so a well-formed number can only be validated against the person's
//! sex and date of birth ([`PersonalId::check`]).

use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;
use std::sync::LazyLock;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::Date;

use crate::error::Coded;
use crate::text::nfc;

/// Sex as recorded in civil status (giới tính). Serialised as `male` / `female`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    /// The machine identifier: `male` or `female`.
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
        }
    }

    /// Vietnamese label: "Nam" or "Nữ".
    pub fn label_vi(self) -> &'static str {
        match self {
            Sex::Male => "Nam",
            Sex::Female => "Nữ",
        }
    }

    /// Parses `male`, `female`, `nam` or `nữ` (case-insensitive, surrounding whitespace ignored,
    /// NFC or NFD).
    pub fn parse(s: &str) -> Result<Sex, SexParseError> {
        let key = nfc(s.trim()).to_lowercase();
        match key.as_str() {
            "male" | "nam" => Ok(Sex::Male),
            "female" | "nữ" => Ok(Sex::Female),
            _ => Err(SexParseError(s.to_string())),
        }
    }
}

impl fmt::Display for Sex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label_vi())
    }
}

impl FromStr for Sex {
    type Err = SexParseError;
    fn from_str(s: &str) -> Result<Sex, SexParseError> {
        Sex::parse(s)
    }
}

/// A value that is not a recognised sex.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown sex {0:?}")]
pub struct SexParseError(pub String);

impl Coded for SexParseError {
    fn code(&self) -> &'static str {
        "sex_invalid"
    }
    fn message_vi(&self) -> String {
        format!(
            "Giới tính \u{201c}{}\u{201d} không hợp lệ. Chọn Nam hoặc Nữ.",
            self.0.trim()
        )
    }
}

/// One row of the table of province codes used in the first three digits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IdProvince {
    /// Three-digit code in the personal ID, e.g. `001`.
    pub id_code: String,
    /// Two-digit statistics office (GSO) province code before 1 July 2025, e.g. `01`.
    pub gso_code: String,
    /// Order number in the code table of Circular 07/2016/TT-BCA.
    pub tt07_stt: u32,
    /// Short name as in that table, e.g. "Hà Nội".
    pub name: String,
    /// Full name of the province before the 2025 reorganisation, e.g. "Thành phố Hà Nội".
    pub full_name_pre_2025: String,
    /// Whether the GSO code is still a province code after 1 July 2025.
    pub code_still_used_after_2025: bool,
    /// Province (after 1 July 2025) that the old province belongs to: code.
    pub code_after_2025: String,
    /// Province (after 1 July 2025) that the old province belongs to: full name.
    pub full_name_after_2025: String,
}

#[derive(Debug, serde::Deserialize)]
struct ProvinceRow {
    id_code: String,
    gso_province_code: String,
    tt07_stt: u32,
    tt07_name: String,
    province_full_name_pre_2025: String,
    code_still_used_after_2025_07_01: String,
    province_code_after_2025_07_01: String,
    province_full_name_after_2025_07_01: String,
}

const PROVINCES_CSV: &str = include_str!("../../../data/reference/id_province_codes.csv");

/// Parses the embedded table. Malformed rows are skipped (a unit test asserts there are none).
fn parse_provinces(csv_text: &str) -> Vec<IdProvince> {
    csv::Reader::from_reader(csv_text.as_bytes())
        .deserialize::<ProvinceRow>()
        .filter_map(Result::ok)
        .map(|r| IdProvince {
            id_code: r.id_code,
            gso_code: r.gso_province_code,
            tt07_stt: r.tt07_stt,
            name: nfc(&r.tt07_name),
            full_name_pre_2025: nfc(&r.province_full_name_pre_2025),
            code_still_used_after_2025: r.code_still_used_after_2025_07_01.trim() == "yes",
            code_after_2025: r.province_code_after_2025_07_01,
            full_name_after_2025: nfc(&r.province_full_name_after_2025_07_01),
        })
        .collect()
}

static PROVINCES: LazyLock<Vec<IdProvince>> = LazyLock::new(|| parse_provinces(PROVINCES_CSV));

/// All province codes of the personal ID, in table order.
pub fn id_provinces() -> &'static [IdProvince] {
    &PROVINCES
}

/// The province with the three-digit ID code `code` (e.g. `"001"`).
pub fn id_province(code: &str) -> Option<&'static IdProvince> {
    PROVINCES.iter().find(|p| p.id_code == code)
}

/// The province (after the 1 July 2025 reorganisation) an old province code now belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ProvinceAfter2025 {
    /// Province code after 1 July 2025, e.g. `"31"`.
    pub code: &'static str,
    /// Full name after 1 July 2025, e.g. "Thành phố Hải Phòng".
    pub full_name: &'static str,
}

/// Why a personal ID number is malformed or does not match the person.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PersonalIdError {
    #[error("personal ID number is empty")]
    Empty,
    #[error("personal ID number must have 12 digits, found {len}")]
    WrongLength { len: usize },
    #[error("personal ID number must contain only the digits 0-9")]
    NotDigits,
    #[error("unknown province code {code} in personal ID number")]
    UnknownProvince { code: String },
    /// The century/sex digit encodes the right century but the other sex.
    #[error("sex digit {found_digit} means {found:?}, expected {expected:?}")]
    SexMismatch {
        expected: Sex,
        found: Sex,
        found_digit: u8,
        expected_digit: u8,
    },
    /// The century/sex digit encodes another century than the year of birth (whatever the sex).
    #[error(
        "century digit {found_digit} means the {found_century}th century, birth year {birth_year} needs digit {expected_digit}"
    )]
    CenturyMismatch {
        found_digit: u8,
        found_century: u16,
        expected_digit: u8,
        birth_year: i32,
    },
    /// Digits 5–6 are not the last two digits of the year of birth.
    #[error("birth year digits {found:02} do not match birth year {birth_year}")]
    BirthYearMismatch { found: u8, birth_year: i32 },
    /// The year of birth is outside 1900–2399, which the number cannot encode.
    #[error("birth year {birth_year} cannot be encoded in a personal ID number")]
    BirthYearUnsupported { birth_year: i32 },
}

impl Coded for PersonalIdError {
    fn code(&self) -> &'static str {
        match self {
            PersonalIdError::Empty => "personal_id_empty",
            PersonalIdError::WrongLength { .. } => "personal_id_wrong_length",
            PersonalIdError::NotDigits => "personal_id_not_digits",
            PersonalIdError::UnknownProvince { .. } => "personal_id_unknown_province",
            PersonalIdError::SexMismatch { .. } => "personal_id_sex_mismatch",
            PersonalIdError::CenturyMismatch { .. } => "personal_id_century_mismatch",
            PersonalIdError::BirthYearMismatch { .. } => "personal_id_birth_year_mismatch",
            PersonalIdError::BirthYearUnsupported { .. } => "personal_id_birth_year_unsupported",
        }
    }

    fn message_vi(&self) -> String {
        match self {
            PersonalIdError::Empty => "Chưa nhập số định danh cá nhân.".to_string(),
            PersonalIdError::WrongLength { len } => {
                format!("Số định danh phải có đúng 12 chữ số (đang có {len}).")
            }
            PersonalIdError::NotDigits => "Số định danh chỉ được gồm các chữ số từ 0 đến 9 \
                 (không có chữ cái, dấu cách hay ký tự khác)."
                .to_string(),
            PersonalIdError::UnknownProvince { code } => format!(
                "Mã tỉnh \u{201c}{code}\u{201d} (3 chữ số đầu của số định danh) không có trong \
                 danh mục mã tỉnh nơi đăng ký khai sinh."
            ),
            PersonalIdError::SexMismatch {
                expected,
                found,
                found_digit,
                expected_digit,
            } => format!(
                "Chữ số thứ 4 của số định danh là {found_digit}, dành cho giới tính {}, nhưng \
                 giới tính đã khai là {}; với giới tính này chữ số thứ 4 phải là {expected_digit}.",
                found.label_vi(),
                expected.label_vi()
            ),
            PersonalIdError::CenturyMismatch {
                found_digit,
                found_century,
                expected_digit,
                birth_year,
            } => {
                let from = (i32::from(*found_century) - 1) * 100;
                format!(
                    "Chữ số thứ 4 của số định danh là {found_digit}, dành cho người sinh trong \
                     thế kỷ {found_century} (năm {from}–{}), nhưng năm sinh là {birth_year}; với \
                     giới tính và năm sinh đã khai chữ số này phải là {expected_digit}.",
                    from + 99
                )
            }
            PersonalIdError::BirthYearMismatch { found, birth_year } => format!(
                "Chữ số thứ 5 và 6 của số định danh là {found:02}, không khớp với năm sinh \
                 {birth_year} (phải là {:02}).",
                birth_year.rem_euclid(100)
            ),
            PersonalIdError::BirthYearUnsupported { birth_year } => format!(
                "Năm sinh {birth_year} nằm ngoài khoảng 1900–2399 mà số định danh có thể \
                 biểu diễn."
            ),
        }
    }
}

/// The century/sex digit `G` for a person of `sex` born in `year`, if the year is 1900–2399.
pub fn century_sex_digit(sex: Sex, year: i32) -> Option<u8> {
    if !(1900..=2399).contains(&year) {
        return None;
    }
    let century_index = u8::try_from((year - 1900) / 100).ok()?;
    Some(century_index * 2 + u8::from(sex == Sex::Female))
}

/// A well-formed personal ID number with a known province code. Serialised as its 12 digits.
#[derive(Debug, Clone)]
pub struct PersonalId {
    digits: String,
    province: &'static IdProvince,
}

impl PartialEq for PersonalId {
    fn eq(&self, other: &PersonalId) -> bool {
        self.digits == other.digits
    }
}

impl Eq for PersonalId {}

impl Hash for PersonalId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.digits.hash(state);
    }
}

impl PartialOrd for PersonalId {
    fn partial_cmp(&self, other: &PersonalId) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for PersonalId {
    fn cmp(&self, other: &PersonalId) -> std::cmp::Ordering {
        self.digits.cmp(&other.digits)
    }
}

impl PersonalId {
    /// Parses a personal ID number. Surrounding whitespace is ignored; anything else must be
    /// exactly 12 ASCII digits whose first three are a known province code.
    ///
    /// Errors, in the order checked: [`PersonalIdError::Empty`], [`PersonalIdError::NotDigits`]
    /// (any character other than `0`–`9`, whatever the length), [`PersonalIdError::WrongLength`]
    /// (counted in characters), [`PersonalIdError::UnknownProvince`].
    pub fn parse(s: &str) -> Result<PersonalId, PersonalIdError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(PersonalIdError::Empty);
        }
        if !s.chars().all(|c| c.is_ascii_digit()) {
            return Err(PersonalIdError::NotDigits);
        }
        if s.len() != 12 {
            return Err(PersonalIdError::WrongLength { len: s.len() });
        }
        let code = &s[..3];
        let province = id_province(code).ok_or_else(|| PersonalIdError::UnknownProvince {
            code: code.to_string(),
        })?;
        Ok(PersonalId {
            digits: s.to_string(),
            province,
        })
    }

    /// The 12 digits.
    pub fn as_str(&self) -> &str {
        &self.digits
    }

    fn digit(&self, i: usize) -> u8 {
        self.digits.as_bytes()[i] - b'0'
    }

    /// The three-digit province code, e.g. `"001"`.
    pub fn province_code(&self) -> &str {
        &self.digits[..3]
    }

    /// The province's row in the code table.
    pub fn province(&self) -> &'static IdProvince {
        self.province
    }

    /// Short province name as in the code table, e.g. "Hà Nội".
    pub fn province_name(&self) -> &'static str {
        &self.province.name
    }

    /// Full province name before the 2025 reorganisation, e.g. "Thành phố Hà Nội".
    pub fn province_full_name(&self) -> &'static str {
        &self.province.full_name_pre_2025
    }

    /// Two-digit GSO province code (before 1 July 2025), e.g. `"01"`.
    pub fn gso_province_code(&self) -> &'static str {
        &self.province.gso_code
    }

    /// The province the registration province belongs to after 1 July 2025.
    pub fn province_after_2025(&self) -> ProvinceAfter2025 {
        ProvinceAfter2025 {
            code: &self.province.code_after_2025,
            full_name: &self.province.full_name_after_2025,
        }
    }

    /// The century/sex digit (4th digit).
    pub fn century_sex_digit(&self) -> u8 {
        self.digit(3)
    }

    /// Sex encoded in the 4th digit (even: male, odd: female).
    pub fn sex(&self) -> Sex {
        if self.digit(3).is_multiple_of(2) {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// Century of birth encoded in the 4th digit, counted the usual way: 20 for 1900–1999, 21 for
    /// 2000–2099, … 24 for 2300–2399.
    pub fn century(&self) -> u16 {
        20 + u16::from(self.digit(3) / 2)
    }

    /// Year of birth from the 4th to 6th digits, e.g. 1995.
    pub fn birth_year(&self) -> i32 {
        let yy = i32::from(self.digit(4) * 10 + self.digit(5));
        (i32::from(self.century()) - 1) * 100 + yy
    }

    /// The last six digits (random serial), e.g. `"012345"`.
    pub fn serial(&self) -> &str {
        &self.digits[6..]
    }

    /// Checks the number against the person's sex and date of birth.
    ///
    /// The 4th digit encodes century and sex together. If it names another century than the year
    /// of birth, the error is [`PersonalIdError::CenturyMismatch`] — whether or not the sex also
    /// differs — and reports the digit expected for the declared sex and year. Only when the
    /// century is right but the sex is not is it [`PersonalIdError::SexMismatch`]. Then digits
    /// 5–6 must equal the year modulo 100 ([`PersonalIdError::BirthYearMismatch`]).
    pub fn check(&self, sex: Sex, date_of_birth: Date) -> Result<(), PersonalIdError> {
        let year = date_of_birth.year();
        let expected_digit = century_sex_digit(sex, year)
            .ok_or(PersonalIdError::BirthYearUnsupported { birth_year: year })?;
        let found_digit = self.century_sex_digit();
        if found_digit / 2 != expected_digit / 2 {
            return Err(PersonalIdError::CenturyMismatch {
                found_digit,
                found_century: self.century(),
                expected_digit,
                birth_year: year,
            });
        }
        if found_digit != expected_digit {
            return Err(PersonalIdError::SexMismatch {
                expected: sex,
                found: self.sex(),
                found_digit,
                expected_digit,
            });
        }
        if self.birth_year() != year {
            return Err(PersonalIdError::BirthYearMismatch {
                found: self.digit(4) * 10 + self.digit(5),
                birth_year: year,
            });
        }
        Ok(())
    }
}

impl fmt::Display for PersonalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.digits)
    }
}

impl FromStr for PersonalId {
    type Err = PersonalIdError;
    fn from_str(s: &str) -> Result<PersonalId, PersonalIdError> {
        PersonalId::parse(s)
    }
}

impl AsRef<str> for PersonalId {
    fn as_ref(&self) -> &str {
        &self.digits
    }
}

impl Serialize for PersonalId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.digits)
    }
}

impl<'de> Deserialize<'de> for PersonalId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<PersonalId, D::Error> {
        let s = String::deserialize(deserializer)?;
        PersonalId::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    #[test]
    fn province_table_is_complete() {
        let total_rows = PROVINCES_CSV
            .lines()
            .skip(1)
            .filter(|l| !l.is_empty())
            .count();
        assert_eq!(id_provinces().len(), total_rows);
        assert_eq!(id_provinces().len(), 63);
        let hcm = id_province("079").unwrap();
        assert_eq!(hcm.name, "Hồ Chí Minh");
        assert_eq!(hcm.full_name_pre_2025, "Thành phố Hồ Chí Minh");
        assert!(id_province("003").is_none());
    }

    #[test]
    fn century_digits_match_reference_table() {
        let table = include_str!("../../../data/reference/id_century_gender_codes.csv");
        let mut rows = 0;
        for line in table.lines().skip(1).filter(|l| !l.is_empty()) {
            let f: Vec<&str> = line.split(',').collect();
            let digit: u8 = f[0].parse().unwrap();
            let sex = Sex::parse(f[1]).unwrap();
            assert_eq!(Sex::parse(f[2]).unwrap(), sex);
            let century: u16 = f[3].parse().unwrap();
            let from: i32 = f[4].parse().unwrap();
            let to: i32 = f[5].parse().unwrap();
            assert_eq!(century_sex_digit(sex, from), Some(digit));
            assert_eq!(century_sex_digit(sex, to), Some(digit));
            let id = PersonalId::parse(&format!("001{digit}95012345")).unwrap();
            assert_eq!(id.sex(), sex);
            assert_eq!(id.century(), century);
            assert_eq!(id.birth_year(), from + 95);
            rows += 1;
        }
        assert_eq!(rows, 10);
    }

    #[test]
    fn decodes_example() {
        let id = PersonalId::parse(" 001095012345 ").unwrap();
        assert_eq!(id.as_str(), "001095012345");
        assert_eq!(id.province_code(), "001");
        assert_eq!(id.province_name(), "Hà Nội");
        assert_eq!(id.province_full_name(), "Thành phố Hà Nội");
        assert_eq!(id.gso_province_code(), "01");
        assert_eq!(
            id.province_after_2025(),
            ProvinceAfter2025 {
                code: "01",
                full_name: "Thành phố Hà Nội"
            }
        );
        assert_eq!(id.sex(), Sex::Male);
        assert_eq!(id.century(), 20);
        assert_eq!(id.birth_year(), 1995);
        assert_eq!(id.serial(), "012345");
        assert_eq!(id.check(Sex::Male, date!(1995 - 01 - 01)), Ok(()));
    }

    #[test]
    fn merged_province_after_2025() {
        let id = PersonalId::parse("030301000001").unwrap();
        assert_eq!(id.province_name(), "Hải Dương");
        assert_eq!(id.province_after_2025().code, "31");
        assert_eq!(id.province_after_2025().full_name, "Thành phố Hải Phòng");
        assert_eq!(id.sex(), Sex::Female);
        assert_eq!(id.birth_year(), 2001);
        assert_eq!(id.check(Sex::Female, date!(2001 - 12 - 31)), Ok(()));
    }

    #[test]
    fn parse_errors() {
        assert_eq!(PersonalId::parse("  "), Err(PersonalIdError::Empty));
        assert_eq!(
            PersonalId::parse("00109501234"),
            Err(PersonalIdError::WrongLength { len: 11 })
        );
        assert_eq!(
            PersonalId::parse("0010950123456"),
            Err(PersonalIdError::WrongLength { len: 13 })
        );
        assert_eq!(
            PersonalId::parse("00109501234a"),
            Err(PersonalIdError::NotDigits)
        );
        assert_eq!(
            PersonalId::parse("001 095 012 345"),
            Err(PersonalIdError::NotDigits)
        );
        assert_eq!(
            PersonalId::parse("００１０９５０１２３４５"),
            Err(PersonalIdError::NotDigits)
        );
        assert_eq!(
            PersonalId::parse("003095012345"),
            Err(PersonalIdError::UnknownProvince {
                code: "003".to_string()
            })
        );
    }

    #[test]
    fn error_codes_and_messages() {
        let e = PersonalId::parse("00109501234").unwrap_err();
        assert_eq!(e.code(), "personal_id_wrong_length");
        assert_eq!(
            e.message_vi(),
            "Số định danh phải có đúng 12 chữ số (đang có 11)."
        );
        assert_eq!(
            PersonalId::parse("x").unwrap_err().code(),
            "personal_id_not_digits"
        );
        assert_eq!(
            PersonalId::parse("999095012345").unwrap_err().code(),
            "personal_id_unknown_province"
        );
        assert_eq!(
            PersonalId::parse("").unwrap_err().code(),
            "personal_id_empty"
        );
    }

    #[test]
    fn check_century_mismatch() {
        // Digit 2 = male, 21st century, but born 1995.
        let id = PersonalId::parse("001295012345").unwrap();
        let e = id.check(Sex::Male, date!(1995 - 01 - 01)).unwrap_err();
        assert_eq!(e.code(), "personal_id_century_mismatch");
        assert_eq!(
            e,
            PersonalIdError::CenturyMismatch {
                found_digit: 2,
                found_century: 21,
                expected_digit: 0,
                birth_year: 1995
            }
        );
        assert!(e.message_vi().contains("2000–2099"), "{}", e.message_vi());
        // Digit 3 = female, 21st century: both differ, century wins.
        let id = PersonalId::parse("001395012345").unwrap();
        let e = id.check(Sex::Male, date!(1995 - 01 - 01)).unwrap_err();
        assert_eq!(e.code(), "personal_id_century_mismatch");
    }

    #[test]
    fn check_sex_mismatch() {
        let id = PersonalId::parse("001195012345").unwrap();
        let e = id.check(Sex::Male, date!(1995 - 06 - 15)).unwrap_err();
        assert_eq!(e.code(), "personal_id_sex_mismatch");
        assert_eq!(
            e,
            PersonalIdError::SexMismatch {
                expected: Sex::Male,
                found: Sex::Female,
                found_digit: 1,
                expected_digit: 0
            }
        );
        assert!(e.message_vi().contains("Nữ"));
        assert_eq!(id.check(Sex::Female, date!(1995 - 06 - 15)), Ok(()));
    }

    #[test]
    fn check_birth_year_mismatch() {
        let id = PersonalId::parse("001095012345").unwrap();
        let e = id.check(Sex::Male, date!(1996 - 01 - 01)).unwrap_err();
        assert_eq!(e.code(), "personal_id_birth_year_mismatch");
        assert_eq!(
            e.message_vi(),
            "Chữ số thứ 5 và 6 của số định danh là 95, không khớp với năm sinh 1996 (phải là 96)."
        );
        let e = id.check(Sex::Male, date!(1899 - 01 - 01)).unwrap_err();
        assert_eq!(e.code(), "personal_id_birth_year_unsupported");
    }

    #[test]
    fn sex_parse_and_serde() {
        assert_eq!(Sex::parse("Nam").unwrap(), Sex::Male);
        assert_eq!(Sex::parse(" NỮ ").unwrap(), Sex::Female);
        assert_eq!(Sex::parse("nu\u{31b}\u{303}").unwrap(), Sex::Female);
        assert_eq!(Sex::parse("FEMALE").unwrap(), Sex::Female);
        assert_eq!(Sex::parse("male").unwrap(), Sex::Male);
        let e = Sex::parse("khác").unwrap_err();
        assert_eq!(e.code(), "sex_invalid");
        assert_eq!(Sex::Female.label_vi(), "Nữ");
        assert_eq!(serde_json::to_string(&Sex::Female).unwrap(), "\"female\"");
        assert_eq!(serde_json::from_str::<Sex>("\"male\"").unwrap(), Sex::Male);
    }

    #[test]
    fn personal_id_serde() {
        let id = PersonalId::parse("079203000123").unwrap();
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, "\"079203000123\"");
        assert_eq!(serde_json::from_str::<PersonalId>(&json).unwrap(), id);
        assert!(serde_json::from_str::<PersonalId>("\"12345\"").is_err());
    }

    fn valid_id() -> impl Strategy<Value = String> {
        let codes: Vec<String> = id_provinces().iter().map(|p| p.id_code.clone()).collect();
        (proptest::sample::select(codes), "[0-9]{9}").prop_map(|(p, rest)| format!("{p}{rest}"))
    }

    proptest! {
        #[test]
        fn every_valid_number_parses(s in valid_id()) {
            let id = PersonalId::parse(&s).unwrap();
            prop_assert_eq!(id.as_str(), s.as_str());
            prop_assert_eq!(PersonalId::parse(id.as_str()).unwrap(), id.clone());
            prop_assert_eq!(id.birth_year() % 100, s[4..6].parse::<i32>().unwrap());
            let dob = Date::from_calendar_date(id.birth_year(), time::Month::March, 1).unwrap();
            prop_assert_eq!(id.check(id.sex(), dob), Ok(()));
        }

        #[test]
        fn wrong_lengths_rejected(s in "[0-9]{0,30}") {
            prop_assume!(s.len() != 12);
            let r = PersonalId::parse(&s);
            if s.is_empty() {
                prop_assert_eq!(r, Err(PersonalIdError::Empty));
            } else {
                prop_assert_eq!(r, Err(PersonalIdError::WrongLength { len: s.len() }));
            }
        }
    }
}
