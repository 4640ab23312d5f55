//! Death registration (khai tử): Luật Hộ tịch 2014, Điều 32–34. A death registered before —
//! again (Nghị định 123/2015/NĐ-CP, Điều 24, 25, 28) or abroad (Luật Hộ tịch 2014, Điều 48) — is
//! a declaration with an `earlier_registration` (`recorded.rs`): never late; abroad, the place of
//! death is in words.

use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::ToSchema;

use tuphap_core::calendar::WorkingCalendar;
use tuphap_core::civil::{
    AuthorityBasis, DeathFacts, PartialDate, PriorDeath, UnitRef, check_death,
};
use tuphap_core::dates::{format_vn, vn_today};
use tuphap_core::personal_id::{PersonalId, Sex};
use tuphap_core::role::Role;
use tuphap_core::text::{VnText, fold};
use tuphap_store::NewChange;
use tuphap_store::civil::{NewPerson, NewRecord};

use super::recorded::{self, EarlierRegistrationInput, Recorded};
use super::registry::{PersonFacts, Registry};
use super::{DeclarantInput, Declared, PlaceInput, date, ensure_competent, invalid, name, unit_on};
use crate::error::{DomainError, ErrorKind, Result};
use crate::identity::OfficeKind;
use crate::{Actor, App, RequestMeta};

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeceasedInput {
    #[schema(example = "001045000123")]
    pub personal_id: Option<String>,
    #[schema(example = "Lê Văn Bình")]
    pub full_name: String,
    #[schema(example = "male")]
    pub sex: String,
    /// YYYY-MM-DD, or YYYY-MM / YYYY when only that is known.
    #[schema(example = "1945-05-19")]
    pub date_of_birth: String,
    #[schema(example = "01")]
    pub ethnicity_code: Option<String>,
    #[schema(example = "VN")]
    pub nationality_code: Option<String>,
    /// Last residence (the competent commune, Luật Hộ tịch 2014, Điều 32).
    pub residence: Option<PlaceInput>,
}

/// A death declaration (tờ khai đăng ký khai tử).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeathDeclaration {
    pub deceased: DeceasedInput,
    #[schema(example = "2026-11-20")]
    pub date_of_death: String,
    pub place_of_death: PlaceInput,
    #[schema(example = "Bệnh già")]
    pub cause: Option<String>,
    pub declarant: DeclarantInput,
    /// A death registered before: re-registration of a lost record, or a death registered abroad
    /// recorded into the register (`recorded.rs`). Absent for a new registration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earlier_registration: Option<EarlierRegistrationInput>,
}

/// A death declaration checked on its own, on the registration date `today`.
pub(crate) struct CheckedDeath {
    pub full_name: VnText,
    pub sex: Sex,
    pub dob: PartialDate,
    pub dod: Date,
    /// The commune of death; empty for a death abroad.
    pub place: String,
    pub personal_id: Option<String>,
    pub basis: AuthorityBasis,
    /// The field the competence refers to.
    pub basis_field: &'static str,
}

pub(crate) fn check_death_declaration(d: &DeathDeclaration, today: Date) -> Result<CheckedDeath> {
    let full_name = name(&d.deceased.full_name, "deceased.full_name")?;
    let sex = Sex::parse(&d.deceased.sex)
        .map_err(|e| DomainError::unprocessable(&e).with_field("deceased.sex"))?;
    let dob = PartialDate::parse(&d.deceased.date_of_birth)
        .map_err(|e| DomainError::unprocessable(&e).with_field("deceased.date_of_birth"))?;
    let dod = date(&d.date_of_death, "date_of_death", today)?;
    let abroad = d.earlier_registration.as_ref().is_some_and(|e| e.abroad());
    let place = if abroad {
        recorded::place_abroad(&d.place_of_death, "place_of_death")?;
        String::new()
    } else {
        unit_on(
            &d.place_of_death.admin_unit_code,
            dod,
            "place_of_death.admin_unit_code",
        )?
    };
    let residence = match &d.deceased.residence {
        Some(r) => Some(unit_on(
            &r.admin_unit_code,
            today,
            "deceased.residence.admin_unit_code",
        )?),
        None => None,
    };
    name(&d.declarant.full_name, "declarant.full_name")?;
    let personal_id = match d
        .deceased
        .personal_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(raw) => {
            let id = PersonalId::parse(raw)
                .map_err(|e| DomainError::unprocessable(&e).with_field("deceased.personal_id"))?;
            if let PartialDate::Full(b) = dob {
                id.check(sex, b).map_err(|e| {
                    DomainError::unprocessable(&e).with_field("deceased.personal_id")
                })?;
            }
            Some(id.as_str().to_string())
        }
        None => None,
    };
    // A death registered before (again, or abroad): the requester's residence or the commune
    // that registered it (recorded.rs).
    if let Some(e) = &d.earlier_registration {
        let basis = recorded::check(
            e,
            &Recorded {
                event: tuphap_core::civil::CivilEvent::Death,
                not_before: Some(dod),
                citizen: d.deceased.nationality_code.as_deref().map(str::trim) == Some("VN"),
                citizen_field: "deceased.nationality_code",
            },
            today,
        )?;
        return Ok(CheckedDeath {
            full_name,
            sex,
            dob,
            dod,
            place,
            basis_field: "earlier_registration.residence.admin_unit_code",
            personal_id,
            basis,
        });
    }
    // Competence: last residence, else the place of death (Luật Hộ tịch 2014, Điều 32).
    let basis = AuthorityBasis::Death {
        last_residence: residence.as_ref().map(|r| UnitRef::new(r, today)),
        place_of_death: Some(UnitRef::new(&place, dod)),
    };
    Ok(CheckedDeath {
        full_name,
        sex,
        dob,
        dod,
        place,
        basis_field: if residence.is_some() {
            "deceased.residence.admin_unit_code"
        } else {
            "place_of_death.admin_unit_code"
        },
        personal_id,
        basis,
    })
}

/// The rules against the registry (Luật Hộ tịch 2014, Điều 33–34): a person whose death is
/// declared or registered cannot be declared dead again; late after 15 days. Returns the person
/// if the register knows them, and the late flag.
pub(crate) async fn death_rules<R: Registry>(
    registry: &R,
    c: &CheckedDeath,
    today: Date,
    calendar: &WorkingCalendar,
) -> Result<(Option<PersonFacts>, bool)> {
    let existing = match &c.personal_id {
        Some(pid) => registry.person_by_personal_id(pid).await?,
        None => None,
    };
    let prior = match &existing {
        Some(p) => {
            let declared = registry.death_declared(p.id).await?;
            (declared.is_some() || p.date_of_death.is_some()).then_some(PriorDeath {
                register: None,
                office_code: None,
                date_of_death: p.date_of_death.or(declared),
            })
        }
        None => None,
    };
    let timeliness = check_death(
        &DeathFacts {
            date_of_death: c.dod,
            date_of_birth: Some(c.dob),
            registration_date: today,
            court_decision_effective: None,
            prior_death: prior,
        },
        today,
        calendar,
    )
    .map_err(|e| {
        let kind = if matches!(e, tuphap_core::civil::DeathError::AlreadyRegistered { .. }) {
            ErrorKind::Conflict
        } else {
            ErrorKind::Unprocessable
        };
        let mut err = DomainError::unprocessable(&e).with_field("deceased");
        err.kind = kind;
        err
    })?;
    // A person cannot have died before a marriage of theirs was registered (the registry would
    // hold a marriage of a dead person).
    if let Some(p) = &existing {
        for m in registry.marriages_of(p.id).await? {
            if matches!(m.status.as_str(), "registered" | "certificate_issued")
                && let Some(on) = m.registered_on
                && on > c.dod
            {
                return Err(DomainError::new(
                    ErrorKind::Unprocessable,
                    "death_before_marriage",
                    format!(
                        "Ngày chết {} trước ngày người này đăng ký kết hôn ({}); kiểm tra lại ngày chết.",
                        tuphap_core::dates::format_vn(c.dod),
                        tuphap_core::dates::format_vn(on)
                    ),
                )
                .with_field("date_of_death"));
            }
        }
    }
    Ok((existing, timeliness.late))
}

/// The person row of a deceased person the register does not know yet.
pub(crate) fn deceased_person(c: &CheckedDeath, d: &DeathDeclaration) -> NewPerson {
    NewPerson {
        personal_id: c.personal_id.clone(),
        full_name: c.full_name.as_str().to_string(),
        name_folded: fold(c.full_name.as_str()),
        sex: Some(c.sex.as_str().to_string()),
        date_of_birth: match c.dob {
            PartialDate::Full(d) => Some(d),
            _ => None,
        },
        birth_year: Some(c.dob.earliest().year()),
        ethnicity_code: d.deceased.ethnicity_code.clone(),
        nationality_code: d.deceased.nationality_code.clone(),
    }
}

impl App {
    /// Declares a death at the actor's office (officer or signer of a commune): the commune of the
    /// last residence or, failing that, of the place of death (Luật Hộ tịch 2014, Điều 32). A
    /// person whose death is already declared or registered cannot be declared dead again
    /// (Điều 34.2); more than 15 days after the death is flagged late (Điều 33.1).
    pub async fn declare_death(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        d: DeathDeclaration,
    ) -> Result<Declared> {
        actor.require(
            matches!(actor.role, Role::Officer | Role::Signer)
                && actor.office.kind == OfficeKind::Commune,
            "đăng ký khai tử (chỉ công chức tư pháp – hộ tịch hoặc lãnh đạo UBND cấp xã)",
        )?;
        let today = vn_today();
        let c = check_death_declaration(&d, today)?;
        ensure_competent(actor, c.basis.clone(), today, c.basis_field)?;
        let calendar = self.working_calendar().await?;
        let (existing, late) = death_rules(&self.store, &c, today, &calendar).await?;
        // A death registered before (again, or abroad) is not late (recorded.rs).
        let late = late && d.earlier_registration.is_none();
        let data = serde_json::to_string(&d).map_err(|_| DomainError::internal())?;
        let mut tx = self.store.begin().await?;
        let person_id = match existing {
            Some(p) => p.id,
            None => tx.person_insert(&deceased_person(&c, &d)).await?,
        };
        let id = tx
            .record_insert(&NewRecord {
                target_record_id: None,
                kind: "death".into(),
                office_id: actor.office.id,
                unit_code: (!c.place.is_empty()).then(|| c.place.clone()),
                event_date: c.dod,
                subject_person_id: person_id,
                subject_name_folded: fold(c.full_name.as_str()),
                late,
                declared_by: actor.user_id,
                data,
                persons: vec![("deceased".to_string(), person_id)],
            })
            .await?;
        let mut audit = actor.audit(meta, "civil.death.declare");
        audit.target_type = Some("civil_record".into());
        audit.target_id = Some(id.to_string());
        audit.details = Some(serde_json::json!({"late": late}));
        tx.commit_with(
            &[audit],
            &[NewChange {
                entity: "death".into(),
                entity_id: id.to_string(),
                action: "declared".into(),
                actor_user_id: Some(actor.user_id),
                payload: serde_json::json!({"office": actor.office.code, "late": late}),
            }],
        )
        .await?;
        Ok(Declared {
            id,
            status: "declared".into(),
            late,
            duplicates: Vec::new(),
        })
    }
}

/// The refusal when a person's death is already registered (checked again at registration).
pub(super) fn death_registered_error(date_of_death: Option<Date>) -> DomainError {
    invalid(
        "death_already_registered",
        "deceased",
        match date_of_death {
            Some(d) => format!(
                "Người này đã được đăng ký khai tử (ngày chết {}); không đăng ký khai tử lần nữa (Luật Hộ tịch 2014, Điều 34.2).",
                format_vn(d)
            ),
            None => "Người này đã được đăng ký khai tử; không đăng ký khai tử lần nữa (Luật Hộ tịch 2014, Điều 34.2).".to_string(),
        },
    )
}
