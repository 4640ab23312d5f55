//! Person merges: an entry pointed at another is read as that person (events, marriages,
//! parents, deaths, search rows) without moving a link row; one merge in force per entry; what
//! the survivor took (personal ID, facts, a death) is given back on undo.

use time::macros::date;
use tuphap_store::StoreError;
use tuphap_store::civil::{NewPerson, NewRecord};
use tuphap_store::identity::{NewOffice, NewUser};
use tuphap_store::person_merge::NewPersonMerge;

use crate::Harness;

pub(crate) async fn office_and_user(h: &Harness) -> (i64, i64) {
    let mut tx = h.store.begin().await.unwrap();
    let (o, _) = tx
        .office_get_or_create(&NewOffice {
            code: "00004".into(),
            kind: "commune".into(),
            name: "UBND Phường Ba Đình".into(),
            unit_code: Some("00004".into()),
            unit_level: Some("commune".into()),
            unit_valid_from: None,
            province_code: Some("01".into()),
        })
        .await
        .unwrap();
    let u = tx
        .user_insert(&NewUser {
            username: "lanhdao".into(),
            display_name: "Lãnh đạo".into(),
            role: "signer".into(),
            office_id: o.id,
            password_hash: "x".into(),
        })
        .await
        .unwrap();
    tx.commit().await.unwrap();
    (o.id, u)
}

pub(crate) fn person(
    name: &str,
    pid: Option<&str>,
    sex: &str,
    dob: Option<time::Date>,
) -> NewPerson {
    NewPerson {
        personal_id: pid.map(str::to_string),
        full_name: name.into(),
        name_folded: tuphap_core::text::fold(name),
        sex: Some(sex.into()),
        date_of_birth: dob,
        birth_year: dob.map(|d| d.year()),
        ethnicity_code: Some("01".into()),
        nationality_code: Some("VN".into()),
    }
}

/// A registered record of `kind` linking `persons`; returns its id.
pub(crate) async fn registered(
    h: &Harness,
    (office, user): (i64, i64),
    kind: &str,
    on: time::Date,
    persons: &[(&str, i64)],
) -> i64 {
    let mut tx = h.store.begin().await.unwrap();
    let id = tx
        .record_insert(&NewRecord {
            target_record_id: None,
            kind: kind.into(),
            office_id: office,
            unit_code: Some("00004".into()),
            event_date: on,
            subject_person_id: persons[0].1,
            subject_name_folded: "x".into(),
            late: false,
            declared_by: user,
            data: "{}".into(),
            persons: persons.iter().map(|(r, p)| (r.to_string(), *p)).collect(),
        })
        .await
        .unwrap();
    let n = tx.next_register_number(office, kind, 2026).await.unwrap();
    tx.record_set_registered(id, user, on, "01", 2026, n, None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

async fn merged_person_reads_follow_the_survivor(h: Harness) {
    let ou = office_and_user(&h).await;
    let user = ou.1;
    let mut tx = h.store.begin().await.unwrap();
    let mother = tx
        .person_insert(&person("Lê Thị Hoa", None, "female", None))
        .await
        .unwrap();
    // Nam twice: his digitised birth (no ID), his marriage (with ID, no date of birth known).
    let born = tx
        .person_insert(&person(
            "Nguyễn Văn Nam",
            None,
            "male",
            Some(date!(1993 - 07 - 02)),
        ))
        .await
        .unwrap();
    let married = tx
        .person_insert(&person(
            "Nguyễn Văn Nam",
            Some("001093012345"),
            "male",
            None,
        ))
        .await
        .unwrap();
    let mai = tx
        .person_insert(&person(
            "Trần Thị Mai",
            Some("001195012345"),
            "female",
            Some(date!(1995 - 03 - 14)),
        ))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let birth = registered(
        &h,
        ou,
        "birth",
        date!(1993 - 07 - 02),
        &[("child", born), ("mother", mother)],
    )
    .await;
    let marriage = registered(
        &h,
        ou,
        "marriage",
        date!(2020 - 05 - 01),
        &[("husband", married), ("wife", mai)],
    )
    .await;
    let death = registered(
        &h,
        ou,
        "death",
        date!(2026 - 01 - 02),
        &[("deceased", married)],
    )
    .await;
    let mut tx = h.store.begin().await.unwrap();
    tx.person_set_death(married, date!(2026 - 01 - 02), death)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // Before: two people.
    assert!(h.store.marriages_of(born).await.unwrap().is_empty());
    assert_eq!(h.store.person_events(born).await.unwrap().len(), 1);

    // Merge: the survivor takes the ID and the death (it had neither), the entry points at it.
    let new = NewPersonMerge {
        survivor_id: born,
        merged_id: married,
        reason: "Cùng một người".into(),
        merged_by: user,
        personal_id_moved: Some("001093012345".into()),
        sex_taken: None,
        date_of_birth_taken: None,
        birth_year_taken: None,
        date_of_death_taken: Some(date!(2026 - 01 - 02)),
        death_record_id_taken: Some(death),
    };
    let mut tx = h.store.begin().await.unwrap();
    tx.person_move_personal_id(married, born, "001093012345")
        .await
        .unwrap();
    tx.person_fill_identity(born, &new).await.unwrap();
    assert!(tx.person_mark_merged(married, born).await.unwrap());
    assert!(!tx.person_mark_merged(married, born).await.unwrap(), "once");
    let merge_id = tx.person_merge_insert(&new).await.unwrap();
    tx.commit().await.unwrap();

    let s = h.store.person_by_id(born).await.unwrap().unwrap();
    assert_eq!(s.personal_id.as_deref(), Some("001093012345"));
    assert_eq!(s.date_of_death, Some(date!(2026 - 01 - 02)));
    assert_eq!(s.death_record_id, Some(death));
    let m = h.store.person_by_id(married).await.unwrap().unwrap();
    assert_eq!((m.merged_into, m.personal_id), (Some(born), None));
    let by_id = h.store.person_by_personal_id("001093012345").await.unwrap();
    assert_eq!(by_id.map(|p| p.id), Some(born));

    // Events: the survivor's include the merged entry's (named by that entry); the merged
    // entry keeps only its own.
    let events = h.store.person_events(born).await.unwrap();
    let ids: Vec<(i64, i64)> = events.iter().map(|e| (e.record_id, e.person_id)).collect();
    assert_eq!(
        ids,
        vec![(birth, born), (marriage, married), (death, married)]
    );
    assert_eq!(h.store.person_events(married).await.unwrap().len(), 2);
    // The rules read one person from either entry; the spouse sees the survivor.
    for id in [born, married] {
        let ms = h.store.marriages_of(id).await.unwrap();
        assert_eq!(ms.len(), 1);
        assert_eq!((ms[0].record_id, ms[0].spouse_id), (marriage, mai));
        assert_eq!(h.store.deaths_of(id).await.unwrap().len(), 1);
        let parents = h.store.parents_of(id).await.unwrap();
        assert_eq!(
            parents
                .iter()
                .map(|p| (p.child_id, p.parent_id))
                .collect::<Vec<_>>(),
            vec![(id, mother)]
        );
    }
    assert_eq!(h.store.marriages_of(mai).await.unwrap()[0].spouse_id, born);
    // The search rows of the merged entry's records carry the survivor's personal ID.
    let (_, rows) = h.store.records_for_index(marriage, marriage).await.unwrap();
    let husband = rows.iter().find(|r| r.role == "husband").unwrap();
    assert_eq!(
        (husband.person_id, husband.personal_id.as_deref()),
        (married, Some("001093012345"))
    );

    // One merge in force per entry (the partial unique index).
    let mut tx = h.store.begin().await.unwrap();
    let twice = tx.person_merge_insert(&new).await;
    assert!(matches!(twice, Err(StoreError::Conflict(_))), "{twice:?}");
    drop(tx);
    assert_eq!(
        h.store
            .persons_merged_into(born)
            .await
            .unwrap()
            .iter()
            .map(|p| p.id)
            .collect::<Vec<_>>(),
        vec![married]
    );
    assert_eq!(
        h.store.merged_persons().await.unwrap(),
        vec![(married, born)]
    );

    // Undo: everything back, the history kept.
    let mut tx = h.store.begin().await.unwrap();
    let row = tx.person_merge_by_id(merge_id).await.unwrap().unwrap();
    tx.person_restore_taken(&row).await.unwrap();
    assert!(tx.person_unmark_merged(married, born).await.unwrap());
    assert!(
        tx.person_merge_set_undone(merge_id, user, "Nhầm")
            .await
            .unwrap()
    );
    assert!(
        !tx.person_merge_set_undone(merge_id, user, "Nhầm")
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
    let s = h.store.person_by_id(born).await.unwrap().unwrap();
    assert_eq!(
        (s.personal_id, s.date_of_death, s.death_record_id, s.sex),
        (None, None, None, Some("male".into()))
    );
    assert_eq!(s.date_of_birth, Some(date!(1993 - 07 - 02)), "its own kept");
    let m = h.store.person_by_id(married).await.unwrap().unwrap();
    assert_eq!(
        (m.merged_into, m.personal_id.as_deref(), m.death_record_id),
        (None, Some("001093012345"), Some(death))
    );
    assert_eq!(h.store.person_events(born).await.unwrap().len(), 1);
    assert!(h.store.marriages_of(born).await.unwrap().is_empty());
    assert_eq!(
        h.store.marriages_of(mai).await.unwrap()[0].spouse_id,
        married
    );
    let history = h.store.person_merges_of(married).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].undo_reason.as_deref(), Some("Nhầm"));
    assert_eq!(history[0].merged_by_name, "Lãnh đạo");
    assert_eq!(h.store.person_merges_of(born).await.unwrap().len(), 1);
    assert!(h.store.merged_persons().await.unwrap().is_empty());
    // Undone, the entry may be merged again; a death registered under the merged entry is
    // then the survivor's too.
    let mut tx = h.store.begin().await.unwrap();
    tx.person_merge_insert(&new).await.unwrap();
    assert!(tx.person_mark_merged(married, born).await.unwrap());
    tx.person_set_death(married, date!(2026 - 01 - 02), death)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let s = h.store.person_by_id(born).await.unwrap().unwrap();
    assert_eq!(
        (s.date_of_death, s.death_record_id),
        (Some(date!(2026 - 01 - 02)), Some(death))
    );
}
contract!(merged_person_reads_follow_the_survivor);
