//! Demo dossiers for `serve --demo` (issue 7): the demo offices get a unit code (illustrative
//! values, not the offices' official codes in Circular 10/2016/TT-BTTTT), then a few hundred
//! dossiers over the last three months go through the same use cases as the pages and the API,
//! each step at a chosen time (`now`): filed online or in person, received, some asked to
//! supplement and answered, some refused or withdrawn, most settled on time with an electronic
//! result, a few late (some with a Form 04 apology), fees paid online or at the counter, files,
//! and ratings. So `/indicators` shows non-trivial rates. Deterministic; steps that would fall
//! after the present are not taken (the last days' dossiers stay open).

use anyhow::{Result, anyhow};
use time::{Date, Duration, OffsetDateTime, Time};
use tuphap_core::calendar::WorkingCalendar;
use tuphap_core::dates::VN_OFFSET;
use tuphap_core::dossier::{self as rules, Channel};
use tuphap_domain::citizen::Citizen;
use tuphap_domain::identity::SessionKind;
use tuphap_domain::online::dossier::{DossierParty, SubmitDossier};
use tuphap_domain::{Actor, App, DomainError, RequestMeta};
use tuphap_legacy::{Below, Names, SeededRng, seeded_rng};
use tuphap_store::dossiers::NewDossierFile;

/// The procedures filed in the demo: code, name, working days, fee per copy (đồng), weight.
const PROCEDURES: &[(&str, &str, u32, i64, u64)] = &[
    ("BTP-HT-KS", "Đăng ký khai sinh", 0, 0, 34),
    ("BTP-HT-KT", "Đăng ký khai tử", 0, 0, 10),
    ("BTP-HT-KH", "Đăng ký kết hôn", 0, 0, 10),
    ("BTP-HT-BSTL", "Cấp bản sao trích lục hộ tịch", 0, 8_000, 24),
    (
        "BTP-HT-TTHN",
        "Cấp Giấy xác nhận tình trạng hôn nhân",
        3,
        0,
        14,
    ),
    (
        "BTP-HT-TDCC",
        "Đăng ký thay đổi, cải chính hộ tịch, xác định lại dân tộc",
        3,
        0,
        8,
    ),
];

fn err(e: DomainError) -> anyhow::Error {
    anyhow!("[{}] {}", e.code, e.message)
}

async fn login(app: &App, username: &str, password: &str) -> Result<Actor> {
    app.login(
        username,
        password,
        SessionKind::Api,
        &RequestMeta::default(),
    )
    .await
    .map(|ok| ok.actor)
    .map_err(err)
}

/// Vietnam time `hh:mm` on `day`.
fn at(day: Date, h: u8, m: u8) -> OffsetDateTime {
    let t = Time::from_hms(h, m.min(59), 0).unwrap_or(Time::MIDNIGHT);
    day.with_time(t).assume_offset(VN_OFFSET)
}

fn pick_procedure(rng: &mut SeededRng) -> (&'static str, &'static str, u32, i64) {
    let total: u64 = PROCEDURES.iter().map(|p| p.4).sum();
    let mut r = rng.below(total);
    for p in PROCEDURES {
        if r < p.4 {
            return (p.0, p.1, p.2, p.3);
        }
        r -= p.4;
    }
    let p = PROCEDURES[0];
    (p.0, p.1, p.2, p.3)
}

fn applicant(rng: &mut SeededRng, names: &Names) -> Citizen {
    let female = rng.below(100) < 52;
    let year = 1960 + i32::try_from(rng.below(45)).unwrap_or(0);
    let digit = match (year >= 2000, female) {
        (false, false) => 0,
        (false, true) => 1,
        (true, false) => 2,
        (true, true) => 3,
    };
    let family = names.surname(rng);
    Citizen {
        session_id: 0,
        personal_id: format!("001{digit}{:02}{:06}", year % 100, rng.below(1_000_000)),
        full_name: names.full(rng, &family, female),
        birthdate: None,
        gender: None,
        csrf_token: String::new(),
    }
}

/// One demo office: its commune code, the officer who handles its dossiers, its unit code, and
/// the share of dossiers filed online (percent).
pub struct DemoOffice<'a> {
    pub unit: &'a str,
    pub officer: &'a str,
    pub unit_code: &'a str,
    pub online_percent: u64,
}

/// Seeds the demo dossiers of `offices` unless an office already has some; `admin` sets the unit
/// codes. `logins` are (username, password) of the demo accounts. Returns how many were filed.
pub async fn seed(
    app: &App,
    logins: &[(String, String)],
    admin: &str,
    offices: &[DemoOffice<'_>],
) -> Result<usize> {
    let password = |u: &str| logins.iter().find(|(n, _)| n == u).map(|(_, p)| p.clone());
    let Some(admin_password) = password(admin) else {
        return Ok(0);
    };
    let admin = login(app, admin, &admin_password).await?;
    let meta = RequestMeta::default();
    let cal = app.working_calendar().await.map_err(err)?;
    let now = tuphap_store::now_utc();
    let today = rules::vn_date(now);
    let names = Names::shared();
    let mut rng = seeded_rng(0x6473_7369_6572_2026);
    let mut created = 0usize;
    for o in offices {
        let Some(p) = password(o.officer) else {
            continue;
        };
        let officer = login(app, o.officer, &p).await?;
        if app
            .store
            .dossier_unit_code(officer.office.id)
            .await?
            .is_none()
        {
            app.set_dossier_unit_code(&admin, &meta, o.unit, o.unit_code)
                .await
                .map_err(err)?;
        }
        if !app
            .store
            .dossiers_of_office(officer.office.id, None, 1)
            .await?
            .is_empty()
        {
            continue;
        }
        let mut day = today - Duration::days(91);
        while day < today {
            if cal.is_working_day(day) {
                for i in 0..(1 + rng.below(4)) {
                    let c = applicant(&mut rng, names);
                    let start = 8 * 60 + i * 53 + rng.below(40);
                    let t0 = at(
                        day,
                        u8::try_from(start / 60).unwrap_or(8),
                        u8::try_from(start % 60).unwrap_or(0),
                    );
                    if t0 >= now {
                        break;
                    }
                    let online = rng.below(100) < o.online_percent;
                    file_one(app, &cal, &officer, &c, day, t0, online, now, &mut rng).await?;
                    created += 1;
                }
            }
            day += Duration::days(1);
        }
    }
    Ok(created)
}

/// One dossier through its life, each step at its time; steps after `now` are not taken.
#[allow(clippy::too_many_arguments)]
async fn file_one(
    app: &App,
    cal: &WorkingCalendar,
    officer: &Actor,
    c: &Citizen,
    day: Date,
    t0: OffsetDateTime,
    online: bool,
    now: OffsetDateTime,
    rng: &mut SeededRng,
) -> Result<()> {
    let meta = RequestMeta::default();
    let (code, name, days, fee_per_copy) = pick_procedure(rng);
    let copies = if fee_per_copy > 0 {
        1 + u32::try_from(rng.below(3)).unwrap_or(0)
    } else {
        0
    };
    let fee_vnd = fee_per_copy * i64::from(copies);
    // A fee is paid with the online submission (national portal or the provincial gateway), or
    // in cash at the counter.
    let paid_online = if online && fee_vnd > 0 {
        1 + u8::try_from(rng.below(2)).unwrap_or(0)
    } else {
        0
    };
    let files = if online && rng.below(100) < 85 {
        vec![NewDossierFile {
            component: "Tờ khai".into(),
            file_name: "to-khai.pdf".into(),
            content_type: "application/pdf".into(),
            content: b"%PDF-1.4\n% demo\n".to_vec(),
            sha256: "0".repeat(64),
            scan_status: "clean".into(),
        }]
    } else {
        Vec::new()
    };
    let input = SubmitDossier {
        office_code: officer.office.code.clone(),
        procedure_code: code.into(),
        procedure_name: name.into(),
        processing_days: days,
        applicant_personal_id: c.personal_id.clone(),
        applicant_name: c.full_name.clone(),
        paid_online,
        copies,
        fee_vnd,
        files,
        ..SubmitDossier::default()
    };
    let channel = if online {
        Channel::Online
    } else {
        Channel::InPerson
    };
    let d = app
        .submit_dossier_by_channel(&meta, input, channel, t0)
        .await
        .map_err(err)?;
    let code = d.code;
    let citizen = DossierParty::Citizen {
        personal_id: &c.personal_id,
    };
    let roll = rng.below(100);
    // Withdrawn online before an officer received it.
    if online && roll < 3 {
        let t = t0 + Duration::minutes(20);
        if t < now {
            app.withdraw_dossier(citizen, &meta, &code, "Nộp nhầm thủ tục", t)
                .await
                .map_err(err)?;
        }
        return Ok(());
    }
    let received = t0 + Duration::minutes(if online { 35 } else { 5 });
    if received >= now {
        return Ok(());
    }
    app.accept_dossier(officer, &meta, &code, received)
        .await
        .map_err(err)?;
    let due = rules::due_date(cal, received, days);
    if roll < 8 {
        let t = received + Duration::minutes(40);
        if t < now {
            app.refuse_dossier(
                officer,
                &meta,
                &code,
                &["Yêu cầu không thuộc thẩm quyền giải quyết của UBND cấp xã".into()],
                t,
            )
            .await
            .map_err(err)?;
        }
        return Ok(());
    }
    let e_result = if online {
        rng.below(100) < 96
    } else {
        rng.below(100) < 60
    };
    // When the result is recorded, and whether late.
    let done = if roll < 20 {
        // A supplement request (the clock stops), answered one or two working days later; on the
        // second request (2 in 100) the dossier is late (Decision 766).
        let ask = received + Duration::minutes(60);
        let answer_day = cal.add_working_days(day, 1 + u32::try_from(rng.below(2)).unwrap_or(0));
        let answer = at(answer_day, 9, 0);
        if answer >= now {
            if ask < now {
                app.request_dossier_supplement(
                    officer,
                    &meta,
                    &code,
                    &["Bản sao giấy tờ tùy thân của người yêu cầu".into()],
                    ask,
                )
                .await
                .map_err(err)?;
            }
            return Ok(());
        }
        app.request_dossier_supplement(
            officer,
            &meta,
            &code,
            &["Bản sao giấy tờ tùy thân của người yêu cầu".into()],
            ask,
        )
        .await
        .map_err(err)?;
        app.answer_dossier_supplement(citizen, &meta, &code, answer)
            .await
            .map_err(err)?;
        if roll < 10 {
            let again = at(answer_day, 10, 0);
            let next = at(cal.add_working_days(answer_day, 1), 9, 0);
            if next >= now {
                return Ok(());
            }
            app.request_dossier_supplement(
                officer,
                &meta,
                &code,
                &["Giấy tờ chứng minh nơi cư trú".into()],
                again,
            )
            .await
            .map_err(err)?;
            app.answer_dossier_supplement(citizen, &meta, &code, next)
                .await
                .map_err(err)?;
            next + Duration::minutes(120)
        } else {
            answer + Duration::minutes(120)
        }
    } else if roll < 22 {
        // Late: on the due day, half the time, Form 04 with a new date two working days later.
        let apology = at(due, 8, 30).max(received + Duration::minutes(20));
        if rng.below(2) == 0 && apology < now {
            app.apologize_for_dossier(
                officer,
                &meta,
                &code,
                "Cần xác minh thông tin với cơ quan đăng ký cư trú",
                cal.add_working_days(due, 2),
                apology,
            )
            .await
            .map_err(err)?;
        }
        at(cal.add_working_days(due, 1), 10, 0)
    } else if days == 0 {
        received + Duration::minutes(90 + i64::try_from(rng.below(120)).unwrap_or(0))
    } else {
        let d = cal.add_working_days(
            day,
            1 + u32::try_from(rng.below(u64::from(days))).unwrap_or(0),
        );
        at(d, 10, 0)
    };
    if done >= now {
        return Ok(());
    }
    app.complete_dossier(officer, &meta, &code, None, e_result, done)
        .await
        .map_err(err)?;
    let handed = done + Duration::minutes(30);
    if handed < now && rng.below(100) < 90 {
        app.return_dossier_result(officer, &meta, &code, handed)
            .await
            .map_err(err)?;
    }
    let rated = done + Duration::minutes(90);
    if rated < now && rng.below(100) < 45 {
        let late = (8..10).contains(&roll) || (20..22).contains(&roll);
        let r = rng.below(100);
        let score = match (late, r) {
            (true, 0..40) => 2,
            (true, 40..60) => 3,
            (_, 0..3) => 1,
            (_, 3..7) => 2,
            (_, 7..15) => 3,
            (_, 15..40) => 4,
            _ => 5,
        };
        app.rate_dossier(c, &meta, &code, score, "", rated)
            .await
            .map_err(err)?;
    }
    Ok(())
}
