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
//! Kind-specific keys are the fields of [`BirthFields`], [`DeathFields`], [`MarriageFields`],
//! [`MaritalStatusFields`], [`DivorceFields`], [`ExtractFields`] and [`RecordExtractFields`] (snake_case, unknown keys are refused so that
//! typos surface). Dates are `YYYY-MM-DD`; a *partial date* is `YYYY` or `YYYY-MM-DD` (parents'
//! and the deceased's birth, which the law allows as a year only). Sex is `male` / `female`.
//! Text is printed as given after NFC normalisation and whitespace clean-up (names are not
//! upper-cased).
//!
//! On a Giấy xác nhận tình trạng hôn nhân the common keys `registered_on` and
//! `registration_place` are the issue date and place, printed "Ngày, tháng, năm cấp" and "Nơi
//! cấp". On a Trích lục ghi vào sổ việc ly hôn, hủy việc kết hôn the printed title depends on
//! `decision.kind`.
//!
//! Besides the keys' shapes, these are refused: a marital-status certificate with an empty
//! `status` or `purpose`, or whose `valid_until` is before `registered_on` or later than 6
//! months after it (the certificate prints "6 tháng kể từ ngày cấp"; NĐ 123/2015/NĐ-CP Điều 23,
//! months counted as BLDS 2015 Điều 147–148); a court decision whose `effective_on` is before
//! its `decided_on`; an extract copy whose `copies` is outside 1–50, whose `fee_total` is not
//! `fee_per_copy × copies`, or that is exempt but charges a fee; a trích lục whose
//! `record_kind` has no title of its own ([`tuphap_core::certificate::record_extract_title`]).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Value, json};
use time::{Date, Month};
use tuphap_core::certificate::{CertificateKind, record_extract_title};
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
    /// "Ghi chú": how the birth came into the register when it was registered before — again
    /// after the record was lost (đăng ký lại), or abroad (ghi vào sổ). Absent otherwise.
    #[serde(default)]
    pub note: Option<String>,
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
    /// "Ghi chú": how the death came into the register when it was registered before — again
    /// after the record was lost (đăng ký lại), or abroad (ghi vào sổ). Absent otherwise.
    #[serde(default)]
    pub note: Option<String>,
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
    /// "Ghi chú": how the marriage came into the register when it was registered before — again
    /// after the record was lost (đăng ký lại), or abroad (ghi vào sổ). Absent otherwise.
    #[serde(default)]
    pub note: Option<String>,
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

/// Giấy xác nhận tình trạng hôn nhân (after the form of TT 04/2020/TT-BTP).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaritalStatusFields {
    pub office: Office,
    pub register: Register,
    /// The issue (registration) date.
    #[serde(with = "iso_date")]
    pub registered_on: Date,
    /// Where the certificate is issued (default: office name, province).
    #[serde(default)]
    pub registration_place: Option<String>,
    pub signer: Signer,
    /// The person whose marital status is certified.
    pub person: MaritalPerson,
    /// The period of residence the status covers, e.g. "Từ ngày 01/01/2015 đến ngày
    /// 27/11/2026"; printed "Trong thời gian cư trú tại <person.residence>: <period>".
    #[serde(default)]
    pub period: Option<String>,
    /// The certified status sentence, e.g. "Chưa đăng ký kết hôn với ai." (printed in bold).
    pub status: String,
    /// The registry records the status is derived from, one printed line each (may be empty).
    #[serde(default)]
    pub based_on: Vec<String>,
    /// What the certificate may be used for, e.g. "Để đăng ký kết hôn với ông Trần Văn Bình,
    /// sinh ngày 02/07/1993, tại UBND xã …".
    pub purpose: String,
    /// The last day the certificate may be used (6 months from the issue date), printed
    /// "Giấy này có giá trị sử dụng đến hết ngày dd/mm/yyyy (6 tháng kể từ ngày cấp) …".
    #[serde(with = "iso_date")]
    pub valid_until: Date,
}

/// The person on a Giấy xác nhận tình trạng hôn nhân.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaritalPerson {
    pub full_name: String,
    #[serde(default)]
    pub date_of_birth: Option<PartialDate>,
    #[serde(default)]
    pub sex: Option<Sex>,
    #[serde(default)]
    pub ethnicity: Option<String>,
    #[serde(default)]
    pub nationality: Option<String>,
    /// Số định danh cá nhân.
    #[serde(default)]
    pub personal_id: Option<String>,
    /// Nơi cư trú.
    #[serde(default)]
    pub residence: Option<String>,
}

/// Trích lục ghi vào sổ hộ tịch việc ly hôn / hủy việc kết hôn trái pháp luật (a court's
/// decision recorded in the register).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DivorceFields {
    pub office: Office,
    pub register: Register,
    /// The day the decision was recorded in the register.
    #[serde(with = "iso_date")]
    pub registered_on: Date,
    #[serde(default)]
    pub registration_place: Option<String>,
    pub signer: Signer,
    pub husband: DivorceParty,
    pub wife: DivorceParty,
    /// The marriage the decision ends or annuls.
    pub marriage: MarriageRef,
    pub decision: CourtDecision,
}

/// A party (husband or wife) on a divorce or annulment extract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DivorceParty {
    pub full_name: String,
    #[serde(default)]
    pub date_of_birth: Option<PartialDate>,
    #[serde(default)]
    pub nationality: Option<String>,
    /// Số định danh cá nhân.
    #[serde(default)]
    pub personal_id: Option<String>,
    /// Nơi cư trú.
    #[serde(default)]
    pub residence: Option<String>,
}

/// Where and when the marriage was registered, printed "Đã đăng ký kết hôn tại <office_name>
/// ngày dd/mm/yyyy, <register>".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarriageRef {
    /// The register reference as printed, e.g. "Số: 3, Quyển số: 01/2015".
    pub register: String,
    /// "UBND xã Hòa Phú, tỉnh Đắk Lắk".
    pub office_name: String,
    #[serde(with = "iso_date")]
    pub registered_on: Date,
}

/// The court's judgment or decision, printed "Bản án/Quyết định số <number> ngày <decided_on>
/// của <court>, có hiệu lực pháp luật từ ngày <effective_on>".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CourtDecision {
    pub kind: DecisionKind,
    /// "Tòa án nhân dân khu vực 1 - Đắk Lắk".
    pub court: String,
    /// "12/2026/HNGĐ-ST".
    pub number: String,
    #[serde(with = "iso_date")]
    pub decided_on: Date,
    /// The day the decision took effect (the payload's event date); not before `decided_on`.
    #[serde(with = "iso_date")]
    pub effective_on: Date,
}

/// What the court decided: `divorce` (ly hôn) or `annulment` (hủy việc kết hôn trái pháp luật).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    Divorce,
    Annulment,
}

impl DecisionKind {
    /// The printed title: "TRÍCH LỤC GHI VÀO SỔ HỘ TỊCH VIỆC LY HÔN", "… VIỆC HỦY KẾT HÔN TRÁI
    /// PHÁP LUẬT".
    pub fn title_vi(self) -> &'static str {
        match self {
            DecisionKind::Divorce => "TRÍCH LỤC GHI VÀO SỔ HỘ TỊCH VIỆC LY HÔN",
            DecisionKind::Annulment => {
                "TRÍCH LỤC GHI VÀO SỔ HỘ TỊCH VIỆC HỦY KẾT HÔN TRÁI PHÁP LUẬT"
            }
        }
    }

    /// The title as printed, over two lines (the whole title does not fit one line at the
    /// title size).
    fn title_lines(self) -> [&'static str; 2] {
        match self {
            DecisionKind::Divorce => ["TRÍCH LỤC GHI VÀO SỔ HỘ TỊCH", "VIỆC LY HÔN"],
            DecisionKind::Annulment => [
                "TRÍCH LỤC GHI VÀO SỔ HỘ TỊCH",
                "VIỆC HỦY KẾT HÔN TRÁI PHÁP LUẬT",
            ],
        }
    }

    /// The event recorded: "ly hôn", "hủy việc kết hôn trái pháp luật".
    pub fn event_vi(self) -> &'static str {
        match self {
            DecisionKind::Divorce => "ly hôn",
            DecisionKind::Annulment => "hủy việc kết hôn trái pháp luật",
        }
    }
}

/// Bản sao trích lục hộ tịch: a certified copy of the extract of a registered record, issued
/// from the database by any office that manages it (Luật Hộ tịch 2014, Điều 63–64). The common
/// keys name the **issuing** office (`office`, `signer`) and the **record's** register entry
/// (`register`, `registered_on`, and `registration_place`: the registering office); the record's
/// content comes as titled sections of label/value lines, built by the registry per kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtractFields {
    /// The issuing office.
    pub office: Office,
    /// The record's register entry.
    pub register: Register,
    /// The record's registration date.
    #[serde(with = "iso_date")]
    pub registered_on: Date,
    /// The registering office as printed ("UBND phường Ba Đình, thành phố Hà Nội").
    pub registration_place: String,
    /// The official of the issuing office.
    pub signer: Signer,
    /// The event, lower case as in a sentence: "khai sinh", "kết hôn", "khai tử"… printed in the
    /// title "TRÍCH LỤC KHAI SINH".
    pub event: String,
    /// The paper's own title when it is not "Trích lục <event>" (the Giấy chứng nhận nuôi con
    /// nuôi, "Trích lục đăng ký giám hộ"…: `tuphap_core::certificate::record_extract_title`).
    #[serde(default)]
    pub title: Option<String>,
    /// The record's content, in order.
    pub sections: Vec<ExtractSection>,
    /// Copies issued by this request, 1–50.
    pub copies: u32,
    /// Whole đồng charged per copy (0 when exempt).
    pub fee_per_copy: u64,
    /// `fee_per_copy × copies`.
    pub fee_total: u64,
    /// The exemption ground, printed instead of the amount (e.g. "Người thuộc hộ nghèo (Luật Hộ
    /// tịch 2014, Điều 11)"); the fee is then 0.
    #[serde(default)]
    pub exemption: Option<String>,
    /// "Trần Thị Mai (mẹ)".
    #[serde(default)]
    pub requester: Option<String>,
    /// The day the copies are issued.
    #[serde(with = "iso_date")]
    pub issued_on: Date,
}

/// Trích lục hộ tịch: the original paper of a registration without a form of its own (Luật Hộ
/// tịch 2014, Điều 62) — an amendment, a recognition of a parent, an adoption (Giấy chứng nhận
/// nuôi con nuôi, Luật Nuôi con nuôi 2010, Điều 22) or its end, a guardianship, a change of
/// guardian or the end of a guardianship. The title follows `record_kind`; the content comes as
/// titled sections of label/value lines built by the registry per kind (the same sections as a
/// certified copy of the record). It is the original: no copies, no fee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordExtractFields {
    /// The registering office.
    pub office: Office,
    pub register: Register,
    #[serde(with = "iso_date")]
    pub registered_on: Date,
    /// Default: the office name, province.
    #[serde(default)]
    pub registration_place: Option<String>,
    pub signer: Signer,
    /// The registry's record kind: `amendment`, `parentage`, `adoption`, `adoption_termination`,
    /// `guardianship`, `guardianship_change`, `guardianship_end`.
    pub record_kind: String,
    /// The record's content, in order.
    pub sections: Vec<ExtractSection>,
}

/// A titled group of lines of an extract; `heading` empty for the first group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtractSection {
    #[serde(default)]
    pub heading: String,
    pub lines: Vec<ExtractLine>,
}

/// One printed line, "label: value"; `strong` for names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtractLine {
    pub label: String,
    pub value: String,
    #[serde(default)]
    pub strong: bool,
}

/// Whole đồng with dots between thousands: 24000 → "24.000 đồng" (`tuphap_core::text::vnd`).
pub fn vnd(amount: u64) -> String {
    tuphap_core::text::vnd(i64::try_from(amount).unwrap_or(i64::MAX))
}

/// [`t`], with the characters the font cannot display (symbols, emoji, other scripts) replaced by
/// `?`: for free text of any record printed on an extract copy.
fn tp(s: &str) -> String {
    t(s).chars()
        .map(|c| if crate::world::printable(c) { c } else { '?' })
        .collect()
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
        CertificateKind::MaritalStatus => "NGƯỜI KÝ GIẤY XÁC NHẬN",
        CertificateKind::Divorce => "NGƯỜI KÝ TRÍCH LỤC",
        CertificateKind::Extract => "NGƯỜI KÝ BẢN SAO TRÍCH LỤC",
        CertificateKind::RecordExtract => "NGƯỜI KÝ TRÍCH LỤC",
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

fn divorce_party(p: &DivorceParty) -> Value {
    json!({
        "full_name": t(&p.full_name),
        "date_of_birth": p.date_of_birth.map(PartialDate::display).unwrap_or_default(),
        "nationality": ot(&p.nationality),
        "personal_id": ot(&p.personal_id),
        "residence": ot(&p.residence),
    })
}

/// The same day number 6 months after `d`, or the last day of that month when it has no such
/// day (BLDS 2015 Điều 147–148): the last day a marital-status certificate issued on `d` may be
/// used (NĐ 123/2015/NĐ-CP Điều 23).
fn six_months_after(d: Date) -> Date {
    let month = u8::from(d.month()) + 6;
    let (year, month) = if month > 12 {
        (d.year() + 1, month - 12)
    } else {
        (d.year(), month)
    };
    let month = Month::try_from(month).unwrap_or(Month::December);
    Date::from_calendar_date(year, month, d.day().min(month.length(year))).unwrap_or(Date::MAX)
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
                    "note": ot(&f.note),
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
                    "note": ot(&f.note),
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
                    "note": ot(&f.note),
                }),
            ))
        }
        CertificateKind::MaritalStatus => {
            let f: MaritalStatusFields =
                serde_json::from_value(fields.clone()).map_err(|e| e.to_string())?;
            let p = &f.person;
            let status = t(&f.status);
            if status.is_empty() {
                return Err("status is empty".to_string());
            }
            let purpose = t(&f.purpose);
            if purpose.is_empty() {
                return Err("purpose is empty".to_string());
            }
            let latest = six_months_after(f.registered_on);
            if f.valid_until < f.registered_on || f.valid_until > latest {
                return Err(format!(
                    "valid_until {} is not within 6 months of registered_on {} (latest {})",
                    f.valid_until, f.registered_on, latest
                ));
            }
            let residence = ot(&p.residence);
            let period = ot(&f.period);
            let period_label = if residence.is_empty() {
                "Trong thời gian cư trú".to_string()
            } else {
                format!("Trong thời gian cư trú tại {residence}")
            };
            let based_on: Vec<String> = f
                .based_on
                .iter()
                .map(|l| t(l))
                .filter(|l| !l.is_empty())
                .collect();
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
                    "person": {
                        "full_name": t(&p.full_name),
                        "birth": partial(&p.date_of_birth),
                        "sex": p.sex.map(Sex::label_vi).unwrap_or_default(),
                        "ethnicity": ot(&p.ethnicity),
                        "nationality": ot(&p.nationality),
                        "personal_id": ot(&p.personal_id),
                        "residence": residence,
                    },
                    "period": { "label": period_label, "value": period },
                    "status": status,
                    "based_on": based_on,
                    "purpose": purpose,
                    "validity": format!(
                        "Giấy này có giá trị sử dụng đến hết ngày {} (6 tháng kể từ ngày cấp) \
                         và chỉ dùng vào mục đích ghi trên.",
                        format_vn(f.valid_until)
                    ),
                }),
            ))
        }
        CertificateKind::Divorce => {
            let f: DivorceFields =
                serde_json::from_value(fields.clone()).map_err(|e| e.to_string())?;
            let d = &f.decision;
            if d.effective_on < d.decided_on {
                return Err(format!(
                    "decision.effective_on {} is before decision.decided_on {}",
                    d.effective_on, d.decided_on
                ));
            }
            let m = &f.marriage;
            let register = t(&m.register);
            let marriage = if register.is_empty() {
                format!(
                    "Đã đăng ký kết hôn tại {} ngày {}.",
                    t(&m.office_name),
                    format_vn(m.registered_on)
                )
            } else {
                format!(
                    "Đã đăng ký kết hôn tại {} ngày {}, {register}.",
                    t(&m.office_name),
                    format_vn(m.registered_on)
                )
            };
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
                    "title": d.kind.title_vi(),
                    "title_lines": d.kind.title_lines(),
                    "wife": divorce_party(&f.wife),
                    "husband": divorce_party(&f.husband),
                    "marriage": marriage,
                    "decision": format!(
                        "Bản án/Quyết định số {} ngày {} của {}, có hiệu lực pháp luật từ ngày {}.",
                        t(&d.number),
                        format_vn(d.decided_on),
                        t(&d.court),
                        format_vn(d.effective_on)
                    ),
                    "recorded": format!(
                        "Đã ghi vào sổ hộ tịch việc {} ngày {}.",
                        d.kind.event_vi(),
                        format_vn(f.registered_on)
                    ),
                }),
            ))
        }
        CertificateKind::Extract => {
            let f: ExtractFields =
                serde_json::from_value(fields.clone()).map_err(|e| e.to_string())?;
            if !(1..=50).contains(&f.copies) {
                return Err(format!("copies {} is not within 1–50", f.copies));
            }
            if f.fee_per_copy.checked_mul(u64::from(f.copies)) != Some(f.fee_total) {
                return Err(format!(
                    "fee_total {} is not fee_per_copy {} × copies {}",
                    f.fee_total, f.fee_per_copy, f.copies
                ));
            }
            let exemption = ot(&f.exemption);
            if !exemption.is_empty() && f.fee_total != 0 {
                return Err("an exempt issue charges no fee".to_string());
            }
            let event = t(&f.event);
            if event.is_empty() {
                return Err("event is empty".to_string());
            }
            let fee = if exemption.is_empty() {
                format!(
                    "{} ({} × {} bản)",
                    vnd(f.fee_total),
                    vnd(f.fee_per_copy),
                    f.copies
                )
            } else {
                format!("Miễn: {exemption}")
            };
            let sections = sections_view(&f.sections);
            let place = Some(f.registration_place.clone());
            let base = common(
                kind,
                Common {
                    office: &f.office,
                    register: &f.register,
                    registered_on: f.registered_on,
                    registration_place: &place,
                    signer: &f.signer,
                },
            );
            let issuing = {
                let office = t(&f.office.name);
                let province = ot(&f.office.province);
                if province.is_empty() {
                    office
                } else {
                    format!("{office}, {province}")
                }
            };
            Ok(merge(
                base,
                json!({
                    "title": match &f.title {
                        Some(title) => title.to_uppercase(),
                        None => format!("TRÍCH LỤC {}", event.to_uppercase()),
                    },
                    "sections": sections,
                    "copies": format!("{} bản", f.copies),
                    "fee": fee,
                    "requester": tp(f.requester.as_deref().unwrap_or_default()),
                    "issuing_office": issuing,
                    "issued_on": format_vn(f.issued_on),
                }),
            ))
        }
        CertificateKind::RecordExtract => {
            let f: RecordExtractFields =
                serde_json::from_value(fields.clone()).map_err(|e| e.to_string())?;
            let title = record_extract_title(f.record_kind.trim()).ok_or_else(|| {
                format!(
                    "record_kind {:?} has no trích lục of its own",
                    f.record_kind
                )
            })?;
            let signer_heading = if f.record_kind.trim() == "adoption" {
                "NGƯỜI KÝ GIẤY CHỨNG NHẬN"
            } else {
                "NGƯỜI KÝ TRÍCH LỤC"
            };
            let mut base = common(
                kind,
                Common {
                    office: &f.office,
                    register: &f.register,
                    registered_on: f.registered_on,
                    registration_place: &f.registration_place,
                    signer: &f.signer,
                },
            );
            base["signer"]["heading"] = json!(signer_heading);
            Ok(merge(
                base,
                json!({
                    "title": title.to_uppercase(),
                    "sections": sections_view(&f.sections),
                }),
            ))
        }
    }
}

/// The display view of extract sections: free text of any record, so characters the font cannot
/// display are printed `?`.
fn sections_view(sections: &[ExtractSection]) -> Vec<Value> {
    sections
        .iter()
        .map(|s| {
            json!({
                "heading": tp(&s.heading),
                "lines": s.lines.iter().map(|l| json!({
                    "label": tp(&l.label),
                    "value": tp(&l.value),
                    "strong": l.strong,
                })).collect::<Vec<_>>(),
            })
        })
        .collect()
}
