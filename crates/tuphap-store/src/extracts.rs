//! Fees of civil-status services (`civil_fees`) and the certified copies of register extracts
//! issued (`civil_extracts`, bản sao trích lục hộ tịch). Migration 0009.

use serde::Serialize;
use time::{Date, OffsetDateTime};

use crate::{Result, Store, Tx};

/// A fee in force: `province_code` `None` is the national default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct FeeRow {
    pub id: i64,
    pub province_code: Option<String>,
    pub service: String,
    pub channel: String,
    pub effective_from: Date,
    /// Whole đồng.
    pub amount_vnd: i64,
    pub legal_basis: String,
}

/// A fee to add (a province's resolution, a new national tariff).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFee {
    pub province_code: Option<String>,
    pub service: String,
    pub channel: String,
    pub effective_from: Date,
    pub amount_vnd: i64,
    pub legal_basis: String,
}

/// One issuance of certified copies of a record's extract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ExtractRow {
    pub id: i64,
    pub record_id: i64,
    /// The record's version the copies show.
    pub record_version: i32,
    /// The n-th issuance of this record.
    pub serial: i32,
    pub copies: i32,
    pub fee_id: i64,
    pub fee_per_copy: i64,
    pub fee_total: i64,
    pub exemption: Option<String>,
    pub requester_name: String,
    pub requester_relationship: String,
    /// The issuing office (any office that manages the database, not only the registering one).
    pub office_id: i64,
    pub issued_by: i64,
    pub issued_on: Date,
    pub issued_at: OffsetDateTime,
    pub key_id: String,
    /// The signed verification code printed as the copies' QR code.
    pub code: String,
}

/// An issuance to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewExtract {
    pub record_id: i64,
    pub record_version: i32,
    pub serial: i32,
    pub copies: i32,
    pub fee_id: i64,
    pub fee_per_copy: i64,
    pub fee_total: i64,
    pub exemption: Option<String>,
    pub requester_name: String,
    pub requester_relationship: String,
    pub office_id: i64,
    pub issued_by: i64,
    pub issued_on: Date,
    pub key_id: String,
    pub code: String,
}

const FEE_COLUMNS: &str =
    "id, province_code, service, channel, effective_from, amount_vnd, legal_basis";
const EXTRACT_COLUMNS: &str = "id, record_id, record_version, serial, copies, fee_id, fee_per_copy, \
     fee_total, exemption, requester_name, requester_relationship, office_id, issued_by, issued_on, \
     issued_at, key_id, code";

/// The fee of `service` through `channel` on day `on` for an office of `province_code`: the
/// province's row with the latest `effective_from` not after `on`, else the national default's.
const FEE_IN_FORCE: &str = "SELECT id, province_code, service, channel, effective_from, amount_vnd, legal_basis \
     FROM civil_fees WHERE service = $1 AND channel = $2 AND effective_from <= $3 \
       AND (province_code IS NULL OR province_code = $4) \
     ORDER BY (province_code IS NULL), effective_from DESC LIMIT 1";

impl Store {
    /// The fee in force on `on` for an office of `province_code` (see the migration 0009).
    pub async fn fee_in_force(
        &self,
        service: &str,
        channel: &str,
        province_code: Option<&str>,
        on: Date,
    ) -> Result<Option<FeeRow>> {
        let r = with_pool!(self, p => sqlx::query_as::<_, FeeRow>(FEE_IN_FORCE)
            .bind(service)
            .bind(channel)
            .bind(on)
            .bind(province_code)
            .fetch_optional(p)
            .await)?;
        Ok(r)
    }

    pub async fn fee_by_id(&self, id: i64) -> Result<Option<FeeRow>> {
        let sql = format!("SELECT {FEE_COLUMNS} FROM civil_fees WHERE id = $1");
        let r = with_pool!(self, p => sqlx::query_as::<_, FeeRow>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(id).fetch_optional(p).await)?;
        Ok(r)
    }

    /// The issuances of a record, oldest first.
    pub async fn extracts_of(&self, record_id: i64) -> Result<Vec<ExtractRow>> {
        let sql = format!(
            "SELECT {EXTRACT_COLUMNS} FROM civil_extracts WHERE record_id = $1 ORDER BY serial"
        );
        let r = with_pool!(self, p => sqlx::query_as::<_, ExtractRow>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(record_id).fetch_all(p).await)?;
        Ok(r)
    }

    pub async fn extract_by_id(&self, id: i64) -> Result<Option<ExtractRow>> {
        let sql = format!("SELECT {EXTRACT_COLUMNS} FROM civil_extracts WHERE id = $1");
        let r = with_pool!(self, p => sqlx::query_as::<_, ExtractRow>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(id).fetch_optional(p).await)?;
        Ok(r)
    }

    pub async fn extract_by_code(&self, code: &str) -> Result<Option<ExtractRow>> {
        let sql = format!("SELECT {EXTRACT_COLUMNS} FROM civil_extracts WHERE code = $1");
        let r = with_pool!(self, p => sqlx::query_as::<_, ExtractRow>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(code).fetch_optional(p).await)?;
        Ok(r)
    }

    /// How many copies of the record's extract have been issued in all.
    pub async fn extract_copies_total(&self, record_id: i64) -> Result<i64> {
        let (n,): (i64,) = with_pool!(self, p => sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(copies), 0) AS BIGINT) FROM civil_extracts WHERE record_id = $1",
        )
        .bind(record_id)
        .fetch_one(p)
        .await)?;
        Ok(n)
    }
}

impl Tx {
    pub async fn fee_insert(&mut self, f: &NewFee) -> Result<i64> {
        let (id,): (i64,) = with_tx!(self, c => sqlx::query_as(
            "INSERT INTO civil_fees (province_code, service, channel, effective_from, amount_vnd, legal_basis) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(&f.province_code)
        .bind(&f.service)
        .bind(&f.channel)
        .bind(f.effective_from)
        .bind(f.amount_vnd)
        .bind(&f.legal_basis)
        .fetch_one(&mut *c)
        .await)?;
        Ok(id)
    }

    /// The next issuance number of a record and the copies issued so far, read inside the
    /// transaction (call it with the record locked: `record_for_update`).
    pub async fn extract_next_serial(&mut self, record_id: i64) -> Result<(i32, i64)> {
        let (serial, copies): (i64, i64) = with_tx!(self, c => sqlx::query_as(
            "SELECT CAST(COALESCE(MAX(serial), 0) + 1 AS BIGINT), CAST(COALESCE(SUM(copies), 0) AS BIGINT) \
             FROM civil_extracts WHERE record_id = $1",
        )
        .bind(record_id)
        .fetch_one(&mut *c)
        .await)?;
        Ok((i32::try_from(serial).unwrap_or(i32::MAX), copies))
    }

    pub async fn extract_insert(&mut self, e: &NewExtract) -> Result<i64> {
        let now = crate::now_utc();
        let (id,): (i64,) = with_tx!(self, c => sqlx::query_as(
            "INSERT INTO civil_extracts (record_id, record_version, serial, copies, fee_id, fee_per_copy, \
             fee_total, exemption, requester_name, requester_relationship, office_id, issued_by, \
             issued_on, issued_at, key_id, code) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id",
        )
        .bind(e.record_id)
        .bind(e.record_version)
        .bind(e.serial)
        .bind(e.copies)
        .bind(e.fee_id)
        .bind(e.fee_per_copy)
        .bind(e.fee_total)
        .bind(&e.exemption)
        .bind(&e.requester_name)
        .bind(&e.requester_relationship)
        .bind(e.office_id)
        .bind(e.issued_by)
        .bind(e.issued_on)
        .bind(now)
        .bind(&e.key_id)
        .bind(&e.code)
        .fetch_one(&mut *c)
        .await)?;
        Ok(id)
    }
}
