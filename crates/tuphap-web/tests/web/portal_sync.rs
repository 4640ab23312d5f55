//! Dossier status sync to the national public-service portal (issue 7, item 5) end to end over
//! real HTTP: the app, the portal simulator (`tuphap-sim`, `syncDossierStatus`, on 127.0.0.1:0
//! with its state file) and the exchange's delivery workers, on both engines. The portal is
//! down while the dossier moves, then up: it ends with every transition in order, each once.

use std::time::Duration;

use serde_json::Value;
use tokio::sync::watch;

use tuphap_domain::RequestMeta;
use tuphap_domain::online::dossier::DossierParty;
use tuphap_domain::online::portal_sync::{PORTAL, SYNC_SERVICE};
use tuphap_exchange::dispatch::{DispatchConfig, Dispatcher};
use tuphap_sim::{Sim, SimConfig};
use tuphap_store::exchange::RetryPolicy;
use tuphap_store::now_utc;

use crate::api_civil::actors;
use crate::dossier_public::{AN, AN_NAME, citizen_client, dossier_officer, submit};
use crate::support::{TestApp, spawn_apps};

fn start_workers(app: &TestApp) -> watch::Sender<bool> {
    let config = DispatchConfig {
        workers: 2,
        idle_wait: Duration::from_millis(50),
        request_timeout: Duration::from_secs(5),
        policy: RetryPolicy {
            base: Duration::from_millis(20),
            cap: Duration::from_millis(200),
            max_attempts: 10_000,
        },
        ..DispatchConfig::default()
    };
    let (stop, stopped) = watch::channel(false);
    drop(
        Dispatcher::new(app.app.clone(), config)
            .unwrap()
            .spawn(stopped),
    );
    stop
}

/// The portal's history of a dossier, from the simulator's state file.
fn portal_history(state_file: &std::path::Path, code: &str) -> Vec<Value> {
    let Ok(text) = std::fs::read_to_string(state_file) else {
        return Vec::new();
    };
    let v: Value = serde_json::from_str(&text).unwrap();
    v["portal"]["dossiers"][code]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn every_dossier_transition_reaches_the_portal_once_and_in_order_after_an_outage_on_every_engine()
 {
    for app in spawn_apps().await {
        let e = app.engine.as_str();
        let dir = tuphap_testkit::temp_dir();
        let state_file = dir.path().join("sim-state.json");
        let sim = Sim::open(SimConfig {
            state_file: Some(state_file.clone()),
            down: true,
            ..SimConfig::default()
        })
        .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (_stop_sim, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(tuphap_sim::serve(listener, sim.clone(), async {
            let _ = rx.await;
        }));

        let a = actors(&app).await;
        let officer = dossier_officer(&app, &a).await;
        // Filed before the subscription: not sent.
        let before = submit(&app, &officer).await;
        app.app.subscribe_portal_sync(&url).await.unwrap();
        app.app.subscribe_portal_sync(&url).await.unwrap(); // idempotent
        let sub = app
            .store
            .subscription(PORTAL, SYNC_SERVICE)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            sub.endpoint_url,
            format!("{url}/r1/VN/GOV/VPCP/DVCQG/syncDossierStatus")
        );
        let stop = start_workers(&app);

        let meta = RequestMeta::default();
        let code = submit(&app, &officer).await;
        app.app
            .accept_dossier(&officer, &meta, &code, now_utc())
            .await
            .unwrap();
        app.app
            .request_dossier_supplement(
                &officer,
                &meta,
                &code,
                &["Giấy chứng nhận kết hôn".to_string()],
                now_utc(),
            )
            .await
            .unwrap();
        app.app
            .answer_dossier_supplement(
                DossierParty::Citizen { personal_id: AN },
                &meta,
                &code,
                now_utc(),
            )
            .await
            .unwrap();
        app.app
            .complete_dossier(&officer, &meta, &code, None, true, now_utc())
            .await
            .unwrap();
        app.app
            .return_dossier_result(&officer, &meta, &code, now_utc())
            .await
            .unwrap();
        // A rating changes no status: not sent.
        let citizen = citizen_client(&app, AN, AN_NAME).await;
        let r = citizen
            .post(
                &app,
                &format!("/citizen/dossiers/{code}/rating"),
                &[
                    ("csrf", citizen.csrf.as_str()),
                    ("score", "5"),
                    ("comment", ""),
                ],
            )
            .await;
        assert_eq!(r.status(), 303, "{e}");

        // The portal is down: the workers knock, nothing is recorded there.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while sim.stats().requests == 0 {
            assert!(tokio::time::Instant::now() < deadline, "{e}: no attempt");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(sim.stats().effective, 0, "{e}");
        let up = app
            .client
            .post(format!("{url}/sim/up"))
            .send()
            .await
            .unwrap();
        assert!(up.status().is_success());

        let key = format!("dossier/{code}");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            let msgs = app.store.outbox_for_ordering_key(&key, 100).await.unwrap();
            if msgs.len() == 6 && msgs.iter().all(|m| m.status == "delivered") {
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{e}: not delivered: {msgs:#?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let history = portal_history(&state_file, &code);
        let statuses: Vec<&str> = history
            .iter()
            .map(|h| h["status"].as_str().unwrap())
            .collect();
        assert_eq!(
            statuses,
            [
                "submitted",
                "received",
                "supplement_requested",
                "processing",
                "processed",
                "result_returned"
            ],
            "{e}: every transition, in order, once"
        );
        assert_eq!(history[0]["procedure_code"], "BTP-HT-BSTL", "{e}");
        assert!(history[1]["due_on"].is_string(), "{e}: {history:?}");
        assert!(
            portal_history(&state_file, &before).is_empty(),
            "{e}: filed before the link"
        );
        let stats = sim.stats();
        assert_eq!(stats.services[SYNC_SERVICE].effective, 6, "{e}: {stats:?}");
        assert!(
            app.store.dead_letters(None, 10).await.unwrap().is_empty(),
            "{e}: dead letters"
        );
        // Nothing personal went to the portal.
        for m in app.store.outbox_for_ordering_key(&key, 100).await.unwrap() {
            assert!(!m.request_body.unwrap_or_default().contains(AN), "{e}");
        }
        let _ = stop.send(true);
    }
}
