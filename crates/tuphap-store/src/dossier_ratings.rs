//! Satisfaction ratings of finished dossiers (issue 7; migration 0020): one row per dossier in
//! `dossier_ratings` (score 1–5, comment, when). The rule (the applicant only, once, after the
//! dossier is finished) is the domain's (`tuphap_domain::online::rating`); the primary key makes
//! a second rating impossible even when two requests race.

use serde::Serialize;

use crate::{Result, Store, Tx};

/// A rating as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct DossierRating {
    pub dossier_id: i64,
    /// 1 (very dissatisfied) – 5 (very satisfied).
    pub score: i32,
    pub comment: String,
    /// Unix microseconds.
    pub rated_at: i64,
}

impl Store {
    /// The rating of a dossier, if it has one.
    pub async fn dossier_rating(&self, dossier_id: i64) -> Result<Option<DossierRating>> {
        let r = with_pool!(self, p => sqlx::query_as::<_, DossierRating>(
            "SELECT dossier_id, score, comment, rated_at FROM dossier_ratings WHERE dossier_id = $1",
        )
        .bind(dossier_id)
        .fetch_optional(p)
        .await)?;
        Ok(r)
    }
}

impl Tx {
    /// Inserts the rating of a dossier; `false` when the dossier was already rated (nothing
    /// changed).
    pub async fn dossier_rating_insert(&mut self, r: &DossierRating) -> Result<bool> {
        let n = with_tx!(self, c => sqlx::query(
            "INSERT INTO dossier_ratings (dossier_id, score, comment, rated_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (dossier_id) DO NOTHING",
        )
        .bind(r.dossier_id)
        .bind(r.score)
        .bind(&r.comment)
        .bind(r.rated_at)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }
}
