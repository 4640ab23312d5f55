//! The linked procedures across processes: `tuphap serve --partners` and `tuphap sim all`, the
//! server killed with SIGKILL while messages are in flight, then restarted.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::sim::start_sim;
use crate::{PASSWORD, Target, open_target, start_server, text};

async fn token(client: &reqwest::Client, url: &str, username: &str) -> String {
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

const NAMES: [&str; 12] = [
    "An", "Bình", "Châu", "Dũng", "Giang", "Hòa", "Khoa", "Linh", "Nam", "Phúc", "Quân", "Trang",
];

async fn register_birth(
    client: &reqwest::Client,
    url: &str,
    officer: &str,
    signer: &str,
    i: usize,
) -> i64 {
    let dob =
        (tuphap_core::dates::vn_today() - time::Duration::days(1 + i as i64 % 40)).to_string();
    let body = json!({
        "child": {"full_name": format!("Phạm {} {}", NAMES[i % 12], NAMES[(i / 12) % 12]),
                  "sex": if i.is_multiple_of(2) { "male" } else { "female" }, "date_of_birth": dob,
                  "place_of_birth": {"admin_unit_code": "00004", "detail": "Bệnh viện Phụ sản Hà Nội"},
                  "ethnicity_code": "01", "nationality_code": "VN"},
        "mother": {"full_name": "Trần Thị Mai", "date_of_birth": "1995-03-14",
                   "ethnicity_code": "01", "nationality_code": "VN",
                   "residence": {"admin_unit_code": "00004"}},
        "declarant": {"full_name": "Trần Thị Mai", "relationship": "mẹ"}
    });
    let r = client
        .post(format!("{url}/api/v1/civil/births"))
        .bearer_auth(officer)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let r = client
        .post(format!("{url}/api/v1/civil/records/{id}/register"))
        .bearer_auth(signer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    id
}

async fn sim_stats(client: &reqwest::Client, sim: &str) -> Value {
    client
        .get(format!("{sim}/sim/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn linked_killed_and_restarted(t: Target) {
    let e = if t.database_url.is_some() {
        "postgres"
    } else {
        "sqlite"
    };
    for (user, role) in [("canbo.badinh", "officer"), ("lanhdao.badinh", "signer")] {
        let o = t.add_user(user, role, "00004");
        assert!(o.status.success(), "{}", text(&o));
    }
    // Partners answer slowly, so that messages are in flight when the server dies.
    let state = t.dir.path().join("sim-state.json");
    let sim = start_sim(&["--latency-ms", "150", "--state", state.to_str().unwrap()]);
    let mut server = start_server(&t, &["--partners", &sim.url]);
    let client = reqwest::Client::new();
    let officer = token(&client, &server.url, "canbo.badinh").await;
    let signer = token(&client, &server.url, "lanhdao.badinh").await;
    const N: usize = 30;
    let mut ids = Vec::new();
    for i in 0..N {
        ids.push(register_birth(&client, &server.url, &officer, &signer, i).await);
    }
    // Kill -9 while the partners are still being called.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let s = sim_stats(&client, &sim.url).await;
        if s["requests"].as_u64().unwrap() >= 5 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{e}: no request reached the partners"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let at_kill = sim_stats(&client, &sim.url).await;
    assert!(
        at_kill["effective"].as_u64().unwrap() < 3 * N as u64,
        "{e}: everything was done before the kill: {at_kill}"
    );

    let server = start_server(&t, &["--partners", &sim.url]);
    let officer = token(&client, &server.url, "canbo.badinh").await;
    let deadline = Instant::now() + Duration::from_secs(120);
    for id in &ids {
        loop {
            let st: Value = client
                .get(format!("{}/api/v1/civil/records/{id}/linked", server.url))
                .bearer_auth(&officer)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if st.as_array().unwrap().iter().all(|s| s["state"] == "done") {
                break;
            }
            assert!(Instant::now() < deadline, "{e}: record {id}: {st:#}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    drop(server);

    // Nothing applied twice by the partners: one effect per birth and step; requests cut off
    // by the kill were sent again under the same X-Road-Id and answered from the first answer.
    let s = sim_stats(&client, &sim.url).await;
    for service in [
        "assignPersonalId",
        "registerPermanentResidence",
        "issueHealthInsuranceCard",
    ] {
        assert_eq!(
            s["services"][service]["effective"].as_u64(),
            Some(N as u64),
            "{e}: {service}: {s}"
        );
    }
    // Nothing lost or applied twice here: every child has its own number, each assigned once
    // (one audit entry), no dead letter.
    let store = open_target(&t).await;
    let mut pids = HashSet::new();
    for id in &ids {
        let r = store.record_by_id(*id).await.unwrap().unwrap();
        let p = store
            .person_by_id(r.subject_person_id)
            .await
            .unwrap()
            .unwrap();
        pids.insert(p.personal_id.expect("a personal ID"));
        let assigned = store
            .audit_entries_of_target("person", &p.id.to_string(), None, 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|a| a.action == "civil.personal_id_assigned")
            .count();
        assert_eq!(assigned, 1, "{e}: person {}", p.id);
        assert_eq!(store.partner_ids_of(p.id).await.unwrap().len(), 2, "{e}");
    }
    assert_eq!(pids.len(), N, "{e}");
    assert!(
        store.dead_letters(None, 10).await.unwrap().is_empty(),
        "{e}"
    );
    store.close().await;
    for verify in [["audit", "verify"], ["exchange", "verify"]] {
        let o = t.run(&verify, "");
        assert!(o.status.success(), "{e}: {verify:?}: {}", text(&o));
    }
}

#[tokio::test]
async fn linked_procedures_survive_kill_9_sqlite() {
    linked_killed_and_restarted(Target::sqlite()).await;
}

#[tokio::test]
async fn linked_procedures_survive_kill_9_postgres() {
    let Some(t) = Target::postgres().await else {
        eprintln!("PostgreSQL not available: skipped");
        return;
    };
    linked_killed_and_restarted(t).await;
}
