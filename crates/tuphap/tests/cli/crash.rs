//! Crash test (issue 8): `tuphap serve` under a registration load from several concurrent
//! clients (declare a birth, register it, over the API), killed with SIGKILL at random moments
//! and restarted, again and again. At the end: every acknowledged registration (a 200 with a
//! register number) is in the database with that number; the numbers of each book and year run
//! 1..=n with no gap and no duplicate; `tuphap audit verify` and `tuphap exchange verify` exit 0.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

use crate::{PASSWORD, Target, open_target, start_server, text};

/// Kills of the server (each after a random time under load).
const KILLS: usize = 6;
/// Concurrent clients.
const CLIENTS: usize = 4;

const OFFICER: &str = "canbo.badinh";
const SIGNER: &str = "lanhdao.badinh";

/// A registration the server acknowledged.
#[derive(Debug, Clone)]
struct Ack {
    id: i64,
    number: i32,
    book: String,
    year: i32,
}

async fn login(client: &reqwest::Client, url: &str, username: &str) -> String {
    let r = client
        .post(format!("{url}/api/v1/auth/login"))
        .json(&json!({"username": username, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "login {username}");
    let v: Value = r.json().await.unwrap();
    v["token"].as_str().unwrap().to_string()
}

/// How the signer proves the second factor: the TOTP secret once enrolled, the time steps
/// already used (a code is accepted once), the recovery codes left.
#[derive(Default)]
struct SignerFactor {
    secret: Option<String>,
    used_steps: std::collections::HashSet<i64>,
    recovery: Vec<String>,
}

fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let s = html
        .find(start)
        .unwrap_or_else(|| panic!("{start} in {html}"))
        + start.len();
    let e = html[s..].find(end).unwrap() + s;
    &html[s..e]
}

fn csrf(html: &str) -> String {
    between(html, "name=\"csrf\" value=\"", "\"").to_string()
}

/// Enrols the signer's second factor through the pages, as a person would (login form →
/// enrolment page → first code → recovery codes).
async fn enrol_signer(url: &str, f: &mut SignerFactor) {
    use tuphap_domain::strong_auth::{TOTP_STEP_SECONDS, totp_code_now};
    let c = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = c
        .get(format!("{url}/login?next=/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let r = c
        .post(format!("{url}/login"))
        .form(&[
            ("username", SIGNER),
            ("password", PASSWORD),
            ("otp", ""),
            ("csrf", csrf(&page).as_str()),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "enrolment login");
    let page = c
        .get(format!("{url}/account/2fa"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let secret = between(&page, "id=\"totp-secret\">", "<").to_string();
    let code = totp_code_now(&secret).unwrap();
    let r = c
        .post(format!("{url}/account/2fa"))
        .form(&[("csrf", csrf(&page).as_str()), ("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "enrolment confirmed");
    let page = r.text().await.unwrap();
    let list = between(&page, "<ul class=\"mono recovery-codes\">", "</ul>");
    f.recovery = list
        .split("<li>")
        .skip(1)
        .map(|s| s.split("</li>").next().unwrap().trim().to_string())
        .collect();
    f.used_steps
        .insert(time::OffsetDateTime::now_utc().unix_timestamp() / TOTP_STEP_SECONDS);
    f.secret = Some(secret);
}

/// The signer's bearer token. The one place that knows how a signer logs in: with the password
/// alone where no second factor is required; otherwise the TOTP second factor is enrolled on
/// first use and each login gives a code not used before (the next time step's, or a recovery
/// code when both are used).
async fn login_signer(client: &reqwest::Client, url: &str, f: &mut SignerFactor) -> String {
    use tuphap_domain::strong_auth::{TOTP_DIGITS, TOTP_STEP_SECONDS, base32_decode, hotp};
    for _ in 0..3 {
        let mut body = json!({"username": SIGNER, "password": PASSWORD});
        if let Some(secret) = &f.secret {
            let now = time::OffsetDateTime::now_utc().unix_timestamp() / TOTP_STEP_SECONDS;
            let key = base32_decode(secret).unwrap();
            let code = match [now, now + 1]
                .into_iter()
                .find(|s| !f.used_steps.contains(s))
            {
                Some(step) => {
                    f.used_steps.insert(step);
                    hotp(&key, step, TOTP_DIGITS)
                }
                None => f.recovery.pop().expect("a recovery code left"),
            };
            body["otp"] = json!(code);
        }
        let r = client
            .post(format!("{url}/api/v1/auth/login"))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let v: Value = r.json().await.unwrap();
        if status == 200 {
            return v["token"].as_str().unwrap().to_string();
        }
        assert_eq!(
            (status.as_u16(), v["code"].as_str()),
            (403, Some("second_factor_enrolment_required")),
            "login {SIGNER}: {v}"
        );
        enrol_signer(url, f).await;
    }
    panic!("{SIGNER} could not log in");
}

const NAMES: [&str; 12] = [
    "An", "Bình", "Châu", "Dũng", "Giang", "Hòa", "Khoa", "Linh", "Nam", "Phúc", "Quân", "Trang",
];

/// Declares birth `i` and registers it; `None` as soon as the server is gone (or says
/// anything else than the expected answers).
async fn declare_and_register(
    client: &reqwest::Client,
    url: &str,
    officer: &str,
    signer: &str,
    i: usize,
) -> Option<Ack> {
    let dob =
        (tuphap_core::dates::vn_today() - time::Duration::days(1 + i as i64 % 50)).to_string();
    let name = format!(
        "Lê {} {} {}",
        NAMES[i % 12],
        NAMES[(i / 12) % 12],
        NAMES[(i / 144) % 12]
    );
    let body = json!({
        "child": {"full_name": name, "sex": if i.is_multiple_of(2) { "male" } else { "female" },
                  "date_of_birth": dob,
                  "place_of_birth": {"admin_unit_code": "00004", "detail": "Bệnh viện Phụ sản Hà Nội"},
                  "ethnicity_code": "01", "nationality_code": "VN"},
        "mother": {"full_name": format!("Đỗ Thị {}", NAMES[(i / 7) % 12]), "date_of_birth": "1994-05-20",
                   "ethnicity_code": "01", "nationality_code": "VN",
                   "residence": {"admin_unit_code": "00004"}},
        "declarant": {"full_name": "Đỗ Thị Hạnh", "relationship": "mẹ"}
    });
    let r = client
        .post(format!("{url}/api/v1/civil/births"))
        .bearer_auth(officer)
        .json(&body)
        .send()
        .await
        .ok()?;
    if r.status() != 201 {
        return None;
    }
    let id = r.json::<Value>().await.ok()?["id"].as_i64()?;
    let mut body = json!({});
    for _ in 0..2 {
        let r = client
            .post(format!("{url}/api/v1/civil/records/{id}/register"))
            .bearer_auth(signer)
            .json(&body)
            .send()
            .await
            .ok()?;
        let status = r.status();
        let v: Value = r.json().await.ok()?;
        if status == 409 && v["code"] == "duplicate_override_required" {
            body = json!({"duplicate_override_reason": "Hai trẻ khác nhau (kiểm thử tải)"});
            continue;
        }
        if status != 200 {
            eprintln!("register {id}: {status} {v}");
            return None;
        }
        return Some(Ack {
            id,
            number: i32::try_from(v["register_number"].as_i64()?).ok()?,
            book: v["book"].as_str()?.to_string(),
            year: i32::try_from(v["year"].as_i64()?).ok()?,
        });
    }
    None
}

async fn killed_under_load(t: Target) {
    let e = if t.database_url.is_some() {
        "postgres"
    } else {
        "sqlite"
    };
    for (user, role) in [(OFFICER, "officer"), (SIGNER, "signer")] {
        let o = t.add_user(user, role, "00004");
        assert!(o.status.success(), "{}", text(&o));
    }
    let seed: u64 = std::env::var("TUPHAP_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(8)
        });
    eprintln!("{e}: crash test seed {seed} (TUPHAP_CRASH_SEED to repeat)");
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let acks: Arc<Mutex<Vec<Ack>>> = Arc::default();
    let mut factor = SignerFactor::default();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    for round in 0..KILLS {
        let mut server = start_server(&t, &[]);
        let officer = login(&client, &server.url, OFFICER).await;
        let signer = login_signer(&client, &server.url, &mut factor).await;
        let before = acks.lock().unwrap().len();
        let mut tasks = Vec::new();
        for _ in 0..CLIENTS {
            let (client, url) = (client.clone(), server.url.clone());
            let (officer, signer) = (officer.clone(), signer.clone());
            let (acks, next) = (acks.clone(), next.clone());
            tasks.push(tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    match declare_and_register(&client, &url, &officer, &signer, i).await {
                        Some(a) => acks.lock().unwrap().push(a),
                        None => break,
                    }
                }
            }));
        }
        // Let the load run a random while, at least until a few registrations are through.
        let wait = Duration::from_millis(rng.random_range(300..2500));
        let started = Instant::now();
        while started.elapsed() < wait || acks.lock().unwrap().len() < before + 3 {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "{e}: round {round}: no registration went through"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        server.child.kill().unwrap(); // SIGKILL
        server.child.wait().unwrap();
        for task in tasks {
            task.await.unwrap();
        }
        eprintln!(
            "{e}: round {round}: killed after {:?}, {} acknowledged registrations so far",
            started.elapsed(),
            acks.lock().unwrap().len()
        );
    }
    // One more start after the last kill: the server comes up on what the kills left, and
    // registers with the next number.
    let server = start_server(&t, &[]);
    let officer = login(&client, &server.url, OFFICER).await;
    let signer = login_signer(&client, &server.url, &mut factor).await;
    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let last = declare_and_register(&client, &server.url, &officer, &signer, i)
        .await
        .expect("a registration after the last restart");
    acks.lock().unwrap().push(last);
    drop(server);

    let acks = acks.lock().unwrap().clone();
    let store = open_target(&t).await;
    let (records, _) = store.records_for_index(1, i64::MAX).await.unwrap();
    // Every acknowledged registration is there, with its number.
    let by_id: BTreeMap<i64, _> = records.iter().map(|r| (r.id, r)).collect();
    for a in &acks {
        let r = by_id
            .get(&a.id)
            .unwrap_or_else(|| panic!("{e}: acknowledged record {} lost", a.id));
        assert!(
            matches!(r.status.as_str(), "registered" | "certificate_issued"),
            "{e}: record {} acknowledged as registered is {}",
            a.id,
            r.status
        );
        assert_eq!(
            (
                r.register_number,
                r.register_book.as_deref(),
                r.register_year
            ),
            (Some(a.number), Some(a.book.as_str()), Some(a.year)),
            "{e}: record {}",
            a.id
        );
    }
    // Per book and year, the numbers are 1..=n: no gap, no duplicate (acknowledged or not).
    let mut books: BTreeMap<(i64, String, String, i32), Vec<i32>> = BTreeMap::new();
    for r in &records {
        if let (Some(n), Some(b), Some(y)) = (r.register_number, &r.register_book, r.register_year)
        {
            books
                .entry((r.office_id, r.kind.clone(), b.clone(), y))
                .or_default()
                .push(n);
        }
    }
    assert!(!books.is_empty(), "{e}: nothing registered");
    for (book, numbers) in &mut books {
        numbers.sort_unstable();
        let expected: Vec<i32> = (1..=numbers.len() as i32).collect();
        assert_eq!(numbers, &expected, "{e}: book {book:?}");
    }
    let registered: usize = books.values().map(Vec::len).sum();
    eprintln!(
        "{e}: {} acknowledged, {registered} registered, {} records, {KILLS} kills",
        acks.len(),
        records.len()
    );
    assert!(registered >= acks.len());
    store.close().await;
    for verify in [["audit", "verify"], ["exchange", "verify"]] {
        let o = t.run(&verify, "");
        assert!(o.status.success(), "{e}: {verify:?}: {}", text(&o));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registrations_survive_kill_9_under_load_sqlite() {
    killed_under_load(Target::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registrations_survive_kill_9_under_load_postgres() {
    let Some(t) = Target::postgres().await else {
        eprintln!("PostgreSQL not available: skipped");
        return;
    };
    killed_under_load(t).await;
}
