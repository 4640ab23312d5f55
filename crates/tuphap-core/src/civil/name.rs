//! Personal names (họ, chữ đệm, tên) as the civil-status registry records them.
//!
//! Source: Bộ luật Dân sự 2015, Điều 26 (`bo-luat-dan-su-2015/dieu-26`):
//!
//! * khoản 1: "Cá nhân có quyền có họ, tên (bao gồm cả chữ đệm, nếu có)";
//! * khoản 3: "Tên của công dân Việt Nam phải bằng tiếng Việt hoặc tiếng dân tộc khác của Việt
//!   Nam; không đặt tên bằng số, bằng một ký tự mà không phải là chữ."
//!
//! and the `ho_ten` type of `civil-status-forms.md` §0.6. The rules applied by
//! [`PersonName::parse`] are listed on that function; the choices the sources leave open are in
//! the [module docs of `civil`](super).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::Coded;
use crate::text::{VnText, fold, nfc, tone_canonical};

/// Longest accepted full name, in Unicode scalar values after NFC (a documented choice: no source
/// gives a limit; 100 leaves room for long ethnic-minority and foreign names).
pub const NAME_MAX_CHARS: usize = 100;

/// Which rules apply to a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NamePolicy {
    /// A Vietnamese citizen: at least a surname and a given name (two words or more), BLDS 2015
    /// Đ.26.1–2.
    VietnameseCitizen,
    /// A foreigner, written as in the passport (Latin letters): one word is enough.
    Foreigner,
}

impl NamePolicy {
    fn min_words(self) -> usize {
        match self {
            NamePolicy::VietnameseCitizen => 2,
            NamePolicy::Foreigner => 1,
        }
    }
}

/// A name that the registry refuses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NameError {
    /// Nothing but whitespace.
    #[error("the name is empty")]
    Empty,
    /// Longer than [`NAME_MAX_CHARS`].
    #[error("the name has {actual} characters, more than {max}")]
    TooLong { max: usize, actual: usize },
    /// A digit (BLDS 2015 Đ.26.3: "không đặt tên bằng số").
    #[error("the name contains the digit {character:?}")]
    ContainsDigit { character: char },
    /// A character that is neither a Latin-script letter, a space, a hyphen nor an apostrophe.
    #[error("the name contains the character {character:?}")]
    InvalidCharacter { character: char },
    /// A word without any letter, e.g. a lone `-` (BLDS 2015 Đ.26.3: not "một ký tự mà không
    /// phải là chữ").
    #[error("the word {word:?} has no letter")]
    WordWithoutLetter { word: String },
    /// A hyphen not between two letters, or an apostrophe not after a letter.
    #[error("misplaced punctuation in {word:?}")]
    MisplacedPunctuation { word: String },
    /// Fewer words than the policy requires (a citizen has a surname and a given name).
    #[error("the name has {actual} word(s), at least {min} are required")]
    TooFewWords { min: usize, actual: usize },
    /// [`PersonName::from_parts`]: the surname (họ) is empty.
    #[error("the surname is empty")]
    SurnameMissing,
    /// [`PersonName::from_parts`]: the given name (tên) is empty.
    #[error("the given name is empty")]
    GivenNameMissing,
}

impl Coded for NameError {
    fn code(&self) -> &'static str {
        match self {
            NameError::Empty => "name_empty",
            NameError::TooLong { .. } => "name_too_long",
            NameError::ContainsDigit { .. } => "name_contains_digit",
            NameError::InvalidCharacter { .. } => "name_invalid_character",
            NameError::WordWithoutLetter { .. } => "name_word_without_letter",
            NameError::MisplacedPunctuation { .. } => "name_misplaced_punctuation",
            NameError::TooFewWords { .. } => "name_too_few_words",
            NameError::SurnameMissing => "name_surname_missing",
            NameError::GivenNameMissing => "name_given_name_missing",
        }
    }

    fn message_vi(&self) -> String {
        match self {
            NameError::Empty => "Chưa nhập họ, chữ đệm và tên.".to_string(),
            NameError::TooLong { max, actual } => {
                format!("Họ, chữ đệm và tên dài {actual} ký tự, vượt quá {max} ký tự.")
            }
            NameError::ContainsDigit { character } => format!(
                "Họ, chữ đệm và tên không được có chữ số (\u{201c}{character}\u{201d}) \
                 (Bộ luật Dân sự 2015, Điều 26 khoản 3)."
            ),
            NameError::InvalidCharacter { character } => format!(
                "Họ, chữ đệm và tên có ký tự không được phép \u{201c}{character}\u{201d}. Chỉ dùng \
                 chữ cái tiếng Việt hoặc chữ dân tộc viết bằng chữ cái La-tinh, dấu cách, dấu gạch \
                 nối (-) và dấu nháy (')."
            ),
            NameError::WordWithoutLetter { word } => format!(
                "\u{201c}{word}\u{201d} không phải là chữ: mỗi thành phần của họ tên phải có chữ cái \
                 (Bộ luật Dân sự 2015, Điều 26 khoản 3)."
            ),
            NameError::MisplacedPunctuation { word } => format!(
                "Dấu gạch nối hoặc dấu nháy đặt sai chỗ trong \u{201c}{word}\u{201d}: dấu gạch nối \
                 phải nằm giữa hai chữ cái, dấu nháy phải đứng sau một chữ cái."
            ),
            NameError::TooFewWords { min, .. } => format!(
                "Họ tên phải có ít nhất {min} từ: họ và tên (Bộ luật Dân sự 2015, Điều 26)."
            ),
            NameError::SurnameMissing => "Chưa nhập họ (Bộ luật Dân sự 2015, Điều 26).".to_string(),
            NameError::GivenNameMissing => {
                "Chưa nhập tên (Bộ luật Dân sự 2015, Điều 26).".to_string()
            }
        }
    }
}

/// A validated full name (họ, chữ đệm, tên) in one string, as the forms ask for it: NFC, trimmed,
/// single spaces, apostrophes and hyphens in their ASCII form. Case is kept as entered (the
/// printed forms use [`PersonName::upper`]).
///
/// Serialised as the plain string; deserialised through [`PersonName::parse`] (citizen rules).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PersonName(String);

/// The conventional split of a full name (see [`PersonName::parts`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NameParts {
    /// Họ, e.g. `Nguyễn`, `Tôn Thất`.
    pub surname: String,
    /// Chữ đệm, possibly empty, e.g. `Thị Ngọc`.
    pub middle: String,
    /// Tên, e.g. `Ánh`.
    pub given: String,
}

/// Compound surnames recognised by [`PersonName::parts`] (folded). Only common, unambiguous ones.
const COMPOUND_SURNAMES: [&str; 6] = [
    "cong tang ton nu",
    "ton that",
    "ton nu",
    "nguyen phuc",
    "au duong",
    "tu ma",
];

/// Apostrophe look-alikes that forms and keyboards produce; all become `'`.
fn is_apostrophe_variant(c: char) -> bool {
    matches!(
        c,
        '\'' | '\u{2019}' | '\u{2018}' | '\u{02bc}' | '\u{02bb}' | '`' | '\u{00b4}' | '\u{2032}'
    )
}

/// Hyphen look-alikes (not dashes); all become `-`.
fn is_hyphen_variant(c: char) -> bool {
    matches!(c, '-' | '\u{2010}' | '\u{2011}')
}

/// A letter of the Latin script: Basic Latin, Latin-1 Supplement, Latin Extended-A/B and Latin
/// Extended Additional (Vietnamese precomposed letters), the ranges where Vietnamese and the
/// Latin-based orthographies of Vietnam's ethnic languages (Ê Đê `Ƀ`, `Č`, `Ŏ`, `Ĭ`, `Ŭ`, `Ñ`…)
/// live. `ª` and `º` are excluded.
fn is_latin_letter(c: char) -> bool {
    if !c.is_alphabetic() || matches!(c, 'ª' | 'º') {
        return false;
    }
    matches!(c as u32, 0x41..=0x5A | 0x61..=0x7A | 0xC0..=0x24F | 0x1E00..=0x1EFF)
}

/// Combining diacritics (U+0300–U+036F) that NFC could not compose, e.g. the breve of Jarai `ơ̆`.
fn is_combining_diacritic(c: char) -> bool {
    matches!(c as u32, 0x300..=0x36F)
}

impl PersonName {
    /// Validates a full name with the citizen rules ([`NamePolicy::VietnameseCitizen`]).
    pub fn parse(input: &str) -> Result<PersonName, NameError> {
        PersonName::parse_with(input, NamePolicy::VietnameseCitizen)
    }

    /// Validates a full name (BLDS 2015 Đ.26; `ho_ten` of `civil-status-forms.md` §0.6):
    ///
    /// 1. normalised with [`VnText`] (NFC, trimmed, whitespace runs → one space); apostrophe
    ///    look-alikes (`’ ‘ ʼ ʻ ´ \``) become `'`, hyphen look-alikes (U+2010, U+2011) become `-`;
    /// 2. not empty, at most [`NAME_MAX_CHARS`] characters;
    /// 3. no digit (`name_contains_digit`, Đ.26.3 "không đặt tên bằng số");
    /// 4. only Latin-script letters (Vietnamese and the ethnic-minority orthographies), combining
    ///    diacritics after a letter, spaces, `-` and `'` (`name_invalid_character`);
    /// 5. every word has a letter (`name_word_without_letter`, Đ.26.3 "bằng một ký tự mà không
    ///    phải là chữ"); a hyphen sits between two letters, an apostrophe right after a letter
    ///    (`H'Hen`, `H' Hen`), never doubled (`name_misplaced_punctuation`);
    /// 6. at least 2 words for a citizen (họ and tên, Đ.26.1–2), 1 for a foreigner.
    ///
    /// One-letter words are allowed (`Y Moan Ênuôl`, `H' Hen Niê`), so is any word order (Ê Đê
    /// and Gia Rai names put the clan name last).
    pub fn parse_with(input: &str, policy: NamePolicy) -> Result<PersonName, NameError> {
        let text: String = VnText::new(input)
            .as_str()
            .chars()
            .map(|c| {
                if is_apostrophe_variant(c) {
                    '\''
                } else if is_hyphen_variant(c) {
                    '-'
                } else {
                    c
                }
            })
            .collect();
        let text = nfc(&text);
        if text.is_empty() {
            return Err(NameError::Empty);
        }
        let len = text.chars().count();
        if len > NAME_MAX_CHARS {
            return Err(NameError::TooLong {
                max: NAME_MAX_CHARS,
                actual: len,
            });
        }
        if let Some(character) = text.chars().find(|c| c.is_numeric()) {
            return Err(NameError::ContainsDigit { character });
        }
        let mut previous: Option<char> = None;
        for c in text.chars() {
            let ok = is_latin_letter(c)
                || matches!(c, ' ' | '-' | '\'')
                || (is_combining_diacritic(c)
                    && previous.is_some_and(|p| is_latin_letter(p) || is_combining_diacritic(p)));
            if !ok {
                return Err(NameError::InvalidCharacter { character: c });
            }
            previous = Some(c);
        }
        let words: Vec<&str> = text.split(' ').collect();
        for word in &words {
            check_word(word)?;
        }
        if words.len() < policy.min_words() {
            return Err(NameError::TooFewWords {
                min: policy.min_words(),
                actual: words.len(),
            });
        }
        Ok(PersonName(text))
    }

    /// Builds a citizen's name from the three parts of some forms (họ, chữ đệm, tên); the middle
    /// part may be empty. The result is the joined full name, validated by [`PersonName::parse`].
    pub fn from_parts(surname: &str, middle: &str, given: &str) -> Result<PersonName, NameError> {
        let surname = VnText::new(surname);
        let middle = VnText::new(middle);
        let given = VnText::new(given);
        if surname.is_empty() {
            return Err(NameError::SurnameMissing);
        }
        if given.is_empty() {
            return Err(NameError::GivenNameMissing);
        }
        let joined = [surname.as_str(), middle.as_str(), given.as_str()]
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        PersonName::parse(&joined)
    }

    /// The name as stored (NFC).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The matching key: no diacritics, `đ` → `d`, lowercase ([`fold`]).
    pub fn folded(&self) -> String {
        fold(&self.0)
    }

    /// The name with canonical tone-mark placement ([`tone_canonical`]): `Thủy` and `Thuỷ` agree.
    pub fn tone_canonical(&self) -> String {
        tone_canonical(&self.0)
    }

    /// The name in capitals, as printed on the forms and certificates (NFC).
    pub fn upper(&self) -> String {
        nfc(&self.0.to_uppercase())
    }

    /// The words, in order.
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.0.split(' ')
    }

    /// The conventional Kinh split: the surname is the first word (or a known compound surname
    /// such as `Tôn Thất`, `Nguyễn Phúc`, `Âu Dương`), the given name the last word, the middle
    /// name what lies between. Only a display and search hint: the registry stores the full name
    /// as one field, and many ethnic-minority names follow other orders (`H' Hen Niê`: `Niê` is
    /// the clan name). A one-word foreign name is all given name.
    pub fn parts(&self) -> NameParts {
        let words: Vec<&str> = self.words().collect();
        let Some((&given, rest)) = words.split_last() else {
            return NameParts {
                surname: String::new(),
                middle: String::new(),
                given: String::new(),
            };
        };
        if rest.is_empty() {
            return NameParts {
                surname: String::new(),
                middle: String::new(),
                given: given.to_string(),
            };
        }
        let folded_rest: Vec<String> = rest.iter().map(|w| fold(w)).collect();
        let surname_len = COMPOUND_SURNAMES
            .iter()
            .map(|c| c.split(' ').collect::<Vec<_>>())
            .find(|c| {
                c.len() <= folded_rest.len() && c.iter().zip(&folded_rest).all(|(a, b)| a == b)
            })
            .map_or(1, |c| c.len());
        NameParts {
            surname: rest[..surname_len].join(" "),
            middle: rest[surname_len..].join(" "),
            given: given.to_string(),
        }
    }

    /// The surname (họ) of [`PersonName::parts`].
    pub fn surname(&self) -> String {
        self.parts().surname
    }

    /// The given name (tên) of [`PersonName::parts`]: the last word.
    pub fn given_name(&self) -> &str {
        self.0.rsplit(' ').next().unwrap_or_default()
    }
}

/// Checks the punctuation of one word (no spaces inside).
fn check_word(word: &str) -> Result<(), NameError> {
    let chars: Vec<char> = word.chars().collect();
    if !chars.iter().any(|&c| is_latin_letter(c)) {
        return Err(NameError::WordWithoutLetter {
            word: word.to_string(),
        });
    }
    let is_letterish = |c: char| is_latin_letter(c) || is_combining_diacritic(c);
    for (i, &c) in chars.iter().enumerate() {
        let before = i.checked_sub(1).map(|j| chars[j]);
        let after = chars.get(i + 1).copied();
        let ok = match c {
            '-' => before.is_some_and(is_letterish) && after.is_some_and(is_latin_letter),
            '\'' => before.is_some_and(is_letterish),
            _ => true,
        };
        if !ok {
            return Err(NameError::MisplacedPunctuation {
                word: word.to_string(),
            });
        }
    }
    Ok(())
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for PersonName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Serialize for PersonName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for PersonName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<PersonName, D::Error> {
        let s = String::deserialize(deserializer)?;
        PersonName::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use unicode_normalization::UnicodeNormalization;

    fn code(input: &str) -> &'static str {
        PersonName::parse(input).unwrap_err().code()
    }

    /// BLDS 2015 Đ.26.3: names in Vietnamese or another language of Vietnam's ethnic groups.
    #[test]
    fn blds_26_vietnamese_and_ethnic_minority_names_pass() {
        for name in [
            "Nguyễn Văn An",
            "Trần Thị Ngọc Ánh",
            "H' Hen Niê",
            "H'Hen Niê",
            "Ka Sô Liễng",
            "Y Moan Ênuôl",
            "Ksor H'Bơ Khắp",
            "Rơ Mah Bech",
            "Thạch Thị Sa Ri",
            "Danh Sơn",
            "Hoàng A Sử",
            "Lò Văn Giàng",
            "Y Ƀhim Niê",
            "Nay Phi La",
            "Tôn Thất Thuyết",
            "Lê Thị Thu-Hà",
            "Đặng Thùy Trâm",
            "Nguyễn Thị Thuỷ",
        ] {
            let n = PersonName::parse(name).unwrap();
            assert_eq!(n.as_str(), nfc(name), "{name}");
        }
    }

    /// BLDS 2015 Đ.26.3: "không đặt tên bằng số".
    #[test]
    fn blds_26_3_no_digits() {
        assert_eq!(code("Nguyễn Văn 2"), "name_contains_digit");
        assert_eq!(code("Nguyen Van A1"), "name_contains_digit");
        // Other numeral systems too.
        assert_eq!(code("Lê Ⅻ"), "name_contains_digit");
    }

    /// BLDS 2015 Đ.26.3: not "một ký tự mà không phải là chữ".
    #[test]
    fn blds_26_3_no_word_without_letter() {
        assert_eq!(code("Nguyễn - An"), "name_word_without_letter");
        assert_eq!(code("Nguyễn ' An"), "name_word_without_letter");
        assert_eq!(code("Trần @"), "name_invalid_character");
        assert_eq!(code("Trần Văn An."), "name_invalid_character");
        assert_eq!(code("Trần_An"), "name_invalid_character");
    }

    #[test]
    fn punctuation_placement() {
        assert_eq!(code("Nguyễn -An"), "name_misplaced_punctuation");
        assert_eq!(code("Nguyễn An-"), "name_misplaced_punctuation");
        assert_eq!(code("Nguyễn Thu--Hà"), "name_misplaced_punctuation");
        assert_eq!(code("Nguyễn 'Hen"), "name_misplaced_punctuation");
        assert_eq!(code("H''Hen Niê"), "name_misplaced_punctuation");
    }

    /// BLDS 2015 Đ.26.3: Vietnamese or an ethnic language of Vietnam (written in Latin letters).
    #[test]
    fn blds_26_3_other_scripts_refused() {
        assert_eq!(code("阮 文安"), "name_invalid_character");
        assert_eq!(code("Иван Петров"), "name_invalid_character");
        assert_eq!(code("Nguyễn ª"), "name_invalid_character");
    }

    /// BLDS 2015 Đ.26.1–2: a citizen has a họ and a tên.
    #[test]
    fn blds_26_citizen_needs_surname_and_given_name() {
        assert_eq!(code("An"), "name_too_few_words");
        assert_eq!(code("   "), "name_empty");
        assert_eq!(
            PersonName::parse_with("Madonna", NamePolicy::Foreigner)
                .unwrap()
                .as_str(),
            "Madonna"
        );
        assert_eq!(
            PersonName::parse_with("Seán O'Brien", NamePolicy::Foreigner)
                .unwrap()
                .as_str(),
            "Seán O'Brien"
        );
    }

    #[test]
    fn max_length() {
        let long = format!("Nguyễn {}", "a".repeat(NAME_MAX_CHARS));
        let e = PersonName::parse(&long).unwrap_err();
        assert_eq!(e.code(), "name_too_long");
        let ok = format!("Nguyễn {}", "a".repeat(NAME_MAX_CHARS - 7));
        assert!(PersonName::parse(&ok).is_ok());
    }

    #[test]
    fn normalisation() {
        let n = PersonName::parse("  Nguye\u{302}\u{303}n   Thị\tHương ").unwrap();
        assert_eq!(n.as_str(), "Nguyễn Thị Hương");
        assert_eq!(
            PersonName::parse("H’Hen Niê").unwrap().as_str(),
            "H'Hen Niê"
        );
        assert_eq!(
            PersonName::parse("H\u{2bc} Hen Niê").unwrap().as_str(),
            "H' Hen Niê"
        );
        assert_eq!(
            PersonName::parse("Lê Thu\u{2010}Hà").unwrap().as_str(),
            "Lê Thu-Hà"
        );
        // A combining breve NFC cannot compose (Gia Rai ơ̆) is kept after its letter.
        let jarai = "Rơ\u{306} Mah";
        assert_eq!(PersonName::parse(jarai).unwrap().as_str(), nfc(jarai));
        assert_eq!(code("\u{306}A Mah"), "name_invalid_character");
    }

    #[test]
    fn keys_and_case() {
        let n = PersonName::parse("Nguyễn Thị Thủy").unwrap();
        assert_eq!(n.folded(), "nguyen thi thuy");
        assert_eq!(n.tone_canonical(), "Nguyễn Thị Thuỷ");
        assert_eq!(n.upper(), "NGUYỄN THỊ THỦY");
        assert_eq!(
            PersonName::parse("đặng văn đức").unwrap().upper(),
            "ĐẶNG VĂN ĐỨC"
        );
    }

    #[test]
    fn split_helpers() {
        let n = PersonName::parse("Trần Thị Ngọc Ánh").unwrap();
        assert_eq!(
            n.parts(),
            NameParts {
                surname: "Trần".into(),
                middle: "Thị Ngọc".into(),
                given: "Ánh".into()
            }
        );
        assert_eq!(n.surname(), "Trần");
        assert_eq!(n.given_name(), "Ánh");
        let n = PersonName::parse("Tôn Thất Thuyết").unwrap();
        assert_eq!(n.surname(), "Tôn Thất");
        assert_eq!(n.parts().middle, "");
        let n = PersonName::parse("Nguyễn An").unwrap();
        assert_eq!(n.surname(), "Nguyễn");
        assert_eq!(n.parts().middle, "");
        let f = PersonName::parse_with("Madonna", NamePolicy::Foreigner).unwrap();
        assert_eq!(f.parts().given, "Madonna");
        assert_eq!(f.surname(), "");
    }

    #[test]
    fn from_parts() {
        let n = PersonName::from_parts("Nguyễn", "Thị", "Hương").unwrap();
        assert_eq!(n.as_str(), "Nguyễn Thị Hương");
        let n = PersonName::from_parts("Lê", "", "Na").unwrap();
        assert_eq!(n.as_str(), "Lê Na");
        assert_eq!(
            PersonName::from_parts("", "Văn", "An").unwrap_err().code(),
            "name_surname_missing"
        );
        assert_eq!(
            PersonName::from_parts("Lê", "Văn", " ").unwrap_err().code(),
            "name_given_name_missing"
        );
    }

    #[test]
    fn serde_round_trip() {
        let n = PersonName::parse("H' Hen Niê").unwrap();
        let json = serde_json::to_string(&n).unwrap();
        assert_eq!(json, "\"H' Hen Niê\"");
        let back: PersonName = serde_json::from_str(&json).unwrap();
        assert_eq!(back, n);
        assert!(serde_json::from_str::<PersonName>("\"Nguyễn 3\"").is_err());
    }

    #[test]
    fn messages_are_vietnamese_nfc() {
        for e in [
            NameError::Empty,
            NameError::TooLong {
                max: 100,
                actual: 120,
            },
            NameError::ContainsDigit { character: '3' },
            NameError::InvalidCharacter { character: '@' },
            NameError::WordWithoutLetter { word: "-".into() },
            NameError::MisplacedPunctuation { word: "-An".into() },
            NameError::TooFewWords { min: 2, actual: 1 },
            NameError::SurnameMissing,
            NameError::GivenNameMissing,
        ] {
            let m = e.message_vi();
            assert_eq!(m, nfc(&m));
            assert!(!m.is_empty());
            assert!(e.code().starts_with("name_"));
        }
    }

    proptest! {
        /// Normalisation is idempotent, and NFC/NFD inputs give the same name.
        #[test]
        fn parse_idempotent(s in "[A-Za-zĐđăâêôơưàảãáạềếệểễ' -]{1,40}") {
            if let Ok(n) = PersonName::parse(&s) {
                prop_assert_eq!(PersonName::parse(n.as_str()).unwrap(), n.clone());
                let nfd: String = s.nfd().collect();
                prop_assert_eq!(PersonName::parse(&nfd).unwrap(), n);
            }
        }

        #[test]
        fn never_panics(s in "\\PC{0,60}") {
            let _ = PersonName::parse(&s);
            let _ = PersonName::parse_with(&s, NamePolicy::Foreigner);
        }
    }
}
