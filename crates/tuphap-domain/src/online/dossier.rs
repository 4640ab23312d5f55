//! Dossiers of administrative procedures and their deadlines (issue 7, item 3): submit online,
//! receive, request a supplement (Form 02, the clock stops), record the supplement (the clock
//! restarts), refuse with reasons (Form 03), complete, return the result, withdraw, and the
//! apology with a new appointment (Form 04).
//!
//! Every transition is checked against `tuphap_core::dossier::transition` (refused with
//! `dossier_transition_invalid`, 409), runs in one transaction with the dossier row locked, and
//! writes: the new row, an event in `dossier_events` (kind, at, by, status and due date before and
//! after — what the Decision 766 indicators are computed from), an audit entry `dossier.<kind>`
//! and a change-log row (entity `dossier`, id = the dossier code, action = the event kind, the
//! portal's fields in the payload) so the exchange can sync the national portal.
//!
//! Every use case takes `now` (the web edge and the CLI pass `tuphap_store::now_utc()`), so that
//! deadlines can be tested on chosen days.

use serde::{Deserialize, Serialize};
use serde_json::json;
use time::{Date, OffsetDateTime};

use tuphap_core::calendar::WorkingCalendar;
use tuphap_core::dossier::{
    self as rules, ApologyLetter, Channel, DossierAction, DossierCode, DossierError, DossierStatus,
};
use tuphap_core::error::Coded;
use tuphap_core::personal_id::PersonalId;
use tuphap_core::role::Role;
use tuphap_core::text::VnText;
use tuphap_store::dossiers::{
    DossierEvent, DossierRow, NewDossier, NewDossierEvent, NewDossierFile,
};
use tuphap_store::exchange::micros;
use tuphap_store::identity::OfficeRow;
use tuphap_store::{NewAuditEntry, NewChange, Outcome, Tx};

use crate::error::{DomainError, ErrorKind, Result};
use crate::{Actor, App, RequestMeta};

/// A dossier submitted online by a citizen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitDossier {
    /// The office that settles it (`offices.code`, e.g. `UBND-00004`).
    pub office_code: String,
    /// The procedure's code in the national database of procedures (the catalogue, migration
    /// 0015, is not required: the code is kept as text).
    pub procedure_code: String,
    pub procedure_name: String,
    /// The procedure's time limit in working days (0: same day), from the catalogue.
    pub processing_days: u32,
    /// The citizen's personal ID and full name, as the citizen login established them (the web
    /// edge passes `crate::citizen::Citizen::{personal_id, full_name}`; citizen login is built
    /// separately). The use case checks only their form. Citizens' actions are audited as
    /// `citizen:<personal ID>`, as the citizen login does.
    pub applicant_personal_id: String,
    pub applicant_name: String,
    /// `DuocThanhToanTrucTuyen`: 0 not paid online, 1 national portal, 2 ministry or provincial
    /// gateway.
    pub paid_online: u8,
    /// The form's content as JSON (for a birth, `BirthDeclaration`), checked by the caller
    /// (`online::application`).
    #[serde(default)]
    pub application: Option<String>,
    /// Copies of the extract asked for.
    #[serde(default)]
    pub copies: u32,
    /// What the citizen owes, in đồng, computed by the caller from the catalogue.
    #[serde(default)]
    pub fee_vnd: i64,
    /// Uploaded files, already checked (size, type).
    #[serde(skip)]
    pub files: Vec<NewDossierFile>,
}

/// Who acts on a dossier: an officer of its office, or the citizen who filed it.
#[derive(Debug, Clone, Copy)]
pub enum DossierParty<'a> {
    Officer(&'a Actor),
    /// The applicant, identified by personal ID (see [`SubmitDossier::applicant_personal_id`]).
    Citizen {
        personal_id: &'a str,
    },
}

/// A dossier with its event log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DossierDetail {
    pub dossier: DossierRow,
    pub events: Vec<DossierEvent>,
}

/// The outcome of an apology: the dossier and the text of Form 04.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Apology {
    pub dossier: DossierRow,
    pub letter: String,
}

fn transition_error(e: &DossierError) -> DomainError {
    DomainError::new(ErrorKind::Conflict, e.code(), e.message_vi())
}

fn not_found(code: &str) -> DomainError {
    DomainError::not_found(
        "dossier_not_found",
        format!("Không tìm thấy hồ sơ có mã \u{201c}{code}\u{201d}."),
    )
}

fn text_field(
    value: &str,
    max: usize,
    field: &str,
    code: &'static str,
    what: &str,
) -> Result<String> {
    let v = VnText::new(value).as_str().to_string();
    if v.is_empty() || v.chars().count() > max {
        return Err(DomainError::new(
            ErrorKind::Unprocessable,
            code,
            format!("{what} phải có từ 1 đến {max} ký tự."),
        )
        .with_field(field));
    }
    Ok(v)
}

/// A non-empty list of non-empty items (missing documents, reasons).
fn items(list: &[String], field: &str, code: &'static str, what: &str) -> Result<Vec<String>> {
    let out: Vec<String> = list
        .iter()
        .map(|s| VnText::new(s).as_str().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    if out.is_empty() || out.len() > 50 || out.iter().any(|s| s.chars().count() > 500) {
        return Err(DomainError::new(
            ErrorKind::Unprocessable,
            code,
            format!("Cần nêu {what} (từ 1 đến 50 mục, mỗi mục không quá 500 ký tự)."),
        )
        .with_field(field));
    }
    Ok(out)
}

fn at_micros(t: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(t) * 1000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// The place of an office for the dateline of a form ("UBND phường Ba Đình" → "Ba Đình").
fn place_of(office_name: &str) -> String {
    let mut s = office_name;
    for prefix in ["UBND ", "Sở Tư pháp ", "Bộ "] {
        if let Some(rest) = s.strip_prefix(prefix) {
            s = rest;
        }
    }
    for prefix in [
        "xã ",
        "phường ",
        "đặc khu ",
        "thị trấn ",
        "tỉnh ",
        "thành phố ",
    ] {
        if let Some(rest) = s.strip_prefix(prefix) {
            s = rest;
        }
    }
    s.to_string()
}

/// The change-log payload: the dossier's fields as the national portal takes them.
pub(crate) fn portal_payload(d: &DossierRow, office: &OfficeRow) -> serde_json::Value {
    json!({
        "code": d.code,
        "procedure_code": d.procedure_code,
        "office": office.code,
        "channel": d.channel,
        "status": d.status,
        "applicant_personal_id": d.applicant_personal_id,
        "submitted_at": d.submitted_at,
        "received_at": d.received_at,
        "due_on": d.due_on.map(|x| x.to_string()),
        "reappointed_on": d.reappointed_on.map(|x| x.to_string()),
        "finished_at": d.finished_at,
        "returned_at": d.returned_at,
        "late": d.late,
        "supplement_count": d.supplement_count,
        "paid_online": d.paid_online,
        "has_result": d.has_result,
        "record_id": d.record_id,
    })
}

impl App {
    /// Sets the unit code of the electronic-document standard (Circular 10/2016/TT-BTTTT,
    /// `DDD.DD.DD.LDD`) that prefixes an office's dossier codes (administrators).
    pub async fn set_dossier_unit_code(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        office_code: &str,
        unit_code: &str,
    ) -> Result<()> {
        actor.require(actor.role.can_administer(), "khai báo mã định danh cơ quan")?;
        let unit_code = unit_code.trim().to_ascii_uppercase();
        if !rules::is_unit_code(&unit_code) {
            return Err(
                DomainError::unprocessable(&DossierError::UnitCodeBadFormat(unit_code))
                    .with_field("unit_code"),
            );
        }
        let office = self.office_or_404(office_code).await?;
        let mut tx = self.store.begin().await?;
        tx.dossier_set_unit_code(office.id, &unit_code, micros(tuphap_store::now_utc()))
            .await?;
        let mut e = actor.audit(meta, "dossier.unit_code");
        e.target_type = Some("office".into());
        e.target_id = Some(office.code.clone());
        e.details = Some(json!({"unit_code": unit_code}));
        tx.commit_with(
            &[e],
            &[NewChange {
                entity: "dossier_unit_code".into(),
                entity_id: office.code.clone(),
                action: "set".into(),
                actor_user_id: Some(actor.user_id),
                payload: json!({"office": office.code, "unit_code": unit_code}),
            }],
        )
        .await?;
        Ok(())
    }

    async fn office_or_404(&self, office_code: &str) -> Result<OfficeRow> {
        self.store
            .office_by_code(office_code.trim())
            .await?
            .ok_or_else(|| {
                DomainError::not_found(
                    "office_not_found",
                    format!(
                        "Không có cơ quan mã \u{201c}{}\u{201d}.",
                        office_code.trim()
                    ),
                )
                .with_field("office_code")
            })
    }

    /// A citizen submits a dossier online (`KenhThucHien` = 2). The code
    /// `<unit code>-<YYMMDD of the Vietnam submission date>-<serial>` is given at once (the
    /// citizen tracks the dossier by it); the serial is gapless per unit and day. The deadline
    /// starts at receipt ([`App::accept_dossier`]).
    pub async fn submit_dossier(
        &self,
        meta: &RequestMeta,
        input: SubmitDossier,
        now: OffsetDateTime,
    ) -> Result<DossierRow> {
        self.submit_dossier_by_channel(meta, input, Channel::Online, now)
            .await
    }

    /// [`App::submit_dossier`] for a dossier that came in through `channel` (`KenhThucHien`):
    /// in person at the one-stop shop or by post, entered by staff for the applicant (the demo,
    /// one-stop systems). Never chosen by a citizen's input.
    pub async fn submit_dossier_by_channel(
        &self,
        meta: &RequestMeta,
        input: SubmitDossier,
        channel: Channel,
        now: OffsetDateTime,
    ) -> Result<DossierRow> {
        let pid = PersonalId::parse(&input.applicant_personal_id)
            .map_err(|e| DomainError::unprocessable(&e).with_field("applicant_personal_id"))?
            .to_string();
        let name = text_field(
            &input.applicant_name,
            100,
            "applicant_name",
            "dossier_applicant_name_invalid",
            "Họ tên người nộp",
        )?;
        let procedure_code = text_field(
            &input.procedure_code,
            64,
            "procedure_code",
            "dossier_procedure_code_invalid",
            "Mã thủ tục",
        )?;
        let procedure_name = text_field(
            &input.procedure_name,
            500,
            "procedure_name",
            "dossier_procedure_name_invalid",
            "Tên thủ tục",
        )?;
        if input.paid_online > 2 {
            return Err(DomainError::new(
                ErrorKind::Unprocessable,
                "dossier_payment_invalid",
                "Hình thức thanh toán trực tuyến phải là 0 (không), 1 (Cổng Dịch vụ công quốc gia) hoặc 2 (cổng của bộ, tỉnh).",
            )
            .with_field("paid_online"));
        }
        let processing_days = i32::try_from(input.processing_days)
            .ok()
            .filter(|d| *d <= 365)
            .ok_or_else(|| {
                DomainError::new(
                    ErrorKind::Unprocessable,
                    "dossier_processing_days_invalid",
                    "Thời hạn giải quyết phải từ 0 đến 365 ngày làm việc.",
                )
                .with_field("processing_days")
            })?;
        let office = self.office_or_404(&input.office_code).await?;
        let unit_code = self
            .store
            .dossier_unit_code(office.id)
            .await?
            .ok_or_else(|| {
                DomainError::new(
                    ErrorKind::Unprocessable,
                    "dossier_unit_code_missing",
                    format!(
                        "{} chưa được khai báo mã định danh điện tử (Thông tư 10/2016/TT-BTTTT) nên chưa cấp được mã hồ sơ; vui lòng liên hệ quản trị hệ thống.",
                        office.name
                    ),
                )
            })?;
        let day = rules::vn_date(now);
        let mut tx = self.store.begin().await?;
        let serial = tx
            .dossier_next_serial(&unit_code, &rules::code_day(day))
            .await?;
        let code = DossierCode::new(&unit_code, day, u32::try_from(serial).unwrap_or(u32::MAX))
            .map_err(|e| DomainError::new(ErrorKind::Conflict, e.code(), e.message_vi()))?
            .to_string();
        let at = micros(now);
        let new = NewDossier {
            code: code.clone(),
            procedure_code,
            procedure_name,
            office_id: office.id,
            applicant_personal_id: pid.clone(),
            applicant_name: name,
            channel: channel.code(),
            status: DossierStatus::Submitted.as_str().into(),
            processing_days,
            submitted_at: at,
            paid_online: i32::from(input.paid_online),
            application: input.application,
            copies: i32::try_from(input.copies).unwrap_or(i32::MAX),
            fee_vnd: input.fee_vnd.max(0),
        };
        let id = tx.dossier_insert(&new).await?;
        for f in &input.files {
            tx.dossier_file_insert(id, f, at, Some(&pid)).await?;
        }
        tx.dossier_event_insert(&NewDossierEvent {
            dossier_id: id,
            kind: "submitted".into(),
            at,
            by_user_id: None,
            by_personal_id: Some(pid.clone()),
            status_before: None,
            status_after: DossierStatus::Submitted.as_str().into(),
            due_before: None,
            due_after: None,
            details: json!({"channel": new.channel}),
        })
        .await?;
        let row = DossierRow {
            id,
            code: code.clone(),
            procedure_code: new.procedure_code,
            procedure_name: new.procedure_name,
            office_id: office.id,
            applicant_personal_id: pid.clone(),
            applicant_name: new.applicant_name,
            channel: new.channel,
            status: new.status,
            processing_days,
            submitted_at: at,
            received_at: None,
            finished_at: None,
            returned_at: None,
            due_on: None,
            reappointed_on: None,
            paused_since: None,
            paused_days: 0,
            supplement_count: 0,
            late: false,
            record_id: None,
            paid_online: new.paid_online,
            has_result: false,
            updated_at: at,
            application: new.application,
            copies: new.copies,
            fee_vnd: new.fee_vnd,
        };
        let audit = NewAuditEntry {
            actor_username: Some(format!("citizen:{pid}")),
            source_ip: meta.source_ip.clone(),
            request_id: meta.request_id.clone(),
            action: "dossier.submitted".into(),
            target_type: Some("dossier".into()),
            target_id: Some(code.clone()),
            outcome: Some(Outcome::Success),
            ..NewAuditEntry::default()
        };
        tx.commit_with(
            &[audit],
            &[NewChange {
                entity: "dossier".into(),
                entity_id: code,
                action: "submitted".into(),
                actor_user_id: None,
                payload: portal_payload(&row, &office),
            }],
        )
        .await?;
        Ok(row)
    }

    /// A dossier and its events, for an officer of its office or the citizen who filed it.
    pub async fn dossier_detail(
        &self,
        by: DossierParty<'_>,
        meta: &RequestMeta,
        code: &str,
    ) -> Result<DossierDetail> {
        let code = code.trim().to_ascii_uppercase();
        let dossier = self
            .store
            .dossier_by_code(&code)
            .await?
            .ok_or_else(|| not_found(&code))?;
        check_party(by, &dossier, false).map_err(|_| not_found(&code))?;
        let events = self.store.dossier_events(dossier.id).await?;
        // Officers' reads of a citizen's dossier are audited (the citizen reading their own is not).
        if let DossierParty::Officer(a) = by {
            let mut e = a.audit(meta, "dossier.read");
            e.target_type = Some("dossier".into());
            e.target_id = Some(dossier.code.clone());
            self.store.audit(&[e]).await?;
        }
        Ok(DossierDetail { dossier, events })
    }

    /// An officer receives a dossier (Form 01): the due date is computed from now with the
    /// working-day calendar and the 15:00 cut-off (`tuphap_core::dossier::due_date`).
    pub async fn accept_dossier(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        code: &str,
        now: OffsetDateTime,
    ) -> Result<DossierRow> {
        self.act(
            code,
            DossierParty::Officer(actor),
            meta,
            DossierAction::Receive,
            now,
            |d, cal, _| receive(d, cal, now),
        )
        .await
    }

    /// An officer asks the citizen to supplement the dossier (Form 02), listing what is missing.
    /// The clock stops. A second request makes the dossier late (Decision 766 formula: "a second
    /// supplementation request counts as late").
    pub async fn request_dossier_supplement(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        code: &str,
        missing: &[String],
        now: OffsetDateTime,
    ) -> Result<DossierRow> {
        let missing = items(
            missing,
            "missing",
            "dossier_supplement_items_required",
            "các giấy tờ, thông tin cần bổ sung",
        )?;
        self.act(
            code,
            DossierParty::Officer(actor),
            meta,
            DossierAction::RequestSupplement,
            now,
            move |d, _, _| {
                d.paused_since = Some(micros(now));
                d.supplement_count += 1;
                if d.supplement_count >= 2 {
                    d.late = true;
                }
                Ok(json!({"missing": missing, "request_number": d.supplement_count}))
            },
        )
        .await
    }

    /// The supplement arrived (from the citizen online, or recorded by an officer): the clock
    /// restarts. The working days from the day of the request to the effective day of the answer
    /// (15:00 cut-off) are not counted — Decision 766's formula subtracts the time waiting for
    /// the citizen — so they are added to the due date (`tuphap_core::dossier::resume`).
    pub async fn answer_dossier_supplement(
        &self,
        by: DossierParty<'_>,
        meta: &RequestMeta,
        code: &str,
        now: OffsetDateTime,
    ) -> Result<DossierRow> {
        // The clock itself restarts in `act` (every exit from the paused status does it).
        self.act(
            code,
            by,
            meta,
            DossierAction::AnswerSupplement,
            now,
            |_, _, _| Ok(json!({})),
        )
        .await
    }

    /// An officer refuses the dossier with its reasons (Form 03).
    pub async fn refuse_dossier(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        code: &str,
        reasons: &[String],
        now: OffsetDateTime,
    ) -> Result<DossierRow> {
        let reasons = items(
            reasons,
            "reasons",
            "dossier_refusal_reasons_required",
            "lý do từ chối",
        )?;
        self.act(
            code,
            DossierParty::Officer(actor),
            meta,
            DossierAction::Refuse,
            now,
            move |d, _, _| {
                finish(d, now);
                Ok(json!({"reasons": reasons}))
            },
        )
        .await
    }

    /// An officer records the dossier as processed (`NgayKetThucXuLy`), with the civil record
    /// it led to if any and whether a result (paper or electronic) exists. Late when finished
    /// after the due date.
    pub async fn complete_dossier(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        code: &str,
        record_id: Option<i64>,
        has_result: bool,
        now: OffsetDateTime,
    ) -> Result<DossierRow> {
        if let Some(id) = record_id
            && self.store.record_by_id(id).await?.is_none()
        {
            return Err(DomainError::new(
                ErrorKind::Unprocessable,
                "dossier_record_not_found",
                format!("Không có bản ghi hộ tịch số {id}."),
            )
            .with_field("record_id"));
        }
        self.act(
            code,
            DossierParty::Officer(actor),
            meta,
            DossierAction::Complete,
            now,
            move |d, _, _| {
                finish(d, now);
                d.record_id = record_id;
                d.has_result = has_result;
                Ok(json!({"record_id": record_id, "has_result": has_result}))
            },
        )
        .await
    }

    /// An officer hands the result over (status "Đã trả kết quả").
    pub async fn return_dossier_result(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        code: &str,
        now: OffsetDateTime,
    ) -> Result<DossierRow> {
        self.act(
            code,
            DossierParty::Officer(actor),
            meta,
            DossierAction::ReturnResult,
            now,
            |d, _, _| {
                d.returned_at = Some(micros(now));
                Ok(json!({}))
            },
        )
        .await
    }

    /// The citizen withdraws the dossier (or an officer records the citizen's written request).
    pub async fn withdraw_dossier(
        &self,
        by: DossierParty<'_>,
        meta: &RequestMeta,
        code: &str,
        reason: &str,
        now: OffsetDateTime,
    ) -> Result<DossierRow> {
        let reason = text_field(
            reason,
            1000,
            "reason",
            "dossier_withdraw_reason_required",
            "Lý do rút hồ sơ",
        )?;
        self.act(
            code,
            by,
            meta,
            DossierAction::Withdraw,
            now,
            move |d, _, _| {
                finish(d, now);
                Ok(json!({"reason": reason}))
            },
        )
        .await
    }

    /// An officer stops processing a received dossier (dừng xử lý), with the reason — e.g. the
    /// citizen did not supplement it.
    pub async fn stop_dossier(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        code: &str,
        reason: &str,
        now: OffsetDateTime,
    ) -> Result<DossierRow> {
        let reason = text_field(
            reason,
            1000,
            "reason",
            "dossier_stop_reason_required",
            "Lý do dừng xử lý",
        )?;
        self.act(
            code,
            DossierParty::Officer(actor),
            meta,
            DossierAction::Stop,
            now,
            move |d, _, _| {
                finish(d, now);
                Ok(json!({"reason": reason}))
            },
        )
        .await
    }

    /// The open dossiers of the actor's office that are late or will be by the end of the next
    /// working day and have no Form 04 yet (`tuphap_core::dossier::at_risk`): the prompt to
    /// apologise before the due date.
    pub async fn dossiers_needing_apology(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Vec<DossierRow>> {
        let cal = self.working_calendar().await?;
        let horizon = cal.add_working_days(rules::vn_date(now), 1);
        let rows = self
            .store
            .dossiers_due_by(actor.office.id, horizon, 500)
            .await?;
        Ok(rows
            .into_iter()
            .filter(|d| d.reappointed_on.is_none() && d.status != "submitted")
            .collect())
    }

    /// An officer apologises for a dossier that is late or will be (due by the end of the next
    /// working day) and sets a new appointment (Form 04, to be issued before the due date). The
    /// dossier is flagged late; the due date of the on-time indicator stays, the new date is kept
    /// in `reappointed_on`. Returns the text of the letter, also stored in the event.
    pub async fn apologize_for_dossier(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        code: &str,
        reason: &str,
        new_due_on: Date,
        now: OffsetDateTime,
    ) -> Result<Apology> {
        let reason = text_field(
            reason,
            1000,
            "reason",
            "dossier_apology_reason_required",
            "Lý do chậm trả kết quả",
        )?;
        let mut letter = String::new();
        let letter_out = &mut letter;
        let dossier = self
            .act(
                code,
                DossierParty::Officer(actor),
                meta,
                DossierAction::Apologize,
                now,
                move |d, cal, office| {
                    let Some(due) = d.due_on else {
                        return Err(DomainError::internal());
                    };
                    if !rules::at_risk(cal, due, now) {
                        return Err(DomainError::new(
                            ErrorKind::Unprocessable,
                            "dossier_apology_not_due",
                            format!(
                                "Hồ sơ hẹn trả ngày {}, chưa có nguy cơ trễ hạn; chưa lập phiếu xin lỗi.",
                                tuphap_core::dates::format_vn(due)
                            ),
                        ));
                    }
                    let current = d.reappointed_on.unwrap_or(due);
                    if new_due_on <= current || !cal.is_working_day(new_due_on) {
                        return Err(DomainError::new(
                            ErrorKind::Unprocessable,
                            "dossier_apology_date_invalid",
                            format!(
                                "Ngày hẹn lại phải là một ngày làm việc sau ngày {}.",
                                tuphap_core::dates::format_vn(current)
                            ),
                        )
                        .with_field("new_due_on"));
                    }
                    let received = d.received_at.map(at_micros).unwrap_or(now);
                    let code = d.code.clone();
                    let place = place_of(&office.name);
                    *letter_out = rules::apology_letter_text(&ApologyLetter {
                        parent_body: None,
                        office_name: &office.name,
                        place: &place,
                        issued_on: rules::vn_date(now),
                        applicant_name: &d.applicant_name,
                        procedure_name: &d.procedure_name,
                        code: &code,
                        received_on: rules::vn_date(received),
                        due_on: due,
                        reason: &reason,
                        new_due_on,
                    });
                    let before_due = rules::vn_date(now) <= due;
                    d.late = true;
                    d.reappointed_on = Some(new_due_on);
                    Ok(json!({
                        "reason": reason,
                        "new_due_on": new_due_on.to_string(),
                        "issued_before_due": before_due,
                        "letter": letter_out.clone(),
                    }))
                },
            )
            .await?;
        Ok(Apology { dossier, letter })
    }

    /// One transition: lock the dossier, check who acts and the state machine, let `change`
    /// update the row (and give the event's details), restart a stopped clock when the dossier
    /// leaves "supplement requested", then write row, event, audit and change-log row.
    /// Links a civil record declared from a dossier to it, inside the declaration's
    /// transaction: a dossier not yet received is received now (its clock starts); one already
    /// received just gets the record. Refused for a dossier of another office, one already
    /// linked to a record, or one that is closed.
    pub(crate) async fn link_dossier(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        meta: &RequestMeta,
        code: &str,
        record_id: i64,
    ) -> Result<Option<DossierStep>> {
        let code = code.trim().to_ascii_uppercase();
        let mut d = tx
            .dossier_by_code_for_update(&code)
            .await?
            .ok_or_else(|| not_found(&code))?;
        check_party(DossierParty::Officer(actor), &d, true)?;
        if d.record_id.is_some() {
            return Err(DomainError::new(
                ErrorKind::Conflict,
                "dossier_already_declared",
                format!(
                    "Hồ sơ {code} đã có tờ khai được tiếp nhận (hồ sơ hộ tịch số {}).",
                    d.record_id.unwrap_or_default()
                ),
            ));
        }
        let status = DossierStatus::parse(&d.status).map_err(|_| DomainError::internal())?;
        match status {
            DossierStatus::Submitted => {
                let now = OffsetDateTime::now_utc();
                let step = self
                    .dossier_step(
                        tx,
                        &code,
                        DossierParty::Officer(actor),
                        meta,
                        DossierAction::Receive,
                        now,
                        |d, cal, _| {
                            let mut details = receive(d, cal, now)?;
                            d.record_id = Some(record_id);
                            if let Some(o) = details.as_object_mut() {
                                o.insert("record_id".into(), json!(record_id));
                            }
                            Ok(details)
                        },
                    )
                    .await?;
                Ok(Some(step))
            }
            DossierStatus::Received | DossierStatus::Processing => {
                d.record_id = Some(record_id);
                d.updated_at = micros(OffsetDateTime::now_utc());
                tx.dossier_update(&d).await?;
                Ok(None)
            }
            other => Err(DomainError::new(
                ErrorKind::Conflict,
                "dossier_transition_invalid",
                format!(
                    "Hồ sơ {code} đang ở trạng thái \u{201c}{}\u{201d}, không thể tiếp nhận tờ khai.",
                    other.label_vi()
                ),
            )),
        }
    }

    async fn act<F>(
        &self,
        code: &str,
        by: DossierParty<'_>,
        meta: &RequestMeta,
        action: DossierAction,
        now: OffsetDateTime,
        change: F,
    ) -> Result<DossierRow>
    where
        F: FnOnce(&mut DossierRow, &WorkingCalendar, &OfficeRow) -> Result<serde_json::Value>,
    {
        let mut tx = self.store.begin().await?;
        let step = self
            .dossier_step(&mut tx, code, by, meta, action, now, change)
            .await?;
        tx.commit_with(&[step.audit], &[step.change]).await?;
        Ok(step.dossier)
    }

    /// One transition of a dossier inside the caller's transaction (the dossier row locked):
    /// the new row and its event are written; the audit entry and the change-log row are
    /// returned for the caller's commit. Registering a record completes its dossier this way,
    /// in the registration's transaction.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn dossier_step<F>(
        &self,
        tx: &mut Tx,
        code: &str,
        by: DossierParty<'_>,
        meta: &RequestMeta,
        action: DossierAction,
        now: OffsetDateTime,
        change: F,
    ) -> Result<DossierStep>
    where
        F: FnOnce(&mut DossierRow, &WorkingCalendar, &OfficeRow) -> Result<serde_json::Value>,
    {
        let code = code.trim().to_ascii_uppercase();
        let cal = self.working_calendar().await?;
        let mut d = tx
            .dossier_by_code_for_update(&code)
            .await?
            .ok_or_else(|| not_found(&code))?;
        check_party(by, &d, true)?;
        let office = self
            .store
            .office_by_id(d.office_id)
            .await?
            .ok_or_else(DomainError::internal)?;
        let from = DossierStatus::parse(&d.status).map_err(|_| DomainError::internal())?;
        let to = rules::transition(from, action).map_err(|e| transition_error(&e))?;
        let due_before = d.due_on;
        let mut paused = None;
        if from == DossierStatus::SupplementRequested
            && to != DossierStatus::SupplementRequested
            && let (Some(since), Some(due)) = (d.paused_since, d.due_on)
        {
            let (new_due, days) = rules::resume(&cal, due, at_micros(since), now);
            d.due_on = Some(new_due);
            d.paused_days += i32::try_from(days).unwrap_or(0);
            d.paused_since = None;
            paused = Some(days);
        }
        let mut details = change(&mut d, &cal, &office)?;
        if let (Some(days), Some(obj)) = (paused, details.as_object_mut()) {
            obj.insert("paused_working_days".into(), json!(days));
        }
        d.status = to.as_str().to_string();
        d.updated_at = micros(now);
        tx.dossier_update(&d).await?;
        let due_after = if action == DossierAction::Apologize {
            d.reappointed_on
        } else {
            d.due_on
        };
        let (by_user_id, by_personal_id) = match by {
            DossierParty::Officer(a) => (Some(a.user_id), None),
            DossierParty::Citizen { personal_id } => (None, Some(personal_id.to_string())),
        };
        tx.dossier_event_insert(&NewDossierEvent {
            dossier_id: d.id,
            kind: action.as_str().into(),
            at: micros(now),
            by_user_id,
            by_personal_id: by_personal_id.clone(),
            status_before: Some(from.as_str().into()),
            status_after: to.as_str().into(),
            due_before,
            due_after,
            details: details.clone(),
        })
        .await?;
        let mut audit = match by {
            DossierParty::Officer(a) => a.audit(meta, &format!("dossier.{}", action.as_str())),
            DossierParty::Citizen { personal_id } => NewAuditEntry {
                actor_username: Some(format!("citizen:{personal_id}")),
                source_ip: meta.source_ip.clone(),
                request_id: meta.request_id.clone(),
                action: format!("dossier.{}", action.as_str()),
                outcome: Some(Outcome::Success),
                ..NewAuditEntry::default()
            },
        };
        audit.target_type = Some("dossier".into());
        audit.target_id = Some(d.code.clone());
        // The letter and lists stay in the event log; the audit keeps what happened.
        audit.details = Some(json!({"from": from.as_str(), "to": to.as_str()}));
        let change = NewChange {
            entity: "dossier".into(),
            entity_id: d.code.clone(),
            action: action.as_str().into(),
            actor_user_id: by_user_id,
            payload: portal_payload(&d, &office),
        };
        Ok(DossierStep {
            dossier: d,
            audit,
            change,
        })
    }
}

/// A transition written inside a transaction, with what its commit must carry.
pub(crate) struct DossierStep {
    pub dossier: DossierRow,
    pub audit: NewAuditEntry,
    pub change: NewChange,
}

/// Receives a dossier: the clock starts (due date from now with the working-day calendar and
/// the 15:00 cut-off). A fee the citizen owes must be paid first.
pub(crate) fn receive(
    d: &mut DossierRow,
    cal: &WorkingCalendar,
    now: OffsetDateTime,
) -> Result<serde_json::Value> {
    if d.fee_vnd > 0 && d.paid_online == 0 && d.channel == Channel::Online.code() {
        return Err(DomainError::new(
            ErrorKind::Conflict,
            "dossier_fee_unpaid",
            format!(
                "Hồ sơ chưa được thanh toán lệ phí ({}); chỉ tiếp nhận sau khi người nộp đã thanh toán.",
                tuphap_core::text::vnd(d.fee_vnd)
            ),
        ));
    }
    let days = u32::try_from(d.processing_days).unwrap_or(0);
    d.received_at = Some(micros(now));
    d.due_on = Some(rules::due_date(cal, now, days));
    Ok(json!({"processing_days": days}))
}

/// Completes a dossier with the registration of its record: the clock stops and the result is
/// the electronic certificate.
pub(crate) fn finish_with_result(
    d: &mut DossierRow,
    record_id: i64,
    now: OffsetDateTime,
) -> serde_json::Value {
    finish(d, now);
    d.record_id = Some(record_id);
    d.has_result = true;
    json!({"record_id": record_id, "has_result": true, "by_registration": true})
}

/// Ends the clock: `NgayKetThucXuLy` = now, late when after the due date.
fn finish(d: &mut DossierRow, now: OffsetDateTime) {
    d.finished_at = Some(micros(now));
    if d.due_on.is_some_and(|due| rules::is_late(due, now)) {
        d.late = true;
    }
}

/// Whether `by` may act on (or, `write` false, read) the dossier: an officer or signer of its
/// office, or the applicant.
fn check_party(by: DossierParty<'_>, d: &DossierRow, write: bool) -> Result<()> {
    match by {
        DossierParty::Officer(a) => {
            let role_ok = matches!(a.role, Role::Officer | Role::Signer);
            a.require(
                a.office.id == d.office_id && (role_ok || !write),
                "xử lý hồ sơ của cơ quan khác hoặc với vai trò này",
            )
        }
        DossierParty::Citizen { personal_id } => {
            if personal_id.trim() == d.applicant_personal_id {
                Ok(())
            } else {
                Err(DomainError::forbidden(
                    "Chỉ người nộp hồ sơ mới được thực hiện thao tác này.",
                ))
            }
        }
    }
}
