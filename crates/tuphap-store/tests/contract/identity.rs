//! Offices, users and sessions.

use tuphap_store::StoreError;
use tuphap_store::identity::{NewOffice, NewSession, NewUser};

use crate::Harness;

fn office(code: &str) -> NewOffice {
    NewOffice {
        code: code.into(),
        kind: "commune".into(),
        name: format!("UBND {code}"),
        unit_code: Some(code.into()),
        unit_level: Some("commune".into()),
        unit_valid_from: Some(time::macros::date!(2025 - 07 - 01)),
        province_code: Some("01".into()),
    }
}

fn user(name: &str, office_id: i64) -> NewUser {
    NewUser {
        username: name.into(),
        display_name: "Nguyễn Thị Hương".into(),
        role: "officer".into(),
        office_id,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$x$y".into(),
    }
}

async fn offices_users_sessions(h: Harness) {
    let s = &h.store;
    let mut tx = s.begin().await.unwrap();
    let (o, created) = tx.office_get_or_create(&office("00004")).await.unwrap();
    assert!(created);
    let (o2, created2) = tx.office_get_or_create(&office("00004")).await.unwrap();
    assert!(!created2);
    assert_eq!(o.id, o2.id);
    let uid = tx.user_insert(&user("canbo", o.id)).await.unwrap();
    tx.commit().await.unwrap();

    // Unique username: a conflict, and the failed transaction leaves nothing behind.
    let mut tx = s.begin().await.unwrap();
    tx.office_get_or_create(&office("00007")).await.unwrap();
    let err = tx.user_insert(&user("canbo", o.id)).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    drop(tx);
    assert!(s.office_by_code("00007").await.unwrap().is_none());
    assert_eq!(s.user_count().await.unwrap(), 1);

    let u = s.user_by_username("canbo").await.unwrap().unwrap();
    assert_eq!(u.id, uid);
    assert_eq!(u.display_name, "Nguyễn Thị Hương");
    assert!(u.active);
    assert_eq!(u.failed_attempts, 0);

    let until = tuphap_store::now_utc() + time::Duration::minutes(2);
    let mut tx = s.begin().await.unwrap();
    let fresh = tx.user_for_update("canbo").await.unwrap().unwrap();
    tx.user_set_login_state(fresh.id, 5, Some(until))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let u = s.user_by_id(uid).await.unwrap().unwrap();
    assert_eq!(u.failed_attempts, 5);
    assert_eq!(u.locked_until, Some(until));

    let mut tx = s.begin().await.unwrap();
    let sid = tx
        .session_insert(&NewSession {
            token_hash: "h1".into(),
            user_id: uid,
            kind: "api".into(),
            csrf_token: "c".into(),
            expires_at: until,
            source_ip: Some("127.0.0.1".into()),
            user_agent: None,
        })
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let sess = s.session_by_token_hash("h1").await.unwrap().unwrap();
    assert_eq!(sess.session_id, sid);
    assert_eq!(sess.username, "canbo");
    assert_eq!(sess.office_code, "00004");
    assert_eq!(sess.expires_at, until);
    assert!(sess.revoked_at.is_none());
    let mut tx = s.begin().await.unwrap();
    assert!(tx.session_revoke(sid).await.unwrap());
    assert!(!tx.session_revoke(sid).await.unwrap());
    tx.commit().await.unwrap();
    assert!(
        s.session_by_token_hash("h1")
            .await
            .unwrap()
            .unwrap()
            .revoked_at
            .is_some()
    );
    assert!(s.session_by_token_hash("nope").await.unwrap().is_none());
}
contract!(offices_users_sessions);
