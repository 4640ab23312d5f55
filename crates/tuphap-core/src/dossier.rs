//! Dossiers of administrative procedures (hồ sơ thủ tục hành chính) received online or at the
//! one-stop shop: the national dossier code, the statuses the national public-service portal
//! syncs, the deadline engine (working days, the 15:00 cut-off, the clock stopped while the
//! citizen supplements the dossier, lateness) and the text of Form 04 (apology and new
//! appointment).
//!
//! # Sources
//!
//! * Dossier code: Circular 01/2018/TT-VPCP Art. 19 — `V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX`: the
//!   unit's code in the electronic-document interconnection standard (Circular 10/2016/TT-BTTTT),
//!   the date (`YYMMDD`) and a 4-digit serial within that day.
//! * Forms: Decree 61/2018/NĐ-CP and Circular 01/2018/TT-VPCP, forms 01 (receipt and appointment),
//!   02 (request to supplement), 03 (refusal), **04 (apology and new appointment, issued before
//!   the due date)**, 05, 06.
//! * Statuses and on-time rule: Decision 766/QĐ-TTg and its formula sheet ("Mô tả công thức tính
//!   chỉ số 766", registries.md §6.2): on time when `NgayKetThucXuLy ≤ NgayHenTra`; the time
//!   waiting for the citizen to supplement is subtracted; a second supplementation request counts
//!   as late.
//! * The 15:00 cut-off: a request received after 15:00 that cannot be settled that day is due the
//!   next working day (Luật Hộ tịch 2014 Đ.5.3; Decree 99/2022/NĐ-CP Art. 16 has the same rule for
//!   secured-transaction registration).
//! * Counting: BLDS 2015 Đ.147 (a time limit counted in days starts on the day after the event)
//!   — [`WorkingCalendar::add_working_days`] counts that way.
//!
//! # Choices where the sources are silent
//!
//! * The deadline runs from the **receipt** (`NgayTiepNhan`), when an officer accepts the dossier
//!   as complete, not from the online submission.
//! * The cut-off applies to every procedure, not only same-day ones: received after 15:00 (Vietnam
//!   time) or on a day that is not a working day, the dossier counts as received on the next
//!   working day ([`effective_day`]).
//! * The clock stops on the day the supplement request is made and restarts on the effective day
//!   of the answer (same cut-off); the working days in between are added to the due date
//!   ([`resume`]).
//! * A dossier is late when the Vietnam date it was finished on is after its due date (the whole
//!   due day counts), or on its second supplement request (766).

use std::fmt;

use serde::{Deserialize, Serialize};
use time::{Date, Month, OffsetDateTime, Time};

use crate::calendar::WorkingCalendar;
use crate::dates::{VN_OFFSET, format_vn, format_vn_long};
use crate::error::Coded;

/// The cut-off time of a working day (Vietnam time): received later, a dossier counts as received
/// on the next working day.
pub const CUTOFF: Time = time::macros::time!(15:00);

/// Errors of dossier rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DossierError {
    /// The unit code is not `DDD.DD.DD.LDD`.
    UnitCodeBadFormat(String),
    /// The dossier code is not `DDD.DD.DD.LDD-YYMMDD-XXXX`.
    CodeBadFormat(String),
    /// The serial of the day is past 9999.
    SerialOutOfRange(u32),
    /// The action is not allowed in the current status.
    TransitionInvalid {
        from: DossierStatus,
        action: DossierAction,
    },
    /// A status or channel code that is not known.
    UnknownStatus(String),
    UnknownChannel(i64),
}

impl Coded for DossierError {
    fn code(&self) -> &'static str {
        match self {
            DossierError::UnitCodeBadFormat(_) => "dossier_unit_code_bad_format",
            DossierError::CodeBadFormat(_) => "dossier_code_bad_format",
            DossierError::SerialOutOfRange(_) => "dossier_serial_exhausted",
            DossierError::TransitionInvalid { .. } => "dossier_transition_invalid",
            DossierError::UnknownStatus(_) => "dossier_status_unknown",
            DossierError::UnknownChannel(_) => "dossier_channel_unknown",
        }
    }

    fn message_vi(&self) -> String {
        match self {
            DossierError::UnitCodeBadFormat(s) => format!(
                "Mã định danh cơ quan \u{201c}{s}\u{201d} không đúng dạng DDD.DD.DD.LDD (Thông tư 10/2016/TT-BTTTT)."
            ),
            DossierError::CodeBadFormat(s) => format!(
                "Mã hồ sơ \u{201c}{s}\u{201d} không đúng dạng V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX (Thông tư 01/2018/TT-VPCP, Điều 19)."
            ),
            DossierError::SerialOutOfRange(n) => format!(
                "Đã hết số thứ tự hồ sơ trong ngày (số {n} vượt quá 9999); vui lòng tiếp nhận vào ngày hôm sau."
            ),
            DossierError::TransitionInvalid { from, action } => format!(
                "Hồ sơ đang ở trạng thái \u{201c}{}\u{201d}, không thể {}.",
                from.label_vi(),
                action.label_vi()
            ),
            DossierError::UnknownStatus(s) => format!("Trạng thái hồ sơ không hợp lệ: {s}."),
            DossierError::UnknownChannel(n) => {
                format!("Kênh thực hiện {n} không hợp lệ (1 trực tiếp, 2 trực tuyến, 3 bưu chính).")
            }
        }
    }
}

impl fmt::Display for DossierError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message_vi())
    }
}

impl std::error::Error for DossierError {}

// ---------------------------------------------------------------------------------------------
// The dossier code.

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

/// Whether `s` is a unit code of the electronic-document standard, `DDD.DD.DD.LDD` (Circular
/// 10/2016/TT-BTTTT: levels 4, 3, 2 as digits, level 1 as an upper-case letter and two digits,
/// e.g. `000.00.31.H13`).
pub fn is_unit_code(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    let [v, z, y, m] = parts.as_slice() else {
        return false;
    };
    let mb = m.as_bytes();
    digits(v, 3)
        && digits(z, 2)
        && digits(y, 2)
        && mb.len() == 3
        && mb[0].is_ascii_uppercase()
        && mb[1..].iter().all(u8::is_ascii_digit)
}

/// A national dossier code (mã hồ sơ), Circular 01/2018/TT-VPCP Art. 19:
/// `V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DossierCode {
    unit: String,
    day: Date,
    serial: u16,
}

impl DossierCode {
    /// A code from its parts; the serial must be 1–9999 (four digits).
    pub fn new(unit: &str, day: Date, serial: u32) -> Result<DossierCode, DossierError> {
        if !is_unit_code(unit) {
            return Err(DossierError::UnitCodeBadFormat(unit.to_string()));
        }
        let serial = u16::try_from(serial)
            .ok()
            .filter(|s| (1..=9999).contains(s))
            .ok_or(DossierError::SerialOutOfRange(serial))?;
        if !(2000..=2099).contains(&day.year()) {
            return Err(DossierError::CodeBadFormat(format!("{unit}-{day}")));
        }
        Ok(DossierCode {
            unit: unit.to_string(),
            day,
            serial,
        })
    }

    /// Parses a code (surrounding spaces ignored, letters upper-cased).
    pub fn parse(s: &str) -> Result<DossierCode, DossierError> {
        let s = s.trim().to_ascii_uppercase();
        let bad = || DossierError::CodeBadFormat(s.clone());
        let mut parts = s.split('-');
        let (Some(unit), Some(day), Some(serial), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        if !is_unit_code(unit) || !digits(day, 6) || !digits(serial, 4) {
            return Err(bad());
        }
        let num = |r: std::ops::Range<usize>| day[r].parse::<u8>().map_err(|_| bad());
        let month = Month::try_from(num(2..4)?).map_err(|_| bad())?;
        let day = Date::from_calendar_date(2000 + i32::from(num(0..2)?), month, num(4..6)?)
            .map_err(|_| bad())?;
        let serial: u32 = serial.parse().map_err(|_| bad())?;
        DossierCode::new(unit, day, serial).map_err(|_| bad())
    }

    pub fn unit(&self) -> &str {
        &self.unit
    }

    pub fn day(&self) -> Date {
        self.day
    }

    pub fn serial(&self) -> u16 {
        self.serial
    }
}

/// `YYMMDD` of a date, the day part of a dossier code.
pub fn code_day(d: Date) -> String {
    format!(
        "{:02}{:02}{:02}",
        d.year().rem_euclid(100),
        u8::from(d.month()),
        d.day()
    )
}

impl fmt::Display for DossierCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{:04}", self.unit, code_day(self.day), self.serial)
    }
}

// ---------------------------------------------------------------------------------------------
// Channel, statuses, transitions.

/// How the dossier was filed (`KenhThucHien` of Decision 766).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// 1: in person at the one-stop shop.
    InPerson,
    /// 2: online.
    Online,
    /// 3: by post.
    Post,
}

impl Channel {
    /// The `KenhThucHien` code.
    pub fn code(self) -> i32 {
        match self {
            Channel::InPerson => 1,
            Channel::Online => 2,
            Channel::Post => 3,
        }
    }

    pub fn from_code(n: i64) -> Result<Channel, DossierError> {
        match n {
            1 => Ok(Channel::InPerson),
            2 => Ok(Channel::Online),
            3 => Ok(Channel::Post),
            _ => Err(DossierError::UnknownChannel(n)),
        }
    }
}

/// The statuses of a dossier as the national portal syncs them (registries.md §6.3): Submitted →
/// Received → Processing ↔ Supplement requested → Processed → Result returned, with the side
/// exits Refused, Stopped and Withdrawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DossierStatus {
    Submitted,
    Received,
    Processing,
    SupplementRequested,
    Processed,
    ResultReturned,
    Refused,
    Stopped,
    Withdrawn,
}

impl DossierStatus {
    pub const ALL: [DossierStatus; 9] = [
        DossierStatus::Submitted,
        DossierStatus::Received,
        DossierStatus::Processing,
        DossierStatus::SupplementRequested,
        DossierStatus::Processed,
        DossierStatus::ResultReturned,
        DossierStatus::Refused,
        DossierStatus::Stopped,
        DossierStatus::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DossierStatus::Submitted => "submitted",
            DossierStatus::Received => "received",
            DossierStatus::Processing => "processing",
            DossierStatus::SupplementRequested => "supplement_requested",
            DossierStatus::Processed => "processed",
            DossierStatus::ResultReturned => "result_returned",
            DossierStatus::Refused => "refused",
            DossierStatus::Stopped => "stopped",
            DossierStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Result<DossierStatus, DossierError> {
        DossierStatus::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| DossierError::UnknownStatus(s.to_string()))
    }

    /// The status as shown to people (the national portal's wording).
    pub fn label_vi(self) -> &'static str {
        match self {
            DossierStatus::Submitted => "Mới đăng ký",
            DossierStatus::Received => "Được tiếp nhận",
            DossierStatus::Processing => "Đang xử lý",
            DossierStatus::SupplementRequested => "Yêu cầu bổ sung giấy tờ",
            DossierStatus::Processed => "Đã xử lý xong",
            DossierStatus::ResultReturned => "Đã trả kết quả",
            DossierStatus::Refused => "Từ chối giải quyết",
            DossierStatus::Stopped => "Dừng xử lý",
            DossierStatus::Withdrawn => "Công dân rút hồ sơ",
        }
    }

    /// Whether the dossier is finished for the on-time indicator (`NgayKetThucXuLy` is set):
    /// processed, returned, refused, stopped or withdrawn.
    pub fn is_finished(self) -> bool {
        matches!(
            self,
            DossierStatus::Processed
                | DossierStatus::ResultReturned
                | DossierStatus::Refused
                | DossierStatus::Stopped
                | DossierStatus::Withdrawn
        )
    }
}

/// What can be done to a dossier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DossierAction {
    Receive,
    RequestSupplement,
    AnswerSupplement,
    Refuse,
    Complete,
    ReturnResult,
    Withdraw,
    Stop,
    Apologize,
}

impl DossierAction {
    /// The event kind recorded in the dossier's event log.
    pub fn as_str(self) -> &'static str {
        match self {
            DossierAction::Receive => "received",
            DossierAction::RequestSupplement => "supplement_requested",
            DossierAction::AnswerSupplement => "supplement_answered",
            DossierAction::Refuse => "refused",
            DossierAction::Complete => "processed",
            DossierAction::ReturnResult => "result_returned",
            DossierAction::Withdraw => "withdrawn",
            DossierAction::Stop => "stopped",
            DossierAction::Apologize => "apology",
        }
    }

    /// "không thể …" completion of a refusal message.
    pub fn label_vi(self) -> &'static str {
        match self {
            DossierAction::Receive => "tiếp nhận",
            DossierAction::RequestSupplement => "yêu cầu bổ sung hồ sơ",
            DossierAction::AnswerSupplement => "ghi nhận hồ sơ đã bổ sung",
            DossierAction::Refuse => "từ chối giải quyết",
            DossierAction::Complete => "ghi nhận đã xử lý xong",
            DossierAction::ReturnResult => "trả kết quả",
            DossierAction::Withdraw => "rút hồ sơ",
            DossierAction::Stop => "dừng xử lý",
            DossierAction::Apologize => "lập phiếu xin lỗi và hẹn lại ngày trả kết quả",
        }
    }
}

/// An event of a dossier's log as shown to people (citizen, officer, public lookup).
pub fn event_label_vi(kind: &str) -> &'static str {
    match kind {
        "submitted" => "Nộp hồ sơ",
        "received" => "Cơ quan tiếp nhận hồ sơ",
        "supplement_requested" => "Yêu cầu bổ sung giấy tờ",
        "supplement_answered" => "Đã bổ sung giấy tờ",
        "refused" => "Từ chối giải quyết",
        "processed" => "Đã xử lý xong",
        "result_returned" => "Đã trả kết quả",
        "withdrawn" => "Công dân rút hồ sơ",
        "stopped" => "Dừng xử lý",
        "apology" => "Xin lỗi và hẹn lại ngày trả kết quả",
        "paid" => "Đã thanh toán lệ phí",
        "rated" => "Đánh giá mức độ hài lòng",
        _ => "Cập nhật hồ sơ",
    }
}

/// The status after `action` on a dossier in status `from`, or why it is not allowed.
///
/// * Received from Submitted; Processing (the officer works on it) from Received.
/// * A supplement request (Form 02) from Received or Processing; its answer back to Processing.
/// * Processed from Received or Processing; Result returned from Processed.
/// * Refused (Form 03), Withdrawn (by the citizen) and Stopped from any open status (Stopped
///   needs a received dossier).
/// * The apology (Form 04) keeps the status; allowed while the dossier is received and not
///   finished.
pub fn transition(
    from: DossierStatus,
    action: DossierAction,
) -> Result<DossierStatus, DossierError> {
    use DossierAction as A;
    use DossierStatus as S;
    let to = match (from, action) {
        (S::Submitted, A::Receive) => Some(S::Received),
        (S::Received | S::Processing, A::RequestSupplement) => Some(S::SupplementRequested),
        (S::SupplementRequested, A::AnswerSupplement) => Some(S::Processing),
        (S::Received | S::Processing, A::Complete) => Some(S::Processed),
        (S::Processed, A::ReturnResult) => Some(S::ResultReturned),
        (S::Submitted | S::Received | S::Processing | S::SupplementRequested, A::Refuse) => {
            Some(S::Refused)
        }
        (S::Submitted | S::Received | S::Processing | S::SupplementRequested, A::Withdraw) => {
            Some(S::Withdrawn)
        }
        (S::Received | S::Processing | S::SupplementRequested, A::Stop) => Some(S::Stopped),
        (s @ (S::Received | S::Processing | S::SupplementRequested), A::Apologize) => Some(s),
        _ => None,
    };
    to.ok_or(DossierError::TransitionInvalid { from, action })
}

// ---------------------------------------------------------------------------------------------
// The deadline engine.

/// The Vietnam date of an instant.
pub fn vn_date(at: OffsetDateTime) -> Date {
    at.to_offset(VN_OFFSET).date()
}

/// The day a dossier counts as received (or a supplement as answered): the Vietnam date of `at`
/// when that is a working day and `at` is before [`CUTOFF`]; otherwise the next working day.
pub fn effective_day(cal: &WorkingCalendar, at: OffsetDateTime) -> Date {
    let local = at.to_offset(VN_OFFSET);
    let day = local.date();
    if cal.is_working_day(day) && local.time() < CUTOFF {
        day
    } else {
        cal.add_working_days(day, 1)
    }
}

/// The due date (`NgayHenTra`) of a dossier received at `received_at` whose procedure takes
/// `working_days` working days: counted from the day after the effective receipt day
/// ([`effective_day`]; BLDS Đ.147). A same-day procedure (`0`) is due on the effective receipt
/// day — so received after 15:00, the next working day (LHT Đ.5.3).
pub fn due_date(cal: &WorkingCalendar, received_at: OffsetDateTime, working_days: u32) -> Date {
    cal.add_working_days(effective_day(cal, received_at), working_days)
}

/// The clock restarted: a dossier paused on `paused_at` (the supplement request, Form 02) and
/// answered at `answered_at`. The working days from the day of the request (exclusive) to the
/// effective day of the answer (inclusive) are not counted (Decision 766 formula: the time
/// waiting for the citizen is subtracted), so they are added to the due date. Returns the new due
/// date and the number of working days added.
pub fn resume(
    cal: &WorkingCalendar,
    due_on: Date,
    paused_at: OffsetDateTime,
    answered_at: OffsetDateTime,
) -> (Date, u32) {
    let paused = cal.working_days_between(vn_date(paused_at), effective_day(cal, answered_at));
    (cal.add_working_days(due_on, paused), paused)
}

/// Whether a dossier finished at `finished_at` with due date `due_on` is late (the whole due day
/// counts, Vietnam time).
pub fn is_late(due_on: Date, finished_at: OffsetDateTime) -> bool {
    vn_date(finished_at) > due_on
}

/// Whether an open dossier due on `due_on` is late at `now` or will be by the end of the next
/// working day — when Form 04 should be prepared (it must be issued before the due date).
pub fn at_risk(cal: &WorkingCalendar, due_on: Date, now: OffsetDateTime) -> bool {
    let today = vn_date(now);
    today >= due_on || cal.add_working_days(today, 1) >= due_on
}

// ---------------------------------------------------------------------------------------------
// Form 04.

/// What Form 04 is built from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApologyLetter<'a> {
    /// The office's superior body ("UBND tỉnh …"), if known.
    pub parent_body: Option<&'a str>,
    /// The office that settles the procedure.
    pub office_name: &'a str,
    /// Place name for the dateline ("Hà Nội").
    pub place: &'a str,
    pub issued_on: Date,
    pub applicant_name: &'a str,
    pub procedure_name: &'a str,
    pub code: &'a str,
    pub received_on: Date,
    pub due_on: Date,
    pub reason: &'a str,
    pub new_due_on: Date,
}

/// The text of Form 04 "Phiếu xin lỗi và hẹn lại ngày trả kết quả" (Circular 01/2018/TT-VPCP,
/// Appendix), filled from the dossier.
pub fn apology_letter_text(l: &ApologyLetter<'_>) -> String {
    let parent = l
        .parent_body
        .map(|p| format!("{}\n", p.to_uppercase()))
        .unwrap_or_default();
    format!(
        "{parent}{office}\n\
         CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n\
         Độc lập - Tự do - Hạnh phúc\n\
         {place}, {issued}\n\
         \n\
         PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ\n\
         \n\
         Kính gửi: {applicant}.\n\
         \n\
         Ngày {received}, {office_name} tiếp nhận giải quyết hồ sơ đề nghị giải quyết thủ tục hành chính \
         {procedure} của ông/bà {applicant}.\n\
         Mã hồ sơ: {code}.\n\
         Ngày hẹn trả kết quả giải quyết hồ sơ: {due}.\n\
         Tuy nhiên đến nay, {office_name} chưa trả kết quả giải quyết hồ sơ cho ông/bà đúng hẹn như đã \
         ghi trên Giấy tiếp nhận hồ sơ và hẹn trả kết quả.\n\
         Lý do: {reason}.\n\
         \n\
         {office_name} xin lỗi ông/bà và hẹn lại ngày trả kết quả vào {new_due}.\n\
         Rất mong nhận được sự thông cảm của ông/bà vì sự chậm trễ này.\n\
         \n\
         THỦ TRƯỞNG CƠ QUAN\n\
         (Ký, ghi rõ họ tên, đóng dấu)\n",
        office = l.office_name.to_uppercase(),
        office_name = l.office_name,
        place = l.place,
        issued = format_vn_long(l.issued_on),
        applicant = l.applicant_name,
        received = format_vn(l.received_on),
        procedure = l.procedure_name,
        code = l.code,
        due = format_vn(l.due_on),
        reason = l.reason.trim_end_matches('.'),
        new_due = format_vn_long(l.new_due_on),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    fn cal() -> WorkingCalendar {
        WorkingCalendar::default()
    }

    /// Vietnam local time.
    fn vn(dt: time::PrimitiveDateTime) -> OffsetDateTime {
        dt.assume_offset(VN_OFFSET)
    }

    #[test]
    fn code_format_circular_01_2018_art_19() {
        let c = DossierCode::new("000.00.31.H13", date!(2027 - 02 - 04), 7).unwrap();
        assert_eq!(c.to_string(), "000.00.31.H13-270204-0007");
        assert_eq!(
            DossierCode::parse(" 000.00.31.h13-270204-0007 ").unwrap(),
            c
        );
        for bad in [
            "000.00.31.H13-270230-0007", // 30 February
            "000.00.31.H13-270204-0000", // serial starts at 1
            "000.00.31.13-270204-0001",
            "00.00.31.H13-270204-0001",
            "000.00.31.H13-270204-00001",
            "000.00.31.H13-270204",
            "000.00.31.H13-270204-0001-1",
        ] {
            assert_eq!(
                DossierCode::parse(bad).unwrap_err().code(),
                "dossier_code_bad_format",
                "{bad}"
            );
        }
        assert_eq!(
            DossierCode::new("000.00.31.H13", date!(2027 - 02 - 04), 10_000)
                .unwrap_err()
                .code(),
            "dossier_serial_exhausted"
        );
        assert!(is_unit_code("000.00.00.G10"));
        assert!(!is_unit_code("000.00.00.g10"));
    }

    /// Tết Đinh Mùi 2027 in the shipped calendar: lunar 1/1 is Saturday 06/02/2027; the five
    /// days are 05–09/02 (Labour Code 2019 Đ.112), the Saturday and Sunday give compensatory days
    /// 10 and 11/02 (Đ.111.3). Thursday 04/02 is the last working day before Tết.
    #[test]
    fn received_on_last_working_day_before_tet_2027_is_due_after_tet() {
        let c = cal();
        assert!(c.is_working_day(date!(2027 - 02 - 04)));
        for d in 5..=11 {
            let day = Date::from_calendar_date(2027, Month::February, d).unwrap();
            assert!(!c.is_working_day(day), "{day} is off");
        }
        assert!(c.is_working_day(date!(2027 - 02 - 12)));
        // 3 working days from Thursday 04/02 10:00: 12/02, 15/02, 16/02.
        let at = vn(datetime!(2027-02-04 10:00));
        assert_eq!(effective_day(&c, at), date!(2027 - 02 - 04));
        assert_eq!(due_date(&c, at, 3), date!(2027 - 02 - 16));
        // Same-day procedure, received in the morning: due the same day.
        assert_eq!(due_date(&c, at, 0), date!(2027 - 02 - 04));
        // After 15:00 on that Thursday: counts as received on Friday 12/02 (LHT Đ.5.3).
        let late = vn(datetime!(2027-02-04 15:30));
        assert_eq!(effective_day(&c, late), date!(2027 - 02 - 12));
        assert_eq!(due_date(&c, late, 0), date!(2027 - 02 - 12));
        assert_eq!(due_date(&c, late, 3), date!(2027 - 02 - 17));
    }

    #[test]
    fn cutoff_is_15_00_vietnam_time() {
        let c = cal();
        // Wednesday 10/03/2027.
        assert_eq!(
            effective_day(&c, vn(datetime!(2027-03-10 14:59:59))),
            date!(2027 - 03 - 10)
        );
        assert_eq!(
            effective_day(&c, vn(datetime!(2027-03-10 15:00))),
            date!(2027 - 03 - 11)
        );
        // 07:30 UTC is 14:30 in Vietnam; 08:30 UTC is 15:30.
        assert_eq!(
            effective_day(&c, datetime!(2027-03-10 07:30 UTC)),
            date!(2027 - 03 - 10)
        );
        assert_eq!(
            effective_day(&c, datetime!(2027-03-10 08:30 UTC)),
            date!(2027 - 03 - 11)
        );
    }

    #[test]
    fn weekend_receipt_counts_from_monday() {
        let c = cal();
        // Friday 12/03/2027 at 16:00 and Saturday 13/03 at 09:00 both count as Monday 15/03.
        assert_eq!(
            effective_day(&c, vn(datetime!(2027-03-12 16:00))),
            date!(2027 - 03 - 15)
        );
        assert_eq!(
            effective_day(&c, vn(datetime!(2027-03-13 09:00))),
            date!(2027 - 03 - 15)
        );
        // Friday 12/03 10:00 + 2 working days skips the weekend: Tuesday 16/03.
        assert_eq!(
            due_date(&c, vn(datetime!(2027-03-12 10:00)), 2),
            date!(2027 - 03 - 16)
        );
    }

    /// Decision 766 formula: the time waiting for the citizen to supplement is not counted.
    #[test]
    fn supplement_pauses_and_restarts_the_clock() {
        let c = cal();
        // Received Monday 08/03/2027 09:00, 5 working days: due Monday 15/03.
        let received = vn(datetime!(2027-03-08 09:00));
        let due = due_date(&c, received, 5);
        assert_eq!(due, date!(2027 - 03 - 15));
        // Supplement requested Wednesday 10/03 (Tuesday and Wednesday used: 3 days left),
        // answered Friday 12/03 at 10:00: Thursday and Friday are not counted.
        let (new_due, paused) = resume(
            &c,
            due,
            vn(datetime!(2027-03-10 11:00)),
            vn(datetime!(2027-03-12 10:00)),
        );
        assert_eq!(paused, 2);
        // The 3 days left run Monday 15/03 to Wednesday 17/03.
        assert_eq!(new_due, date!(2027 - 03 - 17));
        // Answered after 15:00 that Friday: restarts Monday, one more day.
        let (new_due, paused) = resume(
            &c,
            due,
            vn(datetime!(2027-03-10 11:00)),
            vn(datetime!(2027-03-12 15:30)),
        );
        assert_eq!((new_due, paused), (date!(2027 - 03 - 18), 3));
        // Answered the same morning: nothing added.
        let (new_due, paused) = resume(
            &c,
            due,
            vn(datetime!(2027-03-10 09:00)),
            vn(datetime!(2027-03-10 11:00)),
        );
        assert_eq!((new_due, paused), (due, 0));
    }

    #[test]
    fn lateness_counts_the_whole_due_day() {
        let due = date!(2027 - 03 - 15);
        assert!(!is_late(due, vn(datetime!(2027-03-15 23:59))));
        assert!(is_late(due, vn(datetime!(2027-03-16 00:00))));
        let c = cal();
        assert!(!at_risk(&c, due, vn(datetime!(2027-03-11 09:00))));
        // Friday 12/03: the next working day is the due day.
        assert!(at_risk(&c, due, vn(datetime!(2027-03-12 09:00))));
        assert!(at_risk(&c, due, vn(datetime!(2027-03-16 09:00))));
    }

    #[test]
    fn state_machine_follows_the_portal_statuses() {
        use DossierAction as A;
        use DossierStatus as S;
        let path = [
            (S::Submitted, A::Receive, S::Received),
            (S::Received, A::RequestSupplement, S::SupplementRequested),
            (S::SupplementRequested, A::AnswerSupplement, S::Processing),
            (S::Processing, A::RequestSupplement, S::SupplementRequested),
            (S::Processing, A::Complete, S::Processed),
            (S::Processed, A::ReturnResult, S::ResultReturned),
        ];
        for (from, a, to) in path {
            assert_eq!(transition(from, a).unwrap(), to);
        }
        for bad in [
            (S::Submitted, A::Complete),
            (S::Submitted, A::RequestSupplement),
            (S::SupplementRequested, A::Complete),
            (S::Processed, A::Refuse),
            (S::ResultReturned, A::Withdraw),
            (S::Refused, A::Receive),
            (S::Withdrawn, A::AnswerSupplement),
            (S::Submitted, A::Apologize),
            (S::Processed, A::Apologize),
        ] {
            let e = transition(bad.0, bad.1).unwrap_err();
            assert_eq!(e.code(), "dossier_transition_invalid");
        }
        let e = transition(S::Processed, A::Refuse).unwrap_err();
        assert_eq!(
            e.message_vi(),
            "Hồ sơ đang ở trạng thái \u{201c}Đã xử lý xong\u{201d}, không thể từ chối giải quyết."
        );
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()).unwrap(), s);
        }
        assert_eq!(Channel::from_code(2).unwrap(), Channel::Online);
        assert!(Channel::from_code(4).is_err());
    }

    #[test]
    fn form_04_is_filled_from_the_dossier() {
        let text = apology_letter_text(&ApologyLetter {
            parent_body: Some("UBND thành phố Hà Nội"),
            office_name: "UBND phường Ba Đình",
            place: "Hà Nội",
            issued_on: date!(2027 - 03 - 12),
            applicant_name: "Nguyễn Văn An",
            procedure_name: "Đăng ký khai sinh",
            code: "000.00.31.H13-270308-0001",
            received_on: date!(2027 - 03 - 08),
            due_on: date!(2027 - 03 - 15),
            reason: "Cần xác minh thông tin nơi cư trú.",
            new_due_on: date!(2027 - 03 - 19),
        });
        assert!(text.starts_with("UBND THÀNH PHỐ HÀ NỘI\nUBND PHƯỜNG BA ĐÌNH\n"));
        assert!(text.contains("PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ"));
        assert!(text.contains("Mã hồ sơ: 000.00.31.H13-270308-0001."));
        assert!(text.contains("Ngày hẹn trả kết quả giải quyết hồ sơ: 15/03/2027."));
        assert!(text.contains("Lý do: Cần xác minh thông tin nơi cư trú.\n"));
        assert!(text.contains("hẹn lại ngày trả kết quả vào ngày 19 tháng 3 năm 2027."));
        assert!(text.contains("Hà Nội, ngày 12 tháng 3 năm 2027"));
    }
}
