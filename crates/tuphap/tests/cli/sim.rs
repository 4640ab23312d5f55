//! `tuphap sim`: the partner-agency test doubles as a real process over real HTTP, killed with
//! SIGKILL and restarted on the same state file.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use tuphap_core::personal_id::{PersonalId, Sex};

use super::BIN;

const POPULATION: &str = "/r1/VN/GOV/BCA/CSDLQGDC";
const INSURANCE: &str = "/r1/VN/GOV/BHXH/CSDLBHXH";
const RESIDENCE: &str = "/r1/VN/GOV/BCA/CSDLCUTRU";
const CLIENT: &str = "VN/GOV/BTP/HTTT-HTTP";

/// A running `tuphap sim`, SIGKILLed on drop.
pub(crate) struct SimProcess {
    child: Child,
    pub(crate) url: String,
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn start_sim(args: &[&str]) -> SimProcess {
    let port = tuphap_testkit::free_port();
    let listen = format!("127.0.0.1:{port}");
    let mut child = Command::new(BIN)
        .args(["sim", "all", "--listen", &listen])
        .args(args)
        .env("TUPHAP_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "tuphap sim did not start");
        if let Some(status) = child.try_wait().unwrap() {
            panic!("tuphap sim exited with {status}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    SimProcess {
        child,
        url: format!("http://{listen}"),
    }
}

struct Answer {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

async fn call(
    sim: &SimProcess,
    path: &str,
    id: Option<&str>,
    client: bool,
    body: &Value,
) -> Answer {
    let text = body.to_string();
    let mut req = reqwest::Client::new()
        .post(format!("{}{path}", sim.url))
        .header("content-type", "application/json")
        .body(text.clone());
    if client {
        req = req.header("X-Road-Client", CLIENT);
    }
    if let Some(id) = id {
        req = req.header("X-Road-Id", id);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    let body: Value = r.json().await.unwrap();
    if status.is_success() {
        assert_eq!(
            headers["x-road-request-hash"].to_str().unwrap(),
            tuphap_sim::request_hash(text.as_bytes())
        );
        assert_eq!(headers["x-road-id"].to_str().unwrap(), id.unwrap());
    }
    Answer {
        status,
        headers,
        body,
    }
}

async fn stats(sim: &SimProcess) -> Value {
    reqwest::get(format!("{}/sim/stats", sim.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn birth(name: &str, sex: &str, dob: &str, province: &str, reference: &str) -> Value {
    json!({
        "full_name": name, "sex": sex, "date_of_birth": dob,
        "birth_province": province, "birth_record_ref": reference,
    })
}

fn check_id(answer: &Answer, province: &str, sex: Sex, dob: time::Date) -> PersonalId {
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let id = PersonalId::parse(answer.body["personal_id"].as_str().unwrap()).unwrap();
    assert_eq!(id.province_code(), province);
    assert_eq!(id.check(sex, dob), Ok(()));
    id
}

fn assert_xroad_error(a: &Answer, status: StatusCode, kind: &str, detail: &str) {
    assert_eq!(a.status, status, "{}", a.body);
    assert_eq!(a.body["type"], kind);
    assert_eq!(a.body["detail"], detail);
    assert!(!a.body["message"].as_str().unwrap().is_empty());
    assert_eq!(a.headers["x-road-error"].to_str().unwrap(), kind);
}

#[tokio::test]
async fn sim_assigns_ids_idempotently_and_survives_kill_9() {
    let dir = tuphap_testkit::temp_dir();
    let state = dir.path().join("sim-state.json");
    let state_arg = state.to_str().unwrap();
    let sim = start_sim(&["--state", state_arg]);
    let assign = format!("{POPULATION}/assignPersonalId");
    // A child born a week ago (the card group depends on the age today).
    let dob_a = time::OffsetDateTime::now_utc().date() - time::Duration::days(7);
    let dob_a_iso = format!(
        "{:04}-{:02}-{:02}",
        dob_a.year(),
        u8::from(dob_a.month()),
        dob_a.day()
    );
    let death_iso = {
        let d = dob_a + time::Duration::days(1);
        format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
    };

    // Two births: different, valid numbers for their province, sex and year.
    let a_body = birth("Nguyễn Văn An", "male", &dob_a_iso, "01", "KS-001");
    let a = call(&sim, &assign, Some("req-a"), true, &a_body).await;
    let a_id = check_id(&a, "001", Sex::Male, dob_a);
    let b_body = birth("Trần Thị Bình", "female", "2025-03-10", "79", "KS-002");
    let b = call(&sim, &assign, Some("req-b"), true, &b_body).await;
    let b_id = check_id(&b, "079", Sex::Female, time::macros::date!(2025 - 03 - 10));
    assert_ne!(a_id, b_id);
    assert_eq!(b_id.as_str()[3..6], *"325");

    // The same X-Road-Id again: the first answer, counted as a repeat.
    let again = call(&sim, &assign, Some("req-a"), true, &a_body).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body, a.body);
    // The same id for another body is refused.
    let other = call(&sim, &assign, Some("req-a"), true, &b_body).await;
    assert_xroad_error(
        &other,
        StatusCode::CONFLICT,
        "Client.Conflict",
        "x_road_id_reused",
    );

    // The X-Road error model.
    let no_client = call(&sim, &assign, Some("req-x"), false, &a_body).await;
    assert_xroad_error(
        &no_client,
        StatusCode::BAD_REQUEST,
        "Client.InvalidRequest",
        "x_road_client_missing",
    );
    let no_id = call(&sim, &assign, None, true, &a_body).await;
    assert_xroad_error(
        &no_id,
        StatusCode::BAD_REQUEST,
        "Client.InvalidRequest",
        "x_road_id_missing",
    );
    let bad = call(
        &sim,
        &assign,
        Some("req-bad"),
        true,
        &birth("X", "male", "2026-01-01", "03", "KS-9"),
    )
    .await;
    assert_xroad_error(
        &bad,
        StatusCode::BAD_REQUEST,
        "Client.InvalidBody",
        "birth_province_unknown",
    );
    let unknown_death = call(
        &sim,
        &format!("{POPULATION}/recordDeath"),
        Some("req-d0"),
        true,
        &json!({"personal_id": "001226999999", "date_of_death": death_iso}),
    )
    .await;
    // A number the double never assigned is a citizen from before the simulation.
    assert_eq!(
        unknown_death.status,
        StatusCode::OK,
        "{}",
        unknown_death.body
    );
    assert_eq!(unknown_death.body["known_before"], false);
    let death = call(
        &sim,
        &format!("{POPULATION}/recordDeath"),
        Some("req-d1"),
        true,
        &json!({"personal_id": a_id.as_str(), "date_of_death": death_iso}),
    )
    .await;
    assert_eq!(death.status, StatusCode::OK, "{}", death.body);
    assert_eq!(death.body["acknowledged"], true);

    // The other two agencies.
    let card = call(
        &sim,
        &format!("{INSURANCE}/issueHealthInsuranceCard"),
        Some("req-c1"),
        true,
        &json!({"personal_id": a_id.as_str(), "full_name": "Nguyễn Văn An", "date_of_birth": dob_a_iso}),
    )
    .await;
    assert_eq!(card.status, StatusCode::OK, "{}", card.body);
    let number = card.body["card_number"].as_str().unwrap();
    assert_eq!(number.len(), 15);
    assert!(number.starts_with("TE101"), "{number}");
    let card_again = call(
        &sim,
        &format!("{INSURANCE}/issueHealthInsuranceCard"),
        Some("req-c2"),
        true,
        &json!({"personal_id": a_id.as_str(), "full_name": "Nguyễn Văn An", "date_of_birth": dob_a_iso}),
    )
    .await;
    assert_eq!(
        card_again.body["card_number"], number,
        "one card per person"
    );
    let residence = call(
        &sim,
        &format!("{RESIDENCE}/registerPermanentResidence"),
        Some("req-r1"),
        true,
        &json!({"personal_id": b_id.as_str(), "commune_code": "00004"}),
    )
    .await;
    assert_eq!(residence.status, StatusCode::OK, "{}", residence.body);
    assert_eq!(residence.body["registration_number"], "TT-00004-000001");

    // Downtime without killing the process.
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{}/sim/down", sim.url))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let c_body = birth("Lê Văn Cường", "male", &dob_a_iso, "01", "KS-003");
    let down = call(&sim, &assign, Some("req-c"), true, &c_body).await;
    assert_xroad_error(
        &down,
        StatusCode::SERVICE_UNAVAILABLE,
        "Server.ServerProxy.ServiceUnavailable",
        "sim_down",
    );
    let r = http
        .post(format!("{}/sim/up", sim.url))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());

    let s = stats(&sim).await;
    assert_eq!(s["repeats"], 1, "{s}");
    assert_eq!(s["request_ids"]["req-a"], 3, "{s}");
    assert_eq!(s["services"]["assignPersonalId"]["effective"], 2, "{s}");
    assert_eq!(s["services"]["assignPersonalId"]["repeats"], 1, "{s}");
    let requests_before = s["requests"].as_u64().unwrap();

    // kill -9, restart on the same state file: nothing acknowledged is lost.
    drop(sim);
    let sim = start_sim(&["--state", state_arg]);
    let c = call(&sim, &assign, Some("req-c"), true, &c_body).await;
    let c_id = check_id(&c, "001", Sex::Male, dob_a);
    assert_ne!(c_id, a_id);
    assert_ne!(c_id, b_id);
    let again = call(&sim, &assign, Some("req-a"), true, &a_body).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body, a.body);
    let s = stats(&sim).await;
    assert_eq!(s["requests"].as_u64().unwrap(), requests_before + 2, "{s}");
    assert_eq!(s["repeats"], 2, "{s}");
    assert_eq!(s["request_ids"]["req-a"], 4, "{s}");
    assert_eq!(s["request_ids"]["req-b"], 1, "{s}");
}

#[tokio::test]
async fn sim_down_flag_error_rate_and_single_agency() {
    // --down: 503 for everything until /sim/up.
    let sim = start_sim(&["--down"]);
    let body = birth("Phạm Thu", "female", "2025-10-01", "48", "KS-1");
    let assign = format!("{POPULATION}/assignPersonalId");
    let a = call(&sim, &assign, Some("d-1"), true, &body).await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
    reqwest::Client::new()
        .post(format!("{}/sim/up", sim.url))
        .send()
        .await
        .unwrap();
    let a = call(&sim, &assign, Some("d-1"), true, &body).await;
    check_id(&a, "048", Sex::Female, time::macros::date!(2025 - 10 - 01));
    drop(sim);

    // --error-rate 1: every request refused, none takes effect.
    let sim = start_sim(&["--error-rate", "1", "--seed", "7"]);
    let a = call(&sim, &assign, Some("e-1"), true, &body).await;
    assert_xroad_error(
        &a,
        StatusCode::SERVICE_UNAVAILABLE,
        "Server.ServerProxy.ServiceUnavailable",
        "sim_injected_error",
    );
    let s = stats(&sim).await;
    assert_eq!(s["effective"], 0, "{s}");
    assert_eq!(s["errors"], 1, "{s}");
    drop(sim);

    // One agency only: the others' paths are unknown services.
    let port = tuphap_testkit::free_port();
    let listen = format!("127.0.0.1:{port}");
    let child = Command::new(BIN)
        .args([
            "sim",
            "insurance",
            "--listen",
            &listen,
            "--latency-ms",
            "300",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let sim = SimProcess {
        child,
        url: format!("http://{listen}"),
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "tuphap sim insurance did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let a = call(&sim, &assign, Some("i-1"), true, &body).await;
    assert_xroad_error(
        &a,
        StatusCode::NOT_FOUND,
        "Client.UnknownService",
        "service_unknown",
    );
    let started = Instant::now();
    let case = call(
        &sim,
        &format!("{INSURANCE}/funeralAllowance"),
        Some("i-2"),
        true,
        &json!({"personal_id": "001090000001"}),
    )
    .await;
    assert_eq!(case.status, StatusCode::OK, "{}", case.body);
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "--latency-ms"
    );
    assert!(case.body["case_number"].as_str().unwrap().starts_with("MT"));
}
