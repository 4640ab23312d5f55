//! Civil-status records: persons, records (events) with their versions and person links, and
//! the register-number counters.

use serde::Serialize;
use time::{Date, OffsetDateTime};

use crate::{Result, Store, Tx, TxInner};

/// A person to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPerson {
    pub personal_id: Option<String>,
    pub full_name: String,
    pub name_folded: String,
    pub sex: Option<String>,
    pub date_of_birth: Option<Date>,
    pub birth_year: Option<i32>,
    pub ethnicity_code: Option<String>,
    pub nationality_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct PersonRow {
    pub id: i64,
    pub personal_id: Option<String>,
    pub full_name: String,
    pub name_folded: String,
    pub sex: Option<String>,
    pub date_of_birth: Option<Date>,
    pub birth_year: Option<i32>,
    pub ethnicity_code: Option<String>,
    pub nationality_code: Option<String>,
    pub date_of_death: Option<Date>,
    pub death_record_id: Option<i64>,
    /// The entry this one was merged into (the same person registered twice), see
    /// [`crate::person_merge`].
    pub merged_into: Option<i64>,
}

/// A record (event) to create, with its first version and its person links.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRecord {
    pub kind: String,
    pub office_id: i64,
    pub unit_code: Option<String>,
    pub event_date: Date,
    pub subject_person_id: i64,
    pub subject_name_folded: String,
    pub late: bool,
    pub declared_by: i64,
    /// The declaration as JSON (version 1).
    pub data: String,
    /// (role, person id): child, mother, father, deceased, husband, wife…
    pub persons: Vec<(String, i64)>,
    /// The earlier record this one concerns (the marriage a recorded divorce ends…).
    pub target_record_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct RecordRow {
    pub id: i64,
    pub kind: String,
    pub status: String,
    pub office_id: i64,
    pub unit_code: Option<String>,
    pub event_date: Date,
    pub subject_person_id: i64,
    pub current_version: i32,
    pub late: bool,
    pub declared_by: i64,
    pub declared_at: OffsetDateTime,
    pub registered_by: Option<i64>,
    pub registered_on: Option<Date>,
    pub register_book: Option<String>,
    pub register_year: Option<i32>,
    pub register_number: Option<i32>,
    pub status_reason: Option<String>,
    pub duplicate_override_reason: Option<String>,
    /// For a migrated record: the legacy system it came from and its id there.
    pub source_system: Option<String>,
    pub source_id: Option<String>,
    /// The earlier record this one concerns.
    pub target_record_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordVersionRow {
    pub version: i32,
    /// The content as JSON (decoded from its stored form, see [`crate::version_data`]).
    pub data: String,
    pub created_at: OffsetDateTime,
    pub created_by: i64,
    pub reason: Option<String>,
}

/// A person linked to a record, with the role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct RecordPersonRow {
    pub role: String,
    pub person_id: i64,
    pub full_name: String,
    pub personal_id: Option<String>,
    pub date_of_birth: Option<Date>,
}

/// A person of a record with what a search document needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct IndexPersonRow {
    pub record_id: i64,
    pub role: String,
    pub person_id: i64,
    pub full_name: String,
    pub personal_id: Option<String>,
    pub date_of_birth: Option<Date>,
    pub sex: Option<String>,
}

/// A candidate duplicate: an existing birth of a child with the same folded name and date of
/// birth, with the parents' folded names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct BirthCandidateRow {
    pub record_id: i64,
    pub status: String,
    pub child_name_folded: String,
    pub child_sex: Option<String>,
    pub child_date_of_birth: Option<Date>,
    pub unit_code: Option<String>,
    pub mother_name_folded: Option<String>,
    pub father_name_folded: Option<String>,
}

const PERSON_COLUMNS: &str = "id, personal_id, full_name, name_folded, sex, date_of_birth, birth_year, \
     ethnicity_code, nationality_code, date_of_death, death_record_id, merged_into";
const RECORD_COLUMNS: &str = "id, kind, status, office_id, unit_code, event_date, subject_person_id, \
     current_version, late, declared_by, declared_at, registered_by, registered_on, register_book, \
     register_year, register_number, status_reason, duplicate_override_reason, source_system, source_id, target_record_id";

/// The person `$1` as one person: the entry that stays (itself, or the entry it was merged into)
/// and the entries merged into that one (`persons.merged_into`, one level; partial index). The
/// rules (marriages, parents, deaths) read a person through it, so that what was registered
/// under a duplicate entry counts (see [`crate::person_merge`]).
macro_rules! same_person {
    () => {
        "(SELECT COALESCE(merged_into, id) FROM persons WHERE id = $1 \
         UNION ALL SELECT m.id FROM persons m \
         WHERE m.merged_into = (SELECT COALESCE(merged_into, id) FROM persons WHERE id = $1))"
    };
}

const MARRIAGES_OF: &str = concat!(
    "SELECT r.id AS record_id, r.status, COALESCE(sp.merged_into, ls.person_id) AS spouse_id, \
            r.register_book, r.register_year, r.register_number, r.registered_on, \
            d.id AS ended_by_record_id, d.event_date AS ended_on \
     FROM civil_record_persons lp \
     JOIN civil_records r ON r.id = lp.record_id AND r.kind = 'marriage' \
          AND r.status IN ('declared', 'registered', 'certificate_issued') \
     JOIN civil_record_persons ls ON ls.record_id = r.id AND ls.role IN ('husband', 'wife') \
          AND ls.person_id <> lp.person_id \
     JOIN persons sp ON sp.id = ls.person_id \
     LEFT JOIN civil_records d ON d.target_record_id = r.id AND d.kind = 'divorce' \
          AND d.status IN ('registered', 'certificate_issued') \
     WHERE lp.person_id IN ",
    same_person!(),
    " AND lp.role IN ('husband', 'wife')"
);

impl Store {
    pub async fn person_by_id(&self, id: i64) -> Result<Option<PersonRow>> {
        let sql = format!("SELECT {PERSON_COLUMNS} FROM persons WHERE id = $1");
        let r = with_pool!(self, p => sqlx::query_as::<_, PersonRow>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(id).fetch_optional(p).await)?;
        Ok(r)
    }

    pub async fn person_by_personal_id(&self, personal_id: &str) -> Result<Option<PersonRow>> {
        let sql = format!("SELECT {PERSON_COLUMNS} FROM persons WHERE personal_id = $1");
        let r = with_pool!(self, p => sqlx::query_as::<_, PersonRow>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(personal_id).fetch_optional(p).await)?;
        Ok(r)
    }

    pub async fn record_by_id(&self, id: i64) -> Result<Option<RecordRow>> {
        let sql = format!("SELECT {RECORD_COLUMNS} FROM civil_records WHERE id = $1");
        let r = with_pool!(self, p => sqlx::query_as::<_, RecordRow>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(id).fetch_optional(p).await)?;
        Ok(r)
    }

    /// All versions of a record, oldest first.
    pub async fn record_versions(&self, id: i64) -> Result<Vec<RecordVersionRow>> {
        type Stored = (i32, Vec<u8>, OffsetDateTime, i64, Option<String>);
        let rows: Vec<Stored> = with_pool!(self, p => sqlx::query_as(
            "SELECT version, data, created_at, created_by, reason FROM civil_record_versions \
             WHERE record_id = $1 ORDER BY version",
        )
        .bind(id)
        .fetch_all(p)
        .await)?;
        rows.into_iter()
            .map(|(version, data, created_at, created_by, reason)| {
                Ok(RecordVersionRow {
                    version,
                    data: crate::version_data::decode(&data)?,
                    created_at,
                    created_by,
                    reason,
                })
            })
            .collect()
    }

    pub async fn record_persons(&self, id: i64) -> Result<Vec<RecordPersonRow>> {
        let r = with_pool!(self, p => sqlx::query_as::<_, RecordPersonRow>(
            "SELECT l.role, l.person_id, p.full_name, p.personal_id, p.date_of_birth \
             FROM civil_record_persons l JOIN persons p ON p.id = l.person_id \
             WHERE l.record_id = $1 ORDER BY l.role",
        )
        .bind(id)
        .fetch_all(p)
        .await)?;
        Ok(r)
    }

    /// Records with ids in `lo..=hi` and their persons, in two queries (the search projection
    /// loads whole import batches this way).
    pub async fn records_for_index(
        &self,
        lo: i64,
        hi: i64,
    ) -> Result<(Vec<RecordRow>, Vec<IndexPersonRow>)> {
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM civil_records WHERE id BETWEEN $1 AND $2 ORDER BY id"
        );
        let records = with_pool!(self, p => sqlx::query_as::<_, RecordRow>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(lo).bind(hi).fetch_all(p).await)?;
        let persons = with_pool!(self, p => sqlx::query_as::<_, IndexPersonRow>(
            "SELECT l.record_id, l.role, l.person_id, p.full_name, \
                    COALESCE(p.personal_id, s.personal_id) AS personal_id, p.date_of_birth, p.sex \
             FROM civil_record_persons l JOIN persons p ON p.id = l.person_id \
             LEFT JOIN persons s ON s.id = p.merged_into \
             WHERE l.record_id BETWEEN $1 AND $2 ORDER BY l.record_id, l.role",
        )
        .bind(lo)
        .bind(hi)
        .fetch_all(p)
        .await)?;
        Ok((records, persons))
    }

    /// A work queue: records of an office in a status, oldest first, keyset-paginated by id.
    pub async fn records_queue(
        &self,
        office_id: i64,
        status: &str,
        after_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<RecordRow>> {
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM civil_records \
             WHERE office_id = $1 AND status = $2 AND ($3 IS NULL OR id > $3) ORDER BY id LIMIT $4"
        );
        let r = with_pool!(self, p => sqlx::query_as::<_, RecordRow>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(office_id)
            .bind(status)
            .bind(after_id)
            .bind(limit.clamp(1, 500))
            .fetch_all(p)
            .await)?;
        Ok(r)
    }

    /// Births (not rejected) of children with this folded name and date of birth, with the
    /// parents' folded names: the candidates for duplicate scoring (index on persons
    /// (name_folded, date_of_birth)).
    pub async fn birth_candidates(
        &self,
        name_folded: &str,
        date_of_birth: Date,
        exclude_record: Option<i64>,
    ) -> Result<Vec<BirthCandidateRow>> {
        let r = with_pool!(self, p => sqlx::query_as::<_, BirthCandidateRow>(
            "SELECT r.id AS record_id, r.status, c.name_folded AS child_name_folded, \
                    c.sex AS child_sex, c.date_of_birth AS child_date_of_birth, r.unit_code, \
                    m.name_folded AS mother_name_folded, f.name_folded AS father_name_folded \
             FROM persons c \
             JOIN civil_record_persons lc ON lc.person_id = c.id AND lc.role = 'child' \
             JOIN civil_records r ON r.id = lc.record_id AND r.kind = 'birth' AND r.status <> 'rejected' \
             LEFT JOIN civil_record_persons lm ON lm.record_id = r.id AND lm.role = 'mother' \
             LEFT JOIN persons m ON m.id = lm.person_id \
             LEFT JOIN civil_record_persons lf ON lf.record_id = r.id AND lf.role = 'father' \
             LEFT JOIN persons f ON f.id = lf.person_id \
             WHERE c.name_folded = $1 AND c.date_of_birth = $2 AND ($3 IS NULL OR r.id <> $3) \
             ORDER BY r.id LIMIT 50",
        )
        .bind(name_folded)
        .bind(date_of_birth)
        .bind(exclude_record)
        .fetch_all(p)
        .await)?;
        Ok(r)
    }
}

/// A record a person takes part in, with the role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct PersonEventRow {
    pub record_id: i64,
    /// The entry the record names: the person asked for, or an entry merged into it.
    pub person_id: i64,
    pub role: String,
    pub kind: String,
    pub status: String,
    pub office_id: i64,
    pub event_date: Date,
    pub registered_on: Option<Date>,
    pub register_book: Option<String>,
    pub register_year: Option<i32>,
    pub register_number: Option<i32>,
}

impl Store {
    /// The records that concern record `id` (`target_record_id`), oldest first: the divorce
    /// recorded against a marriage…
    pub async fn records_targeting(&self, id: i64) -> Result<Vec<RecordRow>> {
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM civil_records WHERE target_record_id = $1 ORDER BY id"
        );
        let r = with_pool!(self, p => sqlx::query_as::<_, RecordRow>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(id).fetch_all(p).await)?;
        Ok(r)
    }

    /// Every record a person takes part in, with those of the entries merged into it, by event
    /// date (index on civil_record_persons (person_id, role); merged entries by the partial
    /// index on persons (merged_into)).
    pub async fn person_events(&self, person_id: i64) -> Result<Vec<PersonEventRow>> {
        let r = with_pool!(self, p => sqlx::query_as::<_, PersonEventRow>(
            "SELECT r.id AS record_id, l.person_id, l.role, r.kind, r.status, r.office_id, r.event_date, \
                    r.registered_on, r.register_book, r.register_year, r.register_number \
             FROM civil_record_persons l JOIN civil_records r ON r.id = l.record_id \
             WHERE l.person_id IN (SELECT id FROM persons WHERE id = $1 \
                                   UNION ALL SELECT id FROM persons WHERE merged_into = $1) \
             ORDER BY r.event_date, r.id",
        )
        .bind(person_id)
        .fetch_all(p)
        .await)?;
        Ok(r)
    }
}

/// A marriage of a person in the registry (declared or registered), with the recorded court
/// decision (divorce or annulment) that ended it, if any. A spouse's death also ends a marriage;
/// callers read it from the spouse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct MarriageLinkRow {
    pub record_id: i64,
    pub status: String,
    pub spouse_id: i64,
    pub register_book: Option<String>,
    pub register_year: Option<i32>,
    pub register_number: Option<i32>,
    /// The day the marriage was registered (when it was).
    pub registered_on: Option<Date>,
    /// The registered `divorce` record (ghi vào sổ việc ly hôn, hủy kết hôn) ending it.
    pub ended_by_record_id: Option<i64>,
    /// The day the court decision took effect.
    pub ended_on: Option<Date>,
}

/// A parent link from a registered birth (role `mother` or `father`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ParentLinkRow {
    pub child_id: i64,
    pub parent_id: i64,
    pub role: String,
}

impl Store {
    /// Parents of `child_id`: birth parents recorded in registered birth records (role `mother`,
    /// `father`) and adoptive parents of registered adoptions, current or ended (role
    /// `adoptive_father`, `adoptive_mother`: the adoption record keeps them after its end), also
    /// under an entry merged with the child's; a parent is named by the entry that stays.
    pub async fn parents_of(&self, child_id: i64) -> Result<Vec<ParentLinkRow>> {
        const SQL: &str = concat!(
            "SELECT CAST($1 AS BIGINT) AS child_id, COALESCE(pp.merged_into, lp.person_id) AS parent_id, lp.role \
             FROM civil_record_persons lc \
             JOIN civil_records r ON r.id = lc.record_id AND r.kind IN ('birth', 'adoption') \
                  AND r.status IN ('registered', 'certificate_issued') \
             JOIN civil_record_persons lp ON lp.record_id = r.id \
                  AND ((r.kind = 'birth' AND lp.role IN ('mother', 'father')) \
                    OR (r.kind = 'adoption' AND lp.role IN ('adoptive_father', 'adoptive_mother'))) \
             JOIN persons pp ON pp.id = lp.person_id \
             WHERE lc.person_id IN ",
            same_person!(),
            " AND lc.role = 'child'"
        );
        let r = with_pool!(self, p => sqlx::query_as::<_, ParentLinkRow>(SQL)
        .bind(child_id)
        .fetch_all(p)
        .await)?;
        Ok(r)
    }

    /// Marriages of `person_id` that are declared or registered (not returned or rejected), with
    /// the spouse.
    pub async fn marriages_of(&self, person_id: i64) -> Result<Vec<MarriageLinkRow>> {
        let r = with_pool!(self, p => sqlx::query_as::<_, MarriageLinkRow>(MARRIAGES_OF)
        .bind(person_id)
        .fetch_all(p)
        .await)?;
        Ok(r)
    }

    /// Death records (declared or registered) of a person (also under an entry merged with
    /// theirs).
    pub async fn deaths_of(&self, person_id: i64) -> Result<Vec<RecordRow>> {
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM civil_records WHERE subject_person_id IN {} AND kind = 'death' \
             AND status IN ('declared', 'registered', 'certificate_issued') ORDER BY id",
            same_person!()
        );
        let r = with_pool!(self, p => sqlx::query_as::<_, RecordRow>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(person_id).fetch_all(p).await)?;
        Ok(r)
    }
}

impl Tx {
    /// Records that a person died (on registration of the death); when the entry was merged
    /// into another, that one too unless it already has a death.
    pub async fn person_set_death(
        &mut self,
        person_id: i64,
        date_of_death: Date,
        record_id: i64,
    ) -> Result<()> {
        for sql in [
            "UPDATE persons SET date_of_death = $1, death_record_id = $2 WHERE id = $3",
            "UPDATE persons SET date_of_death = $1, death_record_id = $2 \
             WHERE id = (SELECT merged_into FROM persons WHERE id = $3) AND date_of_death IS NULL",
        ] {
            with_tx!(self, c => sqlx::query(sql)
                .bind(date_of_death)
                .bind(record_id)
                .bind(person_id)
                .execute(&mut *c)
                .await
                .map(|_| ()))?;
        }
        Ok(())
    }

    /// Links a person to a record in a role (a recognised parent joins the child's birth record).
    pub async fn record_link_person(
        &mut self,
        record_id: i64,
        role: &str,
        person_id: i64,
    ) -> Result<()> {
        with_tx!(self, c => sqlx::query(
            "INSERT INTO civil_record_persons (record_id, role, person_id) VALUES ($1, $2, $3)",
        )
        .bind(record_id)
        .bind(role)
        .bind(person_id)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Removes the links of `role` from record `record_id` (an adoption's end unlinks the
    /// adoptive parents from the child's birth record; the adoption record keeps them).
    pub async fn record_unlink_role(&mut self, record_id: i64, role: &str) -> Result<u64> {
        let n = with_tx!(self, c => sqlx::query(
            "DELETE FROM civil_record_persons WHERE record_id = $1 AND role = $2",
        )
        .bind(record_id)
        .bind(role)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n)
    }

    /// Corrects a person's identity facts (an amendment of the record that establishes them);
    /// `None` keeps what is stored.
    pub async fn person_set_identity(
        &mut self,
        person_id: i64,
        full_name: &str,
        sex: Option<&str>,
        date_of_birth: Option<Date>,
    ) -> Result<()> {
        with_tx!(self, c => sqlx::query(
            "UPDATE persons SET full_name = $1, name_folded = $2, sex = COALESCE($3, sex), \
             date_of_birth = COALESCE($4, date_of_birth), birth_year = COALESCE($5, birth_year) \
             WHERE id = $6",
        )
        .bind(full_name)
        .bind(tuphap_core::text::fold(full_name))
        .bind(sex)
        .bind(date_of_birth)
        .bind(date_of_birth.map(|d| d.year()))
        .bind(person_id)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Corrects the searchable summary of a record (its event date and subject's folded name)
    /// after an amendment.
    pub async fn record_set_summary(
        &mut self,
        id: i64,
        event_date: Date,
        subject_name_folded: &str,
    ) -> Result<()> {
        with_tx!(self, c => sqlx::query(
            "UPDATE civil_records SET event_date = $1, subject_name_folded = $2 WHERE id = $3",
        )
        .bind(event_date)
        .bind(subject_name_folded)
        .bind(id)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Records the personal ID of a person who had none (assigned by the population database).
    pub async fn person_set_personal_id(
        &mut self,
        person_id: i64,
        personal_id: &str,
    ) -> Result<()> {
        with_tx!(self, c => sqlx::query(
            "UPDATE persons SET personal_id = $1 WHERE id = $2 AND personal_id IS NULL",
        )
        .bind(personal_id)
        .bind(person_id)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    pub async fn person_by_id(&mut self, id: i64) -> Result<Option<PersonRow>> {
        let sql = format!("SELECT {PERSON_COLUMNS} FROM persons WHERE id = $1");
        let r = with_tx!(self, c => sqlx::query_as::<_, PersonRow>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(id).fetch_optional(&mut *c).await)?;
        Ok(r)
    }

    pub async fn person_by_personal_id(&mut self, personal_id: &str) -> Result<Option<PersonRow>> {
        let sql = format!("SELECT {PERSON_COLUMNS} FROM persons WHERE personal_id = $1");
        let r = with_tx!(self, c => sqlx::query_as::<_, PersonRow>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(personal_id).fetch_optional(&mut *c).await)?;
        Ok(r)
    }

    pub async fn person_insert(&mut self, p: &NewPerson) -> Result<i64> {
        let now = crate::now_utc();
        let (id,): (i64,) = with_tx!(self, c => sqlx::query_as(
            "INSERT INTO persons (personal_id, full_name, name_folded, sex, date_of_birth, birth_year, \
             ethnicity_code, nationality_code, date_of_death, death_record_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, NULL, $9) RETURNING id",
        )
        .bind(&p.personal_id)
        .bind(&p.full_name)
        .bind(&p.name_folded)
        .bind(&p.sex)
        .bind(p.date_of_birth)
        .bind(p.birth_year)
        .bind(&p.ethnicity_code)
        .bind(&p.nationality_code)
        .bind(now)
        .fetch_one(&mut *c)
        .await)?;
        Ok(id)
    }

    /// The person with this personal ID, or a new one: a person known by personal ID is reused,
    /// never duplicated.
    pub async fn person_find_or_create(&mut self, p: &NewPerson) -> Result<(i64, bool)> {
        if let Some(pid) = &p.personal_id
            && let Some(existing) = self.person_by_personal_id(pid).await?
        {
            return Ok((existing.id, false));
        }
        Ok((self.person_insert(p).await?, true))
    }

    /// Inserts the record, its version 1 and its person links; returns the record id.
    pub async fn record_insert(&mut self, r: &NewRecord) -> Result<i64> {
        let now = crate::now_utc();
        let (id,): (i64,) = with_tx!(self, c => sqlx::query_as(
            "INSERT INTO civil_records (kind, status, office_id, unit_code, event_date, subject_person_id, \
             subject_name_folded, current_version, late, declared_by, declared_at, updated_at, \
             target_record_id) \
             VALUES ($1, 'declared', $2, $3, $4, $5, $6, 1, $7, $8, $9, $9, $10) RETURNING id",
        )
        .bind(&r.kind)
        .bind(r.office_id)
        .bind(&r.unit_code)
        .bind(r.event_date)
        .bind(r.subject_person_id)
        .bind(&r.subject_name_folded)
        .bind(r.late)
        .bind(r.declared_by)
        .bind(now)
        .bind(r.target_record_id)
        .fetch_one(&mut *c)
        .await)?;
        self.record_add_version(id, 1, &r.data, r.declared_by, None)
            .await?;
        for (role, person_id) in &r.persons {
            with_tx!(self, c => sqlx::query(
                "INSERT INTO civil_record_persons (record_id, role, person_id) VALUES ($1, $2, $3)",
            )
            .bind(id)
            .bind(role)
            .bind(person_id)
            .execute(&mut *c)
            .await
            .map(|_| ()))?;
        }
        Ok(id)
    }

    async fn record_add_version(
        &mut self,
        id: i64,
        version: i32,
        data: &str,
        by: i64,
        reason: Option<&str>,
    ) -> Result<()> {
        let now = crate::now_utc();
        with_tx!(self, c => sqlx::query(
            "INSERT INTO civil_record_versions (record_id, version, data, created_at, created_by, reason) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(version)
        .bind(crate::version_data::EncodedVersion::encode(data).into_bytes())
        .bind(now)
        .bind(by)
        .bind(reason)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Appends a new version of a record's content (corrections, supplements: never an
    /// overwrite) and makes it current; returns its number. Call after
    /// [`Tx::record_for_update`].
    pub async fn record_new_version(
        &mut self,
        id: i64,
        data: &str,
        by: i64,
        reason: &str,
    ) -> Result<i32> {
        let now = crate::now_utc();
        let (version,): (i32,) = with_tx!(self, c => sqlx::query_as(
            "UPDATE civil_records SET current_version = current_version + 1, updated_at = $2 \
             WHERE id = $1 RETURNING current_version",
        )
        .bind(id)
        .bind(now)
        .fetch_one(&mut *c)
        .await)?;
        self.record_add_version(id, version, data, by, Some(reason))
            .await?;
        Ok(version)
    }

    /// Reads persons inside the transaction, locked (in id order, so two transactions never wait
    /// on each other crosswise) against concurrent registrations that change their civil status
    /// on PostgreSQL; SQLite's `BEGIN IMMEDIATE` already excludes other writers.
    pub async fn persons_for_update(&mut self, ids: &[i64]) -> Result<Vec<PersonRow>> {
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let row = match &mut self.inner {
                TxInner::Sqlite(t) => {
                    let sql = format!("SELECT {PERSON_COLUMNS} FROM persons WHERE id = $1");
                    sqlx::query_as::<_, PersonRow>(sqlx::AssertSqlSafe(sql))
                        .bind(id)
                        .fetch_optional(&mut **t)
                        .await?
                }
                TxInner::Postgres(t) => {
                    let sql =
                        format!("SELECT {PERSON_COLUMNS} FROM persons WHERE id = $1 FOR UPDATE");
                    sqlx::query_as::<_, PersonRow>(sqlx::AssertSqlSafe(sql))
                        .bind(id)
                        .fetch_optional(&mut **t)
                        .await?
                }
            };
            out.extend(row);
        }
        Ok(out)
    }

    /// [`Store::marriages_of`] inside the transaction (sees what it wrote and, after
    /// [`Tx::persons_for_update`], every registration committed before the lock was taken).
    pub async fn marriages_of(&mut self, person_id: i64) -> Result<Vec<MarriageLinkRow>> {
        let r = with_tx!(self, c => sqlx::query_as::<_, MarriageLinkRow>(MARRIAGES_OF)
            .bind(person_id)
            .fetch_all(&mut *c)
            .await)?;
        Ok(r)
    }

    /// [`Store::records_targeting`] inside the transaction.
    pub async fn records_targeting(&mut self, id: i64) -> Result<Vec<RecordRow>> {
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM civil_records WHERE target_record_id = $1 ORDER BY id"
        );
        let r = with_tx!(self, c => sqlx::query_as::<_, RecordRow>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(id).fetch_all(&mut *c).await)?;
        Ok(r)
    }

    /// Reads the record inside the transaction, locked against concurrent workflow steps on
    /// PostgreSQL (SQLite's `BEGIN IMMEDIATE` already excludes other writers).
    pub async fn record_for_update(&mut self, id: i64) -> Result<Option<RecordRow>> {
        let r = match &mut self.inner {
            TxInner::Sqlite(t) => {
                let sql = format!("SELECT {RECORD_COLUMNS} FROM civil_records WHERE id = $1");
                sqlx::query_as::<_, RecordRow>(sqlx::AssertSqlSafe(sql))
                    .bind(id)
                    .fetch_optional(&mut **t)
                    .await?
            }
            TxInner::Postgres(t) => {
                let sql =
                    format!("SELECT {RECORD_COLUMNS} FROM civil_records WHERE id = $1 FOR UPDATE");
                sqlx::query_as::<_, RecordRow>(sqlx::AssertSqlSafe(sql))
                    .bind(id)
                    .fetch_optional(&mut **t)
                    .await?
            }
        };
        Ok(r)
    }

    /// The next register number of `(office, book kind, year)`: the counter row is created on
    /// first use and locked until the transaction ends, so numbers are unique and gapless.
    pub async fn next_register_number(
        &mut self,
        office_id: i64,
        kind: &str,
        year: i32,
    ) -> Result<i32> {
        let (n,): (i32,) = with_tx!(self, c => sqlx::query_as(
            "INSERT INTO register_counters (office_id, kind, year, last_number) VALUES ($1, $2, $3, 1) \
             ON CONFLICT (office_id, kind, year) \
             DO UPDATE SET last_number = register_counters.last_number + 1 RETURNING last_number",
        )
        .bind(office_id)
        .bind(kind)
        .bind(year)
        .fetch_one(&mut *c)
        .await)?;
        Ok(n)
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn record_set_registered(
        &mut self,
        id: i64,
        by: i64,
        on: Date,
        book: &str,
        year: i32,
        number: i32,
        override_reason: Option<&str>,
    ) -> Result<()> {
        let now = crate::now_utc();
        with_tx!(self, c => sqlx::query(
            "UPDATE civil_records SET status = 'registered', registered_by = $1, registered_on = $2, \
             register_book = $3, register_year = $4, register_number = $5, \
             duplicate_override_reason = $6, status_reason = NULL, updated_at = $7 WHERE id = $8",
        )
        .bind(by)
        .bind(on)
        .bind(book)
        .bind(year)
        .bind(number)
        .bind(override_reason)
        .bind(now)
        .bind(id)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Moves a record to `status` with a reason (returned, rejected, certificate_issued).
    pub async fn record_set_status(
        &mut self,
        id: i64,
        status: &str,
        reason: Option<&str>,
    ) -> Result<()> {
        let now = crate::now_utc();
        with_tx!(self, c => sqlx::query(
            "UPDATE civil_records SET status = $1, status_reason = $2, updated_at = $3 WHERE id = $4",
        )
        .bind(status)
        .bind(reason)
        .bind(now)
        .bind(id)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        Ok(())
    }
}
