//! Bulk import of legacy civil-status records (`tuphap import`), format in
//! `docs/legacy-format.md`: JSON Lines, one registered record per line, in order of
//! registration date, each with its source id, its registration (office, date, number, book)
//! and the declaration in the API's shape.
//!
//! No back door: every row goes through the checks a declaration goes through —
//! [`check_birth`](super::check_birth), [`check_death_declaration`](super::death), the spouses'
//! checks, the competence of the registering office on the registration date (before and after
//! the 2025 reform) and the registry rules (deceased, married, kinship) written once against
//! [`Registry`] — here answered by an in-memory view of the register that is loaded at the start
//! and updated row by row, so that millions of rows are checked without a query each.
//!
//! Rows are read in batches; each batch is one transaction holding the offices it names for the
//! first time, its records, the rejected rows with their reasons, the raised register counters,
//! an audit entry, one change-log row naming the records (the search projection indexes them
//! from it) and the run's checkpoint (bytes and lines done). A killed import re-run with the same
//! file continues after the last committed batch: totals equal a clean run, nothing is loaded
//! twice (source ids are unique).
//!
//! Checking and writing overlap: this task reads, parses and checks batch N+1 while a writer
//! task commits batch N (on two cores both are busy). The checker hands out ids (persons,
//! records, offices) from reservations and treats the source ids and register numbers of the
//! batches still in flight as taken, so that what it checks against is the register as it will
//! be once they commit.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::time::Instant;

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use time::Date;

use tuphap_core::calendar::WorkingCalendar;
use tuphap_core::dates::{parse_date, vn_today};
use tuphap_core::personal_id::{PersonalId, Sex};
use tuphap_core::reference::{self as refdata, AdminLevel};
use tuphap_core::text::{fold, nfc};
use tuphap_store::NewChange;
use tuphap_store::civil::{MarriageLinkRow, NewPerson, ParentLinkRow};
use tuphap_store::identity::NewOffice;
use tuphap_store::import::{
    IdTable, ImportBatch, ImportOffice, ImportPerson, ImportRecord, ImportRejectRow, ImportRunRow,
};
use tuphap_store::version_data::EncodedVersion;

use super::death::{check_death_declaration, death_rules, deceased_person};
use super::marriage::{marriage_rules, spouse};
use super::registry::{PersonFacts, Registry};
use super::{
    BirthDeclaration, DeathDeclaration, MarriageDeclaration, check_birth, office_competent,
};
use crate::App;
use crate::error::{DomainError, ErrorKind, Result};
use crate::identity::{office_for_unit, system_audit};

/// The user the import writes records as (cannot log in).
pub const IMPORT_USER: &str = "he-thong.chuyen-doi";

/// How to import.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The source system the file comes from (with the row's `source_id`, the key that makes
    /// a re-run idempotent), e.g. `hotich-v1`.
    pub source_system: String,
    /// Rows per transaction.
    pub batch_size: usize,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            source_system: "legacy".into(),
            batch_size: 5_000,
        }
    }
}

/// Progress, reported after each batch.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportProgress {
    pub bytes_done: u64,
    pub bytes_total: u64,
    pub lines: u64,
    pub accepted: u64,
    pub rejected: u64,
}

/// The outcome of an import run.
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    pub run_id: i64,
    pub source_system: String,
    /// This run continued an interrupted one.
    pub resumed: bool,
    /// The file had already been imported completely: nothing was done.
    pub already_done: bool,
    pub lines: u64,
    pub accepted: u64,
    pub rejected: u64,
    /// Lines read by this invocation, and how long it took.
    pub lines_this_run: u64,
    pub seconds: f64,
    /// Reading, parsing and checking rows / writing batches (transactions): the two overlap.
    pub check_seconds: f64,
    pub write_seconds: f64,
    /// Restoring what a first load set aside: secondary indexes, and foreign keys on PostgreSQL
    /// (included in `seconds`).
    pub index_seconds: f64,
}

impl ImportReport {
    /// Lines per second in this invocation.
    pub fn rate(&self) -> f64 {
        if self.seconds > 0.0 {
            self.lines_this_run as f64 / self.seconds
        } else {
            0.0
        }
    }
}

/// Why a row was refused.
#[derive(Debug, Clone)]
struct Reject {
    field: Option<String>,
    code: String,
    message: String,
}

impl From<DomainError> for Reject {
    fn from(e: DomainError) -> Self {
        Reject {
            field: e.field.clone(),
            code: e.code.to_string(),
            message: e.message.clone(),
        }
    }
}

fn reject(code: &str, field: Option<&str>, message: impl Into<String>) -> Reject {
    Reject {
        field: field.map(str::to_string),
        code: code.to_string(),
        message: message.into(),
    }
}

/// Codes of rows that are not the format at all (used to fail fast on a wrong file).
const FORMAT_CODES: [&str; 4] = [
    "import_bad_encoding",
    "import_bad_json",
    "import_missing_field",
    "import_unknown_field",
];

/// A line parsed into its parts.
struct Parsed {
    source_id: String,
    kind: String,
    office_unit: String,
    date: Date,
    number: i32,
    book: String,
    declaration: Value,
    child_personal_id: Option<String>,
}

/// The in-memory view of the register the rules check imported rows against, compact enough for
/// the national register (tens of millions of persons): personal IDs as numbers, parents as two
/// ids, marriages as fixed-size links with their book names interned.
#[derive(Default)]
struct State {
    by_personal_id: HashMap<u64, PersonFacts>,
    /// Deaths declared or registered.
    deaths: HashMap<i64, Date>,
    /// Deaths registered.
    dead: HashMap<i64, Date>,
    marriages: HashMap<i64, Vec<MarriageLink>>,
    /// (mother, father) of a child of a registered birth; 0 when not recorded.
    parents: HashMap<i64, (i64, i64)>,
    books: Vec<String>,
    book_ids: HashMap<String, u32>,
}

/// A marriage of a person as the rules need it ([`MarriageLinkRow`] without its strings).
#[derive(Clone, Copy)]
struct MarriageLink {
    record_id: i64,
    spouse_id: i64,
    /// 0 when not registered.
    register_number: i32,
    register_year: i32,
    /// Index in `State::books`; `u32::MAX` when none.
    book: u32,
    /// Index in [`RECORD_STATUSES`].
    status: u8,
}

/// Record statuses (`civil_records.status`), for [`MarriageLink::status`].
const RECORD_STATUSES: [&str; 5] = [
    "declared",
    "returned",
    "rejected",
    "registered",
    "certificate_issued",
];

/// A personal ID (12 digits) as a number: the key of the view's persons.
fn pid_key(personal_id: &str) -> Option<u64> {
    if personal_id.len() == 12 && personal_id.bytes().all(|b| b.is_ascii_digit()) {
        personal_id.parse().ok()
    } else {
        None
    }
}

impl Registry for State {
    async fn person_by_personal_id(&self, personal_id: &str) -> Result<Option<PersonFacts>> {
        Ok(self.person(personal_id))
    }

    async fn death_declared(&self, person_id: i64) -> Result<Option<Date>> {
        Ok(self.deaths.get(&person_id).copied())
    }

    async fn date_of_death(&self, person_id: i64) -> Result<Option<Date>> {
        Ok(self.dead.get(&person_id).copied())
    }

    async fn marriages_of(&self, person_id: i64) -> Result<Vec<MarriageLinkRow>> {
        let links = self.marriages.get(&person_id).map(Vec::as_slice);
        Ok(links
            .unwrap_or_default()
            .iter()
            .map(|m| MarriageLinkRow {
                record_id: m.record_id,
                status: RECORD_STATUSES
                    .get(usize::from(m.status))
                    .copied()
                    .unwrap_or("declared")
                    .to_string(),
                spouse_id: m.spouse_id,
                register_book: self.books.get(m.book as usize).cloned(),
                register_year: (m.register_year != 0).then_some(m.register_year),
                register_number: (m.register_number != 0).then_some(m.register_number),
                // The import keeps no registration dates in its register view; the legacy
                // format carries no divorces.
                registered_on: None,
                ended_by_record_id: None,
                ended_on: None,
            })
            .collect())
    }

    async fn parents_of(&self, child_id: i64) -> Result<Vec<ParentLinkRow>> {
        let Some(&(mother, father)) = self.parents.get(&child_id) else {
            return Ok(Vec::new());
        };
        Ok([(mother, "mother"), (father, "father")]
            .into_iter()
            .filter(|(id, _)| *id != 0)
            .map(|(parent_id, role)| ParentLinkRow {
                child_id,
                parent_id,
                role: role.to_string(),
            })
            .collect())
    }
}

impl State {
    async fn load(app: &App) -> Result<State> {
        let mut s = State::default();
        let mut after = 0;
        loop {
            let page = app.store.state_persons(after, 50_000).await?;
            let Some(last) = page.last().map(|p| p.id) else {
                break;
            };
            for p in page {
                s.set_person(
                    &p.personal_id,
                    PersonFacts {
                        id: p.id,
                        date_of_death: p.date_of_death,
                    },
                );
            }
            after = last;
        }
        // Entries merged into another (the same person registered twice) count as that one.
        let merged: HashMap<i64, i64> = app.store.merged_persons().await?.into_iter().collect();
        let max = app.store.max_record_id().await?;
        let mut after = 0;
        while after < max {
            let links = app.store.state_links(after, 50_000).await?;
            let mut i = 0;
            while i < links.len() {
                let rid = links[i].record_id;
                let j = links[i..]
                    .iter()
                    .position(|l| l.record_id != rid)
                    .map_or(links.len(), |k| i + k);
                let group = &links[i..j];
                let registered = matches!(
                    group[0].status.as_str(),
                    "registered" | "certificate_issued"
                );
                let person = |role: &str| {
                    group
                        .iter()
                        .find(|l| l.role == role)
                        .map(|l| merged.get(&l.person_id).copied().unwrap_or(l.person_id))
                };
                match group[0].kind.as_str() {
                    "birth" if registered => {
                        if let Some(child) = person("child") {
                            for role in ["mother", "father"] {
                                if let Some(p) = person(role) {
                                    s.add_parent(child, p, role);
                                }
                            }
                        }
                    }
                    "marriage" => {
                        if let (Some(h), Some(w)) = (person("husband"), person("wife")) {
                            let l = &group[0];
                            s.add_marriage(
                                rid,
                                &l.status,
                                h,
                                w,
                                (l.register_number, l.register_book.clone(), l.register_year),
                            );
                        }
                    }
                    "death" => {
                        if let Some(p) = person("deceased") {
                            s.deaths.entry(p).or_insert(group[0].event_date);
                            if registered {
                                s.dead.insert(p, group[0].event_date);
                            }
                        }
                    }
                    _ => {}
                }
                i = j;
            }
            after += 50_000;
        }
        Ok(s)
    }

    /// The register's person with this person's personal ID, or a new person (written with the
    /// batch, and known by its personal ID to the rows after it).
    fn person_for(
        &mut self,
        person: &NewPerson,
        ids: &mut Ids,
        persons: &mut Vec<ImportPerson>,
    ) -> Result<i64> {
        if let Some(pid) = &person.personal_id
            && let Some(f) = self.person(pid)
        {
            return Ok(f.id);
        }
        let id = ids.person()?;
        persons.push(import_person(id, person));
        if let Some(pid) = &person.personal_id {
            self.set_person(
                pid,
                PersonFacts {
                    id,
                    date_of_death: None,
                },
            );
        }
        Ok(id)
    }

    fn person(&self, personal_id: &str) -> Option<PersonFacts> {
        pid_key(personal_id).and_then(|k| self.by_personal_id.get(&k).copied())
    }

    fn set_person(&mut self, personal_id: &str, facts: PersonFacts) {
        if let Some(k) = pid_key(personal_id) {
            self.by_personal_id.insert(k, facts);
        }
    }

    fn add_parent(&mut self, child: i64, parent: i64, role: &str) {
        let p = self.parents.entry(child).or_insert((0, 0));
        if role == "mother" {
            p.0 = parent;
        } else {
            p.1 = parent;
        }
    }

    fn add_marriage(
        &mut self,
        record: i64,
        status: &str,
        husband: i64,
        wife: i64,
        register: (Option<i32>, Option<String>, Option<i32>),
    ) {
        let book = match register.1 {
            Some(name) => match self.book_ids.get(&name) {
                Some(i) => *i,
                None => {
                    let i = u32::try_from(self.books.len()).unwrap_or(u32::MAX);
                    self.books.push(name.clone());
                    self.book_ids.insert(name, i);
                    i
                }
            },
            None => u32::MAX,
        };
        let link = |spouse_id| MarriageLink {
            record_id: record,
            spouse_id,
            register_number: register.0.unwrap_or(0),
            register_year: register.2.unwrap_or(0),
            book,
            status: RECORD_STATUSES
                .iter()
                .position(|s| *s == status)
                .and_then(|i| u8::try_from(i).ok())
                .unwrap_or(0),
        };
        for (a, b) in [(husband, wife), (wife, husband)] {
            let links = self.marriages.entry(a).or_default();
            links.reserve_exact(1);
            links.push(link(b));
        }
    }
}

/// An office resolved for a unit on a date.
#[derive(Clone)]
struct Office {
    id: i64,
    unit: String,
    name: String,
}

/// The office that registered with `code` on `date`: today's office when the unit is unchanged
/// since, else a historical office of the unit as it was (its register books keep their numbers).
fn office_for_unit_on(code: &str, date: Date) -> Result<(NewOffice, Option<Date>)> {
    let Some(v) = refdata::unit_on(code, date) else {
        return Err(DomainError::new(
            ErrorKind::Unprocessable,
            "admin_unit_unknown",
            format!(
                "Không có xã, phường mã \u{201c}{code}\u{201d} có hiệu lực ngày {}.",
                tuphap_core::dates::format_vn(date)
            ),
        )
        .with_field("registration.office_unit_code"));
    };
    if v.level != AdminLevel::Commune {
        return Err(DomainError::new(
            ErrorKind::Unprocessable,
            "admin_unit_not_commune",
            format!(
                "{} không phải đơn vị cấp xã; cơ quan đăng ký là UBND cấp xã.",
                v.full_name
            ),
        )
        .with_field("registration.office_unit_code"));
    }
    if refdata::unit_on(code, vn_today()).is_some_and(|now| now == v) {
        return Ok((office_for_unit(code)?, None));
    }
    let until = v
        .valid_to
        .map(|d| d.to_string())
        .unwrap_or_else(|| "cu".into());
    Ok((
        NewOffice {
            code: format!("{}@{until}", v.code),
            kind: "commune".into(),
            name: format!("UBND {}", v.full_name),
            unit_code: Some(v.code.clone()),
            unit_level: Some(v.level.as_str().to_string()),
            unit_valid_from: v.valid_from,
            province_code: Some(v.province_code.clone()),
        },
        v.valid_to,
    ))
}

/// SHA-256 of the file's size and first 64 KiB: the same file gets the same run.
fn fingerprint(file: &mut std::fs::File, size: u64) -> std::io::Result<String> {
    let mut head = vec![0u8; 64 * 1024];
    let mut n = 0;
    file.seek(SeekFrom::Start(0))?;
    loop {
        let k = file.read(&mut head[n..])?;
        if k == 0 {
            break;
        }
        n += k;
        if n == head.len() {
            break;
        }
    }
    let mut h = Sha256::new();
    h.update(size.to_le_bytes());
    h.update(&head[..n]);
    Ok(hex::encode(h.finalize()))
}

fn io_error(path: &Path, e: std::io::Error) -> DomainError {
    DomainError::new(
        ErrorKind::Unprocessable,
        "import_file_unreadable",
        format!("Không đọc được tệp {}: {e}.", path.display()),
    )
}

/// Splits a line into its parts; format-level problems are rejects with their own codes.
fn parse_line(raw: &[u8]) -> std::result::Result<Parsed, Reject> {
    let text = std::str::from_utf8(raw).map_err(|_| {
        reject(
            "import_bad_encoding",
            None,
            "Dòng không phải văn bản UTF-8 (có thể là bảng mã Windows-1258, TCVN3 hoặc VNI): hãy chuyển tệp sang UTF-8.",
        )
    })?;
    let text = nfc(text.trim_end_matches(['\r', '\n']));
    let mut v: Value = serde_json::from_str(&text).map_err(|e| {
        reject(
            "import_bad_json",
            None,
            format!(
                "Dòng không phải một đối tượng JSON hợp lệ (sai cú pháp hoặc bị cắt ngang, cột {}).",
                e.column()
            ),
        )
    })?;
    let Some(obj) = v.as_object_mut() else {
        return Err(reject(
            "import_bad_json",
            None,
            "Mỗi dòng phải là một đối tượng JSON {…}.",
        ));
    };
    for k in obj.keys() {
        if !matches!(
            k.as_str(),
            "source_id" | "kind" | "registration" | "declaration" | "child_personal_id"
        ) {
            return Err(reject(
                "import_unknown_field",
                Some(k),
                format!("Trường \u{201c}{k}\u{201d} không có trong định dạng nhập."),
            ));
        }
    }
    let missing = |f: &str| {
        reject(
            "import_missing_field",
            Some(f),
            format!("Thiếu trường bắt buộc \u{201c}{f}\u{201d}."),
        )
    };
    let text_of = |v: Option<&Value>, f: &str| -> std::result::Result<String, Reject> {
        match v {
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_string()),
            Some(Value::Number(n)) if f == "source_id" => Ok(n.to_string()),
            None | Some(Value::Null) => Err(missing(f)),
            Some(_) => Err(reject(
                "import_bad_value",
                Some(f),
                format!("Trường \u{201c}{f}\u{201d} phải là một chuỗi không rỗng."),
            )),
        }
    };
    let source_id = text_of(obj.get("source_id"), "source_id")?;
    if source_id.chars().count() > 100 {
        return Err(reject(
            "import_bad_value",
            Some("source_id"),
            "Mã nguồn dài quá 100 ký tự.",
        ));
    }
    let kind = text_of(obj.get("kind"), "kind")?;
    if !matches!(kind.as_str(), "birth" | "death" | "marriage") {
        return Err(reject(
            "import_unknown_kind",
            Some("kind"),
            format!(
                "Loại sự kiện \u{201c}{kind}\u{201d} không hợp lệ; chỉ nhận birth, death, marriage."
            ),
        ));
    }
    let reg = obj
        .get("registration")
        .ok_or_else(|| missing("registration"))?;
    let office_unit = text_of(reg.get("office_unit_code"), "registration.office_unit_code")?;
    let date_text = text_of(reg.get("date"), "registration.date")?;
    let date = parse_date(&date_text).map_err(|e| {
        let e = DomainError::unprocessable(&e).with_field("registration.date");
        Reject::from(e)
    })?;
    let number = match reg.get("number") {
        None | Some(Value::Null) => return Err(missing("registration.number")),
        Some(n) => n
            .as_i64()
            .and_then(|n| i32::try_from(n).ok())
            .filter(|n| *n >= 1)
            .ok_or_else(|| {
                reject(
                    "import_bad_register_number",
                    Some("registration.number"),
                    "Số đăng ký phải là số nguyên dương.",
                )
            })?,
    };
    let book = match reg.get("book") {
        None | Some(Value::Null) => super::DEFAULT_BOOK.to_string(),
        Some(_) => text_of(reg.get("book"), "registration.book")?,
    };
    if book.chars().count() > 10 {
        return Err(reject(
            "import_bad_value",
            Some("registration.book"),
            "Quyển số dài quá 10 ký tự.",
        ));
    }
    let child_personal_id = match obj.get("child_personal_id") {
        None | Some(Value::Null) => None,
        Some(_) => Some(text_of(obj.get("child_personal_id"), "child_personal_id")?),
    };
    let declaration = obj
        .remove("declaration")
        .filter(|d| !d.is_null())
        .ok_or_else(|| missing("declaration"))?;
    Ok(Parsed {
        source_id,
        kind,
        office_unit,
        date,
        number,
        book,
        declaration,
        child_personal_id,
    })
}

/// Checks one line as `tuphap import` does before it looks at the register: the format, the
/// declaration's structure and the rules of its kind that need no database. `Err` is the
/// reject's machine code and Vietnamese message. The fuzz targets (`tuphap-fuzz`) drive it
/// with arbitrary bytes: it must answer, never panic.
pub fn check_line(
    raw: &[u8],
    calendar: &WorkingCalendar,
) -> std::result::Result<(), (String, String)> {
    let checked = (|| -> std::result::Result<(), Reject> {
        let p = parse_line(raw)?;
        let on = p.date;
        match p.kind.as_str() {
            "birth" => {
                let d: BirthDeclaration = typed(p.declaration)?;
                let c = check_birth(&d, on, calendar)?;
                if let Some(raw) = &p.child_personal_id {
                    let id = PersonalId::parse(raw).map_err(|e| {
                        DomainError::unprocessable(&e).with_field("child_personal_id")
                    })?;
                    id.check(c.sex, c.dob).map_err(|e| {
                        DomainError::unprocessable(&e).with_field("child_personal_id")
                    })?;
                }
            }
            "death" => {
                let d: DeathDeclaration = typed(p.declaration)?;
                check_death_declaration(&d, on)?;
            }
            _ => {
                let d: MarriageDeclaration = typed(p.declaration)?;
                spouse(&d.husband, "husband", Sex::Male, on)?;
                spouse(&d.wife, "wife", Sex::Female, on)?;
            }
        }
        Ok(())
    })();
    checked.map_err(|r| (r.code, r.message))
}

/// The typed declaration; a structural error names the field when serde says which.
fn typed<T: serde::de::DeserializeOwned>(v: Value) -> std::result::Result<T, Reject> {
    serde_json::from_value(v).map_err(|e| {
        let msg = e.to_string();
        let quoted = msg
            .split('`')
            .nth(1)
            .map(str::to_string)
            .filter(|_| msg.contains('`'));
        if msg.starts_with("missing field") {
            let f = quoted.unwrap_or_default();
            reject(
                "import_missing_field",
                Some(&format!("declaration.{f}")),
                format!("Tờ khai thiếu trường bắt buộc \u{201c}{f}\u{201d}."),
            )
        } else if msg.starts_with("unknown field") {
            let f = quoted.unwrap_or_default();
            reject(
                "import_unknown_field",
                Some(&format!("declaration.{f}")),
                format!("Tờ khai có trường \u{201c}{f}\u{201d} không có trong mẫu."),
            )
        } else {
            reject(
                "json_invalid_data",
                Some("declaration"),
                format!("Tờ khai không đúng cấu trúc của API ({msg})."),
            )
        }
    })
}

/// What one accepted row adds to the batch.
struct Accepted {
    record: ImportRecord,
    persons: Vec<ImportPerson>,
    links: Vec<(String, i64)>,
    death: Option<(i64, Date)>,
}

/// Ids handed out from the batch's reservations.
struct Ids {
    persons: std::vec::IntoIter<i64>,
    records: std::vec::IntoIter<i64>,
}

impl Ids {
    fn person(&mut self) -> Result<i64> {
        self.persons.next().ok_or_else(DomainError::internal)
    }
    fn record(&mut self) -> Result<i64> {
        self.records.next().ok_or_else(DomainError::internal)
    }
}

fn import_person(id: i64, p: &NewPerson) -> ImportPerson {
    ImportPerson {
        id,
        person: p.clone(),
    }
}

/// Ranges of consecutive ids, for the change-log row of a batch.
fn ranges(ids: &[i64]) -> Vec<[i64; 2]> {
    let mut sorted = ids.to_vec();
    sorted.sort_unstable();
    let mut out: Vec<[i64; 2]> = Vec::new();
    for id in sorted {
        match out.last_mut() {
            Some(r) if r[1] + 1 == id => r[1] = id,
            _ => out.push([id, id]),
        }
    }
    out
}

struct Importer {
    state: State,
    calendar: WorkingCalendar,
    /// Offices by code (today's offices and historical ones), created when first seen.
    offices: HashMap<String, Office>,
    today: Date,
}

impl Importer {
    /// The office of each row of a batch (the unit on the registration date, see
    /// [`office_for_unit_on`]; a refusal when the unit is unknown), resolved once per row, and
    /// the offices among them that do not exist yet (today's offices and historical ones), with
    /// reserved ids: known to the rows from now on, written with the batch.
    async fn offices_of(
        &mut self,
        store: &tuphap_store::Store,
        parsed: &[(u64, Parsed)],
        last_id: &mut i64,
    ) -> Result<(Vec<ImportOffice>, Vec<std::result::Result<Office, Reject>>)> {
        let mut codes = Vec::with_capacity(parsed.len());
        let mut missing: Vec<(NewOffice, Option<Date>)> = Vec::new();
        let mut seen = HashSet::new();
        for (_, p) in parsed {
            codes.push(match office_for_unit_on(&p.office_unit, p.date) {
                Ok((new, valid_to)) => {
                    let code = new.code.clone();
                    if !self.offices.contains_key(&code) && seen.insert(code.clone()) {
                        missing.push((new, valid_to));
                    }
                    Ok(code)
                }
                Err(e) => Err(Reject::from(e)),
            });
        }
        let ids = store
            .reserve_ids(IdTable::Offices, missing.len(), *last_id)
            .await?;
        let mut created = Vec::with_capacity(missing.len());
        for (id, (office, valid_to)) in ids.into_iter().zip(missing) {
            *last_id = id;
            self.offices.insert(
                office.code.clone(),
                Office {
                    id,
                    unit: office.unit_code.clone().unwrap_or_default(),
                    name: office.name.clone(),
                },
            );
            created.push(ImportOffice {
                id,
                office,
                valid_to,
            });
        }
        let resolved = codes
            .into_iter()
            .map(|code| {
                code.and_then(|c| {
                    self.offices
                        .get(&c)
                        .cloned()
                        .ok_or_else(|| Reject::from(DomainError::internal()))
                })
            })
            .collect();
        Ok((created, resolved))
    }

    async fn accept(
        &mut self,
        p: Parsed,
        office: std::result::Result<Office, Reject>,
        ids: &mut Ids,
    ) -> std::result::Result<Accepted, Reject> {
        let on = p.date;
        if on > self.today {
            return Err(reject(
                "date_in_future",
                Some("registration.date"),
                "Ngày đăng ký ở tương lai.",
            ));
        }
        let office = office?;
        let record_id = ids.record()?;
        let mut persons = Vec::new();
        let mut links = Vec::new();
        let mut death = None;
        let (event_date, unit_code, subject, subject_name, late, data) = match p.kind.as_str() {
            "birth" => {
                let d: BirthDeclaration = typed(p.declaration)?;
                let c = check_birth(&d, on, &self.calendar)?;
                office_competent(
                    Some(&office.unit),
                    &office.name,
                    c.basis.clone(),
                    on,
                    "mother.residence.admin_unit_code",
                )?;
                let child_pid = match &p.child_personal_id {
                    Some(raw) => {
                        let id = PersonalId::parse(raw).map_err(|e| {
                            DomainError::unprocessable(&e).with_field("child_personal_id")
                        })?;
                        id.check(c.sex, c.dob).map_err(|e| {
                            DomainError::unprocessable(&e).with_field("child_personal_id")
                        })?;
                        if self.state.person(id.as_str()).is_some() {
                            return Err(reject(
                                "import_personal_id_in_use",
                                Some("child_personal_id"),
                                format!(
                                    "Số định danh {} đã thuộc về một người khác trong sổ.",
                                    id.as_str()
                                ),
                            ));
                        }
                        Some(id.as_str().to_string())
                    }
                    None => None,
                };
                let mother = self.state.person_for(&c.mother.person, ids, &mut persons)?;
                let father = match &c.father {
                    Some(f) => Some(self.state.person_for(&f.person, ids, &mut persons)?),
                    None => None,
                };
                let child_folded = fold(c.child_name.as_str());
                let child = ids.person()?;
                persons.push(import_person(
                    child,
                    &NewPerson {
                        personal_id: child_pid.clone(),
                        full_name: c.child_name.as_str().to_string(),
                        name_folded: child_folded.clone(),
                        sex: Some(c.sex.as_str().to_string()),
                        date_of_birth: Some(c.dob),
                        birth_year: Some(c.dob.year()),
                        ethnicity_code: Some(d.child.ethnicity_code.trim().to_string()),
                        nationality_code: Some(c.child_nationality.clone()),
                    },
                ));
                if let Some(pid) = child_pid {
                    self.state.set_person(
                        &pid,
                        PersonFacts {
                            id: child,
                            date_of_death: None,
                        },
                    );
                }
                links.push(("child".to_string(), child));
                links.push(("mother".to_string(), mother));
                self.state.add_parent(child, mother, "mother");
                if let Some(f) = father {
                    links.push(("father".to_string(), f));
                    self.state.add_parent(child, f, "father");
                }
                let data = serde_json::to_string(&d).map_err(|_| DomainError::internal())?;
                (c.dob, c.place.clone(), child, child_folded, c.late, data)
            }
            "death" => {
                let d: DeathDeclaration = typed(p.declaration)?;
                let c = check_death_declaration(&d, on)?;
                office_competent(
                    Some(&office.unit),
                    &office.name,
                    c.basis.clone(),
                    on,
                    c.basis_field,
                )?;
                let (existing, late) = death_rules(&self.state, &c, on, &self.calendar).await?;
                let person = match existing {
                    Some(f) => f.id,
                    None => {
                        let id = ids.person()?;
                        persons.push(import_person(id, &deceased_person(&c, &d)));
                        id
                    }
                };
                self.state.deaths.insert(person, c.dod);
                self.state.dead.insert(person, c.dod);
                if let Some(pid) = &c.personal_id {
                    self.state.set_person(
                        pid,
                        PersonFacts {
                            id: person,
                            date_of_death: Some(c.dod),
                        },
                    );
                }
                links.push(("deceased".to_string(), person));
                death = Some((person, c.dod));
                let data = serde_json::to_string(&d).map_err(|_| DomainError::internal())?;
                (
                    c.dod,
                    Some(c.place.clone()),
                    person,
                    fold(c.full_name.as_str()),
                    late,
                    data,
                )
            }
            _ => {
                let d: MarriageDeclaration = typed(p.declaration)?;
                let mut husband = spouse(&d.husband, "husband", Sex::Male, on)?;
                let mut wife = spouse(&d.wife, "wife", Sex::Female, on)?;
                office_competent(
                    Some(&office.unit),
                    &office.name,
                    tuphap_core::civil::AuthorityBasis::Marriage {
                        first_residence: Some(tuphap_core::civil::UnitRef::new(
                            &husband.residence,
                            on,
                        )),
                        second_residence: Some(tuphap_core::civil::UnitRef::new(
                            &wife.residence,
                            on,
                        )),
                    },
                    on,
                    "husband.residence.admin_unit_code",
                )?;
                for s in [&mut husband, &mut wife] {
                    if let Some(pid) = &s.person.personal_id {
                        s.existing = self.state.person(pid);
                    }
                }
                marriage_rules(
                    &self.state,
                    (
                        husband.existing.as_ref(),
                        husband.person.date_of_birth.unwrap_or(on),
                    ),
                    (
                        wife.existing.as_ref(),
                        wife.person.date_of_birth.unwrap_or(on),
                    ),
                    None,
                    on,
                )
                .await?;
                let h = self.state.person_for(&husband.person, ids, &mut persons)?;
                let w = self.state.person_for(&wife.person, ids, &mut persons)?;
                self.state.add_marriage(
                    record_id,
                    "registered",
                    h,
                    w,
                    (Some(p.number), Some(p.book.clone()), Some(on.year())),
                );
                links.push(("husband".to_string(), h));
                links.push(("wife".to_string(), w));
                let unit = if wife.residence == office.unit {
                    wife.residence.clone()
                } else {
                    husband.residence.clone()
                };
                let data = serde_json::to_string(&d).map_err(|_| DomainError::internal())?;
                (
                    on,
                    Some(unit),
                    w,
                    wife.person.name_folded.clone(),
                    false,
                    data,
                )
            }
        };
        Ok(Accepted {
            record: ImportRecord {
                id: record_id,
                kind: p.kind,
                office_id: office.id,
                unit_code,
                event_date,
                subject_person_id: subject,
                subject_name_folded: subject_name,
                late,
                registered_on: on,
                register_book: p.book,
                register_year: on.year(),
                register_number: p.number,
                source_id: p.source_id,
                data: EncodedVersion::encode(&data),
            },
            persons,
            links,
            death,
        })
    }
}

/// One line read from the file.
struct Line {
    number: u64,
    bytes: Vec<u8>,
}

/// The file to read: its lines, how far the file on disk has been read, and how to read it.
struct Input<'a> {
    path: &'a Path,
    reader: Box<dyn BufRead + Send>,
    position: std::sync::Arc<std::sync::atomic::AtomicU64>,
    batch_size: usize,
    /// This invocation continues an interrupted run (no format check on its first lines).
    resumed: bool,
}

/// What the checker makes of one batch.
struct Checked {
    batch: ImportBatch,
    accepted_ids: Vec<i64>,
    /// Highest register number per (office, kind, year).
    counters: Vec<NumberKey>,
    sources: HashSet<String>,
    numbers: HashSet<NumberKey>,
}

/// Counts the bytes read from the file on disk (for progress when the lines come out of a
/// decompressor).
struct Counting<R> {
    inner: R,
    read: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

/// The lines of a legacy file from `offset` (bytes of lines, uncompressed) on: a plain file is
/// read from there; a gzip file (recognised by its magic bytes, e.g. `.jsonl.gz`) is
/// decompressed from its start and the first `offset` bytes skipped. Also returns the count of
/// file bytes read so far (compressed bytes for a gzip file), for progress.
pub fn open_lines(
    mut file: std::fs::File,
    offset: u64,
) -> std::io::Result<(
    Box<dyn BufRead + Send>,
    std::sync::Arc<std::sync::atomic::AtomicU64>,
)> {
    let mut magic = [0u8; 2];
    file.seek(SeekFrom::Start(0))?;
    let gzip = file.read(&mut magic)? == 2 && magic == [0x1f, 0x8b];
    let position = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    if !gzip {
        file.seek(SeekFrom::Start(offset))?;
        position.store(offset, std::sync::atomic::Ordering::Relaxed);
        let counted = Counting {
            inner: file,
            read: position.clone(),
        };
        return Ok((
            Box::new(BufReader::with_capacity(1 << 20, counted)),
            position,
        ));
    }
    file.seek(SeekFrom::Start(0))?;
    let counted = Counting {
        inner: file,
        read: position.clone(),
    };
    let mut lines = BufReader::with_capacity(1 << 20, flate2::read::MultiGzDecoder::new(counted));
    let skipped = std::io::copy(&mut (&mut lines).take(offset), &mut std::io::sink())?;
    if skipped != offset {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "tệp ngắn hơn phần đã nhập ở lần trước",
        ));
    }
    Ok((Box::new(lines), position))
}

/// A register number: office, kind, year, number.
type NumberKey = (i64, String, i32, i32);

/// A checked batch on its way to the writer.
struct WriteJob {
    seq: u64,
    batch: ImportBatch,
    rejects: Vec<ImportRejectRow>,
    /// Highest register number per (office, kind, year).
    counters: Vec<NumberKey>,
    accepted_ids: Vec<i64>,
    /// The checkpoint: bytes of the (uncompressed) lines done.
    bytes_done: u64,
    /// How far into the file on disk (compressed or not), for progress.
    file_position: u64,
    lines_done: u64,
    eof: bool,
}

/// What the writer tells the checker after each committed batch.
struct Written {
    seq: u64,
    progress: ImportProgress,
}

/// Source ids and register numbers of a batch handed to the writer and not yet known to be
/// committed: the checker of the next batches treats them as taken.
struct Pending {
    seq: u64,
    sources: HashSet<String>,
    numbers: HashSet<NumberKey>,
}

/// The writer: one transaction per batch with its records, rejected rows, raised register
/// counters, checkpoint, audit entry and change-log row. Runs beside the checker, so that the
/// next batch is checked while this one is written.
struct Writer {
    store: tuphap_store::Store,
    run: ImportRunRow,
    source: String,
    file_name: String,
    user_id: i64,
    bytes_total: u64,
}

impl Writer {
    async fn run(
        mut self,
        mut jobs: tokio::sync::mpsc::Receiver<WriteJob>,
        written: tokio::sync::mpsc::UnboundedSender<Written>,
    ) -> Result<(ImportRunRow, std::time::Duration)> {
        let mut busy = std::time::Duration::ZERO;
        let mut batches: u64 = 0;
        while let Some(job) = jobs.recv().await {
            let started = Instant::now();
            self.write(&job).await?;
            busy += started.elapsed();
            batches += 1;
            if batches.is_power_of_two() || batches.is_multiple_of(64) {
                self.store.import_analyze().await?;
            }
            let _ = written.send(Written {
                seq: job.seq,
                progress: ImportProgress {
                    bytes_done: job.file_position,
                    bytes_total: self.bytes_total,
                    lines: job.lines_done,
                    accepted: self.run.accepted as u64,
                    rejected: self.run.rejected as u64,
                },
            });
        }
        Ok((self.run, busy))
    }

    async fn write(&mut self, job: &WriteJob) -> Result<()> {
        let mut tx = self.store.begin().await?;
        tx.import_offices_insert(&job.batch.offices).await?;
        tx.import_write(&self.source, self.user_id, &job.batch)
            .await?;
        tx.import_rejects_insert(self.run.id, &job.rejects).await?;
        tx.register_counters_raise(&job.counters).await?;
        let mut run = self.run.clone();
        run.bytes_done = job.bytes_done as i64;
        run.lines_done = job.lines_done as i64;
        run.accepted += job.batch.records.len() as i64;
        run.rejected += job.rejects.len() as i64;
        tx.import_run_progress(&run, job.eof).await?;
        let mut audit = system_audit("civil.import.batch", "import_run", &run.id.to_string());
        audit.actor_username = Some(IMPORT_USER.into());
        audit.actor_user_id = Some(self.user_id);
        audit.details = Some(serde_json::json!({
            "source": self.source,
            "file": self.file_name,
            "lines_to": job.lines_done,
            "accepted": job.batch.records.len(),
            "rejected": job.rejects.len(),
        }));
        let changes = if job.accepted_ids.is_empty() {
            Vec::new()
        } else {
            vec![NewChange {
                entity: "import".into(),
                entity_id: run.id.to_string(),
                action: "batch".into(),
                actor_user_id: Some(self.user_id),
                payload: serde_json::json!({"source": self.source, "records": ranges(&job.accepted_ids)}),
            }]
        };
        tx.commit_with(&[audit], &changes).await?;
        self.run = run;
        Ok(())
    }
}

impl App {
    /// Imports a legacy file (see the module documentation); `progress` is called after each
    /// committed batch. Re-running with the same file and source continues an interrupted run,
    /// or does nothing when it had finished.
    pub async fn import_file(
        &self,
        path: &Path,
        opts: &ImportOptions,
        mut progress: impl FnMut(&ImportProgress),
    ) -> Result<ImportReport> {
        let started = Instant::now();
        let source = opts.source_system.trim().to_string();
        if source.is_empty() || source.chars().count() > 50 {
            return Err(DomainError::new(
                ErrorKind::Unprocessable,
                "import_bad_source",
                "Tên hệ thống nguồn phải có từ 1 đến 50 ký tự.",
            ));
        }
        let mut file = std::fs::File::open(path).map_err(|e| io_error(path, e))?;
        let size = file.metadata().map_err(|e| io_error(path, e))?.len();
        let fp = fingerprint(&mut file, size).map_err(|e| io_error(path, e))?;
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let existing = self.store.import_run(&source, &fp).await?;
        let (run, resumed) = match existing {
            Some(r) if r.finished_at.is_some() => {
                return Ok(ImportReport {
                    run_id: r.id,
                    source_system: source,
                    resumed: false,
                    already_done: true,
                    lines: r.lines_done as u64,
                    accepted: r.accepted as u64,
                    rejected: r.rejected as u64,
                    lines_this_run: 0,
                    seconds: started.elapsed().as_secs_f64(),
                    check_seconds: 0.0,
                    write_seconds: 0.0,
                    index_seconds: 0.0,
                });
            }
            Some(r) => (r, true),
            None => {
                let mut tx = self.store.begin().await?;
                let r = tx
                    .import_run_create(&source, &file_name, size as i64, &fp)
                    .await?;
                tx.commit().await?;
                (r, false)
            }
        };
        let ministry = office_for_unit(crate::identity::MINISTRY_OFFICE_CODE)?;
        let user_id = {
            let mut tx = self.store.begin().await?;
            let (office, _) = tx.office_get_or_create(&ministry).await?;
            let id = tx
                .system_user_get_or_create(
                    IMPORT_USER,
                    "Hệ thống chuyển đổi dữ liệu hộ tịch",
                    office.id,
                )
                .await?;
            tx.commit().await?;
            id
        };
        let importer = Importer {
            state: State::load(self).await?,
            calendar: self.working_calendar().await?,
            offices: self
                .store
                .offices()
                .await?
                .into_iter()
                .map(|o| {
                    let office = Office {
                        id: o.id,
                        unit: o.unit_code.unwrap_or_default(),
                        name: o.name,
                    };
                    (o.code, office)
                })
                .collect(),
            today: vn_today(),
        };
        let (reader, position) =
            open_lines(file, run.bytes_done as u64).map_err(|e| io_error(path, e))?;
        let writer = Writer {
            store: self.store.clone(),
            run: run.clone(),
            source: source.clone(),
            file_name,
            user_id,
            bytes_total: size,
        };
        self.store.bulk_load_mode(1024).await?;
        // A first load into an empty register builds secondary indexes (and checks foreign keys on
        // PostgreSQL) after the rows.
        if !resumed && self.store.max_record_id().await? == 0 {
            self.store.defer_schema().await?;
        }
        let outcome = self
            .import_batches(
                Input {
                    path,
                    reader,
                    position,
                    batch_size: opts.batch_size.max(1),
                    resumed,
                },
                importer,
                writer,
                &mut progress,
            )
            .await;
        let indexing = Instant::now();
        let rebuilt = self.store.restore_schema().await;
        let index_seconds = indexing.elapsed().as_secs_f64();
        let restored = self.store.bulk_load_end().await;
        let (run, lines_at_start, check_time, write_time) = outcome?;
        rebuilt?;
        restored?;
        let lines = run.lines_done as u64;
        Ok(ImportReport {
            run_id: run.id,
            source_system: source,
            resumed,
            already_done: false,
            lines,
            accepted: run.accepted as u64,
            rejected: run.rejected as u64,
            lines_this_run: lines - lines_at_start,
            seconds: started.elapsed().as_secs_f64(),
            check_seconds: check_time.as_secs_f64(),
            write_seconds: write_time.as_secs_f64(),
            index_seconds,
        })
    }

    /// Reads, parses and checks batches on this task and hands them to the writer (a task of
    /// its own), at most two batches ahead of what is committed. Returns the run as last
    /// written, the lines done before this invocation, and the time spent checking and writing.
    async fn import_batches(
        &self,
        input: Input<'_>,
        mut importer: Importer,
        writer: Writer,
        progress: &mut impl FnMut(&ImportProgress),
    ) -> Result<(ImportRunRow, u64, std::time::Duration, std::time::Duration)> {
        let Input {
            path,
            mut reader,
            position,
            batch_size,
            resumed,
        } = input;
        let source = writer.source.clone();
        let mut offset = writer.run.bytes_done as u64;
        let mut line_no = writer.run.lines_done as u64;
        let lines_at_start = line_no;
        let (jobs, jobs_rx) = tokio::sync::mpsc::channel::<WriteJob>(1);
        let (written_tx, mut written) = tokio::sync::mpsc::unbounded_channel::<Written>();
        let writing = tokio::spawn(writer.run(jobs_rx, written_tx));
        let mut first_batch = !resumed;
        let mut check_time = std::time::Duration::ZERO;
        let mut pending: std::collections::VecDeque<Pending> = std::collections::VecDeque::new();
        let mut last_ids = (0_i64, 0_i64, 0_i64);
        let mut seq: u64 = 0;
        let mut checked: Result<()> = Ok(());
        loop {
            let phase = Instant::now();
            // Read a batch of lines.
            let mut lines = Vec::with_capacity(batch_size);
            let mut eof = false;
            while lines.len() < batch_size {
                let mut buf = Vec::new();
                let n = match reader.read_until(b'\n', &mut buf) {
                    Ok(n) => n,
                    Err(e) => {
                        checked = Err(io_error(path, e));
                        break;
                    }
                };
                if n == 0 {
                    eof = true;
                    break;
                }
                offset += n as u64;
                line_no += 1;
                if buf.iter().all(|b| b.is_ascii_whitespace()) {
                    continue;
                }
                lines.push(Line {
                    number: line_no,
                    bytes: buf,
                });
            }
            if checked.is_err() {
                break;
            }
            let mut parsed = Vec::with_capacity(lines.len());
            let mut rejects: Vec<ImportRejectRow> = Vec::new();
            for l in &lines {
                match parse_line(&l.bytes) {
                    Ok(p) => parsed.push((l.number, p)),
                    Err(r) => rejects.push(ImportRejectRow {
                        line: l.number as i64,
                        source_id: None,
                        field: r.field,
                        code: r.code,
                        message: r.message,
                    }),
                }
            }
            if first_batch && !lines.is_empty() {
                first_batch = false;
                let sample = lines.len().min(20);
                let format_errors = rejects
                    .iter()
                    .filter(|r| (r.line as u64) <= lines[sample - 1].number)
                    .filter(|r| FORMAT_CODES.contains(&r.code.as_str()))
                    .count();
                if format_errors == sample {
                    let first = &rejects[0];
                    checked = Err(DomainError::new(
                        ErrorKind::Unprocessable,
                        "import_not_legacy_format",
                        format!(
                            "Tệp {} không phải định dạng nhập dữ liệu hộ tịch (JSON Lines, UTF-8; xem docs/legacy-format.md): {} dòng đầu đều lỗi, dòng {}: {}",
                            path.display(),
                            sample,
                            first.line,
                            first.message
                        ),
                    ));
                    break;
                }
            }
            while let Ok(w) = written.try_recv() {
                pending.retain(|p| p.seq > w.seq);
                progress(&w.progress);
            }
            seq += 1;
            match self
                .check_batch(
                    &mut importer,
                    &source,
                    parsed,
                    &mut rejects,
                    &pending,
                    &mut last_ids,
                )
                .await
            {
                Ok(Checked {
                    batch,
                    accepted_ids,
                    counters,
                    sources,
                    numbers,
                }) => {
                    rejects.sort_by_key(|r| r.line);
                    check_time += phase.elapsed();
                    pending.push_back(Pending {
                        seq,
                        sources,
                        numbers,
                    });
                    let job = WriteJob {
                        seq,
                        batch,
                        rejects,
                        counters,
                        accepted_ids,
                        bytes_done: offset,
                        file_position: position.load(std::sync::atomic::Ordering::Relaxed),
                        lines_done: line_no,
                        eof,
                    };
                    if jobs.send(job).await.is_err() {
                        // The writer stopped on an error: it is reported below.
                        break;
                    }
                }
                Err(e) => {
                    checked = Err(e);
                    break;
                }
            }
            if eof {
                break;
            }
        }
        drop(jobs);
        let outcome = writing.await.map_err(|_| DomainError::internal());
        while let Ok(w) = written.try_recv() {
            progress(&w.progress);
        }
        let (run, write_time) = outcome??;
        checked?;
        Ok((run, lines_at_start, check_time, write_time))
    }

    /// Checks the parsed rows of a batch: source ids and register numbers already in the register
    /// or in a batch not yet committed, then each row through [`Importer::accept`].
    async fn check_batch(
        &self,
        importer: &mut Importer,
        source: &str,
        parsed: Vec<(u64, Parsed)>,
        rejects: &mut Vec<ImportRejectRow>,
        pending: &std::collections::VecDeque<Pending>,
        last_ids: &mut (i64, i64, i64),
    ) -> Result<Checked> {
        // Rows already in the register (a previous run, an earlier line) or whose register
        // number is taken are refused before the rules run.
        let source_ids: Vec<String> = parsed.iter().map(|(_, p)| p.source_id.clone()).collect();
        let known: HashSet<String> = self
            .store
            .import_existing_sources(source, &source_ids)
            .await?
            .into_iter()
            .collect();
        let (offices, resolved) = importer
            .offices_of(&self.store, &parsed, &mut last_ids.2)
            .await?;
        let mut keys = Vec::new();
        let mut key_of = HashMap::new();
        for ((n, p), office) in parsed.iter().zip(&resolved) {
            if let Ok(o) = office {
                let k = (o.id, p.kind.clone(), p.date.year(), p.number);
                key_of.insert(*n, k.clone());
                keys.push(k);
            }
        }
        let taken: HashSet<NumberKey> = self
            .store
            .import_taken_numbers(&keys)
            .await?
            .into_iter()
            .collect();
        let persons = self
            .store
            .reserve_ids(IdTable::Persons, parsed.len() * 3, last_ids.0)
            .await?;
        let records = self
            .store
            .reserve_ids(IdTable::Records, parsed.len(), last_ids.1)
            .await?;
        last_ids.0 = persons.last().copied().unwrap_or(last_ids.0);
        last_ids.1 = records.last().copied().unwrap_or(last_ids.1);
        let mut ids = Ids {
            persons: persons.into_iter(),
            records: records.into_iter(),
        };
        let mut batch = ImportBatch {
            offices,
            ..ImportBatch::default()
        };
        let mut seen_sources = HashSet::new();
        let mut seen_numbers = HashSet::new();
        let mut maxima: HashMap<(i64, String, i32), i32> = HashMap::new();
        let mut accepted_ids = Vec::new();
        for ((n, p), office) in parsed.into_iter().zip(resolved) {
            let source_id = p.source_id.clone();
            let outcome = if known.contains(&p.source_id)
                || pending.iter().any(|b| b.sources.contains(&p.source_id))
                || !seen_sources.insert(p.source_id.clone())
            {
                Err(reject(
                    "import_duplicate_source_id",
                    Some("source_id"),
                    format!(
                        "Mã nguồn \u{201c}{}\u{201d} đã được nhập (ở dòng trước hoặc lần nhập trước).",
                        p.source_id
                    ),
                ))
            } else if let Some(k) = key_of.get(&n)
                && (taken.contains(k)
                    || seen_numbers.contains(k)
                    || pending.iter().any(|b| b.numbers.contains(k)))
            {
                Err(reject(
                    "import_register_number_taken",
                    Some("registration.number"),
                    format!(
                        "Số {} năm {} của sổ {} đã có trong sổ đăng ký của cơ quan này.",
                        p.number,
                        p.date.year(),
                        match p.kind.as_str() {
                            "birth" => "khai sinh",
                            "death" => "khai tử",
                            _ => "kết hôn",
                        }
                    ),
                ))
            } else {
                importer.accept(p, office, &mut ids).await
            };
            match outcome {
                Ok(a) => {
                    let k = (
                        a.record.office_id,
                        a.record.kind.clone(),
                        a.record.register_year,
                        a.record.register_number,
                    );
                    seen_numbers.insert(k.clone());
                    let m = maxima.entry((k.0, k.1, k.2)).or_insert(0);
                    *m = (*m).max(k.3);
                    accepted_ids.push(a.record.id);
                    for (role, person) in a.links {
                        batch.links.push((a.record.id, role, person));
                    }
                    if let Some((person, d)) = a.death {
                        batch.deaths.push((person, d, a.record.id));
                    }
                    batch.persons.extend(a.persons);
                    batch.records.push(a.record);
                }
                Err(r) => rejects.push(ImportRejectRow {
                    line: n as i64,
                    source_id: Some(source_id),
                    field: r.field,
                    code: r.code,
                    message: r.message,
                }),
            }
        }
        let counters = maxima
            .into_iter()
            .map(|((o, k, y), n)| (o, k, y, n))
            .collect();
        Ok(Checked {
            batch,
            accepted_ids,
            counters,
            sources: seen_sources,
            numbers: seen_numbers,
        })
    }

    /// The rejected rows of an import run, in file order.
    pub async fn import_rejects(&self, run_id: i64) -> Result<Vec<ImportRejectRow>> {
        Ok(self.store.import_rejects(run_id).await?)
    }
}

impl From<Reject> for DomainError {
    fn from(r: Reject) -> Self {
        let mut e = DomainError::new(ErrorKind::Unprocessable, "import_row_rejected", r.message);
        e.field = r.field;
        e
    }
}
