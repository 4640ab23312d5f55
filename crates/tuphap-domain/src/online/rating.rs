//! Satisfaction rating of a finished dossier (issue 7; Decision 766 indicator 5.4, registries.md
//! §6.3: "a satisfaction rating on each returned dossier").
//!
//! - Only the applicant (the logged-in citizen whose personal ID filed the dossier) rates; anyone
//!   else is told the dossier does not exist (`dossier_not_found`, as `dossier_detail` does).
//! - Only once the dossier is finished (`DossierStatus::is_finished`: processed, result
//!   returned, refused, stopped or withdrawn) — 409 `dossier_rating_not_finished` before.
//! - Once: 409 `dossier_already_rated` (the primary key of `dossier_ratings` settles a race).
//! - Score 1–5 (422 `dossier_rating_score_invalid`), comment at most 1,000 characters, NFC
//!   (422 `dossier_rating_comment_too_long`).
//!
//! One transaction writes the rating (`dossier_ratings`, migration 0020: the Decision 766
//! indicators count a score ≤ 2 as "not satisfied"), an event `rated` in the append-only
//! `dossier_events` (status unchanged, the score in its details), the audit entry
//! `dossier.rated` by `citizen:<personal ID>` and a change-log row (entity `dossier`, action
//! `rated`). The portal sync does not send it (the status did not change).

use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;

use tuphap_core::dossier::{DossierCode, DossierStatus};
use tuphap_core::text::VnText;
use tuphap_store::NewChange;
use tuphap_store::dossier_ratings::DossierRating;
use tuphap_store::dossiers::{DossierRow, NewDossierEvent};
use tuphap_store::exchange::micros;

use crate::citizen::Citizen;
use crate::error::{DomainError, ErrorKind, Result};
use crate::{App, RequestMeta};

/// Longest comment, in characters.
pub const COMMENT_MAX: usize = 1000;

/// The event kind and change-log action of a rating.
pub const RATED: &str = "rated";

/// What the rating part of a citizen's dossier page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RatingState {
    /// The dossier code.
    pub code: String,
    /// The dossier's status (`DossierStatus::as_str`).
    pub status: String,
    /// The rating given, if any.
    pub rating: Option<DossierRating>,
    /// Whether the form is to be offered: finished and not rated yet.
    pub can_rate: bool,
}

/// The Vietnamese words of a score, for pages.
pub fn score_label_vi(score: i32) -> &'static str {
    match score {
        1 => "Rất không hài lòng",
        2 => "Không hài lòng",
        3 => "Bình thường",
        4 => "Hài lòng",
        5 => "Rất hài lòng",
        _ => "",
    }
}

fn not_found(code: &str) -> DomainError {
    DomainError::not_found(
        "dossier_not_found",
        format!("Không tìm thấy hồ sơ có mã \u{201c}{code}\u{201d}."),
    )
}

/// The parsed, canonical code (400 `dossier_code_bad_format`).
fn canonical_code(code: &str) -> Result<String> {
    DossierCode::parse(code)
        .map(|c| c.to_string())
        .map_err(|e| DomainError::bad_request(&e).with_field("code"))
}

fn is_finished(d: &DossierRow) -> bool {
    DossierStatus::parse(&d.status).is_ok_and(DossierStatus::is_finished)
}

impl App {
    /// The rating state of one of the citizen's dossiers (404 for a dossier that is not theirs).
    pub async fn dossier_rating_state(&self, citizen: &Citizen, code: &str) -> Result<RatingState> {
        let code = canonical_code(code)?;
        let d = self
            .store
            .dossier_by_code(&code)
            .await?
            .filter(|d| d.applicant_personal_id == citizen.personal_id)
            .ok_or_else(|| not_found(&code))?;
        let rating = self.store.dossier_rating(d.id).await?;
        Ok(RatingState {
            can_rate: rating.is_none() && is_finished(&d),
            code: d.code,
            status: d.status,
            rating,
        })
    }

    /// The applicant rates a finished dossier, once (see the module documentation).
    pub async fn rate_dossier(
        &self,
        citizen: &Citizen,
        meta: &RequestMeta,
        code: &str,
        score: i32,
        comment: &str,
        now: OffsetDateTime,
    ) -> Result<DossierRating> {
        let code = canonical_code(code)?;
        if !(1..=5).contains(&score) {
            return Err(DomainError::new(
                ErrorKind::Unprocessable,
                "dossier_rating_score_invalid",
                "Mức độ hài lòng phải từ 1 (rất không hài lòng) đến 5 (rất hài lòng).",
            )
            .with_field("score"));
        }
        let comment = VnText::new(comment).as_str().to_string();
        if comment.chars().count() > COMMENT_MAX {
            return Err(DomainError::new(
                ErrorKind::Unprocessable,
                "dossier_rating_comment_too_long",
                format!("Ý kiến góp ý không quá {COMMENT_MAX} ký tự."),
            )
            .with_field("comment"));
        }
        let mut tx = self.store.begin().await?;
        let d = tx
            .dossier_by_code_for_update(&code)
            .await?
            .filter(|d| d.applicant_personal_id == citizen.personal_id)
            .ok_or_else(|| not_found(&code))?;
        if !is_finished(&d) {
            let label = DossierStatus::parse(&d.status)
                .map(DossierStatus::label_vi)
                .unwrap_or("chưa xác định");
            return Err(DomainError::new(
                ErrorKind::Conflict,
                "dossier_rating_not_finished",
                format!(
                    "Hồ sơ đang ở trạng thái \u{201c}{label}\u{201d}: chỉ đánh giá được khi hồ sơ đã giải quyết xong."
                ),
            ));
        }
        let rating = DossierRating {
            dossier_id: d.id,
            score,
            comment,
            rated_at: micros(now),
        };
        if !tx.dossier_rating_insert(&rating).await? {
            return Err(DomainError::new(
                ErrorKind::Conflict,
                "dossier_already_rated",
                "Bạn đã đánh giá hồ sơ này; mỗi hồ sơ chỉ được đánh giá một lần.",
            ));
        }
        tx.dossier_event_insert(&NewDossierEvent {
            dossier_id: d.id,
            kind: RATED.into(),
            at: micros(now),
            by_user_id: None,
            by_personal_id: Some(citizen.personal_id.clone()),
            status_before: Some(d.status.clone()),
            status_after: d.status.clone(),
            due_before: d.due_on,
            due_after: d.due_on,
            details: json!({ "score": score }),
        })
        .await?;
        let mut audit = citizen.audit(meta, "dossier.rated");
        audit.target_type = Some("dossier".into());
        audit.target_id = Some(d.code.clone());
        audit.details = Some(json!({ "score": score }));
        tx.commit_with(
            &[audit],
            &[NewChange {
                entity: "dossier".into(),
                entity_id: d.code.clone(),
                action: RATED.into(),
                actor_user_id: None,
                payload: json!({
                    "code": d.code,
                    "status": d.status,
                    "score": score,
                    "rated_at": rating.rated_at,
                }),
            }],
        )
        .await?;
        Ok(rating)
    }
}
