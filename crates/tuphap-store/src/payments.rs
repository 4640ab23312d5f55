//! Fee payments of dossiers through a payment gateway (issue 7; migration 0019): one row per
//! payment attempt in `dossier_payments` — the `reference` the gateway knows it by (unique), the
//! amount, the status (`pending` → `paid` | `failed` | `cancelled`), the gateway's transaction
//! number and how the outcome became known (`callback`, `return`, `reconciliation`).
//!
//! A payment leaves `pending` once: [`Tx::payment_settle`] changes only a pending row, so a
//! repeated callback (or a callback racing the browser's return) changes nothing the second
//! time. The rules (who may pay, signatures, amounts) are the domain's
//! (`tuphap_domain::online::payment`). Times are unix microseconds.

use serde::Serialize;

use crate::{Result, Store, Tx, TxInner};

const COLUMNS: &str = "id, dossier_id, reference, amount_vnd, status, gateway_txn, confirmed_by, \
     created_at, paid_at, updated_at";

/// A payment as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct PaymentRow {
    pub id: i64,
    pub dossier_id: i64,
    pub reference: String,
    pub amount_vnd: i64,
    /// `pending`, `paid`, `failed`, `cancelled`.
    pub status: String,
    pub gateway_txn: Option<String>,
    /// `callback`, `return`, `reconciliation` (set when the payment left `pending`).
    pub confirmed_by: Option<String>,
    pub created_at: i64,
    pub paid_at: Option<i64>,
    pub updated_at: i64,
}

/// A payment to insert (status `pending`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPayment {
    pub dossier_id: i64,
    pub reference: String,
    pub amount_vnd: i64,
    pub created_at: i64,
}

/// The outcome of a pending payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentSettlement<'a> {
    /// `paid`, `failed` or `cancelled`.
    pub status: &'a str,
    pub gateway_txn: Option<&'a str>,
    /// `callback`, `return` or `reconciliation`.
    pub confirmed_by: &'a str,
    pub paid_at: Option<i64>,
    pub at: i64,
}

impl Store {
    pub async fn payment_by_reference(&self, reference: &str) -> Result<Option<PaymentRow>> {
        let sql = format!("SELECT {COLUMNS} FROM dossier_payments WHERE reference = $1");
        let r = with_pool!(self, p => sqlx::query_as::<_, PaymentRow>(sqlx::AssertSqlSafe(sql))
            .bind(reference)
            .fetch_optional(p)
            .await)?;
        Ok(r)
    }

    /// A dossier's payments, oldest first.
    pub async fn payments_of_dossier(&self, dossier_id: i64) -> Result<Vec<PaymentRow>> {
        let sql =
            format!("SELECT {COLUMNS} FROM dossier_payments WHERE dossier_id = $1 ORDER BY id");
        let r = with_pool!(self, p => sqlx::query_as::<_, PaymentRow>(sqlx::AssertSqlSafe(sql))
            .bind(dossier_id)
            .fetch_all(p)
            .await)?;
        Ok(r)
    }

    /// Payments still `pending` that were created before `created_before` (unix µs), oldest
    /// first; at most `limit`. What reconciliation asks the gateway about.
    pub async fn payments_pending_before(
        &self,
        created_before: i64,
        limit: i64,
    ) -> Result<Vec<PaymentRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM dossier_payments WHERE status = 'pending' AND created_at < $1 \
             ORDER BY created_at, id LIMIT $2"
        );
        let r = with_pool!(self, p => sqlx::query_as::<_, PaymentRow>(sqlx::AssertSqlSafe(sql))
            .bind(created_before)
            .bind(limit)
            .fetch_all(p)
            .await)?;
        Ok(r)
    }
}

impl Tx {
    /// Inserts a pending payment; returns its id. A reference used before is a unique-violation
    /// error.
    pub async fn payment_insert(&mut self, p: &NewPayment) -> Result<i64> {
        let (id,): (i64,) = with_tx!(self, c => sqlx::query_as(
            "INSERT INTO dossier_payments (dossier_id, reference, amount_vnd, status, created_at, \
             updated_at) VALUES ($1, $2, $3, 'pending', $4, $4) RETURNING id",
        )
        .bind(p.dossier_id)
        .bind(&p.reference)
        .bind(p.amount_vnd)
        .bind(p.created_at)
        .fetch_one(&mut *c)
        .await)?;
        Ok(id)
    }

    /// A payment by reference, locked until the transaction ends (PostgreSQL `FOR UPDATE`;
    /// SQLite's one writer already serializes).
    pub async fn payment_by_reference_for_update(
        &mut self,
        reference: &str,
    ) -> Result<Option<PaymentRow>> {
        let lock = match self.inner {
            TxInner::Sqlite(_) => "",
            TxInner::Postgres(_) => " FOR UPDATE",
        };
        let sql = format!("SELECT {COLUMNS} FROM dossier_payments WHERE reference = $1{lock}");
        let r = with_tx!(self, c => sqlx::query_as::<_, PaymentRow>(sqlx::AssertSqlSafe(sql))
            .bind(reference)
            .fetch_optional(&mut *c)
            .await)?;
        Ok(r)
    }

    /// Settles a **pending** payment; `false` (nothing changed) when it was not pending any more.
    pub async fn payment_settle(&mut self, id: i64, s: &PaymentSettlement<'_>) -> Result<bool> {
        let n = with_tx!(self, c => sqlx::query(
            "UPDATE dossier_payments SET status = $2, gateway_txn = $3, confirmed_by = $4, \
             paid_at = $5, updated_at = $6 WHERE id = $1 AND status = 'pending'",
        )
        .bind(id)
        .bind(s.status)
        .bind(s.gateway_txn)
        .bind(s.confirmed_by)
        .bind(s.paid_at)
        .bind(s.at)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }
}
