//! Citizen login (OpenID Connect) and citizen sessions (migration 0017). Citizens are not staff
//! users: their sessions are a table of their own, never `sessions`.

use crate::{Result, Store, Tx};

/// A login in progress (between `/citizen/login` and `/citizen/callback`).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CitizenLogin {
    pub login_hash: String,
    pub state: String,
    pub nonce: String,
    pub code_verifier: String,
    /// Unix microseconds.
    pub created_at: i64,
    pub expires_at: i64,
}

/// A citizen session as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CitizenSession {
    pub id: i64,
    pub token_hash: String,
    pub personal_id: String,
    pub full_name: String,
    pub birthdate: Option<String>,
    pub gender: Option<String>,
    pub issuer: String,
    pub csrf_token: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
}

const SESSION_COLUMNS: &str = "id, token_hash, personal_id, full_name, birthdate, gender, issuer, \
     csrf_token, created_at, expires_at, revoked_at";

impl Tx {
    /// Records a login in progress; drops logins expired before `now`.
    pub async fn citizen_login_insert(&mut self, l: &CitizenLogin, now: i64) -> Result<()> {
        with_tx!(self, c => sqlx::query("DELETE FROM citizen_logins WHERE expires_at < $1")
            .bind(now)
            .execute(&mut *c)
            .await
            .map(|_| ()))?;
        with_tx!(self, c => sqlx::query(
            "INSERT INTO citizen_logins (login_hash, state, nonce, code_verifier, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&l.login_hash)
        .bind(&l.state)
        .bind(&l.nonce)
        .bind(&l.code_verifier)
        .bind(l.created_at)
        .bind(l.expires_at)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Takes a login in progress out (single use): the row, which is deleted, or `None`.
    pub async fn citizen_login_take(&mut self, login_hash: &str) -> Result<Option<CitizenLogin>> {
        let row = with_tx!(self, c => sqlx::query_as::<_, CitizenLogin>(
            "SELECT login_hash, state, nonce, code_verifier, created_at, expires_at \
             FROM citizen_logins WHERE login_hash = $1",
        )
        .bind(login_hash)
        .fetch_optional(&mut *c)
        .await)?;
        if row.is_some() {
            with_tx!(self, c => sqlx::query("DELETE FROM citizen_logins WHERE login_hash = $1")
                .bind(login_hash)
                .execute(&mut *c)
                .await
                .map(|_| ()))?;
        }
        Ok(row)
    }

    /// Records a new citizen session (`id` is ignored) and returns its id.
    pub async fn citizen_session_insert(&mut self, s: &CitizenSession) -> Result<i64> {
        let id: i64 = with_tx!(self, c => sqlx::query_scalar(
            "INSERT INTO citizen_sessions (token_hash, personal_id, full_name, birthdate, gender, \
             issuer, csrf_token, created_at, expires_at, revoked_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL) RETURNING id",
        )
        .bind(&s.token_hash)
        .bind(&s.personal_id)
        .bind(&s.full_name)
        .bind(&s.birthdate)
        .bind(&s.gender)
        .bind(&s.issuer)
        .bind(&s.csrf_token)
        .bind(s.created_at)
        .bind(s.expires_at)
        .fetch_one(&mut *c)
        .await)?;
        Ok(id)
    }

    /// Ends a citizen session.
    pub async fn citizen_session_revoke(&mut self, id: i64, now: i64) -> Result<()> {
        with_tx!(self, c => sqlx::query(
            "UPDATE citizen_sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        Ok(())
    }
}

impl Store {
    /// The citizen session with this token hash (revoked and expired ones included).
    pub async fn citizen_session_by_token_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<CitizenSession>> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM citizen_sessions WHERE token_hash = $1");
        let r = with_pool!(self, p => sqlx::query_as::<_, CitizenSession>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(token_hash)
            .fetch_optional(p)
            .await)?;
        Ok(r)
    }
}
