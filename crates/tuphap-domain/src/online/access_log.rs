//! "Who accessed my records" (issue 7, item 5; the Estonian Data Tracker, registries.md §6.4):
//! for the logged-in citizen, every entry of the audit log about their data made by someone
//! else — staff reads of their person entry and records, partner systems' lookups over the
//! exchange platform (`getCivilStatus`, `getCivilRecord`), certificates and extracts printed,
//! registrations, and the processing of their dossiers — with when, who, what and why.
//!
//! The audit log is read per target through its index `audit_log_target (target_type,
//! target_id, seq)` (no new index needed): the citizen's person entry (`person`/id), their
//! personal ID as a lookup key (`personal_id`/number: a partner's lookup that found nothing
//! still shows), each civil record they appear in (`civil_record`/id) and each dossier they
//! filed (`dossier`/code). The citizen's own actions (`citizen:<personal ID>`) are left out.
//!
//! **Who is shown** (a choice; the sources are silent): a staff member as their office and
//! role ("UBND phường Ba Đình — Công chức tư pháp – hộ tịch"), never their username — the
//! office answers for its officers, and the full entry (with the username) is in the audit log
//! for auditors and a formal complaint; a partner system as its member name and X-Road id (the
//! partner's end-user id, `X-Road-UserId`, stays in the audit log); the command line as
//! "Quản trị hệ thống". Denied attempts are listed too, marked as refused.
//!
//! The read of this list is itself audited (`citizen.access_log.read`, purpose
//! `data_subject_access`).

use std::collections::HashMap;

use serde::Serialize;
use time::OffsetDateTime;

use tuphap_core::dates::VN_OFFSET;
use tuphap_core::dossier::DossierStatus;
use tuphap_core::role::Role;
use tuphap_store::AuditEntry;

use crate::citizen::Citizen;
use crate::error::Result;
use crate::{App, RequestMeta};

/// Most entries shown (newest first).
pub const MAX_ENTRIES: usize = 300;
/// Most entries read per target.
const PER_TARGET: i64 = 300;
/// Most dossiers and records looked at.
const MAX_TARGETS: i64 = 200;

/// The actor fields of an audit entry (user id, office, username).
type WhoKey = (Option<i64>, Option<String>, Option<String>);

/// One access to the citizen's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessEntry {
    /// The audit entry's sequence number (to quote in a complaint).
    pub seq: i64,
    /// Unix microseconds.
    pub at: i64,
    /// `dd/mm/yyyy HH:MM`, Vietnam time.
    pub at_vn: String,
    /// `staff`, `partner`, `public` (a lookup with the code and `id4`) or `system`.
    pub who_kind: String,
    /// The office and role, or the partner system.
    pub who: String,
    /// The audit action (machine code), e.g. `civil.record.read`.
    pub action: String,
    /// What was done, in Vietnamese.
    pub what: String,
    /// `read` (looked at, printed, looked up) or `change` (recorded, processed).
    pub kind: String,
    /// Which of the citizen's data, in Vietnamese.
    pub target: String,
    /// The stated purpose, in Vietnamese, when one was recorded.
    pub purpose: Option<String>,
    /// `success`, `denied` or `failure`.
    pub outcome: String,
}

/// `dd/mm/yyyy HH:MM` in Vietnam time of unix microseconds.
pub fn vn_time(micros: i64) -> String {
    let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(VN_OFFSET);
    format!(
        "{:02}/{:02}/{} {:02}:{:02}",
        t.day(),
        u8::from(t.month()),
        t.year(),
        t.hour(),
        t.minute()
    )
}

/// What an audit action means for the data subject, and whether it is a read.
pub fn action_label_vi(action: &str) -> (String, &'static str) {
    let read = "read";
    let change = "change";
    let s = |t: &str, k| (t.to_string(), k);
    match action {
        "civil.person.read" => s("Xem thông tin cá nhân trong sổ hộ tịch", read),
        "civil.record.read" => s("Xem hồ sơ hộ tịch", read),
        "civil.record.audit_read" => s("Xem nhật ký xử lý hồ sơ hộ tịch", read),
        "exchange.civil_status.read" => s(
            "Tra cứu tình trạng hộ tịch qua nền tảng trao đổi dữ liệu (getCivilStatus)",
            read,
        ),
        "exchange.civil_record.read" => s(
            "Tra cứu hồ sơ hộ tịch qua nền tảng trao đổi dữ liệu (getCivilRecord)",
            read,
        ),
        "civil.certificate.print" => s("In giấy tờ hộ tịch", read),
        "civil.certificate.issue" => s("Cấp giấy tờ hộ tịch", change),
        "civil.certificate.revoke" => s("Thu hồi giấy tờ hộ tịch", change),
        "civil.extract.issue" => s("Cấp bản sao trích lục hộ tịch", change),
        "civil.extract.print" => s("In bản sao trích lục hộ tịch", read),
        "civil.extract.list" => s("Xem danh sách bản sao trích lục đã cấp", read),
        "civil.register" => s("Đăng ký vào sổ hộ tịch", change),
        "civil.records.export" => s(
            "Trích xuất dữ liệu hộ tịch hàng loạt (có dữ liệu của bạn)",
            read,
        ),
        "civil.person.merge" => s("Hợp nhất hai mục trùng của cùng một người", change),
        "civil.person.unmerge" => s("Hủy hợp nhất mục người", change),
        "civil.personal_id_assigned" => s("Ghi số định danh cá nhân được cấp", change),
        "civil.partner_number_recorded" => {
            s("Ghi số do cơ quan khác cấp (thẻ BHYT, thường trú…)", change)
        }
        "dossier.read" => s("Xem hồ sơ thủ tục hành chính", read),
        "dossier.file_download" => s("Tải giấy tờ của hồ sơ thủ tục hành chính", read),
        "dossier.public_lookup" => s("Tra cứu tình trạng hồ sơ (có 4 số cuối số định danh)", read),
        "dossier.paid" | "dossier.payment_notice" | "dossier.payment_started" => {
            s("Ghi nhận thanh toán lệ phí", change)
        }
        a if a.starts_with("civil.") && a.ends_with(".declare") => {
            s("Ghi tờ khai vào sổ hộ tịch", change)
        }
        a if a.starts_with("dossier.") => {
            let kind = &a["dossier.".len()..];
            let label = match kind {
                "received" => "Tiếp nhận hồ sơ",
                "supplement_requested" => "Yêu cầu bổ sung hồ sơ",
                "supplement_answered" => "Ghi nhận hồ sơ đã bổ sung",
                "refused" => "Từ chối giải quyết hồ sơ",
                "processed" => "Giải quyết xong hồ sơ",
                "result_returned" => "Trả kết quả",
                "withdrawn" => "Ghi nhận rút hồ sơ",
                "stopped" => "Dừng xử lý hồ sơ",
                "apology" => "Lập phiếu xin lỗi và hẹn lại ngày trả kết quả",
                _ => "Xử lý hồ sơ thủ tục hành chính",
            };
            s(label, change)
        }
        a if a.ends_with(".read") || a.ends_with("_read") => s("Xem dữ liệu", read),
        a => (format!("Thao tác khác ({a})"), change),
    }
}

/// The stated purpose of a read, in Vietnamese, with its reference (`details.purpose_ref`,
/// issue 8) — except for a request of a body conducting legal proceedings, whose reference is
/// not shown to the data subject (it may name an ongoing investigation; the audit log keeps it).
fn purpose_label_vi(purpose: &str, details: Option<&str>) -> String {
    let label = match purpose {
        "data_subject_access" => "Người dân xem dữ liệu của mình".into(),
        "registration" => "Giải quyết thủ tục đăng ký hộ tịch".into(),
        "verification" => "Xác minh thông tin".into(),
        p => match crate::privacy::Purpose::parse(p) {
            Some(known) => known.label_vi().to_string(),
            None => p.to_string(),
        },
    };
    let reference = details
        .and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok())
        .and_then(|v| {
            v.get("purpose_ref")
                .and_then(|r| r.as_str())
                .map(str::to_string)
        });
    match reference {
        Some(r) if purpose != crate::privacy::Purpose::LegalProceedings.as_str() => {
            format!("{label} — căn cứ: {r}")
        }
        _ => label,
    }
}

fn target_label(target_type: &str, target_id: &str, kinds: &HashMap<String, String>) -> String {
    match target_type {
        "person" => "Thông tin cá nhân của bạn trong sổ hộ tịch".into(),
        "personal_id" => format!("Số định danh cá nhân {target_id}"),
        "civil_record" => match kinds.get(target_id) {
            Some(k) => format!("Hồ sơ hộ tịch số {target_id} ({k})"),
            None => format!("Hồ sơ hộ tịch số {target_id}"),
        },
        "dossier" => format!("Hồ sơ thủ tục hành chính {target_id}"),
        // An export: `target_id` lists the citizen's records in it.
        "export" => {
            let ids: Vec<String> = target_id
                .split(',')
                .map(|id| match kinds.get(id) {
                    Some(k) => format!("số {id} ({k})"),
                    None => format!("số {id}"),
                })
                .collect();
            format!("Hồ sơ hộ tịch {} của bạn", ids.join(", "))
        }
        t => format!("{t} {target_id}"),
    }
}

fn record_kind_vi(kind: &str) -> &'static str {
    match kind {
        "birth" => "khai sinh",
        "death" => "khai tử",
        "marriage" => "kết hôn",
        "divorce" => "ly hôn",
        "marital_status" => "xác nhận tình trạng hôn nhân",
        "parentage" => "nhận cha, mẹ, con",
        "adoption" => "nuôi con nuôi",
        "guardianship" => "giám hộ",
        "amendment" => "thay đổi, cải chính hộ tịch",
        _ => "hộ tịch",
    }
}

impl App {
    /// Who accessed the citizen's data (newest first, at most [`MAX_ENTRIES`]); see the module
    /// documentation. Audited as `citizen.access_log.read`.
    pub async fn citizen_access_log(
        &self,
        citizen: &Citizen,
        meta: &RequestMeta,
    ) -> Result<Vec<AccessEntry>> {
        let pid = citizen.personal_id.clone();
        let mut targets: Vec<(String, String)> = vec![("personal_id".into(), pid.clone())];
        let mut kinds: HashMap<String, String> = HashMap::new();
        let person = self.store.person_by_personal_id(&pid).await?;
        if let Some(p) = &person {
            targets.push(("person".into(), p.id.to_string()));
            let mut seen = std::collections::HashSet::new();
            for e in self.store.person_events(p.id).await? {
                if seen.insert(e.record_id) && seen.len() <= MAX_TARGETS as usize {
                    kinds.insert(e.record_id.to_string(), record_kind_vi(&e.kind).into());
                    targets.push(("civil_record".into(), e.record_id.to_string()));
                }
            }
        }
        for d in self.store.dossiers_of_applicant(&pid, MAX_TARGETS).await? {
            targets.push(("dossier".into(), d.code));
        }
        let own = format!("citizen:{pid}");
        let mut entries: Vec<(String, String, AuditEntry)> = Vec::new();
        for (t, id) in &targets {
            for e in self
                .store
                .audit_entries_of_target(t, id, None, PER_TARGET)
                .await?
            {
                if e.actor_username.as_deref() == Some(own.as_str()) {
                    continue;
                }
                entries.push((t.clone(), id.clone(), e));
            }
        }
        // Bulk exports that included the citizen (issue 8): found through `data_access`
        // (migration 0024, keyed by person), one line per export.
        if let Some(p) = &person {
            let mut by_seq: std::collections::BTreeMap<i64, Vec<String>> = Default::default();
            for row in self
                .store
                .data_access_of_persons(&[p.id], PER_TARGET)
                .await?
            {
                by_seq
                    .entry(row.audit_seq)
                    .or_default()
                    .push(row.record_id.to_string());
            }
            for (seq, records) in by_seq {
                let found = self
                    .store
                    .audit_entries(&tuphap_store::audit::AuditFilter {
                        before_seq: Some(seq + 1),
                        limit: 1,
                        ..Default::default()
                    })
                    .await?;
                if let Some(e) = found.into_iter().find(|e| e.seq == seq) {
                    entries.push(("export".into(), records.join(","), e));
                }
            }
        }
        entries.sort_by_key(|x| std::cmp::Reverse(x.2.seq));
        entries.dedup_by(|a, b| a.2.seq == b.2.seq);
        entries.truncate(MAX_ENTRIES);

        let mut who_cache: HashMap<WhoKey, (String, String)> = HashMap::new();
        let mut out = Vec::with_capacity(entries.len());
        for (t, id, e) in entries {
            let key = (
                e.actor_user_id,
                e.actor_office.clone(),
                e.actor_username.clone(),
            );
            let (who_kind, who) = match who_cache.get(&key) {
                Some(w) => w.clone(),
                None => {
                    let w = self.who_of(&e).await?;
                    who_cache.insert(key, w.clone());
                    w
                }
            };
            let (what, kind) = action_label_vi(&e.action);
            out.push(AccessEntry {
                seq: e.seq,
                at: e.at_micros,
                at_vn: vn_time(e.at_micros),
                who_kind,
                who,
                action: e.action.clone(),
                what,
                kind: kind.into(),
                target: target_label(&t, &id, &kinds),
                purpose: e
                    .purpose
                    .as_deref()
                    .map(|p| purpose_label_vi(p, e.details.as_deref())),
                outcome: e.outcome.clone(),
            });
        }
        let mut audit = citizen.audit(meta, "citizen.access_log.read");
        audit.target_type = Some("person".into());
        audit.target_id = person.map(|p| p.id.to_string());
        audit.purpose = Some("data_subject_access".into());
        audit.details = Some(serde_json::json!({ "entries": out.len() }));
        self.store.audit(&[audit]).await?;
        Ok(out)
    }

    /// (kind, label) of the actor of an entry: a staff member as office and role, a partner
    /// system as its name and X-Road id.
    async fn who_of(&self, e: &AuditEntry) -> Result<(String, String)> {
        if let Some(uid) = e.actor_user_id {
            let user = self.store.user_by_id(uid).await?;
            let office = match &e.actor_office {
                Some(code) => self.store.office_by_code(code).await?,
                None => match &user {
                    Some(u) => self.store.office_by_id(u.office_id).await?,
                    None => None,
                },
            };
            let office = office
                .map(|o| o.name)
                .or_else(|| e.actor_office.clone())
                .unwrap_or_else(|| "Cơ quan không xác định".into());
            let role = user
                .and_then(|u| Role::parse(&u.role).ok())
                .map(|r| r.label_vi())
                .unwrap_or("Cán bộ");
            return Ok(("staff".into(), format!("{office} — {role}")));
        }
        let Some(name) = e.actor_username.as_deref() else {
            return Ok(("system".into(), "Quản trị hệ thống (dòng lệnh)".into()));
        };
        if name == crate::online::public_status::PUBLIC_ACTOR {
            return Ok((
                "public".into(),
                "Tra cứu công khai bằng mã hồ sơ và 4 số cuối số định danh".into(),
            ));
        }
        let client = name.strip_prefix("lgsp:").unwrap_or(name);
        if client.contains('/') {
            let label = match self.store.xroad_member(client).await? {
                Some(m) => format!("{} ({client})", m.name),
                None => format!("Hệ thống đối tác {client}"),
            };
            return Ok(("partner".into(), label));
        }
        Ok(("system".into(), "Hệ thống".into()))
    }
}

/// The status label of a dossier status code (for pages), or the code itself.
pub fn status_label(status: &str) -> String {
    DossierStatus::parse(status)
        .map(|s| s.label_vi().to_string())
        .unwrap_or_else(|_| status.to_string())
}
