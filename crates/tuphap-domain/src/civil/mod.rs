//! Civil-status registry use cases: declare a birth, register it (signer, numbered), return or
//! reject it, read a record within jurisdiction, work queues.
//!
//! Every step is one transaction that writes the record change, its audit entries and a
//! change-log row. Records are never overwritten: the declaration is version 1 of the record's
//! content; corrections add versions.

mod adoption;
mod amendment;
mod citizen_view;
mod death;
mod divorce;
mod extract;
mod guardianship;
mod import;
mod marital_status;
mod marriage;
mod merge;
mod parentage;
mod partner;
mod person;
mod record_content;
mod record_extract;
mod recorded;
mod registry;

pub use adoption::{AdoptionRegistration, AdoptionTermination, CourtOrderInput};
pub use amendment::{AmendmentData, AmendmentRequest, FieldChange, RequesterInput};
pub use death::{DeathDeclaration, DeceasedInput};
pub use divorce::{CourtDecisionInput, DivorceRecording};
pub use extract::{
    EXTRACT_EXEMPTIONS, ExtractIssued, ExtractList, ExtractRequest, ExtractView, FeeQuote,
    MAX_EXTRACT_COPIES, exemption_label, format_vnd,
};
pub use guardianship::{
    GuardianshipChange, GuardianshipEnd, GuardianshipPersonInput, GuardianshipRegistration,
    end_grounds_text, ward_situation_text,
};
pub use import::{
    IMPORT_USER, ImportOptions, ImportProgress, ImportReport, check_line as check_import_line,
    open_lines,
};
pub use marital_status::{
    ApplicantInput, IntendedSpouseInput, MaritalStatusData, MaritalStatusRequest, PurposeInput,
    purpose_text,
};
pub use marriage::{MarriageDeclaration, SpouseInput};
pub use merge::{PersonMerge, PersonMergeRequest, may_merge_persons};
pub use parentage::ParentageRecognition;
pub use partner::{PartnerEffect, scheme_label};
pub use person::{LifeEvent, PersonView};
pub use recorded::{
    EarlierRegistrationInput, RE_REGISTRATION_BEFORE, earlier_registration_label,
    earlier_registration_note, event_word, registered_on, registered_on_text,
};
pub use registry::{PersonFacts, Registry};

use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::ToSchema;

use tuphap_core::civil::{
    AuthorityBasis, AuthorityQuery, DuplicateKey, PROBABLE_DUPLICATE, PersonName, UnitRef,
    check_birth_registration, competent_authority, duplicate_score,
};
use tuphap_core::dates::{format_vn, parse_date, vn_today};
use tuphap_core::personal_id::{PersonalId, Sex};
use tuphap_core::reference as refdata;
use tuphap_core::role::Role;
use tuphap_core::text::{VnText, fold};
use tuphap_store::civil::{NewPerson, NewRecord, RecordRow};
use tuphap_store::{NewChange, Outcome};

use crate::error::{DomainError, ErrorKind, Result};
use crate::identity::OfficeKind;
use crate::{Actor, App, RequestMeta};

/// Register book number used for every book of a year ([?] the numbering rules of TT 04/2020
/// were not available: one book per event kind, office and year, book "01"; a full book
/// continues the same number sequence).
pub const DEFAULT_BOOK: &str = "01";

/// A place: an administrative unit (code valid on the event's date) and the detail.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlaceInput {
    #[schema(example = "00004")]
    pub admin_unit_code: String,
    /// Hospital, street and number, village…
    #[schema(example = "Bệnh viện Phụ sản Hà Nội")]
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChildInput {
    #[schema(example = "Nguyễn Thị Hương")]
    pub full_name: String,
    #[schema(example = "female")]
    pub sex: String,
    #[schema(example = "2026-11-20")]
    pub date_of_birth: String,
    pub place_of_birth: PlaceInput,
    #[schema(example = "01")]
    pub ethnicity_code: String,
    /// ISO 3166-1 alpha-2 (VN).
    #[schema(example = "VN")]
    pub nationality_code: String,
    /// Home town (quê quán), free text.
    pub home_town: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParentInput {
    #[schema(example = "Trần Thị Mai")]
    pub full_name: String,
    #[schema(example = "1995-03-14")]
    pub date_of_birth: Option<String>,
    #[schema(example = "001195012345")]
    pub personal_id: Option<String>,
    #[schema(example = "01")]
    pub ethnicity_code: String,
    #[schema(example = "VN")]
    pub nationality_code: String,
    pub residence: PlaceInput,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclarantInput {
    #[schema(example = "Trần Thị Mai")]
    pub full_name: String,
    pub personal_id: Option<String>,
    /// Relationship to the child, e.g. "mẹ", "cha", "ông nội".
    #[schema(example = "mẹ")]
    pub relationship: String,
}

/// A birth declaration (tờ khai đăng ký khai sinh).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BirthDeclaration {
    pub child: ChildInput,
    pub mother: ParentInput,
    pub father: Option<ParentInput>,
    pub declarant: DeclarantInput,
    /// A birth registered before: re-registration of a lost record, or a birth registered
    /// abroad recorded into the register (`recorded.rs`). Absent for a new registration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earlier_registration: Option<EarlierRegistrationInput>,
}

/// A candidate duplicate shown beside a declaration.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DuplicateCandidate {
    pub record_id: i64,
    pub status: String,
    /// 0–100.
    pub score: u8,
    pub probable: bool,
    /// Fields that agree.
    pub matched: Vec<String>,
}

/// Result of a declaration.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Declared {
    pub id: i64,
    #[schema(example = "declared")]
    pub status: String,
    /// Registered more than 60 days after the birth (still registrable; a fee applies).
    pub late: bool,
    pub duplicates: Vec<DuplicateCandidate>,
}

/// Result of registering.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Registered {
    pub id: i64,
    #[schema(example = 15)]
    pub register_number: i32,
    #[schema(example = "01")]
    pub book: String,
    #[schema(example = 2026)]
    pub year: i32,
    /// As printed: "Số: 15, Quyển số: 01/2026".
    #[schema(example = "Số: 15, Quyển số: 01/2026")]
    pub register_text: String,
    /// Registration date (YYYY-MM-DD).
    pub registered_at: String,
}

/// A record as shown to officials.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecordView {
    pub id: i64,
    #[schema(example = "birth")]
    pub kind: String,
    #[schema(example = "registered")]
    pub status: String,
    pub office_code: String,
    pub office_name: String,
    pub event_date: String,
    pub late: bool,
    pub register_text: Option<String>,
    pub registered_on: Option<String>,
    pub status_reason: Option<String>,
    pub duplicate_override_reason: Option<String>,
    /// For a migrated record: the legacy system it came from and its id there.
    pub source_system: Option<String>,
    pub source_id: Option<String>,
    /// The earlier record this one concerns (the marriage a recorded divorce ends).
    pub target_record_id: Option<i64>,
    pub version: i32,
    /// The current content (the declaration as registered or corrected).
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    pub persons: Vec<RecordPerson>,
    pub history: Vec<RecordVersionView>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecordPerson {
    pub role: String,
    pub person_id: i64,
    pub full_name: String,
    pub personal_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecordVersionView {
    pub version: i32,
    pub created_at: String,
    pub created_by: i64,
    pub reason: Option<String>,
}

/// Refuses with `code` (422, on the field) the first of `(field, value, what)` left empty:
/// "Ghi {what}."
pub(crate) fn require_texts(code: &'static str, items: &[(&str, &str, &str)]) -> Result<()> {
    for (field, value, what) in items {
        if VnText::new(value).as_str().is_empty() {
            return Err(invalid(code, field, format!("Ghi {what}.")));
        }
    }
    Ok(())
}

/// [`require_texts`] for a procedure's own `items`, then its requester's name and relationship
/// (the same for every procedure that has a requester).
pub(crate) fn require_request(
    code: &'static str,
    items: &[(&str, &str, &str)],
    requester: &RequesterInput,
) -> Result<()> {
    require_texts(code, items)?;
    require_texts(
        code,
        &[
            ("requester.full_name", &requester.full_name, "người yêu cầu"),
            (
                "requester.relationship",
                &requester.relationship,
                "quan hệ của người yêu cầu",
            ),
        ],
    )
}

impl App {
    /// Inserts a procedure's declared record with its audit entry (`audit_action`, `details`) and
    /// its change-log row (entity = the record's kind), in `tx`, and commits.
    pub(crate) async fn commit_declared(
        &self,
        mut tx: tuphap_store::Tx,
        actor: &Actor,
        meta: &RequestMeta,
        record: NewRecord,
        audit_action: &str,
        details: serde_json::Value,
    ) -> Result<Declared> {
        let id = tx.record_insert(&record).await?;
        let mut audit = actor.audit(meta, audit_action);
        audit.target_type = Some("civil_record".into());
        audit.target_id = Some(id.to_string());
        audit.details = Some(details.clone());
        let mut payload = serde_json::json!({"office": actor.office.code});
        if let (Some(p), Some(d)) = (payload.as_object_mut(), details.as_object()) {
            p.extend(d.clone());
        }
        tx.commit_with(
            &[audit],
            &[NewChange {
                entity: record.kind.clone(),
                entity_id: id.to_string(),
                action: "declared".into(),
                actor_user_id: Some(actor.user_id),
                payload,
            }],
        )
        .await?;
        Ok(Declared {
            id,
            status: "declared".into(),
            late: record.late,
            duplicates: Vec::new(),
        })
    }

    /// The registered record a procedure concerns, within the actor's jurisdiction (the office
    /// holding its book, or a successor's); `what` names the procedure in the messages.
    pub(crate) async fn concerned_record(
        &self,
        actor: &Actor,
        record: &RecordRow,
        not_registered: &'static str,
        what: &str,
    ) -> Result<()> {
        if !matches!(record.status.as_str(), "registered" | "certificate_issued") {
            return Err(DomainError::new(
                ErrorKind::Conflict,
                not_registered,
                format!(
                    "Hồ sơ {} số {} chưa được đăng ký; việc {what} chỉ làm trên hồ sơ đã đăng ký.",
                    kind_name(&record.kind),
                    record.id
                ),
            ));
        }
        let office = self
            .store
            .office_by_id(record.office_id)
            .await?
            .ok_or_else(DomainError::internal)?;
        if !record_in_scope(actor, &office) {
            return Err(DomainError::forbidden(format!(
                "Hồ sơ {} số {} thuộc sổ của {}; việc {what} do cơ quan đó (hoặc cơ quan kế thừa) thực hiện, không phải {}.",
                kind_name(&record.kind),
                record.id,
                office.name,
                actor.office.name
            )));
        }
        Ok(())
    }

    /// The birth record `id` a procedure on a child names (404 `birth_not_found` on the field
    /// `birth_record_id` when it is not a birth record).
    pub(crate) async fn birth_record(&self, id: i64) -> Result<RecordRow> {
        self.store
            .record_by_id(id)
            .await?
            .filter(|b| b.kind == "birth")
            .ok_or_else(|| {
                DomainError::not_found(
                    "birth_not_found",
                    format!("Không có hồ sơ khai sinh số {id} trong sổ."),
                )
                .with_field("birth_record_id")
            })
    }

    /// Refuses (409 `code`) while a record of `kind` concerning `target` awaits its signature.
    pub(crate) async fn refuse_pending(
        &self,
        target: i64,
        kind: &str,
        code: &'static str,
    ) -> Result<()> {
        for other in self.store.records_targeting(target).await? {
            if other.kind == kind && matches!(other.status.as_str(), "declared" | "returned") {
                return Err(DomainError::new(
                    ErrorKind::Conflict,
                    code,
                    format!(
                        "Hồ sơ số {target} đang có yêu cầu {} số {} chờ xử lý.",
                        kind_name(kind),
                        other.id
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// The name of a record kind in a sentence: "khai sinh", "kết hôn"…
pub fn kind_name(kind: &str) -> &'static str {
    match kind {
        "birth" => "khai sinh",
        "death" => "khai tử",
        "marriage" => "kết hôn",
        "divorce" => "ghi vào sổ việc ly hôn, hủy kết hôn",
        "marital_status" => "xác nhận tình trạng hôn nhân",
        "amendment" => "thay đổi, cải chính, bổ sung hộ tịch",
        "parentage" => "nhận cha, mẹ, con",
        "adoption" => "nuôi con nuôi",
        "adoption_termination" => "ghi vào sổ việc chấm dứt nuôi con nuôi",
        "guardianship" => "giám hộ",
        "guardianship_change" => "thay đổi người giám hộ",
        "guardianship_end" => "chấm dứt giám hộ",
        _ => "hộ tịch",
    }
}

/// Formats a register reference as printed on certificates.
pub fn register_text(number: i32, book: &str, year: i32) -> String {
    format!("Số: {number}, Quyển số: {book}/{year}")
}

fn invalid(code: &'static str, field: &str, message: impl Into<String>) -> DomainError {
    DomainError::new(ErrorKind::Unprocessable, code, message).with_field(field)
}

/// A person's name (Bộ luật Dân sự 2015, Điều 26), NFC, validated by `tuphap_core::civil`.
fn name(value: &str, field: &str) -> Result<VnText> {
    let n =
        PersonName::parse(value).map_err(|e| DomainError::unprocessable(&e).with_field(field))?;
    Ok(VnText::new(n.as_str()))
}

/// A date of the declaration, which cannot lie after the registration date `on` (today for a
/// declaration, the historical registration date for an imported record).
fn date(value: &str, field: &str, on: Date) -> Result<Date> {
    let d = parse_date(value).map_err(|e| DomainError::unprocessable(&e).with_field(field))?;
    if d > on {
        let message = if on == vn_today() {
            format!("Ngày {} ở tương lai.", format_vn(d))
        } else {
            format!("Ngày {} sau ngày đăng ký {}.", format_vn(d), format_vn(on))
        };
        return Err(invalid("date_in_future", field, message));
    }
    Ok(d)
}

fn unit_on(code: &str, on: Date, field: &str) -> Result<String> {
    let code = code.trim();
    match refdata::unit_on(code, on) {
        Some(u) if u.level == refdata::AdminLevel::Commune => Ok(u.code.clone()),
        Some(u) => Err(invalid(
            "admin_unit_not_commune",
            field,
            format!(
                "{} không phải đơn vị cấp xã; hãy chọn xã, phường hoặc đặc khu.",
                u.full_name
            ),
        )),
        None => Err(invalid(
            "admin_unit_unknown",
            field,
            format!(
                "Không có xã, phường mã \u{201c}{code}\u{201d} có hiệu lực ngày {}.",
                format_vn(on)
            ),
        )),
    }
}

fn ethnicity(code: &str, field: &str) -> Result<()> {
    refdata::ethnic_group(code.trim())
        .map(|_| ())
        .ok_or_else(|| {
            invalid(
                "ethnicity_unknown",
                field,
                format!(
                    "Mã dân tộc \u{201c}{}\u{201d} không có trong danh mục 54 dân tộc.",
                    code.trim()
                ),
            )
        })
}

fn nationality(code: &str, field: &str) -> Result<String> {
    refdata::country(code.trim())
        .map(|c| c.alpha2.clone())
        .ok_or_else(|| {
            invalid(
                "nationality_unknown",
                field,
                format!(
                    "Mã quốc tịch \u{201c}{}\u{201d} không có trong danh mục quốc gia.",
                    code.trim()
                ),
            )
        })
}

pub(crate) struct CheckedParent {
    pub person: NewPerson,
    pub residence_code: String,
}

fn parent(p: &ParentInput, role: &str, expected: Sex, today: Date) -> Result<CheckedParent> {
    let f = |s: &str| format!("{role}.{s}");
    let full_name = name(&p.full_name, &f("full_name"))?;
    let dob = match p
        .date_of_birth
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(d) => Some(date(d, &f("date_of_birth"), today)?),
        None => None,
    };
    let personal_id = match p
        .personal_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(raw) => {
            let id = PersonalId::parse(raw)
                .map_err(|e| DomainError::unprocessable(&e).with_field(f("personal_id")))?;
            if let Some(dob) = dob {
                id.check(expected, dob)
                    .map_err(|e| DomainError::unprocessable(&e).with_field(f("personal_id")))?;
            }
            Some(id.as_str().to_string())
        }
        None => None,
    };
    ethnicity(&p.ethnicity_code, &f("ethnicity_code"))?;
    let nat = nationality(&p.nationality_code, &f("nationality_code"))?;
    let residence_code = unit_on(
        &p.residence.admin_unit_code,
        today,
        &f("residence.admin_unit_code"),
    )?;
    Ok(CheckedParent {
        person: NewPerson {
            personal_id,
            name_folded: fold(full_name.as_str()),
            full_name: full_name.as_str().to_string(),
            sex: Some(expected.as_str().to_string()),
            date_of_birth: dob,
            birth_year: dob.map(|d| d.year()),
            ethnicity_code: Some(p.ethnicity_code.trim().to_string()),
            nationality_code: Some(nat),
        },
        residence_code,
    })
}

/// Scores an existing birth against a declaration with `tuphap_core::civil::duplicate_score`
/// (weights and partial credits documented there). Candidates are the births whose child has
/// the same folded name and date of birth (an index lookup); the score then weighs sex,
/// parents' names and place of birth.
fn score_candidate(
    c: &tuphap_store::civil::BirthCandidateRow,
    new: &DuplicateKey,
) -> DuplicateCandidate {
    let candidate = DuplicateKey {
        full_name: c.child_name_folded.clone(),
        date_of_birth: c.child_date_of_birth.unwrap_or(new.date_of_birth),
        sex: c
            .child_sex
            .as_deref()
            .and_then(|s| Sex::parse(s).ok())
            .unwrap_or(new.sex),
        mother_name: c.mother_name_folded.clone(),
        father_name: c.father_name_folded.clone(),
        place_of_birth_code: c.unit_code.clone(),
    };
    let s = duplicate_score(new, &candidate);
    DuplicateCandidate {
        record_id: c.record_id,
        status: c.status.clone(),
        score: s.score,
        probable: s.score >= PROBABLE_DUPLICATE,
        matched: s
            .matched_fields()
            .into_iter()
            .filter_map(|f| serde_json::to_value(f).ok())
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
    }
}

/// A birth declaration checked on its own (no registry lookups): what every way into the registry
/// — the API, the back-office form, the legacy import — must pass, on the registration date
/// `today` (Bộ luật Dân sự 2015, Điều 26 for names; Luật Hộ tịch 2014, Điều 15–16).
pub(crate) struct CheckedBirth {
    pub child_name: VnText,
    pub sex: Sex,
    pub dob: Date,
    /// The commune of birth; none for a birth abroad.
    pub place: Option<String>,
    pub child_nationality: String,
    pub mother: CheckedParent,
    pub father: Option<CheckedParent>,
    pub late: bool,
    /// The places that decide the competent office.
    pub basis: AuthorityBasis,
}

pub(crate) fn check_birth(
    d: &BirthDeclaration,
    today: Date,
    calendar: &tuphap_core::calendar::WorkingCalendar,
) -> Result<CheckedBirth> {
    let child_name = name(&d.child.full_name, "child.full_name")?;
    let sex = Sex::parse(&d.child.sex)
        .map_err(|e| DomainError::unprocessable(&e).with_field("child.sex"))?;
    let dob = date(&d.child.date_of_birth, "child.date_of_birth", today)?;
    let abroad = d.earlier_registration.as_ref().is_some_and(|e| e.abroad());
    let place = if abroad {
        recorded::place_abroad(&d.child.place_of_birth, "child.place_of_birth")?;
        None
    } else {
        Some(unit_on(
            &d.child.place_of_birth.admin_unit_code,
            dob,
            "child.place_of_birth.admin_unit_code",
        )?)
    };
    ethnicity(&d.child.ethnicity_code, "child.ethnicity_code")?;
    let child_nat = nationality(&d.child.nationality_code, "child.nationality_code")?;
    let earlier = match &d.earlier_registration {
        Some(e) => Some(recorded::check(
            e,
            &recorded::Recorded {
                event: tuphap_core::civil::CivilEvent::Birth,
                not_before: Some(dob),
                citizen: child_nat == "VN",
                citizen_field: "child.nationality_code",
            },
            today,
        )?),
        None => None,
    };
    let mother = parent(&d.mother, "mother", Sex::Female, today)?;
    let father = match &d.father {
        Some(f) => Some(parent(f, "father", Sex::Male, today)?),
        None => None,
    };
    name(&d.declarant.full_name, "declarant.full_name")?;
    if d.declarant.relationship.trim().is_empty() {
        return Err(invalid(
            "declarant_relationship_required",
            "declarant.relationship",
            "Cần ghi quan hệ của người đi khai với trẻ (mẹ, cha, ông, bà…).",
        ));
    }
    if let Some(m) = mother.person.date_of_birth
        && m >= dob
    {
        return Err(invalid(
            "mother_born_after_child",
            "mother.date_of_birth",
            "Ngày sinh của mẹ phải trước ngày sinh của con.",
        ));
    }
    // Late after 60 days (Luật Hộ tịch 2014, Điều 15.1; counted as the Civil Code counts).
    let timeliness = check_birth_registration(dob, today, today, calendar)
        .map_err(|e| DomainError::unprocessable(&e).with_field("child.date_of_birth"))?;
    // A birth registered before (again, or abroad) is not late (NĐ 123/2015 Điều 24–26; LHT
    // Điều 48–50): the registration being recorded was made in time or is the foreign one.
    let late = timeliness.late && earlier.is_none();
    let basis = earlier.unwrap_or_else(|| AuthorityBasis::Birth {
        mother_residence: Some(UnitRef::new(&mother.residence_code, today)),
        father_residence: father
            .as_ref()
            .map(|f| UnitRef::new(&f.residence_code, today)),
    });
    Ok(CheckedBirth {
        child_name,
        sex,
        dob,
        place,
        child_nationality: child_nat,
        mother,
        father,
        late,
        basis,
    })
}

impl App {
    /// Declares a birth at the actor's office (officer or signer of a commune).
    pub async fn declare_birth(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        d: BirthDeclaration,
    ) -> Result<Declared> {
        self.declare_birth_from(actor, meta, d, None).await
    }

    /// A birth declared from a citizen's online dossier (the officer opened the dossier, the form
    /// came pre-filled from its application): the record is linked to the dossier, which is
    /// received now if it was not yet, in the declaration's transaction. Registering the record
    /// completes the dossier (`register_record`).
    pub async fn declare_birth_for_dossier(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        d: BirthDeclaration,
        dossier_code: &str,
    ) -> Result<Declared> {
        self.declare_birth_from(actor, meta, d, Some(dossier_code))
            .await
    }

    async fn declare_birth_from(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        d: BirthDeclaration,
        dossier_code: Option<&str>,
    ) -> Result<Declared> {
        actor.require(
            matches!(actor.role, Role::Officer | Role::Signer)
                && actor.office.kind == OfficeKind::Commune,
            "đăng ký khai sinh (chỉ công chức tư pháp – hộ tịch hoặc lãnh đạo UBND cấp xã)",
        )?;
        let today = vn_today();
        let calendar = self.working_calendar().await?;
        let c = check_birth(&d, today, &calendar)?;
        // Competence (Luật Hộ tịch 2014, Điều 13; NĐ 120/2025 from 01/07/2025): the People's
        // Committee of the commune where the father or the mother resides.
        ensure_competent(
            actor,
            c.basis.clone(),
            today,
            "mother.residence.admin_unit_code",
        )?;
        let CheckedBirth {
            child_name,
            sex,
            dob,
            place,
            child_nationality: child_nat,
            mother,
            father,
            late,
            ..
        } = c;
        let child_folded = fold(child_name.as_str());
        let key = DuplicateKey {
            full_name: child_folded.clone(),
            date_of_birth: dob,
            sex,
            mother_name: Some(mother.person.name_folded.clone()),
            father_name: father.as_ref().map(|f| f.person.name_folded.clone()),
            place_of_birth_code: place.clone(),
        };
        let candidates = self
            .store
            .birth_candidates(&child_folded, dob, None)
            .await?;
        let duplicates: Vec<DuplicateCandidate> = candidates
            .iter()
            .map(|c| score_candidate(c, &key))
            .collect();
        let data = serde_json::to_string(&d).map_err(|_| DomainError::internal())?;

        let mut tx = self.store.begin().await?;
        let (mother_id, _) = tx.person_find_or_create(&mother.person).await?;
        let father_id = match &father {
            Some(f) => Some(tx.person_find_or_create(&f.person).await?.0),
            None => None,
        };
        let child_id = tx
            .person_insert(&NewPerson {
                personal_id: None,
                full_name: child_name.as_str().to_string(),
                name_folded: child_folded.clone(),
                sex: Some(sex.as_str().to_string()),
                date_of_birth: Some(dob),
                birth_year: Some(dob.year()),
                ethnicity_code: Some(d.child.ethnicity_code.trim().to_string()),
                nationality_code: Some(child_nat),
            })
            .await?;
        let mut persons = vec![
            ("child".to_string(), child_id),
            ("mother".to_string(), mother_id),
        ];
        if let Some(f) = father_id {
            persons.push(("father".to_string(), f));
        }
        let id = tx
            .record_insert(&NewRecord {
                target_record_id: None,
                kind: "birth".into(),
                office_id: actor.office.id,
                unit_code: place.clone(),
                event_date: dob,
                subject_person_id: child_id,
                subject_name_folded: child_folded,
                late,
                declared_by: actor.user_id,
                data,
                persons,
            })
            .await?;
        let mut audit = actor.audit(meta, "civil.birth.declare");
        audit.target_type = Some("civil_record".into());
        audit.target_id = Some(id.to_string());
        audit.details = Some(serde_json::json!({
            "late": late,
            "duplicates": duplicates.iter().map(|c| (c.record_id, c.score)).collect::<Vec<_>>(),
            "dossier": dossier_code,
        }));
        let mut audits = vec![audit];
        let mut changes = vec![NewChange {
            entity: "birth".into(),
            entity_id: id.to_string(),
            action: "declared".into(),
            actor_user_id: Some(actor.user_id),
            payload: serde_json::json!({"office": actor.office.code, "late": late}),
        }];
        if let Some(code) = dossier_code
            && let Some(step) = self.link_dossier(&mut tx, actor, meta, code, id).await?
        {
            audits.push(step.audit);
            changes.push(step.change);
        }
        tx.commit_with(&audits, &changes).await?;
        Ok(Declared {
            id,
            status: "declared".into(),
            late,
            duplicates,
        })
    }

    /// Loads a record for a workflow step by a user of the registering office.
    async fn own_record(
        &self,
        tx: &mut tuphap_store::Tx,
        actor: &Actor,
        id: i64,
    ) -> Result<RecordRow> {
        let Some(r) = tx.record_for_update(id).await? else {
            return Err(record_not_found(id));
        };
        if r.office_id != actor.office.id {
            return Err(DomainError::forbidden(format!(
                "Hồ sơ số {id} thuộc cơ quan khác; chỉ cơ quan đã tiếp nhận mới xử lý được."
            )));
        }
        Ok(r)
    }

    /// Registers a declared record (signers of the registering office): allocates the register
    /// number of the office's book of that kind and year. A probable duplicate must be
    /// overridden with a reason (audited).
    pub async fn register_record(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        id: i64,
        duplicate_override_reason: Option<String>,
    ) -> Result<Registered> {
        actor.require(
            actor.role == Role::Signer,
            "ký đăng ký hộ tịch (chỉ người ký)",
        )?;
        // Signing needs a fresh password/TOTP check of the session (issue 8).
        let signing_proof = self.require_recent_auth(actor).await?;
        let override_reason = duplicate_override_reason
            .map(|r| VnText::new(&r).as_str().to_string())
            .filter(|r| !r.is_empty());
        // Duplicates are checked before the transaction (read-only), then the state is
        // re-checked under the lock.
        let Some(pre) = self.store.record_by_id(id).await? else {
            return Err(record_not_found(id));
        };
        let mut probable = Vec::new();
        if pre.kind == "birth"
            && let Some(child) = self.store.person_by_id(pre.subject_person_id).await?
            && let Some(dob) = child.date_of_birth
        {
            let persons = self.store.record_persons(id).await?;
            let folded_of = |role: &str| {
                persons
                    .iter()
                    .find(|p| p.role == role)
                    .map(|p| fold(&p.full_name))
            };
            let key = DuplicateKey {
                full_name: child.name_folded.clone(),
                date_of_birth: dob,
                sex: child
                    .sex
                    .as_deref()
                    .and_then(|s| Sex::parse(s).ok())
                    .unwrap_or(Sex::Female),
                mother_name: folded_of("mother"),
                father_name: folded_of("father"),
                place_of_birth_code: pre.unit_code.clone(),
            };
            for c in self
                .store
                .birth_candidates(&child.name_folded, dob, Some(id))
                .await?
            {
                let s = score_candidate(&c, &key);
                if s.probable {
                    probable.push(s);
                }
            }
        }
        if !probable.is_empty() && override_reason.is_none() {
            let ids: Vec<String> = probable.iter().map(|p| p.record_id.to_string()).collect();
            return Err(DomainError::new(
                ErrorKind::Conflict,
                "duplicate_override_required",
                format!(
                    "Có hồ sơ nhiều khả năng trùng (số {}). Hãy đối chiếu; nếu vẫn đăng ký, ghi lý do vào duplicate_override_reason.",
                    ids.join(", ")
                ),
            ));
        }
        // The registry may have changed since the declaration: check the rules again.
        let mut parties = Vec::new();
        let mut rederived = None;
        match pre.kind.as_str() {
            "marital_status" => {
                let data: marital_status::MaritalStatusData = self.current_data(id).await?;
                let derived = self.derived_status(pre.subject_person_id).await?;
                marital_status::status_refusal(
                    &data.request.applicant.full_name,
                    &data.request.purpose,
                    &derived,
                )?;
                if derived.sentence != data.sentence || derived.based_on != data.based_on {
                    let updated = marital_status::MaritalStatusData {
                        status: derived.status.code().into(),
                        sentence: derived.sentence,
                        based_on: derived.based_on,
                        ..data
                    };
                    rederived =
                        Some(serde_json::to_string(&updated).map_err(|_| DomainError::internal())?);
                }
            }
            "death" => {
                if let Some(p) = self.store.person_by_id(pre.subject_person_id).await?
                    && p.date_of_death.is_some()
                {
                    return Err(death::death_registered_error(p.date_of_death));
                }
            }
            "marriage" => {
                let persons = self.store.record_persons(id).await?;
                let mut husband = None;
                let mut wife = None;
                for p in &persons {
                    let row = self.store.person_by_id(p.person_id).await?;
                    // A party whose entry was merged is checked as the entry that stays (merge.rs).
                    let row = match row {
                        Some(r) => Some(self.surviving_person(r).await?),
                        None => None,
                    };
                    if matches!(p.role.as_str(), "husband" | "wife") {
                        parties.push(row.as_ref().map_or(p.person_id, |r| r.id));
                    }
                    match p.role.as_str() {
                        "husband" => husband = row,
                        "wife" => wife = row,
                        _ => {}
                    }
                }
                let (Some(h), Some(w)) = (husband, wife) else {
                    return Err(DomainError::internal());
                };
                let today = vn_today();
                let facts = |p: &tuphap_store::civil::PersonRow| registry::PersonFacts {
                    id: p.id,
                    date_of_death: p.date_of_death,
                };
                // A marriage registered before (again, or abroad) dates from, and is checked on,
                // its earlier registration (recorded.rs); any other on the day of signing.
                let declared_on = pre
                    .declared_at
                    .to_offset(tuphap_core::dates::VN_OFFSET)
                    .date();
                let on = if pre.event_date < declared_on {
                    pre.event_date
                } else {
                    today
                };
                marriage::marriage_rules_on(
                    &self.store,
                    (Some(&facts(&h)), h.date_of_birth.unwrap_or(today)),
                    (Some(&facts(&w)), w.date_of_birth.unwrap_or(today)),
                    Some(id),
                    on,
                    today,
                )
                .await?;
            }
            _ => {}
        }
        let today = vn_today();
        let year = today.year();
        let mut tx = self.store.begin().await?;
        let r = self.own_record(&mut tx, actor, id).await?;
        if r.status != "declared" {
            return Err(DomainError::new(
                ErrorKind::Conflict,
                "civil_record_not_declared",
                format!(
                    "Hồ sơ số {id} đang ở trạng thái {}, không thể đăng ký.",
                    status_label(&r.status)
                ),
            ));
        }
        // What a registration committed meanwhile may have changed, checked again under the lock
        // of the persons concerned, so that two signings cannot both pass (Luật Hộ tịch 2014,
        // Điều 34.2; Luật Hôn nhân và gia đình 2014, Điều 5 khoản 2 điểm c).
        match r.kind.as_str() {
            "divorce" => {
                let target = r.target_record_id.ok_or_else(DomainError::internal)?;
                // The marriage's row lock orders two signings of decisions on one marriage.
                tx.record_for_update(target).await?;
                for other in tx.records_targeting(target).await? {
                    if other.id != id
                        && other.kind == "divorce"
                        && matches!(other.status.as_str(), "registered" | "certificate_issued")
                    {
                        return Err(divorce::marriage_already_ended(target, &other));
                    }
                }
            }
            "marital_status" => {
                if let Some(data) = &rederived {
                    tx.record_new_version(
                        id,
                        data,
                        actor.user_id,
                        "Tình trạng hôn nhân xác định lại theo sổ hộ tịch khi ký đăng ký",
                    )
                    .await?;
                }
            }
            "death" => {
                let locked = tx.persons_for_update(&[r.subject_person_id]).await?;
                if let Some(p) = locked.iter().find(|p| p.date_of_death.is_some()) {
                    return Err(death::death_registered_error(p.date_of_death));
                }
            }
            "marriage" => {
                for p in tx.persons_for_update(&parties).await? {
                    if p.date_of_death.is_some() {
                        return Err(DomainError::new(
                            ErrorKind::Conflict,
                            "marriage_partner_deceased",
                            format!(
                                "{} đã được đăng ký khai tử, không thể đăng ký kết hôn.",
                                p.full_name
                            ),
                        ));
                    }
                    let mut married = false;
                    for m in tx.marriages_of(p.id).await? {
                        if m.record_id != id
                            && matches!(m.status.as_str(), "registered" | "certificate_issued")
                            // ended by a recorded divorce or annulment (HN&GĐ 2014, Điều 57)?
                            && m.ended_by_record_id.is_none()
                            // ended by the spouse's death (HN&GĐ 2014, Điều 65)?
                            && tx
                                .person_by_id(m.spouse_id)
                                .await?
                                .is_none_or(|s| s.date_of_death.is_none())
                        {
                            married = true;
                        }
                    }
                    if married {
                        return Err(DomainError::new(
                            ErrorKind::Conflict,
                            "marriage_already_married",
                            format!(
                                "{} đang có vợ hoặc chồng theo sổ hộ tịch (Luật Hôn nhân và gia đình 2014, Điều 5 khoản 2 điểm c).",
                                p.full_name
                            ),
                        ));
                    }
                }
            }
            _ => {}
        }
        if r.event_date > today {
            return Err(invalid(
                "registration_before_event",
                "event_date",
                "Ngày đăng ký không được trước ngày xảy ra sự kiện.",
            ));
        }
        let number = tx.next_register_number(r.office_id, &r.kind, year).await?;
        tx.record_set_registered(
            id,
            actor.user_id,
            today,
            DEFAULT_BOOK,
            year,
            number,
            if probable.is_empty() {
                None
            } else {
                override_reason.as_deref()
            },
        )
        .await?;
        if r.kind == "death" {
            tx.person_set_death(r.subject_person_id, r.event_date, id)
                .await?;
        }
        let mut changes = Vec::new();
        // Procedures on an earlier record apply here, in the same transaction as their own
        // registration: a new version of the target (or a person linked to it or unlinked),
        // `amended`; or the guardianship a change or an end finishes, `ended`. The target gets a
        // change-log row either way, so its readers (search) see it.
        let applied: Option<(i64, &str, Option<i32>)> = match r.kind.as_str() {
            "amendment" => {
                let (t, v) = self
                    .apply_amendment(&mut tx, actor, &r, (number, year))
                    .await?;
                Some((t, "amended", Some(v)))
            }
            "parentage" => {
                let (t, v) = self
                    .apply_parentage(
                        &mut tx,
                        actor,
                        &r,
                        &register_text(number, DEFAULT_BOOK, year),
                    )
                    .await?;
                Some((t, "amended", Some(v)))
            }
            "adoption" => {
                let (t, v) = self.apply_adoption(&mut tx, &r).await?;
                Some((t, "amended", Some(v)))
            }
            "adoption_termination" => {
                let (t, v) = self.apply_adoption_termination(&mut tx, &r).await?;
                Some((t, "amended", Some(v)))
            }
            "guardianship" | "guardianship_change" | "guardianship_end" => self
                .apply_guardianship(&r)
                .await?
                .map(|t| (t, "ended", None)),
            _ => None,
        };
        if let Some((target, action, version)) = applied {
            let target_kind = self
                .store
                .record_by_id(target)
                .await?
                .map(|t| t.kind)
                .unwrap_or_default();
            let mut payload = serde_json::json!({"by": id, "kind": r.kind});
            if let (Some(v), Some(p)) = (version, payload.as_object_mut()) {
                p.insert("version".into(), v.into());
            }
            changes.push(NewChange {
                entity: target_kind,
                entity_id: target.to_string(),
                action: action.into(),
                actor_user_id: Some(actor.user_id),
                payload,
            });
        }
        let text = register_text(number, DEFAULT_BOOK, year);
        let mut audit = vec![{
            let mut e = actor.audit(meta, "civil.register");
            e.target_type = Some("civil_record".into());
            e.target_id = Some(id.to_string());
            e.details = Some(serde_json::json!({
                "register": text,
                "signer_reauth_at": crate::strong_auth::rfc3339(signing_proof.reauth_at),
                "signer_second_factor_at": crate::strong_auth::rfc3339(signing_proof.second_factor_at),
            }));
            e
        }];
        if !probable.is_empty() {
            let mut e = actor.audit(meta, "civil.duplicate_override");
            e.target_type = Some("civil_record".into());
            e.target_id = Some(id.to_string());
            e.reason = override_reason.clone();
            e.details = Some(serde_json::json!({
                "candidates": probable.iter().map(|p| (p.record_id, p.score)).collect::<Vec<_>>()
            }));
            audit.push(e);
        }
        changes.insert(
            0,
            NewChange {
                entity: r.kind.clone(),
                entity_id: id.to_string(),
                action: "registered".into(),
                actor_user_id: Some(actor.user_id),
                payload: serde_json::json!({
                    "office": actor.office.code, "number": number, "book": DEFAULT_BOOK, "year": year
                }),
            },
        );
        // A record declared from an online dossier completes it in this transaction: the
        // registration is the dossier's result (the electronic certificate the citizen downloads).
        if let Some(code) = tx.dossier_open_for_record(id).await? {
            let now = time::OffsetDateTime::now_utc();
            let step = self
                .dossier_step(
                    &mut tx,
                    &code,
                    crate::online::dossier::DossierParty::Officer(actor),
                    meta,
                    tuphap_core::dossier::DossierAction::Complete,
                    now,
                    |d, _, _| Ok(crate::online::dossier::finish_with_result(d, id, now)),
                )
                .await?;
            audit.push(step.audit);
            changes.push(step.change);
        }
        tx.commit_with(&audit, &changes).await?;
        Ok(Registered {
            id,
            register_number: number,
            book: DEFAULT_BOOK.into(),
            year,
            register_text: text,
            registered_at: today.to_string(),
        })
    }

    /// Returns a declared record to the officer (for completion) or rejects it, with a reason.
    pub async fn decide_record(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        id: i64,
        reject: bool,
        reason: &str,
    ) -> Result<()> {
        actor.require(
            matches!(actor.role, Role::Signer | Role::Officer),
            "trả lại hoặc từ chối hồ sơ",
        )?;
        let reason = VnText::new(reason);
        if reason.as_str().is_empty() {
            return Err(invalid(
                "reason_required",
                "reason",
                "Cần ghi lý do trả lại hoặc từ chối.",
            ));
        }
        let mut tx = self.store.begin().await?;
        let r = self.own_record(&mut tx, actor, id).await?;
        if r.status != "declared" {
            return Err(DomainError::new(
                ErrorKind::Conflict,
                "civil_record_not_declared",
                format!(
                    "Hồ sơ số {id} đang ở trạng thái {}.",
                    status_label(&r.status)
                ),
            ));
        }
        let status = if reject { "rejected" } else { "returned" };
        tx.record_set_status(id, status, Some(reason.as_str()))
            .await?;
        let mut e = actor.audit(
            meta,
            if reject {
                "civil.reject"
            } else {
                "civil.return"
            },
        );
        e.target_type = Some("civil_record".into());
        e.target_id = Some(id.to_string());
        e.reason = Some(reason.as_str().to_string());
        tx.commit_with(
            &[e],
            &[NewChange {
                entity: r.kind,
                entity_id: id.to_string(),
                action: status.into(),
                actor_user_id: Some(actor.user_id),
                payload: serde_json::json!({"reason": reason.as_str()}),
            }],
        )
        .await?;
        Ok(())
    }

    /// The data of a record's current version (no access check, no audit: for callers that
    /// checked access themselves).
    pub(crate) async fn record_current_data(
        &self,
        r: &tuphap_store::civil::RecordRow,
    ) -> Result<serde_json::Value> {
        let versions = self.store.record_versions(r.id).await?;
        let current = versions
            .iter()
            .find(|v| v.version == r.current_version)
            .ok_or_else(DomainError::internal)?;
        serde_json::from_str(&current.data).map_err(|_| DomainError::internal())
    }

    /// A record with its persons and history, for a user whose jurisdiction covers it. The read
    /// is audited; a refused attempt is audited as denied.
    pub async fn get_record(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        id: i64,
    ) -> Result<RecordView> {
        let Some(r) = self.store.record_by_id(id).await? else {
            return Err(record_not_found(id));
        };
        let office = self
            .store
            .office_by_id(r.office_id)
            .await?
            .ok_or_else(DomainError::internal)?;
        let in_scope = record_in_scope(actor, &office);
        let mut e = actor.audit(meta, "civil.record.read");
        e.target_type = Some("civil_record".into());
        e.target_id = Some(id.to_string());
        if !in_scope {
            e.outcome = Some(Outcome::Denied);
            e.reason = Some("outside_jurisdiction".into());
            self.store.audit(&[e]).await?;
            return Err(DomainError::forbidden(format!(
                "Hồ sơ số {id} thuộc {}, ngoài phạm vi thẩm quyền của {}.",
                office.name, actor.office.name
            )));
        }
        if let Some(p) = self.purpose_for_read(actor, meta)? {
            p.stamp(&mut e);
        }
        self.store.audit(&[e]).await?;
        let versions = self.store.record_versions(id).await?;
        let current = versions
            .iter()
            .find(|v| v.version == r.current_version)
            .ok_or_else(DomainError::internal)?;
        let data = serde_json::from_str(&current.data).map_err(|_| DomainError::internal())?;
        let persons = self
            .store
            .record_persons(id)
            .await?
            .into_iter()
            .map(|p| RecordPerson {
                role: p.role,
                person_id: p.person_id,
                full_name: p.full_name,
                personal_id: p.personal_id,
            })
            .collect();
        Ok(RecordView {
            id: r.id,
            kind: r.kind,
            status: r.status,
            office_code: office.code,
            office_name: office.name,
            event_date: r.event_date.to_string(),
            late: r.late,
            register_text: match (
                r.register_number,
                r.register_book.as_deref(),
                r.register_year,
            ) {
                (Some(n), Some(b), Some(y)) => Some(register_text(n, b, y)),
                _ => None,
            },
            registered_on: r.registered_on.map(|d| d.to_string()),
            status_reason: r.status_reason,
            duplicate_override_reason: r.duplicate_override_reason,
            source_system: r.source_system.clone(),
            source_id: r.source_id.clone(),
            target_record_id: r.target_record_id,
            version: r.current_version,
            data,
            persons,
            history: versions
                .iter()
                .map(|v| RecordVersionView {
                    version: v.version,
                    created_at: v
                        .created_at
                        .format(&time::format_description::well_known::Rfc3339)
                        .unwrap_or_default(),
                    created_by: v.created_by,
                    // A migrated record's first version is the legacy row as imported; the
                    // source is kept once on the record, not repeated in each version.
                    reason: match (&v.reason, v.version, &r.source_system) {
                        (None, 1, Some(system)) => Some(format!(
                            "Chuyển đổi từ {system} (mã {})",
                            r.source_id.as_deref().unwrap_or("?")
                        )),
                        _ => v.reason.clone(),
                    },
                })
                .collect(),
        })
    }

    /// The actor's office's records in `status` (work queues: declared = to check/sign,
    /// returned, registered = to print).
    pub async fn record_queue(
        &self,
        actor: &Actor,
        status: &str,
        after_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<RecordRow>> {
        if !matches!(
            status,
            "declared" | "returned" | "rejected" | "registered" | "certificate_issued"
        ) {
            return Err(DomainError::new(
                ErrorKind::BadRequest,
                "civil_status_invalid",
                format!("Trạng thái \u{201c}{status}\u{201d} không hợp lệ."),
            )
            .with_field("status"));
        }
        Ok(self
            .store
            .records_queue(actor.office.id, status, after_id, limit)
            .await?)
    }
}

/// Whether a record of `office` lies in the actor's jurisdiction: the registering office itself;
/// a province or ministry office whose scope covers the office's unit; and for the records of an
/// office whose unit no longer exists (imported from before the 2025 reform), the offices of the
/// units that succeeded it (a commune that absorbed the old commune holds its books).
pub(crate) fn record_in_scope(actor: &Actor, office: &tuphap_store::identity::OfficeRow) -> bool {
    if actor.office.id == office.id {
        return true;
    }
    let Some(unit) = office.unit_code.as_deref() else {
        return false;
    };
    match office.unit_valid_to {
        // The unit's last day of existence is the day before `valid_to`.
        Some(until) => actor
            .office
            .scope
            .covers(unit, until.previous_day().unwrap_or(until)),
        None => {
            actor.office.kind != OfficeKind::Commune && actor.office.scope.covers(unit, vn_today())
        }
    }
}

/// Competence to register an event (Luật Hộ tịch 2014, Điều 13, 17, 32; Nghị định 120/2025 from
/// 01/07/2025): `tuphap_core::civil::competent_authority` names the offices the law designates
/// on the registration date (following old unit codes to their successors); the actor's office
/// must be one of them. A place that designates no office is the declaration's error (422 on
/// `field`); an office that is not designated is refused (403) with the competent offices named.
pub(crate) fn ensure_competent(
    actor: &Actor,
    basis: AuthorityBasis,
    registration_date: Date,
    field: &str,
) -> Result<()> {
    let own = match &actor.office.scope {
        crate::identity::Scope::Commune { commune_code } => Some(commune_code.as_str()),
        _ => None,
    };
    office_competent(own, &actor.office.name, basis, registration_date, field)
}

/// [`ensure_competent`] for the office of the unit `office_unit` (a code valid on the
/// registration date) named `office_name`.
pub(crate) fn office_competent(
    office_unit: Option<&str>,
    office_name: &str,
    basis: AuthorityBasis,
    registration_date: Date,
    field: &str,
) -> Result<()> {
    let event = basis.event();
    let query = AuthorityQuery {
        registration_date,
        foreign_element: false,
        basis,
    };
    let authority = competent_authority(&query)
        .map_err(|e| DomainError::unprocessable(&e).with_field(field))?;
    if authority
        .candidates
        .iter()
        .any(|c| Some(c.code.as_str()) == office_unit)
    {
        return Ok(());
    }
    let names: Vec<String> = authority
        .candidates
        .iter()
        .map(|c| format!("UBND {}", c.full_name))
        .collect();
    Err(DomainError::new(
        ErrorKind::Forbidden,
        "civil_office_not_competent",
        format!(
            "{office_name} không có thẩm quyền đăng ký {}: cơ quan có thẩm quyền là {} ({}).",
            event.name_vi(),
            names.join(" hoặc "),
            authority.legal_basis
        ),
    ))
}

fn record_not_found(id: i64) -> DomainError {
    DomainError::not_found(
        "civil_record_not_found",
        format!("Không có hồ sơ hộ tịch số {id}."),
    )
}

/// Vietnamese label of a record status.
pub fn status_label(status: &str) -> &'static str {
    match status {
        "declared" => "chờ ký",
        "returned" => "đã trả lại",
        "rejected" => "đã từ chối",
        "registered" => "đã đăng ký",
        "certificate_issued" => "đã cấp giấy",
        _ => "không rõ",
    }
}
