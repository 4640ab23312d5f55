//! Giấy xác nhận tình trạng hôn nhân (certificate of marital status): Nghị định 123/2015/NĐ-CP,
//! Điều 21–23; field spec `civil-status-forms.md` §3.
//!
//! The status is derived from the registry ([`tuphap_core::civil::derive_marital_status`]): the
//! applicant's registered marriages, the divorces and annulments recorded against them, the
//! spouses' registered deaths. The certificate prints that sentence and the records it rests on.
//! It is refused for the purpose of marrying while the registry shows a current marriage
//! (`marital_status_married`, Luật Hôn nhân và gia đình 2014, Điều 5 khoản 2 điểm c), and for a
//! deceased applicant. It is valid 6 months from issue for the stated purpose only (Điều 23): a
//! new one for another purpose, or before the old one expires, needs the old one handed back
//! (Điều 22.6), which the officer confirms (`previous_certificate_returned`).
//!
//! A `marital_status` record goes through the usual workflow (declared by an officer of the
//! commune of residence, registered and numbered by a signer in the office's book of that kind,
//! then its certificate issued). The status is derived again when the signer registers it; if the
//! registry changed meanwhile, the record gets a new version with the status as registered.

use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::ToSchema;

use tuphap_core::civil::{
    AuthorityBasis, DerivedStatus, MaritalStatus, MarriageEnd, MarriageFact, UnitRef,
    certificate_valid_until, derive_marital_status,
};
use tuphap_core::dates::{format_vn, vn_today};
use tuphap_core::personal_id::{PersonalId, Sex};
use tuphap_core::role::Role;
use tuphap_core::text::{VnText, fold};
use tuphap_store::civil::{NewPerson, NewRecord};

use super::divorce::{DivorceRecording, cite};
use super::{
    Declared, PlaceInput, date, ensure_competent, ethnicity, invalid, name, nationality,
    register_text, unit_on,
};
use crate::error::{DomainError, ErrorKind, Result};
use crate::identity::OfficeKind;
use crate::{Actor, App, RequestMeta};

/// The person asking for the certificate.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicantInput {
    #[schema(example = "Nguyễn Thị Lan")]
    pub full_name: String,
    #[schema(example = "female")]
    pub sex: String,
    #[schema(example = "1994-05-12")]
    pub date_of_birth: String,
    /// Required: the registry finds the person's history by it.
    #[schema(example = "001194012345")]
    pub personal_id: String,
    #[schema(example = "01")]
    pub ethnicity_code: String,
    #[schema(example = "VN")]
    pub nationality_code: String,
    /// Permanent residence (temporary if there is none): decides the competent commune.
    pub residence: PlaceInput,
}

/// The intended spouse, when the certificate is for marrying.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntendedSpouseInput {
    #[schema(example = "Trần Văn Bình")]
    pub full_name: String,
    #[schema(example = "1992-08-20")]
    pub date_of_birth: Option<String>,
    #[schema(example = "VN")]
    pub nationality_code: String,
}

/// What the certificate will be used for (it is valid for that purpose only).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PurposeInput {
    /// `marriage` (to register a marriage) or `other`.
    #[schema(example = "marriage")]
    pub kind: String,
    /// Required for `marriage`.
    pub intended_spouse: Option<IntendedSpouseInput>,
    /// For `marriage`: where the marriage will be registered.
    #[schema(example = "UBND phường Ba Đình, Hà Nội")]
    pub marriage_place: Option<String>,
    /// For `other`: the use, e.g. "Bổ túc hồ sơ vay vốn ngân hàng".
    pub description: Option<String>,
}

/// A request for a marital-status certificate.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MaritalStatusRequest {
    pub applicant: ApplicantInput,
    pub purpose: PurposeInput,
    /// The start of the residence period the certificate covers (YYYY-MM-DD), when the
    /// applicant asks for a period ("trong thời gian cư trú tại … từ ngày … đến nay").
    pub residence_from: Option<String>,
    /// The officer received back the applicant's earlier certificate that is still valid.
    #[serde(default)]
    pub previous_certificate_returned: bool,
}

/// What a `marital_status` record stores: the request and the status derived from the registry.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MaritalStatusData {
    pub request: MaritalStatusRequest,
    /// single, married, divorced, widowed, unknown.
    #[schema(example = "divorced")]
    pub status: String,
    /// The certified sentence.
    pub sentence: String,
    /// The records it rests on.
    pub based_on: Vec<i64>,
}

impl MaritalStatusData {
    fn new(request: MaritalStatusRequest, d: &DerivedStatus) -> MaritalStatusData {
        MaritalStatusData {
            request,
            status: d.status.code().into(),
            sentence: d.sentence.clone(),
            based_on: d.based_on.clone(),
        }
    }
}

/// The purpose as printed: "Để đăng ký kết hôn với ông Trần Văn Bình, sinh ngày 20/08/1992, tại
/// UBND phường Ba Đình, Hà Nội." or the use stated.
pub fn purpose_text(p: &PurposeInput, applicant_sex: &str) -> String {
    match (&p.intended_spouse, p.kind.as_str()) {
        (Some(s), "marriage") => {
            let title = if applicant_sex == "female" {
                "ông"
            } else {
                "bà"
            };
            let born = s
                .date_of_birth
                .as_deref()
                .and_then(|d| tuphap_core::dates::parse_date(d).ok())
                .map(|d| format!(", sinh ngày {}", format_vn(d)))
                .unwrap_or_default();
            let place = p
                .marriage_place
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| format!(", tại {s}"))
                .unwrap_or_default();
            format!(
                "Để đăng ký kết hôn với {title} {}{born}{place}.",
                s.full_name.trim()
            )
        }
        _ => format!(
            "Để {}.",
            p.description
                .as_deref()
                .map(str::trim)
                .unwrap_or("sử dụng vào mục đích khác")
                .trim_end_matches('.')
        ),
    }
}

struct CheckedApplicant {
    person: NewPerson,
    residence: String,
}

fn check_request(r: &MaritalStatusRequest, today: Date) -> Result<CheckedApplicant> {
    let a = &r.applicant;
    let full_name = name(&a.full_name, "applicant.full_name")?;
    let sex = Sex::parse(&a.sex)
        .map_err(|e| DomainError::unprocessable(&e).with_field("applicant.sex"))?;
    let dob = date(&a.date_of_birth, "applicant.date_of_birth", today)?;
    let pid = PersonalId::parse(&a.personal_id)
        .map_err(|e| DomainError::unprocessable(&e).with_field("applicant.personal_id"))?;
    pid.check(sex, dob)
        .map_err(|e| DomainError::unprocessable(&e).with_field("applicant.personal_id"))?;
    ethnicity(&a.ethnicity_code, "applicant.ethnicity_code")?;
    let nat = nationality(&a.nationality_code, "applicant.nationality_code")?;
    let residence = unit_on(
        &a.residence.admin_unit_code,
        today,
        "applicant.residence.admin_unit_code",
    )?;
    if let Some(from) = r.residence_from.as_deref().filter(|s| !s.trim().is_empty()) {
        let from = date(from, "residence_from", today)?;
        if from < dob {
            return Err(invalid(
                "marital_status_period_before_birth",
                "residence_from",
                format!(
                    "Thời gian cư trú từ {} trước ngày sinh {}.",
                    format_vn(from),
                    format_vn(dob)
                ),
            ));
        }
    }
    match r.purpose.kind.as_str() {
        "marriage" => {
            let Some(s) = &r.purpose.intended_spouse else {
                return Err(invalid(
                    "marital_status_spouse_missing",
                    "purpose.intended_spouse",
                    "Giấy xác nhận để kết hôn phải ghi rõ kết hôn với ai.",
                ));
            };
            name(&s.full_name, "purpose.intended_spouse.full_name")?;
            nationality(
                &s.nationality_code,
                "purpose.intended_spouse.nationality_code",
            )?;
            if let Some(d) = s.date_of_birth.as_deref().filter(|d| !d.trim().is_empty()) {
                date(d, "purpose.intended_spouse.date_of_birth", today)?;
            }
        }
        "other" => {
            if r.purpose
                .description
                .as_deref()
                .is_none_or(|d| VnText::new(d).as_str().is_empty())
            {
                return Err(invalid(
                    "marital_status_purpose_missing",
                    "purpose.description",
                    "Ghi rõ mục đích sử dụng Giấy xác nhận tình trạng hôn nhân.",
                ));
            }
        }
        _ => {
            return Err(invalid(
                "marital_status_purpose_invalid",
                "purpose.kind",
                "Mục đích phải là kết hôn (marriage) hoặc mục đích khác (other).",
            ));
        }
    }
    Ok(CheckedApplicant {
        person: NewPerson {
            personal_id: Some(pid.as_str().to_string()),
            name_folded: fold(full_name.as_str()),
            full_name: full_name.as_str().to_string(),
            sex: Some(sex.as_str().to_string()),
            date_of_birth: Some(dob),
            birth_year: Some(dob.year()),
            ethnicity_code: Some(a.ethnicity_code.trim().to_string()),
            nationality_code: Some(nat),
        },
        residence,
    })
}

/// The refusals that depend on the derived status, at declaration and again at registration.
pub(crate) fn status_refusal(
    full_name: &str,
    purpose: &PurposeInput,
    d: &DerivedStatus,
) -> Result<()> {
    match d.status {
        MaritalStatus::Deceased => Err(DomainError::new(
            ErrorKind::Conflict,
            "marital_status_person_deceased",
            format!(
                "{full_name} đã được đăng ký khai tử; không cấp Giấy xác nhận tình trạng hôn nhân."
            ),
        )),
        MaritalStatus::Married if purpose.kind == "marriage" => {
            // The history part of the sentence, as a clause: "đã đăng ký kết hôn với …".
            let history = d
                .sentence
                .trim_end_matches('.')
                .trim_end_matches("; hiện đang có vợ hoặc chồng");
            let mut chars = history.chars();
            let history: String = match chars.next() {
                Some(first) => first.to_lowercase().chain(chars).collect(),
                None => String::new(),
            };
            Err(DomainError::new(
                ErrorKind::Conflict,
                "marital_status_married",
                format!(
                    "{full_name} đang có vợ hoặc chồng theo sổ hộ tịch ({history}); không cấp Giấy xác nhận tình trạng hôn nhân để kết hôn (Luật Hôn nhân và gia đình 2014, Điều 5 khoản 2 điểm c)."
                ),
            ))
        }
        _ => Ok(()),
    }
}

impl App {
    /// The registered marriages of a person with how each ended, as the registry knows them.
    pub(crate) async fn marriage_facts(&self, person_id: i64) -> Result<Vec<MarriageFact>> {
        let mut out = Vec::new();
        for m in self.store.marriages_of(person_id).await? {
            if !matches!(m.status.as_str(), "registered" | "certificate_issued") {
                continue;
            }
            let (Some(record), Some(spouse)) = (
                self.store.record_by_id(m.record_id).await?,
                self.store.person_by_id(m.spouse_id).await?,
            ) else {
                return Err(DomainError::internal());
            };
            let office_name = self
                .store
                .office_by_id(record.office_id)
                .await?
                .map(|o| o.name)
                .unwrap_or_default();
            let end = match (m.ended_by_record_id, m.ended_on) {
                (Some(by), Some(on)) => {
                    let recorded = self.current_data::<DivorceRecording>(by).await?;
                    Some(MarriageEnd::CourtDecision {
                        record_id: by,
                        on,
                        annulment: recorded.decision.kind == "annulment",
                        decision: cite(&recorded.decision),
                    })
                }
                _ => spouse
                    .date_of_death
                    .map(|on| MarriageEnd::SpouseDeath { on }),
            };
            out.push(MarriageFact {
                record_id: m.record_id,
                registered_on: record.registered_on.unwrap_or(record.event_date),
                spouse: spouse.full_name,
                register: match (
                    m.register_number,
                    m.register_book.as_deref(),
                    m.register_year,
                ) {
                    (Some(n), Some(b), Some(y)) => Some(register_text(n, b, y)),
                    _ => None,
                },
                office_name,
                end,
            });
        }
        Ok(out)
    }

    /// The content of a record's current version, typed.
    pub(crate) async fn current_data<T: serde::de::DeserializeOwned>(&self, id: i64) -> Result<T> {
        let r = self
            .store
            .record_by_id(id)
            .await?
            .ok_or_else(DomainError::internal)?;
        let versions = self.store.record_versions(id).await?;
        let v = versions
            .iter()
            .find(|v| v.version == r.current_version)
            .ok_or_else(DomainError::internal)?;
        serde_json::from_str(&v.data).map_err(|_| DomainError::internal())
    }

    /// The status of a person derived from the registry today.
    pub(crate) async fn derived_status(&self, person_id: i64) -> Result<DerivedStatus> {
        let p = self
            .store
            .person_by_id(person_id)
            .await?
            .ok_or_else(DomainError::internal)?;
        let facts = self.marriage_facts(person_id).await?;
        Ok(derive_marital_status(
            p.date_of_birth,
            p.date_of_death,
            &facts,
            vn_today(),
        ))
    }

    /// Declares a request for a marital-status certificate at the commune of the applicant's
    /// residence (officer or signer).
    pub async fn declare_marital_status(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        r: MaritalStatusRequest,
    ) -> Result<Declared> {
        actor.require(
            matches!(actor.role, Role::Officer | Role::Signer)
                && actor.office.kind == OfficeKind::Commune,
            "cấp Giấy xác nhận tình trạng hôn nhân (chỉ công chức tư pháp – hộ tịch hoặc lãnh đạo UBND cấp xã)",
        )?;
        let today = vn_today();
        let c = check_request(&r, today)?;
        ensure_competent(
            actor,
            AuthorityBasis::MaritalStatus {
                residence: Some(UnitRef::new(&c.residence, today)),
            },
            today,
            "applicant.residence.admin_unit_code",
        )?;
        let existing = match &c.person.personal_id {
            Some(pid) => self.store.person_by_personal_id(pid).await?,
            None => None,
        };
        let derived = match &existing {
            Some(p) => {
                if p.name_folded != c.person.name_folded
                    || p.date_of_birth
                        .is_some_and(|d| Some(d) != c.person.date_of_birth)
                {
                    return Err(invalid(
                        "marital_status_person_mismatch",
                        "applicant.personal_id",
                        format!(
                            "Số định danh cá nhân {} thuộc {} (sinh ngày {}) trong sổ hộ tịch, không khớp với họ tên, ngày sinh đã khai.",
                            c.person.personal_id.as_deref().unwrap_or_default(),
                            p.full_name,
                            p.date_of_birth
                                .map(format_vn)
                                .unwrap_or_else(|| "không rõ".into())
                        ),
                    ));
                }
                self.derived_status(p.id).await?
            }
            None => derive_marital_status(c.person.date_of_birth, None, &[], today),
        };
        status_refusal(&c.person.full_name, &r.purpose, &derived)?;
        if let Some(p) = &existing
            && !r.previous_certificate_returned
        {
            for e in self.store.person_events(p.id).await? {
                if e.kind == "marital_status"
                    && matches!(e.status.as_str(), "registered" | "certificate_issued")
                    && let Some(on) = e.registered_on
                    && certificate_valid_until(on) >= today
                {
                    return Err(DomainError::new(
                        ErrorKind::Conflict,
                        "marital_status_previous_valid",
                        format!(
                            "Người yêu cầu có Giấy xác nhận tình trạng hôn nhân {} cấp ngày {}, còn giá trị đến hết ngày {}. Phải nộp lại giấy đó trước khi cấp giấy mới (Nghị định 123/2015/NĐ-CP, Điều 22 khoản 6); khi đã nhận lại, đánh dấu previous_certificate_returned.",
                            match (
                                e.register_number,
                                e.register_book.as_deref(),
                                e.register_year
                            ) {
                                (Some(n), Some(b), Some(y)) => register_text(n, b, y),
                                _ => format!("hồ sơ số {}", e.record_id),
                            },
                            format_vn(on),
                            format_vn(certificate_valid_until(on))
                        ),
                    ));
                }
            }
        }
        let data = serde_json::to_string(&MaritalStatusData::new(r, &derived))
            .map_err(|_| DomainError::internal())?;
        let mut tx = self.store.begin().await?;
        let (person_id, _) = tx.person_find_or_create(&c.person).await?;
        let record = NewRecord {
            target_record_id: None,
            kind: "marital_status".into(),
            office_id: actor.office.id,
            unit_code: Some(c.residence.clone()),
            event_date: today,
            subject_person_id: person_id,
            subject_name_folded: c.person.name_folded.clone(),
            late: false,
            declared_by: actor.user_id,
            data,
            persons: vec![("applicant".into(), person_id)],
        };
        let details = serde_json::json!({"status": derived.status.code()});
        self.commit_declared(
            tx,
            actor,
            meta,
            record,
            "civil.marital_status.declare",
            details,
        )
        .await
    }
}
