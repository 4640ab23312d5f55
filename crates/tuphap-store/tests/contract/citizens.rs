//! Citizen login (migration 0017): logins in progress are taken once, expired ones are swept,
//! citizen sessions are found by token hash and revoked; token hashes are unique.

use tuphap_store::citizens::{CitizenLogin, CitizenSession};

use crate::Harness;

fn login(hash: &str, expires_at: i64) -> CitizenLogin {
    CitizenLogin {
        login_hash: hash.into(),
        state: format!("state-{hash}"),
        nonce: format!("nonce-{hash}"),
        code_verifier: "v".repeat(43),
        created_at: expires_at - 600_000_000,
        expires_at,
    }
}

fn session(hash: &str) -> CitizenSession {
    CitizenSession {
        id: 0,
        token_hash: hash.into(),
        personal_id: "001090012345".into(),
        full_name: "Nguyễn Văn An".into(),
        birthdate: Some("1990-03-15".into()),
        gender: Some("male".into()),
        issuer: "http://idp".into(),
        csrf_token: "csrf".into(),
        created_at: 1_000,
        expires_at: 2_000,
        revoked_at: None,
    }
}

contract!(citizen_logins_and_sessions);
async fn citizen_logins_and_sessions(h: Harness) {
    let s = &h.store;
    let mut tx = s.begin().await.unwrap();
    tx.citizen_login_insert(&login("old", 100), 50)
        .await
        .unwrap();
    tx.citizen_login_insert(&login("a", 10_000), 50)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // A later insert sweeps logins expired before its `now`.
    let mut tx = s.begin().await.unwrap();
    tx.citizen_login_insert(&login("b", 10_000), 5_000)
        .await
        .unwrap();
    assert!(tx.citizen_login_take("old").await.unwrap().is_none());
    // Taken once.
    let a = tx.citizen_login_take("a").await.unwrap().unwrap();
    assert_eq!(a, login("a", 10_000));
    assert!(tx.citizen_login_take("a").await.unwrap().is_none());
    tx.commit().await.unwrap();

    let mut tx = s.begin().await.unwrap();
    let id = tx.citizen_session_insert(&session("h1")).await.unwrap();
    let id2 = tx.citizen_session_insert(&session("h2")).await.unwrap();
    assert_ne!(id, id2);
    tx.commit().await.unwrap();
    let mut tx = s.begin().await.unwrap();
    assert!(
        tx.citizen_session_insert(&session("h1")).await.is_err(),
        "token hash unique"
    );
    drop(tx);
    let got = s
        .citizen_session_by_token_hash("h1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        got,
        CitizenSession {
            id,
            ..session("h1")
        }
    );
    let mut tx = s.begin().await.unwrap();
    tx.citizen_session_revoke(id, 1_500).await.unwrap();
    tx.commit().await.unwrap();
    let got = s
        .citizen_session_by_token_hash("h1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.revoked_at, Some(1_500));
    assert!(
        s.citizen_session_by_token_hash("nope")
            .await
            .unwrap()
            .is_none()
    );
}
