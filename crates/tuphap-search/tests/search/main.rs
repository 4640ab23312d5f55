//! The search projection against a real SQLite store: folding, tone placement, exact-first
//! ranking, personal ID and register number lookups, filters, scope, resuming catch-up, rebuild.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use time::Date;
use time::macros::date;
use tuphap_search::{SearchIndex, SearchQuery, SearchResults, SearchScope};
use tuphap_store::civil::{NewPerson, NewRecord};
use tuphap_store::identity::{NewOffice, NewUser};
use tuphap_store::{NewChange, Store};

struct Harness {
    store: Store,
    _dir: tempfile::TempDir,
    /// Office of commune 00004 (Hà Nội, province 01) and its user.
    a: (i64, i64),
    /// Office of another province's commune.
    b: (i64, i64),
}

async fn office_and_user(store: &Store, code: &str, province: &str) -> (i64, i64) {
    let mut tx = store.begin().await.unwrap();
    let (o, _) = tx
        .office_get_or_create(&NewOffice {
            code: code.into(),
            kind: "commune".into(),
            name: format!("UBND {code}"),
            unit_code: Some(code.into()),
            unit_level: Some("commune".into()),
            unit_valid_from: None,
            province_code: Some(province.into()),
        })
        .await
        .unwrap();
    let u = tx
        .user_insert(&NewUser {
            username: format!("u{code}"),
            display_name: "Cán bộ".into(),
            role: "signer".into(),
            office_id: o.id,
            password_hash: "x".into(),
        })
        .await
        .unwrap();
    tx.commit().await.unwrap();
    (o.id, u)
}

async fn harness() -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(&dir.path().join("db.sqlite"))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    store.load_reference_data().await.unwrap();
    let a = office_and_user(&store, "00004", "01").await;
    let b = office_and_user(&store, "26734", "79").await;
    Harness {
        store,
        _dir: dir,
        a,
        b,
    }
}

fn person(name: &str, sex: &str, pid: Option<&str>, dob: Option<Date>) -> NewPerson {
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

struct Birth<'a> {
    child: &'a str,
    sex: &'a str,
    pid: Option<&'a str>,
    dob: Date,
    mother: &'a str,
    father: &'a str,
}

fn birth<'a>(child: &'a str, dob: Date) -> Birth<'a> {
    Birth {
        child,
        sex: "female",
        pid: None,
        dob,
        mother: "Trần Thị Mai",
        father: "Nguyễn Văn Nam",
    }
}

/// Declares a birth as the domain does: record, persons and a `birth/declared` change.
async fn declare(h: &Harness, (office, user): (i64, i64), b: Birth<'_>) -> i64 {
    let mut tx = h.store.begin().await.unwrap();
    let mother = tx
        .person_insert(&person(b.mother, "female", None, None))
        .await
        .unwrap();
    let father = tx
        .person_insert(&person(b.father, "male", None, None))
        .await
        .unwrap();
    let child = tx
        .person_insert(&person(b.child, b.sex, b.pid, Some(b.dob)))
        .await
        .unwrap();
    let unit = if office == h.a.0 { "00004" } else { "26734" };
    let id = tx
        .record_insert(&NewRecord {
            target_record_id: None,
            kind: "birth".into(),
            office_id: office,
            unit_code: Some(unit.into()),
            event_date: b.dob,
            subject_person_id: child,
            subject_name_folded: tuphap_core::text::fold(b.child),
            late: false,
            declared_by: user,
            data: serde_json::json!({"child": {"full_name": b.child}}).to_string(),
            persons: vec![
                ("child".into(), child),
                ("mother".into(), mother),
                ("father".into(), father),
            ],
        })
        .await
        .unwrap();
    tx.commit_with(&[], &[change(id, "declared", user)])
        .await
        .unwrap();
    id
}

fn change(id: i64, action: &str, user: i64) -> NewChange {
    NewChange {
        entity: "birth".into(),
        entity_id: id.to_string(),
        action: action.into(),
        actor_user_id: Some(user),
        payload: serde_json::json!({}),
    }
}

async fn register(h: &Harness, id: i64, (office, user): (i64, i64)) -> i32 {
    let mut tx = h.store.begin().await.unwrap();
    let n = tx
        .next_register_number(office, "birth", 2026)
        .await
        .unwrap();
    tx.record_set_registered(id, user, date!(2026 - 02 - 01), "01", 2026, n, None)
        .await
        .unwrap();
    tx.commit_with(&[], &[change(id, "registered", user)])
        .await
        .unwrap();
    n
}

fn q(text: &str) -> SearchQuery {
    SearchQuery::new(Some(text), SearchScope::National)
}

fn names(r: &SearchResults) -> Vec<&str> {
    r.items.iter().map(|h| h.full_name.as_str()).collect()
}

/// Three births in commune 00004 and one in 26734.
async fn seeded() -> (Harness, SearchIndex, [i64; 4]) {
    let h = harness().await;
    let huong = declare(&h, h.a, birth("Nguyễn Thị Hương", date!(2026 - 01 - 05))).await;
    let huong2 = declare(&h, h.a, birth("Nguyễn Thị Hường", date!(2025 - 12 - 20))).await;
    let hoa = declare(
        &h,
        h.a,
        Birth {
            sex: "male",
            pid: Some("001226000123"),
            mother: "Lê Thị Thuỷ",
            father: "Đặng Văn Hoà",
            ..birth("Đặng Minh Hoà", date!(2026 - 01 - 10))
        },
    )
    .await;
    let other = declare(&h, h.b, birth("Nguyễn Thị Hương", date!(2024 - 03 - 03))).await;
    let idx = SearchIndex::in_ram().unwrap();
    assert_eq!(idx.catch_up(&h.store).await.unwrap(), 4);
    (h, idx, [huong, huong2, hoa, other])
}

#[tokio::test]
async fn folded_query_finds_accented_names() {
    let (_h, idx, [huong, huong2, _, other]) = seeded().await;
    let r = idx.search(&q("nguyen thi huong")).unwrap();
    assert_eq!(r.total, 3);
    let mut ids: Vec<i64> = r.items.iter().map(|h| h.id).collect();
    ids.sort();
    assert_eq!(ids, vec![huong, huong2, other]);
    // Upper case, NFD input and đ/Đ fold too.
    let nfd = "NGUYÊ\u{0303}N THI\u{0323} HƯƠNG";
    assert_eq!(idx.search(&q(nfd)).unwrap().total, 3);
    let r = idx.search(&q("dang minh hoa")).unwrap();
    assert_eq!(names(&r), vec!["Đặng Minh Hoà"]);
    assert_eq!(r.items[0].kind, "birth");
    assert_eq!(r.items[0].status, "declared");
    assert_eq!(r.items[0].date, "2026-01-10");
    assert_eq!(r.items[0].unit_code.as_deref(), Some("00004"));
    assert_eq!(idx.search(&q("tran van")).unwrap().total, 0);
}

#[tokio::test]
async fn tone_placement_does_not_matter() {
    let (_h, idx, [_, _, hoa, _]) = seeded().await;
    for text in ["Hoà", "Hòa", "Đặng Minh Hòa", "HOÀ"] {
        let r = idx.search(&q(text)).unwrap();
        assert_eq!(r.items.len(), 1, "{text}");
        assert_eq!(r.items[0].id, hoa, "{text}");
        // The exact field matched too: boosted above a folded-only match.
        let folded = idx.search(&q("hoa")).unwrap();
        assert!(r.items[0].score > folded.items[0].score, "{text}");
    }
}

#[tokio::test]
async fn exact_accents_rank_first() {
    let (_h, idx, [huong, huong2, _, other]) = seeded().await;
    let r = idx.search(&q("Hương")).unwrap();
    assert_eq!(r.total, 3);
    let top: Vec<i64> = r.items.iter().take(2).map(|h| h.id).collect();
    assert!(top.contains(&huong) && top.contains(&other), "{r:?}");
    assert_eq!(r.items[2].id, huong2);
    assert!(r.items[1].score > r.items[2].score);
    let r = idx.search(&q("Nguyễn Thị Hường")).unwrap();
    assert_eq!(r.items[0].id, huong2);
    assert_eq!(r.total, 3);
}

#[tokio::test]
async fn personal_id_and_register_number() {
    let (h, idx, [huong, _, hoa, other]) = seeded().await;
    let r = idx.search(&q("001226000123")).unwrap();
    assert_eq!(r.items.iter().map(|h| h.id).collect::<Vec<_>>(), vec![hoa]);
    assert_eq!(idx.search(&q("001 226 000 123")).unwrap().total, 1);
    assert_eq!(idx.search(&q("001226000124")).unwrap().total, 0);

    assert_eq!(register(&h, huong, h.a).await, 1);
    assert_eq!(register(&h, other, h.b).await, 1);
    assert_eq!(register(&h, hoa, h.a).await, 2);
    assert_eq!(idx.catch_up(&h.store).await.unwrap(), 3);
    let r = idx.search(&q("2/2026")).unwrap();
    assert_eq!(r.items.len(), 1);
    assert_eq!(r.items[0].id, hoa);
    assert_eq!(r.items[0].status, "registered");
    assert_eq!(r.items[0].register_text.as_deref(), Some("2/2026"));
    // Number 1 exists in both offices; the scope tells them apart.
    assert_eq!(idx.search(&q("01/2026")).unwrap().total, 2);
    let mut mine = q("1/2026");
    mine.scope = SearchScope::Office(h.a.0);
    let r = idx.search(&mine).unwrap();
    assert_eq!(
        r.items.iter().map(|h| h.id).collect::<Vec<_>>(),
        vec![huong]
    );
}

#[tokio::test]
async fn filters() {
    let (_h, idx, [huong, huong2, hoa, other]) = seeded().await;
    let ids = |r: SearchResults| {
        let mut v: Vec<i64> = r.items.iter().map(|h| h.id).collect();
        v.sort();
        v
    };
    let mut f = SearchQuery::new(None, SearchScope::National);
    assert_eq!(idx.search(&f).unwrap().total, 4);
    f.sex = Some("male".into());
    assert_eq!(ids(idx.search(&f).unwrap()), vec![hoa]);
    f.sex = None;
    f.year = Some(2026);
    assert_eq!(ids(idx.search(&f).unwrap()), vec![huong, hoa]);
    f.year = None;
    f.date_from = Some(date!(2025 - 12 - 01));
    f.date_to = Some(date!(2026 - 01 - 05));
    assert_eq!(ids(idx.search(&f).unwrap()), vec![huong, huong2]);
    f.date_from = None;
    f.date_to = None;
    f.unit_code = Some("26734".into());
    assert_eq!(ids(idx.search(&f).unwrap()), vec![other]);
    f.unit_code = None;
    f.mother_name = Some("le thi thuy".into());
    assert_eq!(ids(idx.search(&f).unwrap()), vec![hoa]);
    f.mother_name = None;
    f.father_name = Some("Nguyễn Văn Nam".into());
    f.q = Some("huong".into());
    assert_eq!(ids(idx.search(&f).unwrap()), vec![huong, huong2, other]);
    f.kind = Some("death".into());
    assert_eq!(idx.search(&f).unwrap().total, 0);
    // Paging: total stays, items move.
    let mut p = q("nguyen");
    p.limit = 2;
    let first = idx.search(&p).unwrap();
    p.offset = 2;
    let second = idx.search(&p).unwrap();
    assert_eq!((first.total, first.items.len()), (3, 2));
    assert_eq!((second.total, second.items.len()), (3, 1));
    assert!(!first.items.iter().any(|h| h.id == second.items[0].id));
    p.limit = 1_000;
    p.offset = 0;
    assert_eq!(idx.search(&p).unwrap().items.len(), 3);
}

#[tokio::test]
async fn scope_filters_by_office_and_province() {
    let (h, idx, [huong, huong2, hoa, other]) = seeded().await;
    let ids = |scope: SearchScope| {
        let mut s = SearchQuery::new(None, scope);
        s.limit = 100;
        let mut v: Vec<i64> = idx.search(&s).unwrap().items.iter().map(|h| h.id).collect();
        v.sort();
        v
    };
    assert_eq!(ids(SearchScope::Office(h.a.0)), vec![huong, huong2, hoa]);
    assert_eq!(ids(SearchScope::Office(h.b.0)), vec![other]);
    assert_eq!(
        ids(SearchScope::Province("01".into())),
        vec![huong, huong2, hoa]
    );
    assert_eq!(ids(SearchScope::Province("79".into())), vec![other]);
    assert_eq!(ids(SearchScope::Province("48".into())), Vec::<i64>::new());
    assert_eq!(ids(SearchScope::National).len(), 4);
    let mut s = q("Nguyễn Thị Hương");
    s.scope = SearchScope::Province("79".into());
    let r = idx.search(&s).unwrap();
    assert_eq!(
        r.items.iter().map(|h| h.id).collect::<Vec<_>>(),
        vec![other]
    );
}

#[tokio::test]
async fn catch_up_resumes_from_persisted_seq() {
    let h = harness().await;
    let dir = tempfile::tempdir().unwrap();
    let first = declare(&h, h.a, birth("Phạm Thị Lan", date!(2026 - 01 - 02))).await;
    {
        let idx = SearchIndex::open(dir.path()).unwrap();
        assert_eq!(idx.catch_up(&h.store).await.unwrap(), 1);
        assert_eq!(idx.catch_up(&h.store).await.unwrap(), 0);
        assert_eq!(idx.num_docs(), 1);
    }
    let seq = h.store.last_change_seq().await.unwrap();
    let saved = std::fs::read_to_string(dir.path().join("applied_seq")).unwrap();
    assert_eq!(saved.trim(), seq.to_string());

    let second = declare(&h, h.a, birth("Phạm Thị Lan Anh", date!(2026 - 01 - 03))).await;
    register(&h, first, h.a).await;
    let idx = SearchIndex::open(dir.path()).unwrap();
    assert_eq!(idx.applied_seq().await, seq);
    // Only the two changes after the persisted seq are read.
    assert_eq!(idx.catch_up(&h.store).await.unwrap(), 2);
    assert_eq!(idx.num_docs(), 2, "no duplicates");
    let r = idx.search(&q("pham thi lan")).unwrap();
    assert_eq!(r.total, 2);
    let lan = r.items.iter().find(|x| x.id == first).unwrap();
    assert_eq!(lan.status, "registered");
    assert!(r.items.iter().any(|x| x.id == second));
}

#[tokio::test]
async fn batches_of_a_thousand() {
    let h = harness().await;
    // 1,001 changes for 3 records (re-applied records are upserted, not duplicated).
    let ids = [
        declare(&h, h.a, birth("Võ Thị Sáu", date!(2026 - 01 - 02))).await,
        declare(&h, h.a, birth("Võ Văn Kiệt", date!(2026 - 01 - 03))).await,
        declare(&h, h.a, birth("Võ Nguyên Giáp", date!(2026 - 01 - 04))).await,
    ];
    let tx = h.store.begin().await.unwrap();
    let changes: Vec<NewChange> = (0..998)
        .map(|i| change(ids[i % 3], "touched", h.a.1))
        .collect();
    tx.commit_with(&[], &changes).await.unwrap();
    let idx = SearchIndex::in_ram().unwrap();
    assert_eq!(idx.catch_up(&h.store).await.unwrap(), 1_001);
    assert_eq!(
        idx.applied_seq().await,
        h.store.last_change_seq().await.unwrap()
    );
    assert_eq!(idx.num_docs(), 3);
    assert_eq!(idx.search(&q("vo")).unwrap().total, 3);
}

#[tokio::test]
async fn rebuild_replays_everything() {
    let (h, idx, _) = seeded().await;
    assert_eq!(idx.rebuild(&h.store).await.unwrap(), 4);
    assert_eq!(idx.num_docs(), 4);
    assert_eq!(idx.search(&q("huong")).unwrap().total, 3);
    assert_eq!(
        idx.applied_seq().await,
        h.store.last_change_seq().await.unwrap()
    );
    // A rebuilt index on disk starts over too.
    let dir = tempfile::tempdir().unwrap();
    let disk = SearchIndex::open(dir.path()).unwrap();
    assert_eq!(disk.rebuild(&h.store).await.unwrap(), 4);
    assert_eq!(disk.rebuild(&h.store).await.unwrap(), 4);
}
