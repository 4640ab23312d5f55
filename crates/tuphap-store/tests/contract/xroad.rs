//! Exchange members (migration 0014): members, client keys with rotation and revocation, access
//! rights, and the first answer per (client, X-Road-Id).

use tuphap_store::StoreError;
use tuphap_store::xroad::{AccessRightRow, ClientKeyRow, InboundRow, MemberRow};

use crate::Harness;

const A: &str = "VN/GOV/000.00.00.G01/BHXH";
const B: &str = "VN/GOV/000.00.00.H26/MOTCUA";

fn member(id: &str, rate: i64) -> MemberRow {
    MemberRow {
        client_id: id.into(),
        name: format!("Hệ thống {id}"),
        enabled: true,
        rate_limit_per_minute: rate,
        created_at: 1_000,
    }
}

fn key(id: &str, client: &str, at: i64) -> ClientKeyRow {
    ClientKeyRow {
        key_id: id.into(),
        client_id: client.into(),
        secret_sha256: format!("hash-of-{id}"),
        created_at: at,
        expires_at: None,
        revoked_at: None,
    }
}

async fn members_keys_and_rights(h: Harness) {
    let s = &h.store;
    let mut tx = s.begin().await.unwrap();
    tx.xroad_member_insert(&member(A, 600)).await.unwrap();
    tx.xroad_member_insert(&member(B, 60)).await.unwrap();
    tx.commit().await.unwrap();
    // A client id is registered once.
    let mut tx = s.begin().await.unwrap();
    let again = tx.xroad_member_insert(&member(A, 1)).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    drop(tx);
    let all = s.xroad_members().await.unwrap();
    assert_eq!(
        all.iter().map(|m| m.client_id.as_str()).collect::<Vec<_>>(),
        [A, B]
    );
    assert_eq!(s.xroad_member(A).await.unwrap().unwrap(), member(A, 600));
    let mut off = member(B, 30);
    off.enabled = false;
    let mut tx = s.begin().await.unwrap();
    assert!(tx.xroad_member_update(&off).await.unwrap());
    assert!(
        !tx.xroad_member_update(&member("VN/GOV/X/Y", 1))
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
    assert_eq!(s.xroad_member(B).await.unwrap().unwrap(), off);

    // Keys: rotation gives the usable older keys an expiry; a revoked key stays revoked.
    let mut tx = s.begin().await.unwrap();
    tx.xroad_key_insert(&key("k1", A, 10)).await.unwrap();
    tx.xroad_key_insert(&key("k2", A, 20)).await.unwrap();
    assert!(tx.xroad_key_revoke(A, "k2", 25).await.unwrap());
    assert!(
        !tx.xroad_key_revoke(A, "k2", 26).await.unwrap(),
        "already revoked"
    );
    assert!(
        !tx.xroad_key_revoke(B, "k1", 26).await.unwrap(),
        "not B's key"
    );
    let rotated = tx.xroad_keys_expire(A, 1_000).await.unwrap();
    assert_eq!(rotated, ["k1"]);
    tx.xroad_key_insert(&key("k3", A, 30)).await.unwrap();
    tx.commit().await.unwrap();
    let k1 = s.xroad_key("k1").await.unwrap().unwrap();
    assert_eq!(k1.expires_at, Some(1_000));
    assert!(k1.valid_at(999) && !k1.valid_at(1_000));
    let k2 = s.xroad_key("k2").await.unwrap().unwrap();
    assert_eq!((k2.revoked_at, k2.valid_at(0)), (Some(25), false));
    let keys = s.xroad_keys_of(A).await.unwrap();
    assert_eq!(
        keys.iter().map(|k| k.key_id.as_str()).collect::<Vec<_>>(),
        ["k3", "k2", "k1"]
    );
    // A second rotation with a later end does not extend k1.
    let mut tx = s.begin().await.unwrap();
    assert_eq!(tx.xroad_keys_expire(A, 5_000).await.unwrap(), ["k3"]);
    tx.commit().await.unwrap();
    assert_eq!(
        s.xroad_key("k1").await.unwrap().unwrap().expires_at,
        Some(1_000)
    );
    // A key of an unknown member is refused by the foreign key.
    let mut tx = s.begin().await.unwrap();
    assert!(
        tx.xroad_key_insert(&key("k9", "VN/GOV/X/Y", 1))
            .await
            .is_err()
    );
    drop(tx);

    // Rights: deny by default (none), upsert replaces fields, delete removes.
    assert!(s.xroad_rights_of(A).await.unwrap().is_empty());
    let right = AccessRightRow {
        client_id: A.into(),
        service_code: "getCivilStatus".into(),
        endpoint: "*".into(),
        fields: "full_name,marital_status".into(),
        granted_by: "quantri".into(),
        granted_at: 100,
    };
    let mut tx = s.begin().await.unwrap();
    tx.xroad_right_upsert(&right).await.unwrap();
    tx.xroad_right_upsert(&AccessRightRow {
        fields: "full_name".into(),
        granted_at: 200,
        ..right.clone()
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let rights = s.xroad_rights_of(A).await.unwrap();
    assert_eq!(rights.len(), 1);
    assert_eq!(rights[0].field_list(), ["full_name"]);
    assert_eq!(rights[0].granted_at, 200);
    assert!(s.xroad_rights_of(B).await.unwrap().is_empty());
    let mut tx = s.begin().await.unwrap();
    assert!(
        tx.xroad_right_delete(A, "getCivilStatus", "*")
            .await
            .unwrap()
    );
    assert!(
        !tx.xroad_right_delete(A, "getCivilStatus", "*")
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
    assert!(s.xroad_rights_of(A).await.unwrap().is_empty());
}
contract!(members_keys_and_rights);

async fn inbound_first_answer_is_kept(h: Harness) {
    let s = &h.store;
    let row = InboundRow {
        client_id: A.into(),
        message_id: "m-1".into(),
        service_code: "getCivilStatus".into(),
        request_hash: "h1".into(),
        status: 200,
        body: r#"{"a":1}"#.into(),
        created_at: 5,
    };
    let mut tx = s.begin().await.unwrap();
    assert!(tx.xroad_inbound_insert(&row).await.unwrap());
    // A second answer for the same (client, id) is not written.
    assert!(
        !tx.xroad_inbound_insert(&InboundRow {
            body: r#"{"a":2}"#.into(),
            ..row.clone()
        })
        .await
        .unwrap()
    );
    // Another client may use the same id.
    assert!(
        tx.xroad_inbound_insert(&InboundRow {
            client_id: B.into(),
            ..row.clone()
        })
        .await
        .unwrap()
    );
    tx.commit().await.unwrap();
    assert_eq!(s.xroad_inbound(A, "m-1").await.unwrap().unwrap(), row);

    // Claim (status 0), then complete; a released claim frees the id.
    let claim = InboundRow {
        message_id: "m-2".into(),
        status: 0,
        body: String::new(),
        ..row.clone()
    };
    let mut tx = s.begin().await.unwrap();
    assert!(tx.xroad_inbound_insert(&claim).await.unwrap());
    assert!(
        tx.xroad_inbound_complete(A, "m-2", 200, "{}")
            .await
            .unwrap()
    );
    assert!(
        !tx.xroad_inbound_complete(A, "m-2", 400, "{}")
            .await
            .unwrap(),
        "completed once"
    );
    let claim3 = InboundRow {
        message_id: "m-3".into(),
        ..claim.clone()
    };
    assert!(tx.xroad_inbound_insert(&claim3).await.unwrap());
    tx.xroad_inbound_release(A, "m-3").await.unwrap();
    // Releasing never drops an answered request.
    tx.xroad_inbound_release(A, "m-2").await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        s.xroad_inbound(A, "m-2").await.unwrap().unwrap().status,
        200
    );
    assert!(s.xroad_inbound(A, "m-3").await.unwrap().is_none());

    // Concurrent first answers: exactly one is kept.
    let mut tasks = Vec::new();
    for i in 0..8 {
        let s = s.clone();
        let r = InboundRow {
            message_id: "m-race".into(),
            body: format!("{{\"n\":{i}}}"),
            ..row.clone()
        };
        tasks.push(tokio::spawn(async move {
            let mut tx = s.begin().await.unwrap();
            let fresh = tx.xroad_inbound_insert(&r).await.unwrap();
            tx.commit().await.unwrap();
            fresh
        }));
    }
    let mut won = 0;
    for t in tasks {
        if t.await.unwrap() {
            won += 1;
        }
    }
    assert_eq!(won, 1);
}
contract!(inbound_first_answer_is_kept);
