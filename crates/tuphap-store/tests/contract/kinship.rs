//! The parents a marriage's kinship check sees (`parents_of`): birth parents from registered
//! births, and adoptive parents from registered adoptions — also once the adoption has ended,
//! since "người đã từng là cha, mẹ nuôi" may not marry the child (Luật Hôn nhân và gia đình
//! 2014, Điều 5 khoản 2 điểm d). A declared (unsigned) adoption does not count.

use time::macros::date;
use tuphap_store::civil::NewRecord;

use crate::Harness;
use crate::person_merge::{office_and_user, person, registered};

async fn adoptive_parents_count_for_kinship(h: Harness) {
    let ou = office_and_user(&h).await;
    let mut tx = h.store.begin().await.unwrap();
    let child = tx
        .person_insert(&person(
            "Lê Thị Ngọc",
            None,
            "female",
            Some(date!(2020 - 01 - 01)),
        ))
        .await
        .unwrap();
    let mother = tx
        .person_insert(&person("Lê Thị Hồng", None, "female", None))
        .await
        .unwrap();
    let adoptive = tx
        .person_insert(&person("Phạm Văn Hải", Some("001080002222"), "male", None))
        .await
        .unwrap();
    let other = tx
        .person_insert(&person("Vũ Thị Thu", Some("001182005555"), "female", None))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let on = date!(2026 - 01 - 10);
    let birth = registered(&h, ou, "birth", on, &[("child", child), ("mother", mother)]).await;
    let adoption = registered(
        &h,
        ou,
        "adoption",
        on,
        &[("child", child), ("adoptive_father", adoptive)],
    )
    .await;
    // Registering the adoption links the adoptive father to the birth record too: he is still
    // one parent, read from the adoption.
    let mut tx = h.store.begin().await.unwrap();
    tx.record_link_person(birth, "adoptive_father", adoptive)
        .await
        .unwrap();
    // A declared, unsigned adoption by someone else.
    tx.record_insert(&NewRecord {
        target_record_id: None,
        kind: "adoption".into(),
        office_id: ou.0,
        unit_code: Some("00004".into()),
        event_date: on,
        subject_person_id: child,
        subject_name_folded: "le thi ngoc".into(),
        late: false,
        declared_by: ou.1,
        data: "{}".into(),
        persons: vec![("child".into(), child), ("adoptive_mother".into(), other)],
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let mut parents: Vec<(i64, String)> = h
        .store
        .parents_of(child)
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.parent_id, p.role))
        .collect();
    parents.sort();
    let mut expected = vec![
        (mother, "mother".to_string()),
        (adoptive, "adoptive_father".to_string()),
    ];
    expected.sort();
    assert_eq!(parents, expected, "{:?}", h.engine);

    // Ended: the birth record loses the adoptive link, the adoption record keeps it.
    let mut tx = h.store.begin().await.unwrap();
    assert_eq!(
        tx.record_unlink_role(birth, "adoptive_father")
            .await
            .unwrap(),
        1
    );
    tx.commit().await.unwrap();
    let still: Vec<i64> = h
        .store
        .parents_of(child)
        .await
        .unwrap()
        .into_iter()
        .filter(|p| p.role == "adoptive_father")
        .map(|p| p.parent_id)
        .collect();
    assert_eq!(
        still,
        vec![adoptive],
        "{:?} (adoption {adoption})",
        h.engine
    );
}

contract!(adoptive_parents_count_for_kinship);
