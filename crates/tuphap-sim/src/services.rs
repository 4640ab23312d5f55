//! The per-service functions of the three simulated agencies. Each takes the request body and
//! the state and returns the answer's JSON, or an error; the generic X-Road handler in `lib.rs`
//! does everything else (headers, idempotency, hash, latency, injected errors, persistence).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use time::Date;
use time::macros::format_description;
use tuphap_core::error::Coded;
use tuphap_core::personal_id::{PersonalId, Sex, century_sex_digit, id_provinces};
use tuphap_core::reference::{AdminLevel, unit_on};

use crate::SimError;
use crate::state::{Person, Population, Registration, SimState};

/// Which agency a service belongs to (what `tuphap sim <agency>` serves).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agency {
    Population,
    Insurance,
    Residence,
    /// The national public-service portal (dossier status sync).
    Portal,
    /// The Government's reporting system (periodic reports and indicators).
    Reporting,
}

type Run = fn(&mut SimState, &[u8], Date) -> Result<Value, SimError>;

/// One service: `/r1/VN/GOV/{member}/{subsystem}/{code}`.
pub struct Service {
    pub agency: Agency,
    pub member: &'static str,
    pub subsystem: &'static str,
    pub code: &'static str,
    pub run: Run,
}

/// X-Road instance and member class of every simulated service.
pub const INSTANCE: &str = "VN";
pub const MEMBER_CLASS: &str = "GOV";

pub const SERVICES: &[Service] = &[
    Service {
        agency: Agency::Population,
        member: "BCA",
        subsystem: "CSDLQGDC",
        code: "assignPersonalId",
        run: assign_personal_id,
    },
    Service {
        agency: Agency::Population,
        member: "BCA",
        subsystem: "CSDLQGDC",
        code: "recordDeath",
        run: record_death,
    },
    Service {
        agency: Agency::Insurance,
        member: "BHXH",
        subsystem: "CSDLBHXH",
        code: "issueHealthInsuranceCard",
        run: issue_health_insurance_card,
    },
    Service {
        agency: Agency::Insurance,
        member: "BHXH",
        subsystem: "CSDLBHXH",
        code: "funeralAllowance",
        run: funeral_allowance,
    },
    Service {
        agency: Agency::Residence,
        member: "BCA",
        subsystem: "CSDLCUTRU",
        code: "registerPermanentResidence",
        run: register_permanent_residence,
    },
    Service {
        agency: Agency::Residence,
        member: "BCA",
        subsystem: "CSDLCUTRU",
        code: "removeResidence",
        run: remove_residence,
    },
    Service {
        agency: Agency::Portal,
        member: "VPCP",
        subsystem: "DVCQG",
        code: "syncDossierStatus",
        run: sync_dossier_status,
    },
    Service {
        agency: Agency::Reporting,
        member: "VPCP",
        subsystem: "HTTTBCCP",
        code: "submitReport",
        run: submit_report,
    },
];

/// The service at `/r1/{instance}/{class}/{member}/{subsystem}/{code}`, if any.
pub fn find(
    instance: &str,
    class: &str,
    member: &str,
    subsystem: &str,
    code: &str,
) -> Option<&'static Service> {
    if instance != INSTANCE || class != MEMBER_CLASS {
        return None;
    }
    SERVICES
        .iter()
        .find(|s| s.member == member && s.subsystem == subsystem && s.code == code)
}

fn body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, SimError> {
    serde_json::from_slice(bytes).map_err(|e| {
        SimError::bad_body(
            "body_invalid",
            format!("Nội dung yêu cầu không phải JSON hợp lệ theo mẫu của dịch vụ: {e}."),
        )
    })
}

fn text(value: &str, field: &str, label: &str) -> Result<String, SimError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(SimError::bad_body(
            &format!("{field}_missing"),
            format!("Thiếu {label}."),
        ));
    }
    Ok(tuphap_core::text::nfc(v))
}

fn date(value: &str, field: &str, label: &str) -> Result<Date, SimError> {
    Date::parse(value.trim(), format_description!("[year]-[month]-[day]")).map_err(|_| {
        SimError::bad_body(
            &format!("{field}_invalid"),
            format!("{label} \u{201c}{value}\u{201d} không hợp lệ (định dạng yyyy-mm-dd)."),
        )
    })
}

fn personal_id(value: &str) -> Result<PersonalId, SimError> {
    PersonalId::parse(value).map_err(|e| SimError::bad_body(e.code(), e.message_vi()))
}

fn iso(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

// ---------------------------------------------------------------------------------------------
// Population database (Bộ Công an, CSDLQGDC)

#[derive(Deserialize)]
struct AssignInput {
    full_name: String,
    sex: String,
    date_of_birth: String,
    /// Two-digit (GSO) code of the province where the birth was registered.
    birth_province: String,
    birth_record_ref: String,
}

/// Multiplier of the serial permutation: coprime with 10^6, so `counter → serial` is a
/// bijection on 0..10^6 and no serial comes twice for one prefix.
const SERIAL_STEP: u64 = 777_767;
const SERIALS: u64 = 1_000_000;

/// The next personal ID for a person of `sex` born `dob` whose birth was registered in the
/// province with GSO code `province`. Deterministic given the state; never one given before.
pub fn next_personal_id(
    pop: &mut Population,
    province: &str,
    sex: Sex,
    dob: Date,
) -> Result<PersonalId, SimError> {
    let row = id_provinces()
        .iter()
        .find(|p| p.gso_code == province.trim())
        .ok_or_else(|| {
            SimError::bad_body(
                "birth_province_unknown",
                format!(
                    "Mã tỉnh nơi đăng ký khai sinh \u{201c}{}\u{201d} không có trong danh mục (2 chữ số, ví dụ 01).",
                    province.trim()
                ),
            )
        })?;
    let year = dob.year();
    let g = century_sex_digit(sex, year).ok_or_else(|| {
        SimError::bad_body(
            "date_of_birth_unsupported",
            format!("Năm sinh {year} nằm ngoài khoảng 1900–2399 mà số định danh biểu diễn được."),
        )
    })?;
    let prefix = format!("{}{g}{:02}", row.id_code, year.rem_euclid(100));
    // Where the permutation starts depends on the prefix (FNV-1a), so that two prefixes do not
    // walk the same serials.
    let offset = prefix.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    }) % SERIALS;
    let counter = pop.counters.entry(prefix.clone()).or_insert(0);
    while u64::from(*counter) < SERIALS {
        let serial = (u64::from(*counter) * SERIAL_STEP + offset) % SERIALS;
        *counter += 1;
        let candidate = format!("{prefix}{serial:06}");
        if pop.persons.contains_key(&candidate) {
            continue;
        }
        let id = personal_id(&candidate)?;
        id.check(sex, dob)
            .map_err(|e| SimError::internal(e.code(), e.message_vi()))?;
        return Ok(id);
    }
    Err(SimError::internal(
        "personal_id_exhausted",
        format!("Đã hết số định danh cho nhóm {prefix} (tỉnh, thế kỷ/giới tính, năm sinh)."),
    ))
}

fn not_future(dob: Date, today: Date) -> Result<(), SimError> {
    if dob > today {
        return Err(SimError::bad_body(
            "date_of_birth_future",
            "Ngày sinh không được sau ngày hôm nay.".to_string(),
        ));
    }
    Ok(())
}

fn assign_personal_id(state: &mut SimState, bytes: &[u8], today: Date) -> Result<Value, SimError> {
    let input: AssignInput = body(bytes)?;
    let full_name = text(&input.full_name, "full_name", "họ, chữ đệm và tên")?;
    let sex = Sex::parse(&input.sex).map_err(|e| SimError::bad_body(e.code(), e.message_vi()))?;
    let dob = date(&input.date_of_birth, "date_of_birth", "Ngày sinh")?;
    not_future(dob, today)?;
    let birth_ref = text(
        &input.birth_record_ref,
        "birth_record_ref",
        "số tham chiếu hồ sơ khai sinh",
    )?;
    let pop = &mut state.population;
    if let Some(existing) = pop.by_birth_record.get(&birth_ref) {
        // One number per birth: the same birth sent under another X-Road-Id gets its number.
        return Ok(json!({ "personal_id": existing, "already_assigned": true }));
    }
    let id = next_personal_id(pop, &input.birth_province, sex, dob)?;
    pop.persons.insert(
        id.as_str().to_string(),
        Person {
            full_name,
            sex: sex.as_str().to_string(),
            date_of_birth: iso(dob),
            birth_record_ref: birth_ref.clone(),
            date_of_death: None,
        },
    );
    pop.by_birth_record
        .insert(birth_ref, id.as_str().to_string());
    Ok(json!({ "personal_id": id.as_str(), "already_assigned": false }))
}

#[derive(Deserialize)]
struct DeathInput {
    personal_id: String,
    date_of_death: String,
}

fn record_death(state: &mut SimState, bytes: &[u8], today: Date) -> Result<Value, SimError> {
    let input: DeathInput = body(bytes)?;
    let id = personal_id(&input.personal_id)?;
    let died = date(&input.date_of_death, "date_of_death", "Ngày chết")?;
    if died > today {
        return Err(SimError::bad_body(
            "date_of_death_future",
            "Ngày chết không được sau ngày hôm nay.".to_string(),
        ));
    }
    // The real database holds every citizen; this double knows only the numbers it assigned.
    // A well-formed number it never assigned is a citizen from before the simulation (name and
    // date of birth unknown here): the death is recorded for them.
    let known = state.population.persons.contains_key(id.as_str());
    let person = state
        .population
        .persons
        .entry(id.as_str().to_string())
        .or_insert_with(|| Person {
            full_name: String::new(),
            sex: id.sex().as_str().to_string(),
            date_of_birth: String::new(),
            birth_record_ref: String::new(),
            date_of_death: None,
        });
    let died_iso = iso(died);
    if died_iso.as_str() < person.date_of_birth.as_str() {
        return Err(SimError::bad_body(
            "date_of_death_before_birth",
            "Ngày chết trước ngày sinh.".to_string(),
        ));
    }
    match &person.date_of_death {
        Some(d) if *d != died_iso => Err(SimError::conflict(
            "death_already_recorded",
            format!("Người này đã được ghi nhận chết ngày {d}."),
        )),
        _ => {
            person.date_of_death = Some(died_iso.clone());
            Ok(
                json!({ "personal_id": id.as_str(), "date_of_death": died_iso, "acknowledged": true, "known_before": known }),
            )
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Social insurance (BHXH Việt Nam)

#[derive(Deserialize)]
struct CardInput {
    personal_id: String,
    full_name: String,
    date_of_birth: String,
}

/// Whole years from `dob` to `today`.
fn age(dob: Date, today: Date) -> i32 {
    let mut years = today.year() - dob.year();
    if (u8::from(today.month()), today.day()) < (u8::from(dob.month()), dob.day()) {
        years -= 1;
    }
    years
}

/// Health-insurance card number, 15 characters: the group code (2 letters: `TE` children under
/// 6, `HG` household members otherwise), the benefit level (1 digit: `1` for `TE`, `4` for `HG`),
/// the 2-digit code of the province (the person's registration province as it is after
/// 1 July 2025), and the 10-digit social-insurance number (mã số BHXH: province code + 8 digits).
fn issue_health_insurance_card(
    state: &mut SimState,
    bytes: &[u8],
    today: Date,
) -> Result<Value, SimError> {
    let input: CardInput = body(bytes)?;
    let id = personal_id(&input.personal_id)?;
    text(&input.full_name, "full_name", "họ, chữ đệm và tên")?;
    let dob = date(&input.date_of_birth, "date_of_birth", "Ngày sinh")?;
    not_future(dob, today)?;
    if id.birth_year() != dob.year() {
        return Err(SimError::bad_body(
            "personal_id_birth_year_mismatch",
            format!(
                "Số định danh {} ghi năm sinh {}, không khớp với ngày sinh đã khai.",
                id.as_str(),
                id.birth_year()
            ),
        ));
    }
    let ins = &mut state.insurance;
    if let Some(card) = ins.cards.get(id.as_str()) {
        return Ok(
            json!({ "personal_id": id.as_str(), "card_number": card, "already_issued": true }),
        );
    }
    let (group, level) = if age(dob, today) < 6 {
        ("TE", 1)
    } else {
        ("HG", 4)
    };
    let province = id.province_after_2025().code;
    ins.next_number += 1;
    let card = format!("{group}{level}{province}{province}{:08}", ins.next_number);
    ins.cards.insert(id.as_str().to_string(), card.clone());
    Ok(json!({ "personal_id": id.as_str(), "card_number": card, "already_issued": false }))
}

#[derive(Deserialize)]
struct FuneralInput {
    personal_id: String,
}

/// Case number `MT` + year + 6-digit sequence; one case per deceased.
fn funeral_allowance(state: &mut SimState, bytes: &[u8], today: Date) -> Result<Value, SimError> {
    let input: FuneralInput = body(bytes)?;
    let id = personal_id(&input.personal_id)?;
    let ins = &mut state.insurance;
    if let Some(case) = ins.funeral_cases.get(id.as_str()) {
        return Ok(
            json!({ "personal_id": id.as_str(), "case_number": case, "already_opened": true }),
        );
    }
    ins.next_case += 1;
    let case = format!("MT{}{:06}", today.year(), ins.next_case);
    ins.funeral_cases
        .insert(id.as_str().to_string(), case.clone());
    Ok(json!({ "personal_id": id.as_str(), "case_number": case, "already_opened": false }))
}

// ---------------------------------------------------------------------------------------------
// Residence database (Bộ Công an, CSDL về cư trú)

#[derive(Deserialize)]
struct ResidenceInput {
    personal_id: String,
    commune_code: String,
}

/// Registration number `TT-` + commune code + `-` + 6-digit sequence. Registering elsewhere
/// replaces the previous permanent residence (a person has one).
fn register_permanent_residence(
    state: &mut SimState,
    bytes: &[u8],
    today: Date,
) -> Result<Value, SimError> {
    let input: ResidenceInput = body(bytes)?;
    let id = personal_id(&input.personal_id)?;
    let commune = input.commune_code.trim().to_string();
    let unit = unit_on(&commune, today).filter(|u| u.level == AdminLevel::Commune);
    let Some(unit) = unit else {
        return Err(SimError::bad_body(
            "commune_unknown",
            format!(
                "Mã xã \u{201c}{commune}\u{201d} không phải đơn vị hành chính cấp xã hiện hành."
            ),
        ));
    };
    let res = &mut state.residence;
    if let Some(r) = res.registrations.get(id.as_str())
        && r.commune_code == commune
        && r.removed_on.is_none()
    {
        return Ok(json!({
            "personal_id": id.as_str(), "registration_number": r.number,
            "commune_code": commune, "commune_name": unit.full_name, "already_registered": true
        }));
    }
    res.next_number += 1;
    let number = format!("TT-{commune}-{:06}", res.next_number);
    res.registrations.insert(
        id.as_str().to_string(),
        Registration {
            number: number.clone(),
            commune_code: commune.clone(),
            removed_on: None,
        },
    );
    Ok(json!({
        "personal_id": id.as_str(), "registration_number": number,
        "commune_code": commune, "commune_name": unit.full_name, "already_registered": false
    }))
}

#[derive(Deserialize)]
struct RemoveInput {
    personal_id: String,
    date: String,
}

fn remove_residence(state: &mut SimState, bytes: &[u8], _today: Date) -> Result<Value, SimError> {
    let input: RemoveInput = body(bytes)?;
    let id = personal_id(&input.personal_id)?;
    let on = iso(date(&input.date, "date", "Ngày xóa đăng ký")?);
    // A person this double never registered (a citizen from before the simulation): nothing
    // to remove here, acknowledged as such.
    let Some(r) = state.residence.registrations.get_mut(id.as_str()) else {
        return Ok(json!({
            "personal_id": id.as_str(), "registration_number": null,
            "removed_on": on, "acknowledged": true, "registered": false
        }));
    };
    let removed = r.removed_on.get_or_insert(on).clone();
    Ok(json!({
        "personal_id": id.as_str(), "registration_number": r.number,
        "removed_on": removed, "acknowledged": true, "registered": true
    }))
}

// ---------------------------------------------------------------------------------------------
// National public-service portal (Cổng Dịch vụ công quốc gia, VPCP)

#[derive(Deserialize)]
struct DossierStatusInput {
    dossier_code: String,
    status: String,
    /// When the status was reached (RFC 3339).
    at: String,
    #[serde(default)]
    procedure_code: Option<String>,
    #[serde(default)]
    due_on: Option<String>,
}

/// Records a dossier's status as the portal receives it (Circular 01/2018 code, our status
/// names); the history per code is kept in order of arrival.
fn sync_dossier_status(
    state: &mut SimState,
    bytes: &[u8],
    _today: Date,
) -> Result<Value, SimError> {
    let input: DossierStatusInput = body(bytes)?;
    let code = tuphap_core::dossier::DossierCode::parse(&input.dossier_code)
        .map_err(|e| SimError::bad_body(e.code(), e.message_vi()))?;
    let status = tuphap_core::dossier::DossierStatus::parse(&input.status)
        .map_err(|e| SimError::bad_body(e.code(), e.message_vi()))?;
    let at = text(&input.at, "at", "thời điểm")?;
    let history = state.portal.dossiers.entry(code.to_string()).or_default();
    history.push(json!({
        "status": status.as_str(), "at": at,
        "procedure_code": input.procedure_code, "due_on": input.due_on,
    }));
    Ok(
        json!({ "dossier_code": code.to_string(), "status": status.as_str(), "received": history.len() }),
    )
}

// ---------------------------------------------------------------------------------------------
// Government reporting system (Hệ thống thông tin báo cáo Chính phủ, VPCP)

#[derive(Deserialize)]
struct ReportInput {
    /// The report's code in the reporting regime, e.g. `BTP-766`.
    report_code: String,
    /// The period, e.g. `2026-Q4` or `2026-11`.
    period: String,
    /// The reporting unit (office or province code).
    unit: String,
    /// Indicator name → value.
    indicators: BTreeMap<String, Value>,
}

/// Receives a periodic report and answers its receipt number.
fn submit_report(state: &mut SimState, bytes: &[u8], today: Date) -> Result<Value, SimError> {
    let input: ReportInput = body(bytes)?;
    let report_code = text(&input.report_code, "report_code", "mã báo cáo")?;
    let period = text(&input.period, "period", "kỳ báo cáo")?;
    let unit = text(&input.unit, "unit", "đơn vị báo cáo")?;
    if input.indicators.is_empty() {
        return Err(SimError::bad_body(
            "indicators_required",
            "Báo cáo phải có ít nhất một chỉ tiêu.".to_string(),
        ));
    }
    let r = &mut state.reporting;
    r.next_number += 1;
    let receipt = format!("BC-{}-{:06}", today.year(), r.next_number);
    r.reports.insert(
        receipt.clone(),
        json!({ "report_code": report_code, "period": period, "unit": unit, "indicators": input.indicators }),
    );
    Ok(json!({ "receipt_number": receipt }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::HashSet;

    use time::macros::date;

    use super::*;

    #[test]
    fn ids_follow_the_format_and_check_with_tuphap_core() {
        let mut pop = Population::default();
        let cases = [
            ("01", Sex::Male, date!(2026 - 11 - 20), "0012"),
            ("79", Sex::Female, date!(2026 - 01 - 02), "0793"),
            ("30", Sex::Female, date!(1995 - 06 - 15), "0301"),
            ("01", Sex::Male, date!(2100 - 01 - 01), "0014"),
        ];
        for (province, sex, dob, head) in cases {
            let id = next_personal_id(&mut pop, province, sex, dob).unwrap();
            assert_eq!(id.as_str().len(), 12);
            assert!(id.as_str().starts_with(head), "{id} for {province}");
            assert_eq!(id.gso_province_code(), province);
            assert_eq!(id.sex(), sex);
            assert_eq!(id.birth_year(), dob.year());
            assert_eq!(id.check(sex, dob), Ok(()));
        }
        let e = next_personal_id(&mut pop, "03", Sex::Male, date!(2026 - 01 - 01)).unwrap_err();
        assert_eq!(e.detail, "birth_province_unknown");
        let e = next_personal_id(&mut pop, "01", Sex::Male, date!(1899 - 01 - 01)).unwrap_err();
        assert_eq!(e.detail, "date_of_birth_unsupported");
    }

    #[test]
    fn a_hundred_thousand_assignments_never_repeat_and_are_deterministic() {
        let dob = date!(2026 - 03 - 01);
        let run = || {
            let mut state = SimState::default();
            let mut seen = HashSet::new();
            let mut order = Vec::new();
            for i in 0..100_000u32 {
                let body = json!({
                    "full_name": "Nguyễn Văn An", "sex": if i % 2 == 0 { "male" } else { "female" },
                    "date_of_birth": "2026-03-01", "birth_province": "01",
                    "birth_record_ref": format!("KS-{i}"),
                });
                let v = assign_personal_id(&mut state, body.to_string().as_bytes(), dob).unwrap();
                let s = v["personal_id"].as_str().unwrap().to_string();
                let id = PersonalId::parse(&s).unwrap();
                let sex = if i % 2 == 0 { Sex::Male } else { Sex::Female };
                assert_eq!(id.check(sex, dob), Ok(()));
                assert_eq!(id.province_code(), "001");
                assert!(seen.insert(s.clone()), "{s} given twice");
                order.push(s);
            }
            (state, order)
        };
        let (state, first) = run();
        assert_eq!(state.population.persons.len(), 100_000);
        let (_, second) = run();
        assert_eq!(first, second, "same state, same sequence");
        // Not simply counting up.
        assert_ne!(first[1][6..], format!("{:06}", 1));
    }

    #[test]
    fn continues_after_a_reload_without_repeating() {
        let mut pop = Population::default();
        let dob = date!(2026 - 01 - 01);
        let a = next_personal_id(&mut pop, "01", Sex::Male, dob).unwrap();
        pop.persons.insert(
            a.as_str().to_string(),
            Person {
                full_name: "A".into(),
                sex: "male".into(),
                date_of_birth: "2026-01-01".into(),
                birth_record_ref: "1".into(),
                date_of_death: None,
            },
        );
        let json = serde_json::to_string(&pop).unwrap();
        let mut again: Population = serde_json::from_str(&json).unwrap();
        let b = next_personal_id(&mut again, "01", Sex::Male, dob).unwrap();
        assert_ne!(a, b);
        // A number present in the registry (e.g. the counter lost) is skipped.
        again.counters.clear();
        let c = next_personal_id(&mut again, "01", Sex::Male, dob).unwrap();
        assert_ne!(a, c);
    }

    #[test]
    fn card_numbers_have_the_real_shape() {
        let mut state = SimState::default();
        let today = date!(2026 - 11 - 27);
        let child = json!({"personal_id": "001226000001", "full_name": "Bé An", "date_of_birth": "2026-11-20"});
        let v =
            issue_health_insurance_card(&mut state, child.to_string().as_bytes(), today).unwrap();
        assert_eq!(v["card_number"], "TE1010100000001");
        let adult = json!({"personal_id": "079090000001", "full_name": "Trần Bình", "date_of_birth": "1990-05-05"});
        let v =
            issue_health_insurance_card(&mut state, adult.to_string().as_bytes(), today).unwrap();
        assert_eq!(v["card_number"], "HG4797900000002");
        // One card per person.
        let v =
            issue_health_insurance_card(&mut state, child.to_string().as_bytes(), today).unwrap();
        assert_eq!(v["card_number"], "TE1010100000001");
        assert_eq!(v["already_issued"], true);
    }

    #[test]
    fn the_portal_keeps_each_dossiers_status_history_and_refuses_bad_codes() {
        let mut st = SimState::default();
        let today = date!(2027 - 02 - 04);
        let sync = |st: &mut SimState, code: &str, status: &str| {
            sync_dossier_status(
                st,
                json!({"dossier_code": code, "status": status, "at": "2027-02-04T03:00:00Z"})
                    .to_string()
                    .as_bytes(),
                today,
            )
        };
        let a = sync(&mut st, "000.00.31.H13-270204-0001", "received").unwrap();
        assert_eq!(a["received"], 1);
        let b = sync(&mut st, "000.00.31.H13-270204-0001", "processing").unwrap();
        assert_eq!(b["received"], 2);
        assert_eq!(st.portal.dossiers["000.00.31.H13-270204-0001"].len(), 2);
        assert_eq!(
            sync(&mut st, "not-a-code", "received").unwrap_err().status,
            400
        );
        assert_eq!(
            sync(&mut st, "000.00.31.H13-270204-0002", "whatever")
                .unwrap_err()
                .status,
            400
        );
    }

    #[test]
    fn reports_get_receipt_numbers_and_need_indicators() {
        let mut st = SimState::default();
        let today = date!(2026 - 11 - 27);
        let report = json!({"report_code": "BTP-766", "period": "2026-11", "unit": "01",
                            "indicators": {"on_time_rate": 0.97}});
        let a = submit_report(&mut st, report.to_string().as_bytes(), today).unwrap();
        assert_eq!(a["receipt_number"], "BC-2026-000001");
        let empty = json!({"report_code": "BTP-766", "period": "2026-11", "unit": "01",
                           "indicators": {}});
        let e = submit_report(&mut st, empty.to_string().as_bytes(), today).unwrap_err();
        assert_eq!((e.status, e.detail.as_str()), (400, "indicators_required"));
    }
}
