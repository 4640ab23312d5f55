//! Numbers partner agencies gave a person through the linked procedures (migration 0012): the
//! health-insurance card, the permanent-residence registration, the funeral-allowance case. The
//! personal ID itself is a column of `persons`.

use crate::{Result, Store, Tx};
use serde::Serialize;

/// The health-insurance card number (social insurance).
pub const HEALTH_INSURANCE_CARD: &str = "health_insurance_card";
/// The permanent-residence registration number (residence database).
pub const PERMANENT_RESIDENCE: &str = "permanent_residence";
/// The funeral-allowance case number (social insurance), on the deceased.
pub const FUNERAL_ALLOWANCE: &str = "funeral_allowance";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct PartnerId {
    pub person_id: i64,
    pub scheme: String,
    pub value: String,
    pub record_id: Option<i64>,
    pub message_id: String,
    pub source: String,
    /// Unix microseconds.
    pub recorded_at: i64,
}

const COLUMNS: &str = "person_id, scheme, value, record_id, message_id, source, recorded_at";

impl Tx {
    /// The person's number in `scheme`, if any.
    pub async fn partner_id(&mut self, person_id: i64, scheme: &str) -> Result<Option<PartnerId>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM person_partner_ids WHERE person_id = $1 AND scheme = $2"
        );
        let r = with_tx!(self, c => sqlx::query_as::<_, PartnerId>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(person_id)
            .bind(scheme)
            .fetch_optional(&mut *c)
            .await)?;
        Ok(r)
    }

    /// Records a number; the caller has checked there is none (or the same) for the scheme.
    pub async fn insert_partner_id(&mut self, p: &PartnerId) -> Result<()> {
        with_tx!(self, c => sqlx::query(
            "INSERT INTO person_partner_ids (person_id, scheme, value, record_id, message_id, source, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(p.person_id)
        .bind(&p.scheme)
        .bind(&p.value)
        .bind(p.record_id)
        .bind(&p.message_id)
        .bind(&p.source)
        .bind(p.recorded_at)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        Ok(())
    }
}

impl Store {
    /// Every partner number of a person, by scheme.
    pub async fn partner_ids_of(&self, person_id: i64) -> Result<Vec<PartnerId>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM person_partner_ids WHERE person_id = $1 ORDER BY scheme"
        );
        let r = with_pool!(self, p => sqlx::query_as::<_, PartnerId>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(person_id)
            .fetch_all(p)
            .await)?;
        Ok(r)
    }
}
