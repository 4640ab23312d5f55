//! The data each certificate prints: typed input structures (what callers send, as JSON in
//! [`crate::Certificate::fields`]) and the display view the templates read.
//!
//! # Keys
//!
//! Every kind has these common keys:
//!
//! | key | type | printed as |
//! | --- | --- | --- |
//! | `office.name` | text, e.g. `"UBND phường Buôn Ma Thuột"` | header (upper case, bold) and "Nơi đăng ký" |
//! | `office.province` | text or absent, e.g. `"tỉnh Đắk Lắk"` | header line above the office (upper case), appended to "Nơi đăng ký" |
//! | `register.number`, `register.book`, `register.year` | integer, text, integer (the shape of `tuphap_core::civil::register::RegisterRef`: `{"number": 12, "book": "01", "year": 2026}`) | "Số: 12, Quyển số: 01/2026" |
//! | `registered_on` | `YYYY-MM-DD` | "Ngày, tháng, năm đăng ký: 07/01/2026" |
//! | `registration_place` | text or absent | "Nơi đăng ký" (default: office name, province) |
//! | `signer.name` | text | under the signature space (bold) |
//! | `signer.position` | text or absent, e.g. `"Phó Chủ tịch"` | under the name |
//!
//! Kind-specific keys are the fields of [`BirthFields`], [`DeathFields`] and [`MarriageFields`]
//! (snake_case, unknown keys are refused so that typos surface). Dates are `YYYY-MM-DD`; a
//! *partial date* is `YYYY` or `YYYY-MM-DD` (parents' and the deceased's birth, which the law
//! allows as a year only). Sex is `male` / `female`. Text is printed as given after NFC
//! normalisation and whitespace clean-up (names are not upper-cased).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Value, json};
use time::Date;
use tuphap_core::certificate::CertificateKind;
use tuphap_core::dates::{format_vn, iso_date, parse_date};
use tuphap_core::personal_id::Sex;
use tuphap_core::text::VnText;

use crate::words::date_in_words;

/// The registering office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Office {
    /// "UBND phường Buôn Ma Thuột", "Sở Tư pháp tỉnh Đắk Lắk".
    pub name: String,
    /// "tỉnh Đắk Lắk", "thành phố Hà Nội"; absent for the ministry.
    #[serde(default)]
    pub province: Option<String>,
}

/// Số / Quyển số / year of the register entry, printed "Số: 12, Quyển số: 01/2026".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Register {
    pub number: u32,
    /// As printed, e.g. "01".
    pub book: String,
    pub year: i32,
}

/// The official who signs the certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signer {
    pub name: String,
    /// "Chủ tịch", "Phó Chủ tịch", "Công chức tư pháp - hộ tịch" …
    #[serde(default)]
    pub position: Option<String>,
}

/// A date that may be known only by its year (`YYYY` or `YYYY-MM-DD`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartialDate {
    Year(i32),
    Full(Date),
}

impl PartialDate {
    fn label(self) -> &'static str {
        match self {
            PartialDate::Year(_) => "Năm sinh",
            PartialDate::Full(_) => "Ngày, tháng, năm sinh",
        }
    }

    fn display(self) -> String {
        match self {
            PartialDate::Year(y) => format!("{y:04}"),
            PartialDate::Full(d) => format_vn(d),
        }
    }
}

impl Serialize for PartialDate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            PartialDate::Year(y) => serializer.serialize_str(&format!("{y:04}")),
            PartialDate::Full(d) => iso_date::serialize(d, serializer),
        }
    }
}

impl<'de> Deserialize<'de> for PartialDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        let t = s.trim();
        if t.len() == 4 && t.bytes().all(|b| b.is_ascii_digit()) {
            return t
                .parse()
                .map(PartialDate::Year)
                .map_err(serde::de::Error::custom);
        }
        parse_date(t)
            .map(PartialDate::Full)
            .map_err(|_| serde::de::Error::custom(format!("{s:?} is neither YYYY nor YYYY-MM-DD")))
    }
}

/// Giấy khai sinh.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BirthFields {
    pub office: Office,
    pub register: Register,
    #[serde(with = "iso_date")]
    pub registered_on: Date,
    #[serde(default)]
    pub registration_place: Option<String>,
    pub signer: Signer,
    pub child: Child,
    /// Absent (or `null`) when not established: the lines are printed blank.
    #[serde(default)]
    pub mother: Option<Parent>,
    #[serde(default)]
    pub father: Option<Parent>,
}

/// The person whose birth is registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Child {
    pub full_name: String,
    #[serde(with = "iso_date")]
    pub date_of_birth: Date,
    pub sex: Sex,
    pub ethnicity: String,
    pub nationality: String,
    pub place_of_birth: String,
    /// Quê quán.
    pub home_town: String,
    /// Số định danh cá nhân (12 digits); absent for a child with a foreign nationality.
    #[serde(default)]
    pub personal_id: Option<String>,
}

/// A parent on the birth certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Parent {
    pub full_name: String,
    #[serde(default)]
    pub date_of_birth: Option<PartialDate>,
    #[serde(default)]
    pub ethnicity: Option<String>,
    #[serde(default)]
    pub nationality: Option<String>,
    /// Nơi cư trú.
    #[serde(default)]
    pub residence: Option<String>,
}

/// Trích lục khai tử.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeathFields {
    pub office: Office,
    pub register: Register,
    #[serde(with = "iso_date")]
    pub registered_on: Date,
    #[serde(default)]
    pub registration_place: Option<String>,
    pub signer: Signer,
    pub deceased: Deceased,
    pub death: Death,
    /// The person who declared the death (người đi khai tử).
    #[serde(default)]
    pub declarant: Option<Declarant>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deceased {
    pub full_name: String,
    #[serde(default)]
    pub date_of_birth: Option<PartialDate>,
    #[serde(default)]
    pub sex: Option<Sex>,
    #[serde(default)]
    pub ethnicity: Option<String>,
    #[serde(default)]
    pub nationality: Option<String>,
    #[serde(default)]
    pub personal_id: Option<String>,
    /// Nơi cư trú cuối cùng.
    #[serde(default)]
    pub residence: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Death {
    #[serde(with = "iso_date")]
    pub date: Date,
    /// `HH:MM` (24 h), when known.
    #[serde(default)]
    pub time: Option<String>,
    pub place: String,
    pub cause: String,
    /// The death notice or its substitute, e.g. "Giấy báo tử số 15/GBT do Bệnh viện … cấp
    /// ngày 02/01/2026".
    #[serde(default)]
    pub notice: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Declarant {
    pub full_name: String,
    /// "Căn cước số 066196000321 do Bộ Công an cấp ngày 10/05/2021".
    #[serde(default)]
    pub id_document: Option<String>,
    /// Quan hệ với người chết: "Con", "Vợ" …
    #[serde(default)]
    pub relationship: Option<String>,
}

/// Giấy chứng nhận kết hôn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarriageFields {
    pub office: Office,
    pub register: Register,
    /// The registration date, which is the date the marriage is established.
    #[serde(with = "iso_date")]
    pub registered_on: Date,
    #[serde(default)]
    pub registration_place: Option<String>,
    pub signer: Signer,
    pub wife: Spouse,
    pub husband: Spouse,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spouse {
    pub full_name: String,
    #[serde(with = "iso_date")]
    pub date_of_birth: Date,
    pub ethnicity: String,
    pub nationality: String,
    #[serde(default)]
    pub residence: Option<String>,
    /// Giấy tờ tùy thân, e.g. "Căn cước số 066196000321 do Bộ Công an cấp ngày 10/05/2021".
    #[serde(default)]
    pub id_document: Option<String>,
}

/// NFC, trimmed, single spaces.
fn t(s: &str) -> String {
    VnText::new(s).into_string()
}

fn ot(s: &Option<String>) -> String {
    s.as_deref().map(t).unwrap_or_default()
}

struct Common<'a> {
    office: &'a Office,
    register: &'a Register,
    registered_on: Date,
    registration_place: &'a Option<String>,
    signer: &'a Signer,
}

fn common(kind: CertificateKind, c: Common<'_>) -> Value {
    let office = t(&c.office.name);
    let province = ot(&c.office.province);
    let place = match c.registration_place {
        Some(p) if !p.trim().is_empty() => t(p),
        _ if province.is_empty() => office.clone(),
        _ => format!("{office}, {province}"),
    };
    let signer_heading = match kind {
        CertificateKind::Birth => "NGƯỜI KÝ GIẤY KHAI SINH",
        CertificateKind::Death => "NGƯỜI KÝ TRÍCH LỤC",
        CertificateKind::Marriage => "NGƯỜI KÝ GIẤY CHỨNG NHẬN KẾT HÔN",
    };
    json!({
        "title": kind.title_vi().to_uppercase(),
        "office": { "name": office, "province": province },
        "number": c.register.number.to_string(),
        "book": format!("{}/{:04}", t(&c.register.book), c.register.year),
        "registered_on": format_vn(c.registered_on),
        "registration_place": place,
        "signer": {
            "heading": signer_heading,
            "name": t(&c.signer.name),
            "position": ot(&c.signer.position),
        },
    })
}

fn partial(d: &Option<PartialDate>) -> Value {
    match d {
        Some(d) => json!({ "label": d.label(), "value": d.display() }),
        None => json!({ "label": "Năm sinh", "value": "" }),
    }
}

fn merge(mut base: Value, extra: Value) -> Value {
    if let (Value::Object(b), Value::Object(e)) = (&mut base, extra) {
        b.extend(e);
    }
    base
}

fn parent(p: &Option<Parent>) -> Value {
    let empty = Parent {
        full_name: String::new(),
        date_of_birth: None,
        ethnicity: None,
        nationality: None,
        residence: None,
    };
    let p = p.as_ref().unwrap_or(&empty);
    json!({
        "full_name": t(&p.full_name),
        "birth": partial(&p.date_of_birth),
        "ethnicity": ot(&p.ethnicity),
        "nationality": ot(&p.nationality),
        "residence": ot(&p.residence),
    })
}

fn spouse(s: &Spouse) -> Value {
    json!({
        "full_name": t(&s.full_name),
        "date_of_birth": format_vn(s.date_of_birth),
        "ethnicity": t(&s.ethnicity),
        "nationality": t(&s.nationality),
        "residence": ot(&s.residence),
        "id_document": ot(&s.id_document),
    })
}

/// `HH:MM` → "14 giờ 30 phút".
fn time_of_day(s: &str) -> Result<String, String> {
    let bad = || format!("death.time {s:?} is not HH:MM");
    let (h, m) = s.trim().split_once(':').ok_or_else(bad)?;
    let ok = |x: &str| x.len() == 2 && x.bytes().all(|b| b.is_ascii_digit());
    if !ok(h) || !ok(m) {
        return Err(bad());
    }
    let (h, m): (u8, u8) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if h > 23 || m > 59 {
        return Err(bad());
    }
    Ok(format!("{h:02} giờ {m:02} phút"))
}

/// The display view of `fields` for `kind` (what the template reads as `/data.json`), or a
/// message naming the key that is wrong.
pub(crate) fn view(kind: CertificateKind, fields: &Value) -> Result<Value, String> {
    match kind {
        CertificateKind::Birth => {
            let f: BirthFields =
                serde_json::from_value(fields.clone()).map_err(|e| e.to_string())?;
            let c = &f.child;
            Ok(merge(
                common(
                    kind,
                    Common {
                        office: &f.office,
                        register: &f.register,
                        registered_on: f.registered_on,
                        registration_place: &f.registration_place,
                        signer: &f.signer,
                    },
                ),
                json!({
                    "child": {
                        "full_name": t(&c.full_name),
                        "date_of_birth": format_vn(c.date_of_birth),
                        "date_of_birth_words": date_in_words(c.date_of_birth),
                        "sex": c.sex.label_vi(),
                        "ethnicity": t(&c.ethnicity),
                        "nationality": t(&c.nationality),
                        "place_of_birth": t(&c.place_of_birth),
                        "home_town": t(&c.home_town),
                        "personal_id": ot(&c.personal_id),
                    },
                    "mother": parent(&f.mother),
                    "father": parent(&f.father),
                }),
            ))
        }
        CertificateKind::Death => {
            let f: DeathFields =
                serde_json::from_value(fields.clone()).map_err(|e| e.to_string())?;
            let d = &f.deceased;
            let time = f.death.time.as_deref().map(time_of_day).transpose()?;
            let when = match time {
                Some(time) => format!("{time}, ngày {}", format_vn(f.death.date)),
                None => format!("ngày {}", format_vn(f.death.date)),
            };
            let declarant = f.declarant.as_ref();
            Ok(merge(
                common(
                    kind,
                    Common {
                        office: &f.office,
                        register: &f.register,
                        registered_on: f.registered_on,
                        registration_place: &f.registration_place,
                        signer: &f.signer,
                    },
                ),
                json!({
                    "deceased": {
                        "full_name": t(&d.full_name),
                        "birth": partial(&d.date_of_birth),
                        "sex": d.sex.map(Sex::label_vi).unwrap_or_default(),
                        "ethnicity": ot(&d.ethnicity),
                        "nationality": ot(&d.nationality),
                        "personal_id": ot(&d.personal_id),
                        "residence": ot(&d.residence),
                    },
                    "death": {
                        "when": when,
                        "place": t(&f.death.place),
                        "cause": t(&f.death.cause),
                        "notice": ot(&f.death.notice),
                    },
                    "declarant": {
                        "full_name": declarant.map(|p| t(&p.full_name)).unwrap_or_default(),
                        "id_document": declarant.map(|p| ot(&p.id_document)).unwrap_or_default(),
                        "relationship": declarant.map(|p| ot(&p.relationship)).unwrap_or_default(),
                    },
                }),
            ))
        }
        CertificateKind::Marriage => {
            let f: MarriageFields =
                serde_json::from_value(fields.clone()).map_err(|e| e.to_string())?;
            Ok(merge(
                common(
                    kind,
                    Common {
                        office: &f.office,
                        register: &f.register,
                        registered_on: f.registered_on,
                        registration_place: &f.registration_place,
                        signer: &f.signer,
                    },
                ),
                json!({
                    "wife": spouse(&f.wife),
                    "husband": spouse(&f.husband),
                }),
            ))
        }
    }
}
