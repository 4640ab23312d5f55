//! Demo civil-status records for `serve --demo`: a few hundred births, marriages and deaths in
//! two communes of Hà Nội, with names drawn from the shipped name statistics (the shared sampler
//! `tuphap_legacy::Names`, `data/reference/names_*.csv`), declared and registered through the
//! same use cases as the API (so they obey every rule). Deterministic: the same seed gives the
//! same records.

use anyhow::{Result, anyhow};
use time::Duration;
use tuphap_core::dates::vn_today;
use tuphap_domain::civil::{
    BirthDeclaration, ChildInput, DeathDeclaration, DeceasedInput, DeclarantInput,
    MarriageDeclaration, ParentInput, PlaceInput, SpouseInput,
};
use tuphap_domain::identity::SessionKind;
use tuphap_domain::{Actor, App, RequestMeta};
use tuphap_legacy::{Below, Names, SeededRng, seeded_rng};

fn personal_id(rng: &mut SeededRng, female: bool, year: i32) -> String {
    let digit = match (year >= 2000, female) {
        (false, false) => 0,
        (false, true) => 1,
        (true, false) => 2,
        (true, true) => 3,
    };
    format!("001{digit}{:02}{:06}", year % 100, rng.below(1_000_000))
}

fn place(code: &str, detail: &str) -> PlaceInput {
    PlaceInput {
        admin_unit_code: code.to_string(),
        detail: Some(detail.to_string()),
    }
}

async fn actor(app: &App, username: &str, password: &str) -> Result<Actor> {
    app.login(
        username,
        password,
        SessionKind::Api,
        &RequestMeta::default(),
    )
    .await
    .map(|ok| ok.actor)
    .map_err(|e| anyhow!("[{}] {}", e.code, e.message))
}

/// Seeds the demo records unless the demo offices already hold some. `logins` are
/// (username, password) of the demo accounts; per commune an officer and a signer are used.
pub async fn seed(
    app: &App,
    logins: &[(String, String)],
    communes: &[(&str, &str, &str)],
) -> Result<usize> {
    let meta = RequestMeta::default();
    let names = Names::shared();
    let mut rng = seeded_rng(0x7475_7068_6170_2026);
    let today = vn_today();
    let password = |u: &str| logins.iter().find(|(n, _)| n == u).map(|(_, p)| p.clone());
    let mut created = 0usize;
    for (ci, (unit, officer_name, signer_name)) in communes.iter().enumerate() {
        let (Some(op), Some(sp)) = (password(officer_name), password(signer_name)) else {
            continue;
        };
        let officer = actor(app, officer_name, &op).await?;
        let signer = actor(app, signer_name, &sp).await?;
        if !app
            .record_queue(&officer, "registered", None, 1)
            .await?
            .is_empty()
            || !app
                .record_queue(&officer, "declared", None, 1)
                .await?
                .is_empty()
        {
            continue;
        }
        let street = if ci == 0 {
            "phố Quán Thánh"
        } else {
            "phố Hoàng Hoa Thám"
        };
        for i in 0..120 {
            let family = names.surname(&mut rng);
            let mother_family = names.surname(&mut rng);
            let female = rng.below(100) < 48;
            let dob = today - Duration::days(1 + i64::try_from(rng.below(120)).unwrap_or(0));
            let mother_year = 1985 + i32::try_from(rng.below(15)).unwrap_or(0);
            let father_year = mother_year - i32::try_from(rng.below(5)).unwrap_or(0);
            let mother_name = names.full(&mut rng, &mother_family, true);
            let d = BirthDeclaration {
                child: ChildInput {
                    full_name: names.full(&mut rng, &family, female),
                    sex: if female { "female" } else { "male" }.into(),
                    date_of_birth: dob.to_string(),
                    place_of_birth: place(unit, "Bệnh viện Phụ sản Hà Nội"),
                    ethnicity_code: "01".into(),
                    nationality_code: "VN".into(),
                    home_town: None,
                },
                mother: ParentInput {
                    full_name: mother_name.clone(),
                    date_of_birth: Some(format!(
                        "{mother_year}-0{}-1{}",
                        1 + rng.below(9),
                        rng.below(9)
                    )),
                    personal_id: Some(personal_id(&mut rng, true, mother_year)),
                    ethnicity_code: "01".into(),
                    nationality_code: "VN".into(),
                    residence: place(unit, &format!("{} {street}", 1 + rng.below(120))),
                },
                father: Some(ParentInput {
                    full_name: names.full(&mut rng, &family, false),
                    date_of_birth: Some(format!(
                        "{father_year}-1{}-0{}",
                        rng.below(3),
                        1 + rng.below(9)
                    )),
                    personal_id: Some(personal_id(&mut rng, false, father_year)),
                    ethnicity_code: "01".into(),
                    nationality_code: "VN".into(),
                    residence: place(unit, street),
                }),
                declarant: DeclarantInput {
                    full_name: mother_name,
                    personal_id: None,
                    relationship: "mẹ".into(),
                },
                earlier_registration: None,
            };
            let Ok(declared) = app.declare_birth(&officer, &meta, d).await else {
                continue;
            };
            created += 1;
            if i % 8 != 0 {
                let _ = app
                    .register_record(&signer, &meta, declared.id, Some("Dữ liệu mẫu".into()))
                    .await;
            }
        }
        for _ in 0..15 {
            let hy = 1980 + i32::try_from(rng.below(20)).unwrap_or(0);
            let wy = hy + i32::try_from(rng.below(4)).unwrap_or(0);
            let spouse = |rng: &mut SeededRng, female: bool, year: i32| SpouseInput {
                full_name: {
                    let s = names.surname(rng);
                    names.full(rng, &s, female)
                },
                date_of_birth: format!("{year}-0{}-2{}", 1 + rng.below(9), rng.below(8)),
                personal_id: Some(personal_id(rng, female, year)),
                ethnicity_code: "01".into(),
                nationality_code: "VN".into(),
                residence: place(unit, street),
            };
            let d = MarriageDeclaration {
                husband: spouse(&mut rng, false, hy),
                wife: spouse(&mut rng, true, wy),
                earlier_registration: None,
            };
            if let Ok(declared) = app.declare_marriage(&officer, &meta, d).await {
                created += 1;
                let _ = app.register_record(&signer, &meta, declared.id, None).await;
            }
        }
        for _ in 0..10 {
            let year = 1930 + i32::try_from(rng.below(25)).unwrap_or(0);
            let female = rng.below(2) == 0;
            let s = names.surname(&mut rng);
            let d = DeathDeclaration {
                deceased: DeceasedInput {
                    personal_id: Some(personal_id(&mut rng, female, year)),
                    full_name: names.full(&mut rng, &s, female),
                    sex: if female { "female" } else { "male" }.into(),
                    date_of_birth: year.to_string(),
                    ethnicity_code: Some("01".into()),
                    nationality_code: Some("VN".into()),
                    residence: Some(place(unit, street)),
                },
                date_of_death: (today
                    - Duration::days(1 + i64::try_from(rng.below(30)).unwrap_or(0)))
                .to_string(),
                place_of_death: place(unit, "Tại nhà"),
                cause: Some("Bệnh già".into()),
                declarant: DeclarantInput {
                    full_name: names.full(&mut rng, &s, false),
                    personal_id: None,
                    relationship: "con".into(),
                },
                earlier_registration: None,
            };
            if let Ok(declared) = app.declare_death(&officer, &meta, d).await {
                created += 1;
                let _ = app.register_record(&signer, &meta, declared.id, None).await;
            }
        }
    }
    Ok(created)
}
