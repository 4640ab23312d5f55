//! Linked procedures end to end over real HTTP: the app, the partner-agency simulators
//! (`tuphap-sim` on 127.0.0.1:0) and the exchange's delivery workers, on both engines.

use std::collections::HashSet;
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use tokio::sync::watch;

use tuphap_core::dates::vn_today;
use tuphap_core::personal_id::{PersonalId, Sex};
use tuphap_exchange::dispatch::{DispatchConfig, Dispatcher};
use tuphap_sim::{Sim, SimConfig};
use tuphap_store::exchange::RetryPolicy;

use crate::api_civil::{Actors, actors, child_of, declare_and_register, pdf_text};
use crate::support::{TestApp, spawn_apps};

struct Partners {
    url: String,
    sim: Sim,
    _stop: tokio::sync::oneshot::Sender<()>,
}

async fn start_partners(config: SimConfig) -> Partners {
    let sim = Sim::open(config).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(tuphap_sim::serve(listener, sim.clone(), async {
        let _ = rx.await;
    }));
    Partners {
        url,
        sim,
        _stop: tx,
    }
}

/// Workers with quick retries (the simulator may be down for a while).
fn start_workers(app: &TestApp) -> watch::Sender<bool> {
    let config = DispatchConfig {
        workers: 2,
        idle_wait: Duration::from_millis(50),
        request_timeout: Duration::from_secs(5),
        policy: RetryPolicy {
            base: Duration::from_millis(20),
            cap: Duration::from_millis(300),
            max_attempts: 10_000,
        },
        ..DispatchConfig::default()
    };
    let (stop, stopped) = watch::channel(false);
    let handles = Dispatcher::new(app.app.clone(), config)
        .unwrap()
        .spawn(stopped);
    drop(handles);
    stop
}

fn birth(child: &str, sex: &str, dob: &str) -> Value {
    json!({
        "child": {"full_name": child, "sex": sex, "date_of_birth": dob,
                  "place_of_birth": {"admin_unit_code": "00004", "detail": "Bệnh viện Phụ sản Hà Nội"},
                  "ethnicity_code": "01", "nationality_code": "VN"},
        "mother": {"full_name": "Trần Thị Mai", "date_of_birth": "1995-03-14",
                   "ethnicity_code": "01", "nationality_code": "VN",
                   "residence": {"admin_unit_code": "00004", "detail": "12 phố Quán Thánh"}},
        "declarant": {"full_name": "Trần Thị Mai", "relationship": "mẹ"}
    })
}

async fn register_birth(app: &TestApp, a: &Actors, name: &str, sex: &str, dob: &str) -> i64 {
    let (s, v) = declare_and_register(app, a, "/api/v1/civil/births", &birth(name, sex, dob)).await;
    assert_eq!(s, 200, "{v}");
    v["id"].as_i64().unwrap()
}

async fn steps(app: &TestApp, token: &str, id: i64) -> Vec<Value> {
    let (s, v) = app
        .call(
            Method::GET,
            &format!("/api/v1/civil/records/{id}/linked"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    v.as_array().unwrap().clone()
}

/// Waits (up to `secs`) until every step of the record is finished: `done`, `skipped` or
/// `not_applicable`.
async fn wait_steps_finished(app: &TestApp, token: &str, id: i64, secs: u64) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        let st = steps(app, token, id).await;
        if st
            .iter()
            .all(|s| ["done", "skipped", "not_applicable"].contains(&s["state"].as_str().unwrap()))
        {
            return st;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "steps of record {id} not finished after {secs} s: {st:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn record(app: &TestApp, token: &str, id: i64) -> Value {
    let (s, v) = app
        .call(
            Method::GET,
            &format!("/api/v1/civil/records/{id}"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    v
}

#[tokio::test]
async fn a_birth_gets_its_personal_id_residence_and_card_and_a_death_is_reported_on_every_engine() {
    for app in spawn_apps().await {
        let e = app.engine.as_str();
        let partners = start_partners(SimConfig::default()).await;
        let a = actors(&app).await;
        // Registered before the link existed: not sent.
        let before = register_birth(&app, &a, "Lê Minh Trước", "male", "2026-11-01").await;
        assert_eq!(
            app.app
                .subscribe_linked_procedures(&partners.url)
                .await
                .unwrap(),
            6
        );
        let stop = start_workers(&app);

        let dob = (vn_today() - time::Duration::days(5)).to_string();
        let id = register_birth(&app, &a, "Nguyễn Thị Liên Thông", "female", &dob).await;
        let st = wait_steps_finished(&app, &a.officer, id, 30).await;
        assert_eq!(
            st.iter()
                .map(|s| s["service"].as_str().unwrap())
                .collect::<Vec<_>>(),
            [
                "assignPersonalId",
                "registerPermanentResidence",
                "issueHealthInsuranceCard"
            ],
            "{e}"
        );
        assert!(st.iter().all(|s| s["state"] == "done"), "{e}: {st:#?}");

        // The personal ID: 12 digits, Hà Nội's code 001, female born in the 21st century, the
        // year of birth; stored on the child and shown on the record.
        let r = record(&app, &a.officer, id).await;
        let child = child_of(&r);
        let person = app.store.person_by_id(child).await.unwrap().unwrap();
        let pid = person.personal_id.clone().expect("personal ID stored");
        let parsed = PersonalId::parse(&pid).unwrap();
        parsed
            .check(Sex::Female, person.date_of_birth.unwrap())
            .unwrap();
        assert!(pid.starts_with("0013"), "{e}: {pid}");
        assert_eq!(&pid[4..6], &dob[2..4], "{e}: {pid}");
        assert!(
            st[0]["result"].as_str().unwrap().contains(&pid),
            "{e}: {st:#?}"
        );
        // Then the residence registration and the card (TE: a child under 6, Hà Nội 01).
        let card = st[2]["result"].as_str().unwrap();
        assert!(card.contains("TE101"), "{e}: {card}");
        let (s, p) = app
            .call(
                Method::GET,
                &format!("/api/v1/civil/persons/{child}"),
                Some(&a.officer),
                None,
            )
            .await;
        assert_eq!(s, 200, "{e}: {p}");
        let schemes: HashSet<&str> = p["partner_numbers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["scheme"].as_str().unwrap())
            .collect();
        assert_eq!(
            schemes,
            HashSet::from(["health_insurance_card", "permanent_residence"]),
            "{e}: {p}"
        );
        // Printed on the certificate issued afterwards.
        let pdf = app
            .client
            .get(app.at(&format!("/api/v1/civil/records/{id}/certificate.pdf")))
            .bearer_auth(&a.officer)
            .send()
            .await
            .unwrap();
        assert_eq!(pdf.status(), 200, "{e}");
        if let Some(text) = pdf_text(&pdf.bytes().await.unwrap()) {
            assert!(text.contains(&pid), "{e}: the certificate lacks {pid}");
        }
        // Audited as the partner's act.
        let audit = app
            .store
            .audit_entries_of_target("person", &child.to_string(), None, 100)
            .await
            .unwrap();
        assert!(
            audit
                .iter()
                .any(|x| x.action == "civil.personal_id_assigned"
                    && x.actor_username.as_deref() == Some("lgsp:VN/GOV/BCA/CSDLQGDC")),
            "{e}: {audit:?}"
        );
        // The birth registered before the link has no steps in progress.
        let st = steps(&app, &a.officer, before).await;
        assert!(
            st.iter().all(|s| s["state"] == "not_started"),
            "{e}: {st:#?}"
        );

        // A death: reported to the population database, the residence removed, the funeral
        // allowance opened (its case number kept on the deceased).
        let death = json!({
            "deceased": {"personal_id": "001045000123", "full_name": "Trần Văn Bình", "sex": "male", "date_of_birth": "1945-05-19",
                         "residence": {"admin_unit_code": "00004"}},
            "date_of_death": (vn_today() - time::Duration::days(3)).to_string(),
            "place_of_death": {"admin_unit_code": "00004", "detail": "Tại nhà"},
            "declarant": {"full_name": "Trần Thị Mai", "relationship": "con"}
        });
        let (s, v) = declare_and_register(&app, &a, "/api/v1/civil/deaths", &death).await;
        assert_eq!(s, 200, "{e}: {v}");
        let death_id = v["id"].as_i64().unwrap();
        let st = wait_steps_finished(&app, &a.officer, death_id, 30).await;
        assert!(st.iter().all(|s| s["state"] == "done"), "{e}: {st:#?}");
        assert!(
            st[2]["result"].as_str().unwrap().contains("MT"),
            "{e}: {st:#?}"
        );
        let deceased = app
            .store
            .person_by_personal_id("001045000123")
            .await
            .unwrap()
            .unwrap();
        let numbers = app.store.partner_ids_of(deceased.id).await.unwrap();
        assert_eq!(numbers.len(), 1, "{e}: {numbers:?}");
        assert_eq!(numbers[0].scheme, "funeral_allowance", "{e}");

        // A death of a person without a personal ID: nothing to report by number; the
        // procedure says why and stops.
        let mut unknown = death.clone();
        unknown["deceased"] = json!({"full_name": "Người Không Số", "sex": "female", "date_of_birth": "1950-01-01",
                                     "residence": {"admin_unit_code": "00004"}});
        let (s, v) = declare_and_register(&app, &a, "/api/v1/civil/deaths", &unknown).await;
        assert_eq!(s, 200, "{e}: {v}");
        let st = wait_steps_finished(&app, &a.officer, v["id"].as_i64().unwrap(), 30).await;
        assert_eq!(st[0]["state"], "skipped", "{e}: {st:#?}");
        assert!(
            st[0]["detail"]
                .as_str()
                .unwrap()
                .contains("không có số định danh")
        );
        assert!(
            st[1..].iter().all(|s| s["state"] == "not_applicable"),
            "{e}: {st:#?}"
        );

        // The record page shows the steps.
        let html = crate::support::login_as(&app, "canbo.badinh", "/")
            .await
            .get(app.at(&format!("/civil/records/{id}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("Liên thông với các cơ quan"), "{e}");
        assert!(html.contains(&pid), "{e}");
        assert!(html.contains(r#"data-step="issueHealthInsuranceCard" data-state="done""#));

        // Per partner service on /metrics: messages and their round-trip time.
        let metrics = app
            .client
            .get(app.at("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            metrics
                .lines()
                .any(|l| l.starts_with("tuphap_exchange_messages_total")
                    && l.contains(r#"service="VN/GOV/BCA/CSDLQGDC/assignPersonalId""#)
                    && l.contains(r#"outcome="ok""#)),
            "{e}: {metrics}"
        );
        assert!(
            metrics.contains("tuphap_exchange_message_duration_seconds"),
            "{e}"
        );

        // Each partner saw each step once in effect.
        let stats = partners.sim.stats();
        assert_eq!(stats.services["assignPersonalId"].effective, 1, "{e}");
        assert_eq!(
            stats.services["issueHealthInsuranceCard"].effective, 1,
            "{e}"
        );
        assert!(app.store.dead_letters(None, 10).await.unwrap().is_empty());
        let _ = stop.send(true);
    }
}

/// 20 × 10 = 200 distinct names.
const MIDDLE: [&str; 20] = [
    "An", "Bảo", "Cát", "Duy", "Gia", "Hà", "Hải", "Khánh", "Lan", "Minh", "Ngọc", "Phương",
    "Quang", "Sơn", "Thanh", "Thu", "Tuấn", "Vân", "Xuân", "Yến",
];
const GIVEN: [&str; 10] = [
    "Anh", "Bình", "Châu", "Dũng", "Giang", "Hòa", "Khoa", "Linh", "Nam", "Trang",
];

#[tokio::test]
async fn births_registered_while_the_population_database_is_down_all_get_ids_once_it_is_back() {
    for app in spawn_apps().await {
        let e = app.engine.as_str();
        let partners = start_partners(SimConfig {
            down: true,
            ..SimConfig::default()
        })
        .await;
        let a = actors(&app).await;
        app.app
            .subscribe_linked_procedures(&partners.url)
            .await
            .unwrap();
        let stop = start_workers(&app);
        const N: usize = 200;
        let mut ids = Vec::with_capacity(N);
        for i in 0..N {
            let sex = if i.is_multiple_of(2) {
                "male"
            } else {
                "female"
            };
            let dob = (vn_today() - time::Duration::days(1 + (i % 50) as i64)).to_string();
            let name = format!(
                "Nguyễn {} {}",
                MIDDLE[i % MIDDLE.len()],
                GIVEN[i / MIDDLE.len()]
            );
            ids.push(register_birth(&app, &a, &name, sex, &dob).await);
        }
        // The workers have been knocking on a closed door.
        let stats = partners.sim.stats();
        assert!(stats.requests > 0 && stats.effective == 0, "{e}: {stats:?}");
        let up = app
            .client
            .post(format!("{}/sim/up", partners.url))
            .send()
            .await
            .unwrap();
        assert!(up.status().is_success());
        let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
        let mut pids = HashSet::new();
        for id in &ids {
            loop {
                let st = steps(&app, &a.officer, *id).await;
                if st.iter().all(|s| s["state"] == "done") {
                    break;
                }
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "{e}: record {id} not finished: {st:#?}"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            let r = record(&app, &a.officer, *id).await;
            let person = app.store.person_by_id(child_of(&r)).await.unwrap().unwrap();
            pids.insert(person.personal_id.unwrap());
        }
        assert_eq!(pids.len(), N, "{e}: every child has its own number");
        let stats = partners.sim.stats();
        let assign = &stats.services["assignPersonalId"];
        assert_eq!(assign.effective, N as u64, "{e}: {assign:?}");
        let assign_ids = stats
            .request_ids
            .keys()
            .filter(|k| k.ends_with("-assignPersonalId"))
            .count();
        assert_eq!(assign_ids, N, "{e}: one X-Road-Id per birth");
        assert!(
            app.store.dead_letters(None, 10).await.unwrap().is_empty(),
            "{e}: dead letters"
        );
        let _ = stop.send(true);
    }
}
