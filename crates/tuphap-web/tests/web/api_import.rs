//! The bulk import of legacy records (`App::import_file`, the engine of `tuphap import`): the
//! same rules as a declaration, register books of former communes kept and read by the communes
//! that succeeded them, counters continued, re-runs idempotent. Both engines.

use reqwest::Method;
use serde_json::{Value, json};
use tuphap_core::dates::vn_today;
use tuphap_domain::civil::ImportOptions;

use crate::support::spawn_apps;

fn parent(name: &str, dob: &str, pid: &str, unit: &str) -> Value {
    json!({"full_name": name, "date_of_birth": dob, "personal_id": pid, "ethnicity_code": "01",
           "nationality_code": "VN", "residence": {"admin_unit_code": unit}})
}

fn birth(source: &str, date: &str, number: i64, child: &str, dob: &str, unit: &str) -> Value {
    json!({"source_id": source, "kind": "birth",
           "registration": {"office_unit_code": "00004", "date": date, "number": number, "book": "01"},
           "declaration": {
               "child": {"full_name": child, "sex": "female", "date_of_birth": dob,
                         "place_of_birth": {"admin_unit_code": unit, "detail": "Bệnh viện"},
                         "ethnicity_code": "01", "nationality_code": "VN"},
               "mother": parent("Trần Thị Mai", "1990-05-02", "001190012345", unit),
               "father": parent("Nguyễn Văn Nam", "1988-01-02", "001088012345", unit),
               "declarant": {"full_name": "Trần Thị Mai", "relationship": "mẹ"}}})
}

fn marriage(source: &str, date: &str, number: i64, husband: Value, wife: Value) -> Value {
    json!({"source_id": source, "kind": "marriage",
           "registration": {"office_unit_code": "00004", "date": date, "number": number},
           "declaration": {"husband": husband, "wife": wife}})
}

fn death(source: &str, date: &str, number: i64, dod: &str) -> Value {
    json!({"source_id": source, "kind": "death",
           "registration": {"office_unit_code": "00004", "date": date, "number": number},
           "declaration": {
               "deceased": {"personal_id": "001088012345", "full_name": "Nguyễn Văn Nam", "sex": "male",
                            "date_of_birth": "1988-01-02", "residence": {"admin_unit_code": "00004"}},
               "date_of_death": dod, "place_of_death": {"admin_unit_code": "00004"},
               "declarant": {"full_name": "Trần Thị Mai", "relationship": "vợ"}}})
}

#[tokio::test]
async fn import_applies_the_registry_rules_and_keeps_former_communes_books() {
    for app in spawn_apps().await {
        let e = app.engine.as_str();
        let nam = parent("Nguyễn Văn Nam", "1988-01-02", "001088012345", "00004");
        let mai = parent("Trần Thị Mai", "1990-05-02", "001190012345", "00004");
        let lan = parent("Lê Thị Lan", "1992-05-02", "001192000777", "00004");
        let this_year = vn_today().year();
        let recent = (vn_today() - time::Duration::days(20)).to_string();
        let mut rows = vec![
            // 1: a birth registered in 2019 by Phường Trúc Bạch (00004 before the reform).
            birth(
                "HT-1",
                "2019-03-12",
                1,
                "Nguyễn Thị Hương",
                "2019-03-01",
                "00004",
            ),
            // 2: the parents marry.
            marriage("HT-2", "2019-06-01", 1, nam.clone(), mai.clone()),
            // 3: Nam marries again while married (HN&GĐ 2014, Điều 5.2c).
            marriage("HT-3", "2019-07-01", 2, nam.clone(), lan.clone()),
            // 4: Nam dies; 5: declared dead again (Luật Hộ tịch 2014, Điều 34.2).
            death("HT-4", "2020-01-10", 1, "2020-01-05"),
            death("HT-5", "2020-02-10", 2, "2020-01-05"),
            // 6: a widow may marry again.
            marriage(
                "HT-6",
                "2021-03-01",
                1,
                parent("Phạm Văn Đức", "1985-02-03", "001085000555", "00004"),
                mai.clone(),
            ),
            // 7: parents living in Phúc Xá (00001): Trúc Bạch is not competent (LHT Điều 13).
            birth(
                "HT-7",
                "2019-04-01",
                2,
                "Lê Minh Anh",
                "2019-03-20",
                "00001",
            ),
            // 8: register number 1 of the 2019 birth book is taken.
            birth("HT-8", "2019-05-01", 1, "Đỗ Thị Hoa", "2019-04-20", "00004"),
            // 9: the same source id again.
            birth("HT-1", "2019-05-02", 3, "Đỗ Thị Hoa", "2019-04-20", "00004"),
            // 10: an impossible date.
            birth(
                "HT-10",
                "2019-02-30",
                4,
                "Đỗ Thị Hoa",
                "2019-01-20",
                "00004",
            ),
            // 11: a birth of this year at today's Phường Ba Đình (00004 after the reform), no. 7.
            birth("HT-11", &recent, 7, "Vũ Thị Thu", &recent, "00004"),
        ];
        rows[10]["declaration"]["mother"] =
            parent("Vũ Thị Hà", "1995-01-01", "001195000999", "00004");
        rows[10]["declaration"]["father"] = Value::Null;
        let text: String = rows.iter().map(|r| format!("{r}\n")).collect();
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(
            file.path(),
            format!("{text}{{\"source_id\": \"HT-12\", \"kind\""),
        )
        .unwrap();
        let opts = ImportOptions {
            source_system: "hotich-cu".into(),
            batch_size: 4,
        };
        let report = app
            .app
            .import_file(file.path(), &opts, |_| {})
            .await
            .unwrap();
        assert_eq!(
            (report.lines, report.accepted, report.rejected),
            (12, 5, 7),
            "{e}: {report:?}"
        );
        let rejects = app.app.import_rejects(report.run_id).await.unwrap();
        let codes: Vec<(i64, &str)> = rejects.iter().map(|r| (r.line, r.code.as_str())).collect();
        assert_eq!(
            codes,
            vec![
                (3, "marriage_already_married"),
                (5, "death_already_registered"),
                (7, "civil_office_not_competent"),
                (8, "import_register_number_taken"),
                (9, "import_duplicate_source_id"),
                (10, "date_invalid"),
                (12, "import_bad_json"),
            ],
            "{e}: {rejects:#?}"
        );
        assert!(
            rejects[2].message.contains("Phúc Xá"),
            "{}",
            rejects[2].message
        );

        // Running the same file again does nothing.
        let again = app
            .app
            .import_file(file.path(), &opts, |_| {})
            .await
            .unwrap();
        assert!(again.already_done, "{e}");
        assert_eq!(again.accepted, 5);

        // The former commune's records are read by the commune that took over its books.
        app.add_user("canbo.badinh", "officer", "00004").await;
        app.add_user("lanhdao.badinh", "signer", "00004").await;
        app.add_user("canbo.hongha", "officer", "00097").await;
        app.add_user("so.hanoi", "province", "01").await;
        let officer = app.token("canbo.badinh").await;
        let other = app.token("canbo.hongha").await;
        let hanoi = app.token("so.hanoi").await;
        let (s, v) = app
            .call(
                Method::GET,
                "/api/v1/civil/search?q=nguyen%20thi%20huong",
                Some(&hanoi),
                None,
            )
            .await;
        assert_eq!((s, v["total"].as_i64()), (200, Some(1)), "{e}: {v}");
        let id = v["items"][0]["id"].as_i64().unwrap();
        let path = format!("/api/v1/civil/records/{id}");
        let (s, v) = app.call(Method::GET, &path, Some(&officer), None).await;
        assert_eq!(s, 200, "{e}: {v}");
        assert_eq!(v["status"], "registered");
        assert_eq!(v["office_name"], "UBND Phường Trúc Bạch");
        assert_eq!(v["register_text"], "Số: 1, Quyển số: 01/2019");
        let (s, _) = app.call(Method::GET, &path, Some(&other), None).await;
        assert_eq!(s, 403, "{e}");
        let with_purpose = format!("{path}?purpose=inspection&purpose_ref=KT-01");
        let (s, _) = app
            .call(Method::GET, &with_purpose, Some(&hanoi), None)
            .await;
        assert_eq!(s, 200, "{e}");
        // Search follows the same rule: the successor finds it, another commune does not.
        for (token, expected) in [(&officer, 1), (&other, 0)] {
            let (s, v) = app
                .call(
                    Method::GET,
                    "/api/v1/civil/search?q=nguyen%20thi%20huong",
                    Some(token),
                    None,
                )
                .await;
            assert_eq!((s, v["total"].as_i64()), (200, Some(expected)), "{e}: {v}");
        }

        // Numbering continues after the imported numbers of this year's book.
        let signer = app.token("lanhdao.badinh").await;
        let body = json!({
            "child": {"full_name": "Hoàng Minh Khang", "sex": "male", "date_of_birth": (vn_today() - time::Duration::days(3)).to_string(),
                      "place_of_birth": {"admin_unit_code": "00004"}, "ethnicity_code": "01", "nationality_code": "VN"},
            "mother": parent("Hoàng Thị Yến", "1996-06-06", "001196000321", "00004"),
            "declarant": {"full_name": "Hoàng Thị Yến", "relationship": "mẹ"}
        });
        let (s, v) = app
            .call(
                Method::POST,
                "/api/v1/civil/births",
                Some(&officer),
                Some(&body),
            )
            .await;
        assert_eq!(s, 201, "{e}: {v}");
        let (s, v) = app
            .call(
                Method::POST,
                &format!("/api/v1/civil/records/{}/register", v["id"]),
                Some(&signer),
                None,
            )
            .await;
        assert_eq!(s, 200, "{e}: {v}");
        assert_eq!(
            (v["register_number"].as_i64(), v["year"].as_i64()),
            (Some(8), Some(i64::from(this_year))),
            "{e}: {v}"
        );
        // One audit entry per batch; the chain verifies.
        assert!(app.store.verify_audit().await.unwrap().is_intact());
    }
}
