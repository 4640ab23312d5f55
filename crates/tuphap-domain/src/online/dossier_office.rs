//! The officer's side of dossiers (issue 7, item 4): the queue of an office ordered by the
//! appointment date with its deadline colours, a dossier as the office sees it (events with who
//! and when, files, the actions its status allows), a file's download (for the office's
//! officers and for the applicant), and the overview of the offices' dossier unit codes.
//!
//! Who sees what:
//! * officers and signers see their own office's queue and dossiers, and act on them
//!   (the transitions are in `super::dossier`);
//! * province staff see the offices of their province, ministry staff every office — read only;
//! * administrators see the unit codes (`App::set_dossier_unit_code` sets one).
//!
//! A dossier of an office the actor may not see is "not found" (404), so that codes of other
//! offices cannot be probed; a queue of such an office is refused (403): offices are public.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::json;
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;

use tuphap_core::calendar::WorkingCalendar;
use tuphap_core::dates::{VN_OFFSET, format_vn, parse_date};
use tuphap_core::dossier::{self as rules, DossierAction, DossierCode, DossierStatus};
use tuphap_core::role::Role;
use tuphap_store::dossiers::{
    DossierEvent, DossierFileInfo, DossierQueueQuery, DossierRow, DueBand, DueBandCounts,
    QUEUE_NO_DUE,
};
use tuphap_store::identity::OfficeRow;
use tuphap_store::{NewAuditEntry, Outcome};

use super::dossier::DossierParty;
use crate::error::{DomainError, ErrorKind, Result};
use crate::identity::Scope;
use crate::{Actor, App, RequestMeta};

/// Default and largest page of the queue.
pub const QUEUE_PAGE: u32 = 50;
pub const QUEUE_PAGE_MAX: u32 = 200;

/// The deadline colour of a dossier in the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineColour {
    /// Submitted, waiting to be received (no due date yet).
    Waiting,
    /// Red: the appointment date has passed.
    Overdue,
    /// Amber: due today or by the next working day.
    DueSoon,
    /// Green.
    OnTrack,
    /// Grey: a supplement was requested, the clock is stopped.
    Paused,
    /// Finished (processed, returned, refused, stopped, withdrawn).
    Finished,
}

impl DeadlineColour {
    pub fn as_str(self) -> &'static str {
        match self {
            DeadlineColour::Waiting => "waiting",
            DeadlineColour::Overdue => "overdue",
            DeadlineColour::DueSoon => "due_soon",
            DeadlineColour::OnTrack => "on_track",
            DeadlineColour::Paused => "paused",
            DeadlineColour::Finished => "finished",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            DeadlineColour::Waiting => "Chờ tiếp nhận",
            DeadlineColour::Overdue => "Quá hạn",
            DeadlineColour::DueSoon => "Sắp đến hạn",
            DeadlineColour::OnTrack => "Trong hạn",
            DeadlineColour::Paused => "Chờ bổ sung",
            DeadlineColour::Finished => "Đã kết thúc",
        }
    }

    /// The queue band of an open colour (`None` for finished).
    pub fn band(self) -> Option<DueBand> {
        match self {
            DeadlineColour::Waiting => Some(DueBand::Waiting),
            DeadlineColour::Overdue => Some(DueBand::Overdue),
            DeadlineColour::DueSoon => Some(DueBand::DueSoon),
            DeadlineColour::OnTrack => Some(DueBand::OnTrack),
            DeadlineColour::Paused => Some(DueBand::Paused),
            DeadlineColour::Finished => None,
        }
    }

    pub fn parse(s: &str) -> Option<DeadlineColour> {
        [
            DeadlineColour::Waiting,
            DeadlineColour::Overdue,
            DeadlineColour::DueSoon,
            DeadlineColour::OnTrack,
            DeadlineColour::Paused,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }
}

/// The colour of a dossier on `today` (Vietnam date), `horizon` being the next working day.
/// The same rule as the store's bands ([`DueBand`]).
pub fn deadline_colour(d: &DossierRow, today: Date, horizon: Date) -> DeadlineColour {
    if d.finished_at.is_some() {
        return DeadlineColour::Finished;
    }
    match d.status.as_str() {
        "submitted" => DeadlineColour::Waiting,
        "supplement_requested" => DeadlineColour::Paused,
        _ => match d.reappointed_on.or(d.due_on) {
            Some(due) if due < today => DeadlineColour::Overdue,
            Some(due) if due <= horizon => DeadlineColour::DueSoon,
            _ => DeadlineColour::OnTrack,
        },
    }
}

/// What a queue page lists (every field optional; the API's query and the page's form).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DossierQueueFilter {
    /// The office (`offices.code`); default the actor's own. Province and ministry staff choose
    /// an office of their scope.
    pub office: Option<String>,
    /// `open` (default: not finished), `all`, or one status (`received`, …).
    pub status: Option<String>,
    /// One deadline colour of open dossiers: `waiting`, `overdue`, `due_soon`, `on_track`,
    /// `paused`.
    pub band: Option<String>,
    /// The keyset of the previous page's last row (`next_after` of the previous answer).
    pub after: Option<String>,
    pub limit: Option<u32>,
}

/// A dossier as a line of the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DossierSummary {
    #[schema(example = "000.00.31.H13-261127-0001")]
    pub code: String,
    #[schema(example = "BTP-HT-KS")]
    pub procedure_code: String,
    #[schema(example = "Đăng ký khai sinh")]
    pub procedure_name: String,
    #[schema(example = "Nguyễn Văn An")]
    pub applicant_name: String,
    #[schema(example = "001090012345")]
    pub applicant_personal_id: String,
    #[schema(example = "received")]
    pub status: String,
    #[schema(example = "Được tiếp nhận")]
    pub status_label: String,
    /// `KenhThucHien`: 1 in person, 2 online, 3 post.
    pub channel: i32,
    /// dd/mm/yyyy (Vietnam time).
    #[schema(example = "27/11/2026")]
    pub submitted_on: String,
    pub received_on: Option<String>,
    /// `NgayHenTra`, YYYY-MM-DD.
    #[schema(example = "2026-12-02")]
    pub due_on: Option<String>,
    /// dd/mm/yyyy.
    #[schema(example = "02/12/2026")]
    pub due_on_vn: Option<String>,
    /// The new appointment of a Form 04 apology, YYYY-MM-DD.
    pub reappointed_on: Option<String>,
    pub reappointed_on_vn: Option<String>,
    /// The deadline colour: `waiting`, `overdue`, `due_soon`, `on_track`, `paused`, `finished`.
    #[schema(example = "on_track")]
    pub deadline: String,
    #[schema(example = "Trong hạn")]
    pub deadline_label: String,
    /// Late for the on-time indicator (finished after the due date, a second supplement
    /// request, or a Form 04).
    pub late: bool,
    pub supplement_count: i32,
}

/// Open dossiers per colour.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct ColourCounts {
    pub waiting: i64,
    pub overdue: i64,
    pub due_soon: i64,
    pub on_track: i64,
    pub paused: i64,
}

impl From<DueBandCounts> for ColourCounts {
    fn from(c: DueBandCounts) -> Self {
        ColourCounts {
            waiting: c.waiting,
            overdue: c.overdue,
            due_soon: c.due_soon,
            on_track: c.on_track,
            paused: c.paused,
        }
    }
}

/// One page of an office's queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DossierQueue {
    #[schema(example = "UBND-00004")]
    pub office_code: String,
    #[schema(example = "UBND phường Ba Đình")]
    pub office_name: String,
    /// The Vietnam date the colours are computed for (YYYY-MM-DD).
    pub today: String,
    pub counts: ColourCounts,
    pub items: Vec<DossierSummary>,
    /// Pass as `after` for the next page; null on the last page.
    pub next_after: Option<String>,
}

/// An event of the dossier's history, with who and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DossierEventView {
    #[schema(example = "received")]
    pub kind: String,
    #[schema(example = "Tiếp nhận hồ sơ")]
    pub kind_label: String,
    /// RFC 3339.
    #[schema(example = "2026-11-27T02:15:00Z")]
    pub at: String,
    /// dd/mm/yyyy HH:MM, Vietnam time.
    #[schema(example = "27/11/2026 09:15")]
    pub at_vn: String,
    /// The officer's display name, or "Công dân" for the applicant.
    #[schema(example = "Cán bộ canbo.badinh")]
    pub by: String,
    pub status_before: Option<String>,
    pub status_after: String,
    pub status_after_label: String,
    pub due_before_vn: Option<String>,
    pub due_after_vn: Option<String>,
    /// Reasons, the missing items, the Form 04 text, …
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

/// A file of the dossier (without content).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DossierFileView {
    pub id: i64,
    #[schema(example = "Giấy chứng sinh")]
    pub component: String,
    #[schema(example = "giay-chung-sinh.pdf")]
    pub file_name: String,
    #[schema(example = "application/pdf")]
    pub content_type: String,
    pub size_bytes: i64,
    /// `not_scanned`, `clean`, `pending`, `infected` (not served).
    pub scan_status: String,
}

impl From<DossierFileInfo> for DossierFileView {
    fn from(f: DossierFileInfo) -> Self {
        DossierFileView {
            id: f.id,
            component: f.component,
            file_name: f.file_name,
            content_type: f.content_type,
            size_bytes: f.size_bytes,
            scan_status: f.scan_status,
        }
    }
}

/// A dossier as its office sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct OfficeDossierView {
    pub summary: DossierSummary,
    pub office_code: String,
    pub office_name: String,
    pub processing_days: i32,
    /// Working days not counted while waiting for supplements.
    pub paused_days: i32,
    /// dd/mm/yyyy HH:MM of the supplement request the dossier waits on.
    pub paused_since: Option<String>,
    pub copies: i32,
    pub fee_vnd: i64,
    /// The form's content as filed (JSON), if any.
    #[schema(value_type = Option<Object>)]
    pub application: Option<serde_json::Value>,
    /// The civil record kind of the procedure (catalogue), e.g. `birth`.
    pub record_kind: Option<String>,
    pub events: Vec<DossierEventView>,
    pub files: Vec<DossierFileView>,
    /// What the actor may do now: `accept`, `supplement_request`, `refuse`, `stop`, `apology`.
    pub actions: Vec<String>,
}

/// A file to hand out: for an officer of the dossier's office, or for its applicant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DossierFileDownload {
    pub dossier_code: String,
    pub file_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub content: Vec<u8>,
}

/// The dossier unit code of an office (administrators).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct OfficeUnitCode {
    #[schema(example = "UBND-00004")]
    pub office_code: String,
    pub office_name: String,
    #[schema(example = "000.00.31.H13")]
    pub unit_code: Option<String>,
}

fn vn_minute(micros: i64) -> String {
    let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(VN_OFFSET);
    format!("{} {:02}:{:02}", format_vn(t.date()), t.hour(), t.minute())
}

fn vn_day(micros: i64) -> String {
    let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    format_vn(rules::vn_date(t))
}

fn rfc3339(micros: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

fn status_label(s: &str) -> String {
    DossierStatus::parse(s)
        .map(|st| st.label_vi().to_string())
        .unwrap_or_else(|_| s.to_string())
}

/// The label of an event kind in the history.
pub fn event_label(kind: &str) -> String {
    match kind {
        "submitted" => "Nộp hồ sơ trực tuyến",
        "received" => "Tiếp nhận hồ sơ",
        "supplement_requested" => "Yêu cầu bổ sung, hoàn thiện hồ sơ",
        "supplement_answered" => "Đã bổ sung hồ sơ",
        "refused" => "Từ chối giải quyết",
        "processed" => "Đã xử lý xong",
        "result_returned" => "Trả kết quả",
        "withdrawn" => "Công dân rút hồ sơ",
        "stopped" => "Dừng xử lý",
        "apology" => "Xin lỗi và hẹn lại ngày trả kết quả",
        other => other,
    }
    .to_string()
}

/// A dossier as a queue line.
pub fn summary(d: &DossierRow, today: Date, horizon: Date) -> DossierSummary {
    let colour = deadline_colour(d, today, horizon);
    let label = if colour == DeadlineColour::DueSoon && d.reappointed_on.or(d.due_on) == Some(today)
    {
        "Đến hạn hôm nay".to_string()
    } else {
        colour.label_vi().to_string()
    };
    DossierSummary {
        code: d.code.clone(),
        procedure_code: d.procedure_code.clone(),
        procedure_name: d.procedure_name.clone(),
        applicant_name: d.applicant_name.clone(),
        applicant_personal_id: d.applicant_personal_id.clone(),
        status: d.status.clone(),
        status_label: status_label(&d.status),
        channel: d.channel,
        submitted_on: vn_day(d.submitted_at),
        received_on: d.received_at.map(vn_day),
        due_on: d.due_on.map(|x| x.to_string()),
        due_on_vn: d.due_on.map(format_vn),
        reappointed_on: d.reappointed_on.map(|x| x.to_string()),
        reappointed_on_vn: d.reappointed_on.map(format_vn),
        deadline: colour.as_str().to_string(),
        deadline_label: label,
        late: d.late,
        supplement_count: d.supplement_count,
    }
}

/// A dossier code from a path: `dossier_code_bad_format` (400) when it is not one.
pub fn parse_code(code: &str) -> Result<String> {
    let c = code.trim().to_ascii_uppercase();
    DossierCode::parse(&c)
        .map(|x| x.to_string())
        .map_err(|e| DomainError::bad_request(&e).with_field("code"))
}

fn bad(code: &'static str, field: &str, message: impl Into<String>) -> DomainError {
    DomainError::new(ErrorKind::BadRequest, code, message).with_field(field)
}

/// The keyset `YYYY-MM-DD~id` of a queue row.
fn cursor_of(d: &DossierRow) -> String {
    format!(
        "{}~{}",
        d.reappointed_on.or(d.due_on).unwrap_or(QUEUE_NO_DUE),
        d.id
    )
}

fn parse_cursor(s: &str) -> Result<(Date, i64)> {
    let err = || {
        bad(
            "dossier_queue_cursor_invalid",
            "after",
            "Tham số trang (after) không hợp lệ; hãy dùng liên kết \u{201c}Trang sau\u{201d}.",
        )
    };
    let (d, i) = s.trim().split_once('~').ok_or_else(err)?;
    let day = parse_date(d).map_err(|_| err())?;
    let id = i.parse::<i64>().map_err(|_| err())?;
    Ok((day, id))
}

/// Whether the actor reads dossiers at all (officers, signers, province and ministry staff).
pub fn reads_dossiers(role: Role) -> bool {
    matches!(
        role,
        Role::Officer | Role::Signer | Role::Province | Role::Ministry
    )
}

/// Whether the actor may see the dossiers of `office`: its own office's, or (province, ministry
/// staff) an office of its scope.
pub fn can_view_office(actor: &Actor, office: &OfficeRow) -> bool {
    if !reads_dossiers(actor.role) {
        return false;
    }
    if actor.office.id == office.id {
        return true;
    }
    match (&actor.office.scope, actor.role) {
        (Scope::National, Role::Ministry) => true,
        (Scope::Province { province_code }, Role::Province | Role::Ministry) => {
            office.province_code.as_deref() == Some(province_code.as_str())
        }
        _ => false,
    }
}

/// Whether the actor acts on the dossiers of `office_id` (its officers and signers).
pub fn can_act(actor: &Actor, office_id: i64) -> bool {
    actor.office.id == office_id && matches!(actor.role, Role::Officer | Role::Signer)
}

impl App {
    /// Offices whose queue the actor may choose (its own first, then its scope's).
    pub async fn dossier_offices_for(&self, actor: &Actor) -> Result<Vec<OfficeRow>> {
        if !reads_dossiers(actor.role) {
            return Ok(Vec::new());
        }
        let mut all = self.store.offices().await?;
        all.retain(|o| can_view_office(actor, o));
        all.sort_by_key(|o| (o.id != actor.office.id, o.code.clone()));
        Ok(all)
    }

    /// One page of an office's dossiers ordered by appointment date (the Form 04 date, else the
    /// due date; not-yet-received dossiers first), with the counts per colour. `now` fixes
    /// "today" (the web edge passes `tuphap_store::now_utc()`).
    pub async fn office_dossier_queue(
        &self,
        actor: &Actor,
        filter: &DossierQueueFilter,
        now: OffsetDateTime,
    ) -> Result<DossierQueue> {
        actor.require(reads_dossiers(actor.role), "xem hồ sơ dịch vụ công")?;
        let office = match filter
            .office
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => self
                .store
                .office_by_id(actor.office.id)
                .await?
                .ok_or_else(DomainError::internal)?,
            Some(code) => self.store.office_by_code(code).await?.ok_or_else(|| {
                DomainError::not_found(
                    "office_not_found",
                    format!("Không có cơ quan mã \u{201c}{code}\u{201d}."),
                )
                .with_field("office")
            })?,
        };
        actor.require(
            can_view_office(actor, &office),
            "xem hồ sơ của cơ quan ngoài phạm vi",
        )?;
        let status = filter
            .status
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .unwrap_or("open");
        let (open_only, status) = match status {
            "open" => (true, None),
            "all" => (false, None),
            s => {
                let st = DossierStatus::parse(s).map_err(|_| {
                    bad(
                        "dossier_status_unknown",
                        "status",
                        format!(
                            "Trạng thái \u{201c}{s}\u{201d} không hợp lệ. Dùng open, all hoặc một trong: {}.",
                            DossierStatus::ALL.map(DossierStatus::as_str).join(", ")
                        ),
                    )
                })?;
                (false, Some(st.as_str().to_string()))
            }
        };
        let band = match filter
            .band
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(b) => Some(DeadlineColour::parse(b).and_then(DeadlineColour::band).ok_or_else(
                || {
                    bad(
                        "dossier_band_unknown",
                        "band",
                        format!(
                            "Nhóm thời hạn \u{201c}{b}\u{201d} không hợp lệ. Dùng waiting, overdue, due_soon, on_track hoặc paused."
                        ),
                    )
                },
            )?),
        };
        let after = filter.after.as_deref().map(parse_cursor).transpose()?;
        let limit = filter.limit.unwrap_or(QUEUE_PAGE);
        if limit == 0 || limit > QUEUE_PAGE_MAX {
            return Err(bad(
                "dossier_queue_limit_invalid",
                "limit",
                format!("Số dòng mỗi trang phải từ 1 đến {QUEUE_PAGE_MAX}."),
            ));
        }
        let cal = self.working_calendar().await?;
        let today = rules::vn_date(now);
        let horizon = cal.add_working_days(today, 1);
        let q = DossierQueueQuery {
            office_id: office.id,
            open_only: open_only || band.is_some(),
            status,
            band,
            today,
            horizon,
        };
        let mut rows = self
            .store
            .dossier_queue_page(&q, after, i64::from(limit) + 1)
            .await?;
        let page = usize::try_from(limit).unwrap_or(50);
        let next_after = if rows.len() > page {
            rows.truncate(page);
            rows.last().map(cursor_of)
        } else {
            None
        };
        let counts = self
            .store
            .dossier_band_counts(office.id, today, horizon)
            .await?;
        Ok(DossierQueue {
            office_code: office.code,
            office_name: office.name,
            today: today.to_string(),
            counts: counts.into(),
            items: rows.iter().map(|d| summary(d, today, horizon)).collect(),
            next_after,
        })
    }

    /// A dossier as its office sees it: history with who and when, files, the application, and
    /// the actions its status allows the actor. Officers' reads are audited (`dossier.read`).
    /// A dossier of an office the actor may not see is `dossier_not_found` (404).
    pub async fn office_dossier_view(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        code: &str,
        now: OffsetDateTime,
    ) -> Result<OfficeDossierView> {
        let code = parse_code(code)?;
        let not_found = || {
            DomainError::not_found(
                "dossier_not_found",
                format!("Không tìm thấy hồ sơ có mã \u{201c}{code}\u{201d}."),
            )
        };
        let d = self
            .store
            .dossier_by_code(&code)
            .await?
            .ok_or_else(not_found)?;
        let office = self
            .store
            .office_by_id(d.office_id)
            .await?
            .ok_or_else(DomainError::internal)?;
        if !can_view_office(actor, &office) {
            return Err(not_found());
        }
        let cal = self.working_calendar().await?;
        let events = self.store.dossier_events(d.id).await?;
        let files = self.store.dossier_files(d.id).await?;
        let record_kind = self
            .store
            .procedure(&d.procedure_code)
            .await?
            .and_then(|p| p.procedure.record_kind);
        let mut names: HashMap<i64, String> = HashMap::new();
        let mut event_views = Vec::with_capacity(events.len());
        for e in &events {
            event_views.push(self.event_view(e, &mut names).await?);
        }
        let mut e = actor.audit(meta, "dossier.read");
        e.target_type = Some("dossier".into());
        e.target_id = Some(d.code.clone());
        self.store.audit(&[e]).await?;
        let today = rules::vn_date(now);
        let horizon = cal.add_working_days(today, 1);
        Ok(OfficeDossierView {
            summary: summary(&d, today, horizon),
            office_code: office.code.clone(),
            office_name: office.name.clone(),
            processing_days: d.processing_days,
            paused_days: d.paused_days,
            paused_since: d.paused_since.map(vn_minute),
            copies: d.copies,
            fee_vnd: d.fee_vnd,
            application: d
                .application
                .as_deref()
                .and_then(|a| serde_json::from_str(a).ok()),
            record_kind,
            events: event_views,
            files: files.into_iter().map(DossierFileView::from).collect(),
            actions: allowed_actions(actor, &d, &cal, now),
        })
    }

    async fn event_view(
        &self,
        e: &DossierEvent,
        names: &mut HashMap<i64, String>,
    ) -> Result<DossierEventView> {
        let by = match (e.by_user_id, &e.by_personal_id) {
            (Some(id), _) => {
                if let Some(n) = names.get(&id) {
                    n.clone()
                } else {
                    let n = self
                        .store
                        .user_by_id(id)
                        .await?
                        .map(|u| u.display_name)
                        .unwrap_or_else(|| format!("Người dùng số {id}"));
                    names.insert(id, n.clone());
                    n
                }
            }
            (None, Some(_)) => "Công dân (người nộp hồ sơ)".to_string(),
            (None, None) => "Hệ thống".to_string(),
        };
        Ok(DossierEventView {
            kind: e.kind.clone(),
            kind_label: event_label(&e.kind),
            at: rfc3339(e.at),
            at_vn: vn_minute(e.at),
            by,
            status_before: e.status_before.clone(),
            status_after: e.status_after.clone(),
            status_after_label: status_label(&e.status_after),
            due_before_vn: e.due_before.map(format_vn),
            due_after_vn: e.due_after.map(format_vn),
            details: e.details_json(),
        })
    }

    /// A file of a dossier with its content, for an officer or signer of the dossier's office
    /// or for its applicant (anyone else: `dossier_file_not_found`, 404). Audited as
    /// `dossier.file_download`. A file found infected by the anti-malware scan is not served
    /// (`dossier_file_blocked`, 409).
    pub async fn dossier_file(
        &self,
        by: DossierParty<'_>,
        meta: &RequestMeta,
        code: &str,
        file_id: i64,
    ) -> Result<DossierFileDownload> {
        let code = parse_code(code)?;
        let not_found = || {
            DomainError::not_found(
                "dossier_file_not_found",
                format!("Hồ sơ \u{201c}{code}\u{201d} không có tệp số {file_id}."),
            )
        };
        let d = self
            .store
            .dossier_by_code(&code)
            .await?
            .ok_or_else(not_found)?;
        let allowed = match by {
            DossierParty::Officer(a) => can_act(a, d.office_id),
            DossierParty::Citizen { personal_id } => personal_id.trim() == d.applicant_personal_id,
        };
        if !allowed {
            return Err(not_found());
        }
        let f = self
            .store
            .dossier_file_content(d.id, file_id)
            .await?
            .ok_or_else(not_found)?;
        if f.scan_status == "pending" {
            return Err(DomainError::new(
                ErrorKind::Conflict,
                "dossier_file_pending_scan",
                format!(
                    "Tệp \u{201c}{}\u{201d} đang chờ phần mềm chống mã độc kiểm tra nên chưa tải về được; vui lòng thử lại sau.",
                    f.file_name
                ),
            ));
        }
        if f.scan_status == "infected" {
            return Err(DomainError::new(
                ErrorKind::Conflict,
                "dossier_file_blocked",
                format!(
                    "Tệp \u{201c}{}\u{201d} bị phần mềm chống mã độc đánh dấu nhiễm mã độc nên không được tải về.",
                    f.file_name
                ),
            ));
        }
        let mut audit = match by {
            DossierParty::Officer(a) => a.audit(meta, "dossier.file_download"),
            DossierParty::Citizen { personal_id } => NewAuditEntry {
                actor_username: Some(format!("citizen:{}", personal_id.trim())),
                source_ip: meta.source_ip.clone(),
                request_id: meta.request_id.clone(),
                action: "dossier.file_download".into(),
                outcome: Some(Outcome::Success),
                ..NewAuditEntry::default()
            },
        };
        audit.target_type = Some("dossier".into());
        audit.target_id = Some(d.code.clone());
        audit.details = Some(json!({"file_id": f.id, "file_name": f.file_name}));
        self.store.audit(&[audit]).await?;
        Ok(DossierFileDownload {
            dossier_code: d.code,
            file_id: f.id,
            file_name: f.file_name,
            content_type: f.content_type,
            content: f.content,
        })
    }

    /// Every office with its dossier unit code (administrators).
    pub async fn office_unit_codes(&self, actor: &Actor) -> Result<Vec<OfficeUnitCode>> {
        actor.require(
            actor.role.can_administer(),
            "xem mã định danh cơ quan dùng cho mã hồ sơ",
        )?;
        let codes: HashMap<i64, String> =
            self.store.dossier_unit_codes().await?.into_iter().collect();
        Ok(self
            .store
            .offices()
            .await?
            .into_iter()
            .map(|o| OfficeUnitCode {
                unit_code: codes.get(&o.id).cloned(),
                office_code: o.code,
                office_name: o.name,
            })
            .collect())
    }
}

/// The actions the actor may take on the dossier now (see [`OfficeDossierView::actions`]).
pub fn allowed_actions(
    actor: &Actor,
    d: &DossierRow,
    cal: &WorkingCalendar,
    now: OffsetDateTime,
) -> Vec<String> {
    if !can_act(actor, d.office_id) {
        return Vec::new();
    }
    let Ok(from) = DossierStatus::parse(&d.status) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (action, name) in [
        (DossierAction::Receive, "accept"),
        (DossierAction::RequestSupplement, "supplement_request"),
        (DossierAction::Refuse, "refuse"),
        (DossierAction::Stop, "stop"),
        (DossierAction::Apologize, "apology"),
    ] {
        if rules::transition(from, action).is_err() {
            continue;
        }
        if action == DossierAction::Apologize
            && d.due_on.is_none_or(|due| !rules::at_risk(cal, due, now))
        {
            continue;
        }
        out.push(name.to_string());
    }
    out
}
