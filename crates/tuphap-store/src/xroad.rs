//! Exchange: partner members, their API keys, access rights and the first answer to each inbound
//! request (issue 6, items 1–2; migration 0014).
//!
//! - `exchange_members`: partner subsystems by X-Road client id
//!   (`INSTANCE/CLASS/MEMBER/SUBSYSTEM`, checked with [`crate::exchange::is_xroad_subsystem_id`]),
//!   with a rate limit per minute.
//! - `exchange_client_keys`: API keys; only the SHA-256 of the secret is stored. Rotation issues a
//!   new key and gives the older ones an expiry (the grace period).
//! - `exchange_access_rights`: deny by default; a row per (client, service, endpoint) with the
//!   fields the client may see for the lookup services.
//! - `exchange_inbound_requests`: the first answer per (client, `X-Road-Id`), replayed to repeats.
//!
//! Times are unix microseconds on both engines.

use serde::Serialize;

use crate::{Result, Store, Tx};

/// A partner member as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct MemberRow {
    pub client_id: String,
    pub name: String,
    pub enabled: bool,
    pub rate_limit_per_minute: i64,
    pub created_at: i64,
}

/// A client key as stored (the hash of the secret, never the secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ClientKeyRow {
    pub key_id: String,
    pub client_id: String,
    #[serde(skip)]
    pub secret_sha256: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl ClientKeyRow {
    /// Usable at `now`: not revoked, not expired.
    pub fn valid_at(&self, now: i64) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|e| e > now)
    }
}

/// An access right as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AccessRightRow {
    pub client_id: String,
    pub service_code: String,
    pub endpoint: String,
    /// Comma-separated field names ('' = none named).
    pub fields: String,
    pub granted_by: String,
    pub granted_at: i64,
}

impl AccessRightRow {
    /// The fields as a list.
    pub fn field_list(&self) -> Vec<String> {
        self.fields
            .split(',')
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(str::to_string)
            .collect()
    }
}

/// The first answer to an inbound request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct InboundRow {
    pub client_id: String,
    pub message_id: String,
    pub service_code: String,
    pub request_hash: String,
    /// 0 while the request is being processed, else the HTTP status answered.
    pub status: i64,
    pub body: String,
    pub created_at: i64,
}

const MEMBER_COLUMNS: &str = "client_id, name, enabled, rate_limit_per_minute, created_at";
const KEY_COLUMNS: &str = "key_id, client_id, secret_sha256, created_at, expires_at, revoked_at";
const RIGHT_COLUMNS: &str = "client_id, service_code, endpoint, fields, granted_by, granted_at";
const INBOUND_COLUMNS: &str =
    "client_id, message_id, service_code, request_hash, status, body, created_at";

impl Store {
    /// One member.
    pub async fn xroad_member(&self, client_id: &str) -> Result<Option<MemberRow>> {
        let sql = format!("SELECT {MEMBER_COLUMNS} FROM exchange_members WHERE client_id = $1");
        let row = with_pool!(self, p => sqlx::query_as::<_, MemberRow>(sqlx::AssertSqlSafe(sql.clone()))
            .bind(client_id)
            .fetch_optional(p)
            .await)?;
        Ok(row)
    }

    /// All members, by client id.
    pub async fn xroad_members(&self) -> Result<Vec<MemberRow>> {
        let sql = format!("SELECT {MEMBER_COLUMNS} FROM exchange_members ORDER BY client_id");
        let rows = with_pool!(self, p => sqlx::query_as::<_, MemberRow>(sqlx::AssertSqlSafe(sql.clone()))
            .fetch_all(p)
            .await)?;
        Ok(rows)
    }

    /// One key by id.
    pub async fn xroad_key(&self, key_id: &str) -> Result<Option<ClientKeyRow>> {
        let sql = format!("SELECT {KEY_COLUMNS} FROM exchange_client_keys WHERE key_id = $1");
        let row = with_pool!(self, p => sqlx::query_as::<_, ClientKeyRow>(sqlx::AssertSqlSafe(sql.clone()))
            .bind(key_id)
            .fetch_optional(p)
            .await)?;
        Ok(row)
    }

    /// The keys of a member, newest first.
    pub async fn xroad_keys_of(&self, client_id: &str) -> Result<Vec<ClientKeyRow>> {
        let sql = format!(
            "SELECT {KEY_COLUMNS} FROM exchange_client_keys WHERE client_id = $1 \
             ORDER BY created_at DESC, key_id"
        );
        let rows = with_pool!(self, p => sqlx::query_as::<_, ClientKeyRow>(sqlx::AssertSqlSafe(sql.clone()))
            .bind(client_id)
            .fetch_all(p)
            .await)?;
        Ok(rows)
    }

    /// The access rights of a member.
    pub async fn xroad_rights_of(&self, client_id: &str) -> Result<Vec<AccessRightRow>> {
        let sql = format!(
            "SELECT {RIGHT_COLUMNS} FROM exchange_access_rights WHERE client_id = $1 \
             ORDER BY service_code, endpoint"
        );
        let rows = with_pool!(self, p => sqlx::query_as::<_, AccessRightRow>(sqlx::AssertSqlSafe(sql.clone()))
            .bind(client_id)
            .fetch_all(p)
            .await)?;
        Ok(rows)
    }

    /// The first answer recorded for (client, X-Road-Id).
    pub async fn xroad_inbound(
        &self,
        client_id: &str,
        message_id: &str,
    ) -> Result<Option<InboundRow>> {
        let sql = format!(
            "SELECT {INBOUND_COLUMNS} FROM exchange_inbound_requests \
             WHERE client_id = $1 AND message_id = $2"
        );
        let row = with_pool!(self, p => sqlx::query_as::<_, InboundRow>(sqlx::AssertSqlSafe(sql.clone()))
            .bind(client_id)
            .bind(message_id)
            .fetch_optional(p)
            .await)?;
        Ok(row)
    }
}

impl Tx {
    /// Inserts a member (a taken client id is [`crate::StoreError::Conflict`]).
    pub async fn xroad_member_insert(&mut self, m: &MemberRow) -> Result<()> {
        with_tx!(self, c => sqlx::query(
            "INSERT INTO exchange_members (client_id, name, enabled, rate_limit_per_minute, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&m.client_id)
        .bind(&m.name)
        .bind(m.enabled)
        .bind(m.rate_limit_per_minute)
        .bind(m.created_at)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Updates a member's name, enabled flag and rate limit. Returns false when absent.
    pub async fn xroad_member_update(&mut self, m: &MemberRow) -> Result<bool> {
        let n = with_tx!(self, c => sqlx::query(
            "UPDATE exchange_members SET name = $2, enabled = $3, rate_limit_per_minute = $4 \
             WHERE client_id = $1",
        )
        .bind(&m.client_id)
        .bind(&m.name)
        .bind(m.enabled)
        .bind(m.rate_limit_per_minute)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Inserts a key.
    pub async fn xroad_key_insert(&mut self, k: &ClientKeyRow) -> Result<()> {
        with_tx!(self, c => sqlx::query(
            "INSERT INTO exchange_client_keys (key_id, client_id, secret_sha256, created_at, expires_at, revoked_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&k.key_id)
        .bind(&k.client_id)
        .bind(&k.secret_sha256)
        .bind(k.created_at)
        .bind(k.expires_at)
        .bind(k.revoked_at)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Rotation: every usable key of `client_id` that would outlive `until` now expires at
    /// `until`. Returns the key ids so limited.
    pub async fn xroad_keys_expire(&mut self, client_id: &str, until: i64) -> Result<Vec<String>> {
        let ids: Vec<(String,)> = with_tx!(self, c => sqlx::query_as(
            "UPDATE exchange_client_keys SET expires_at = $2 \
             WHERE client_id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2) \
             RETURNING key_id",
        )
        .bind(client_id)
        .bind(until)
        .fetch_all(&mut *c)
        .await)?;
        let mut ids: Vec<String> = ids.into_iter().map(|(k,)| k).collect();
        ids.sort();
        Ok(ids)
    }

    /// Revokes a key of a client. Returns false when absent or already revoked.
    pub async fn xroad_key_revoke(
        &mut self,
        client_id: &str,
        key_id: &str,
        now: i64,
    ) -> Result<bool> {
        let n = with_tx!(self, c => sqlx::query(
            "UPDATE exchange_client_keys SET revoked_at = $3 \
             WHERE client_id = $1 AND key_id = $2 AND revoked_at IS NULL",
        )
        .bind(client_id)
        .bind(key_id)
        .bind(now)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Grants (or replaces) an access right.
    pub async fn xroad_right_upsert(&mut self, r: &AccessRightRow) -> Result<()> {
        with_tx!(self, c => sqlx::query(
            "INSERT INTO exchange_access_rights (client_id, service_code, endpoint, fields, granted_by, granted_at) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (client_id, service_code, endpoint) DO UPDATE SET fields = excluded.fields, \
             granted_by = excluded.granted_by, granted_at = excluded.granted_at",
        )
        .bind(&r.client_id)
        .bind(&r.service_code)
        .bind(&r.endpoint)
        .bind(&r.fields)
        .bind(&r.granted_by)
        .bind(r.granted_at)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Removes an access right. Returns false when there was none.
    pub async fn xroad_right_delete(
        &mut self,
        client_id: &str,
        service_code: &str,
        endpoint: &str,
    ) -> Result<bool> {
        let n = with_tx!(self, c => sqlx::query(
            "DELETE FROM exchange_access_rights WHERE client_id = $1 AND service_code = $2 AND endpoint = $3",
        )
        .bind(client_id)
        .bind(service_code)
        .bind(endpoint)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Records the answer to (client, X-Road-Id), or claims it with status 0. Returns false (and
    /// writes nothing) when the pair is already recorded: the caller replays that answer.
    pub async fn xroad_inbound_insert(&mut self, r: &InboundRow) -> Result<bool> {
        let n = with_tx!(self, c => sqlx::query(
            "INSERT INTO exchange_inbound_requests \
             (client_id, message_id, service_code, request_hash, status, body, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (client_id, message_id) DO NOTHING",
        )
        .bind(&r.client_id)
        .bind(&r.message_id)
        .bind(&r.service_code)
        .bind(&r.request_hash)
        .bind(r.status)
        .bind(&r.body)
        .bind(r.created_at)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Completes a claimed request (status 0) with its answer. Returns false when it was not
    /// claimed.
    pub async fn xroad_inbound_complete(
        &mut self,
        client_id: &str,
        message_id: &str,
        status: i64,
        body: &str,
    ) -> Result<bool> {
        let n = with_tx!(self, c => sqlx::query(
            "UPDATE exchange_inbound_requests SET status = $3, body = $4 \
             WHERE client_id = $1 AND message_id = $2 AND status = 0",
        )
        .bind(client_id)
        .bind(message_id)
        .bind(status)
        .bind(body)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Drops a claim (status 0) whose request failed without an answer worth keeping, so that
    /// the client may retry with the same X-Road-Id.
    pub async fn xroad_inbound_release(&mut self, client_id: &str, message_id: &str) -> Result<()> {
        with_tx!(self, c => sqlx::query(
            "DELETE FROM exchange_inbound_requests WHERE client_id = $1 AND message_id = $2 AND status = 0",
        )
        .bind(client_id)
        .bind(message_id)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        Ok(())
    }
}

impl Tx {
    /// Marks a user inactive (the system users that declare partner dossiers never log in).
    pub async fn xroad_user_deactivate(&mut self, user_id: i64) -> Result<()> {
        with_tx!(self, c => sqlx::query("UPDATE users SET active = FALSE WHERE id = $1")
            .bind(user_id)
            .execute(&mut *c)
            .await
            .map(|_| ()))?;
        Ok(())
    }
}
