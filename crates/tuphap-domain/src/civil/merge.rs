//! The person register: merging two entries found to be the same person, and undoing it.
//!
//! The same real person can have two entries in `persons`: a legacy birth record without a
//! personal ID and a later marriage declared with one, two old registers digitised separately…
//! A merge keeps one entry (the survivor) and points the other (the merged entry) at it; the
//! records stay where they are (no link row is moved or copied: the register holds tens of
//! millions), and every read of a person's events, marriages, parents and deaths follows the
//! pointer (`tuphap_store::civil`), so the survivor's page lists the events of both and the
//! status derived from them — and the marriage rules see a marriage recorded under the
//! duplicate. The survivor takes the facts it lacks (personal ID, sex, date of birth, death);
//! undoing gives them back and the events split again.
//!
//! Who: a signer of a commune (lãnh đạo UBND), or the province or ministry staff, whose
//! jurisdiction covers a record of each entry (the rule of reading a record,
//! [`record_in_scope`]). Refused: an entry merged with itself, an entry already merged, a
//! survivor that is itself merged or an entry that has others merged into it (one level only,
//! no chains), two different personal IDs (two citizens: Luật Căn cước 2023, Điều 12), a
//! different sex, date (or year) of birth or date of death where both are known, two entries
//! named in the same record, and a merge without a reason. Each merge and each undo is one
//! transaction with its `person_merges` row, an audit entry carrying the reason and a change-log
//! row (entity `person`, payload with the records concerned, which the search re-indexes: a
//! merged entry's records are found by the survivor's personal ID).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use tuphap_core::dates::format_vn;
use tuphap_core::role::Role;
use tuphap_core::text::VnText;
use tuphap_store::civil::PersonRow;
use tuphap_store::person_merge::{NewPersonMerge, PersonMergeRow};
use tuphap_store::{NewAuditEntry, NewChange, Outcome};

use super::{invalid, kind_name, record_in_scope, require_texts};
use crate::error::{DomainError, ErrorKind, Result};
use crate::{Actor, App, RequestMeta};

/// Merge another entry into this one: `POST /api/v1/civil/persons/{id}/merge`, where `{id}` is
/// the entry that stays.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonMergeRequest {
    /// The entry folded into `{id}` (it then points at `{id}`; its records stay its own).
    #[schema(example = 1207)]
    pub merged_person_id: i64,
    /// Why the two entries are the same person (checked papers, who confirmed it).
    #[schema(
        example = "Cùng họ tên, ngày sinh, quê quán; đối chiếu bản chính Giấy khai sinh số 12/1993 và CCCD 001093012345"
    )]
    pub reason: String,
}

/// A merge of two entries of the person register, with its undoing when undone.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonMerge {
    pub id: i64,
    /// The entry that stays.
    pub survivor_id: i64,
    pub survivor_name: String,
    /// The entry merged into it.
    pub merged_id: i64,
    pub merged_name: String,
    pub reason: String,
    pub merged_by: String,
    /// RFC 3339.
    pub merged_at: String,
    /// The personal ID the survivor took from the merged entry (given back on undo).
    pub personal_id_moved: Option<String>,
    /// The facts the survivor took from the merged entry: `personal_id`, `sex`,
    /// `date_of_birth`, `birth_year`, `date_of_death`.
    pub taken: Vec<String>,
    /// In force (not undone).
    pub active: bool,
    pub undone_by: Option<String>,
    pub undone_at: Option<String>,
    pub undo_reason: Option<String>,
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

impl From<PersonMergeRow> for PersonMerge {
    fn from(m: PersonMergeRow) -> PersonMerge {
        let mut taken = Vec::new();
        for (name, yes) in [
            ("personal_id", m.personal_id_moved.is_some()),
            ("sex", m.sex_taken.is_some()),
            ("date_of_birth", m.date_of_birth_taken.is_some()),
            ("birth_year", m.birth_year_taken.is_some()),
            ("date_of_death", m.date_of_death_taken.is_some()),
        ] {
            if yes {
                taken.push(name.to_string());
            }
        }
        PersonMerge {
            id: m.id,
            survivor_id: m.survivor_id,
            survivor_name: m.survivor_name,
            merged_id: m.merged_id,
            merged_name: m.merged_name,
            reason: m.reason,
            merged_by: m.merged_by_name,
            merged_at: rfc3339(m.merged_at),
            personal_id_moved: m.personal_id_moved,
            taken,
            active: m.undone_at.is_none(),
            undone_by: m.undone_by_name,
            undone_at: m.undone_at.map(rfc3339),
            undo_reason: m.undo_reason,
        }
    }
}

/// Who may merge: signers (of a commune) and the province and ministry staff.
pub fn may_merge_persons(actor: &Actor) -> bool {
    matches!(actor.role, Role::Signer | Role::Province | Role::Ministry)
}

const WHO: &str = "hợp nhất hai mục của cùng một người trong sổ hộ tịch (chỉ lãnh đạo UBND cấp xã, Sở Tư pháp hoặc Bộ Tư pháp)";

fn conflict(code: &'static str, message: String) -> DomainError {
    DomainError::new(ErrorKind::Conflict, code, message)
}

/// The merged entry's fact when the survivor has none.
fn take<T: Clone>(own: &Option<T>, other: &Option<T>) -> Option<T> {
    match own {
        None => other.clone(),
        Some(_) => None,
    }
}

/// What the survivor takes from the merged entry: the facts it does not have.
fn taken(survivor: &PersonRow, merged: &PersonRow, reason: String, by: i64) -> NewPersonMerge {
    NewPersonMerge {
        survivor_id: survivor.id,
        merged_id: merged.id,
        reason,
        merged_by: by,
        personal_id_moved: take(&survivor.personal_id, &merged.personal_id),
        sex_taken: take(&survivor.sex, &merged.sex),
        date_of_birth_taken: take(&survivor.date_of_birth, &merged.date_of_birth),
        birth_year_taken: take(&survivor.birth_year, &merged.birth_year),
        date_of_death_taken: take(&survivor.date_of_death, &merged.date_of_death),
        death_record_id_taken: take(&survivor.date_of_death, &merged.date_of_death)
            .and(merged.death_record_id),
    }
}

/// The facts that say two entries are two people (personal IDs, sex, birth, death), checked
/// where both entries know them.
fn identity_refusal(survivor: &PersonRow, merged: &PersonRow) -> Result<()> {
    let (s, m) = (survivor, merged);
    if let (Some(a), Some(b)) = (&s.personal_id, &m.personal_id)
        && a != b
    {
        return Err(invalid(
            "person_merge_personal_id_differs",
            "merged_person_id",
            format!(
                "Người số {} có số định danh cá nhân {a}, người số {} có số {b}: hai số định danh là hai công dân (Luật Căn cước 2023, Điều 12), không hợp nhất được.",
                s.id, m.id
            ),
        ));
    }
    if let (Some(a), Some(b)) = (&s.sex, &m.sex)
        && a != b
    {
        let sex = |v: &str| if v == "male" { "nam" } else { "nữ" };
        return Err(invalid(
            "person_merge_sex_differs",
            "merged_person_id",
            format!(
                "Người số {} là {}, người số {} là {}: khác giới tính, không phải cùng một người.",
                s.id,
                sex(a),
                m.id,
                sex(b)
            ),
        ));
    }
    let birth_differs = match (s.date_of_birth, m.date_of_birth) {
        (Some(a), Some(b)) => (a != b).then(|| (format_vn(a), format_vn(b))),
        _ => match (s.birth_year, m.birth_year) {
            (Some(a), Some(b)) if a != b => Some((format!("năm {a}"), format!("năm {b}"))),
            _ => None,
        },
    };
    if let Some((a, b)) = birth_differs {
        return Err(invalid(
            "person_merge_birth_differs",
            "merged_person_id",
            format!(
                "Người số {} sinh {a}, người số {} sinh {b}: khác ngày sinh, không phải cùng một người. Nếu một ngày sinh ghi sai, hãy cải chính hộ tịch trước.",
                s.id, m.id
            ),
        ));
    }
    if let (Some(a), Some(b)) = (s.date_of_death, m.date_of_death)
        && a != b
    {
        return Err(invalid(
            "person_merge_death_differs",
            "merged_person_id",
            format!(
                "Người số {} chết ngày {}, người số {} chết ngày {}: khác ngày chết, không hợp nhất được.",
                s.id,
                format_vn(a),
                m.id,
                format_vn(b)
            ),
        ));
    }
    Ok(())
}

impl App {
    /// The entry `id` (404 `person_not_found`, on `field`).
    async fn merge_party(&self, id: i64, field: &str) -> Result<PersonRow> {
        self.store.person_by_id(id).await?.ok_or_else(|| {
            DomainError::not_found(
                "person_not_found",
                format!("Không có người số {id} trong sổ."),
            )
            .with_field(field)
        })
    }

    /// Refuses (403, audited as denied) unless a record of the entry `person` (its own, or of
    /// an entry merged into it) lies in the actor's jurisdiction; returns its records' ids.
    async fn merge_scope(
        &self,
        actor: &Actor,
        audit: &NewAuditEntry,
        person: &PersonRow,
    ) -> Result<Vec<i64>> {
        let events = self.store.person_events(person.id).await?;
        let mut visible = false;
        for e in &events {
            if let Some(o) = self.store.office_by_id(e.office_id).await?
                && record_in_scope(actor, &o)
            {
                visible = true;
                break;
            }
        }
        if !visible {
            let mut denied = audit.clone();
            denied.outcome = Some(Outcome::Denied);
            denied.reason = Some("outside_jurisdiction".into());
            denied.details = Some(serde_json::json!({"person": person.id}));
            self.store.audit(&[denied]).await?;
            return Err(DomainError::forbidden(format!(
                "Người số {} ({}) không có sự kiện hộ tịch nào trong phạm vi thẩm quyền của {}.",
                person.id, person.full_name, actor.office.name
            )));
        }
        Ok(events.into_iter().map(|e| e.record_id).collect())
    }

    /// The entry that stays for `row`: itself, or the entry it was merged into.
    pub(crate) async fn surviving_person(&self, row: PersonRow) -> Result<PersonRow> {
        match row.merged_into {
            Some(s) => Ok(self.store.person_by_id(s).await?.unwrap_or(row)),
            None => Ok(row),
        }
    }

    /// Every merge the entry took part in, undone ones too, newest first.
    pub async fn person_merge_history(&self, person_id: i64) -> Result<Vec<PersonMerge>> {
        Ok(self
            .store
            .person_merges_of(person_id)
            .await?
            .into_iter()
            .map(PersonMerge::from)
            .collect())
    }

    /// Merges the entry `merged_id` into the entry `survivor_id` (the one that stays), with the
    /// reason the two are the same person.
    pub async fn merge_persons(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        survivor_id: i64,
        merged_id: i64,
        reason: &str,
    ) -> Result<PersonMerge> {
        actor.require(may_merge_persons(actor), WHO)?;
        require_texts(
            "person_merge_reason_required",
            &[(
                "reason",
                reason,
                "lý do hợp nhất (vì sao hai mục là cùng một người)",
            )],
        )?;
        let reason = VnText::new(reason).as_str().to_string();
        if survivor_id == merged_id {
            return Err(invalid(
                "person_merge_same_person",
                "merged_person_id",
                format!(
                    "Người số {survivor_id} không hợp nhất với chính mình: hãy ghi số của mục kia."
                ),
            ));
        }
        let survivor = self.merge_party(survivor_id, "id").await?;
        let merged = self.merge_party(merged_id, "merged_person_id").await?;
        let mut audit = actor.audit(meta, "civil.person.merge");
        audit.target_type = Some("person".into());
        audit.target_id = Some(survivor_id.to_string());
        audit.reason = Some(reason.clone());
        let mut records = self.merge_scope(actor, &audit, &survivor).await?;
        let merged_records = self.merge_scope(actor, &audit, &merged).await?;
        if let Some(into) = merged.merged_into {
            return Err(conflict(
                "person_merge_already_merged",
                format!("Người số {merged_id} đã được hợp nhất vào người số {into}."),
            ));
        }
        if let Some(into) = survivor.merged_into {
            return Err(conflict(
                "person_merge_survivor_merged",
                format!(
                    "Người số {survivor_id} đã được hợp nhất vào người số {into}; hãy hợp nhất vào người số {into}."
                ),
            ));
        }
        if !self.store.persons_merged_into(merged_id).await?.is_empty() {
            return Err(conflict(
                "person_merge_has_merged",
                format!(
                    "Đã có mục khác hợp nhất vào người số {merged_id}: hãy giữ lại người số {merged_id} và hợp nhất người số {survivor_id} vào đó, hoặc hủy các lần hợp nhất kia trước."
                ),
            ));
        }
        identity_refusal(&survivor, &merged)?;
        // The survivor as one person: itself and the entries already merged into it.
        let mut one: Vec<i64> = vec![survivor_id];
        one.extend(
            self.store
                .persons_merged_into(survivor_id)
                .await?
                .iter()
                .map(|p| p.id),
        );
        for e in self.store.person_events(merged_id).await? {
            if let Some(own) = self
                .store
                .record_persons(e.record_id)
                .await?
                .into_iter()
                .find(|p| one.contains(&p.person_id))
            {
                return Err(invalid(
                    "person_merge_same_record",
                    "merged_person_id",
                    format!(
                        "Hồ sơ {} số {} ghi cả hai người (người số {survivor_id} là {}, người số {merged_id} là {}): hai người trong cùng một sự kiện không phải là một.",
                        kind_name(&e.kind),
                        e.record_id,
                        role_name(&own.role),
                        role_name(&e.role)
                    ),
                ));
            }
        }

        let mut tx = self.store.begin().await?;
        // Both entries locked (in id order), then read again: a concurrent merge of either
        // waits, then finds it merged.
        let locked = tx.persons_for_update(&[survivor_id, merged_id]).await?;
        let (Some(survivor), Some(merged)) = (
            locked.iter().find(|p| p.id == survivor_id).cloned(),
            locked.iter().find(|p| p.id == merged_id).cloned(),
        ) else {
            return Err(DomainError::internal());
        };
        if merged.merged_into.is_some() || survivor.merged_into.is_some() {
            return Err(conflict(
                "person_merge_already_merged",
                format!("Người số {merged_id} hoặc người số {survivor_id} vừa được hợp nhất."),
            ));
        }
        if tx.person_has_merged(merged_id).await? {
            return Err(conflict(
                "person_merge_has_merged",
                format!("Vừa có mục khác hợp nhất vào người số {merged_id}."),
            ));
        }
        identity_refusal(&survivor, &merged)?;
        let new = taken(&survivor, &merged, reason.clone(), actor.user_id);
        if let Some(pid) = &new.personal_id_moved {
            tx.person_move_personal_id(merged_id, survivor_id, pid)
                .await?;
        }
        tx.person_fill_identity(survivor_id, &new).await?;
        if !tx.person_mark_merged(merged_id, survivor_id).await? {
            return Err(DomainError::internal());
        }
        let id = tx.person_merge_insert(&new).await?;
        let stored = tx
            .person_merge_by_id(id)
            .await?
            .ok_or_else(DomainError::internal)?;
        let view = PersonMerge::from(stored);
        records.extend(merged_records);
        records.sort_unstable();
        records.dedup();
        audit.details = Some(serde_json::json!({
            "merge": id, "survivor": survivor_id, "merged": merged_id, "taken": view.taken,
        }));
        tx.commit_with(
            &[audit],
            &[NewChange {
                entity: "person".into(),
                entity_id: survivor_id.to_string(),
                action: "merged".into(),
                actor_user_id: Some(actor.user_id),
                payload: serde_json::json!({
                    "merge": id, "survivor": survivor_id, "merged": merged_id, "records": records,
                }),
            }],
        )
        .await?;
        Ok(view)
    }

    /// Undoes merge `merge_id` with a reason: the merged entry stands on its own again with its
    /// events, and the survivor gives back what it took.
    pub async fn undo_person_merge(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        merge_id: i64,
        reason: &str,
    ) -> Result<PersonMerge> {
        actor.require(may_merge_persons(actor), WHO)?;
        require_texts(
            "person_merge_reason_required",
            &[("reason", reason, "lý do hủy hợp nhất")],
        )?;
        let reason = VnText::new(reason).as_str().to_string();
        let m = self
            .store
            .person_merge_by_id(merge_id)
            .await?
            .ok_or_else(|| {
                DomainError::not_found(
                    "person_merge_not_found",
                    format!("Không có lần hợp nhất số {merge_id}."),
                )
            })?;
        if m.undone_at.is_some() {
            return Err(already_undone(&m));
        }
        let survivor = self.merge_party(m.survivor_id, "id").await?;
        let merged = self.merge_party(m.merged_id, "id").await?;
        let mut audit = actor.audit(meta, "civil.person.unmerge");
        audit.target_type = Some("person".into());
        audit.target_id = Some(m.survivor_id.to_string());
        audit.reason = Some(reason.clone());
        let mut records = self.merge_scope(actor, &audit, &survivor).await?;
        records.extend(self.merge_scope(actor, &audit, &merged).await?);
        records.sort_unstable();
        records.dedup();

        let mut tx = self.store.begin().await?;
        tx.persons_for_update(&[m.survivor_id, m.merged_id]).await?;
        let m = tx
            .person_merge_by_id(merge_id)
            .await?
            .ok_or_else(DomainError::internal)?;
        if m.undone_at.is_some() {
            return Err(already_undone(&m));
        }
        tx.person_restore_taken(&m).await?;
        if !tx.person_unmark_merged(m.merged_id, m.survivor_id).await?
            || !tx
                .person_merge_set_undone(merge_id, actor.user_id, &reason)
                .await?
        {
            return Err(DomainError::internal());
        }
        let stored = tx
            .person_merge_by_id(merge_id)
            .await?
            .ok_or_else(DomainError::internal)?;
        audit.details = Some(serde_json::json!({
            "merge": merge_id, "survivor": m.survivor_id, "merged": m.merged_id,
        }));
        tx.commit_with(
            &[audit],
            &[NewChange {
                entity: "person".into(),
                entity_id: m.survivor_id.to_string(),
                action: "unmerged".into(),
                actor_user_id: Some(actor.user_id),
                payload: serde_json::json!({
                    "merge": merge_id, "survivor": m.survivor_id, "merged": m.merged_id,
                    "records": records,
                }),
            }],
        )
        .await?;
        Ok(PersonMerge::from(stored))
    }
}

/// A person's role in a record, in a sentence.
fn role_name(role: &str) -> &str {
    match role {
        "child" => "người được khai sinh",
        "mother" => "mẹ",
        "father" => "cha",
        "deceased" => "người chết",
        "husband" => "chồng",
        "wife" => "vợ",
        "applicant" => "người yêu cầu",
        "adoptive_father" => "cha nuôi",
        "adoptive_mother" => "mẹ nuôi",
        other => other,
    }
}

fn already_undone(m: &PersonMergeRow) -> DomainError {
    conflict(
        "person_merge_already_undone",
        format!(
            "Lần hợp nhất số {} (người số {} vào người số {}) đã được hủy{}.",
            m.id,
            m.merged_id,
            m.survivor_id,
            m.undone_at
                .map(|t| format!(
                    " ngày {}",
                    format_vn(t.to_offset(tuphap_core::dates::VN_OFFSET).date())
                ))
                .unwrap_or_default()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn row(id: i64, pid: Option<&str>, sex: Option<&str>, dob: Option<time::Date>) -> PersonRow {
        PersonRow {
            id,
            personal_id: pid.map(str::to_string),
            full_name: "Nguyễn Văn Nam".into(),
            name_folded: "nguyen van nam".into(),
            sex: sex.map(str::to_string),
            date_of_birth: dob,
            birth_year: dob.map(|d| d.year()),
            ethnicity_code: None,
            nationality_code: None,
            date_of_death: None,
            death_record_id: None,
            merged_into: None,
        }
    }

    #[test]
    fn the_survivor_takes_only_what_it_lacks() {
        let s = row(1, None, Some("male"), Some(date!(1993 - 07 - 02)));
        let m = row(
            2,
            Some("001093012345"),
            Some("male"),
            Some(date!(1993 - 07 - 02)),
        );
        let t = taken(&s, &m, "x".into(), 9);
        assert_eq!(t.personal_id_moved.as_deref(), Some("001093012345"));
        assert_eq!(t.sex_taken, None);
        assert_eq!(t.date_of_birth_taken, None);
        let s = row(1, None, None, None);
        let t = taken(&s, &m, "x".into(), 9);
        assert_eq!(t.sex_taken.as_deref(), Some("male"));
        assert_eq!(t.date_of_birth_taken, Some(date!(1993 - 07 - 02)));
        assert_eq!(t.birth_year_taken, Some(1993));
    }

    #[test]
    fn two_personal_ids_sexes_or_births_are_two_people() {
        let a = row(1, Some("001093012345"), Some("male"), None);
        let b = row(2, Some("001093012346"), Some("male"), None);
        assert_eq!(
            identity_refusal(&a, &b).unwrap_err().code,
            "person_merge_personal_id_differs"
        );
        let b = row(2, None, Some("female"), None);
        assert_eq!(
            identity_refusal(&a, &b).unwrap_err().code,
            "person_merge_sex_differs"
        );
        let a = row(1, None, None, Some(date!(1993 - 07 - 02)));
        let b = row(2, None, None, Some(date!(1993 - 07 - 03)));
        assert_eq!(
            identity_refusal(&a, &b).unwrap_err().code,
            "person_merge_birth_differs"
        );
        let b = row(2, None, None, None);
        assert!(
            identity_refusal(&a, &b).is_ok(),
            "unknown facts do not refuse"
        );
    }
}
