//! Signing keys of offices (public halves) and the certificates issued.

use serde::Serialize;
use time::{Date, OffsetDateTime};

use crate::{Result, Store, Tx};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct SigningKeyRow {
    pub key_id: String,
    pub office_id: i64,
    /// Hex of the 32-byte Ed25519 public key.
    pub public_key: String,
    pub created_at: OffsetDateTime,
    pub retired_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct CertificateRow {
    pub id: i64,
    pub record_id: i64,
    pub record_version: i32,
    pub key_id: String,
    pub code: String,
    pub issued_on: Date,
    pub issued_by: i64,
    pub revoked_at: Option<OffsetDateTime>,
}

const CERT_COLUMNS: &str =
    "id, record_id, record_version, key_id, code, issued_on, issued_by, revoked_at";

impl Store {
    /// Any key (current or retired: old certificates keep verifying).
    pub async fn signing_key(&self, key_id: &str) -> Result<Option<SigningKeyRow>> {
        let r = with_pool!(self, p => sqlx::query_as::<_, SigningKeyRow>(
            "SELECT key_id, office_id, public_key, created_at, retired_at FROM signing_keys WHERE key_id = $1",
        )
        .bind(key_id)
        .fetch_optional(p)
        .await)?;
        Ok(r)
    }

    /// The office's current (not retired) keys, newest first.
    pub async fn current_signing_keys(&self, office_id: i64) -> Result<Vec<SigningKeyRow>> {
        let r = with_pool!(self, p => sqlx::query_as::<_, SigningKeyRow>(
            "SELECT key_id, office_id, public_key, created_at, retired_at FROM signing_keys \
             WHERE office_id = $1 AND retired_at IS NULL ORDER BY created_at DESC, key_id DESC",
        )
        .bind(office_id)
        .fetch_all(p)
        .await)?;
        Ok(r)
    }

    pub async fn certificate_by_code(&self, code: &str) -> Result<Option<CertificateRow>> {
        let sql = format!("SELECT {CERT_COLUMNS} FROM certificates WHERE code = $1");
        let r = with_pool!(self, p => sqlx::query_as::<_, CertificateRow>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(code).fetch_optional(p).await)?;
        Ok(r)
    }

    /// Certificates of a record, newest first.
    pub async fn certificates_of(&self, record_id: i64) -> Result<Vec<CertificateRow>> {
        let sql = format!(
            "SELECT {CERT_COLUMNS} FROM certificates WHERE record_id = $1 ORDER BY id DESC"
        );
        let r = with_pool!(self, p => sqlx::query_as::<_, CertificateRow>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(record_id).fetch_all(p).await)?;
        Ok(r)
    }
}

impl Tx {
    pub async fn signing_key_insert(
        &mut self,
        key_id: &str,
        office_id: i64,
        public_key_hex: &str,
    ) -> Result<()> {
        let now = crate::now_utc();
        with_tx!(self, c => sqlx::query(
            "INSERT INTO signing_keys (key_id, office_id, public_key, created_at, retired_at) VALUES ($1, $2, $3, $4, NULL)",
        )
        .bind(key_id)
        .bind(office_id)
        .bind(public_key_hex)
        .bind(now)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Revokes every certificate of the record not yet revoked; returns how many.
    pub async fn certificates_revoke(&mut self, record_id: i64) -> Result<u64> {
        let now = crate::now_utc();
        let n = with_tx!(self, c => sqlx::query(
            "UPDATE certificates SET revoked_at = $1 WHERE record_id = $2 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(record_id)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n)
    }

    /// Retires the office's current keys (rotation); they keep verifying old certificates.
    pub async fn signing_keys_retire(&mut self, office_id: i64) -> Result<()> {
        let now = crate::now_utc();
        with_tx!(self, c => sqlx::query(
            "UPDATE signing_keys SET retired_at = $1 WHERE office_id = $2 AND retired_at IS NULL",
        )
        .bind(now)
        .bind(office_id)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn certificate_insert(
        &mut self,
        record_id: i64,
        record_version: i32,
        key_id: &str,
        code: &str,
        issued_on: Date,
        issued_by: i64,
    ) -> Result<i64> {
        let now = crate::now_utc();
        let (id,): (i64,) = with_tx!(self, c => sqlx::query_as(
            "INSERT INTO certificates (record_id, record_version, key_id, code, issued_on, issued_by, revoked_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, NULL, $7) RETURNING id",
        )
        .bind(record_id)
        .bind(record_version)
        .bind(key_id)
        .bind(code)
        .bind(issued_on)
        .bind(issued_by)
        .bind(now)
        .fetch_one(&mut *c)
        .await)?;
        Ok(id)
    }
}
