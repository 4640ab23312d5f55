//! Certificates of registered civil-status records and their signed verification codes.
//!
//! Each registering office signs with its own Ed25519 key. The private key is generated at first
//! use into `<data dir>/keys/<key id>.key` (mode 0600, never in the database or the repository);
//! the public key is stored in `signing_keys`, so any node can verify. Rotation retires the
//! office's current keys (they keep verifying what they signed) and the next issue generates a
//! new one. Every issued certificate is recorded with the record version it shows: a certificate
//! of an older version verifies as superseded.

use std::path::{Path, PathBuf};

use ed25519_dalek::{SigningKey, VerifyingKey};
use serde::Serialize;
use time::Date;
use utoipa::ToSchema;

use tuphap_core::certificate::{CertificateKind, CodeError, Payload, sign, verify};
use tuphap_core::civil::{CivilEvent, certificate_valid_until};
use tuphap_core::dates::{format_vn, vn_today};
use tuphap_core::error::Coded;
use tuphap_core::reference as refdata;
use tuphap_store::NewChange;

use crate::error::{DomainError, ErrorKind, Result};
use crate::{Actor, App, RequestMeta};

/// What the web layer needs to render a certificate (the PDF itself is made by `tuphap-pdf`,
/// which this crate does not depend on).
#[derive(Debug, Clone, Serialize)]
pub struct IssuedCertificate {
    pub record_id: i64,
    pub kind: CertificateKind,
    /// The text of the QR code.
    pub code: String,
    pub issued_on: Date,
    /// The fields of the certificate template (see `tuphap_pdf::fields`).
    pub fields: serde_json::Value,
}

/// The answer of a verification: the minimum needed to compare with the paper.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Verification {
    pub valid: bool,
    /// `valid`, `superseded` (a newer version of the record exists), `revoked`, or the error code
    /// of an invalid code (e.g. `certificate_code_bad_signature`).
    #[schema(example = "valid")]
    pub status: String,
    pub message: String,
    #[schema(example = "birth")]
    pub kind: Option<String>,
    /// The paper's title as printed, e.g. "Giấy khai sinh"; for a `record_extract` the title of
    /// its record's kind ("Trích lục đăng ký giám hộ", "Giấy chứng nhận nuôi con nuôi"…).
    #[schema(example = "Giấy khai sinh")]
    pub title: Option<String>,
    pub full_name: Option<String>,
    pub second_name: Option<String>,
    /// dd/mm/yyyy
    pub event_date: Option<String>,
    #[schema(example = "Số: 1, Quyển số: 01/2026")]
    pub register_text: Option<String>,
    pub office_code: Option<String>,
    pub office_name: Option<String>,
    /// dd/mm/yyyy
    pub issued_on: Option<String>,
}

fn kind_of(record_kind: &str) -> Option<CertificateKind> {
    match record_kind {
        "birth" => Some(CertificateKind::Birth),
        "death" => Some(CertificateKind::Death),
        "marriage" => Some(CertificateKind::Marriage),
        "marital_status" => Some(CertificateKind::MaritalStatus),
        "divorce" => Some(CertificateKind::Divorce),
        // The other registrations' original trích lục (civil/record_extract.rs).
        k if tuphap_core::certificate::record_extract_title(k).is_some() => {
            Some(CertificateKind::RecordExtract)
        }
        _ => None,
    }
}

fn key_path(dir: &Path, key_id: &str) -> PathBuf {
    dir.join(format!("{key_id}.key"))
}

/// Writes a private key file: created new (never overwritten), mode 0600, synced. Shared by
/// every Ed25519 key the platform generates (offices' certificate keys, the exchange
/// message-log key).
pub fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

/// Reads a private key file written by [`write_private`] (the hex of the 32-byte seed).
pub fn read_key(path: &Path) -> Option<SigningKey> {
    let text = std::fs::read_to_string(path).ok()?;
    let bytes = hex::decode(text.trim()).ok()?;
    let seed: [u8; 32] = bytes.try_into().ok()?;
    Some(SigningKey::from_bytes(&seed))
}

impl App {
    /// A registry record as a certificate cites it: "Đăng ký kết hôn Số: 3, Quyển số: 01/2015,
    /// UBND xã …, ngày 02/03/2015".
    pub(crate) async fn record_citation(&self, id: i64) -> Result<String> {
        let Some(r) = self.store.record_by_id(id).await? else {
            return Ok(format!("Hồ sơ số {id}"));
        };
        let office = self
            .store
            .office_by_id(r.office_id)
            .await?
            .map(|o| o.name)
            .unwrap_or_default();
        let what = match r.kind.as_str() {
            "marriage" => "Đăng ký kết hôn",
            "divorce" => "Ghi vào sổ việc ly hôn, hủy kết hôn",
            "death" => "Đăng ký khai tử",
            "birth" => "Đăng ký khai sinh",
            "adoption" => "Đăng ký nuôi con nuôi",
            "guardianship" => "Đăng ký giám hộ",
            "guardianship_change" => "Đăng ký thay đổi người giám hộ",
            _ => "Hồ sơ hộ tịch",
        };
        let register = match (
            r.register_number,
            r.register_book.as_deref(),
            r.register_year,
        ) {
            (Some(n), Some(b), Some(y)) => format!(" {}", crate::civil::register_text(n, b, y)),
            _ => String::new(),
        };
        let on = r
            .registered_on
            .map(|d| format!(", ngày {}", format_vn(d)))
            .unwrap_or_default();
        Ok(format!("{what}{register}, {office}{on}"))
    }
}

/// Full place text: "detail, Phường …, Thành phố …".
pub(crate) fn place_text(place: &serde_json::Value, on: Date) -> String {
    let code = place["admin_unit_code"].as_str().unwrap_or_default();
    let mut parts: Vec<String> = Vec::new();
    if let Some(d) = place["detail"].as_str().filter(|d| !d.trim().is_empty()) {
        parts.push(d.trim().to_string());
    }
    if let Some(u) = refdata::unit_on(code, on).or_else(|| refdata::unit_on(code, vn_today())) {
        parts.push(u.full_name.clone());
        if let Some(p) = refdata::unit_on(&u.province_code, on) {
            parts.push(p.full_name.clone());
        }
    }
    parts.join(", ")
}

/// The "Ghi chú" of a birth, marriage or death registered before (`civil/recorded.rs`), from
/// the record's content.
fn earlier_note(event: CivilEvent, d: &serde_json::Value) -> Option<String> {
    serde_json::from_value::<crate::civil::EarlierRegistrationInput>(
        d["earlier_registration"].clone(),
    )
    .ok()
    .map(|e| crate::civil::earlier_registration_note(event, &e))
}

pub(crate) fn ethnicity_name(code: &serde_json::Value) -> String {
    code.as_str()
        .and_then(refdata::ethnic_group)
        .map(|e| e.name.clone())
        .unwrap_or_default()
}

pub(crate) fn nationality_name(code: &serde_json::Value) -> String {
    code.as_str()
        .and_then(refdata::country)
        .map(|c| c.name_vi.clone())
        .unwrap_or_default()
}

impl App {
    /// The office's current signing key, generated on first use.
    pub(crate) async fn office_key(
        &self,
        office_id: i64,
        office_code: &str,
    ) -> Result<(String, SigningKey)> {
        let dir = self.keys_dir.as_ref().ok_or_else(|| {
            DomainError::new(
                ErrorKind::Unavailable,
                "signing_unavailable",
                "Máy chủ chưa được cấu hình thư mục khóa ký; không cấp được giấy tờ.",
            )
        })?;
        for k in self.store.current_signing_keys(office_id).await? {
            if let Some(sk) = read_key(&key_path(dir, &k.key_id)) {
                return Ok((k.key_id, sk));
            }
        }
        std::fs::create_dir_all(dir).map_err(|e| {
            tracing::error!(error = %e, dir = %dir.display(), "cannot create the keys directory");
            DomainError::internal()
        })?;
        let seed: [u8; 32] = rand::random();
        let sk = SigningKey::from_bytes(&seed);
        let key_id = format!(
            "{office_code}-{}-{}",
            vn_today().to_string().replace('-', ""),
            hex::encode(rand::random::<[u8; 3]>())
        );
        write_private(&key_path(dir, &key_id), &hex::encode(seed)).map_err(|e| {
            tracing::error!(error = %e, "cannot write the signing key");
            DomainError::internal()
        })?;
        let mut tx = self.store.begin().await?;
        tx.signing_key_insert(
            &key_id,
            office_id,
            &hex::encode(sk.verifying_key().to_bytes()),
        )
        .await?;
        tx.commit_with(
            &[crate::identity::system_audit(
                "signing_key.create",
                "signing_key",
                &key_id,
            )],
            &[],
        )
        .await?;
        Ok((key_id, sk))
    }

    /// Retires the office's signing keys; the next certificate is signed with a new key.
    pub async fn rotate_office_key(&self, office_code: &str) -> Result<()> {
        let office = self
            .store
            .office_by_code(office_code)
            .await?
            .ok_or_else(|| {
                DomainError::not_found(
                    "office_not_found",
                    format!("Không có cơ quan mã {office_code}."),
                )
            })?;
        let mut tx = self.store.begin().await?;
        tx.signing_keys_retire(office.id).await?;
        tx.commit_with(
            &[crate::identity::system_audit(
                "signing_key.rotate",
                "office",
                office_code,
            )],
            &[],
        )
        .await?;
        Ok(())
    }

    /// Issues the certificate of a registered record (users of the registering office): signs its
    /// verification code, records the issue, and marks the record `certificate_issued`.
    pub async fn issue_certificate(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        id: i64,
    ) -> Result<IssuedCertificate> {
        let view = self.get_record(actor, meta, id).await?;
        let r = self
            .store
            .record_by_id(id)
            .await?
            .ok_or_else(DomainError::internal)?;
        if r.office_id != actor.office.id {
            return Err(DomainError::forbidden(
                "Chỉ cơ quan đã đăng ký mới cấp giấy tờ của hồ sơ này; nơi khác cấp bản sao trích lục.",
            ));
        }
        let audit = |action: &str| actor.audit(meta, action);
        self.certificate_for(&r, &view.data, actor.user_id, &audit)
            .await
    }

    /// The certificate of a record declared from an online dossier, for the citizen who filed the
    /// dossier (the electronic result, Nghị định 45/2020/NĐ-CP): issued in the name of the
    /// registering office by its signer if no one printed it yet, else the same code again.
    /// Audited as the citizen's.
    pub async fn dossier_certificate(
        &self,
        citizen: &crate::citizen::Citizen,
        meta: &RequestMeta,
        code: &str,
    ) -> Result<IssuedCertificate> {
        let code = code.trim().to_ascii_uppercase();
        let d = self
            .store
            .dossier_by_code(&code)
            .await?
            .filter(|d| d.applicant_personal_id == citizen.personal_id)
            .ok_or_else(|| {
                DomainError::not_found(
                    "dossier_not_found",
                    format!("Không tìm thấy hồ sơ có mã \u{201c}{code}\u{201d} của bạn."),
                )
            })?;
        let Some(record_id) = d.record_id.filter(|_| d.has_result) else {
            return Err(DomainError::new(
                ErrorKind::Conflict,
                "dossier_result_not_ready",
                "Hồ sơ chưa có kết quả: giấy tờ điện tử có sau khi cơ quan đăng ký xong.",
            ));
        };
        let r = self
            .store
            .record_by_id(record_id)
            .await?
            .ok_or_else(DomainError::internal)?;
        let data = self.record_current_data(&r).await?;
        let issued_by = r.registered_by.ok_or_else(DomainError::internal)?;
        let audit = |action: &str| {
            let mut e = citizen.audit(meta, action);
            e.details = Some(serde_json::json!({"dossier": code}));
            e
        };
        self.certificate_for(&r, &data, issued_by, &audit).await
    }

    /// Signs (or finds) the certificate of a registered record for its current version.
    async fn certificate_for(
        &self,
        r: &tuphap_store::civil::RecordRow,
        data: &serde_json::Value,
        issued_by: i64,
        audit: &(dyn Fn(&str) -> tuphap_store::NewAuditEntry + Sync),
    ) -> Result<IssuedCertificate> {
        let id = r.id;
        let (Some(number), Some(book), Some(year), Some(registered_on)) = (
            r.register_number,
            r.register_book.clone(),
            r.register_year,
            r.registered_on,
        ) else {
            return Err(DomainError::new(
                ErrorKind::Conflict,
                "civil_record_not_registered",
                format!("Hồ sơ số {id} chưa được đăng ký nên chưa cấp giấy được."),
            ));
        };
        let Some(kind) = kind_of(&r.kind) else {
            return Err(DomainError::new(
                ErrorKind::Conflict,
                "certificate_kind_none",
                format!(
                    "Hồ sơ {} không có giấy riêng: việc này được ghi vào hồ sơ gốc (số {}), in lại giấy của hồ sơ đó theo nội dung mới.",
                    crate::civil::kind_name(&r.kind),
                    r.target_record_id
                        .map(|t| t.to_string())
                        .unwrap_or_else(|| "?".into())
                ),
            ));
        };
        let office = self
            .store
            .office_by_id(r.office_id)
            .await?
            .ok_or_else(DomainError::internal)?;
        let signer = match r.registered_by {
            Some(u) => self.store.user_by_id(u).await?,
            None => None,
        };
        let province = office
            .province_code
            .as_deref()
            .and_then(|p| refdata::unit_on(p, registered_on))
            .map(|u| u.full_name.clone());
        let d = data;
        let common = serde_json::json!({
            "office": {"name": office.name, "province": province},
            "register": {"number": number, "book": book, "year": year},
            "registered_on": registered_on.to_string(),
            "signer": {"name": signer.as_ref().map(|s| s.display_name.clone()).unwrap_or_default(),
                       "position": "Chủ tịch/Phó Chủ tịch UBND"},
        });
        let mut record_extract_date = None;
        let (fields_kind, full_name, second_name) = match kind {
            // Copies of extracts are issued by `issue_extract` (civil/extract.rs), never here.
            CertificateKind::Extract => return Err(DomainError::internal()),
            CertificateKind::RecordExtract => {
                let paper = self.record_extract_paper(r, d, registered_on).await?;
                record_extract_date = Some(paper.event_date);
                (paper.fields, paper.full_name, paper.second_name)
            }
            CertificateKind::Birth => {
                let parent = |p: &serde_json::Value| {
                    if p.is_null() {
                        return serde_json::Value::Null;
                    }
                    serde_json::json!({
                        "full_name": p["full_name"],
                        "date_of_birth": p["date_of_birth"],
                        "ethnicity": ethnicity_name(&p["ethnicity_code"]),
                        "nationality": nationality_name(&p["nationality_code"]),
                        "residence": place_text(&p["residence"], registered_on),
                    })
                };
                let child = &d["child"];
                let dob = tuphap_core::dates::parse_date(
                    child["date_of_birth"].as_str().unwrap_or_default(),
                )
                .unwrap_or(r.event_date);
                // The number the population database assigned after registration (the linked
                // procedure) is on the person, not in the declaration.
                let child_pid = match child["personal_id"].as_str() {
                    Some(p) => Some(p.to_string()),
                    None => self
                        .store
                        .person_by_id(r.subject_person_id)
                        .await?
                        .and_then(|p| p.personal_id),
                };
                (
                    serde_json::json!({
                        "child": {
                            "personal_id": child_pid,
                            "full_name": child["full_name"],
                            "date_of_birth": child["date_of_birth"],
                            "sex": child["sex"],
                            "ethnicity": ethnicity_name(&child["ethnicity_code"]),
                            "nationality": nationality_name(&child["nationality_code"]),
                            "place_of_birth": place_text(&child["place_of_birth"], dob),
                            "home_town": child["home_town"].as_str().unwrap_or_default(),
                        },
                        "mother": parent(&d["mother"]),
                        "father": parent(&d["father"]),
                        "note": earlier_note(CivilEvent::Birth, d),
                    }),
                    child["full_name"].as_str().unwrap_or_default().to_string(),
                    None,
                )
            }
            CertificateKind::Death => {
                let p = &d["deceased"];
                (
                    serde_json::json!({
                        "deceased": {
                            "full_name": p["full_name"],
                            "date_of_birth": p["date_of_birth"],
                            "sex": p["sex"],
                            "ethnicity": p["ethnicity_code"].as_str().map(|_| ethnicity_name(&p["ethnicity_code"])),
                            "nationality": p["nationality_code"].as_str().map(|_| nationality_name(&p["nationality_code"])),
                            "personal_id": p["personal_id"],
                            "residence": if p["residence"].is_null() { None } else { Some(place_text(&p["residence"], registered_on)) },
                        },
                        "death": {
                            "date": d["date_of_death"],
                            "place": place_text(&d["place_of_death"], r.event_date),
                            "cause": d["cause"].as_str().unwrap_or_default(),
                        },
                        "declarant": {
                            "full_name": d["declarant"]["full_name"],
                            "relationship": d["declarant"]["relationship"],
                        },
                        "note": earlier_note(CivilEvent::Death, d),
                    }),
                    p["full_name"].as_str().unwrap_or_default().to_string(),
                    None,
                )
            }
            CertificateKind::Marriage => {
                let spouse = |p: &serde_json::Value| {
                    serde_json::json!({
                        "full_name": p["full_name"],
                        "date_of_birth": p["date_of_birth"],
                        "ethnicity": ethnicity_name(&p["ethnicity_code"]),
                        "nationality": nationality_name(&p["nationality_code"]),
                        "residence": place_text(&p["residence"], registered_on),
                    })
                };
                (
                    serde_json::json!({
                        "wife": spouse(&d["wife"]),
                        "husband": spouse(&d["husband"]),
                        "note": earlier_note(CivilEvent::Marriage, d),
                    }),
                    d["wife"]["full_name"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                    d["husband"]["full_name"].as_str().map(str::to_string),
                )
            }
            CertificateKind::MaritalStatus => {
                let data: crate::civil::MaritalStatusData =
                    serde_json::from_value(d.clone()).map_err(|_| DomainError::internal())?;
                let a = &data.request.applicant;
                let mut based_on = Vec::new();
                for rid in &data.based_on {
                    based_on.push(self.record_citation(*rid).await?);
                }
                let period = data
                    .request
                    .residence_from
                    .as_deref()
                    .and_then(|f| tuphap_core::dates::parse_date(f).ok())
                    .map(|f| {
                        format!(
                            "Từ ngày {} đến ngày {}",
                            format_vn(f),
                            format_vn(registered_on)
                        )
                    });
                (
                    serde_json::json!({
                        "person": {
                            "full_name": a.full_name,
                            "date_of_birth": a.date_of_birth,
                            "sex": a.sex,
                            "ethnicity": ethnicity_name(&serde_json::json!(a.ethnicity_code)),
                            "nationality": nationality_name(&serde_json::json!(a.nationality_code)),
                            "personal_id": a.personal_id,
                            "residence": place_text(&serde_json::json!(a.residence), registered_on),
                        },
                        "period": period,
                        "status": data.sentence,
                        "based_on": based_on,
                        "purpose": crate::civil::purpose_text(&data.request.purpose, &a.sex),
                        "valid_until": certificate_valid_until(registered_on).to_string(),
                    }),
                    a.full_name.clone(),
                    None,
                )
            }
            CertificateKind::Divorce => {
                let data: crate::civil::DivorceRecording =
                    serde_json::from_value(d.clone()).map_err(|_| DomainError::internal())?;
                let marriage = self
                    .store
                    .record_by_id(data.marriage_record_id)
                    .await?
                    .ok_or_else(DomainError::internal)?;
                let m: crate::civil::MarriageDeclaration =
                    self.current_data(data.marriage_record_id).await?;
                let marriage_office = self
                    .store
                    .office_by_id(marriage.office_id)
                    .await?
                    .map(|o| o.name)
                    .unwrap_or_default();
                let party = |p: &crate::civil::SpouseInput| {
                    serde_json::json!({
                        "full_name": p.full_name,
                        "date_of_birth": p.date_of_birth,
                        "nationality": nationality_name(&serde_json::json!(p.nationality_code)),
                        "personal_id": p.personal_id,
                        "residence": place_text(&serde_json::json!(p.residence), registered_on),
                    })
                };
                (
                    serde_json::json!({
                        "husband": party(&m.husband),
                        "wife": party(&m.wife),
                        "marriage": {
                            "register": match (marriage.register_number, marriage.register_book.as_deref(), marriage.register_year) {
                                (Some(n), Some(b), Some(y)) => crate::civil::register_text(n, b, y),
                                _ => String::new(),
                            },
                            "office_name": marriage_office,
                            "registered_on": marriage.registered_on.unwrap_or(marriage.event_date).to_string(),
                        },
                        "decision": data.decision,
                    }),
                    m.wife.full_name.clone(),
                    Some(m.husband.full_name.clone()),
                )
            }
        };
        let mut fields = common;
        if let (Some(f), Some(extra)) = (fields.as_object_mut(), fields_kind.as_object()) {
            for (k, v) in extra {
                if !v.is_null() {
                    f.insert(k.clone(), v.clone());
                }
            }
        }
        // A certificate already issued for the current version is printed again with the same
        // code (one code per version of the record).
        if let Some(c) = self
            .store
            .certificates_of(id)
            .await?
            .into_iter()
            .find(|c| c.record_version == r.current_version && c.revoked_at.is_none())
        {
            let mut e = audit("civil.certificate.print");
            e.target_type = Some("civil_record".into());
            e.target_id = Some(id.to_string());
            self.store.audit(&[e]).await?;
            return Ok(IssuedCertificate {
                record_id: id,
                kind,
                code: c.code,
                issued_on: c.issued_on,
                fields,
            });
        }
        let today = vn_today();
        let (key_id, key) = self.office_key(office.id, &office.code).await?;
        // A new issue after a revocation or a new version gets its own code: the n-th
        // certificate of a record carries `<record id>-<n>` (signatures are deterministic, so
        // the same payload would give the revoked code again).
        let earlier = self.store.certificates_of(id).await?.len();
        let payload = Payload {
            kind,
            record_id: if earlier == 0 {
                id.to_string()
            } else {
                format!("{id}-{}", earlier + 1)
            },
            register_number: u32::try_from(number).unwrap_or(0),
            register_book: book.clone(),
            register_year: year,
            office_code: office.code.clone(),
            full_name,
            second_name,
            // A marital-status certificate's date is its issue (registration) date: its 6 months
            // run from there.
            event_date: if kind == CertificateKind::MaritalStatus {
                registered_on
            } else {
                record_extract_date.unwrap_or(r.event_date)
            },
            issued_on: today,
        };
        let code = sign(&payload, &key, &key_id);
        let mut tx = self.store.begin().await?;
        tx.certificate_insert(id, r.current_version, &key_id, &code, today, issued_by)
            .await?;
        if r.status == "registered" {
            tx.record_set_status(id, "certificate_issued", None).await?;
        }
        let mut e = audit("civil.certificate.issue");
        e.target_type = Some("civil_record".into());
        e.target_id = Some(id.to_string());
        e.details = Some(serde_json::json!({"key_id": key_id, "version": r.current_version}));
        tx.commit_with(
            &[e],
            &[NewChange {
                entity: r.kind.clone(),
                entity_id: id.to_string(),
                action: "certificate_issued".into(),
                actor_user_id: Some(issued_by),
                payload: serde_json::json!({"office": office.code, "key_id": key_id}),
            }],
        )
        .await?;
        Ok(IssuedCertificate {
            record_id: id,
            kind,
            code,
            issued_on: today,
            fields,
        })
    }

    /// Revokes the certificates issued for a record (signers of the registering office), e.g. a
    /// paper issued with an error or reported as issued to the wrong person: they verify as
    /// `revoked` from now on, the record goes back to the "to print" queue and the next issue
    /// gets a new code. The reason is required and audited.
    pub async fn revoke_certificates(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        id: i64,
        reason: &str,
    ) -> Result<u64> {
        actor.require(
            actor.role == tuphap_core::role::Role::Signer,
            "thu hồi giấy tờ hộ tịch (chỉ người ký)",
        )?;
        let reason = tuphap_core::text::VnText::new(reason).as_str().to_string();
        if reason.is_empty() {
            return Err(DomainError::new(
                ErrorKind::Unprocessable,
                "reason_required",
                "Cần ghi lý do thu hồi giấy tờ.",
            )
            .with_field("reason"));
        }
        self.get_record(actor, meta, id).await?;
        let mut tx = self.store.begin().await?;
        let r = tx
            .record_for_update(id)
            .await?
            .ok_or_else(DomainError::internal)?;
        if r.office_id != actor.office.id {
            return Err(DomainError::forbidden(
                "Chỉ cơ quan đã đăng ký và cấp giấy mới thu hồi được giấy tờ của hồ sơ này.",
            ));
        }
        let revoked = tx.certificates_revoke(id).await?;
        if revoked == 0 {
            return Err(DomainError::new(
                ErrorKind::Conflict,
                "certificate_not_issued",
                format!("Hồ sơ số {id} không có giấy tờ nào đang có hiệu lực để thu hồi."),
            ));
        }
        if r.status == "certificate_issued" {
            tx.record_set_status(id, "registered", None).await?;
        }
        let mut e = actor.audit(meta, "civil.certificate.revoke");
        e.target_type = Some("civil_record".into());
        e.target_id = Some(id.to_string());
        e.reason = Some(reason.clone());
        e.details = Some(serde_json::json!({"revoked": revoked}));
        tx.commit_with(
            &[e],
            &[NewChange {
                entity: r.kind.clone(),
                entity_id: id.to_string(),
                action: "certificate_revoked".into(),
                actor_user_id: Some(actor.user_id),
                payload: serde_json::json!({"revoked": revoked, "reason": reason}),
            }],
        )
        .await?;
        Ok(revoked)
    }

    /// Verifies a certificate's code (public: anyone holding the paper may check it). Never
    /// fails on bad input: an invalid code is `valid: false` with the reason.
    pub async fn verify_certificate(&self, code: &str) -> Result<Verification> {
        let code = code.trim();
        // Public keys are looked up before verification (the lookup closure is synchronous).
        let key_id = tuphap_core::certificate::parse(code)
            .ok()
            .map(|(_, k, _)| k);
        let public = match &key_id {
            Some(k) => self
                .store
                .signing_key(k)
                .await?
                .and_then(|row| hex::decode(row.public_key).ok())
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .and_then(|b| VerifyingKey::from_bytes(&b).ok()),
            None => None,
        };
        let invalid = |e: CodeError| Verification {
            valid: false,
            status: e.code().to_string(),
            message: e.message_vi(),
            kind: None,
            title: None,
            full_name: None,
            second_name: None,
            event_date: None,
            register_text: None,
            office_code: None,
            office_name: None,
            issued_on: None,
        };
        let payload = match verify(code, |k| {
            if Some(k) == key_id.as_deref() {
                public
            } else {
                None
            }
        }) {
            Ok(p) => p,
            Err(e) => return Ok(invalid(e)),
        };
        let office_name = self
            .store
            .office_by_code(&payload.office_code)
            .await?
            .map(|o| o.name);
        let mut v = Verification {
            valid: true,
            status: "valid".into(),
            message: "Giấy tờ hợp lệ: chữ ký số đúng và khớp với Cơ sở dữ liệu hộ tịch điện tử."
                .into(),
            kind: Some(payload.kind.as_str().into()),
            title: Some(payload.kind.title_vi().into()),
            full_name: Some(payload.full_name.clone()),
            second_name: payload.second_name.clone(),
            event_date: Some(format_vn(payload.event_date)),
            register_text: Some(crate::civil::register_text(
                i32::try_from(payload.register_number).unwrap_or(0),
                &payload.register_book,
                payload.register_year,
            )),
            office_code: Some(payload.office_code.clone()),
            office_name,
            issued_on: Some(format_vn(payload.issued_on)),
        };
        let issued = match self.store.certificate_by_code(code).await? {
            // Certified copies of extracts are recorded with their issuances (civil/extract.rs).
            None if payload.kind == CertificateKind::Extract => {
                self.extract_issue_by_code(code).await?
            }
            found => found,
        };
        let record = match &issued {
            Some(c) => self.store.record_by_id(c.record_id).await?,
            None => None,
        };
        if payload.kind == CertificateKind::RecordExtract
            && let Some(t) = record
                .as_ref()
                .and_then(|r| tuphap_core::certificate::record_extract_title(&r.kind))
        {
            v.title = Some(t.into());
        }
        match (issued, record) {
            (Some(c), _) if c.revoked_at.is_some() => {
                v.valid = false;
                v.status = "revoked".into();
                v.message = "Giấy tờ này đã bị thu hồi, hủy bỏ.".into();
            }
            (Some(c), Some(r)) if c.record_version < r.current_version => {
                v.valid = false;
                v.status = "superseded".into();
                v.message = "Chữ ký đúng nhưng hồ sơ đã được cải chính, bổ sung sau khi cấp giấy này: giấy đã được thay thế bằng giấy mới.".into();
            }
            (Some(_), Some(_))
                if payload.kind == CertificateKind::MaritalStatus
                    && vn_today() > certificate_valid_until(payload.event_date) =>
            {
                v.valid = false;
                v.status = "expired".into();
                v.message = format!(
                    "Chữ ký đúng nhưng Giấy xác nhận tình trạng hôn nhân chỉ có giá trị 6 tháng kể từ ngày cấp, đến hết ngày {} (Nghị định 123/2015/NĐ-CP, Điều 23).",
                    format_vn(certificate_valid_until(payload.event_date))
                );
            }
            (Some(_), Some(_)) => {}
            _ => {
                v.valid = false;
                v.status = "not_issued".into();
                v.message = "Chữ ký đúng nhưng Cơ sở dữ liệu hộ tịch không có giấy tờ nào được cấp với mã này.".into();
            }
        }
        if payload.kind == CertificateKind::Extract && v.status == "superseded" {
            v.message = "Chữ ký đúng nhưng hồ sơ đã được thay đổi, cải chính, bổ sung sau khi cấp bản sao này: nội dung bản sao không còn là nội dung hiện hành của sổ hộ tịch.".into();
        }
        Ok(v)
    }
}
