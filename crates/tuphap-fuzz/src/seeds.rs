//! Seed corpora and dictionaries: valid inputs of each format (made by the formats' own writers
//! where there is one), and the tokens a mutation may insert. `tuphap-fuzz`'s test writes them
//! under `fuzz/corpus/<target>/` for cargo-fuzz when asked (`TUPHAP_FUZZ_WRITE_CORPUS=1`).

use ed25519_dalek::SigningKey;
use time::macros::date;
use tuphap_core::certificate::{self, CertificateKind, Payload};
use tuphap_core::exchange_proof::{
    Checkpoint, GENESIS_HASH, PROOF_FORMAT, Proof, ProofEntry, ProofRow, body_hash, entry_hash,
};
use tuphap_core::payment::{Notice, TxnStatus, signed_query};
use tuphap_legacy::generate::{GenerateOptions, generate};

/// Valid (and some nearly valid) inputs for `target`.
pub fn seeds(target: &str) -> Vec<Vec<u8>> {
    let texts: Vec<String> = match target {
        "personal_id" => [
            "001090012345",
            "001226000001",
            "079301234567",
            " 038185000123 ",
            "096099999999",
            "00109001234",
            "999090012345",
            "nam",
            "nữ",
        ]
        .map(str::to_string)
        .to_vec(),
        "certificate_code" => certificate_codes(),
        "dossier_code" => [
            "000.00.31.H13-261127-0001",
            " 000.00.31.h13-270204-0007 ",
            "000.00.00.G01-991231-9999",
            "000.01.00.H26-000229-0001",
            "000.00.31.H13 1",
            "da_tiep_nhan",
        ]
        .map(str::to_string)
        .to_vec(),
        "payment_notice" => payment_notices(),
        "xroad_headers" => [
            "VN/GOV/000.00.00.G01/DANCU\nGET /personal-id/*\n/personal-id/001090012345\nbirth:*,*:registered",
            "VN/COM/0101234567/PORTAL\nPOST /\n/\ndeath:registered",
            "VN//X/Y\n*\nbirth:registered\n*",
        ]
        .map(str::to_string)
        .to_vec(),
        "import_row" => import_rows(),
        "exchange_proof" => vec![exchange_proof()],
        "civil_text" => [
            "2026-11-27",
            "27/11/2026",
            "5/1/2026",
            "2026-02",
            "1990",
            "Nguyễn Văn An",
            "H' Hen Niê",
            "Y Moan Ênuôl",
            "Nguyễn Văn A1",
            "12/2026 01",
            "signer",
        ]
        .map(str::to_string)
        .to_vec(),
        _ => Vec::new(),
    };
    texts.into_iter().map(String::into_bytes).collect()
}

/// Tokens of the formats, inserted by mutations.
pub fn dictionary(target: &str) -> Vec<&'static [u8]> {
    let mut d: Vec<&'static [u8]> = vec![
        b"\xcc\x81",    // combining acute
        "ạ".as_bytes(), // precomposed
        "Đ".as_bytes(), // đ
        "\u{feff}".as_bytes(),
        b"\r\n",
        b"  ",
    ];
    d.extend_from_slice(match target {
        "certificate_code" => &[b"VNHT1.", b".", b"|", b"\\|", b"\\\\", b"=="],
        "dossier_code" => &[b"-", b".", b"0000", b"9999", b"991231", b"000229", b"H13"],
        "payment_notice" => &[
            b"&",
            b"=",
            b"%",
            b"%C3%A1",
            b"%zz",
            b"+",
            b"signature=",
            b"status=paid",
            b"amount=",
            b"\"amount\":",
            b"\"paid_at\":null",
        ],
        "xroad_headers" => &[b"/", b"\n", b"*", b":", b",", b"GET ", b"POST "],
        "import_row" | "exchange_proof" => &[
            b"null",
            b"true",
            b"[]",
            b"{}",
            b"\"\"",
            b"\"2026-02-30\"",
            b"\"9999-12-31\"",
            b"\"0000-01-01\"",
            b"\\u0000",
            b"\\ud800",
            b"1.5",
            b"-0",
        ],
        "civil_text" => &[b"-", b"/", b"'", b"\xe2\x80\x99", b"29", b"02", b"0000"],
        _ => &[],
    });
    d
}

fn certificate_codes() -> Vec<String> {
    let key = SigningKey::from_bytes(&[7; 32]);
    let birth = Payload {
        kind: CertificateKind::Birth,
        record_id: "1234".into(),
        register_number: 57,
        register_book: "01".into(),
        register_year: 2026,
        office_code: "00004".into(),
        full_name: "Nguyễn Thị Ánh Dương".into(),
        second_name: None,
        event_date: date!(2026 - 10 - 02),
        issued_on: date!(2026 - 11 - 27),
    };
    let marriage = Payload {
        kind: CertificateKind::Marriage,
        record_id: "a|b\\c".into(),
        register_number: 1,
        register_year: 1000,
        second_name: Some("Trần Văn Bình".into()),
        ..birth.clone()
    };
    vec![
        certificate::sign(&birth, &key, "00004-20261127-ab12"),
        certificate::sign(&marriage, &key, "k"),
        "VNHT1.e30.AAAA".into(),
    ]
}

fn payment_notices() -> Vec<String> {
    let notice = Notice {
        merchant: "TUPHAP".into(),
        reference: "HS 00004-261127-0001".into(),
        amount: 8000,
        status: TxnStatus::Paid,
        txn: "GD123456".into(),
        paid_at: Some("2026-11-27T10:00:00+07:00".into()),
    };
    let json = serde_json::to_string(&notice).unwrap_or_default();
    vec![
        signed_query("bi-mat", &notice.to_params()),
        json,
        "amount=1&merchant=M&reference=R&status=cancelled".into(),
    ]
}

fn import_rows() -> Vec<String> {
    let mut out = Vec::new();
    let opts = GenerateOptions {
        seed: 8,
        count: Some(24),
        national: false,
    };
    if generate(opts, &mut out).is_err() {
        return Vec::new();
    }
    String::from_utf8_lossy(&out)
        .lines()
        .map(str::to_string)
        .collect()
}

fn exchange_proof() -> String {
    let key = SigningKey::from_bytes(&[9; 32]);
    let body = "{\"personal_id\":\"001226000001\"}";
    let entry = ProofEntry {
        recorded_at: 1_800_000_000_000_000,
        direction: "inbound".into(),
        kind: "request".into(),
        message_id: "m-1".into(),
        client: "VN/GOV/000.00.00.G01/DANCU".into(),
        service: "getCivilStatus".into(),
        status: Some(200),
        duration_us: Some(1200),
        body_hash: body_hash(body.as_bytes()),
        body: Some(body.into()),
    };
    let hash = entry_hash(1, GENESIS_HASH, &entry.fields().content_digest());
    let proof = Proof {
        format: PROOF_FORMAT.into(),
        message_id: "m-1".into(),
        start_prev_hash: GENESIS_HASH.into(),
        rows: vec![ProofRow {
            seq: 1,
            entry: Some(entry),
            content_digest: None,
            hash: hash.clone(),
        }],
        checkpoint: Checkpoint::sign(1, &hash, "k-1", 1_800_000_000_000_001, &key),
        public_key: hex::encode(key.verifying_key().to_bytes()),
    };
    serde_json::to_string(&proof).unwrap_or_default()
}
