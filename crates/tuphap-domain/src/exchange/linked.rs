//! Linked procedures (liên thông): a registration starts a chain of calls to partner agencies
//! over the exchange platform, one step after the other:
//!
//! - birth registered → the population database assigns a personal ID (stored on the child,
//!   printed on certificates issued afterwards) → the residence database registers the child's
//!   permanent residence → social insurance issues a health-insurance card;
//! - death registered → the population database records the death → the residence database
//!   removes the residence → social insurance opens the funeral allowance.
//!
//! Each step is one outbox message (`tuphap-store::exchange`) with the record as its ordering
//! key (`birth/42`), so a step's state (pending, sending, retried n times, done, failed with
//! the reason) is its message's state. The first step is fed from the change log (its
//! subscription takes `birth:registered` or `death:registered`); each later step is put into
//! the outbox in the same transaction that applies the previous step's answer, with the same
//! change-log sequence in its message id. The delivery itself (HTTP, retries, the message log)
//! is `tuphap-exchange`'s; this module builds each request from the register and applies each
//! answer to it.

use serde::Serialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use utoipa::ToSchema;

use tuphap_store::Tx;
use tuphap_store::exchange::{
    Claimed, DEAD, DELIVERED, DELIVERING, NewMessage, NewSubscription, OutboxMessage, SKIPPED,
};
use tuphap_store::partner_ids::{FUNERAL_ALLOWANCE, HEALTH_INSURANCE_CARD, PERMANENT_RESIDENCE};

use crate::App;
use crate::civil::PartnerEffect;
use crate::error::{DomainError, ErrorKind, Result};

/// The population database (Bộ Công an, CSDLQG về dân cư).
pub const POPULATION: &str = "VN/GOV/BCA/CSDLQGDC";
/// The residence database (Bộ Công an, CSDL về cư trú).
pub const RESIDENCE: &str = "VN/GOV/BCA/CSDLCUTRU";
/// Social insurance (Bảo hiểm xã hội Việt Nam).
pub const INSURANCE: &str = "VN/GOV/BHXH/CSDLBHXH";

/// One step of a linked procedure: a service of a partner subsystem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub provider: &'static str,
    pub service: &'static str,
    /// What the step does, in Vietnamese.
    pub label: &'static str,
}

/// A linked procedure: the registrations of one kind and their steps, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Procedure {
    /// The record kind (change-log entity) that starts it.
    pub kind: &'static str,
    pub steps: &'static [Step],
}

pub const BIRTH_STEPS: &[Step] = &[
    Step {
        provider: POPULATION,
        service: "assignPersonalId",
        label: "Cấp số định danh cá nhân (CSDL quốc gia về dân cư)",
    },
    Step {
        provider: RESIDENCE,
        service: "registerPermanentResidence",
        label: "Đăng ký thường trú (CSDL về cư trú)",
    },
    Step {
        provider: INSURANCE,
        service: "issueHealthInsuranceCard",
        label: "Cấp thẻ bảo hiểm y tế (BHXH Việt Nam)",
    },
];

pub const DEATH_STEPS: &[Step] = &[
    Step {
        provider: POPULATION,
        service: "recordDeath",
        label: "Cập nhật trạng thái đã chết (CSDL quốc gia về dân cư)",
    },
    Step {
        provider: RESIDENCE,
        service: "removeResidence",
        label: "Xóa đăng ký thường trú (CSDL về cư trú)",
    },
    Step {
        provider: INSURANCE,
        service: "funeralAllowance",
        label: "Giải quyết trợ cấp mai táng (BHXH Việt Nam)",
    },
];

pub const PROCEDURES: &[Procedure] = &[
    Procedure {
        kind: "birth",
        steps: BIRTH_STEPS,
    },
    Procedure {
        kind: "death",
        steps: DEATH_STEPS,
    },
];

/// The procedure and step index a (subscriber, service) pair is, if it is one.
pub fn step_of(subscriber: &str, service: &str) -> Option<(&'static Procedure, usize)> {
    PROCEDURES.iter().find_map(|p| {
        p.steps
            .iter()
            .position(|s| s.provider == subscriber && s.service == service)
            .map(|i| (p, i))
    })
}

/// The subscriptions the linked procedures need, their endpoints under the base URL of the
/// local X-Road security server (`{base}/r1/{provider}/{service}`). The first step of each
/// procedure is fed from the change log; the later ones take nothing from it (they are put
/// into the outbox by the step before).
pub fn linked_subscriptions(security_server: &str, start_after: i64) -> Vec<NewSubscription> {
    let base = security_server.trim_end_matches('/');
    PROCEDURES
        .iter()
        .flat_map(|p| {
            p.steps
                .iter()
                .enumerate()
                .map(move |(i, s)| NewSubscription {
                    subscriber: s.provider.to_string(),
                    service: s.service.to_string(),
                    takes: if i == 0 {
                        format!("{}:registered", p.kind)
                    } else {
                        String::new()
                    },
                    endpoint_url: format!("{base}/r1/{}/{}", s.provider, s.service),
                    enabled: true,
                    start_after,
                })
        })
        .collect()
}

/// What to send for a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Built {
    /// The request body.
    Send(String),
    /// Nothing to send, with the reason; `go_on`: the next step still applies (the child
    /// already has a personal ID), else the procedure ends here.
    Skip { reason: String, go_on: bool },
}

/// The answer applied: what to commit, and the next step's message if there is one.
#[derive(Debug, Clone, Default)]
pub struct Applied {
    pub effect: PartnerEffect,
    pub next: Option<NewMessage>,
}

/// The record a linked message is about: (kind, id) from its envelope.
fn envelope_record(payload: &str) -> Option<(String, i64)> {
    let v: Value = serde_json::from_str(payload).ok()?;
    let kind = v["entity"].as_str()?.to_string();
    let id = v["entity_id"].as_str()?.parse().ok()?;
    Some((kind, id))
}

fn envelope_seq(payload: &str) -> Option<i64> {
    serde_json::from_str::<Value>(payload).ok()?["seq"].as_i64()
}

fn answer_field<'a>(answer: &'a Value, field: &str, provider: &str) -> Result<&'a str> {
    answer[field]
        .as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            DomainError::new(
                ErrorKind::Unprocessable,
                "partner_answer_incomplete",
                format!("Câu trả lời của {provider} thiếu trường \u{201c}{field}\u{201d}."),
            )
        })
}

impl App {
    /// The request of a linked step, built from the register; `None` when the message is not
    /// a linked step (it is then sent as it is).
    pub async fn build_linked_request(&self, m: &Claimed) -> Result<Option<Built>> {
        let Some((_, index)) = step_of(&m.subscriber, &m.service) else {
            return Ok(None);
        };
        let (_, record_id) = envelope_record(&m.payload).ok_or_else(DomainError::internal)?;
        let record = self
            .store
            .record_by_id(record_id)
            .await?
            .ok_or_else(DomainError::internal)?;
        let person = self
            .store
            .person_by_id(record.subject_person_id)
            .await?
            .ok_or_else(DomainError::internal)?;
        let office = self
            .store
            .office_by_id(record.office_id)
            .await?
            .ok_or_else(DomainError::internal)?;
        let iso = |d: Option<time::Date>| d.map(|d| d.to_string()).unwrap_or_default();
        let skip = |reason: &str, go_on: bool| {
            Ok(Some(Built::Skip {
                reason: reason.to_string(),
                go_on,
            }))
        };
        let pid = person.personal_id.clone();
        let body = match (record.kind.as_str(), index) {
            ("birth", 0) => {
                let data: Value = self.current_data(record_id).await?;
                if !data["earlier_registration"].is_null() {
                    return skip(
                        "Khai sinh đăng ký lại hoặc ghi vào sổ việc đã đăng ký ở nước ngoài: số định danh theo hồ sơ trước, không cấp mới.",
                        false,
                    );
                }
                if pid.is_some() {
                    return skip("Trẻ đã có số định danh cá nhân.", true);
                }
                json!({
                    "full_name": person.full_name,
                    "sex": person.sex,
                    "date_of_birth": iso(person.date_of_birth),
                    "birth_province": office.province_code,
                    "birth_record_ref": format!("TUPHAP-KS-{record_id}"),
                })
            }
            (kind, _) if pid.is_none() => {
                let reason = if kind == "death" {
                    "Người chết không có số định danh cá nhân trong sổ hộ tịch: cơ quan công an cập nhật theo trích lục khai tử."
                } else {
                    "Trẻ chưa có số định danh cá nhân."
                };
                return skip(reason, false);
            }
            ("birth", 1) => json!({
                "personal_id": pid,
                "commune_code": office.unit_code,
            }),
            ("birth", 2) => json!({
                "personal_id": pid,
                "full_name": person.full_name,
                "date_of_birth": iso(person.date_of_birth),
            }),
            ("death", 0) => json!({
                "personal_id": pid,
                "date_of_death": record.event_date.to_string(),
            }),
            ("death", 1) => json!({
                "personal_id": pid,
                "date": record.event_date.to_string(),
            }),
            ("death", 2) => json!({ "personal_id": pid }),
            _ => return Ok(None),
        };
        Ok(Some(Built::Send(body.to_string())))
    }

    /// Applies a linked step's answer inside `tx` (which also marks the message delivered) and
    /// returns the next step's message. A refusal (an answer that contradicts the register) is
    /// a [`DomainError`]: the message is then dead, with its message, for an operator.
    pub async fn apply_linked_answer(
        &self,
        tx: &mut Tx,
        m: &Claimed,
        answer: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<Applied> {
        let Some((procedure, index)) = step_of(&m.subscriber, &m.service) else {
            return Ok(Applied::default());
        };
        let (_, record_id) = envelope_record(&m.payload).ok_or_else(DomainError::internal)?;
        let mut applied = Applied::default();
        if let Some(answer) = answer {
            let v: Value = serde_json::from_str(answer).map_err(|_| {
                DomainError::new(
                    ErrorKind::Unprocessable,
                    "partner_answer_invalid",
                    format!("Câu trả lời của {} không phải JSON hợp lệ.", m.subscriber),
                )
            })?;
            let subject = self
                .store
                .record_by_id(record_id)
                .await?
                .ok_or_else(DomainError::internal)?
                .subject_person_id;
            let scheme = match (procedure.kind, index) {
                ("birth", 0) => {
                    let pid = answer_field(&v, "personal_id", &m.subscriber)?;
                    applied.effect = self
                        .apply_assigned_personal_id(
                            tx,
                            record_id,
                            pid,
                            &m.subscriber,
                            &m.message_id,
                        )
                        .await?;
                    None
                }
                ("birth", 1) => Some((PERMANENT_RESIDENCE, "registration_number")),
                ("birth", 2) => Some((HEALTH_INSURANCE_CARD, "card_number")),
                ("death", 2) => Some((FUNERAL_ALLOWANCE, "case_number")),
                _ => None,
            };
            if let Some((scheme, field)) = scheme {
                let value = answer_field(&v, field, &m.subscriber)?;
                applied.effect = self
                    .apply_partner_number(
                        tx,
                        subject,
                        scheme,
                        value,
                        record_id,
                        &m.subscriber,
                        &m.message_id,
                        now,
                    )
                    .await?;
            }
        }
        applied.next = next_step(procedure, index, m);
        Ok(applied)
    }

    /// The steps of the linked procedure of a record and their states, for its page and API
    /// (empty for kinds without one).
    pub async fn linked_steps(&self, kind: &str, record_id: i64) -> Result<Vec<LinkedStepView>> {
        let Some(procedure) = PROCEDURES.iter().find(|p| p.kind == kind) else {
            return Ok(Vec::new());
        };
        let messages = self
            .store
            .outbox_for_ordering_key(&format!("{kind}/{record_id}"), 200)
            .await?;
        let mut out = Vec::new();
        let mut ended = false;
        for s in procedure.steps {
            let m = messages
                .iter()
                .rev()
                .find(|m| m.subscriber == s.provider && m.service == s.service);
            let view = LinkedStepView::of(s, m, ended);
            ended = ended || (view.state == "skipped" && !view.goes_on);
            out.push(view);
        }
        Ok(out)
    }
}

fn next_step(procedure: &Procedure, index: usize, m: &Claimed) -> Option<NewMessage> {
    let next = procedure.steps.get(index + 1)?;
    let seq = envelope_seq(&m.payload).unwrap_or_default();
    Some(NewMessage {
        subscriber: next.provider.to_string(),
        service: next.service.to_string(),
        message_id: format!("tuphap-{seq}-{}", next.service),
        ordering_key: m.ordering_key.clone(),
        change_seq: Some(seq),
        payload: m.payload.clone(),
    })
}

/// The next step after a step skipped with `go_on` (no answer to apply).
pub fn next_after_skip(m: &Claimed) -> Option<NewMessage> {
    let (procedure, index) = step_of(&m.subscriber, &m.service)?;
    next_step(procedure, index, m)
}

/// One step of a record's linked procedure as shown on its page and in the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct LinkedStepView {
    /// X-Road subsystem of the agency.
    pub provider: String,
    pub service: String,
    pub label: String,
    /// `not_started` (waits for the step before), `not_applicable`, `pending`, `sending`,
    /// `retrying`, `done`, `skipped`, `failed`.
    pub state: String,
    /// The state in Vietnamese.
    pub state_label: String,
    pub attempts: i64,
    /// The last error (retrying, failed) or why the step was skipped.
    pub detail: Option<String>,
    /// What the agency gave (the personal ID, a card number…), in Vietnamese.
    pub result: Option<String>,
    /// The number alone (for display in a monospace font).
    pub result_value: Option<String>,
    /// What the number is, in Vietnamese.
    pub result_label: Option<String>,
    /// The message's idempotency key (`X-Road-Id`).
    pub message_id: Option<String>,
    #[serde(skip)]
    goes_on: bool,
}

impl LinkedStepView {
    fn of(s: &Step, m: Option<&OutboxMessage>, ended: bool) -> LinkedStepView {
        let mut v = LinkedStepView {
            provider: s.provider.to_string(),
            service: s.service.to_string(),
            label: s.label.to_string(),
            state: String::new(),
            state_label: String::new(),
            attempts: 0,
            detail: None,
            result: None,
            result_value: None,
            result_label: None,
            message_id: None,
            goes_on: false,
        };
        let (state, label) = match m {
            None if ended => ("not_applicable", "Không áp dụng".to_string()),
            None => ("not_started", "Chờ bước trước".to_string()),
            Some(m) => {
                v.attempts = m.attempts;
                v.message_id = Some(m.message_id.clone());
                v.detail = m.last_error.clone();
                match m.status.as_str() {
                    DELIVERED if m.outcome.as_deref() == Some(SKIPPED) => {
                        v.goes_on = m.response.as_deref() == Some(GO_ON);
                        ("skipped", "Không cần gửi".to_string())
                    }
                    DELIVERED => {
                        if let Some((label, value)) =
                            m.response.as_deref().and_then(|a| result_of(&m.service, a))
                        {
                            v.result = Some(match &value {
                                Some(value) => format!("{label}: {value}"),
                                None => label.to_string(),
                            });
                            v.result_label = Some(label.to_string());
                            v.result_value = value;
                        }
                        ("done", "Đã xong".to_string())
                    }
                    DEAD => (
                        "failed",
                        format!("Không thành công sau {} lần gửi", m.attempts),
                    ),
                    DELIVERING => ("sending", "Đang gửi".to_string()),
                    _ if m.attempts > 0 => (
                        "retrying",
                        format!("Chờ gửi lại (đã gửi {} lần)", m.attempts),
                    ),
                    _ => ("pending", "Chờ gửi".to_string()),
                }
            }
        };
        v.state = state.to_string();
        v.state_label = label;
        v
    }
}

/// The `response` kept on a step skipped with the next step still to do.
pub const GO_ON: &str = "{\"skipped\":true,\"go_on\":true}";

/// What an answer gave: its label and the number, if the step gives one.
fn result_of(service: &str, answer: &str) -> Option<(&'static str, Option<String>)> {
    let v: Value = serde_json::from_str(answer).ok()?;
    let (field, label) = match service {
        "assignPersonalId" => ("personal_id", "Số định danh cá nhân"),
        "registerPermanentResidence" => ("registration_number", "Số đăng ký thường trú"),
        "issueHealthInsuranceCard" => ("card_number", "Mã thẻ BHYT"),
        "funeralAllowance" => ("case_number", "Số hồ sơ trợ cấp mai táng"),
        _ => return Some(("Đã ghi nhận", None)),
    };
    Some((label, v[field].as_str().map(str::to_string)))
}

impl App {
    /// Subscribes the linked procedures' steps at the security server `security_server`
    /// (`http://host:port`). A new subscription starts at the end of the change log (the
    /// registrations made before the link existed are not sent); an existing one keeps its
    /// place and gets the endpoint. Returns the number of subscriptions.
    pub async fn subscribe_linked_procedures(&self, security_server: &str) -> Result<usize> {
        let url = security_server.trim();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(DomainError::new(
                ErrorKind::BadRequest,
                "partner_url_invalid",
                format!(
                    "Địa chỉ máy chủ an ninh X-Road \u{201c}{url}\u{201d} phải bắt đầu bằng http:// hoặc https://."
                ),
            ));
        }
        let head = self.store.last_change_seq().await?;
        let subs = linked_subscriptions(url, head);
        let now = tuphap_store::now_utc();
        for s in &subs {
            self.store.upsert_subscription(s, now).await?;
        }
        Ok(subs.len())
    }
}
