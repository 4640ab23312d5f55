//! Death registration (đăng ký khai tử) rules.
//!
//! * A person whose death is registered is not registered dead again: after registering, the
//!   officer **locks** the deceased's record (Luật Hộ tịch 2014, Điều 34 khoản 2: "Công chức tư
//!   pháp - hộ tịch khóa thông tin hộ tịch của người chết trong Cơ sở dữ liệu hộ tịch điện tử").
//! * The date of death is not in the future, not before the date of birth (only the **year** of
//!   birth may be known: NĐ 123/2015 Đ.4.2), and the registration is not before the death.
//! * Deadline: 15 days from the death (Luật Hộ tịch 2014, Điều 33 khoản 1); later is flagged.

use serde::{Deserialize, Serialize};
use time::Date;

use super::CivilEvent;
use super::register::RegisterRef;
use super::timing::{
    CivilDateError, DEATH_REGISTRATION_DAYS, PartialDate, Timeliness, check_event_dates, timeliness,
};
use crate::calendar::WorkingCalendar;
use crate::dates::{VnDate, iso_date};
use crate::error::Coded;

/// What the registry already knows about a death of the same person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriorDeath {
    /// The register entry of the earlier death registration, if known.
    #[serde(default)]
    pub register: Option<RegisterRef>,
    /// The registering office's unit code, if known.
    #[serde(default)]
    pub office_code: Option<String>,
    /// The recorded date of death, if known.
    #[serde(default, with = "iso_date::option")]
    pub date_of_death: Option<Date>,
}

/// The facts of a death registration that the rules look at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeathFacts {
    #[serde(with = "iso_date")]
    pub date_of_death: Date,
    /// Full date, year-month or year only.
    #[serde(default)]
    pub date_of_birth: Option<PartialDate>,
    #[serde(with = "iso_date")]
    pub registration_date: Date,
    /// For a person declared dead by a court (BLDS 2015 Đ.71), the day the decision took effect:
    /// the 15 days are counted from it rather than from the date of death the court fixed, which
    /// is usually years earlier (a documented choice, [?] in the sources).
    #[serde(default, with = "iso_date::option")]
    pub court_decision_effective: Option<Date>,
    /// The registry's record of an earlier death registration of the same person, if any.
    #[serde(default)]
    pub prior_death: Option<PriorDeath>,
}

/// A death registration that cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DeathError {
    /// The person's death is already registered (Luật Hộ tịch 2014, Điều 34 khoản 2).
    #[error("the death of this person is already registered")]
    AlreadyRegistered { prior: PriorDeath },
    /// A date rule.
    #[error(transparent)]
    Date { error: CivilDateError },
}

impl From<CivilDateError> for DeathError {
    fn from(error: CivilDateError) -> DeathError {
        DeathError::Date { error }
    }
}

impl Coded for DeathError {
    fn code(&self) -> &'static str {
        match self {
            DeathError::AlreadyRegistered { .. } => "death_already_registered",
            DeathError::Date { error } => error.code(),
        }
    }

    fn message_vi(&self) -> String {
        match self {
            DeathError::AlreadyRegistered { prior } => {
                let mut m = "Người này đã được đăng ký khai tử".to_string();
                if let Some(r) = &prior.register {
                    m.push_str(&format!(" ({r})"));
                }
                if let Some(d) = prior.date_of_death {
                    m.push_str(&format!(", ngày chết {}", VnDate(d)));
                }
                m.push_str(
                    "; thông tin hộ tịch của người chết đã bị khóa, không đăng ký khai tử lần \
                     nữa (Luật Hộ tịch 2014, Điều 34 khoản 2). Nếu thông tin khai tử sai, làm \
                     thủ tục cải chính hộ tịch.",
                );
                m
            }
            DeathError::Date { error } => error.message_vi(),
        }
    }
}

/// Checks a death registration and says whether it is within the 15 days of Luật Hộ tịch 2014,
/// Điều 33 khoản 1. The checks, in order: not already registered (`death_already_registered`),
/// the death not in the future (`death_date_in_future`), not before the birth
/// (`death_before_birth`; with a partial date of birth, before its first possible day), the
/// registration neither in the future nor before the death.
pub fn check_death(
    facts: &DeathFacts,
    today: Date,
    calendar: &WorkingCalendar,
) -> Result<Timeliness, DeathError> {
    if let Some(prior) = &facts.prior_death {
        return Err(DeathError::AlreadyRegistered {
            prior: prior.clone(),
        });
    }
    if facts.date_of_death > today {
        return Err(CivilDateError::EventInFuture {
            event: CivilEvent::Death,
            date: facts.date_of_death,
            today,
        }
        .into());
    }
    if let Some(birth) = facts.date_of_birth
        && facts.date_of_death < birth.earliest()
    {
        return Err(CivilDateError::DeathBeforeBirth {
            date_of_death: facts.date_of_death,
            date_of_birth: birth,
        }
        .into());
    }
    check_event_dates(
        CivilEvent::Death,
        facts.date_of_death,
        facts.registration_date,
        today,
    )?;
    let counted_from = facts
        .court_decision_effective
        .map_or(facts.date_of_death, |d| d.max(facts.date_of_death));
    Ok(timeliness(
        CivilEvent::Death,
        counted_from,
        DEATH_REGISTRATION_DAYS,
        facts.registration_date,
        calendar,
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::text::nfc;
    use time::macros::date;

    fn facts(death: Date, registration: Date) -> DeathFacts {
        DeathFacts {
            date_of_death: death,
            date_of_birth: Some(PartialDate::Year(1940)),
            registration_date: registration,
            court_decision_effective: None,
            prior_death: None,
        }
    }

    const TODAY: Date = date!(2026 - 03 - 20);

    /// Luật Hộ tịch 2014, Điều 33.1: 15 days from the death. Died Monday 2026-03-02, the 15th
    /// day is Tuesday 2026-03-17.
    #[test]
    fn lht_33_1_death_within_15_days() {
        let cal = WorkingCalendar::default();
        let t = check_death(
            &facts(date!(2026 - 03 - 02), date!(2026 - 03 - 17)),
            TODAY,
            &cal,
        )
        .unwrap();
        assert_eq!(t.deadline, date!(2026 - 03 - 17));
        assert!(!t.late);
        let t = check_death(
            &facts(date!(2026 - 03 - 02), date!(2026 - 03 - 18)),
            TODAY,
            &cal,
        )
        .unwrap();
        assert!(t.late);
        assert_eq!(t.days_late, 1);
        assert_eq!(t.warnings[0].code(), "death_registration_late");
        assert!(t.warnings[0].message_vi().contains("15 ngày"));
    }

    /// Luật Hộ tịch 2014, Điều 34.2: the deceased's record is locked; no second registration.
    #[test]
    fn lht_34_2_death_already_registered() {
        let mut f = facts(date!(2026 - 03 - 02), date!(2026 - 03 - 05));
        f.prior_death = Some(PriorDeath {
            register: Some(RegisterRef::new(7, "01", 2026).unwrap()),
            office_code: Some("00004".into()),
            date_of_death: Some(date!(2026 - 03 - 02)),
        });
        let e = check_death(&f, TODAY, &WorkingCalendar::default()).unwrap_err();
        assert_eq!(e.code(), "death_already_registered");
        let m = e.message_vi();
        assert!(m.contains("Số: 7, Quyển số: 01/2026"), "{m}");
        assert!(m.contains("02/03/2026"), "{m}");
        assert_eq!(m, nfc(&m));
    }

    /// The date of death cannot precede the birth; with only the year of birth known (NĐ 123/2015
    /// Đ.4.2), a death in that year is accepted.
    #[test]
    fn death_not_before_birth() {
        let cal = WorkingCalendar::default();
        let mut f = facts(date!(2026 - 03 - 02), date!(2026 - 03 - 05));
        f.date_of_birth = Some(PartialDate::Full(date!(2026 - 03 - 03)));
        let e = check_death(&f, TODAY, &cal).unwrap_err();
        assert_eq!(e.code(), "death_before_birth");
        assert!(e.message_vi().contains("03/03/2026"));
        f.date_of_birth = Some(PartialDate::Year(2026));
        assert!(check_death(&f, TODAY, &cal).is_ok());
        f.date_of_birth = Some(PartialDate::Year(2027));
        assert_eq!(
            check_death(&f, TODAY, &cal).unwrap_err().code(),
            "death_before_birth"
        );
        // Born and died the same day (BLDS 2015 Đ.30.3: lived 24 hours or more).
        f.date_of_birth = Some(PartialDate::Full(date!(2026 - 03 - 02)));
        assert!(check_death(&f, TODAY, &cal).is_ok());
        f.date_of_birth = None;
        assert!(check_death(&f, TODAY, &cal).is_ok());
    }

    #[test]
    fn death_and_registration_dates() {
        let cal = WorkingCalendar::default();
        let e = check_death(&facts(date!(2026 - 03 - 21), TODAY), TODAY, &cal).unwrap_err();
        assert_eq!(e.code(), "death_date_in_future");
        let e = check_death(
            &facts(date!(2026 - 03 - 10), date!(2026 - 03 - 09)),
            TODAY,
            &cal,
        )
        .unwrap_err();
        assert_eq!(e.code(), "registration_before_death");
        let e = check_death(
            &facts(date!(2026 - 03 - 10), date!(2026 - 03 - 21)),
            TODAY,
            &cal,
        )
        .unwrap_err();
        assert_eq!(e.code(), "registration_date_in_future");
    }

    /// BLDS 2015 Đ.71: a person declared dead by a court; the 15 days run from the decision.
    #[test]
    fn court_declared_death_counts_from_decision() {
        let cal = WorkingCalendar::default();
        let mut f = facts(date!(2019 - 06 - 01), date!(2026 - 03 - 10));
        f.court_decision_effective = Some(date!(2026 - 03 - 02));
        let t = check_death(&f, TODAY, &cal).unwrap();
        assert_eq!(t.counted_from, date!(2026 - 03 - 02));
        assert!(!t.late);
    }

    #[test]
    fn serde_input() {
        let f: DeathFacts = serde_json::from_str(
            r#"{"date_of_death":"2026-03-02","date_of_birth":"1940","registration_date":"2026-03-05"}"#,
        )
        .unwrap();
        assert_eq!(f.date_of_birth, Some(PartialDate::Year(1940)));
        assert!(f.prior_death.is_none());
        let e = check_death(
            &DeathFacts {
                prior_death: Some(PriorDeath {
                    register: None,
                    office_code: None,
                    date_of_death: None,
                }),
                ..f
            },
            TODAY,
            &WorkingCalendar::default(),
        )
        .unwrap_err();
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["kind"], "already_registered");
    }
}
