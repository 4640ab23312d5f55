//! Vietnamese text: Unicode normalisation, whitespace clean-up, matching keys and canonical
//! tone-mark placement.
//!
//! Three different notions of "the same text" are offered, from strict to loose:
//!
//! * [`nfc`] / [`VnText`]: the exact text, in Unicode NFC (what is stored and displayed);
//! * [`tone_canonical`]: the text with the tone mark of every syllable moved to one canonical
//!   place, so that the old (`hòa`, `thủy`, `khỏe`) and new (`hoà`, `thuỷ`, `khoẻ`) spelling
//!   styles compare equal while diacritics still matter otherwise (`Hòa` ≠ `Hóa`);
//! * [`fold`]: the matching key without any diacritic, lowercased (`nguyen thi huong`), for
//!   search and duplicate detection.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::{canonical_combining_class, is_combining_mark};

/// The Unicode NFC form of `s` (the form every stored or displayed text uses).
pub fn nfc(s: &str) -> String {
    // Most text arrives in NFC already: a quick check avoids rebuilding it.
    if unicode_normalization::is_nfc_quick(s.chars()) == unicode_normalization::IsNormalized::Yes {
        return s.to_string();
    }
    s.nfc().collect()
}

/// Collapses every run of whitespace to one ASCII space and trims both ends.
fn collapse_whitespace(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A piece of people-facing Vietnamese text: NFC, trimmed, internal whitespace runs collapsed to
/// a single space. Names, addresses and free text entered in forms go through this type.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct VnText(String);

impl VnText {
    /// Normalises `s`: NFC, trim, collapse whitespace runs (any Unicode whitespace) to one space.
    pub fn new(s: &str) -> VnText {
        // Most text arrives clean (NFC, single spaces, trimmed): one check instead of three
        // passes and allocations.
        let clean = !s.starts_with(' ')
            && !s.ends_with(' ')
            && !s.contains("  ")
            && !s.chars().any(|c| c.is_whitespace() && c != ' ');
        if clean
            && unicode_normalization::is_nfc_quick(s.chars())
                == unicode_normalization::IsNormalized::Yes
        {
            return VnText(s.to_string());
        }
        let collapsed = collapse_whitespace(&nfc(s));
        // Re-normalise: removing whitespace can never create a composition in practice, but this
        // keeps the NFC invariant unconditional.
        VnText(nfc(&collapsed))
    }

    /// The normalised text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The normalised text, by value.
    pub fn into_string(self) -> String {
        self.0
    }

    /// Whether the text is empty (after trimming).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The diacritic-free matching key, see [`fold`].
    pub fn folded(&self) -> String {
        fold(self.as_str())
    }

    /// The text with canonical tone-mark placement, see [`tone_canonical`].
    pub fn tone_canonical(&self) -> String {
        tone_canonical(self.as_str())
    }
}

impl fmt::Display for VnText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for VnText {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<&str> for VnText {
    fn from(s: &str) -> VnText {
        VnText::new(s)
    }
}

impl From<String> for VnText {
    fn from(s: String) -> VnText {
        VnText::new(&s)
    }
}

impl Serialize for VnText {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for VnText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<VnText, D::Error> {
        let s = String::deserialize(deserializer)?;
        Ok(VnText::new(&s))
    }
}

/// The matching key of `s`: every diacritic removed (canonical decomposition, combining marks
/// dropped), `đ`/`Đ` → `d`, lowercase, whitespace runs collapsed to one space, trimmed.
///
/// `"Nguyễn Thị Hương"` → `"nguyen thi huong"`, `"Đắk Lắk"` → `"dak lak"`. NFC and NFD inputs
/// give the same key, and `fold` is idempotent. The Icelandic eth `Ð`/`ð` (U+00D0/U+00F0), which
/// legacy encodings converters often produce instead of `Đ`, is folded to `d` as well.
pub fn fold(s: &str) -> String {
    // Decompose first so that the result depends only on the canonical equivalence class of `s`;
    // lowercase per character (no context-dependent rules such as the Greek final sigma) and
    // decompose again, since lowercasing can produce decomposable characters (e.g. `İ`). One
    // pass, whitespace runs collapsed on the way.
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.nfd().flat_map(char::to_lowercase).nfd() {
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if is_combining_mark(c) || canonical_combining_class(c) != 0 {
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(match c {
            'đ' | 'ð' => 'd',
            other => other,
        });
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Tone marks
// ---------------------------------------------------------------------------------------------

/// The five Vietnamese tone marks as combining characters: huyền, sắc, ngã, hỏi, nặng.
const TONE_MARKS: [char; 5] = ['\u{300}', '\u{301}', '\u{303}', '\u{309}', '\u{323}'];

/// Combining marks that change the vowel itself: breve (ă), circumflex (â ê ô), horn (ơ ư).
const SHAPE_MARKS: [char; 3] = ['\u{306}', '\u{302}', '\u{31B}'];

/// Vietnamese syllable onsets (lowercase), as written. `qu` and `gi` are handled separately since
/// their second letter is also a vowel letter.
const ONSETS: [&str; 27] = [
    "", "b", "c", "ch", "d", "đ", "g", "gh", "h", "k", "kh", "l", "m", "n", "ng", "ngh", "nh", "p",
    "ph", "r", "s", "t", "th", "tr", "v", "x", "q",
];

/// Vietnamese final consonants (lowercase).
const CODAS: [&str; 9] = ["", "c", "ch", "m", "n", "ng", "nh", "p", "t"];

/// One letter of a syllable: its base (case kept), its optional vowel shape mark and its optional
/// tone mark.
#[derive(Debug, Clone, Copy)]
struct Letter {
    base: char,
    shape: Option<char>,
    tone: Option<char>,
}

impl Letter {
    fn lower(self) -> char {
        match self.base {
            'Đ' => 'đ',
            c => c.to_ascii_lowercase(),
        }
    }

    fn is_vowel(self) -> bool {
        matches!(self.lower(), 'a' | 'e' | 'i' | 'o' | 'u' | 'y')
    }
}

/// NFC text in which every Vietnamese syllable carries its tone mark at one canonical place, so
/// that the two spelling styles in use compare equal.
///
/// **Canonical form: the "new style" (kiểu mới)**, in which the tone mark sits on the main vowel
/// of the syllable: in the open clusters `oa`, `oe`, `uy` it is on the second vowel — `hoà`,
/// `khoẻ`, `thuỷ`, `Hoà Bình`, `Uỷ ban`. Old-style input (`hòa`, `khỏe`, `thủy`, `Hòa Bình`,
/// `Ủy ban`) is mapped to it. Syllables whose placement does not differ between the styles are
/// left as they are (`hoàng`, `quý`, `người`, `huỳnh`, `ngoài`); a mark misplaced on the `u` of
/// `qu` or the `i` of `gi` is moved to the vowel after it (`qúy` → `quý`, `gìa` → `già`).
///
/// The rule applied to each syllable (maximal run of letters) that looks Vietnamese — onset from
/// the Vietnamese onsets, one to three vowel letters, a Vietnamese final consonant, exactly one
/// tone mark — is: the last vowel carrying a shape mark (ă â ê ô ơ ư) if any; otherwise the last
/// vowel when a final consonant follows; otherwise the middle vowel of three, the second of
/// `oa`/`oe`/`uy`, the first of any other pair. Anything else (foreign words, several tone marks,
/// other diacritics) is returned unchanged (as NFC). Letter case is kept.
///
/// Only tone marks move, so `fold(tone_canonical(x)) == fold(x)`; the function is idempotent.
pub fn tone_canonical(s: &str) -> String {
    let chars: Vec<char> = s.nfd().collect();
    let mut out = String::with_capacity(s.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        if is_word_char(chars[i]) {
            let start = i;
            while i < chars.len() && is_word_char(chars[i]) {
                i += 1;
            }
            canonical_word(&chars[start..i], &mut out);
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    nfc(&out)
}

fn is_word_char(c: char) -> bool {
    c.is_alphabetic() || is_combining_mark(c)
}

/// Appends `word` (NFD characters) to `out` with its tone mark at the canonical place, or
/// unchanged when it does not look like a Vietnamese syllable with exactly one tone mark.
fn canonical_word(word: &[char], out: &mut String) {
    match canonical_letters(word) {
        Some(letters) => {
            for l in letters {
                out.push(l.base);
                if let Some(shape) = l.shape {
                    out.push(shape);
                }
                if let Some(tone) = l.tone {
                    out.push(tone);
                }
            }
        }
        None => out.extend(word.iter()),
    }
}

/// Splits NFD characters into letters; `None` if a character is not a Vietnamese letter or mark.
fn split_letters(word: &[char]) -> Option<Vec<Letter>> {
    let mut letters: Vec<Letter> = Vec::with_capacity(word.len());
    for &c in word {
        if TONE_MARKS.contains(&c) {
            let last = letters.last_mut()?;
            if last.tone.is_some() {
                return None;
            }
            last.tone = Some(c);
        } else if SHAPE_MARKS.contains(&c) {
            let last = letters.last_mut()?;
            if last.shape.is_some() {
                return None;
            }
            last.shape = Some(c);
        } else if c.is_ascii_alphabetic() || c == 'đ' || c == 'Đ' {
            letters.push(Letter {
                base: c,
                shape: None,
                tone: None,
            });
        } else {
            return None;
        }
    }
    // Shape marks are only valid on ă â ê ô ơ ư.
    let shapes_ok = letters.iter().all(|l| match l.shape {
        None => true,
        Some('\u{306}') => l.lower() == 'a',
        Some('\u{302}') => matches!(l.lower(), 'a' | 'e' | 'o'),
        Some(_) => matches!(l.lower(), 'o' | 'u'),
    });
    shapes_ok.then_some(letters)
}

/// The letters of `word` with the tone moved to its canonical letter, if `word` is a Vietnamese
/// syllable with exactly one tone mark.
fn canonical_letters(word: &[char]) -> Option<Vec<Letter>> {
    let mut letters = split_letters(word)?;
    let mut tones = letters.iter().filter_map(|l| l.tone);
    let tone = tones.next()?;
    if tones.next().is_some() {
        return None;
    }

    // consonant* vowel+ consonant*
    let first_vowel = letters.iter().position(|l| l.is_vowel())?;
    let after_vowels = letters[first_vowel..]
        .iter()
        .position(|l| !l.is_vowel())
        .map_or(letters.len(), |p| first_vowel + p);
    if letters[after_vowels..].iter().any(|l| l.is_vowel()) {
        return None;
    }
    let lower_str = |ls: &[Letter]| ls.iter().map(|l| l.lower()).collect::<String>();
    let onset = lower_str(&letters[..first_vowel]);
    let coda = lower_str(&letters[after_vowels..]);
    if !ONSETS.contains(&onset.as_str()) || !CODAS.contains(&coda.as_str()) {
        return None;
    }

    // The nucleus: the vowel letters, without the `u` of `qu` or the `i` of `gi`.
    let mut nucleus_start = first_vowel;
    let vowel_count = after_vowels - first_vowel;
    let glide = letters[first_vowel];
    if vowel_count >= 2 && glide.shape.is_none() {
        let is_qu = onset == "q" && glide.lower() == 'u';
        let is_gi = onset == "g" && glide.lower() == 'i';
        if is_qu || is_gi {
            nucleus_start += 1;
        }
    }
    if onset == "q" && nucleus_start == first_vowel {
        // `q` is only ever written as `qu` followed by a vowel.
        return None;
    }
    let nucleus = &letters[nucleus_start..after_vowels];
    if nucleus.is_empty() || nucleus.len() > 3 {
        return None;
    }

    let offset = if let Some(p) = nucleus.iter().rposition(|l| l.shape.is_some()) {
        p
    } else if !coda.is_empty() {
        nucleus.len() - 1
    } else {
        match nucleus.len() {
            1 => 0,
            3 => 1,
            _ => match lower_str(nucleus).as_str() {
                "oa" | "oe" | "uy" => 1,
                _ => 0,
            },
        }
    };

    for l in letters.iter_mut() {
        l.tone = None;
    }
    letters[nucleus_start + offset].tone = Some(tone);
    Some(letters)
}

/// An amount of đồng as printed and shown, with dots between thousands: 24000 → "24.000 đồng".
pub fn vnd(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut out = String::new();
    if amount < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    format!("{out} đồng")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn nfd(s: &str) -> String {
        s.nfd().collect()
    }

    #[test]
    fn nfc_composes() {
        assert_eq!(nfc("Nguye\u{302}\u{303}n"), "Nguyễn");
        assert_eq!(nfc(&nfd("Hương")), "Hương");
    }

    #[test]
    fn fold_real_names() {
        assert_eq!(fold("Nguyễn Thị Hương"), "nguyen thi huong");
        assert_eq!(fold("Đắk Lắk"), "dak lak");
        assert_eq!(fold("  TRẦN   Văn\tĐức \n"), "tran van duc");
        assert_eq!(fold("Phạm Ngọc Thạch"), "pham ngoc thach");
        assert_eq!(fold("Thừa Thiên Huế"), "thua thien hue");
        assert_eq!(fold("Bà Rịa - Vũng Tàu"), "ba ria - vung tau");
        assert_eq!(fold("Ðặng Thùy Trâm"), "dang thuy tram");
        assert_eq!(fold(""), "");
        assert_eq!(fold(&nfd("Nguyễn Thị Hương")), "nguyen thi huong");
        assert_eq!(fold("Hòa Bình"), fold("Hoà Bình"));
    }

    #[test]
    fn vntext_normalises() {
        let t = VnText::new("  Nguye\u{302}\u{303}n   Văn\u{a0}An  ");
        assert_eq!(t.as_str(), "Nguyễn Văn An");
        assert_eq!(t.to_string(), "Nguyễn Văn An");
        assert_eq!(t.folded(), "nguyen van an");
        assert_eq!(VnText::new("Hòa Bình").tone_canonical(), "Hoà Bình");
        assert!(VnText::new(" \t ").is_empty());
    }

    #[test]
    fn vntext_serde() {
        let t = VnText::new("Lê  Thị Hoa");
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"Lê Thị Hoa\"");
        let back: VnText = serde_json::from_str("\"  Le\u{302}   Thị Hoa \"").unwrap();
        assert_eq!(back, t);
    }

    #[test]
    fn tone_styles_compare_equal() {
        let pairs = [
            ("hoà", "hòa"),
            ("thuỷ", "thủy"),
            ("Hoà Bình", "Hòa Bình"),
            ("khoẻ", "khỏe"),
            ("quý", "qúy"),
            ("Khánh Hoà", "Khánh Hòa"),
            ("Thanh Hoá", "Thanh Hóa"),
            ("Uỷ ban nhân dân", "Ủy ban nhân dân"),
            ("Nguyễn Thị Thuỷ", "Nguyễn Thị Thủy"),
            ("loè loẹt", "lòe lọet"),
            ("HOÀ", "HÒA"),
            ("già", "gìa"),
        ];
        for (new, old) in pairs {
            assert_eq!(tone_canonical(new), tone_canonical(old), "{new} / {old}");
            assert_eq!(tone_canonical(old), nfc(new), "{old}");
        }
    }

    #[test]
    fn tone_canonical_keeps_correct_syllables() {
        for s in [
            "hoàng",
            "Hoàng",
            "quý",
            "Quỳnh",
            "người",
            "huỳnh",
            "ngoài",
            "xoáy",
            "khuỷu",
            "thuế",
            "thuở",
            "giữa",
            "quyển",
            "Nguyễn Văn Toàn",
            "Phường Hoà Khánh",
            "múa",
            "túi",
            "mía",
            "hươu",
            "khuya",
            "toán",
            "huých",
            "Đoàn",
            "Trần",
            "Hà Nội",
            "Bắc Kạn",
            "an",
            "2026-01-31 – số 12",
        ] {
            assert_eq!(tone_canonical(s), nfc(s), "{s}");
        }
    }

    #[test]
    fn tone_canonical_fixes_misplaced_marks() {
        assert_eq!(tone_canonical("hòang"), "hoàng");
        assert_eq!(tone_canonical("muá"), "múa");
        assert_eq!(tone_canonical("ngòai"), "ngoài");
    }

    #[test]
    fn tone_canonical_leaves_foreign_words() {
        for s in ["Zoë", "Joàn", "naïve", "strùng", "hòá", "Ñandú", "Москва"] {
            assert_eq!(tone_canonical(s), nfc(s), "{s}");
        }
    }

    #[test]
    fn tone_canonical_accepts_nfd() {
        assert_eq!(tone_canonical(&nfd("Hòa Bình")), "Hoà Bình");
        assert_eq!(tone_canonical(&nfd("Thủy")), "Thuỷ");
    }

    proptest! {
        #[test]
        fn fold_idempotent(s in "\\PC*") {
            let once = fold(&s);
            prop_assert_eq!(fold(&once), once);
        }

        #[test]
        fn fold_nfc_nfd_equal(s in "\\PC*") {
            prop_assert_eq!(fold(&nfc(&s)), fold(&nfd(&s)));
        }

        #[test]
        fn vntext_new_idempotent(s in "\\PC*") {
            let once = VnText::new(&s);
            prop_assert_eq!(VnText::new(once.as_str()), once);
        }

        #[test]
        fn tone_canonical_keeps_fold(s in "\\PC*") {
            prop_assert_eq!(fold(&tone_canonical(&s)), fold(&s));
        }

        #[test]
        fn tone_canonical_idempotent(s in "\\PC*") {
            let once = tone_canonical(&s);
            prop_assert_eq!(tone_canonical(&once), once);
        }

        /// Vietnamese-looking input, where tone marks actually move.
        #[test]
        fn tone_canonical_vietnamese_properties(
            s in "([bcdghklmnqtx]{0,2}(o|u|y|a|e|i|\u{1ea1}|\u{1ecf}|\u{1ee7}|\u{00f2}|\u{00e0}|\u{1ebb}|\u{00fd}|\u{01b0}|\u{01a1}|\u{00ea}){1,3}(ng|nh|c|t|n)? ?){0,4}"
        ) {
            let once = tone_canonical(&s);
            prop_assert_eq!(fold(&once), fold(&s));
            prop_assert_eq!(tone_canonical(&once), once.clone());
            prop_assert_eq!(tone_canonical(&nfd(&s)), once);
        }
    }
}
