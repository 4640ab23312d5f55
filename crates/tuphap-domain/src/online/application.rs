//! A citizen's online application (issue 7, item 3): the procedure chosen from the catalogue,
//! the office that settles it, the form's content, the uploaded documents and the copies of the
//! extract asked for. Checked here, then filed as a dossier (`dossier::submit_dossier`) in one
//! transaction with its files.
//!
//! * **Once-only.** The applicant is the logged-in citizen: the declarant's name and personal ID
//!   come from the login (VNeID), never from the form.
//! * **The form is checked like the officer's.** A birth application is a `BirthDeclaration`
//!   checked by the same rules the officer's declaration runs (`check_birth`), so the officer's
//!   form, pre-filled from it, does not fail on what the citizen could have fixed.
//! * **Uploads.** At most [`MAX_FILES`] files of at most [`MAX_FILE_BYTES`] each; PDF, JPEG or PNG
//!   recognised by their first bytes (the name and the browser's type are not trusted); the
//!   first required document of the procedure (for a birth, the Giấy chứng sinh) must be there.
//! * **Fee.** The procedure's fee (catalogue) plus the copies of the extract times the fee of
//!   procedure `BTP-HT-BSTL` (copies of civil-status extracts; amount set by the province and
//!   edited in the catalogue).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use tuphap_store::dossiers::{DossierRow, NewDossierFile};

use crate::citizen::Citizen;
use crate::civil::BirthDeclaration;
use crate::error::{DomainError, ErrorKind, Result};
use crate::online::dossier::SubmitDossier;
use crate::{App, RequestMeta};

/// At most this many files per application.
pub const MAX_FILES: usize = 5;
/// At most this many bytes per file (5 MiB).
pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;
/// At most this many copies of the extract.
pub const MAX_COPIES: u32 = 10;
/// The catalogue's procedure for copies of extracts (its fee prices each copy).
pub const COPY_PROCEDURE: &str = "BTP-HT-BSTL";

/// A file as uploaded.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The required document it answers (as the form named it).
    pub component: String,
    pub file_name: String,
    pub content: Vec<u8>,
}

/// What a citizen files.
#[derive(Debug, Clone)]
pub struct OnlineApplication {
    pub procedure_code: String,
    pub office_code: String,
    /// The form's content (for a birth, a `BirthDeclaration` as JSON).
    pub application: serde_json::Value,
    pub copies: u32,
    pub files: Vec<Upload>,
}

/// An office that takes online dossiers (it has a dossier unit code).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct OnlineOffice {
    pub code: String,
    pub name: String,
}

fn refused(code: &'static str, field: &str, message: impl Into<String>) -> DomainError {
    DomainError::new(ErrorKind::Unprocessable, code, message).with_field(field)
}

/// The content type of a file from its first bytes: PDF, JPEG or PNG.
pub fn sniff_content_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else {
        None
    }
}

/// A file name safe to store and to send back in a header: the last path segment, without
/// control characters or quotes, at most 120 characters.
pub fn clean_file_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '\\' | '/'))
        .take(120)
        .collect();
    let cleaned = cleaned.trim().to_string();
    if cleaned.is_empty() {
        "tep-dinh-kem".to_string()
    } else {
        cleaned
    }
}

/// Checks the uploads: count, size, type, and that the first required document is there.
fn check_files(files: Vec<Upload>, required: &[String]) -> Result<Vec<NewDossierFile>> {
    let files: Vec<Upload> = files
        .into_iter()
        .filter(|f| !f.content.is_empty())
        .collect();
    if files.len() > MAX_FILES {
        return Err(refused(
            "dossier_too_many_files",
            "files",
            format!("Mỗi hồ sơ đính kèm tối đa {MAX_FILES} tệp."),
        ));
    }
    let mut out = Vec::with_capacity(files.len());
    for f in files {
        let name = clean_file_name(&f.file_name);
        if f.content.len() > MAX_FILE_BYTES {
            return Err(refused(
                "dossier_file_too_large",
                "files",
                format!(
                    "Tệp \u{201c}{name}\u{201d} lớn hơn {} MB; hãy chụp hoặc quét lại với dung lượng nhỏ hơn.",
                    MAX_FILE_BYTES / (1024 * 1024)
                ),
            ));
        }
        let Some(content_type) = sniff_content_type(&f.content) else {
            return Err(refused(
                "dossier_file_type_refused",
                "files",
                format!(
                    "Tệp \u{201c}{name}\u{201d} không phải PDF, JPEG hoặc PNG; chỉ nhận các định dạng này."
                ),
            ));
        };
        let component = {
            let c = tuphap_core::text::VnText::new(&f.component).into_string();
            if c.is_empty() || c.chars().count() > 300 {
                "Giấy tờ khác".to_string()
            } else {
                c
            }
        };
        out.push(NewDossierFile {
            component,
            file_name: name,
            content_type: content_type.to_string(),
            sha256: hex::encode(Sha256::digest(&f.content)),
            content: f.content,
            scan_status: "not_scanned".into(),
        });
    }
    // The first required document after the form itself (for a birth: the Giấy chứng sinh).
    if let Some(first) = required.iter().find(|d| !d.starts_with("Tờ khai"))
        && !first.starts_with("Giấy tờ tùy thân")
        && !out.iter().any(|f| &f.component == first)
    {
        return Err(refused(
            "dossier_document_missing",
            "files",
            format!("Cần đính kèm: {first}."),
        ));
    }
    Ok(out)
}

/// Sets each checked file's anti-malware status from the scan (`pending` when the scan has no
/// verdict for it: never stored as clean without one).
fn with_scan_statuses(
    mut files: Vec<NewDossierFile>,
    scans: &crate::online::malware::ScanStatuses,
) -> Vec<NewDossierFile> {
    for f in &mut files {
        f.scan_status = scans
            .get(&f.sha256)
            .copied()
            .unwrap_or("pending")
            .to_string();
    }
    files
}

impl App {
    /// The offices that take online dossiers (those with a dossier unit code), by name.
    pub async fn online_offices(&self) -> Result<Vec<OnlineOffice>> {
        Ok(self
            .store
            .offices_with_dossier_unit_code()
            .await?
            .into_iter()
            .map(|(code, name)| OnlineOffice { code, name })
            .collect())
    }

    /// Files a citizen's application as a dossier (see the module's rules).
    pub async fn apply_online(
        &self,
        citizen: &Citizen,
        meta: &RequestMeta,
        input: OnlineApplication,
        now: OffsetDateTime,
    ) -> Result<DossierRow> {
        let procedure = self
            .store
            .procedure(input.procedure_code.trim())
            .await?
            .map(|r| r.procedure)
            .filter(|p| p.active && p.online)
            .ok_or_else(|| {
                refused(
                    "procedure_not_online",
                    "procedure_code",
                    "Thủ tục này không có hoặc chưa được cung cấp trực tuyến.",
                )
            })?;
        let application = match procedure.record_kind.as_deref() {
            Some("birth") => {
                let mut d: BirthDeclaration =
                    serde_json::from_value(input.application).map_err(|e| {
                        refused(
                            "application_invalid",
                            "application",
                            format!("Tờ khai không đọc được: {e}."),
                        )
                    })?;
                // Once-only: the declarant is the logged-in citizen.
                d.declarant.full_name = citizen.full_name.clone();
                d.declarant.personal_id = Some(citizen.personal_id.clone());
                let calendar = self.working_calendar().await?;
                crate::civil::check_birth(&d, tuphap_core::dates::vn_today(), &calendar)?;
                serde_json::to_string(&d).map_err(|_| DomainError::internal())?
            }
            _ => {
                return Err(refused(
                    "procedure_not_online",
                    "procedure_code",
                    format!(
                        "Thủ tục \u{201c}{}\u{201d} chưa có tờ khai trực tuyến trên hệ thống này; vui lòng nộp tại bộ phận một cửa.",
                        procedure.name
                    ),
                ));
            }
        };
        if input.copies > MAX_COPIES {
            return Err(refused(
                "dossier_copies_invalid",
                "copies",
                format!("Số bản sao trích lục từ 0 đến {MAX_COPIES}."),
            ));
        }
        let copy_fee = if input.copies > 0 {
            self.store
                .procedure(COPY_PROCEDURE)
                .await?
                .and_then(|r| r.procedure.fee_vnd)
                .ok_or_else(|| {
                    refused(
                        "dossier_copy_fee_unknown",
                        "copies",
                        "Chưa có mức phí cấp bản sao trích lục trên hệ thống; vui lòng nhận bản sao tại bộ phận một cửa.",
                    )
                })?
        } else {
            0
        };
        let fee_vnd = procedure.fee_vnd.unwrap_or(0) + i64::from(input.copies) * copy_fee;
        let scans = self
            .scan_uploads(
                &format!("citizen:{}", citizen.personal_id),
                meta,
                &input.files,
            )
            .await?;
        let files = with_scan_statuses(
            check_files(input.files, &procedure.required_documents)?,
            &scans,
        );
        self.submit_dossier(
            meta,
            SubmitDossier {
                office_code: input.office_code,
                procedure_code: procedure.code.clone(),
                procedure_name: procedure.name.clone(),
                processing_days: u32::try_from(procedure.processing_days).unwrap_or(0),
                applicant_personal_id: citizen.personal_id.clone(),
                applicant_name: citizen.full_name.clone(),
                paid_online: 0,
                application: Some(application),
                copies: input.copies,
                fee_vnd,
                files,
            },
            now,
        )
        .await
    }
}

impl App {
    /// The citizen's own dossiers, newest first.
    pub async fn citizen_dossiers(&self, citizen: &Citizen) -> Result<Vec<DossierRow>> {
        Ok(self
            .store
            .dossiers_of_applicant(&citizen.personal_id, 200)
            .await?)
    }

    /// The citizen answers a supplement request: the documents asked for are uploaded (checked
    /// like the application's) and the clock restarts, in one transaction.
    pub async fn answer_supplement_online(
        &self,
        citizen: &Citizen,
        meta: &RequestMeta,
        code: &str,
        note: &str,
        files: Vec<Upload>,
        now: OffsetDateTime,
    ) -> Result<DossierRow> {
        let scans = self
            .scan_uploads(&format!("citizen:{}", citizen.personal_id), meta, &files)
            .await?;
        let files = with_scan_statuses(check_files(files, &[])?, &scans);
        if files.is_empty() {
            return Err(refused(
                "dossier_supplement_files_missing",
                "files",
                "Hãy đính kèm giấy tờ được yêu cầu bổ sung.",
            ));
        }
        let note = tuphap_core::text::VnText::new(note).into_string();
        if note.chars().count() > 1000 {
            return Err(refused(
                "dossier_supplement_note_too_long",
                "note",
                "Ghi chú không quá 1000 ký tự.",
            ));
        }
        let mut tx = self.store.begin().await?;
        let step = self
            .dossier_step(
                &mut tx,
                code,
                crate::online::dossier::DossierParty::Citizen {
                    personal_id: &citizen.personal_id,
                },
                meta,
                tuphap_core::dossier::DossierAction::AnswerSupplement,
                now,
                |_, _, _| {
                    Ok(serde_json::json!({
                        "note": note,
                        "files": files.iter().map(|f| f.file_name.clone()).collect::<Vec<_>>(),
                    }))
                },
            )
            .await?;
        let at = tuphap_store::exchange::micros(now);
        for f in &files {
            tx.dossier_file_insert(step.dossier.id, f, at, Some(&citizen.personal_id))
                .await?;
        }
        tx.commit_with(&[step.audit], &[step.change]).await?;
        Ok(step.dossier)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_come_from_the_bytes() {
        assert_eq!(sniff_content_type(b"%PDF-1.7\n"), Some("application/pdf"));
        assert_eq!(
            sniff_content_type(&[0xFF, 0xD8, 0xFF, 0xE0]),
            Some("image/jpeg")
        );
        assert_eq!(
            sniff_content_type(b"\x89PNG\r\n\x1a\n...."),
            Some("image/png")
        );
        assert_eq!(sniff_content_type(b"MZ\x90\x00"), None);
        assert_eq!(sniff_content_type(b"<html>"), None);
    }

    #[test]
    fn file_names_lose_paths_and_quotes() {
        assert_eq!(
            clean_file_name("C:\\Users\\a\\giay \"chung\" sinh.pdf"),
            "giay chung sinh.pdf"
        );
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name(""), "tep-dinh-kem");
    }
}
