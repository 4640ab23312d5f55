//! Plants known defects in a generated file, for import tests: `corrupt` copies the file and
//! replaces exactly `n` lines with a defective version, returning each line number (1-based) with
//! the machine code the importer must reject it with (`docs/legacy-format.md`, "Defects").
//!
//! The defects are the ones met in real migrations: an impossible date (`2019-02-30`), an
//! unknown administrative-unit code, a personal ID whose sex or year digits contradict the
//! person, a missing required field, a line in Windows-1258 bytes (invalid UTF-8), a truncated
//! line (invalid JSON), a husband aged 17, and the `source_id` of an earlier line repeated.
//! Each defect is built so that the importer's first error is the documented one (the API
//! validates fields in a fixed order; the defect is placed before any other check can fail).

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::Path;

use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::Date;
use tuphap_core::civil::full_years;
use tuphap_core::personal_id::{Sex, century_sex_digit};
use unicode_normalization::UnicodeNormalization;

use crate::seeded_rng;

/// A kind of planted defect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Defect {
    /// An event date that is not a calendar date, e.g. `2019-02-30`.
    ImpossibleDate,
    /// A place or residence with a commune code that never existed.
    UnknownUnit,
    /// A personal ID whose 4th digit gives the other sex.
    PersonalIdSex,
    /// A personal ID whose 5th–6th digits are not the year of birth.
    PersonalIdYear,
    /// A required field removed.
    MissingField,
    /// The line in Windows-1258 bytes (not UTF-8).
    BadEncoding,
    /// The line cut short (not JSON).
    TruncatedJson,
    /// A marriage whose husband is 17 on the registration date.
    HusbandUnderAge,
    /// The `source_id` of an earlier line.
    DuplicateSourceId,
}

impl Defect {
    /// All defects, in the order they are planted (round robin).
    pub const ALL: [Defect; 9] = [
        Defect::ImpossibleDate,
        Defect::UnknownUnit,
        Defect::PersonalIdSex,
        Defect::MissingField,
        Defect::BadEncoding,
        Defect::TruncatedJson,
        Defect::HusbandUnderAge,
        Defect::DuplicateSourceId,
        Defect::PersonalIdYear,
    ];

    /// The machine code the importer reports for the defect: the API's code for a row the API
    /// would refuse, an `import_*` code for a line that is not a valid record at all.
    pub fn code(self) -> &'static str {
        match self {
            Defect::ImpossibleDate => "date_invalid",
            Defect::UnknownUnit => "admin_unit_unknown",
            Defect::PersonalIdSex => "personal_id_sex_mismatch",
            Defect::PersonalIdYear => "personal_id_birth_year_mismatch",
            Defect::MissingField => "import_missing_field",
            Defect::BadEncoding => "import_bad_encoding",
            Defect::TruncatedJson => "import_bad_json",
            Defect::HusbandUnderAge => "marriage_husband_under_age",
            Defect::DuplicateSourceId => "import_duplicate_source_id",
        }
    }
}

/// A line the importer must reject, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpectedReject {
    /// 1-based line number in the corrupted file.
    pub line: u64,
    /// The machine code expected (see [`Defect::code`]).
    pub code: String,
    pub defect: Defect,
    /// The field at fault, as the API names it (`child.date_of_birth`, `husband.personal_id`)
    /// or as a path in the line for format defects (`registration.date`); `None` when the
    /// whole line or record is at fault.
    pub field: Option<String>,
}

/// Writes the expected rejections as JSON Lines (one [`ExpectedReject`] per line).
pub fn write_expected<W: Write>(list: &[ExpectedReject], out: W) -> io::Result<()> {
    let mut w = BufWriter::new(out);
    for e in list {
        serde_json::to_writer(&mut w, e)?;
        w.write_all(b"\n")?;
    }
    w.flush()
}

const KIND_OTHER: u8 = 0;
const KIND_BIRTH: u8 = 1;
const KIND_DEATH: u8 = 2;
const KIND_MARRIAGE: u8 = 3;

fn kind_of(line: &[u8]) -> u8 {
    const KEY: &[u8] = b"\"kind\":\"";
    let Some(pos) = line.windows(KEY.len()).position(|w| w == KEY) else {
        return KIND_OTHER;
    };
    match line.get(pos + KEY.len()) {
        Some(b'b') => KIND_BIRTH,
        Some(b'd') => KIND_DEATH,
        Some(b'm') => KIND_MARRIAGE,
        _ => KIND_OTHER,
    }
}

fn lines(path: &Path) -> io::Result<impl Iterator<Item = io::Result<Vec<u8>>>> {
    Ok(BufReader::with_capacity(1 << 20, File::open(path)?).split(b'\n'))
}

/// Copies `input` to `output` with exactly `n` lines replaced by defective ones (chosen and
/// varied by `seed`; every defect kind appears when `n` allows), and returns them in line order.
/// Fails if `n` exceeds the number of lines.
pub fn corrupt(
    input: impl AsRef<Path>,
    output: impl AsRef<Path>,
    n: u64,
    seed: u64,
) -> io::Result<Vec<ExpectedReject>> {
    let input = input.as_ref();
    // Pass 1: the kind of every line.
    let mut kinds: Vec<u8> = Vec::new();
    for l in lines(input)? {
        kinds.push(kind_of(&l?));
    }
    let total = kinds.len() as u64;
    if n > total {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("cannot corrupt {n} lines of a file of {total}"),
        ));
    }
    let mut rng = seeded_rng(seed);
    let mut plan: HashMap<u64, Defect> = HashMap::new();
    let kind_at = |l: u64| {
        kinds
            .get(usize::try_from(l - 1).unwrap_or(usize::MAX))
            .copied()
            .unwrap_or(KIND_OTHER)
    };
    let marriages = kinds.iter().filter(|&&k| k == KIND_MARRIAGE).count();
    for i in 0..n {
        let mut defect = Defect::ALL[usize::try_from(i).unwrap_or(0) % Defect::ALL.len()];
        if defect == Defect::HusbandUnderAge && marriages == 0 {
            defect = Defect::ImpossibleDate;
        }
        if defect == Defect::DuplicateSourceId && total < 2 {
            defect = Defect::TruncatedJson;
        }
        let mut chosen = None;
        for _ in 0..200 {
            let l = rng.random_range(1..=total);
            let fits = match defect {
                Defect::HusbandUnderAge => kind_at(l) == KIND_MARRIAGE,
                Defect::DuplicateSourceId => l >= 2,
                _ => true,
            };
            if fits && !plan.contains_key(&l) {
                chosen = Some(l);
                break;
            }
        }
        let l = match chosen {
            Some(l) => l,
            None => {
                // Dense request: the first free line from a random start, any defect that fits.
                let start = rng.random_range(1..=total);
                let l = (0..total)
                    .map(|k| (start - 1 + k) % total + 1)
                    .find(|l| !plan.contains_key(l))
                    .unwrap_or(1);
                defect = if kind_at(l) == KIND_MARRIAGE {
                    Defect::HusbandUnderAge
                } else {
                    Defect::TruncatedJson
                };
                l
            }
        };
        plan.insert(l, defect);
    }
    // Duplicates copy the id of an earlier line that stays intact.
    let mut dup_source: HashMap<u64, u64> = HashMap::new();
    let mut dup_targets: Vec<u64> = plan
        .iter()
        .filter(|(_, d)| **d == Defect::DuplicateSourceId)
        .map(|(l, _)| *l)
        .collect();
    dup_targets.sort_unstable();
    for l in dup_targets {
        let mut found = None;
        for _ in 0..50 {
            let r = rng.random_range(1..l);
            if !plan.contains_key(&r) {
                found = Some(r);
                break;
            }
        }
        let found = found.or_else(|| (1..l).rev().find(|r| !plan.contains_key(r)));
        match found {
            Some(r) => {
                dup_source.insert(l, r);
            }
            None => {
                plan.insert(l, Defect::TruncatedJson);
            }
        }
    }
    let wanted_ids: HashSet<u64> = dup_source.values().copied().collect();
    let mut ids: HashMap<u64, String> = HashMap::new();

    // Pass 2: copy, corrupting the planned lines.
    let mut out = BufWriter::with_capacity(1 << 20, File::create(output.as_ref())?);
    let mut expected = Vec::with_capacity(plan.len());
    for (i, l) in lines(input)?.enumerate() {
        let line_no = i as u64 + 1;
        let l = l?;
        if wanted_ids.contains(&line_no)
            && let Ok(v) = serde_json::from_slice::<Value>(&l)
            && let Some(id) = v.get("source_id").and_then(Value::as_str)
        {
            ids.insert(line_no, id.to_string());
        }
        let Some(&defect) = plan.get(&line_no) else {
            out.write_all(&l)?;
            out.write_all(b"\n")?;
            continue;
        };
        let earlier_id = dup_source.get(&line_no).and_then(|r| ids.get(r)).cloned();
        let (bytes, defect, field) = apply(&l, defect, earlier_id, &mut rng);
        out.write_all(&bytes)?;
        out.write_all(b"\n")?;
        expected.push(ExpectedReject {
            line: line_no,
            code: defect.code().to_string(),
            defect,
            field,
        });
    }
    out.flush()?;
    Ok(expected)
}

/// The defective line, the defect actually planted (a defect that does not fit the line falls
/// back to another) and the field at fault.
fn apply<R: Rng>(
    line: &[u8],
    defect: Defect,
    earlier_id: Option<String>,
    rng: &mut R,
) -> (Vec<u8>, Defect, Option<String>) {
    let truncated = |rng: &mut R| {
        let text = String::from_utf8_lossy(line);
        let chars: Vec<char> = text.chars().collect();
        let cut = if chars.len() > 2 {
            rng.random_range(1..chars.len() - 1)
        } else {
            0
        };
        let s: String = chars.iter().take(cut).collect();
        (s.into_bytes(), Defect::TruncatedJson, None)
    };
    let Ok(mut v) = serde_json::from_slice::<Value>(line) else {
        return truncated(rng);
    };
    let kind = v
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let to_bytes = |v: &Value| serde_json::to_vec(v).unwrap_or_default();
    match defect {
        Defect::TruncatedJson => truncated(rng),
        Defect::BadEncoding => {
            let text = String::from_utf8_lossy(line);
            let bytes = windows_1258(&text);
            if std::str::from_utf8(&bytes).is_err() {
                (bytes, Defect::BadEncoding, None)
            } else {
                truncated(rng)
            }
        }
        Defect::DuplicateSourceId => match earlier_id {
            Some(id) => {
                v["source_id"] = Value::String(id);
                (
                    to_bytes(&v),
                    Defect::DuplicateSourceId,
                    Some("source_id".into()),
                )
            }
            None => truncated(rng),
        },
        Defect::MissingField => {
            let choices: &[(&str, &str)] = match kind.as_str() {
                "birth" => &[
                    ("declaration.child", "sex"),
                    ("declaration.mother", "full_name"),
                    ("registration", "date"),
                ],
                "death" => &[
                    ("declaration", "date_of_death"),
                    ("declaration.deceased", "full_name"),
                    ("registration", "office_unit_code"),
                ],
                _ => &[
                    ("declaration.wife", "date_of_birth"),
                    ("declaration", "husband"),
                    ("registration", "number"),
                ],
            };
            let (parent, key) = choices[rng.random_range(0..choices.len())];
            let mut target = &mut v;
            for part in parent.split('.') {
                target = &mut target[part];
            }
            if let Some(obj) = target.as_object_mut() {
                obj.remove(key);
            }
            (
                to_bytes(&v),
                Defect::MissingField,
                Some(format!("{parent}.{key}")),
            )
        }
        Defect::ImpossibleDate => {
            let (path, field): (&[&str], &str) = match kind.as_str() {
                "birth" => (
                    &["declaration", "child", "date_of_birth"],
                    "child.date_of_birth",
                ),
                "death" => (&["declaration", "date_of_death"], "date_of_death"),
                _ => (
                    &["declaration", "husband", "date_of_birth"],
                    "husband.date_of_birth",
                ),
            };
            let slot = pointer(&mut v, path);
            let year = slot
                .as_str()
                .and_then(|s| s.get(..4))
                .unwrap_or("2019")
                .to_string();
            let bad = match rng.random_range(0..4) {
                0 => format!("{year}-02-30"),
                1 => format!("{year}-04-31"),
                2 => format!("{year}-13-01"),
                _ => format!("{year}-02-31"),
            };
            *slot = Value::String(bad);
            (to_bytes(&v), Defect::ImpossibleDate, Some(field.into()))
        }
        Defect::UnknownUnit => {
            let (path, field): (&[&str], &str) = match kind.as_str() {
                "birth" => (
                    &["declaration", "child", "place_of_birth", "admin_unit_code"],
                    "child.place_of_birth.admin_unit_code",
                ),
                "death" => (
                    &["declaration", "place_of_death", "admin_unit_code"],
                    "place_of_death.admin_unit_code",
                ),
                _ => (
                    &["declaration", "husband", "residence", "admin_unit_code"],
                    "husband.residence.admin_unit_code",
                ),
            };
            *pointer(&mut v, path) = Value::String(format!("99{:03}", rng.random_range(0..1000)));
            (to_bytes(&v), Defect::UnknownUnit, Some(field.into()))
        }
        Defect::PersonalIdSex | Defect::PersonalIdYear => {
            let (path, field): (&[&str], &str) = match kind.as_str() {
                "birth" => (
                    &["declaration", "mother", "personal_id"],
                    "mother.personal_id",
                ),
                "death" => (
                    &["declaration", "deceased", "personal_id"],
                    "deceased.personal_id",
                ),
                _ => (
                    &["declaration", "husband", "personal_id"],
                    "husband.personal_id",
                ),
            };
            // A death with only a year of birth is not checked against the ID.
            let full_dob = kind != "death"
                || v["declaration"]["deceased"]["date_of_birth"]
                    .as_str()
                    .is_some_and(|s| s.len() == 10);
            let slot = pointer(&mut v, path);
            let Some(id) = slot.as_str().filter(|s| s.len() == 12 && full_dob) else {
                return apply(line, Defect::ImpossibleDate, None, rng);
            };
            let mut b = id.as_bytes().to_vec();
            if defect == Defect::PersonalIdSex {
                b[3] ^= 1; // 0 ↔ 1, 2 ↔ 3: same century, other sex
            } else {
                let yy = (u32::from(b[4] - b'0') * 10 + u32::from(b[5] - b'0') + 1) % 100;
                b[4] = b'0' + u8::try_from(yy / 10).unwrap_or(0);
                b[5] = b'0' + u8::try_from(yy % 10).unwrap_or(0);
            }
            *slot = Value::String(String::from_utf8_lossy(&b).into_owned());
            (to_bytes(&v), defect, Some(field.into()))
        }
        Defect::HusbandUnderAge => {
            let reg = v["registration"]["date"]
                .as_str()
                .and_then(|s| tuphap_core::dates::parse_date(s).ok());
            let (true, Some(reg)) = (kind == "marriage", reg) else {
                return apply(line, Defect::ImpossibleDate, None, rng);
            };
            let dob = seventeen(reg, rng.random_range(1..=300));
            let h = &mut v["declaration"]["husband"];
            h["date_of_birth"] = Value::String(dob.to_string());
            // His ID says the same year (a consistent record of a boy of 17).
            if let Some(id) = h["personal_id"].as_str().filter(|s| s.len() == 12)
                && let Some(digit) = century_sex_digit(Sex::Male, dob.year())
            {
                let new_id = format!(
                    "{}{}{:02}{}",
                    &id[..3],
                    digit,
                    dob.year().rem_euclid(100),
                    &id[6..]
                );
                h["personal_id"] = Value::String(new_id);
            }
            (to_bytes(&v), Defect::HusbandUnderAge, None)
        }
    }
}

/// A date of birth 17 full years before `on`, `back` days after the 17th birthday's start.
fn seventeen(on: Date, back: i64) -> Date {
    let year = on.year() - 17;
    let day = on.day().min(on.month().length(year));
    let base = Date::from_calendar_date(year, on.month(), day).unwrap_or(on);
    let dob = base - time::Duration::days(back);
    if full_years(dob, on) == 17 { dob } else { base }
}

fn pointer<'v>(v: &'v mut Value, path: &[&str]) -> &'v mut Value {
    let mut t = v;
    for p in path {
        t = &mut t[*p];
    }
    t
}

/// Encodes text in Windows-1258 (Vietnamese): the base letters â ê ô ă ơ ư đ have their own
/// bytes and the five tone marks are combining bytes; anything else outside ASCII becomes `?`.
pub fn windows_1258(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let chars: Vec<char> = text.nfd().collect();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        i += 1;
        let mut marks = Vec::new();
        while let Some(&m) = chars.get(i) {
            if ('\u{0300}'..='\u{036F}').contains(&m) {
                marks.push(m);
                i += 1;
            } else {
                break;
            }
        }
        let has = |m: char| marks.contains(&m);
        let base: Option<u8> = match c {
            'a' if has('\u{0302}') => Some(0xE2),
            'A' if has('\u{0302}') => Some(0xC2),
            'a' if has('\u{0306}') => Some(0xE3),
            'A' if has('\u{0306}') => Some(0xC3),
            'e' if has('\u{0302}') => Some(0xEA),
            'E' if has('\u{0302}') => Some(0xCA),
            'o' if has('\u{0302}') => Some(0xF4),
            'O' if has('\u{0302}') => Some(0xD4),
            'o' if has('\u{031B}') => Some(0xF5),
            'O' if has('\u{031B}') => Some(0xD5),
            'u' if has('\u{031B}') => Some(0xFD),
            'U' if has('\u{031B}') => Some(0xDD),
            'đ' => Some(0xF0),
            'Đ' => Some(0xD0),
            c if c.is_ascii() => u8::try_from(u32::from(c)).ok(),
            _ => None,
        };
        out.push(base.unwrap_or(b'?'));
        for m in marks {
            match m {
                '\u{0300}' => out.push(0xCC),
                '\u{0301}' => out.push(0xEC),
                '\u{0303}' => out.push(0xDE),
                '\u{0309}' => out.push(0xD2),
                '\u{0323}' => out.push(0xF2),
                _ => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_1258_bytes() {
        // "Nguyễn Đức" = N g u y ê ~ n   Đ ư ́ c
        assert_eq!(
            windows_1258("Nguyễn Đức"),
            vec![
                b'N', b'g', b'u', b'y', 0xEA, 0xDE, b'n', b' ', 0xD0, 0xFD, 0xEC, b'c'
            ]
        );
        assert!(std::str::from_utf8(&windows_1258("Trần Thị Ánh")).is_err());
        assert_eq!(windows_1258("abc"), b"abc");
    }

    #[test]
    fn seventeen_years() {
        let on = time::macros::date!(2024 - 02 - 29);
        for back in [1, 100, 300] {
            assert_eq!(full_years(seventeen(on, back), on), 17);
        }
    }

    #[test]
    fn codes_are_distinct() {
        let codes: HashSet<&str> = Defect::ALL.iter().map(|d| d.code()).collect();
        assert_eq!(codes.len(), Defect::ALL.len());
    }
}
