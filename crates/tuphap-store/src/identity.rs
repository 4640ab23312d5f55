//! Offices, users and sessions.

use serde::Serialize;
use time::{Date, OffsetDateTime};

use crate::{Result, Store, Tx};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct OfficeRow {
    pub id: i64,
    pub code: String,
    pub kind: String,
    pub name: String,
    pub unit_code: Option<String>,
    pub unit_level: Option<String>,
    pub unit_valid_from: Option<Date>,
    pub province_code: Option<String>,
    /// Set for the office of a unit that no longer exists (kept for its register books).
    pub unit_valid_to: Option<Date>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOffice {
    pub code: String,
    pub kind: String,
    pub name: String,
    pub unit_code: Option<String>,
    pub unit_level: Option<String>,
    pub unit_valid_from: Option<Date>,
    pub province_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub office_id: i64,
    #[serde(skip)]
    pub password_hash: String,
    pub active: bool,
    pub failed_attempts: i32,
    pub locked_until: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub office_id: i64,
    pub password_hash: String,
}

/// A live session joined with its user and office.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionRow {
    pub session_id: i64,
    pub kind: String,
    pub csrf_token: String,
    pub expires_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    pub revoked_at: Option<OffsetDateTime>,
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub active: bool,
    pub office_id: i64,
    pub office_code: String,
    pub office_kind: String,
    pub office_name: String,
    pub office_unit_code: Option<String>,
    pub office_province_code: Option<String>,
    /// `full`, or `enrol` for a session that may only enrol a second factor (migration 0022).
    pub purpose: String,
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    pub token_hash: String,
    pub user_id: i64,
    pub kind: String,
    pub csrf_token: String,
    pub expires_at: OffsetDateTime,
    pub source_ip: Option<String>,
    pub user_agent: Option<String>,
}

const OFFICE_COLUMNS: &str =
    "id, code, kind, name, unit_code, unit_level, unit_valid_from, province_code, unit_valid_to";
const USER_COLUMNS: &str = "id, username, display_name, role, office_id, password_hash, active, \
     failed_attempts, locked_until, created_at";

impl Store {
    pub async fn office_by_code(&self, code: &str) -> Result<Option<OfficeRow>> {
        let sql = format!("SELECT {OFFICE_COLUMNS} FROM offices WHERE code = $1");
        let r = with_pool!(self, p => sqlx::query_as::<_, OfficeRow>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(code).fetch_optional(p).await)?;
        Ok(r)
    }

    pub async fn office_by_id(&self, id: i64) -> Result<Option<OfficeRow>> {
        let sql = format!("SELECT {OFFICE_COLUMNS} FROM offices WHERE id = $1");
        let r = with_pool!(self, p => sqlx::query_as::<_, OfficeRow>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(id).fetch_optional(p).await)?;
        Ok(r)
    }

    pub async fn offices(&self) -> Result<Vec<OfficeRow>> {
        let sql = format!("SELECT {OFFICE_COLUMNS} FROM offices ORDER BY code");
        let r = with_pool!(self, p => sqlx::query_as::<_, OfficeRow>(sqlx::AssertSqlSafe(sql.as_str()))
            .fetch_all(p).await)?;
        Ok(r)
    }

    pub async fn user_by_username(&self, username: &str) -> Result<Option<UserRow>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE username = $1");
        let r = with_pool!(self, p => sqlx::query_as::<_, UserRow>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(username).fetch_optional(p).await)?;
        Ok(r)
    }

    pub async fn user_by_id(&self, id: i64) -> Result<Option<UserRow>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        let r = with_pool!(self, p => sqlx::query_as::<_, UserRow>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(id).fetch_optional(p).await)?;
        Ok(r)
    }

    /// Users, ordered by username, keyset-paginated (`after` = last username seen).
    pub async fn users(&self, after: Option<&str>, limit: i64) -> Result<Vec<UserRow>> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users WHERE ($1 IS NULL OR username > $1) ORDER BY username LIMIT $2"
        );
        let r = with_pool!(self, p => sqlx::query_as::<_, UserRow>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(after).bind(limit.clamp(1, 500)).fetch_all(p).await)?;
        Ok(r)
    }

    pub async fn user_count(&self) -> Result<i64> {
        let (n,): (i64,) = with_pool!(self, p => sqlx::query_as("SELECT COUNT(*) FROM users")
            .fetch_one(p).await)?;
        Ok(n)
    }

    /// The live session whose token hashes to `token_hash` (expiry is checked by the caller).
    pub async fn session_by_token_hash(&self, token_hash: &str) -> Result<Option<SessionRow>> {
        let r = with_pool!(self, p => sqlx::query_as::<_, SessionRow>(
            "SELECT s.id AS session_id, s.kind, s.csrf_token, s.expires_at, s.last_seen_at, s.revoked_at, \
                    u.id AS user_id, u.username, u.display_name, u.role, u.active, \
                    o.id AS office_id, o.code AS office_code, o.kind AS office_kind, o.name AS office_name, \
                    o.unit_code AS office_unit_code, o.province_code AS office_province_code, \
                    s.purpose, s.created_at \
             FROM sessions s JOIN users u ON u.id = s.user_id JOIN offices o ON o.id = u.office_id \
             WHERE s.token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(p)
        .await)?;
        Ok(r)
    }
}

impl Tx {
    /// Inserts the office, or returns the existing one with the same code.
    pub async fn office_get_or_create(&mut self, o: &NewOffice) -> Result<(OfficeRow, bool)> {
        let now = crate::now_utc();
        let sql = format!("SELECT {OFFICE_COLUMNS} FROM offices WHERE code = $1");
        let existing = with_tx!(self, c => sqlx::query_as::<_, OfficeRow>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(&o.code).fetch_optional(&mut *c).await)?;
        if let Some(e) = existing {
            return Ok((e, false));
        }
        let ins = format!(
            "INSERT INTO offices (code, kind, name, unit_code, unit_level, unit_valid_from, province_code, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {OFFICE_COLUMNS}"
        );
        let row = with_tx!(self, c => sqlx::query_as::<_, OfficeRow>(sqlx::AssertSqlSafe(ins.as_str()))
            .bind(&o.code)
            .bind(&o.kind)
            .bind(&o.name)
            .bind(&o.unit_code)
            .bind(&o.unit_level)
            .bind(o.unit_valid_from)
            .bind(&o.province_code)
            .bind(now)
            .fetch_one(&mut *c)
            .await)?;
        Ok((row, true))
    }

    pub async fn user_insert(&mut self, u: &NewUser) -> Result<i64> {
        let now = crate::now_utc();
        let (id,): (i64,) = with_tx!(self, c => sqlx::query_as(
            "INSERT INTO users (username, display_name, role, office_id, password_hash, active, \
             failed_attempts, locked_until, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, TRUE, 0, NULL, $6, $6) RETURNING id",
        )
        .bind(&u.username)
        .bind(&u.display_name)
        .bind(&u.role)
        .bind(u.office_id)
        .bind(&u.password_hash)
        .bind(now)
        .fetch_one(&mut *c)
        .await)?;
        Ok(id)
    }

    /// Reads the user row inside the transaction, locking it on PostgreSQL (SQLite's
    /// `BEGIN IMMEDIATE` already excludes other writers), so concurrent failed logins count
    /// exactly.
    pub async fn user_for_update(&mut self, username: &str) -> Result<Option<UserRow>> {
        let r = match &mut self.inner {
            crate::TxInner::Sqlite(t) => {
                let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE username = $1");
                sqlx::query_as::<_, UserRow>(sqlx::AssertSqlSafe(sql))
                    .bind(username)
                    .fetch_optional(&mut **t)
                    .await?
            }
            crate::TxInner::Postgres(t) => {
                let sql =
                    format!("SELECT {USER_COLUMNS} FROM users WHERE username = $1 FOR UPDATE");
                sqlx::query_as::<_, UserRow>(sqlx::AssertSqlSafe(sql))
                    .bind(username)
                    .fetch_optional(&mut **t)
                    .await?
            }
        };
        Ok(r)
    }

    pub async fn user_set_login_state(
        &mut self,
        user_id: i64,
        failed_attempts: i32,
        locked_until: Option<OffsetDateTime>,
    ) -> Result<()> {
        let now = crate::now_utc();
        with_tx!(self, c => sqlx::query(
            "UPDATE users SET failed_attempts = $1, locked_until = $2, updated_at = $3 WHERE id = $4",
        )
        .bind(failed_attempts)
        .bind(locked_until)
        .bind(now)
        .bind(user_id)
        .execute(&mut *c)
        .await.map(|_| ()))?;
        Ok(())
    }

    pub async fn user_set_password(&mut self, user_id: i64, password_hash: &str) -> Result<()> {
        let now = crate::now_utc();
        with_tx!(self, c => sqlx::query(
            "UPDATE users SET password_hash = $1, failed_attempts = 0, locked_until = NULL, updated_at = $2 WHERE id = $3",
        )
        .bind(password_hash)
        .bind(now)
        .bind(user_id)
        .execute(&mut *c)
        .await.map(|_| ()))?;
        Ok(())
    }

    pub async fn session_insert(&mut self, s: &NewSession) -> Result<i64> {
        let now = crate::now_utc();
        let (id,): (i64,) = with_tx!(self, c => sqlx::query_as(
            "INSERT INTO sessions (token_hash, user_id, kind, csrf_token, created_at, expires_at, \
             last_seen_at, revoked_at, source_ip, user_agent) \
             VALUES ($1, $2, $3, $4, $5, $6, $5, NULL, $7, $8) RETURNING id",
        )
        .bind(&s.token_hash)
        .bind(s.user_id)
        .bind(&s.kind)
        .bind(&s.csrf_token)
        .bind(now)
        .bind(s.expires_at)
        .bind(&s.source_ip)
        .bind(&s.user_agent)
        .fetch_one(&mut *c)
        .await)?;
        Ok(id)
    }

    /// Slides the session's expiry forward.
    pub async fn session_touch(
        &mut self,
        session_id: i64,
        expires_at: OffsetDateTime,
    ) -> Result<()> {
        let now = crate::now_utc();
        with_tx!(self, c => sqlx::query(
            "UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE id = $3 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(expires_at)
        .bind(session_id)
        .execute(&mut *c)
        .await.map(|_| ()))?;
        Ok(())
    }

    /// Revokes a session; returns whether a live one was revoked.
    pub async fn session_revoke(&mut self, session_id: i64) -> Result<bool> {
        let now = crate::now_utc();
        let n = with_tx!(self, c => sqlx::query(
            "UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(session_id)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// Revokes every live session of a user (password change, deactivation).
    pub async fn sessions_revoke_all(&mut self, user_id: i64) -> Result<u64> {
        let now = crate::now_utc();
        let n = with_tx!(self, c => sqlx::query(
            "UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(user_id)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n)
    }
}
