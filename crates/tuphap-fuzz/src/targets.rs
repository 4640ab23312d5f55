//! The fuzz targets. Each one: bytes in, the parser called as the server calls it, properties
//! asserted (a broken property panics, and the runner or libFuzzer reports the input).

use std::fmt::Debug;

use ed25519_dalek::SigningKey;
use time::{Date, Month};
use tuphap_core::calendar::WorkingCalendar;
use tuphap_core::certificate;
use tuphap_core::civil::name::PersonName;
use tuphap_core::civil::register::RegisterRef;
use tuphap_core::civil::timing::PartialDate;
use tuphap_core::dates::{format_vn, parse_date, parse_vn};
use tuphap_core::dossier::{Channel, DossierCode, DossierStatus, is_unit_code};
use tuphap_core::exchange_proof::{self, Proof};
use tuphap_core::payment::{self, Notice};
use tuphap_core::personal_id::{PersonalId, Sex};
use tuphap_core::role::Role;
use tuphap_core::text::{VnText, fold, nfc};
use tuphap_domain::civil::check_import_line;
use tuphap_domain::exchange::members;
use tuphap_legacy::format::LegacyRecord;

/// A label of a result: `ok`, or `err:` and the error's variant name.
fn label<T, E: Debug>(r: &Result<T, E>) -> String {
    match r {
        Ok(_) => "ok".to_string(),
        Err(e) => {
            let d = format!("{e:?}");
            let end = d.find(['(', '{', ' ']).unwrap_or(d.len());
            format!("err:{}", &d[..end])
        }
    }
}

/// The text of the input as the server would see it after decoding (invalid UTF-8 replaced,
/// as a lenient reader would).
fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// A date from the first bytes (any year 1–9999), for the checks that take one.
fn date_from(data: &[u8]) -> Date {
    let b = |i: usize| data.get(i).copied().unwrap_or(0);
    let year = 1 + (i32::from(b(0)) << 8 | i32::from(b(1))) % 9999;
    let month = Month::try_from(1 + b(2) % 12).unwrap_or(Month::January);
    Date::from_calendar_date(year, month, 1 + b(3) % 28).unwrap_or(Date::MIN)
}

/// `PersonalId::parse` (API bodies, forms, X-Road queries, import rows) and every accessor of
/// a parsed ID; the ID reads back as itself.
pub fn personal_id(data: &[u8]) -> String {
    let s = text(data);
    let _ = Sex::parse(&s);
    let parsed = PersonalId::parse(&s);
    if let Ok(id) = &parsed {
        assert_eq!(id.as_str().len(), 12);
        assert_eq!(id.to_string(), id.as_str());
        let again = PersonalId::parse(id.as_str());
        assert_eq!(
            again.as_ref().ok(),
            Some(id),
            "a parsed ID reads back as itself"
        );
        let _ = (
            id.province_code(),
            id.province_name(),
            id.province_full_name(),
            id.gso_province_code(),
            id.province_after_2025(),
            id.century_sex_digit(),
            id.century(),
            id.serial(),
        );
        let year = id.birth_year();
        assert!((1900..=2399).contains(&year), "birth year {year}");
        let _ = id.check(id.sex(), date_from(data));
        let _ = id.check(Sex::Male, date_from(data));
    }
    label(&parsed)
}

/// The signing key of the round trip (a fixed seed: the target is deterministic).
fn test_key() -> SigningKey {
    SigningKey::from_bytes(&[7; 32])
}

/// `certificate::parse` and `certificate::verify` (the QR code scanned at `/verify`, the
/// verification API): whatever parses, signed again with its key id, parses and verifies to the
/// same payload.
pub fn certificate_code(data: &[u8]) -> String {
    let s = text(data);
    let key = test_key();
    let public = key.verifying_key();
    let _ = certificate::verify(&s, |_| Some(public));
    let parsed = certificate::parse(&s);
    if let Ok((payload, key_id, _)) = &parsed {
        let code = certificate::sign(payload, &key, key_id);
        let (again, again_key, _) = match certificate::parse(&code) {
            Ok(p) => p,
            Err(e) => panic!("a signed code does not parse: {e:?} ({code})"),
        };
        assert_eq!(&again, payload, "payload round trip");
        assert_eq!(&again_key, key_id, "key id round trip");
        let verified = certificate::verify(&code, |k| (k == key_id).then_some(public));
        assert_eq!(
            verified.as_ref().ok(),
            Some(payload),
            "signed code verifies"
        );
    }
    label(&parsed)
}

/// `DossierCode::parse` (public lookup, citizen pages, the officer queue's search) and the
/// dossier's other codes; a code reads back as itself.
pub fn dossier_code(data: &[u8]) -> String {
    let s = text(data);
    let _ = is_unit_code(&s);
    let _ = DossierStatus::parse(&s);
    let n = data
        .iter()
        .take(8)
        .fold(0i64, |a, b| a.wrapping_mul(257).wrapping_add(i64::from(*b)));
    let _ = Channel::from_code(n);
    let parsed = DossierCode::parse(&s);
    if let Ok(code) = &parsed {
        let text = code.to_string();
        let again = DossierCode::parse(&text);
        assert_eq!(again.as_ref().ok(), Some(code), "{text} reads back");
        let built = DossierCode::new(code.unit(), code.day(), u32::from(code.serial()));
        assert_eq!(built.as_ref().ok(), Some(code));
    }
    // A code built from parts formats to a code that parses to it.
    if let Some((unit, rest)) = s.split_once(' ') {
        let serial = u32::from(rest.len() as u16);
        if let Ok(code) = DossierCode::new(unit, date_from(data), serial) {
            let text = code.to_string();
            assert_eq!(
                DossierCode::parse(&text).ok(),
                Some(code),
                "{text} reads back"
            );
        }
    }
    label(&parsed)
}

/// The payment gateway's answers: the return URL's query, a callback body (JSON), their
/// signatures. A notice written as a signed query reads back as itself and verifies.
pub fn payment_notice(data: &[u8]) -> String {
    const SECRET: &str = "bi-mat-cua-cong-thanh-toan";
    let s = text(data);
    assert_eq!(
        payment::decode_component(&payment::encode_component(&s)).as_deref(),
        Some(s.as_str()),
        "percent-encoding round trip"
    );
    let _ = payment::decode_component(&s);
    let params = payment::parse_query(&s);
    let _ = payment::verify_params(SECRET, &params);
    let _ = payment::verify(SECRET, data, &s);
    let mut outcome = "query:none".to_string();
    if let Some(notice) = Notice::from_params(&params) {
        outcome = "query:notice".to_string();
        round_trip_notice(SECRET, &notice);
    }
    if let Ok(notice) = serde_json::from_slice::<Notice>(data) {
        outcome.push_str("+json");
        let json = serde_json::to_vec(&notice).unwrap_or_default();
        let again: Option<Notice> = serde_json::from_slice(&json).ok();
        assert_eq!(again.as_ref(), Some(&notice), "JSON round trip");
        round_trip_notice(SECRET, &notice);
    }
    outcome
}

fn round_trip_notice(secret: &str, notice: &Notice) {
    let again = Notice::from_params(&notice.to_params());
    // `paid_at` empty is read as absent: compare what the reader keeps.
    let mut expected = notice.clone();
    expected.paid_at = expected.paid_at.filter(|p| !p.is_empty());
    assert_eq!(again.as_ref(), Some(&expected), "parameters round trip");
    let query = payment::signed_query(secret, &notice.to_params());
    let read = payment::parse_query(&query);
    assert!(
        payment::verify_params(secret, &read),
        "a signed query verifies: {query}"
    );
    assert!(
        !payment::verify_params("khac", &read),
        "another secret fails"
    );
    assert_eq!(
        Notice::from_params(&read).as_ref(),
        Some(&expected),
        "signed query round trip: {query}"
    );
}

/// The X-Road headers and what the inbound services read from them: `X-Road-Client` (the
/// subsystem id), the access-right endpoint patterns, the subscription patterns, the request
/// hash. Lines of the input are the fields.
pub fn xroad_headers(data: &[u8]) -> String {
    let s = text(data);
    let mut lines = s.split('\n');
    let client = lines.next().unwrap_or_default();
    let pattern = lines.next().unwrap_or_default();
    let path = lines.next().unwrap_or_default();
    let takes = lines.next().unwrap_or_default();
    let valid = tuphap_store::exchange::is_xroad_subsystem_id(client);
    if valid {
        assert_eq!(client.split('/').count(), 4);
        assert!(client.is_ascii());
    }
    let _ = members::service(client);
    for method in ["GET", "POST", pattern] {
        let _ = members::endpoint_matches(pattern, method, path);
    }
    let (entity, action) = path.split_once(':').unwrap_or((path, ""));
    let takes_it = tuphap_store::exchange::takes_change(takes, entity, action);
    let hash = exchange_proof::body_hash(data);
    assert!(!hash.is_empty());
    format!("client:{valid} takes:{takes_it}")
}

/// One row of `tuphap import`: the format and the rules that need no database, and the
/// legacy-format reader; a typed row written back reads as itself.
pub fn import_row(data: &[u8]) -> String {
    let calendar = WorkingCalendar::new(Vec::new());
    let checked = check_import_line(data, &calendar);
    if let Ok(line) = std::str::from_utf8(data)
        && let Ok(raw) = LegacyRecord::parse_line(line)
        && let Ok(typed) = raw.typed()
    {
        let written = match serde_json::to_string(&typed) {
            Ok(w) => w,
            Err(e) => panic!("a typed row does not serialize: {e}"),
        };
        let again = LegacyRecord::parse_line(&written).and_then(LegacyRecord::typed);
        assert_eq!(
            again.as_ref().ok(),
            Some(&typed),
            "row round trip: {written}"
        );
    }
    match checked {
        Ok(()) => "ok".to_string(),
        Err((code, _)) => format!("err:{code}"),
    }
}

/// A message-log proof file (`tuphap exchange verify-proof FILE`, checked offline, may come
/// from anyone) and a public key in hex.
pub fn exchange_proof(data: &[u8]) -> String {
    let _ = exchange_proof::parse_public_key(&text(data));
    match serde_json::from_slice::<Proof>(data) {
        Ok(proof) => label(&exchange_proof::verify_proof(&proof)),
        Err(_) => "json:invalid".to_string(),
    }
}

/// The free-text fields every form and API body has: dates (ISO and Vietnamese), partial dates,
/// names, register references, roles, text folding. Whatever parses formats to text that parses
/// to the same value.
pub fn civil_text(data: &[u8]) -> String {
    let s = text(data);
    let mut labels = Vec::new();
    let iso = parse_date(&s);
    if let Ok(d) = &iso {
        assert_eq!(
            parse_vn(&format_vn(*d)).ok(),
            Some(*d),
            "dd/mm/yyyy round trip"
        );
    }
    labels.push(label(&iso));
    let vn = parse_vn(&s);
    if let Ok(d) = &vn {
        assert_eq!(
            parse_vn(&format_vn(*d)).ok(),
            Some(*d),
            "dd/mm/yyyy round trip"
        );
    }
    let partial = PartialDate::parse(&s);
    if let Ok(p) = &partial {
        assert_eq!(PartialDate::parse(&p.to_string()).ok(), Some(*p), "{p}");
    }
    labels.push(label(&partial));
    let name = PersonName::parse(&s);
    if let Ok(n) = &name {
        // What is shown (Display) reads back as the same name.
        let shown = format!("{n}");
        assert_eq!(PersonName::parse(&shown).as_ref().ok(), Some(n), "{n}");
    }
    labels.push(label(&name));
    let register = RegisterRef::parse(&s);
    if let Ok(r) = &register {
        assert_eq!(
            RegisterRef::parse(&r.to_string()).as_ref().ok(),
            Some(r),
            "{r}"
        );
    }
    labels.push(label(&register));
    let _ = Role::parse(&s);
    let folded = fold(&s);
    assert_eq!(fold(&folded), folded, "folding is idempotent");
    let normal = nfc(&s);
    assert_eq!(nfc(&normal), normal, "NFC is idempotent");
    let _ = VnText::new(&s);
    labels.join(",")
}
