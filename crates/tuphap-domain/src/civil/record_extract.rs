//! The original trích lục of the registrations that have no form of their own (Luật Hộ tịch
//! 2014, Điều 62: each registration issues the person one original trích lục; khai sinh and kết
//! hôn issue Giấy khai sinh and Giấy chứng nhận kết hôn instead): amendments (thay đổi, cải
//! chính, bổ sung hộ tịch), recognitions of a parent, adoptions (Giấy chứng nhận nuôi con nuôi,
//! Luật Nuôi con nuôi 2010, Điều 22) and their end by a court, guardianships, changes of guardian
//! and ends of guardianship.
//!
//! They are issued by `App::issue_certificate` like every certificate (one code per version of
//! the record, recorded in `certificates`, verified, superseded and revoked the same way) as a
//! [`CertificateKind::RecordExtract`](tuphap_core::certificate::CertificateKind::RecordExtract);
//! the title printed follows the record's kind
//! ([`record_extract_title`](tuphap_core::certificate::record_extract_title)) and the content is
//! the one a certified copy of the record prints (`record_content.rs`).

use time::Date;

use tuphap_store::civil::RecordRow;

use crate::App;
use crate::error::Result;

/// A trích lục's own fields (`tuphap_pdf::RecordExtractFields` without the common keys) and what
/// its verification code carries.
pub(crate) struct RecordPaper {
    pub fields: serde_json::Value,
    pub full_name: String,
    pub second_name: Option<String>,
    pub event_date: Date,
}

/// The event date a trích lục's code carries: the registration date (the registration is the
/// event), except for the end of an adoption (the day the court's decision took effect) and of a
/// guardianship (the day it ended), which the record keeps as its event date.
pub(crate) fn record_extract_event_date(r: &RecordRow, registered_on: Date) -> Date {
    match r.kind.as_str() {
        "adoption_termination" | "guardianship_end" => r.event_date,
        _ => registered_on,
    }
}

impl App {
    /// The trích lục of registered record `r` from its current content `d`.
    pub(crate) async fn record_extract_paper(
        &self,
        r: &RecordRow,
        d: &serde_json::Value,
        registered_on: Date,
    ) -> Result<RecordPaper> {
        let content = self.record_content(r, d).await?;
        Ok(RecordPaper {
            fields: serde_json::json!({
                "record_kind": r.kind,
                "sections": content.sections,
            }),
            full_name: content.full_name,
            second_name: content.second_name.filter(|n| !n.trim().is_empty()),
            event_date: record_extract_event_date(r, registered_on),
        })
    }
}
