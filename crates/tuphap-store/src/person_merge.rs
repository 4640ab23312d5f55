//! The person register's merges: two entries of `persons` found to be the same person.
//!
//! Nothing is moved or copied (the register holds tens of millions of link rows): the merged
//! entry gets `merged_into` = the entry that stays (the survivor), and the reads of a person's
//! events, marriages, parents and deaths in [`crate::civil`] follow it one level. A survivor is
//! never itself merged and a merged entry never has entries merged into it (the domain refuses
//! chains), so one level is all there is. `person_merges` keeps every merge with its reason and,
//! once undone, who undid it and why; its `*_taken` columns say what the survivor took from the
//! merged entry (facts the survivor did not have), so that undoing gives back the previous state.

use serde::Serialize;
use time::{Date, OffsetDateTime};

use crate::civil::PersonRow;
use crate::{Result, Store, Tx};

/// A merge to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPersonMerge {
    pub survivor_id: i64,
    pub merged_id: i64,
    pub reason: String,
    pub merged_by: i64,
    /// The personal ID that moved from the merged entry to the survivor.
    pub personal_id_moved: Option<String>,
    pub sex_taken: Option<String>,
    pub date_of_birth_taken: Option<Date>,
    pub birth_year_taken: Option<i32>,
    pub date_of_death_taken: Option<Date>,
    pub death_record_id_taken: Option<i64>,
}

/// A merge as stored, with the names of the two entries and of the users.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct PersonMergeRow {
    pub id: i64,
    pub survivor_id: i64,
    pub survivor_name: String,
    pub merged_id: i64,
    pub merged_name: String,
    pub reason: String,
    pub merged_by: i64,
    pub merged_by_name: String,
    pub merged_at: OffsetDateTime,
    pub personal_id_moved: Option<String>,
    pub sex_taken: Option<String>,
    pub date_of_birth_taken: Option<Date>,
    pub birth_year_taken: Option<i32>,
    pub date_of_death_taken: Option<Date>,
    pub death_record_id_taken: Option<i64>,
    pub undone_by: Option<i64>,
    pub undone_by_name: Option<String>,
    pub undone_at: Option<OffsetDateTime>,
    pub undo_reason: Option<String>,
}

const MERGE_SELECT: &str = "SELECT m.id, m.survivor_id, s.full_name AS survivor_name, m.merged_id, \
     d.full_name AS merged_name, m.reason, m.merged_by, u.display_name AS merged_by_name, m.merged_at, \
     m.personal_id_moved, m.sex_taken, m.date_of_birth_taken, m.birth_year_taken, \
     m.date_of_death_taken, m.death_record_id_taken, m.undone_by, v.display_name AS undone_by_name, \
     m.undone_at, m.undo_reason \
     FROM person_merges m JOIN persons s ON s.id = m.survivor_id JOIN persons d ON d.id = m.merged_id \
     JOIN users u ON u.id = m.merged_by LEFT JOIN users v ON v.id = m.undone_by";

const PERSON_COLUMNS: &str = "id, personal_id, full_name, name_folded, sex, date_of_birth, birth_year, \
     ethnicity_code, nationality_code, date_of_death, death_record_id, merged_into";

impl Store {
    pub async fn person_merge_by_id(&self, id: i64) -> Result<Option<PersonMergeRow>> {
        let sql = format!("{MERGE_SELECT} WHERE m.id = $1");
        let r = with_pool!(self, p => sqlx::query_as::<_, PersonMergeRow>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(id).fetch_optional(p).await)?;
        Ok(r)
    }

    /// Every merge a person took part in (as survivor or as merged entry), undone ones too,
    /// newest first: the person's merge history.
    pub async fn person_merges_of(&self, person_id: i64) -> Result<Vec<PersonMergeRow>> {
        let sql = format!(
            "{MERGE_SELECT} WHERE m.id IN (SELECT id FROM person_merges WHERE survivor_id = $1 \
             UNION ALL SELECT id FROM person_merges WHERE merged_id = $1) ORDER BY m.id DESC"
        );
        let r = with_pool!(self, p => sqlx::query_as::<_, PersonMergeRow>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(person_id).fetch_all(p).await)?;
        Ok(r)
    }

    /// The entries merged into `person_id` (now), by id.
    pub async fn persons_merged_into(&self, person_id: i64) -> Result<Vec<PersonRow>> {
        let sql =
            format!("SELECT {PERSON_COLUMNS} FROM persons WHERE merged_into = $1 ORDER BY id");
        let r = with_pool!(self, p => sqlx::query_as::<_, PersonRow>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(person_id).fetch_all(p).await)?;
        Ok(r)
    }

    /// Every merged entry and the entry it was merged into (a few rows among the whole register,
    /// read from the partial index): the bulk import maps the persons of its view through it.
    pub async fn merged_persons(&self) -> Result<Vec<(i64, i64)>> {
        let r: Vec<(i64, i64)> = with_pool!(self, p => sqlx::query_as(
            "SELECT id, merged_into FROM persons WHERE merged_into IS NOT NULL ORDER BY id",
        )
        .fetch_all(p)
        .await)?;
        Ok(r)
    }
}

impl Tx {
    /// Records a merge; returns its id.
    pub async fn person_merge_insert(&mut self, m: &NewPersonMerge) -> Result<i64> {
        let now = crate::now_utc();
        let (id,): (i64,) = with_tx!(self, c => sqlx::query_as(
            "INSERT INTO person_merges (survivor_id, merged_id, reason, merged_by, merged_at, \
             personal_id_moved, sex_taken, date_of_birth_taken, birth_year_taken, \
             date_of_death_taken, death_record_id_taken) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(m.survivor_id)
        .bind(m.merged_id)
        .bind(&m.reason)
        .bind(m.merged_by)
        .bind(now)
        .bind(&m.personal_id_moved)
        .bind(&m.sex_taken)
        .bind(m.date_of_birth_taken)
        .bind(m.birth_year_taken)
        .bind(m.date_of_death_taken)
        .bind(m.death_record_id_taken)
        .fetch_one(&mut *c)
        .await)?;
        Ok(id)
    }

    /// [`Store::person_merge_by_id`] inside the transaction.
    pub async fn person_merge_by_id(&mut self, id: i64) -> Result<Option<PersonMergeRow>> {
        let sql = format!("{MERGE_SELECT} WHERE m.id = $1");
        let r = with_tx!(self, c => sqlx::query_as::<_, PersonMergeRow>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(id).fetch_optional(&mut *c).await)?;
        Ok(r)
    }

    /// Whether any entry is merged into `person_id` (inside the transaction).
    pub async fn person_has_merged(&mut self, person_id: i64) -> Result<bool> {
        let r: Option<(i64,)> = with_tx!(self, c => sqlx::query_as(
            "SELECT id FROM persons WHERE merged_into = $1 LIMIT 1",
        )
        .bind(person_id)
        .fetch_optional(&mut *c)
        .await)?;
        Ok(r.is_some())
    }

    /// Marks the merge undone (once: returns false when it already was).
    pub async fn person_merge_set_undone(
        &mut self,
        id: i64,
        by: i64,
        reason: &str,
    ) -> Result<bool> {
        let now = crate::now_utc();
        let n = with_tx!(self, c => sqlx::query(
            "UPDATE person_merges SET undone_by = $2, undone_at = $3, undo_reason = $4 \
             WHERE id = $1 AND undone_at IS NULL",
        )
        .bind(id)
        .bind(by)
        .bind(now)
        .bind(reason)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Points `merged_id` at `survivor_id` (false when it was already merged).
    pub async fn person_mark_merged(&mut self, merged_id: i64, survivor_id: i64) -> Result<bool> {
        let n = with_tx!(self, c => sqlx::query(
            "UPDATE persons SET merged_into = $2 WHERE id = $1 AND merged_into IS NULL",
        )
        .bind(merged_id)
        .bind(survivor_id)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Undoes [`Tx::person_mark_merged`] (false when `merged_id` was not merged into
    /// `survivor_id`).
    pub async fn person_unmark_merged(&mut self, merged_id: i64, survivor_id: i64) -> Result<bool> {
        let n = with_tx!(self, c => sqlx::query(
            "UPDATE persons SET merged_into = NULL WHERE id = $1 AND merged_into = $2",
        )
        .bind(merged_id)
        .bind(survivor_id)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Moves a personal ID from the entry `from` to the entry `to`, which has none (the unique
    /// index allows one holder at a time: cleared first, then set).
    pub async fn person_move_personal_id(
        &mut self,
        from: i64,
        to: i64,
        personal_id: &str,
    ) -> Result<()> {
        with_tx!(self, c => sqlx::query(
            "UPDATE persons SET personal_id = NULL WHERE id = $1 AND personal_id = $2",
        )
        .bind(from)
        .bind(personal_id)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        with_tx!(self, c => sqlx::query(
            "UPDATE persons SET personal_id = $2 WHERE id = $1 AND personal_id IS NULL",
        )
        .bind(to)
        .bind(personal_id)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Fills the facts a person's entry does not have (sex, date and year of birth, death):
    /// what is stored is kept.
    pub async fn person_fill_identity(&mut self, person_id: i64, m: &NewPersonMerge) -> Result<()> {
        with_tx!(self, c => sqlx::query(
            "UPDATE persons SET sex = COALESCE(sex, $2), \
             date_of_birth = COALESCE(date_of_birth, $3), birth_year = COALESCE(birth_year, $4), \
             death_record_id = CASE WHEN date_of_death IS NULL THEN $6 ELSE death_record_id END, \
             date_of_death = COALESCE(date_of_death, $5) WHERE id = $1",
        )
        .bind(person_id)
        .bind(&m.sex_taken)
        .bind(m.date_of_birth_taken)
        .bind(m.birth_year_taken)
        .bind(m.date_of_death_taken)
        .bind(m.death_record_id_taken)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Gives back what the survivor took in merge `m`: each fact still holding the value taken
    /// is cleared, and so is a death registered under the merged entry (taken at the merge or
    /// registered after it); the personal ID returns to the merged entry.
    pub async fn person_restore_taken(&mut self, m: &PersonMergeRow) -> Result<()> {
        with_tx!(self, c => sqlx::query(
            "UPDATE persons SET \
             sex = CASE WHEN sex = $2 THEN NULL ELSE sex END, \
             date_of_birth = CASE WHEN date_of_birth = $3 THEN NULL ELSE date_of_birth END, \
             birth_year = CASE WHEN birth_year = $4 THEN NULL ELSE birth_year END \
             WHERE id = $1",
        )
        .bind(m.survivor_id)
        .bind(&m.sex_taken)
        .bind(m.date_of_birth_taken)
        .bind(m.birth_year_taken)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        with_tx!(self, c => sqlx::query(
            "UPDATE persons SET date_of_death = NULL, death_record_id = NULL \
             WHERE id = $1 AND death_record_id IN \
             (SELECT id FROM civil_records WHERE subject_person_id = $2 AND kind = 'death')",
        )
        .bind(m.survivor_id)
        .bind(m.merged_id)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        if let Some(pid) = &m.personal_id_moved {
            self.person_move_personal_id(m.survivor_id, m.merged_id, pid)
                .await?;
        }
        Ok(())
    }
}
