//! Renders each certificate kind and checks the PDF with the tools a person would use:
//! `pdftotext` (the Vietnamese text comes back exactly), `pdffonts` (every font is embedded),
//! `pdftoppm` + `zbarimg` (the QR code decodes to the signed verification code, which verifies).
//! A PNG of each kind is saved to `target/screenshots/certificate-<kind>.png` for people to look
//! at.
//!
//! The tools come from Debian's `poppler-utils` and `zbar-tools`. When one is missing the check
//! is skipped with a note, unless `TUPHAP_REQUIRE_TOOLS=1`, which makes it a failure (CI).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use ed25519_dalek::SigningKey;
use serde_json::{Value, json};
use time::Date;
use time::macros::date;
use tuphap_core::certificate::{self, Payload};
use tuphap_core::error::Coded;
use tuphap_pdf::{
    BirthFields, Certificate, CertificateKind, DecisionKind, DivorceFields, MaritalStatusFields,
    PdfError, date_in_words, qr_version, render,
};

const KEY_ID: &str = "btp-2026-1";
const VERIFY_URL: &str = "https://hotich.moj.gov.vn/verify";

fn signing_key() -> SigningKey {
    SigningKey::from_bytes(&[42; 32])
}

fn tools_required() -> bool {
    std::env::var("TUPHAP_REQUIRE_TOOLS").is_ok_and(|v| v == "1" || v == "true")
}

/// Whether `tool` can be run; if not, fails under `TUPHAP_REQUIRE_TOOLS=1`, else prints a note.
fn have(tool: &str) -> bool {
    let ok = Command::new(tool).arg("-v").output().is_ok();
    if !ok {
        assert!(
            !tools_required(),
            "{tool} is not installed (TUPHAP_REQUIRE_TOOLS=1); install poppler-utils and zbar-tools"
        );
        eprintln!("note: {tool} not installed, skipping that check");
    }
    ok
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().expect("run tool");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// `$CARGO_TARGET_DIR/screenshots`, else `<workspace>/target/screenshots`.
fn screenshot_dir() -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) if Path::new(&d).is_absolute() => PathBuf::from(d),
        Some(d) => workspace.join(d),
        None => workspace.join("target"),
    };
    target.join("screenshots")
}

fn common(number: u32, registered_on: &str) -> Value {
    json!({
        "office": { "name": "UBND phường Buôn Ma Thuột", "province": "tỉnh Đắk Lắk" },
        "register": { "number": number, "book": "01", "year": 2026 },
        "registered_on": registered_on,
        "signer": { "name": "Lê Thị Thu Hà", "position": "Phó Chủ tịch UBND phường" },
    })
}

fn with(mut base: Value, extra: Value) -> Value {
    base.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    base
}

fn birth_fields() -> Value {
    with(
        common(12, "2026-01-07"),
        json!({
            "child": {
                "full_name": "Nguyễn Thị Hương",
                "date_of_birth": "2026-01-05",
                "sex": "female",
                "ethnicity": "Ê Đê",
                "nationality": "Việt Nam",
                "place_of_birth": "Bệnh viện Đa khoa vùng Tây Nguyên, phường Tân An, tỉnh Đắk Lắk",
                "home_town": "xã Hòa Phú, tỉnh Đắk Lắk",
                "personal_id": "066326000123",
            },
            "mother": {
                "full_name": "H'Hen Niê",
                "date_of_birth": "1996",
                "ethnicity": "Ê Đê",
                "nationality": "Việt Nam",
                "residence": "Số 12 đường Y Wang, phường Buôn Ma Thuột, tỉnh Đắk Lắk",
            },
            "father": {
                "full_name": "Trần Văn Ngọc Quỳnh",
                "date_of_birth": "1994-03-12",
                "ethnicity": "Kinh",
                "nationality": "Việt Nam",
                "residence": "Số 12 đường Y Wang, phường Buôn Ma Thuột, tỉnh Đắk Lắk",
            },
        }),
    )
}

fn death_fields() -> Value {
    with(
        common(3, "2026-01-09"),
        json!({
            "deceased": {
                "full_name": "Trần Văn Ngọc Quỳnh",
                "date_of_birth": "1948",
                "sex": "male",
                "ethnicity": "Kinh",
                "nationality": "Việt Nam",
                "personal_id": "066048000456",
                "residence": "thôn 3, xã Ea Kao, tỉnh Đắk Lắk",
            },
            "death": {
                "date": "2026-01-06",
                "time": "14:30",
                "place": "Bệnh viện Đa khoa vùng Tây Nguyên, phường Tân An, tỉnh Đắk Lắk",
                "cause": "Bệnh lý tim mạch",
                "notice": "Giấy báo tử số 15/GBT do Bệnh viện Đa khoa vùng Tây Nguyên cấp ngày 06/01/2026",
            },
            "declarant": {
                "full_name": "Nguyễn Thị Hương",
                "id_document": "Căn cước số 066176000789 do Bộ Công an cấp ngày 10/05/2024",
                "relationship": "Vợ",
            },
        }),
    )
}

fn marriage_fields() -> Value {
    with(
        common(245, "2026-11-20"),
        json!({
            "wife": {
                "full_name": "Nguyễn Thị Hương",
                "date_of_birth": "1998-02-14",
                "ethnicity": "Kinh",
                "nationality": "Việt Nam",
                "residence": "xã Hòa Phú, tỉnh Đắk Lắk",
                "id_document": "Căn cước số 066198000321 do Bộ Công an cấp ngày 20/11/2021",
            },
            "husband": {
                "full_name": "Trần Văn Ngọc Quỳnh",
                "date_of_birth": "1995-09-02",
                "ethnicity": "Kinh",
                "nationality": "Việt Nam",
                "residence": "phường Buôn Ma Thuột, tỉnh Đắk Lắk",
                "id_document": "Căn cước số 066095000654 do Bộ Công an cấp ngày 01/07/2024",
            },
        }),
    )
}

const MARITAL_STATUS: &str = "Đã đăng ký kết hôn với ông Trần Văn Bình (Số: 3, Quyển số: \
     01/2015, UBND xã Hòa Phú, tỉnh Đắk Lắk), đã ly hôn theo Bản án số 12/2020/HNGĐ-ST ngày \
     01/06/2020 của Tòa án nhân dân thành phố Buôn Ma Thuột; hiện không có vợ hoặc chồng.";
const MARITAL_PURPOSE: &str = "Để đăng ký kết hôn với ông Lê Minh Tuấn, sinh ngày 02/07/1993, \
     tại UBND phường Buôn Ma Thuột, tỉnh Đắk Lắk";

fn marital_status_fields() -> Value {
    with(
        common(57, "2026-11-27"),
        json!({
            "person": {
                "full_name": "Nguyễn Thị Hương",
                "date_of_birth": "1998-02-14",
                "sex": "female",
                "ethnicity": "Kinh",
                "nationality": "Việt Nam",
                "personal_id": "066198000321",
                "residence": "thôn 3, xã Ea Kao, tỉnh Đắk Lắk",
            },
            "period": "Từ ngày 01/01/2015 đến ngày 27/11/2026",
            "status": MARITAL_STATUS,
            "based_on": [
                "Sổ đăng ký kết hôn năm 2015 của UBND xã Hòa Phú, Số: 3, Quyển số: 01/2015",
                "Sổ ghi vào sổ hộ tịch việc ly hôn năm 2020 của UBND xã Hòa Phú, Số: 2, Quyển số: 01/2020",
            ],
            "purpose": MARITAL_PURPOSE,
            "valid_until": "2027-05-27",
        }),
    )
}

fn divorce_fields() -> Value {
    with(
        common(4, "2026-07-02"),
        json!({
            "wife": {
                "full_name": "Nguyễn Thị Hương",
                "date_of_birth": "1998-02-14",
                "nationality": "Việt Nam",
                "personal_id": "066198000321",
                "residence": "thôn 3, xã Ea Kao, tỉnh Đắk Lắk",
            },
            "husband": {
                "full_name": "Trần Văn Bình",
                "date_of_birth": "1995",
                "nationality": "Việt Nam",
                "personal_id": "066095000654",
                "residence": "phường Buôn Ma Thuột, tỉnh Đắk Lắk",
            },
            "marriage": {
                "register": "Số: 3, Quyển số: 01/2015",
                "office_name": "UBND xã Hòa Phú, tỉnh Đắk Lắk",
                "registered_on": "2015-03-15",
            },
            "decision": {
                "kind": "divorce",
                "court": "Tòa án nhân dân khu vực 1 - Đắk Lắk",
                "number": "12/2026/HNGĐ-ST",
                "decided_on": "2026-06-01",
                "effective_on": "2026-06-17",
            },
        }),
    )
}

/// A guardianship's trích lục (Luật Hộ tịch 2014, Điều 62), with the sections the registry
/// builds from the record.
fn record_extract_fields() -> Value {
    with(
        common(5, "2026-11-20"),
        json!({
            "record_kind": "guardianship",
            "sections": [
                {"heading": "Người được giám hộ", "lines": [
                    {"label": "Họ, chữ đệm, tên", "value": "Y Đăng Khoa Niê", "strong": true},
                    {"label": "Ngày, tháng, năm sinh", "value": "05/01/2018"},
                    {"label": "Tình trạng", "value": "Người chưa thành niên"}
                ]},
                {"heading": "Người giám hộ", "lines": [
                    {"label": "Họ, chữ đệm, tên", "value": "Y Blang Niê", "strong": true},
                    {"label": "Ngày, tháng, năm sinh", "value": "10/04/1960"},
                    {"label": "Loại giám hộ", "value": "Giám hộ đương nhiên (Luật Hộ tịch 2014, Điều 21)"},
                    {"label": "Căn cứ", "value": "Ông nội; cha mẹ đã chết"}
                ]},
                {"heading": "", "lines": [
                    {"label": "Người yêu cầu", "value": "Y Blang Niê (ông nội)"}
                ]}
            ],
        }),
    )
}

struct Case {
    kind: CertificateKind,
    fields: Value,
    payload: Payload,
    /// Text the PDF must contain, exactly.
    expect: Vec<&'static str>,
}

fn payload(
    kind: CertificateKind,
    number: u32,
    name: &str,
    second: Option<&str>,
    event: Date,
    issued: Date,
) -> Payload {
    Payload {
        kind,
        record_id: "0195f0c2-7b1a-7c3e-9d2a-1f2e3d4c5b6a".to_string(),
        register_number: number,
        register_book: "01".to_string(),
        register_year: 2026,
        office_code: "24001".to_string(),
        full_name: name.to_string(),
        second_name: second.map(str::to_string),
        event_date: event,
        issued_on: issued,
    }
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            kind: CertificateKind::Birth,
            fields: birth_fields(),
            payload: payload(
                CertificateKind::Birth,
                12,
                "Nguyễn Thị Hương",
                None,
                date!(2026 - 01 - 05),
                date!(2026 - 01 - 07),
            ),
            expect: vec![
                "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                "Độc lập - Tự do - Hạnh phúc",
                "GIẤY KHAI SINH",
                "UBND PHƯỜNG BUÔN MA THUỘT",
                "Số: 12, Quyển số: 01/2026",
                "Nguyễn Thị Hương",
                "Trần Văn Ngọc Quỳnh",
                "H'Hen Niê",
                "Đắk Lắk",
                "05/01/2026",
                "Ngày năm, tháng một, năm hai nghìn không trăm hai mươi sáu",
                "Giới tính: Nữ",
                "Dân tộc: Ê Đê",
                "Năm sinh: 1996",
                "Ngày, tháng, năm sinh: 12/03/1994",
                "Số định danh cá nhân: 066326000123",
                "Nơi đăng ký: UBND phường Buôn Ma Thuột, tỉnh Đắk Lắk",
                "Ngày, tháng, năm đăng ký: 07/01/2026",
                "NGƯỜI KÝ GIẤY KHAI SINH",
                "(Ký, ghi rõ họ, chữ đệm, tên, đóng dấu)",
                "Lê Thị Thu Hà",
                "Kiểm tra tại https://hotich.moj.gov.vn/verify",
            ],
        },
        Case {
            kind: CertificateKind::Death,
            fields: death_fields(),
            payload: payload(
                CertificateKind::Death,
                3,
                "Trần Văn Ngọc Quỳnh",
                None,
                date!(2026 - 01 - 06),
                date!(2026 - 01 - 09),
            ),
            expect: vec![
                "TRÍCH LỤC KHAI TỬ",
                "Số: 3, Quyển số: 01/2026",
                "Trần Văn Ngọc Quỳnh",
                "Nguyễn Thị Hương",
                "Đắk Lắk",
                "14 giờ 30 phút, ngày 06/01/2026",
                "Nguyên nhân chết: Bệnh lý tim mạch",
                "Giới tính: Nam",
                "Năm sinh: 1948",
                "Quan hệ với người đã chết: Vợ",
                "NGƯỜI KÝ TRÍCH LỤC",
                "Kiểm tra tại https://hotich.moj.gov.vn/verify",
            ],
        },
        Case {
            kind: CertificateKind::Marriage,
            fields: marriage_fields(),
            payload: payload(
                CertificateKind::Marriage,
                245,
                "Nguyễn Thị Hương",
                Some("Trần Văn Ngọc Quỳnh"),
                date!(2026 - 11 - 20),
                date!(2026 - 11 - 20),
            ),
            expect: vec![
                "GIẤY CHỨNG NHẬN KẾT HÔN",
                "Số: 245, Quyển số: 01/2026",
                "Nguyễn Thị Hương",
                "Trần Văn Ngọc Quỳnh",
                "Đắk Lắk",
                "14/02/1998",
                "02/09/1995",
                "Ngày, tháng, năm đăng ký: 20/11/2026",
                "NGƯỜI KÝ GIẤY CHỨNG NHẬN KẾT HÔN",
                "Kiểm tra tại https://hotich.moj.gov.vn/verify",
            ],
        },
        Case {
            kind: CertificateKind::MaritalStatus,
            fields: marital_status_fields(),
            // Field 10 is the issue (registration) date.
            payload: payload(
                CertificateKind::MaritalStatus,
                57,
                "Nguyễn Thị Hương",
                None,
                date!(2026 - 11 - 27),
                date!(2026 - 11 - 27),
            ),
            expect: vec![
                "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                "GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN",
                "UBND PHƯỜNG BUÔN MA THUỘT",
                "Số: 57, Quyển số: 01/2026",
                "UBND phường Buôn Ma Thuột xác nhận:",
                "Họ, chữ đệm, tên: Nguyễn Thị Hương",
                "Ngày, tháng, năm sinh: 14/02/1998",
                "Giới tính: Nữ",
                "Dân tộc: Kinh",
                "Quốc tịch: Việt Nam",
                "Số định danh cá nhân: 066198000321",
                "Nơi cư trú: thôn 3, xã Ea Kao, tỉnh Đắk Lắk",
                "Trong thời gian cư trú tại thôn 3, xã Ea Kao, tỉnh Đắk Lắk: Từ ngày 01/01/2015 đến ngày 27/11/2026",
                "Tình trạng hôn nhân:",
                MARITAL_STATUS,
                "Căn cứ:",
                "Sổ đăng ký kết hôn năm 2015 của UBND xã Hòa Phú, Số: 3, Quyển số: 01/2015",
                "Sổ ghi vào sổ hộ tịch việc ly hôn năm 2020 của UBND xã Hòa Phú, Số: 2, Quyển số: 01/2020",
                "Giấy này được cấp để sử dụng vào việc:",
                MARITAL_PURPOSE,
                "Giấy này có giá trị sử dụng đến hết ngày 27/05/2027 (6 tháng kể từ ngày cấp) và chỉ dùng vào mục đích ghi trên.",
                "Nơi cấp: UBND phường Buôn Ma Thuột, tỉnh Đắk Lắk",
                "Ngày, tháng, năm cấp: 27/11/2026",
                "NGƯỜI KÝ GIẤY XÁC NHẬN",
                "Lê Thị Thu Hà",
                "Kiểm tra tại https://hotich.moj.gov.vn/verify",
            ],
        },
        Case {
            kind: CertificateKind::Divorce,
            fields: divorce_fields(),
            // Field 8 the wife, field 9 the husband, field 10 the day the decision took effect.
            payload: payload(
                CertificateKind::Divorce,
                4,
                "Nguyễn Thị Hương",
                Some("Trần Văn Bình"),
                date!(2026 - 06 - 17),
                date!(2026 - 07 - 02),
            ),
            expect: vec![
                "TRÍCH LỤC GHI VÀO SỔ HỘ TỊCH VIỆC LY HÔN",
                "Số: 4, Quyển số: 01/2026",
                "Thông tin người vợ",
                "Thông tin người chồng",
                "Nguyễn Thị Hương",
                "Trần Văn Bình",
                "14/02/1998",
                "1995",
                "066198000321",
                "066095000654",
                "Đã đăng ký kết hôn tại UBND xã Hòa Phú, tỉnh Đắk Lắk ngày 15/03/2015, Số: 3, Quyển số: 01/2015.",
                "Bản án/Quyết định số 12/2026/HNGĐ-ST ngày 01/06/2026 của Tòa án nhân dân khu vực 1 - Đắk Lắk, có hiệu lực pháp luật từ ngày 17/06/2026.",
                "Đã ghi vào sổ hộ tịch việc ly hôn ngày 02/07/2026.",
                "Nơi đăng ký: UBND phường Buôn Ma Thuột, tỉnh Đắk Lắk",
                "NGƯỜI KÝ TRÍCH LỤC",
                "Lê Thị Thu Hà",
                "Kiểm tra tại https://hotich.moj.gov.vn/verify",
            ],
        },
        Case {
            kind: CertificateKind::RecordExtract,
            fields: record_extract_fields(),
            // Field 8 the ward, field 9 the guardian, field 10 the registration date.
            payload: payload(
                CertificateKind::RecordExtract,
                5,
                "Y Đăng Khoa Niê",
                Some("Y Blang Niê"),
                date!(2026 - 11 - 20),
                date!(2026 - 11 - 20),
            ),
            expect: vec![
                "UBND PHƯỜNG BUÔN MA THUỘT",
                "TRÍCH LỤC ĐĂNG KÝ GIÁM HỘ",
                "Số: 5, Quyển số: 01/2026",
                "Người được giám hộ",
                "Họ, chữ đệm, tên: Y Đăng Khoa Niê",
                "Tình trạng: Người chưa thành niên",
                "Người giám hộ",
                "Y Blang Niê",
                "Giám hộ đương nhiên (Luật Hộ tịch 2014, Điều 21)",
                "Người yêu cầu: Y Blang Niê (ông nội)",
                "Nơi đăng ký: UBND phường Buôn Ma Thuột, tỉnh Đắk Lắk",
                "Ngày, tháng, năm đăng ký: 20/11/2026",
                "NGƯỜI KÝ TRÍCH LỤC",
                "Lê Thị Thu Hà",
                "Kiểm tra tại https://hotich.moj.gov.vn/verify",
            ],
        },
    ]
}

/// The title printed on the certificate (and the PDF's title): the kind's title, except for a
/// divorce extract, whose title names the decision.
fn printed_title(case: &Case) -> String {
    match (case.kind, case.fields["decision"]["kind"].as_str()) {
        (CertificateKind::Divorce, Some("annulment")) => {
            "TRÍCH LỤC GHI VÀO SỔ HỘ TỊCH VIỆC HỦY KẾT HÔN TRÁI PHÁP LUẬT".to_string()
        }
        (CertificateKind::Divorce, _) => "TRÍCH LỤC GHI VÀO SỔ HỘ TỊCH VIỆC LY HÔN".to_string(),
        (CertificateKind::RecordExtract, _) => {
            certificate::record_extract_title(case.fields["record_kind"].as_str().unwrap())
                .unwrap()
                .to_uppercase()
        }
        (kind, _) => kind.title_vi().to_uppercase(),
    }
}

fn case_of(kind: CertificateKind) -> Case {
    cases()
        .into_iter()
        .find(|c| c.kind == kind)
        .expect("a case per kind")
}

fn certificate(case: &Case) -> Certificate {
    Certificate {
        kind: case.kind,
        fields: case.fields.clone(),
        qr_text: certificate::sign(&case.payload, &signing_key(), KEY_ID),
        verify_url: VERIFY_URL.to_string(),
        issued_on: case.payload.issued_on,
    }
}

/// Collapses whitespace runs so that text the layout split over lines still matches.
fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn each_kind_renders_with_exact_text_embedded_fonts_and_a_scannable_qr() {
    let dir = tempfile::tempdir().unwrap();
    let shots = screenshot_dir();
    std::fs::create_dir_all(&shots).unwrap();
    let (poppler, zbar) = (have("pdftotext"), have("zbarimg"));

    for case in cases() {
        let cert = certificate(&case);
        let started = Instant::now();
        let pdf = render(&cert).unwrap_or_else(|e| panic!("{}: {e}", case.kind));
        eprintln!(
            "{}: {} bytes in {:?}, QR version {:?}, code {} chars",
            case.kind,
            pdf.len(),
            started.elapsed(),
            qr_version(&cert.qr_text),
            cert.qr_text.len()
        );
        assert!(pdf.starts_with(b"%PDF-"));
        let xmp = String::from_utf8_lossy(&pdf);
        assert!(
            xmp.contains("<pdfaid:part>2</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance>"),
            "{}: not declared PDF/A-2b",
            case.kind
        );
        let path = dir.path().join(format!("{}.pdf", case.kind));
        std::fs::write(&path, &pdf).unwrap();

        if !poppler {
            continue;
        }
        // A 200 dpi render: saved for people, scanned for the QR code.
        let png_base = dir.path().join(case.kind.as_str());
        run(Command::new("pdftoppm")
            .args(["-r", "200", "-png", "-singlefile"])
            .arg(&path)
            .arg(&png_base));
        let png = png_base.with_extension("png");
        std::fs::copy(&png, shots.join(format!("certificate-{}.png", case.kind))).unwrap();
        std::fs::write(shots.join(format!("certificate-{}.pdf", case.kind)), &pdf).unwrap();

        // The text layer: exact Vietnamese (NFC), in reading order.
        let text = run(Command::new("pdftotext").arg(&path).arg("-"));
        let flat = squash(&text);
        for want in &case.expect {
            assert!(
                flat.contains(want),
                "{}: {want:?} not found in:\n{text}",
                case.kind
            );
        }
        let info = run(Command::new("pdfinfo").arg(&path));
        assert!(info.contains("Pages:           1"), "{info}");
        assert!(info.contains("(A4)"), "{info}");
        assert!(info.contains("Tagged:          yes"), "{info}");
        assert!(
            info.contains(&format!("Title:           {}", printed_title(&case))),
            "{info}"
        );

        // Every font is embedded (the binary does not rely on system fonts).
        let fonts = run(Command::new("pdffonts").arg(&path));
        let rows: Vec<&str> = fonts.lines().skip(2).collect();
        assert!(!rows.is_empty(), "{fonts}");
        assert!(fonts.contains("NotoSerif"), "{fonts}");
        assert!(fonts.contains("NotoMono"), "{fonts}");
        for row in rows {
            let cols: Vec<&str> = row.split_whitespace().collect();
            // name type… encoding emb sub uni object ID
            let n = cols.len();
            assert!(n >= 7, "{row}");
            assert_eq!(cols[n - 5], "yes", "font not embedded: {row}");
            assert_eq!(cols[n - 3], "yes", "font without ToUnicode: {row}");
        }

        if !zbar {
            continue;
        }
        let scanned = run(Command::new("zbarimg").args(["--raw", "-q"]).arg(&png));
        let scanned = scanned.trim_end_matches('\n');
        assert_eq!(scanned, cert.qr_text, "{}: QR content", case.kind);
        let verified = certificate::verify(scanned, |id| {
            (id == KEY_ID).then(|| signing_key().verifying_key())
        })
        .unwrap();
        assert_eq!(verified, case.payload);
    }
}

#[test]
fn typed_fields_serialise_to_the_documented_keys() {
    let typed: BirthFields = serde_json::from_value(birth_fields()).unwrap();
    let again: BirthFields = serde_json::from_value(serde_json::to_value(&typed).unwrap()).unwrap();
    assert_eq!(again, typed);
    assert_eq!(typed.child.full_name, "Nguyễn Thị Hương");

    let typed: MaritalStatusFields = serde_json::from_value(marital_status_fields()).unwrap();
    let json = serde_json::to_value(&typed).unwrap();
    assert_eq!(json["valid_until"], "2027-05-27");
    assert_eq!(json["person"]["date_of_birth"], "1998-02-14");
    let again: MaritalStatusFields = serde_json::from_value(json).unwrap();
    assert_eq!(again, typed);
    assert_eq!(typed.based_on.len(), 2);

    let typed: DivorceFields = serde_json::from_value(divorce_fields()).unwrap();
    let json = serde_json::to_value(&typed).unwrap();
    assert_eq!(json["decision"]["kind"], "divorce");
    assert_eq!(json["husband"]["date_of_birth"], "1995");
    let again: DivorceFields = serde_json::from_value(json).unwrap();
    assert_eq!(again, typed);
    assert_eq!(typed.decision.kind, DecisionKind::Divorce);
}

fn pdf_text(pdf: &[u8]) -> Option<String> {
    if !have("pdftotext") {
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.pdf");
    std::fs::write(&path, pdf).unwrap();
    Some(squash(&run(Command::new("pdftotext").arg(&path).arg("-"))))
}

#[test]
fn annulment_extract_has_its_own_title_and_wording() {
    let mut case = case_of(CertificateKind::Divorce);
    case.fields["decision"]["kind"] = json!("annulment");
    case.fields["decision"]["number"] = json!("05/2026/QĐ-HNGĐ");
    let pdf = render(&certificate(&case)).unwrap();
    let Some(text) = pdf_text(&pdf) else {
        return;
    };
    for want in [
        "TRÍCH LỤC GHI VÀO SỔ HỘ TỊCH VIỆC HỦY KẾT HÔN TRÁI PHÁP LUẬT",
        "Bản án/Quyết định số 05/2026/QĐ-HNGĐ ngày 01/06/2026",
        "Đã ghi vào sổ hộ tịch việc hủy việc kết hôn trái pháp luật ngày 02/07/2026.",
    ] {
        assert!(text.contains(want), "{want:?} not in {text}");
    }
    assert!(!text.contains("VIỆC LY HÔN"), "{text}");
    assert!(!text.contains("việc ly hôn"), "{text}");
}

#[test]
fn marital_status_optional_lines_are_left_out() {
    let mut case = case_of(CertificateKind::MaritalStatus);
    let f = case.fields.as_object_mut().unwrap();
    f.remove("period");
    f.remove("based_on");
    f["status"] = json!("Chưa đăng ký kết hôn với ai.");
    for key in ["date_of_birth", "sex", "ethnicity", "personal_id"] {
        f["person"].as_object_mut().unwrap().remove(key);
    }
    let pdf = render(&certificate(&case)).unwrap();
    if let Some(n) = pages(&pdf) {
        assert_eq!(n, 1);
    }
    let Some(text) = pdf_text(&pdf) else {
        return;
    };
    assert!(
        text.contains("Tình trạng hôn nhân: Chưa đăng ký kết hôn với ai."),
        "{text}"
    );
    assert!(!text.contains("Trong thời gian cư trú"), "{text}");
    assert!(!text.contains("Căn cứ"), "{text}");
    assert!(text.contains("Năm sinh:"), "{text}");
}

#[test]
fn new_kinds_refuse_unknown_missing_or_inconsistent_keys() {
    let refused = |kind: CertificateKind, change: &dyn Fn(&mut Value), what: &str| {
        let mut case = case_of(kind);
        change(&mut case.fields);
        let err = render(&certificate(&case)).unwrap_err();
        assert!(matches!(err, PdfError::Fields { .. }), "{what}: {err}");
        assert_eq!(err.code(), "certificate_fields_invalid", "{what}");
        err.to_string()
    };
    let remove = |path: &'static [&'static str]| {
        move |v: &mut Value| {
            let (last, parents) = path.split_last().unwrap();
            let mut at = v;
            for p in parents {
                at = &mut at[*p];
            }
            assert!(
                at.as_object_mut().unwrap().remove(*last).is_some(),
                "{path:?}"
            );
        }
    };

    let ms = CertificateKind::MaritalStatus;
    let err = refused(ms, &|f| f["statuss"] = json!("x"), "unknown key");
    assert!(err.contains("statuss"), "{err}");
    let err = refused(
        ms,
        &|f| f["person"]["fullname"] = json!("x"),
        "unknown person key",
    );
    assert!(err.contains("fullname"), "{err}");
    for path in [
        &["status"][..],
        &["purpose"],
        &["valid_until"],
        &["person"],
        &["person", "full_name"],
        &["office"],
        &["register"],
        &["signer"],
    ] {
        let err = refused(ms, &remove(path), "missing key");
        assert!(err.contains(path.last().unwrap()), "{path:?}: {err}");
    }
    refused(
        ms,
        &|f| f["valid_until"] = json!("27/05/2027"),
        "dd/mm/yyyy date",
    );
    refused(ms, &|f| f["person"]["sex"] = json!("f"), "bad sex");
    refused(
        ms,
        &|f| f["based_on"] = json!("one line"),
        "based_on not a list",
    );
    refused(ms, &|f| f["status"] = json!("  "), "empty status");
    refused(ms, &|f| f["purpose"] = json!(""), "empty purpose");
    // The certificate prints "6 tháng kể từ ngày cấp": not before the issue, not after 6 months.
    let err = refused(ms, &|f| f["valid_until"] = json!("2027-05-28"), "too late");
    assert!(err.contains("valid_until"), "{err}");
    refused(
        ms,
        &|f| f["valid_until"] = json!("2026-11-26"),
        "before issue",
    );
    // 31 August + 6 months ends on the last day of February.
    let mut case = case_of(ms);
    case.fields["registered_on"] = json!("2026-08-31");
    case.fields["valid_until"] = json!("2027-02-28");
    render(&certificate(&case)).unwrap();
    case.fields["valid_until"] = json!("2027-03-01");
    assert!(matches!(
        render(&certificate(&case)),
        Err(PdfError::Fields { .. })
    ));

    let dv = CertificateKind::Divorce;
    let err = refused(dv, &|f| f["decision"]["judge"] = json!("x"), "unknown key");
    assert!(err.contains("judge"), "{err}");
    let err = refused(dv, &|f| f["marriage"]["place"] = json!("x"), "unknown key");
    assert!(err.contains("place"), "{err}");
    refused(
        dv,
        &|f| f["wife"]["sex"] = json!("female"),
        "sex is not a party key",
    );
    for path in [
        &["wife"][..],
        &["husband"],
        &["marriage"],
        &["decision"],
        &["decision", "kind"],
        &["decision", "effective_on"],
        &["marriage", "registered_on"],
        &["husband", "full_name"],
    ] {
        let err = refused(dv, &remove(path), "missing key");
        assert!(err.contains(path.last().unwrap()), "{path:?}: {err}");
    }
    let err = refused(dv, &|f| f["decision"]["kind"] = json!("separation"), "kind");
    assert!(err.contains("separation"), "{err}");
    let err = refused(
        dv,
        &|f| f["decision"]["effective_on"] = json!("2026-05-31"),
        "effective before decided",
    );
    assert!(err.contains("effective_on"), "{err}");

    // Fields of another kind.
    for (fields, kind) in [
        (birth_fields(), CertificateKind::MaritalStatus),
        (birth_fields(), CertificateKind::Divorce),
        (marital_status_fields(), CertificateKind::Divorce),
        (divorce_fields(), CertificateKind::MaritalStatus),
        (marriage_fields(), CertificateKind::Divorce),
        (divorce_fields(), CertificateKind::Marriage),
    ] {
        let mut cert = certificate(&case_of(kind));
        cert.fields = fields;
        let err = render(&cert).unwrap_err();
        assert!(
            matches!(err, PdfError::Fields { kind: k, .. } if k == kind),
            "{kind}: {err}"
        );
        assert!(!err.message_vi().is_empty());
    }
}

#[test]
fn rendering_is_deterministic() {
    let cert = certificate(&cases().remove(0));
    assert_eq!(render(&cert).unwrap(), render(&cert).unwrap());
}

#[test]
fn nfd_input_prints_as_nfc() {
    let mut case = cases().remove(0);
    case.fields["child"]["full_name"] =
        json!("Nguye\u{302}\u{303}n Thi\u{323} Hu\u{31b}o\u{31b}ng");
    let pdf = render(&certificate(&case)).unwrap();
    if !have("pdftotext") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nfd.pdf");
    std::fs::write(&path, pdf).unwrap();
    let text = run(Command::new("pdftotext").arg(&path).arg("-"));
    assert!(text.contains("Nguyễn Thị Hương"), "{text}");
}

#[test]
fn missing_parents_print_blank_lines() {
    let mut fields = birth_fields();
    fields.as_object_mut().unwrap().remove("father");
    let case = Case {
        fields,
        ..cases().remove(0)
    };
    render(&certificate(&case)).unwrap();
}

#[test]
fn bad_fields_are_reported_with_the_key() {
    let mut case = cases().remove(0);
    case.fields["child"]["date_of_birth"] = json!("05/01/2026");
    let err = render(&certificate(&case)).unwrap_err();
    assert!(matches!(err, PdfError::Fields { .. }), "{err}");
    assert_eq!(err.code(), "certificate_fields_invalid");

    let mut case = cases().remove(0);
    case.fields["child"]["fullname"] = json!("typo");
    let err = render(&certificate(&case)).unwrap_err();
    assert!(err.to_string().contains("fullname"), "{err}");

    let mut case = cases().remove(1);
    case.fields["death"]["time"] = json!("25:00");
    assert!(matches!(
        render(&certificate(&case)),
        Err(PdfError::Fields { .. })
    ));

    // Fields of another kind.
    let mut cert = certificate(&cases().remove(0));
    cert.kind = CertificateKind::Marriage;
    assert!(matches!(render(&cert), Err(PdfError::Fields { .. })));
}

#[test]
fn empty_or_oversized_qr_text_is_refused() {
    let mut cert = certificate(&cases().remove(0));
    cert.qr_text = String::new();
    assert!(matches!(render(&cert), Err(PdfError::Qr(_))));
    cert.qr_text = "x".repeat(5000);
    assert!(matches!(render(&cert), Err(PdfError::Qr(_))));
}

#[test]
fn typical_codes_need_qr_version_12_or_less() {
    for case in cases() {
        let cert = certificate(&case);
        let v = qr_version(&cert.qr_text).unwrap();
        assert!(v <= 12, "{}: version {v}", case.kind);
    }
}

#[test]
fn text_that_looks_like_typst_markup_is_printed_literally() {
    let mut case = cases().remove(0);
    case.fields["child"]["place_of_birth"] = json!("#panic(\"x\") *bold* $x$ [link] \\ <tag> @ref");
    let pdf = render(&certificate(&case)).unwrap();
    if !have("pdftotext") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("markup.pdf");
    std::fs::write(&path, pdf).unwrap();
    let text = squash(&run(Command::new("pdftotext").arg(&path).arg("-")));
    assert!(
        text.contains("#panic(\"x\") *bold* $x$ [link] \\ <tag> @ref"),
        "{text}"
    );
}

#[test]
fn date_in_words_example_from_the_form() {
    assert_eq!(
        date_in_words(date!(2026 - 01 - 05)),
        "Ngày năm, tháng một, năm hai nghìn không trăm hai mươi sáu"
    );
}

#[test]
fn concurrent_renders() {
    let kinds = cases().len();
    let handles: Vec<_> = (0..kinds)
        .map(|i| {
            std::thread::spawn(move || {
                let case = cases().remove(i % kinds);
                render(&certificate(&case)).unwrap().len()
            })
        })
        .collect();
    for h in handles {
        assert!(h.join().unwrap() > 10_000);
    }
}

fn pages(pdf: &[u8]) -> Option<usize> {
    if !have("pdfinfo") {
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.pdf");
    std::fs::write(&path, pdf).unwrap();
    let info = run(Command::new("pdfinfo").arg(&path));
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .map(|n| n.trim().parse().unwrap())
}

#[test]
fn long_values_stay_on_one_page() {
    let long_name = "Tôn Nữ Thị Ngọc Phương Quỳnh Hoàng Yến";
    let long_place = "Bệnh viện Đa khoa vùng Tây Nguyên, số 184 đường Trần Quý Cáp, \
                      khu phố 7, phường Tân An, tỉnh Đắk Lắk, Việt Nam (khoa Sản, phòng 302)";
    for mut case in cases() {
        let f = &mut case.fields;
        for person in [
            "child",
            "mother",
            "father",
            "deceased",
            "declarant",
            "wife",
            "husband",
            "person",
        ] {
            if f.get(person).is_some() {
                f[person]["full_name"] = json!(long_name);
                for key in ["residence", "place_of_birth", "home_town", "id_document"] {
                    if f[person].get(key).is_some() {
                        f[person][key] = json!(long_place);
                    }
                }
            }
        }
        if f.get("death").is_some() {
            f["death"]["place"] = json!(long_place);
            f["death"]["cause"] = json!(long_place);
            f["death"]["notice"] = json!(long_place);
        }
        if f.get("status").is_some() {
            f["period"] = json!(long_place);
            f["status"] = json!(format!(
                "{MARITAL_STATUS} Trước đó đã đăng ký kết hôn với ông {long_name} tại {long_place}."
            ));
            f["based_on"] = json!([long_place, long_place, long_place, long_place]);
            f["purpose"] = json!(format!("{MARITAL_PURPOSE}; {long_place}"));
        }
        if f.get("decision").is_some() {
            f["marriage"]["office_name"] = json!(long_place);
            f["decision"]["court"] = json!(long_place);
        }
        case.payload.full_name = long_name.to_string();
        if case.payload.second_name.is_some() {
            case.payload.second_name = Some(long_name.to_string());
        }
        let cert = certificate(&case);
        let pdf = render(&cert).unwrap();
        eprintln!(
            "{} (long): QR version {:?}, code {} chars",
            case.kind,
            qr_version(&cert.qr_text),
            cert.qr_text.len()
        );
        if let Some(n) = pages(&pdf) {
            assert_eq!(n, 1, "{}: {n} pages", case.kind);
        }
        if matches!(
            case.kind,
            CertificateKind::Marriage | CertificateKind::MaritalStatus | CertificateKind::Divorce
        ) {
            let shots = screenshot_dir();
            std::fs::create_dir_all(&shots).unwrap();
            std::fs::write(
                shots.join(format!("certificate-{}-long.pdf", case.kind)),
                &pdf,
            )
            .unwrap();
        }
    }
}

/// Timing, for people: `cargo test --release -p tuphap-pdf --test render -- --ignored
/// --nocapture render_timing`.
#[test]
#[ignore = "timing report, run on demand"]
fn render_timing() {
    for case in cases() {
        let cert = certificate(&case);
        let first = Instant::now();
        render(&cert).unwrap();
        let first = first.elapsed();
        let n = 20;
        let started = Instant::now();
        for i in 0..n {
            // A different code each time, as in production (no whole-document cache hit).
            let mut c = cert.clone();
            c.fields["register"]["number"] = json!(100 + i);
            render(&c).unwrap();
        }
        eprintln!(
            "{}: first render {first:?}, then {:?} per render (mean of {n})",
            case.kind,
            started.elapsed() / n
        );
    }
}

fn extract_fields() -> Value {
    json!({
        "office": { "name": "UBND phường Hòa Phú", "province": "tỉnh Đắk Lắk" },
        "register": { "number": 12, "book": "01", "year": 2026 },
        "registered_on": "2026-01-07",
        "registration_place": "UBND phường Buôn Ma Thuột, tỉnh Đắk Lắk",
        "signer": { "name": "Lê Thị Thu Hà", "position": "Công chức tư pháp - hộ tịch" },
        "event": "khai sinh",
        "sections": [
            {"heading": "", "lines": [
                {"label": "Họ, chữ đệm, tên", "value": "Y Đăng Khoa Niê", "strong": true},
                {"label": "Ngày, tháng, năm sinh", "value": "05/01/2026"}
            ]},
            {"heading": "Thông tin người mẹ", "lines": [
                {"label": "Họ, chữ đệm, tên người mẹ", "value": "H Linh Niê", "strong": true}
            ]}
        ],
        "copies": 3,
        "fee_per_copy": 8000,
        "fee_total": 24000,
        "requester": "H Linh Niê (mẹ)",
        "issued_on": "2026-11-27",
    })
}

/// A certified copy of an extract (Luật Hộ tịch 2014, Điều 63–64): "BẢN SAO", the record's
/// register entry and content, the copies and their fee; inconsistent fees are refused.
#[test]
fn extract_copy_prints_copy_fee_and_register_entry() {
    let kind = CertificateKind::Extract;
    let p = payload(
        kind,
        12,
        "Y Đăng Khoa Niê",
        None,
        date!(2026 - 01 - 05),
        date!(2026 - 11 - 27),
    );
    let cert = Certificate {
        kind,
        fields: extract_fields(),
        qr_text: certificate::sign(&p, &signing_key(), KEY_ID),
        verify_url: VERIFY_URL.to_string(),
        issued_on: date!(2026 - 11 - 27),
    };
    let pdf = render(&cert).unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    if let Some(n) = pages(&pdf) {
        assert_eq!(n, 1);
    }
    if have("pdftoppm") {
        // For people to look at, as the other kinds.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("extract.pdf");
        std::fs::write(&path, &pdf).unwrap();
        let png_base = dir.path().join("extract");
        run(Command::new("pdftoppm")
            .args(["-r", "100", "-png", "-singlefile"])
            .arg(&path)
            .arg(&png_base));
        let shots = screenshot_dir();
        std::fs::create_dir_all(&shots).unwrap();
        std::fs::copy(
            png_base.with_extension("png"),
            shots.join("certificate-extract.png"),
        )
        .unwrap();
    }
    if let Some(text) = pdf_text(&pdf) {
        for want in [
            "BẢN SAO",
            "TRÍCH LỤC KHAI SINH",
            "Số: 12, Quyển số: 01/2026",
            "Y Đăng Khoa Niê",
            "UBND PHƯỜNG HÒA PHÚ",
            "UBND phường Buôn Ma Thuột, tỉnh Đắk Lắk",
            "07/01/2026",
            "3 bản",
            "24.000 đồng (8.000 đồng × 3 bản)",
            "27/11/2026",
            "H Linh Niê (mẹ)",
        ] {
            assert!(text.contains(want), "{want:?} not in {text}");
        }
    }
    let mut exempt = cert.clone();
    exempt.fields["fee_per_copy"] = json!(0);
    exempt.fields["fee_total"] = json!(0);
    exempt.fields["exemption"] = json!("Người thuộc hộ nghèo (Luật Hộ tịch 2014, Điều 11)");
    let pdf = render(&exempt).unwrap();
    if let Some(text) = pdf_text(&pdf) {
        assert!(text.contains("Miễn: Người thuộc hộ nghèo"), "{text}");
    }
    for (key, value) in [
        ("copies", json!(0)),
        ("copies", json!(51)),
        ("fee_total", json!(8000)),
    ] {
        let mut bad = cert.clone();
        bad.fields[key] = value.clone();
        let err = render(&bad).unwrap_err();
        assert_eq!(err.code(), "certificate_fields_invalid", "{key}={value}");
    }
    let mut bad = exempt.clone();
    bad.fields["fee_per_copy"] = json!(8000);
    bad.fields["fee_total"] = json!(24000);
    assert!(render(&bad).is_err());
    // Free text the font cannot display (PDF/A would refuse it) is printed as "?".
    let mut odd = cert.clone();
    odd.fields["sections"][0]["lines"][1]["value"] = json!("05/01/2026 → 😀 漢");
    let pdf = render(&odd).unwrap();
    if let Some(text) = pdf_text(&pdf) {
        assert!(text.contains("05/01/2026 ? ? ?"), "{text}");
    }
    assert_eq!(tuphap_pdf::vnd(24000), "24.000 đồng");
    assert_eq!(tuphap_pdf::vnd(1_000_000), "1.000.000 đồng");
    assert_eq!(tuphap_pdf::vnd(0), "0 đồng");
}

/// The trích lục of every registration without a form of its own (Luật Hộ tịch 2014, Điều 62):
/// one template, the title of its record kind — an adoption's is Giấy chứng nhận nuôi con nuôi
/// (Luật Nuôi con nuôi 2010, Điều 22), signed as such —, no copies or fee (it is the original);
/// a kind with a form of its own, or none, is refused.
#[test]
fn record_extract_prints_the_title_of_each_record_kind() {
    let case = case_of(CertificateKind::RecordExtract);
    for kind in certificate::RECORD_EXTRACT_KINDS {
        let mut c = certificate(&case);
        c.fields["record_kind"] = json!(kind);
        let pdf = render(&c).unwrap_or_else(|e| panic!("{kind}: {e}"));
        if let Some(n) = pages(&pdf) {
            assert_eq!(n, 1, "{kind}");
        }
        if have("pdftoppm") {
            // For people to look at: each title's layout.
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("t.pdf");
            std::fs::write(&path, &pdf).unwrap();
            let png_base = dir.path().join("t");
            run(Command::new("pdftoppm")
                .args(["-r", "60", "-png", "-singlefile"])
                .arg(&path)
                .arg(&png_base));
            let shots = screenshot_dir();
            std::fs::create_dir_all(&shots).unwrap();
            std::fs::copy(
                png_base.with_extension("png"),
                shots.join(format!("certificate-record_extract-{kind}.png")),
            )
            .unwrap();
        }
        let Some(text) = pdf_text(&pdf) else {
            continue;
        };
        let title = certificate::record_extract_title(kind)
            .unwrap()
            .to_uppercase();
        assert!(text.contains(&title), "{kind}: {title:?} not in {text}");
        assert!(text.contains("Y Đăng Khoa Niê"), "{kind}: {text}");
        assert!(
            !text.contains("BẢN SAO") && !text.contains("Phí"),
            "{kind}: {text}"
        );
        let heading = if kind == "adoption" {
            "NGƯỜI KÝ GIẤY CHỨNG NHẬN"
        } else {
            "NGƯỜI KÝ TRÍCH LỤC"
        };
        assert!(text.contains(heading), "{kind}: {text}");
    }
    for (key, value) in [
        ("record_kind", json!("birth")),
        ("record_kind", json!("adoption_of_a_pet")),
        ("copies", json!(1)),
        ("sections", json!("không phải danh sách")),
    ] {
        let mut bad = certificate(&case);
        bad.fields[key] = value.clone();
        let err = render(&bad).unwrap_err();
        assert_eq!(err.code(), "certificate_fields_invalid", "{key}={value}");
    }
}
