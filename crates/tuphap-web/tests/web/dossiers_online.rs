//! A citizen's online birth application end to end over real HTTP, on both engines: the citizen
//! logs in through the simulated VNeID (OIDC code + PKCE), files the application with an
//! uploaded Giấy chứng sinh (`multipart/form-data`), the officer opens the dossier as a
//! pre-filled registry form and declares it (the dossier is received in the same transaction),
//! the signer registers the record (the dossier is completed in the registration's
//! transaction), and the citizen downloads the electronic certificate, whose code verifies.
//! Refusals: an executable, a missing required document, a stranger's dossier, a certificate
//! before the result, an unpaid fee before receipt, a wrong CSRF token.

use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::Value;
use tuphap_domain::RequestMeta;
use tuphap_domain::identity::SessionKind;
use tuphap_store::Engine;

use crate::api_civil::{actors, pdf_text, verify};
use crate::citizen_login::{AN, authorize, citizen_app, start_idp};
use crate::support::{PASSWORD, TestApp, hidden_csrf, location, login_as, new_client};

/// The unit code (Circular 10/2016/TT-BTTTT) given to the Ba Đình office for dossier codes.
pub(crate) const UNIT: &str = "000.00.04.H26";
/// The second identity of the simulated provider.
pub(crate) const BINH: &str = "079195004321";

/// A tiny but real PDF (what `sniff_content_type` recognises).
pub(crate) const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

/// The Ba Đình office (of `canbo.badinh`, see `actors`) takes online dossiers: an
/// administrator sets its unit code.
pub(crate) async fn open_online_office(app: &TestApp) -> String {
    app.add_user("quantri", "admin", "BTP").await;
    let login = |u: &'static str| async move {
        app.app
            .login(u, PASSWORD, SessionKind::Api, &RequestMeta::default())
            .await
            .unwrap()
            .actor
    };
    let admin = login("quantri").await;
    let office = login("canbo.badinh").await.office;
    app.app
        .set_dossier_unit_code(&admin, &RequestMeta::default(), &office.code, UNIT)
        .await
        .unwrap();
    office.code
}

/// A browser-like client logged in as the citizen `pick` through the simulated VNeID.
pub(crate) async fn citizen_client(app: &TestApp, pick: &str) -> reqwest::Client {
    let c = new_client();
    let back = authorize(app, &c, pick).await;
    let r = c.get(&back).send().await.unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    c
}

/// The application's text fields: a girl born 3 days ago in Ba Đình, her mother, and An (the
/// citizen) as the father.
pub(crate) fn application_fields(child: &str) -> Vec<(String, String)> {
    let dob = (tuphap_core::dates::vn_today() - time::Duration::days(3)).to_string();
    [
        ("child.full_name", child),
        ("child.sex", "female"),
        ("child.date_of_birth", dob.as_str()),
        ("child.place_of_birth.admin_unit_code", "00004"),
        ("child.place_of_birth.detail", "Bệnh viện Phụ sản Hà Nội"),
        ("child.ethnicity_code", "01"),
        ("child.nationality_code", "VN"),
        ("mother.full_name", "Phạm Thị Hoa"),
        ("mother.date_of_birth", "1992-05-05"),
        ("mother.personal_id", "001192003003"),
        ("mother.ethnicity_code", "01"),
        ("mother.nationality_code", "VN"),
        ("mother.residence.admin_unit_code", "00004"),
        ("mother.residence.detail", "12 phố Quán Thánh"),
        ("has_father", "1"),
        ("father.full_name", "Nguyễn Văn An"),
        ("father.date_of_birth", "1990-03-15"),
        ("father.personal_id", AN),
        ("father.ethnicity_code", "01"),
        ("father.nationality_code", "VN"),
        ("father.residence.admin_unit_code", "00004"),
        ("declarant.relationship", "cha"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// Posts an application; returns the response.
pub(crate) async fn apply(
    app: &TestApp,
    c: &reqwest::Client,
    office: &str,
    child: &str,
    copies: u32,
    file: Option<(&str, &[u8])>,
) -> reqwest::Response {
    let r = c.get(app.at("/citizen/dossiers/new")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let csrf = hidden_csrf(&r.text().await.unwrap());
    let mut form = Form::new()
        .text("csrf", csrf)
        .text("office_code", office.to_string())
        .text("copies", copies.to_string());
    for (k, v) in application_fields(child) {
        form = form.text(k, v);
    }
    if let Some((name, bytes)) = file {
        form = form.part(
            "file_0",
            Part::bytes(bytes.to_vec()).file_name(name.to_string()),
        );
    }
    c.post(app.at("/citizen/dossiers"))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// The dossier code of a `303 → /citizen/dossiers/{code}?submitted=1`.
pub(crate) fn code_of(r: &reqwest::Response) -> String {
    let to = location(r);
    let code = to
        .strip_prefix("/citizen/dossiers/")
        .and_then(|s| s.strip_suffix("?submitted=1"))
        .unwrap_or_else(|| panic!("not a dossier page: {to}"));
    code.to_string()
}

/// The officer's form fields for the dossier (what the pre-filled page holds).
fn officer_form(child: &str, code: &str, csrf: &str) -> Vec<(String, String)> {
    let mut f = application_fields(child);
    f.push(("declarant.full_name".into(), "Nguyễn Văn An".into()));
    f.push(("declarant.personal_id".into(), AN.into()));
    f.push(("dossier".into(), code.into()));
    f.push(("csrf".into(), csrf.into()));
    f
}

/// The verification code printed on a certificate PDF (its lines joined).
pub(crate) fn code_in_pdf(text: &str) -> Option<String> {
    let start = text.find("VNHT1.")?;
    let block = text[start..].split("\n\n").next()?;
    let code: String = block
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '\n' | '\r'))
        .filter(|c| !c.is_whitespace())
        .collect();
    Some(code)
}

#[tokio::test]
async fn a_citizen_applies_online_and_downloads_a_certificate_that_verifies_on_every_engine() {
    let idp = start_idp().await;
    for engine in [Engine::Sqlite, Engine::Postgres] {
        let Some(app) = citizen_app(engine, &idp, &idp.url).await else {
            continue;
        };
        let e = engine.as_str();
        let a = actors(&app).await;
        let office = open_online_office(&app).await;
        let c = citizen_client(&app, AN).await;

        // The form: the citizen is the declarant (not asked), and the father (male, from VNeID).
        let r = c.get(app.at("/citizen/dossiers/new")).send().await.unwrap();
        let page = r.text().await.unwrap();
        assert!(page.contains("Nguyễn Văn An") && page.contains(AN), "{e}");
        assert!(
            page.contains(&format!("value=\"{office}\"")),
            "{e}: office offered"
        );
        assert!(
            !page.contains("name=\"declarant.full_name\""),
            "{e}: not asked again"
        );

        // Refusals, and nothing written.
        let r = apply(
            &app,
            &c,
            &office,
            "Nguyễn Thị Mai Anh",
            0,
            Some(("x.exe", b"MZ\x90\x00binary")),
        )
        .await;
        assert_eq!(r.status(), 422, "{e}");
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("không phải PDF, JPEG hoặc PNG"),
            "{e}"
        );
        let r = apply(&app, &c, &office, "Nguyễn Thị Mai Anh", 0, None).await;
        assert_eq!(r.status(), 422, "{e}");
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("Cần đính kèm: Giấy chứng sinh"),
            "{e}"
        );
        let r = c
            .post(app.at("/citizen/dossiers"))
            .multipart(
                Form::new()
                    .text("csrf", "sai")
                    .text("office_code", office.clone()),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{e}");
        assert!(
            app.store
                .dossiers_of_applicant(AN, 10)
                .await
                .unwrap()
                .is_empty(),
            "{e}: no dossier from refused applications"
        );

        // Filed: a dossier with the national code, its application and the file.
        let r = apply(
            &app,
            &c,
            &office,
            "Nguyễn Thị Mai Anh",
            0,
            Some(("giay-chung-sinh.pdf", PDF)),
        )
        .await;
        assert_eq!(
            r.status(),
            303,
            "{e}: {}",
            r.text().await.unwrap_or_default()
        );
        let code = code_of(&r);
        assert!(code.starts_with(&format!("{UNIT}-")), "{e}: {code}");
        let d = app.store.dossier_by_code(&code).await.unwrap().unwrap();
        assert_eq!(
            (d.status.as_str(), d.fee_vnd, d.channel),
            ("submitted", 0, 2),
            "{e}"
        );
        let appl: Value = serde_json::from_str(d.application.as_deref().unwrap()).unwrap();
        assert_eq!(appl["child"]["full_name"], "Nguyễn Thị Mai Anh");
        assert_eq!(
            appl["declarant"]["personal_id"], AN,
            "{e}: declarant from the login"
        );
        let files = app.store.dossier_files(d.id).await.unwrap();
        assert_eq!(files.len(), 1, "{e}");
        assert_eq!(
            (files[0].content_type.as_str(), files[0].component.as_str()),
            (
                "application/pdf",
                "Giấy chứng sinh; nếu không có: văn bản của người làm chứng hoặc giấy cam đoan về việc sinh"
            ),
            "{e}"
        );
        let page = c
            .get(app.at(&format!("/citizen/dossiers/{code}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("Mới đăng ký") && page.contains("giay-chung-sinh.pdf"),
            "{e}"
        );
        // "My dossiers" lists it; another citizen cannot see it.
        let mine = c
            .get(app.at("/citizen/dossiers"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(mine.contains(&code), "{e}");
        let stranger = citizen_client(&app, BINH).await;
        let r = stranger
            .get(app.at(&format!("/citizen/dossiers/{code}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{e}: as if it did not exist");
        let r = c
            .get(app.at(&format!("/citizen/dossiers/{code}/certificate.pdf")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 409, "{e}: no result yet");

        // The officer opens the dossier: the registry form comes pre-filled.
        let staff = login_as(&app, "canbo.badinh", "/civil").await;
        let r = staff
            .get(app.at(&format!("/civil/births/new?dossier={code}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{e}");
        let form_page = r.text().await.unwrap();
        assert!(
            form_page.contains("value=\"Nguyễn Thị Mai Anh\""),
            "{e}: prefilled"
        );
        assert!(
            form_page.contains(&format!("name=\"dossier\" value=\"{code}\"")),
            "{e}"
        );
        let csrf = hidden_csrf(&form_page);
        let r = staff
            .post(app.at("/civil/births"))
            .form(&officer_form("Nguyễn Thị Mai Anh", &code, &csrf))
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            303,
            "{e}: {}",
            r.text().await.unwrap_or_default()
        );
        let d = app.store.dossier_by_code(&code).await.unwrap().unwrap();
        assert_eq!(d.status, "received", "{e}: received with the declaration");
        let record_id = d.record_id.expect("linked to the record");
        assert!(d.due_on.is_some(), "{e}");
        // A second declaration from the same dossier is refused.
        let r = staff
            .post(app.at("/civil/births"))
            .form(&officer_form("Nguyễn Thị Mai Anh", &code, &csrf))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 409, "{e}");

        // The signer registers: the dossier is processed, with its electronic result.
        let (s, v) = app
            .call(
                Method::POST,
                &format!("/api/v1/civil/records/{record_id}/register"),
                Some(&a.signer),
                None,
            )
            .await;
        assert_eq!(s, 200, "{e}: {v}");
        let d = app.store.dossier_by_code(&code).await.unwrap().unwrap();
        assert_eq!(
            (d.status.as_str(), d.has_result),
            ("processed", true),
            "{e}"
        );
        assert!(d.finished_at.is_some() && !d.late, "{e}");
        let kinds: Vec<String> = app
            .store
            .dossier_events(d.id)
            .await
            .unwrap()
            .into_iter()
            .map(|ev| ev.kind)
            .collect();
        assert_eq!(kinds, ["submitted", "received", "processed"], "{e}");

        // The citizen downloads the certificate; its code verifies.
        let page = c
            .get(app.at(&format!("/citizen/dossiers/{code}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("Tải Giấy khai sinh"), "{e}");
        let r = c
            .get(app.at(&format!("/citizen/dossiers/{code}/certificate.pdf")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{e}");
        assert_eq!(r.headers()["content-type"], "application/pdf");
        let pdf = r.bytes().await.unwrap();
        assert!(pdf.starts_with(b"%PDF"), "{e}");
        if let Some(text) = pdf_text(&pdf) {
            assert!(text.contains("Nguyễn Thị Mai Anh"), "{e}: {text}");
            let vcode = code_in_pdf(&text).expect("the code is printed");
            let (s, v) = verify(&app, &vcode).await;
            assert_eq!((s, v["valid"].as_bool()), (200, Some(true)), "{e}: {v}");
        }
        // The same code as the office would print, and the record is "certificate issued".
        let (_, cert) = app
            .call(
                Method::GET,
                &format!("/api/v1/civil/records/{record_id}/certificate"),
                Some(&a.officer),
                None,
            )
            .await;
        assert!(
            cert["verification_code"]
                .as_str()
                .unwrap()
                .starts_with("VNHT1.")
        );

        // A fee (copies of the extract) must be paid before the office receives the dossier.
        let r = apply(
            &app,
            &c,
            &office,
            "Nguyễn Văn Bình",
            2,
            Some(("cs.pdf", PDF)),
        )
        .await;
        assert_eq!(r.status(), 303, "{e}");
        let code2 = code_of(&r);
        let d2 = app.store.dossier_by_code(&code2).await.unwrap().unwrap();
        assert_eq!((d2.copies, d2.fee_vnd), (2, 16_000), "{e}");
        let r = staff
            .post(app.at("/civil/births"))
            .form(&officer_form("Nguyễn Văn Bình", &code2, &csrf))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 409, "{e}");
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("chưa được thanh toán lệ phí"),
            "{e}"
        );
        let d2 = app.store.dossier_by_code(&code2).await.unwrap().unwrap();
        assert_eq!(
            (d2.status.as_str(), d2.record_id),
            ("submitted", None),
            "{e}: nothing half-written"
        );
    }
}
