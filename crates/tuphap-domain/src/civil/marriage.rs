//! Marriage registration (kết hôn): Luật Hôn nhân và gia đình 2014, Điều 5 and 8; Luật Hộ tịch
//! 2014, Điều 17–18. A marriage registered before — again (Nghị định 123/2015/NĐ-CP, Điều 24,
//! 25, 27) or abroad (Luật Hộ tịch 2014, Điều 48, 50) — is a declaration with an
//! `earlier_registration` (`recorded.rs`): its date and the day its conditions are checked on
//! are the earlier registration's.

use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::ToSchema;

use tuphap_core::civil::{
    AuthorityBasis, CurrentMarriage, KinshipView, MarriageApplication, MarriageParty,
    MarriageRefusal, ParentKind, ParentLink, PersonKey, SpouseLink, UnitRef, check_marriage,
};
use tuphap_core::dates::vn_today;
use tuphap_core::error::Coded;
use tuphap_core::personal_id::{PersonalId, Sex};
use tuphap_core::role::Role;
use tuphap_store::NewChange;
use tuphap_store::civil::{NewPerson, NewRecord};

use super::recorded::{self, EarlierRegistrationInput, Recorded};
use super::registry::{PersonFacts, Registry};
use super::{Declared, PlaceInput, date, ensure_competent, ethnicity, name, nationality, unit_on};
use crate::error::{DomainError, ErrorKind, Result};
use crate::identity::OfficeKind;
use crate::{Actor, App, RequestMeta};

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SpouseInput {
    #[schema(example = "Nguyễn Văn Nam")]
    pub full_name: String,
    #[schema(example = "1993-07-02")]
    pub date_of_birth: String,
    #[schema(example = "001093012345")]
    pub personal_id: Option<String>,
    #[schema(example = "01")]
    pub ethnicity_code: String,
    #[schema(example = "VN")]
    pub nationality_code: String,
    pub residence: PlaceInput,
}

/// A marriage declaration (tờ khai đăng ký kết hôn).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarriageDeclaration {
    pub husband: SpouseInput,
    pub wife: SpouseInput,
    /// A marriage registered before: re-registration of a lost record, or a marriage registered
    /// abroad recorded into the register (`recorded.rs`). Absent for a new registration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earlier_registration: Option<EarlierRegistrationInput>,
}

/// A party of a marriage declaration checked on its own, on the registration date.
pub(crate) struct Spouse {
    pub person: NewPerson,
    pub existing: Option<PersonFacts>,
    pub residence: String,
}

pub(crate) fn spouse(s: &SpouseInput, role: &str, sex: Sex, today: Date) -> Result<Spouse> {
    spouse_in(s, role, sex, today, false)
}

/// [`spouse`]; for a marriage registered abroad (`abroad`), a party who is not a Vietnamese
/// citizen may have no residence in Việt Nam (an empty commune code): only the Vietnamese
/// party's residence decides competence (Luật Hộ tịch 2014, Điều 48).
pub(crate) fn spouse_in(
    s: &SpouseInput,
    role: &str,
    sex: Sex,
    today: Date,
    abroad: bool,
) -> Result<Spouse> {
    let f = |x: &str| format!("{role}.{x}");
    let full_name = name(&s.full_name, &f("full_name"))?;
    let dob = date(&s.date_of_birth, &f("date_of_birth"), today)?;
    let personal_id = match s
        .personal_id
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        Some(raw) => {
            let id = PersonalId::parse(raw)
                .map_err(|e| DomainError::unprocessable(&e).with_field(f("personal_id")))?;
            id.check(sex, dob)
                .map_err(|e| DomainError::unprocessable(&e).with_field(f("personal_id")))?;
            Some(id.as_str().to_string())
        }
        None => None,
    };
    ethnicity(&s.ethnicity_code, &f("ethnicity_code"))?;
    let nat = nationality(&s.nationality_code, &f("nationality_code"))?;
    let residence = if abroad && nat != "VN" && s.residence.admin_unit_code.trim().is_empty() {
        String::new()
    } else {
        unit_on(
            &s.residence.admin_unit_code,
            today,
            &f("residence.admin_unit_code"),
        )?
    };
    Ok(Spouse {
        person: NewPerson {
            personal_id,
            name_folded: tuphap_core::text::fold(full_name.as_str()),
            full_name: full_name.as_str().to_string(),
            sex: Some(sex.as_str().to_string()),
            date_of_birth: Some(dob),
            birth_year: Some(dob.year()),
            ethnicity_code: Some(s.ethnicity_code.trim().to_string()),
            nationality_code: Some(nat),
        },
        existing: None,
        residence,
    })
}

fn key(id: i64) -> PersonKey {
    PersonKey::new(id.to_string())
}

/// Adoptive parents (a registered adoption, current or ended) count for HN&GĐ 2014 Điều 5.2d;
/// blood relations follow birth parents only (`tuphap_core::civil::marriage`).
fn parent_kind(role: &str) -> ParentKind {
    if role.starts_with("adoptive_") {
        ParentKind::Adoptive
    } else {
        ParentKind::Birth
    }
}

/// What the registry knows about a party and the family graph around both parties: parents
/// and grandparents from registered births, marriages of the parties and their parents,
/// parents of their spouses (a handful of indexed queries).
async fn marriage_party<R: Registry>(
    registry: &R,
    person: Option<&PersonFacts>,
    sex: Sex,
    dob: Date,
    exclude_record: Option<i64>,
    kinship: &mut KinshipView,
) -> Result<MarriageParty> {
    let mut party = MarriageParty {
        person: person.map(|p| key(p.id)),
        sex,
        date_of_birth: dob,
        deceased: false,
        current_marriages: Vec::new(),
        lost_legal_capacity: false,
    };
    let Some(p) = person else {
        return Ok(party);
    };
    party.deceased = p.date_of_death.is_some();
    for m in registry.marriages_of(p.id).await? {
        if Some(m.record_id) == exclude_record {
            continue;
        }
        kinship.marriages.push(SpouseLink {
            a: key(p.id),
            b: key(m.spouse_id),
        });
        // A marriage ends when a spouse dies (Luật Hôn nhân và gia đình 2014, Điều 65): it still
        // counts for the in-law prohibitions, not as a current marriage.
        // A recorded divorce or annulment ends it from the day the decision took effect (Điều 57).
        if m.ended_by_record_id.is_none() && registry.date_of_death(m.spouse_id).await?.is_none() {
            party.current_marriages.push(CurrentMarriage {
                spouse: Some(key(m.spouse_id)),
                register: match (m.register_number, m.register_book, m.register_year) {
                    (Some(n), Some(b), Some(y)) => {
                        tuphap_core::civil::RegisterRef::new(u32::try_from(n).unwrap_or(0), &b, y)
                            .ok()
                    }
                    _ => None,
                },
            });
        }
        for sp in registry.parents_of(m.spouse_id).await? {
            kinship.parents.push(ParentLink {
                child: key(sp.child_id),
                parent: key(sp.parent_id),
                kind: parent_kind(&sp.role),
            });
        }
    }
    for link in registry.parents_of(p.id).await? {
        kinship.parents.push(ParentLink {
            child: key(link.child_id),
            parent: key(link.parent_id),
            kind: parent_kind(&link.role),
        });
        for g in registry.parents_of(link.parent_id).await? {
            kinship.parents.push(ParentLink {
                child: key(g.child_id),
                parent: key(g.parent_id),
                kind: parent_kind(&g.role),
            });
        }
        for m in registry.marriages_of(link.parent_id).await? {
            kinship.marriages.push(SpouseLink {
                a: key(link.parent_id),
                b: key(m.spouse_id),
            });
        }
    }
    Ok(party)
}

/// Checks the marriage conditions the registry can see (HN&GĐ 2014 Đ.5, Đ.8) for the persons
/// `husband` and `wife`. Used at declaration and again at registration.
pub(crate) async fn marriage_rules<R: Registry>(
    registry: &R,
    husband: (Option<&PersonFacts>, Date),
    wife: (Option<&PersonFacts>, Date),
    exclude_record: Option<i64>,
    today: Date,
) -> Result<()> {
    marriage_rules_on(registry, husband, wife, exclude_record, today, today).await
}

/// [`marriage_rules`] as of the day `on` the marriage was made: a marriage registered before
/// (again, or abroad) is checked on its earlier registration date (Nghị định 123/2015/NĐ-CP,
/// Điều 27.3; Luật Hộ tịch 2014, Điều 50).
pub(crate) async fn marriage_rules_on<R: Registry>(
    registry: &R,
    husband: (Option<&PersonFacts>, Date),
    wife: (Option<&PersonFacts>, Date),
    exclude_record: Option<i64>,
    on: Date,
    today: Date,
) -> Result<()> {
    let mut kinship = KinshipView::default();
    let first = marriage_party(
        registry,
        wife.0,
        Sex::Female,
        wife.1,
        exclude_record,
        &mut kinship,
    )
    .await?;
    let second = marriage_party(
        registry,
        husband.0,
        Sex::Male,
        husband.1,
        exclude_record,
        &mut kinship,
    )
    .await?;
    check_marriage(
        &MarriageApplication {
            first,
            second,
            registration_date: on,
            kinship,
        },
        today,
    )
    .map_err(|refusals| refusal_error(&refusals))
}

impl App {
    /// Declares a marriage at the actor's office: the commune where either party resides
    /// (Luật Hộ tịch 2014, Điều 17.1). Refused with a code when the registry shows a party under
    /// age, already married, deceased, or a prohibited relationship.
    pub async fn declare_marriage(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        d: MarriageDeclaration,
    ) -> Result<Declared> {
        actor.require(
            matches!(actor.role, Role::Officer | Role::Signer)
                && actor.office.kind == OfficeKind::Commune,
            "đăng ký kết hôn (chỉ công chức tư pháp – hộ tịch hoặc lãnh đạo UBND cấp xã)",
        )?;
        let today = vn_today();
        let abroad = d.earlier_registration.as_ref().is_some_and(|e| e.abroad());
        let mut husband = spouse_in(&d.husband, "husband", Sex::Male, today, abroad)?;
        let mut wife = spouse_in(&d.wife, "wife", Sex::Female, today, abroad)?;
        // A marriage registered before: its date, the day its conditions are checked on
        // (NĐ 123/2015 Điều 27.3; LHT Điều 50), and the requester's residence for competence.
        let (basis, on, basis_field) = match &d.earlier_registration {
            Some(e) => {
                let citizen = [&husband, &wife]
                    .iter()
                    .any(|s| s.person.nationality_code.as_deref() == Some("VN"));
                let basis = recorded::check(
                    e,
                    &Recorded {
                        event: tuphap_core::civil::CivilEvent::Marriage,
                        not_before: None,
                        citizen,
                        citizen_field: "wife.nationality_code",
                    },
                    today,
                )?;
                let on = recorded::registered_on(e).unwrap_or(today);
                (basis, on, "earlier_registration.residence.admin_unit_code")
            }
            None => (
                AuthorityBasis::Marriage {
                    first_residence: Some(UnitRef::new(&husband.residence, today)),
                    second_residence: Some(UnitRef::new(&wife.residence, today)),
                },
                today,
                "husband.residence.admin_unit_code",
            ),
        };
        ensure_competent(actor, basis, today, basis_field)?;
        let scope = &actor.office.scope;
        for s in [&mut husband, &mut wife] {
            if let Some(pid) = &s.person.personal_id {
                s.existing = Registry::person_by_personal_id(&self.store, pid).await?;
            }
        }
        let hdob = husband.person.date_of_birth.unwrap_or(today);
        let wdob = wife.person.date_of_birth.unwrap_or(today);
        marriage_rules_on(
            &self.store,
            (husband.existing.as_ref(), hdob),
            (wife.existing.as_ref(), wdob),
            None,
            on,
            today,
        )
        .await?;
        let data = serde_json::to_string(&d).map_err(|_| DomainError::internal())?;
        let mut tx = self.store.begin().await?;
        let husband_id = match &husband.existing {
            Some(p) => p.id,
            None => tx.person_find_or_create(&husband.person).await?.0,
        };
        let wife_id = match &wife.existing {
            Some(p) => p.id,
            None => tx.person_find_or_create(&wife.person).await?.0,
        };
        let id = tx
            .record_insert(&NewRecord {
                target_record_id: None,
                kind: "marriage".into(),
                office_id: actor.office.id,
                // Married abroad: no commune of the event.
                unit_code: (!abroad).then(|| {
                    if scope.covers(&wife.residence, today) {
                        wife.residence.clone()
                    } else {
                        husband.residence.clone()
                    }
                }),
                event_date: on,
                subject_person_id: wife_id,
                subject_name_folded: wife.person.name_folded.clone(),
                late: false,
                declared_by: actor.user_id,
                data,
                persons: vec![
                    ("husband".to_string(), husband_id),
                    ("wife".to_string(), wife_id),
                ],
            })
            .await?;
        let mut audit = actor.audit(meta, "civil.marriage.declare");
        audit.target_type = Some("civil_record".into());
        audit.target_id = Some(id.to_string());
        tx.commit_with(
            &[audit],
            &[NewChange {
                entity: "marriage".into(),
                entity_id: id.to_string(),
                action: "declared".into(),
                actor_user_id: Some(actor.user_id),
                payload: serde_json::json!({"office": actor.office.code}),
            }],
        )
        .await?;
        Ok(Declared {
            id,
            status: "declared".into(),
            late: false,
            duplicates: Vec::new(),
        })
    }
}

/// The first refusal as a coded error (409 for a state of the registry — already married,
/// deceased — 422 for the rest); the message lists every refusal found.
fn refusal_error(refusals: &[MarriageRefusal]) -> DomainError {
    let Some(first) = refusals.first() else {
        return DomainError::internal();
    };
    let kind = if matches!(
        first.code(),
        "marriage_already_married"
            | "marriage_already_married_to_each_other"
            | "marriage_partner_deceased"
    ) {
        ErrorKind::Conflict
    } else {
        ErrorKind::Unprocessable
    };
    let message = refusals
        .iter()
        .map(|r| r.message_vi())
        .collect::<Vec<_>>()
        .join(" ");
    DomainError::new(kind, first.code(), message)
}
